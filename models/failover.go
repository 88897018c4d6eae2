package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"syscall"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// Running on a multi-primary cluster (MariaDB Galera): several hosts in one
// DSN, and transactions run again after what such a cluster answers when
// two nodes' writes collide or a node is not ready.

// splitHosts takes a DSN whose tcp address lists several hosts,
// user:pass@tcp(h1:3306,h2:3306,h3:3306)/db, and returns the hosts and the
// DSN with the first of them only (what the driver can parse).
func splitHosts(dsn string) ([]string, string) {
	open := strings.Index(dsn, "@tcp(")
	if open < 0 {
		return nil, dsn
	}
	start := open + len("@tcp(")
	end := strings.IndexByte(dsn[start:], ')')
	if end < 0 || !strings.Contains(dsn[start:start+end], ",") {
		return nil, dsn
	}
	var hosts []string
	for _, h := range strings.Split(dsn[start:start+end], ",") {
		if h = strings.TrimSpace(h); h != "" {
			if _, _, err := net.SplitHostPort(h); err != nil {
				h = net.JoinHostPort(h, "3306")
			}
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		return nil, dsn
	}
	return hosts, dsn[:start] + hosts[0] + dsn[start+end:]
}

// hostProbeTimeout bounds how long a new connection waits for a host that
// does not answer before it tries the next one.
const hostProbeTimeout = 500 * time.Millisecond

// hostsConnector makes every new connection to the first of hosts, in the
// DSN's order, that answers and is ready: each instance lists its own node
// first and falls back to the others while that one is down, returning to
// it when it is back. A Galera node that restarts accepts connections
// before it has caught up with the cluster (it answers 1047 until then),
// so a node counts as ready only once its wsrep_ready status is ON; a
// server without Galera has no such status and is always ready.
type hostsConnector struct {
	hosts []string
	conns []driver.Connector // one per host
}

func failoverConnector(cfg *mysqldriver.Config, hosts []string) (driver.Connector, error) {
	h := &hostsConnector{hosts: hosts}
	for _, host := range hosts {
		c := cfg.Clone()
		c.Addr = host
		if c.Timeout == 0 || c.Timeout > hostProbeTimeout {
			c.Timeout = hostProbeTimeout
		}
		conn, err := mysqldriver.NewConnector(c)
		if err != nil {
			return nil, err
		}
		h.conns = append(h.conns, conn)
	}
	return h, nil
}

func (h *hostsConnector) Driver() driver.Driver { return h.conns[0].Driver() }

func (h *hostsConnector) Connect(ctx context.Context) (driver.Conn, error) {
	var errs []error
	for i, c := range h.conns {
		conn, err := c.Connect(ctx)
		if err == nil {
			if err = nodeReady(ctx, conn); err == nil {
				return conn, nil
			}
			conn.Close()
		}
		errs = append(errs, fmt.Errorf("%s: %w", h.hosts[i], err))
	}
	return nil, fmt.Errorf("models: no database host answers: %w", errors.Join(errs...))
}

// nodeReady checks a new connection's node: nil unless it is a Galera node
// whose wsrep_ready is not ON.
func nodeReady(ctx context.Context, conn driver.Conn) error {
	q, ok := conn.(driver.QueryerContext)
	if !ok {
		return nil
	}
	rows, err := q.QueryContext(ctx, "SHOW STATUS LIKE 'wsrep_ready'", nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]driver.Value, len(rows.Columns()))
	if err := rows.Next(vals); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // no Galera here
		}
		return err
	}
	if len(vals) < 2 || asString(vals[1]) != "ON" {
		return errors.New("Galera node not ready (wsrep_ready is not ON)")
	}
	return nil
}

func asString(v driver.Value) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// MySQL error numbers that mean "the transaction was rolled back; run it
// again".
const (
	errLockWaitTimeout = 1205
	errDeadlock        = 1213 // also Galera's certification conflict at commit
	errWsrepNotReady   = 1047 // Galera: the node is not in the primary component or not synced
	errWriteConflict   = 9007 // TiDB, optimistic transactions: a write conflict at commit
)

// transient reports whether a transaction that failed with err left nothing
// behind and may simply run again: a deadlock or a Galera certification
// conflict, a lock wait timeout, a node not ready, or a lost connection (a
// node died; the pool connects to another). After a connection lost at
// COMMIT the transaction may have committed: callers retry only writes that
// a unique index makes idempotent, and reads.
func transient(err error) bool {
	if err == nil {
		return false
	}
	var me *mysqldriver.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case errDeadlock, errLockWaitTimeout, errWsrepNotReady, errWriteConflict:
			return true
		}
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysqldriver.ErrInvalidConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.As(err, &ne) || strings.Contains(err.Error(), "no database host answers")
}

// retryBudget bounds how long retryTransient keeps trying: past it the
// error goes to the caller (a 503 the resident's page retries, so that a
// database outage is told to the resident within seconds). A Galera node
// killed mid-commit holds the survivors' commits until they evict it
// (evs.suspect_timeout, then the view change): a few seconds.
const retryBudget = 5 * time.Second

// retryTransient runs fn until it returns nil or an error that is not
// transient, with jittered exponential backoff from 5 ms to 250 ms, for
// at most retryBudget.
func retryTransient(fn func() error) error {
	deadline := time.Now().Add(retryBudget)
	wait := 5 * time.Millisecond
	for {
		err := fn()
		if !transient(err) || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait/2 + rand.N(wait))
		wait = min(2*wait, 250*time.Millisecond)
	}
}

package surveystest

import (
	"database/sql"
	"errors"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// TestGalera starts the harness's Galera cluster, writes through one node
// and reads through another, kills a node and brings it back.
func TestGalera(t *testing.T) {
	began := time.Now()
	g := StartGalera(t)
	t.Logf("3 nodes synced after %v", time.Since(began).Round(time.Millisecond))
	dsns := g.CreateDatabase("minyi_g")
	open := func(i int) *sql.DB {
		// wsrep_sync_wait: a read sees what other nodes committed before it.
		db, err := sql.Open("mysql", dsns[i]+"?wsrep_sync_wait=1")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, c := open(0), open(2)
	if _, err := a.Exec("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec("INSERT INTO t VALUES (1, 'x')"); err != nil {
		t.Fatal(err)
	}
	var v string
	if err := c.QueryRow("SELECT v FROM t WHERE id = 1").Scan(&v); err != nil || v != "x" {
		t.Fatalf("read on another node: %q %v", v, err)
	}
	lockRules(t, open(0), open(1))

	g.Kill(1)
	if _, err := a.Exec("INSERT INTO t VALUES (2, 'y')"); err != nil {
		t.Fatalf("write with a node down: %v", err)
	}
	began = time.Now()
	g.Restart(1)
	if err := g.WaitSynced(60 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, g.Logs())
	}
	t.Logf("killed node rejoined after %v", time.Since(began).Round(time.Millisecond))
	if err := open(1).QueryRow("SELECT v FROM t WHERE id = 2").Scan(&v); err != nil || v != "y" {
		t.Fatalf("the rejoined node misses the write made while it was down: %q %v", v, err)
	}
}

// lockRules records what Galera does with the two locks a single MySQL
// server gives: GET_LOCK is held on one node only (another node grants the
// same name at once), and SELECT … FOR UPDATE locks rows on its own node
// only, so two nodes both "hold" a row and the later commit fails with a
// deadlock (1213) at certification. Minyi serialises tally passes through
// an update of a lock row and retries the loser, and takes the migration
// lock knowing it is per node (README, "Running at scale").
func lockRules(t *testing.T, a, b *sql.DB) {
	t.Helper()
	ctx := t.Context()
	ca, err := a.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close()
	cb, err := b.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	var ga, gb sql.NullInt64
	if err := ca.QueryRowContext(ctx, "SELECT GET_LOCK('minyi_test', 0)").Scan(&ga); err != nil {
		t.Fatal(err)
	}
	if err := cb.QueryRowContext(ctx, "SELECT GET_LOCK('minyi_test', 0)").Scan(&gb); err != nil {
		t.Logf("GET_LOCK on a second node: %v", err)
	}
	if ga.Int64 != 1 || gb.Int64 != 1 {
		t.Errorf("GET_LOCK on two nodes: %v and %v; want both granted (the lock is per node)", ga, gb)
	}

	if _, err := a.Exec("CREATE TABLE l (name VARCHAR(16) PRIMARY KEY, n INT)"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Exec("INSERT INTO l VALUES ('tally', 0)"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; { // applied on b
		var n int
		if err := b.QueryRow("SELECT COUNT(*) FROM l").Scan(&n); err == nil && n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lock row did not reach the second node within 10 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	ta, err := a.Begin()
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range []*sql.Tx{ta, tb} {
		var n int
		if err := tx.QueryRow("SELECT n FROM l WHERE name = 'tally' FOR UPDATE").Scan(&n); err != nil {
			t.Fatalf("SELECT … FOR UPDATE: %v", err)
		}
		if _, err := tx.Exec("UPDATE l SET n = n + 1 WHERE name = 'tally'"); err != nil {
			t.Fatalf("update the lock row: %v", err)
		}
	}
	errA := ta.Commit()
	errB := tb.Commit()
	var me *mysqldriver.MySQLError
	if errA != nil || !errors.As(errB, &me) || me.Number != 1213 {
		t.Errorf("two nodes holding one row FOR UPDATE: commits %v, %v; want the first to win and the second to fail with 1213", errA, errB)
	}
}

package surveystest

import (
	"database/sql"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
)

// Galera is a 3-node MariaDB Galera cluster of the test's own: mariadbd
// processes with their own data dirs (from mariadb-install-db) under the
// test's temp dir and their own client, group, IST and SST ports on
// loopback, stopped at cleanup. Node 0 bootstraps the cluster
// (--wsrep-new-cluster); the others join it by state transfer (rsync).
type Galera struct {
	t     testing.TB
	bin   string
	nodes []*galeraNode
}

type galeraNode struct {
	i                         int
	dir                       string
	port, gport, iport, sport int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    syncBuffer
}

const galeraProvider = "/usr/lib/galera/libgalera_smm.so"

// StartGalera starts the three nodes and waits until all are synced.
// Without mariadbd, mariadb-install-db, the Galera provider or rsync the
// test is skipped, or fails under MINYI_TEST_CLUSTER=1.
func StartGalera(t testing.TB) *Galera {
	t.Helper()
	bin := lookFirst("mariadbd", "/usr/sbin/mariadbd")
	install := lookFirst("mariadb-install-db", "/usr/bin/mariadb-install-db")
	if bin == "" || install == "" {
		MissingCluster(t, "mariadbd and mariadb-install-db")
	}
	if _, err := os.Stat(galeraProvider); err != nil {
		MissingCluster(t, "the Galera provider "+galeraProvider+" (Debian package galera-4)")
	}
	if lookFirst("rsync") == "" {
		MissingCluster(t, "rsync (Galera's state transfer)")
	}
	g := &Galera{t: t, bin: bin}
	t.Cleanup(g.stop)
	root := t.TempDir()
	// The state transfer's rsync daemon, started as root, runs as nobody:
	// it must reach the data dirs.
	for d := root; d != "/" && strings.HasPrefix(d, os.TempDir()) && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	seed := filepath.Join(root, "seed")
	if out, err := exec.Command(install, "--no-defaults", "--datadir="+seed, "--user="+currentUser(),
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	ports := galeraPorts(t)
	for i := range 3 {
		n := &galeraNode{i: i, dir: filepath.Join(root, "node"+strconv.Itoa(i)),
			port: ports[4*i], gport: ports[4*i+1], iport: ports[4*i+2], sport: ports[4*i+3]}
		if out, err := exec.Command("cp", "-a", seed, n.dir).CombinedOutput(); err != nil {
			t.Fatalf("copy the seed data dir: %v\n%s", err, out)
		}
		_ = os.Chmod(n.dir, 0o777)
		g.nodes = append(g.nodes, n)
	}
	if err := g.start(0, true); err != nil {
		t.Fatal(err)
	}
	// The two joiners take their state transfers at once.
	errs := make(chan error, 2)
	for i := 1; i < 3; i++ {
		go func() { errs <- g.start(i, false) }()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("%v\n%s", err, g.nodes[0].errLog())
		}
	}
	if err := g.WaitSynced(120 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, g.Logs())
	}
	return g
}

func lookFirst(names ...string) string {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	return ""
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "root"
}

// galeraPorts finds 12 free loopback ports below the ephemeral range.
func galeraPorts(t testing.TB) []int {
	t.Helper()
	var out []int
	taken := map[int]bool{}
	for tries := 0; len(out) < 12; tries++ {
		if tries > 1000 {
			t.Fatal("no free ports for the Galera cluster")
		}
		p := 23000 + mrand.IntN(6000)
		if taken[p] || !portFree(p) {
			continue
		}
		taken[p] = true
		out = append(out, p)
	}
	return out
}

func (g *Galera) clusterAddress() string {
	var addrs []string
	for _, n := range g.nodes {
		addrs = append(addrs, "127.0.0.1:"+strconv.Itoa(n.gport))
	}
	return "gcomm://" + strings.Join(addrs, ",")
}

// start runs node i's mariadbd and waits until it accepts connections.
func (g *Galera) start(i int, bootstrap bool) error {
	n := g.nodes[i]
	n.mu.Lock()
	defer n.mu.Unlock()
	args := []string{"--no-defaults", "--datadir=" + n.dir, "--socket=" + filepath.Join(n.dir, "sock"),
		"--port=" + strconv.Itoa(n.port), "--bind-address=127.0.0.1", "--user=" + currentUser(),
		"--pid-file=" + filepath.Join(n.dir, "pid"), "--skip-name-resolve", "--log-error=" + filepath.Join(n.dir, "err.log"),
		"--wsrep-on=ON", "--wsrep-provider=" + galeraProvider,
		"--wsrep-cluster-address=" + g.clusterAddress(), "--wsrep-cluster-name=minyi-test",
		"--wsrep-node-name=node" + strconv.Itoa(i), "--wsrep-node-address=127.0.0.1:" + strconv.Itoa(n.gport),
		"--wsrep-provider-options=gmcast.listen_addr=tcp://127.0.0.1:" + strconv.Itoa(n.gport) +
			";ist.recv_addr=127.0.0.1:" + strconv.Itoa(n.iport) + ";gcache.size=64M;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S",
		"--wsrep-sst-receive-address=127.0.0.1:" + strconv.Itoa(n.sport), "--wsrep-sst-method=rsync",
		// What Galera requires, and what Minyi's documentation asks for.
		"--binlog-format=ROW", "--default-storage-engine=InnoDB", "--innodb-autoinc-lock-mode=2",
		"--innodb-buffer-pool-size=128M", "--innodb-flush-log-at-trx-commit=2", "--max-connections=500",
	}
	if bootstrap {
		args = append(args, "--wsrep-new-cluster")
	} else {
		// The state transfer's rsync daemon, started by root, runs as
		// nobody: give it the joiner's files to replace.
		if os.Geteuid() == 0 {
			if out, err := exec.Command("chown", "-R", "nobody", n.dir).CombinedOutput(); err != nil {
				return fmt.Errorf("chown node %d: %v: %s", i, err, out)
			}
		}
	}
	cmd := exec.Command(g.bin, args...)
	cmd.Stdout, cmd.Stderr = &n.log, &n.log
	KillWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start mariadbd node %d: %w", i, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	n.cmd, n.exited = cmd, exited
	db, err := sql.Open("mysql", g.rootDSN(i)+"?timeout=1s")
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(120 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("mariadbd node %d exited at start:\n%s", i, n.errLog())
		default:
		}
		if err := db.Ping(); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mariadbd node %d did not accept connections within 120 s:\n%s", i, n.errLog())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (n *galeraNode) errLog() string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "err.log"))
	if len(b) > 8000 {
		b = b[len(b)-8000:]
	}
	return string(b)
}

func (g *Galera) rootDSN(i int) string {
	return "root@tcp(127.0.0.1:" + strconv.Itoa(g.nodes[i].port) + ")/"
}

// Addr is node i's client address.
func (g *Galera) Addr(i int) string { return "127.0.0.1:" + strconv.Itoa(g.nodes[i].port) }

// CreateDatabase creates a database (replicated to every node) and
// returns, for each node, a DSN on it through that node.
func (g *Galera) CreateDatabase(name string) []string {
	g.t.Helper()
	db, err := sql.Open("mysql", g.rootDSN(0))
	if err != nil {
		g.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		g.t.Fatalf("create database on galera: %v", err)
	}
	var out []string
	for i := range g.nodes {
		cfg := mysqldriver.NewConfig()
		cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", g.Addr(i), name
		out = append(out, cfg.FormatDSN())
	}
	return out
}

// status reads a wsrep status variable of node i.
func (g *Galera) status(i int, name string) (string, error) {
	db, err := sql.Open("mysql", g.rootDSN(i)+"?timeout=1s&readTimeout=2s")
	if err != nil {
		return "", err
	}
	defer db.Close()
	var k, v string
	err = db.QueryRow("SHOW STATUS LIKE '"+name+"'").Scan(&k, &v) // name is one of ours
	return v, err
}

// WaitSynced waits until every running node is Synced in a primary
// component of all running nodes.
func (g *Galera) WaitSynced(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		err := g.synced()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("galera not synced within %v: %w", within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (g *Galera) synced() error {
	running := 0
	for _, n := range g.nodes {
		if n.alive() {
			running++
		}
	}
	for i, n := range g.nodes {
		if !n.alive() {
			continue
		}
		state, err := g.status(i, "wsrep_local_state_comment")
		if err != nil {
			return fmt.Errorf("node %d: %w", i, err)
		}
		size, err := g.status(i, "wsrep_cluster_size")
		if err != nil {
			return fmt.Errorf("node %d: %w", i, err)
		}
		if state != "Synced" || size != strconv.Itoa(running) {
			return fmt.Errorf("node %d: %s in a cluster of %s, want Synced in %d", i, state, size, running)
		}
	}
	return nil
}

func (n *galeraNode) alive() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// Kill SIGKILLs node i (a crash) and waits for it to exit.
func (g *Galera) Kill(i int) {
	n := g.nodes[i]
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd == nil {
		return
	}
	_ = n.cmd.Process.Kill()
	<-n.exited
	n.cmd = nil
}

// Restart starts node i again after Kill; it rejoins the cluster by state
// transfer (IST from a donor's cache, or a full SST).
func (g *Galera) Restart(i int) {
	g.t.Helper()
	if err := g.start(i, false); err != nil {
		g.t.Fatalf("%v", err)
	}
}

// Logs is every node's error log, for a failed test.
func (g *Galera) Logs() string {
	var b strings.Builder
	for _, n := range g.nodes {
		fmt.Fprintf(&b, "--- galera node %d\n%s\n", n.i, n.errLog())
	}
	return b.String()
}

func (g *Galera) stop() {
	for i := range g.nodes {
		g.Kill(i)
	}
}

package main

import (
	"database/sql"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// Multi-primary tests: three instances of the binary, each writing to its
// own node of a 3-node MariaDB Galera cluster of the test's own (its DSN
// lists its node first, the others after), under load; then a node killed
// with SIGKILL and restarted. Nothing accepted is lost or stored twice,
// tallies equal a recount, no resident sees an error.

// galeraBackends starts the cluster and a database on it, and returns one
// backend per instance: the same database through that instance's node
// first.
func galeraBackends(t *testing.T, redisURL string) (*surveystest.Galera, []backend, string) {
	t.Helper()
	g := surveystest.StartGalera(t)
	name := fmt.Sprintf("minyi_g%d", time.Now().UnixNano()%1e6)
	g.CreateDatabase(name)
	var out []backend
	for i := range 3 {
		order := []int{i, (i + 1) % 3, (i + 2) % 3}
		var hosts []string
		for _, j := range order {
			hosts = append(hosts, g.Addr(j))
		}
		dsn := "root@tcp(" + strings.Join(hosts, ",") + ")/" + name
		out = append(out, backend{"galera-node" + fmt.Sprint(i),
			[]string{"MINYI_DATA_DIR=" + t.TempDir(), "MINYI_MYSQL_DSN=" + dsn, "MINYI_REDIS_URL=" + redisURL},
			// The test's own reads wait until they see every node's commits.
			func() (*models.Store, error) { return models.OpenMySQL(dsn + "?wsrep_sync_wait=1") }})
	}
	return g, out, name
}

// conflicts sums what Galera counted of certification failures and
// brute-force aborts on the running nodes: how often two nodes' writes
// collided (and a transaction was run again).
func conflicts(t *testing.T, g *surveystest.Galera, alive ...int) int {
	t.Helper()
	n := 0
	for _, i := range alive {
		db, err := sql.Open("mysql", "root@tcp("+g.Addr(i)+")/")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{"wsrep_local_cert_failures", "wsrep_local_bf_aborts"} {
			var k string
			var c int
			if err := db.QueryRow("SHOW STATUS LIKE '"+v+"'").Scan(&k, &c); err == nil {
				n += c
			}
		}
		db.Close()
	}
	return n
}

// sameOnEveryNode checks that every node holds the same number of
// responses in the database.
func sameOnEveryNode(t *testing.T, g *surveystest.Galera, name string, want int) {
	t.Helper()
	for i := range 3 {
		db, err := sql.Open("mysql", "root@tcp("+g.Addr(i)+")/"+name+"?wsrep_sync_wait=1")
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = db.QueryRow("SELECT COUNT(*) FROM responses").Scan(&n)
		db.Close()
		if err != nil || n != want {
			t.Errorf("node %d holds %d responses (%v), want %d", i, n, err, want)
		}
	}
}

// TestGaleraInstances runs three instances, each on its own Galera node,
// and the Redis Cluster, under steady load on all three, with residents
// racing one questionnaire each through all three.
func TestGaleraInstances(t *testing.T) {
	rc := surveystest.StartRedisCluster(t)
	g, bs, name := galeraBackends(t, rc.URL())
	var procs []*proc
	for _, b := range bs {
		procs = append(procs, startProc(t, b))
	}
	bases := []string{procs[0].URL, procs[1].URL, procs[2].URL}
	c := compiledDemo(t)
	rng := mrand.New(mrand.NewPCG(7, uint64(time.Now().UnixNano())))

	began := time.Now()
	var loads []*load
	for _, base := range bases {
		loads = append(loads, startLoadN(t, base, 6))
	}
	time.Sleep(time.Second)
	raced := race(t, bases, 15, rng, c)
	time.Sleep(2 * time.Second)
	var attempts []*attempt
	for _, l := range loads {
		attempts = append(attempts, l.end()...)
	}
	t.Logf("steady load on 3 instances on 3 Galera nodes: %s; %d certification conflicts retried",
		figures(attempts, time.Since(began)), conflicts(t, g, 0, 1, 2))
	for _, a := range attempts {
		if a.err != nil || a.status != http.StatusCreated {
			t.Errorf("submission %s: %d %v, want 201", a.sub, a.status, a.err)
		}
	}
	duplicatesRefused(t, bases[2], attempts[:min(10, len(attempts))])
	stopAll(t, procs...)
	rows, surveyID := stored(t, bs[0])
	n := checkAccepted(t, append(slices.Clone(attempts), raced...), rows)
	if n < 20 {
		t.Fatalf("only %d responses stored: the load did not run", n)
	}
	checkTallies(t, bs[1], surveyID, n)
	sameOnEveryNode(t, g, name, n)
	everyTableHasAPrimaryKey(t, g, name)
}

// everyTableHasAPrimaryKey checks Galera's rule for row replication: a
// table without a primary key replicates its deletes and updates slowly
// and unreliably.
func everyTableHasAPrimaryKey(t *testing.T, g *surveystest.Galera, name string) {
	t.Helper()
	db, err := sql.Open("mysql", "root@tcp("+g.Addr(0)+")/"+name)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT t.table_name FROM information_schema.tables t
		LEFT JOIN information_schema.table_constraints c
			ON c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.constraint_type = 'PRIMARY KEY'
		WHERE t.table_schema = ? AND c.constraint_name IS NULL`, name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			t.Fatal(err)
		}
		t.Errorf("table %s has no primary key (Galera needs one on every table)", table)
	}
}

// TestGaleraNodeKilled kills (SIGKILL) the node the first instance writes
// to while three instances take load, and starts it again: that instance
// goes on through the next node in its DSN, the node rejoins by state
// transfer, and no answer is lost or stored twice. The survivors hold
// commits until they evict the dead node, so an answer in flight then may
// get a 503 once its retries run out; its resident sends it again, as the
// page does, and it is stored once.
func TestGaleraNodeKilled(t *testing.T) {
	rs := surveystest.StartRedis(t)
	g, bs, name := galeraBackends(t, rs.URL())
	var procs []*proc
	for _, b := range bs {
		procs = append(procs, startProc(t, b))
	}
	began := time.Now()
	var loads []*load
	for _, p := range procs {
		loads = append(loads, startLoadRetrying(t, p.URL, 6))
	}
	time.Sleep(2 * time.Second)
	killed := time.Now()
	g.Kill(0)
	time.Sleep(3 * time.Second)
	restarted := time.Now()
	g.Restart(0)
	if err := g.WaitSynced(60 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, g.Logs())
	}
	rejoined := time.Now()
	time.Sleep(3 * time.Second)
	var attempts []*attempt
	for _, l := range loads {
		attempts = append(attempts, l.end()...)
	}
	t.Logf("node 0 killed %v into the load, restarted %v later, synced %v after the restart",
		killed.Sub(began).Round(time.Millisecond), restarted.Sub(killed).Round(time.Millisecond), rejoined.Sub(restarted).Round(time.Millisecond))
	var before, down, after []*attempt
	for _, a := range attempts {
		switch {
		case a.sentAt.Before(killed):
			before = append(before, a)
		case a.sentAt.Before(rejoined):
			down = append(down, a)
		default:
			after = append(after, a)
		}
	}
	t.Logf("whole load: %s", figures(attempts, time.Since(began)))
	t.Logf("before the kill: %s", figures(before, killed.Sub(began)))
	t.Logf("node down and rejoining: %s", figures(down, rejoined.Sub(killed)))
	t.Logf("after it rejoined: %s", figures(after, time.Since(rejoined)))
	retried := 0
	for _, a := range attempts {
		if a.retries > 0 {
			retried++
		}
	}
	t.Logf("%d answers sent again after a 503, as the page does", retried)
	for _, a := range attempts {
		if a.err != nil || (a.status != http.StatusCreated && a.status != http.StatusOK) {
			t.Errorf("submission %s sent %v after the kill: %d %v, want 201", a.sub, a.sentAt.Sub(killed).Round(time.Millisecond), a.status, a.err)
		}
	}
	if len(after) < 10 {
		t.Errorf("only %d submissions after the node rejoined: the load stalled", len(after))
	}
	duplicatesRefused(t, procs[0].URL, before[:min(10, len(before))])
	stopAll(t, procs...)
	rows, surveyID := stored(t, bs[1])
	n := checkAccepted(t, attempts, rows)
	checkTallies(t, bs[0], surveyID, n)
	sameOnEveryNode(t, g, name, n)
}

// TestGaleraMigratesFromThreeNodesAtOnce starts three instances' migrations
// at the same moment, each on its own node, where the migration lock
// (GET_LOCK) holds on one node only: all three must end on the latest
// schema without an error.
func TestGaleraMigratesFromThreeNodesAtOnce(t *testing.T) {
	g := surveystest.StartGalera(t)
	name := fmt.Sprintf("minyi_m%d", time.Now().UnixNano()%1e6)
	dsns := g.CreateDatabase(name)
	errs := make(chan error, 3)
	start := make(chan struct{})
	for _, dsn := range dsns {
		go func() {
			store, err := models.OpenMySQL(dsn)
			if err != nil {
				errs <- err
				return
			}
			defer store.Close()
			<-start
			errs <- store.Migrate()
		}()
	}
	close(start)
	for range dsns {
		if err := <-errs; err != nil {
			t.Errorf("migration on one of three nodes at once: %v", err)
		}
	}
	for i, dsn := range dsns {
		// wsrep_sync_wait: read what the other nodes committed.
		store, err := models.OpenMySQL(dsn + "?wsrep_sync_wait=1")
		if err != nil {
			t.Fatal(err)
		}
		v, err := store.SchemaVersion()
		store.Close()
		if err != nil || v != models.LatestVersion() {
			t.Errorf("node %d: schema version %d (%v), want %d", i, v, err, models.LatestVersion())
		}
	}
}

package surveystest

import (
	"database/sql"
	"testing"
	"time"
)

// TestGalera starts the harness's Galera cluster, writes through one node
// and reads through another, kills a node and brings it back.
func TestGalera(t *testing.T) {
	began := time.Now()
	g := StartGalera(t)
	t.Logf("3 nodes synced after %v", time.Since(began).Round(time.Millisecond))
	dsns := g.CreateDatabase("minyi_g")
	open := func(i int) *sql.DB {
		db, err := sql.Open("mysql", dsns[i])
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

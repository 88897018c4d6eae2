package surveystest

import (
	"testing"
	"time"
)

// TestRedisCluster starts the harness's cluster, writes through a cluster
// client, kills the primary of a key and reads the key back from the
// replica that took over.
func TestRedisCluster(t *testing.T) {
	c := StartRedisCluster(t)
	rdb := c.Client()
	ctx := t.Context()
	// Replication is asynchronous: write on one connection to the key's
	// primary and WAIT on that same connection (WAIT counts only its own
	// connection's writes) until the replica has it.
	primary, err := rdb.MasterForKey(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	conn := primary.Conn()
	defer conn.Close()
	if err := conn.Set(ctx, "k", "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := conn.Wait(ctx, 1, 5*time.Second).Result(); err != nil || n < 1 {
		t.Fatalf("WAIT for the replica: %d %v", n, err)
	}
	dead := c.PrimaryOf("k")
	c.Kill(dead)
	took, err := c.WaitPromoted(dead, 30*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, c.Logs())
	}
	t.Logf("replica of %s promoted after %v", dead, took.Round(time.Millisecond))
	if now := c.PrimaryOf("k"); now == dead {
		t.Fatalf("k still served by the dead %s", dead)
	}
	got, err := rdb.Get(ctx, "k").Result()
	if err != nil || got != "v" {
		t.Fatalf("after failover: %q %v", got, err)
	}
}

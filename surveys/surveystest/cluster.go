package surveystest

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvCluster set to 1 (CI sets it) makes a test that needs a cluster of
// its own fail, instead of skip, when redis-server or redis-cli is missing.
const EnvCluster = "MINYI_TEST_CLUSTER"

// MissingCluster skips a cluster test, or fails it under MINYI_TEST_CLUSTER=1.
func MissingCluster(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(EnvCluster) == "1" {
		t.Fatalf("%s is required (%s=1) but missing", what, EnvCluster)
	}
	t.Skipf("%s missing; skipping (%s=1 makes this a failure)", what, EnvCluster)
}

// RedisCluster is a 6-node Redis Cluster of the test's own (3 primaries,
// 3 replicas) on free loopback ports, data dirs under the test's temp dir,
// no persistence, stopped at cleanup. A node timeout of 1 s makes a
// replica take over within a few seconds of its primary's death.
type RedisCluster struct {
	t     testing.TB
	nodes []*clusterNode
}

type clusterNode struct {
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	log    syncBuffer
}

// StartRedisCluster starts the six servers, joins them with
// redis-cli --cluster create and waits until every node reports the
// cluster ok.
func StartRedisCluster(t testing.TB) *RedisCluster {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		MissingCluster(t, "redis-server")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		MissingCluster(t, "redis-cli")
	}
	c := &RedisCluster{t: t}
	t.Cleanup(c.stop)
	dir := t.TempDir()
	for _, port := range clusterPorts(t, 6) {
		n := &clusterNode{port: port, exited: make(chan struct{})}
		d := filepath.Join(dir, strconv.Itoa(port))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		n.cmd = exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "1000",
			"--cluster-replica-validity-factor", "0",
			"--save", "", "--appendonly", "no", "--dir", d, "--daemonize", "no", "--loglevel", "warning")
		n.cmd.Stdout, n.cmd.Stderr = &n.log, &n.log
		KillWithParent(n.cmd)
		if err := n.cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		go func(n *clusterNode) { _ = n.cmd.Wait(); close(n.exited) }(n)
		c.nodes = append(c.nodes, n)
	}
	for _, n := range c.nodes {
		if err := waitPing(n, 10*time.Second); err != nil {
			t.Fatalf("cluster node %d: %v\n%s", n.port, err, n.log.String())
		}
	}
	args := []string{"--cluster", "create"}
	for _, n := range c.nodes {
		args = append(args, n.addr())
	}
	args = append(args, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.WaitOK(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	return c
}

func (n *clusterNode) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

func (n *clusterNode) alive() bool {
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// client is a plain connection to the one node.
func (n *clusterNode) client() *redis.Client {
	return redis.NewClient(&redis.Options{Addr: n.addr(), DialTimeout: 300 * time.Millisecond,
		ReadTimeout: time.Second, MaxRetries: -1})
}

func waitPing(n *clusterNode, within time.Duration) error {
	rdb := n.client()
	defer rdb.Close()
	deadline := time.Now().Add(within)
	for {
		if !n.alive() {
			return fmt.Errorf("redis-server exited at start")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer within %v: %v", within, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clusterPorts finds n ports free with their cluster bus ports (port +
// 10000), all below the usual ephemeral range, so that no outgoing
// connection takes one.
func clusterPorts(t testing.TB, n int) []int {
	t.Helper()
	var out []int
	taken := map[int]bool{}
	for tries := 0; len(out) < n; tries++ {
		if tries > 500 {
			t.Fatal("no free ports for the Redis Cluster")
		}
		p := 20000 + mrand.IntN(2700)
		if taken[p] || !portFree(p) || !portFree(p+10000) {
			continue
		}
		taken[p] = true
		out = append(out, p)
	}
	return out
}

func portFree(p int) bool {
	ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// URL is the cluster as a MINYI_REDIS_URL: every node as a seed.
func (c *RedisCluster) URL() string {
	var addrs []string
	for _, n := range c.nodes {
		addrs = append(addrs, n.addr())
	}
	return "redis+cluster://" + strings.Join(addrs, ",")
}

// Addrs are the six nodes' host:port.
func (c *RedisCluster) Addrs() []string {
	var out []string
	for _, n := range c.nodes {
		out = append(out, n.addr())
	}
	return out
}

// Client returns a cluster client for the test's own checks, closed at cleanup.
func (c *RedisCluster) Client() *redis.ClusterClient {
	rdb := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), DialTimeout: 300 * time.Millisecond,
		ClusterStateReloadInterval: time.Second})
	c.t.Cleanup(func() { rdb.Close() })
	return rdb
}

// WaitOK waits until every live node says cluster_state:ok and agrees on
// which node serves each of the three slot ranges, and every replica is in
// sync with its primary.
func (c *RedisCluster) WaitOK(within time.Duration) error {
	return c.waitView(within, "")
}

// WaitPromoted waits, after Kill(dead), until a replica serves the dead
// primary's slots in every live node's view, and returns how long it took.
func (c *RedisCluster) WaitPromoted(dead string, within time.Duration) (time.Duration, error) {
	start := time.Now()
	err := c.waitView(within, dead)
	return time.Since(start), err
}

func (c *RedisCluster) waitView(within time.Duration, dead string) error {
	deadline := time.Now().Add(within)
	for {
		view, err := c.check(dead)
		if err == nil && dead != "" && strings.Contains(view, "="+dead) {
			err = fmt.Errorf("%s still serves slots", dead)
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis cluster not ok within %v: %v", within, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *RedisCluster) check(dead string) (string, error) {
	var view string
	for _, n := range c.nodes {
		if !n.alive() {
			continue
		}
		rdb := n.client()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := rdb.ClusterInfo(ctx).Result()
		var primaries, repl string
		if err == nil {
			primaries, err = servingPrimaries(ctx, rdb)
		}
		if err == nil {
			repl, err = rdb.Info(ctx, "replication").Result()
		}
		// A replica that has not finished its first sync cannot take over.
		if err == nil && strings.Contains(repl, "role:slave") && !strings.Contains(repl, "master_link_status:up") &&
			(dead == "" || !strings.Contains(repl, "master_port:"+dead[strings.LastIndex(dead, ":")+1:])) {
			err = fmt.Errorf("replica not in sync with its primary")
		}
		cancel()
		rdb.Close()
		if err != nil {
			return "", fmt.Errorf("node %d: %w", n.port, err)
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return "", fmt.Errorf("node %d: cluster state not ok", n.port)
		}
		if view == "" {
			view = primaries
		} else if view != primaries {
			return "", fmt.Errorf("nodes disagree on the primaries: %s / %s", view, primaries)
		}
	}
	return view, nil
}

// servingPrimaries is a node's view of which address serves each slot
// range, as one comparable string.
func servingPrimaries(ctx context.Context, rdb *redis.Client) (string, error) {
	slots, err := rdb.ClusterSlots(ctx).Result()
	if err != nil {
		return "", err
	}
	if len(slots) == 0 {
		return "", fmt.Errorf("no slots assigned yet")
	}
	var parts []string
	for _, s := range slots {
		if len(s.Nodes) == 0 {
			return "", fmt.Errorf("slots %d-%d have no node", s.Start, s.End)
		}
		parts = append(parts, fmt.Sprintf("%d-%d=%s", s.Start, s.End, s.Nodes[0].Addr))
	}
	slices.Sort(parts)
	return strings.Join(parts, " "), nil
}

// PrimaryOf returns the address of the primary that serves key's slot.
func (c *RedisCluster) PrimaryOf(key string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, n := range c.nodes {
		if !n.alive() {
			continue
		}
		rdb := n.client()
		slot, err := rdb.ClusterKeySlot(ctx, key).Result()
		var slots []redis.ClusterSlot
		if err == nil {
			slots, err = rdb.ClusterSlots(ctx).Result()
		}
		rdb.Close()
		if err != nil {
			continue
		}
		for _, s := range slots {
			if int64(s.Start) <= slot && slot <= int64(s.End) && len(s.Nodes) > 0 {
				return s.Nodes[0].Addr
			}
		}
	}
	c.t.Fatalf("no live node knows the primary of %q", key)
	return ""
}

// Kill SIGKILLs the node at addr (a crash: no failover handshake) and
// waits for it to exit.
func (c *RedisCluster) Kill(addr string) {
	c.t.Helper()
	for _, n := range c.nodes {
		if n.addr() == addr {
			_ = n.cmd.Process.Kill()
			<-n.exited
			return
		}
	}
	c.t.Fatalf("no cluster node at %s", addr)
}

// Logs is every node's output, for a failed test's log.
func (c *RedisCluster) Logs() string {
	var b strings.Builder
	for _, n := range c.nodes {
		fmt.Fprintf(&b, "--- node %d\n%s", n.port, n.log.String())
	}
	return b.String()
}

func (c *RedisCluster) stop() {
	var wg sync.WaitGroup
	for _, n := range c.nodes {
		wg.Add(1)
		go func(n *clusterNode) {
			defer wg.Done()
			if n.alive() {
				_ = n.cmd.Process.Kill()
				<-n.exited
			}
		}(n)
	}
	wg.Wait()
}

// MoveSlotOf moves the slot of key, which must hold no keys (a shard
// channel's, say), from its primary to another primary, and returns the
// new primary's address. Every node is told the new owner, as
// redis-cli --cluster reshard would.
func (c *RedisCluster) MoveSlotOf(key string) string {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	from := c.PrimaryOf(key)
	var src, dst *redis.Client
	var dstID, srcID string
	for _, n := range c.nodes {
		if !n.alive() {
			continue
		}
		rdb := n.client()
		defer rdb.Close()
		id, err := rdb.ClusterMyID(ctx).Result()
		if err != nil {
			c.t.Fatal(err)
		}
		role, err := rdb.Info(ctx, "replication").Result()
		if err != nil {
			c.t.Fatal(err)
		}
		switch {
		case n.addr() == from:
			src, srcID = rdb, id
		case dst == nil && strings.Contains(role, "role:master"):
			dst, dstID = rdb, id
		}
	}
	if src == nil || dst == nil {
		c.t.Fatal("no two primaries to move a slot between")
	}
	slot, err := src.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		c.t.Fatal(err)
	}
	steps := []struct {
		rdb  *redis.Client
		args []any
	}{
		{dst, []any{"CLUSTER", "SETSLOT", slot, "IMPORTING", srcID}},
		{src, []any{"CLUSTER", "SETSLOT", slot, "MIGRATING", dstID}},
		{dst, []any{"CLUSTER", "SETSLOT", slot, "NODE", dstID}},
		{src, []any{"CLUSTER", "SETSLOT", slot, "NODE", dstID}},
	}
	for _, s := range steps {
		if err := s.rdb.Do(ctx, s.args...).Err(); err != nil {
			c.t.Fatalf("%v: %v", s.args, err)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.PrimaryOf(key) == from {
		if time.Now().After(deadline) {
			c.t.Fatalf("slot %d still served by %s", slot, from)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c.PrimaryOf(key)
}

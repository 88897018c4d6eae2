package surveystest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisSentinel is a Sentinel-managed Redis of the test's own: a primary,
// one replica and three sentinels (quorum 2) on free loopback ports, the
// primary named "minyi", no persistence, stopped at cleanup. A primary
// silent for 1 s is declared down and its replica promoted.
type RedisSentinel struct {
	t         testing.TB
	primary   *clusterNode
	replica   *clusterNode
	sentinels []*clusterNode
}

// SentinelName is the name the sentinels know the primary by.
const SentinelName = "minyi"

// StartRedisSentinel starts the five servers and waits until the
// sentinels know the replica.
func StartRedisSentinel(t testing.TB) *RedisSentinel {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		MissingCluster(t, "redis-server")
	}
	s := &RedisSentinel{t: t}
	dir := t.TempDir()
	ports := clusterPorts(t, 5)
	start := func(port int, args ...string) *clusterNode {
		d := filepath.Join(dir, strconv.Itoa(port))
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		n := &clusterNode{port: port, exited: make(chan struct{})}
		n.cmd = exec.Command(server, args...)
		n.cmd.Dir = d
		n.cmd.Stdout, n.cmd.Stderr = &n.log, &n.log
		KillWithParent(n.cmd)
		if err := n.cmd.Start(); err != nil {
			t.Fatalf("start redis-server: %v", err)
		}
		go func() { _ = n.cmd.Wait(); close(n.exited) }()
		t.Cleanup(func() {
			if n.alive() {
				_ = n.cmd.Process.Kill()
				<-n.exited
			}
		})
		if err := waitPing(n, 10*time.Second); err != nil {
			t.Fatalf("redis node %d: %v\n%s", port, err, n.log.String())
		}
		return n
	}
	plain := func(port int) []string {
		return []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
			"--daemonize", "no", "--loglevel", "warning"}
	}
	s.primary = start(ports[0], plain(ports[0])...)
	s.replica = start(ports[1], append(plain(ports[1]), "--replicaof", "127.0.0.1", strconv.Itoa(ports[0]))...)
	for _, p := range ports[2:] {
		conf := filepath.Join(dir, "sentinel-"+strconv.Itoa(p)+".conf")
		body := fmt.Sprintf("port %d\nbind 127.0.0.1\nsentinel monitor %s 127.0.0.1 %d 2\n"+
			"sentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 5000\n",
			p, SentinelName, ports[0], SentinelName, SentinelName)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		s.sentinels = append(s.sentinels, start(p, conf, "--sentinel", "--loglevel", "warning"))
	}
	// Wait until the sentinels have found the replica and each other, and
	// the replica is in sync.
	deadline := time.Now().Add(20 * time.Second)
	for {
		rdb := redis.NewSentinelClient(&redis.Options{Addr: s.sentinels[0].addr()})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := rdb.Master(ctx, SentinelName).Result()
		rdb.Close()
		var repl string
		if err == nil {
			r := s.replica.client()
			repl, err = r.Info(ctx, "replication").Result()
			r.Close()
		}
		if err == nil && info["num-slaves"] == "1" && info["num-other-sentinels"] == "2" &&
			strings.Contains(repl, "master_link_status:up") {
			cancel()
			return s
		}
		cancel()
		if time.Now().After(deadline) {
			t.Fatalf("sentinels not ready within 20 s: %v %v", info, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// URL is the deployment as a MINYI_REDIS_URL: the sentinels and the
// primary's name, database 0.
func (s *RedisSentinel) URL() string {
	var addrs []string
	for _, n := range s.sentinels {
		addrs = append(addrs, n.addr())
	}
	return "redis+sentinel://" + strings.Join(addrs, ",") + "/" + SentinelName + "/0"
}

// Primary is the address of the primary the deployment started with.
func (s *RedisSentinel) Primary() string { return s.primary.addr() }

// Replica is the address of the replica the sentinels promote.
func (s *RedisSentinel) Replica() string { return s.replica.addr() }

// KillPrimary SIGKILLs the primary and waits until the sentinels name the
// replica as primary; it returns how long that took.
func (s *RedisSentinel) KillPrimary(within time.Duration) time.Duration {
	s.t.Helper()
	start := time.Now()
	_ = s.primary.cmd.Process.Kill()
	<-s.primary.exited
	rdb := redis.NewSentinelClient(&redis.Options{Addr: s.sentinels[0].addr()})
	defer rdb.Close()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		addr, err := rdb.GetMasterAddrByName(ctx, SentinelName).Result()
		cancel()
		if err == nil && len(addr) == 2 && addr[1] == strconv.Itoa(s.replica.port) {
			return time.Since(start)
		}
		if time.Since(start) > within {
			s.t.Fatalf("the sentinels did not promote the replica within %v: %v %v", within, addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

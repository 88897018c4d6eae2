package surveystest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// Fault injection: a Redis server of the test's own that it can kill and
// start again, and a TCP proxy in front of the test MySQL (or any server)
// that it can cut or hang.
// Both listen on loopback only and leave the shared test services alone,
// which other test packages use at the same time.

// RedisServer is a redis-server process started by the test on a free
// loopback port, without persistence, so that the test can play a Redis
// crash (Stop) and its return (Start) without touching the shared Redis.
type RedisServer struct {
	t    testing.TB
	bin  string
	dir  string
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    syncBuffer
}

// StartRedis starts a redis-server of the test's own and stops it at
// cleanup. Without a redis-server binary the test is skipped, or fails
// under MINYI_TEST_REQUIRE=1.
func StartRedis(t testing.TB) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin, err = exec.LookPath("/usr/bin/redis-server")
	}
	if err != nil {
		Missing(t, "redis-server (for a Redis of the test's own)")
	}
	r := &RedisServer{t: t, bin: bin, dir: t.TempDir()}
	t.Cleanup(r.Stop)
	// A port found free may be taken before redis-server binds it: try a few.
	for range 5 {
		r.port = freePort(t)
		if err = r.start(); err == nil {
			return r
		}
	}
	t.Fatalf("start redis-server: %v\n%s", err, r.log.String())
	return nil
}

// Addr is the server's host:port.
func (r *RedisServer) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.port) }

// URL is the server's address as a redis:// URL on database 0. Append query
// options such as "?dial_timeout=200ms" for clients that must fail fast.
func (r *RedisServer) URL() string {
	return "redis://" + r.Addr() + "/0"
}

// Stop kills the server (SIGKILL: a crash) and waits for it to exit. With
// no persistence, every key is gone when it starts again, as after a flush.
// Stopping a stopped server does nothing.
func (r *RedisServer) Stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	<-r.exited
	r.cmd = nil
}

// Start starts the server again on the same port and waits until it
// answers; it fails the test when it does not within 10 s.
func (r *RedisServer) Start() {
	r.t.Helper()
	if err := r.start(); err != nil {
		r.t.Fatalf("restart redis-server: %v\n%s", err, r.log.String())
	}
}

func (r *RedisServer) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	cmd := exec.Command(r.bin, "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", r.dir, "--daemonize", "no", "--loglevel", "warning")
	cmd.Stdout, cmd.Stderr = &r.log, &r.log
	KillWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()

	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(r.port),
		DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			return errors.New("redis-server exited at start")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			r.cmd, r.exited = cmd, exited
			return nil
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server on port %d did not answer within 10 s: %v", r.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Proxy is a TCP proxy on a loopback port in front of a server (the test
// MySQL, a Redis), which the test can break the way networks and servers
// break: Cut resets every connection and every new one (a crashed server or
// a dropped link); Hang holds every byte in both directions while keeping
// connections open (a stalled server or a black-holed link: clients wait for
// their timeouts). Restore ends either, delivering what Hang held.
type Proxy struct {
	ln     net.Listener
	target string
	dsn    string

	mu    sync.Mutex
	flow  *sync.Cond // broadcast when hung ends
	cut   bool
	hung  bool
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// ProxyTimeout is the connect, read and write timeout of MySQLProxy's DSN,
// so that queries through a broken proxy fail fast instead of hanging.
const ProxyTimeout = 2 * time.Second

// NewProxy starts a proxy to the TCP address target, closed at cleanup.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.flow = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// MySQLProxy starts a proxy to the MySQL server of dsn (a tcp address);
// DSN gives the same database through it.
func MySQLProxy(t testing.TB, dsn string) *Proxy {
	t.Helper()
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	if cfg.Net != "tcp" {
		t.Fatalf("proxy: the MySQL DSN must use tcp, not %q", cfg.Net)
	}
	p := NewProxy(t, cfg.Addr)
	cfg.Addr = p.Addr()
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = ProxyTimeout, ProxyTimeout, ProxyTimeout
	p.dsn = cfg.FormatDSN()
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// DSN is, for a MySQLProxy, the DSN of the database through the proxy with
// ProxyTimeout as its timeouts.
func (p *Proxy) DSN() string { return p.dsn }

// Cut resets every connection through the proxy and every new one, until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut, p.hung = true, false
	p.flow.Broadcast()
	for c := range p.conns {
		reset(c)
		delete(p.conns, c)
	}
}

// Hang stops every byte in both directions, on open and new connections
// alike, until Restore.
func (p *Proxy) Hang() {
	p.mu.Lock()
	p.hung = true
	p.mu.Unlock()
}

// Restore lets connections through again, with what Hang held.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.cut, p.hung = false, false
	p.flow.Broadcast()
	p.mu.Unlock()
}

func (p *Proxy) close() {
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.pipe(c)
		}()
	}
}

// pipe forwards one client connection to the server until either side ends
// or the proxy is cut.
func (p *Proxy) pipe(client net.Conn) {
	if !p.track(client) {
		reset(client)
		return
	}
	server, err := net.DialTimeout("tcp", p.target, ProxyTimeout)
	if err != nil || !p.track(server) {
		if server != nil {
			reset(server)
		}
		p.drop(client)
		return
	}
	done := make(chan struct{}, 2)
	go p.forward(server, client, done)
	go p.forward(client, server, done)
	<-done
	p.drop(client)
	p.drop(server)
	<-done
}

// forward copies src to dst, holding each chunk while the proxy hangs.
func (p *Proxy) forward(dst, src net.Conn, done chan<- struct{}) {
	defer func() { done <- struct{}{} }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.hung {
				p.flow.Wait()
			}
			p.mu.Unlock()
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// track registers c, or reports false while the proxy is cut.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cut {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// reset closes c with a TCP reset, as a dead peer's kernel would answer.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

// freePort returns a loopback port that was free a moment ago, below the
// usual ephemeral ranges where possible, so that the test's own outgoing
// connections never take it while a stopped server waits to start again.
func freePort(t testing.TB) int {
	t.Helper()
	for range 20 {
		port := 20000 + mrand.IntN(12000)
		if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port)); err == nil {
			ln.Close()
			return port
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// syncBuffer is a bytes.Buffer safe for a process's output and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

package limit

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// frozen is a clock stopped inside one window, so counts are exact.
func frozen() time.Time { return time.Unix(1_800_000_000, 0) }

func limiters(t *testing.T) map[string]func() Limiter {
	t.Helper()
	out := map[string]func() Limiter{"memory": func() Limiter { m := NewMemory(); m.now = frozen; return m }}
	if surveystest.Required() || surveystest.RedisConfigured() {
		rdb := surveystest.Redis(t)
		out["redis"] = func() Limiter { r := NewRedis(rdb, surveystest.Prefix()); r.now = frozen; return r }
	}
	return out
}

func TestAllowCountsPerKeyAndWindow(t *testing.T) {
	ctx := context.Background()
	for name, mk := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			l := mk()
			var passed atomic.Int32
			var wg sync.WaitGroup
			for range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ok, err := l.Allow(ctx, "ip:203.0.113.1", 20, time.Second)
					if err != nil {
						t.Error(err)
					}
					if ok {
						passed.Add(1)
					}
				}()
			}
			wg.Wait()
			if p := passed.Load(); p != 20 {
				t.Fatalf("%d of 50 concurrent requests passed a limit of 20 per second", p)
			}
			if ok, _ := l.Allow(ctx, "ip:198.51.100.2", 20, time.Second); !ok {
				t.Fatal("another key was limited")
			}
		})
	}
}

func TestNextWindowStartsAfresh(t *testing.T) {
	m := NewMemory()
	now := frozen()
	m.now = func() time.Time { return now }
	for range 3 {
		m.Allow(context.Background(), "k", 3, time.Second)
	}
	if ok, _ := m.Allow(context.Background(), "k", 3, time.Second); ok {
		t.Fatal("a fourth request passed a limit of 3")
	}
	now = now.Add(time.Second)
	if ok, _ := m.Allow(context.Background(), "k", 3, time.Second); !ok {
		t.Fatal("the next second should start a fresh count")
	}
}

// TestRedisLimitIsShared is two instances on one Redis: they share the count.
func TestRedisLimitIsShared(t *testing.T) {
	rdb := surveystest.Redis(t)
	p := surveystest.Prefix()
	a, b := NewRedis(rdb, p), NewRedis(rdb, p)
	a.now, b.now = frozen, frozen
	ctx := context.Background()
	allowed := 0
	for i := range 10 {
		l := a
		if i%2 == 1 {
			l = b
		}
		ok, err := l.Allow(ctx, "survey:1", 5, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			allowed++
		}
	}
	if allowed != 5 {
		t.Fatalf("%d of 10 allowed across two instances at 5/s, want 5", allowed)
	}
	if ttl := rdb.TTL(ctx, p+"survey:1:1800000000").Val(); ttl <= 0 || ttl > 2*time.Second {
		t.Fatalf("window key TTL = %v, want it to expire within 2 s", ttl)
	}
}

func TestLongerWindows(t *testing.T) {
	m := NewMemory()
	now := frozen()
	m.now = func() time.Time { return now }
	for i := range 5 {
		if ok, _ := m.Allow(context.Background(), "login", 5, 5*time.Minute); !ok {
			t.Fatalf("attempt %d refused", i+1)
		}
		now = now.Add(10 * time.Second)
	}
	if ok, _ := m.Allow(context.Background(), "login", 5, 5*time.Minute); ok {
		t.Fatal("a sixth attempt within five minutes passed")
	}
	now = now.Add(5 * time.Minute)
	if ok, _ := m.Allow(context.Background(), "login", 5, 5*time.Minute); !ok {
		t.Fatal("the next window should start a fresh count")
	}
}

// TestLongKeysAreBounded keys counts on 1 MB values, as a caller keying on
// what a client sent would: each is counted on its own, and neither the
// process nor Redis keeps more than a short key per value.
func TestLongKeysAreBounded(t *testing.T) {
	ctx := context.Background()
	for name, mk := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			l := mk().(Counter)
			big := strings.Repeat("a", 1<<20)
			for i := range 3 {
				k := "login-user:" + big + strconv.Itoa(i)
				for want := 1; want <= 2; want++ {
					if n, err := l.Count(ctx, k, time.Minute); err != nil || n != want {
						t.Fatalf("key %d, request %d: count %d, %v", i, want, n, err)
					}
				}
			}
			switch l := l.(type) {
			case *Memory:
				for k := range l.counts {
					if len(k) > 2*maxKey {
						t.Fatalf("the memory limiter keeps a %d-byte key", len(k))
					}
				}
			case *Redis:
				keys, err := l.rdb.Keys(ctx, l.prefix+"*").Result()
				if err != nil || len(keys) != 3 {
					t.Fatalf("redis keys %d, %v; want 3", len(keys), err)
				}
				for _, k := range keys {
					if len(k) > 2*maxKey+len(l.prefix) {
						t.Fatalf("redis holds a %d-byte key", len(k))
					}
				}
			}
		})
	}
}

// Package limit counts requests per key in fixed windows, in
// Redis (shared by every app instance) or in process memory, so that a
// flood from one address or at one survey is refused with 429 before it
// reaches the database.
//
// It may import go-redis and the standard library.
package limit

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter decides whether one more request under key fits in limit per window.
type Limiter interface {
	// Allow counts a request and reports whether it is within limit for the
	// current window (whole seconds, aligned to the clock). On a backend
	// error it returns the error and true: a broken limiter must not lock
	// residents out.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error)
}

// windowOf numbers the window that t falls in.
func windowOf(t time.Time, window time.Duration) int64 {
	secs := max(int64(window/time.Second), 1)
	return t.Unix() / secs
}

// Memory is the in-process limiter.
type Memory struct {
	mu     sync.Mutex
	now    func() time.Time
	counts map[string]memoryCount
	swept  time.Time
}

type memoryCount struct {
	window int64
	n      int
	until  time.Time
}

// NewMemory returns an in-process limiter.
func NewMemory() *Memory { return &Memory{now: time.Now, counts: map[string]memoryCount{}} }

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, limit int, window time.Duration) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if now.Sub(m.swept) > time.Minute { // drop finished windows: memory stays bounded
		m.swept = now
		for k, c := range m.counts {
			if now.After(c.until) {
				delete(m.counts, k)
			}
		}
	}
	w := windowOf(now, window)
	c := m.counts[key]
	if c.window != w {
		c = memoryCount{window: w, until: now.Add(window)}
	}
	c.n++
	m.counts[key] = c
	return c.n <= limit, nil
}

// Redis is the limiter shared by every instance.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewRedis returns a limiter on rdb with keys under prefix.
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix, now: time.Now}
}

// incr counts in the window's key and lets the key expire with the window.
var incr = redis.NewScript(`
local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("EXPIRE", KEYS[1], ARGV[1]) end
return n`)

// Allow implements Limiter with one round trip.
func (r *Redis) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond) // a slow Redis lets requests through
	defer cancel()
	k := r.prefix + key + ":" + strconv.FormatInt(windowOf(r.now(), window), 10)
	ttl := max(int64(2*window/time.Second), 2)
	n, err := incr.Run(ctx, r.rdb, []string{k}, ttl).Int()
	if err != nil {
		return true, fmt.Errorf("limit: redis: %w", err)
	}
	return n <= limit, nil
}

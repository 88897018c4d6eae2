// Package limit counts requests per key in fixed one-second windows, in
// Redis (shared by every app instance) or in process memory, so that a
// flood from one address or at one survey is refused with 429 before it
// reaches the database.
package limit

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter decides whether one more request under key fits in limit per second.
type Limiter interface {
	// Allow counts a request and reports whether it is within limit for the
	// current second. On a backend error it returns the error and true:
	// a broken limiter must not lock residents out.
	Allow(ctx context.Context, key string, limit int) (bool, error)
}

// Memory is the in-process limiter.
type Memory struct {
	mu     sync.Mutex
	now    func() time.Time
	window int64
	counts map[string]int
}

// NewMemory returns an in-process limiter.
func NewMemory() *Memory { return &Memory{now: time.Now, counts: map[string]int{}} }

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, limit int) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w := m.now().Unix(); w != m.window {
		m.window = w
		clear(m.counts) // one window at a time keeps memory bounded
	}
	m.counts[key]++
	return m.counts[key] <= limit, nil
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
if n == 1 then redis.call("EXPIRE", KEYS[1], 2) end
return n`)

// Allow implements Limiter with one round trip.
func (r *Redis) Allow(ctx context.Context, key string, limit int) (bool, error) {
	k := r.prefix + key + ":" + strconv.FormatInt(r.now().Unix(), 10)
	n, err := incr.Run(ctx, r.rdb, []string{k}).Int()
	if err != nil {
		return true, fmt.Errorf("limit: redis: %w", err)
	}
	return n <= limit, nil
}

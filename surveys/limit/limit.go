// Package limit counts requests per key in fixed windows, in
// Redis (shared by every app instance) or in process memory, so that a
// flood from one address or at one survey is refused with 429 before it
// reaches the database.
//
// It may import go-redis and the standard library.
package limit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
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

// Counter is a Limiter that also reports how many requests key has had in
// the current window (this one included). Memory and Redis are Counters.
type Counter interface {
	Limiter
	Count(ctx context.Context, key string, window time.Duration) (int, error)
}

// maxKey is the longest key kept as it is; longer ones are hashed, so that
// a caller keying on something a client sent cannot make the limiter hold
// megabytes per key.
const maxKey = 64

// boundKey returns key, or a fixed-size digest of it when it is longer than
// maxKey. A digest is longer than maxKey itself, so it never equals a key
// kept as it is.
func boundKey(key string) string {
	if len(key) <= maxKey {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "#" + base64.RawURLEncoding.EncodeToString(sum[:]) + "#" + key[:21]
}

// WindowStart is when the window that t falls in began.
func WindowStart(t time.Time, window time.Duration) time.Time {
	secs := max(int64(window/time.Second), 1)
	return time.Unix(windowOf(t, window)*secs, 0)
}

// windowOf numbers the window that t falls in.
func windowOf(t time.Time, window time.Duration) int64 {
	secs := max(int64(window/time.Second), 1)
	return t.Unix() / secs
}

// Memory is the in-process limiter.
type Memory struct {
	mu  sync.Mutex
	now func() time.Time
	windows
}

// windows counts events per key in fixed windows, in memory; the caller
// holds its lock.
type windows struct {
	counts map[string]memoryCount
	swept  time.Time
}

func newWindows() windows { return windows{counts: map[string]memoryCount{}} }

// add counts one event of key at now in its window and returns the
// window's count.
func (w *windows) add(key string, now time.Time, window time.Duration) int {
	if now.Sub(w.swept) > time.Minute { // drop finished windows: memory stays bounded
		w.swept = now
		for k, c := range w.counts {
			if now.After(c.until) {
				delete(w.counts, k)
			}
		}
	}
	cur := windowOf(now, window)
	c := w.counts[key]
	if c.window != cur {
		c = memoryCount{window: cur, until: now.Add(window)}
	}
	c.n++
	w.counts[key] = c
	return c.n
}

type memoryCount struct {
	window int64
	n      int
	until  time.Time
}

// NewMemory returns an in-process limiter.
func NewMemory() *Memory { return &Memory{now: time.Now, windows: newWindows()} }

// Allow implements Limiter.
func (m *Memory) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, error) {
	n, err := m.Count(ctx, key, window)
	return n <= limit, err
}

// Count implements Counter.
func (m *Memory) Count(_ context.Context, key string, window time.Duration) (int, error) {
	key = boundKey(key)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.add(key, m.now(), window), nil
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
	n, err := r.Count(ctx, key, window)
	if err != nil {
		return true, err
	}
	return n <= limit, nil
}

// Count implements Counter with one round trip; on an error it returns 0.
func (r *Redis) Count(ctx context.Context, key string, window time.Duration) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond) // a slow Redis lets requests through
	defer cancel()
	k := r.prefix + boundKey(key) + ":" + strconv.FormatInt(windowOf(r.now(), window), 10)
	ttl := max(int64(2*window/time.Second), 2)
	n, err := incr.Run(ctx, r.rdb, []string{k}, ttl).Int()
	if err != nil {
		return 0, fmt.Errorf("limit: redis: %w", err)
	}
	return n, nil
}

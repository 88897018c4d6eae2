package limit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Failures counts failed attempts (a wrong invitation code) per key in
// fixed windows aligned to the clock. Unlike Limiter, only failures are
// counted, and the budget is checked before an attempt, so a key that
// used it up is refused even when its next guess would be right.
type Failures interface {
	// Exhausted reports whether key already has budget failures in the
	// current window, and how long until that window ends. On a backend
	// error it returns false and the error: a broken counter must not
	// lock residents out.
	Exhausted(ctx context.Context, key string, budget int, window time.Duration) (bool, time.Duration, error)
	// Fail counts one failure under key in the current window.
	Fail(ctx context.Context, key string, window time.Duration) error
}

// untilNext is how long until the window that t falls in ends.
func untilNext(t time.Time, window time.Duration) time.Duration {
	secs := max(int64(window/time.Second), 1)
	end := time.Unix((windowOf(t, window)+1)*secs, 0)
	return end.Sub(t)
}

// MemoryFailures is the in-process failure counter.
type MemoryFailures struct {
	mu  sync.Mutex
	now func() time.Time
	windows
}

// NewMemoryFailures returns an in-process failure counter.
func NewMemoryFailures() *MemoryFailures {
	return &MemoryFailures{now: time.Now, windows: newWindows()}
}

// Exhausted implements Failures.
func (m *MemoryFailures) Exhausted(_ context.Context, key string, budget int, window time.Duration) (bool, time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	c := m.counts[key]
	return c.window == windowOf(now, window) && c.n >= budget, untilNext(now, window), nil
}

// Fail implements Failures.
func (m *MemoryFailures) Fail(_ context.Context, key string, window time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.add(key, m.now(), window)
	return nil
}

// RedisFailures is the failure counter shared by every instance.
type RedisFailures struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewRedisFailures returns a failure counter on rdb with keys under prefix.
func NewRedisFailures(rdb redis.UniversalClient, prefix string) *RedisFailures {
	return &RedisFailures{rdb: rdb, prefix: prefix, now: time.Now}
}

// key is the Redis key of key's current window: hashed, so that Redis
// holds no address in clear and keys have one length whatever was sent.
func (r *RedisFailures) key(key string, window time.Duration) string {
	sum := sha256.Sum256([]byte(key))
	return r.prefix + hex.EncodeToString(sum[:16]) + ":" + strconv.FormatInt(windowOf(r.now(), window), 10)
}

// Exhausted implements Failures with one GET.
func (r *RedisFailures) Exhausted(ctx context.Context, key string, budget int, window time.Duration) (bool, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	left := untilNext(r.now(), window)
	n, err := r.rdb.Get(ctx, r.key(key, window)).Int()
	if err == redis.Nil {
		return false, left, nil
	}
	if err != nil {
		return false, left, fmt.Errorf("limit: redis: %w", err)
	}
	return n >= budget, left, nil
}

// Fail implements Failures with one round trip.
func (r *RedisFailures) Fail(ctx context.Context, key string, window time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
	defer cancel()
	ttl := max(int64(2*window/time.Second), 2)
	if err := incr.Run(ctx, r.rdb, []string{r.key(key, window)}, ttl).Err(); err != nil {
		return fmt.Errorf("limit: redis: %w", err)
	}
	return nil
}

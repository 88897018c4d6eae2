package limit

import (
	"time"

	"github.com/redis/go-redis/v9"
)

// NewMemoryClock returns an in-process limiter whose windows follow now:
// for replaying recorded or simulated traffic faster than it came.
func NewMemoryClock(now func() time.Time) *Memory {
	m := NewMemory()
	m.now = now
	return m
}

// NewRedisClock is NewRedis with windows that follow now.
func NewRedisClock(rdb redis.UniversalClient, prefix string, now func() time.Time) *Redis {
	r := NewRedis(rdb, prefix)
	r.now = now
	return r
}

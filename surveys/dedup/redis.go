package dedup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// callTimeout bounds every Redis call: the database decides when Redis is
// slow, so waiting longer only delays residents.
const callTimeout = 250 * time.Millisecond

// Redis keeps claims in Redis, shared by every app instance.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedis returns a claimer on rdb; keys start with prefix (e.g. "minyi:dedup:").
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{rdb: rdb, prefix: prefix}
}

// Name implements Claimer.
func (r *Redis) Name() string { return "redis" }

// releaseScript deletes a key only while it still holds the given value.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// Claim implements Claimer with one SET NX GET round trip.
func (r *Redis) Claim(ctx context.Context, key, submission string) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	old, err := r.rdb.SetArgs(ctx, r.prefix+key, encode(false, submission), redis.SetArgs{
		Mode: "NX", Get: true, TTL: PendingTTL,
	}).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return Result{State: Won}, nil
	case err != nil:
		return Result{}, fmt.Errorf("dedup: redis claim: %w", err)
	}
	return decode(old), nil
}

// Commit implements Claimer.
func (r *Redis) Commit(ctx context.Context, key, submission string, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := r.rdb.Set(ctx, r.prefix+key, encode(true, submission), ttl).Err(); err != nil {
		return fmt.Errorf("dedup: redis commit: %w", err)
	}
	return nil
}

// CommitMany implements Claimer with one pipelined round trip.
func (r *Redis) CommitMany(ctx context.Context, cs []Commit) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range cs {
			p.Set(ctx, r.prefix+c.Key, encode(true, c.Submission), c.TTL)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dedup: redis commit: %w", err)
	}
	return nil
}

// Release implements Claimer.
func (r *Redis) Release(ctx context.Context, key, submission string) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := releaseScript.Run(ctx, r.rdb, []string{r.prefix + key}, encode(false, submission)).Err(); err != nil {
		return fmt.Errorf("dedup: redis release: %w", err)
	}
	return nil
}

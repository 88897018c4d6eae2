package dedup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// callTimeout bounds every Redis call: the database decides when Redis is
// slow, so waiting longer only delays residents.
const callTimeout = 250 * time.Millisecond

// maxClaimBatch bounds the claims sent in one pipeline.
const maxClaimBatch = 256

// Redis keeps claims in Redis, shared by every app instance.
//
// Claims that arrive while one is on its way to Redis wait and go together
// in the next pipeline: under load one round trip (one write and one read
// system call on each side) serves tens of residents, with no timer and so
// no delay when claims come one at a time.
type Redis struct {
	rdb    redis.UniversalClient
	prefix string

	mu      sync.Mutex
	sending bool     // a pipeline of claims is on its way
	queue   []*claim // claims for the next pipeline
}

// claim is one Claim waiting for its pipeline.
type claim struct {
	key, submission string
	deadline        time.Time // callTimeout after the call: waiting counts
	res             Result
	err             error
	// wake says the pipeline carrying this claim is back (false), or that
	// this claim leads the next pipeline (true).
	wake chan bool
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

// Claim implements Claimer with SET NX GET. The first caller while no
// pipeline is on its way sends its claim at once; callers arriving
// meanwhile queue, and when the pipeline is back the first of them sends
// the queued claims together. Each caller's result is its own command's.
func (r *Redis) Claim(ctx context.Context, key, submission string) (Result, error) {
	c := &claim{key: key, submission: submission, deadline: time.Now().Add(callTimeout), wake: make(chan bool, 1)}
	r.mu.Lock()
	r.queue = append(r.queue, c)
	lead := !r.sending
	r.sending = true
	r.mu.Unlock()
	if !lead && !<-c.wake {
		return c.res, c.err
	}
	r.mu.Lock()
	batch := r.queue
	if len(batch) > maxClaimBatch {
		batch = batch[:maxClaimBatch]
	}
	r.queue = r.queue[len(batch):]
	r.mu.Unlock()

	// The leader's request may end before the others': the pipeline runs
	// on its own deadline, that of its oldest claim, so that no caller waits
	// longer than callTimeout in all, even behind pipelines a stalled Redis
	// never answers.
	pctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), batch[0].deadline)
	r.claimAll(pctx, batch)
	cancel()
	for _, o := range batch {
		if o != c {
			o.wake <- false
		}
	}
	r.mu.Lock()
	if len(r.queue) > 0 {
		r.queue[0].wake <- true
	} else {
		r.sending = false
	}
	r.mu.Unlock()
	return c.res, c.err
}

// claimAll sends batch's SET NX GETs in one pipeline and sets each
// claim's result from its own command.
func (r *Redis) claimAll(ctx context.Context, batch []*claim) {
	cmds := make([]*redis.StatusCmd, len(batch))
	_, _ = r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range batch {
			cmds[i] = p.SetArgs(ctx, r.prefix+c.key, encode(false, c.submission), redis.SetArgs{
				Mode: "NX", Get: true, TTL: PendingTTL,
			})
		}
		return nil
	})
	for i, c := range batch {
		old, err := cmds[i].Result()
		switch {
		case errors.Is(err, redis.Nil):
			c.res = Result{State: Won}
		case err != nil:
			c.err = fmt.Errorf("dedup: redis claim: %w", err)
		default:
			c.res = decode(old)
		}
	}
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

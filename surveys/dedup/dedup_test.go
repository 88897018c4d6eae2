package dedup_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

func claimers(t *testing.T) map[string]dedup.Claimer {
	t.Helper()
	out := map[string]dedup.Claimer{"memory": dedup.NewMemory()}
	if surveystest.Required() || surveystest.RedisConfigured() {
		out["redis"] = dedup.NewRedis(surveystest.Redis(t), surveystest.Prefix())
	}
	return out
}

func TestClaimLifecycle(t *testing.T) {
	ctx := context.Background()
	for name, c := range claimers(t) {
		t.Run(name, func(t *testing.T) {
			steps := []struct {
				name   string
				do     func() (dedup.Result, error)
				state  int
				holder string
			}{
				{"first claim wins", func() (dedup.Result, error) { return c.Claim(ctx, "k", "s1") }, dedup.Won, ""},
				{"second claim sees it pending", func() (dedup.Result, error) { return c.Claim(ctx, "k", "s2") }, dedup.Pending, "s1"},
				{"release by a stranger does nothing", func() (dedup.Result, error) {
					if err := c.Release(ctx, "k", "s2"); err != nil {
						return dedup.Result{}, err
					}
					return c.Claim(ctx, "k", "s3")
				}, dedup.Pending, "s1"},
				{"release by the holder frees it", func() (dedup.Result, error) {
					if err := c.Release(ctx, "k", "s1"); err != nil {
						return dedup.Result{}, err
					}
					return c.Claim(ctx, "k", "s4")
				}, dedup.Won, ""},
				{"commit makes it a duplicate", func() (dedup.Result, error) {
					if err := c.Commit(ctx, "k", "s4", time.Hour); err != nil {
						return dedup.Result{}, err
					}
					return c.Claim(ctx, "k", "s5")
				}, dedup.Committed, "s4"},
				{"a committed claim is not released", func() (dedup.Result, error) {
					if err := c.Release(ctx, "k", "s4"); err != nil {
						return dedup.Result{}, err
					}
					return c.Claim(ctx, "k", "s6")
				}, dedup.Committed, "s4"},
			}
			for _, st := range steps {
				got, err := st.do()
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if got.State != st.state || got.Holder != st.holder {
					t.Fatalf("%s: got %+v, want state %d holder %q", st.name, got, st.state, st.holder)
				}
			}
		})
	}
}

func TestConcurrentClaimsHaveOneWinner(t *testing.T) {
	for name, c := range claimers(t) {
		t.Run(name, func(t *testing.T) {
			var won atomic.Int32
			var wg sync.WaitGroup
			for i := range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := c.Claim(context.Background(), "race", string(rune('a'+i%26))+"x")
					if err != nil {
						t.Error(err)
					}
					if r.State == dedup.Won {
						won.Add(1)
					}
				}()
			}
			wg.Wait()
			if won.Load() != 1 {
				t.Fatalf("%d winners, want 1", won.Load())
			}
		})
	}
}

func TestRedisClaimsExpire(t *testing.T) {
	rdb := surveystest.Redis(t)
	prefix := surveystest.Prefix()
	c := dedup.NewRedis(rdb, prefix)
	ctx := context.Background()
	if _, err := c.Claim(ctx, "ttl", "s1"); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.TTL(ctx, prefix+"ttl").Val(); ttl <= 0 || ttl > dedup.PendingTTL {
		t.Fatalf("pending claim TTL = %v, want (0, %v]", ttl, dedup.PendingTTL)
	}
	if err := c.Commit(ctx, "ttl", "s1", 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.TTL(ctx, prefix+"ttl").Val(); ttl < 47*time.Hour {
		t.Fatalf("committed claim TTL = %v, want about 48h", ttl)
	}
}

func TestCommitMany(t *testing.T) {
	ctx := context.Background()
	for name, c := range claimers(t) {
		t.Run(name, func(t *testing.T) {
			for _, k := range []string{"m1", "m2"} {
				if r, err := c.Claim(ctx, k, "s-"+k); err != nil || r.State != dedup.Won {
					t.Fatalf("claim %s: %+v %v", k, r, err)
				}
			}
			err := c.CommitMany(ctx, []dedup.Commit{{Key: "m1", Submission: "s-m1", TTL: time.Hour}, {Key: "m2", Submission: "s-m2", TTL: time.Hour}})
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"m1", "m2"} {
				if r, _ := c.Claim(ctx, k, "other"); r.State != dedup.Committed || r.Holder != "s-"+k {
					t.Fatalf("after CommitMany, claim %s = %+v", k, r)
				}
			}
		})
	}
}

func TestMemoryClaimsStayBounded(t *testing.T) {
	m := dedup.NewMemory()
	ctx := context.Background()
	for i := range dedup.MaxMemoryClaims + 10 {
		k := "k" + strconv.Itoa(i)
		m.Claim(ctx, k, "s")
		m.Commit(ctx, k, "s", time.Hour)
	}
	if n := m.Len(); n > dedup.MaxMemoryClaims {
		t.Fatalf("%d claims held, bound %d", n, dedup.MaxMemoryClaims)
	}
	// A pending claim survives the purge: it guards a write in flight.
	m.Claim(ctx, "pending", "p")
	for i := range dedup.MaxMemoryClaims {
		k := "j" + strconv.Itoa(i)
		m.Commit(ctx, k, "s", time.Hour)
	}
	if r, _ := m.Claim(ctx, "pending", "other"); r.State != dedup.Pending {
		t.Fatalf("pending claim lost in the purge: %+v", r)
	}
}

// TestRedisClusterClaims runs the claim lifecycle on a Redis Cluster of
// the test's own: one-key commands and script, and a CommitMany whose keys
// fall in every shard's slots.
func TestRedisClusterClaims(t *testing.T) {
	rc := surveystest.StartRedisCluster(t)
	ctx := context.Background()
	c := dedup.NewRedis(rc.Client(), surveystest.Prefix())
	var commits []dedup.Commit
	for i := range 64 {
		k, sub := "1:k"+strconv.Itoa(i), "s"+strconv.Itoa(i)
		if r, err := c.Claim(ctx, k, sub); err != nil || r.State != dedup.Won {
			t.Fatalf("claim %s: %+v %v", k, r, err)
		}
		commits = append(commits, dedup.Commit{Key: k, Submission: sub, TTL: time.Hour})
	}
	if err := c.Release(ctx, "1:k0", "s0"); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Claim(ctx, "1:k0", "s0"); err != nil || r.State != dedup.Won {
		t.Fatalf("claim after release: %+v %v", r, err)
	}
	if err := c.CommitMany(ctx, commits); err != nil {
		t.Fatal(err)
	}
	for _, cm := range commits {
		if r, err := c.Claim(ctx, cm.Key, "other"); err != nil || r.State != dedup.Committed || r.Holder != cm.Submission {
			t.Fatalf("after CommitMany, claim %s = %+v %v", cm.Key, r, err)
		}
	}
}

// pipelineCounter counts the round trips a client makes: single commands
// and pipelines.
type pipelineCounter struct{ n atomic.Int32 }

func (*pipelineCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (p *pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		p.n.Add(1)
		return next(ctx, cmd)
	}
}
func (p *pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		p.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestRedisClaimsShareRoundTrips: claims arriving together go to Redis in
// shared pipelines, and each caller still gets its own command's answer —
// one winner per key, the loser told who holds it — even when the caller
// that sent the pipeline had given up on its request.
func TestRedisClaimsShareRoundTrips(t *testing.T) {
	rdb := surveystest.Redis(t)
	count := &pipelineCounter{}
	rdb.AddHook(count)
	c := dedup.NewRedis(rdb, surveystest.Prefix())

	const keys = 200
	type answer struct {
		key, sub string
		res      dedup.Result
		err      error
	}
	answers := make(chan answer, 2*keys)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 2 * keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if i%7 == 0 {
				ctx = cancelled // its request is gone; its claim still counts
			}
			key, sub := "batch"+strconv.Itoa(i%keys), "s"+strconv.Itoa(i)
			<-start
			r, err := c.Claim(ctx, key, sub)
			answers <- answer{key, sub, r, err}
		}()
	}
	close(start)
	wg.Wait()
	close(answers)

	byKey := map[string][]answer{}
	for a := range answers {
		if a.err != nil {
			t.Fatalf("claim %s by %s: %v", a.key, a.sub, a.err)
		}
		byKey[a.key] = append(byKey[a.key], a)
	}
	for key, as := range byKey {
		var winner, loser *answer
		for i := range as {
			if as[i].res.State == dedup.Won {
				winner = &as[i]
			} else {
				loser = &as[i]
			}
		}
		if len(as) != 2 || winner == nil || loser == nil {
			t.Fatalf("%s: answers %+v, want one winner and one loser", key, as)
		}
		if loser.res.State != dedup.Pending || loser.res.Holder != winner.sub {
			t.Fatalf("%s: loser got %+v, want pending held by %s", key, loser.res, winner.sub)
		}
	}
	if n := count.n.Load(); n > keys {
		t.Fatalf("%d claims took %d round trips: claims waiting together must share them", 2*keys, n)
	} else {
		t.Logf("%d claims in %d round trips", 2*keys, n)
	}
}

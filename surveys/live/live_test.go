package live_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

func TestHubCoalescesAndNeverBlocks(t *testing.T) {
	var mu sync.Mutex
	var renders []time.Time
	hub := live.NewHub(func(_ context.Context, id uint64) (*live.Payload, error) {
		mu.Lock()
		defer mu.Unlock()
		renders = append(renders, time.Now())
		n := strconv.Itoa(len(renders))
		return live.NewPayload(func(string) ([]byte, error) { return []byte(n), nil }), nil
	})
	hub.Interval = 200 * time.Millisecond
	slow := hub.Subscribe(1) // never reads
	fast := hub.Subscribe(1)
	other := hub.Subscribe(2)

	// A notice every millisecond for a second: renders stay one per interval.
	stop := time.Now().Add(time.Second)
	for time.Now().Before(stop) {
		hub.Notify(1)
		time.Sleep(time.Millisecond)
	}
	time.Sleep(hub.Interval + 100*time.Millisecond) // the last coalesced render
	mu.Lock()
	n := len(renders)
	for i := 1; i < n; i++ {
		if gap := renders[i].Sub(renders[i-1]); gap < hub.Interval-10*time.Millisecond {
			t.Errorf("renders %d and %d only %v apart, want ≥ %v", i-1, i, gap, hub.Interval)
		}
	}
	mu.Unlock()
	if n < 2 || n > 7 {
		t.Fatalf("%d renders for ~1000 notices over 1 s at a 200 ms interval, want 2-7", n)
	}
	latest := strconv.Itoa(n)

	// The fast subscriber ends with the latest payload; the slow one holds
	// only that one too (replaced, never queued), so nobody blocked.
	var got string
	for len(fast.C) > 0 {
		got = body(t, <-fast.C, "")
	}
	if got != latest {
		t.Fatalf("fast subscriber's last payload = %q, want %q", got, latest)
	}
	if len(slow.C) != 1 || body(t, <-slow.C, "") != latest {
		t.Fatal("the slow subscriber should hold just the latest payload")
	}
	if len(other.C) != 0 {
		t.Fatal("a subscriber of another survey got an event")
	}
	hub.Unsubscribe(fast)
	hub.Unsubscribe(slow)
	if hub.Subscribers(1) != 0 {
		t.Fatal("subscribers left after unsubscribing")
	}
}

func TestRedisBrokerReachesOtherInstances(t *testing.T) {
	rdb := surveystest.Redis(t)
	channel := surveystest.Prefix() + "tally"
	a, b := live.NewRedis(rdb, channel), live.NewRedis(rdb, channel)
	got := make(chan uint64, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx, func(id uint64) { got <- id })
	// Subscribing is asynchronous: publish until the other side hears it.
	deadline := time.After(5 * time.Second)
	for {
		if err := a.Publish(ctx, 42); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-got:
			if id != 42 {
				t.Fatalf("got survey %d, want 42", id)
			}
			return
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatal("instance B never heard instance A")
		}
	}
}

// body is a payload's bytes in form, as a string.
func body(t *testing.T, p *live.Payload, form string) string {
	t.Helper()
	b, err := p.Bytes(form)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPayloadEncodesEachFormOnce: however many streams ask for a form at
// once, it is encoded once and they all get the same bytes.
func TestPayloadEncodesEachFormOnce(t *testing.T) {
	var encodes atomic.Int32
	p := live.NewPayload(func(form string) ([]byte, error) {
		encodes.Add(1)
		time.Sleep(20 * time.Millisecond)
		return []byte("body " + form), nil
	})
	var wg sync.WaitGroup
	got := make([][]byte, 50)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = p.Bytes([]string{"a", "b"}[i%2])
		}()
	}
	wg.Wait()
	if n := encodes.Load(); n != 2 {
		t.Fatalf("%d encodings for 50 streams asking for 2 forms, want 2", n)
	}
	for i, b := range got {
		if want := "body " + []string{"a", "b"}[i%2]; string(b) != want || &b[0] != &got[i%2][0] {
			t.Fatalf("stream %d got %q (shared: %t), want the shared %q", i, b, &b[0] == &got[i%2][0], want)
		}
	}
}

// TestShardedBrokerFollowsASlotMove runs the broker on a Redis Cluster of
// the test's own (sharded Pub/Sub), moves the channel's slot to another
// shard, whose old owner then ends the subscription, and checks that
// notices reach the subscriber again.
func TestShardedBrokerFollowsASlotMove(t *testing.T) {
	rc := surveystest.StartRedisCluster(t)
	rdb := rc.Client()
	channel := "minyi-test:tally"
	b := live.NewRedis(rdb, channel)
	if !b.Sharded() {
		t.Fatal("the broker on a cluster client is not sharded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan uint64, 64)
	go b.Run(ctx, func(id uint64) { got <- id })
	heard := func(id uint64, within time.Duration) bool { return hears(ctx, b, got, id, within) }
	if !heard(1, 5*time.Second) {
		t.Fatal("no notice before the move")
	}
	from := rc.PrimaryOf(channel)
	to := rc.MoveSlotOf(channel)
	t.Logf("channel's slot moved from %s to %s", from, to)
	if !heard(2, 10*time.Second) {
		t.Fatal("no notice within 10 s after the channel's slot moved")
	}
}

// TestHubShowsPacedNoticesAtOnce: notices that come about once an
// interval, a little early or late (tally passes), are each rendered at
// once, not held for the rest of the interval; a notice soon after a
// render still waits for the interval.
func TestHubShowsPacedNoticesAtOnce(t *testing.T) {
	renders := make(chan time.Time, 16)
	hub := live.NewHub(func(context.Context, uint64) (*live.Payload, error) {
		renders <- time.Now()
		return live.NewPayload(func(string) ([]byte, error) { return []byte("x"), nil }), nil
	})
	hub.Interval = time.Second
	sub := hub.Subscribe(1)
	defer hub.Unsubscribe(sub)
	hub.Notify(1)
	last := <-renders
	// Held for the rest of the interval, the early ones would wait 150,
	// 100 and 130 ms.
	for i, gap := range []time.Duration{850, 900, 1050, 870, 1000} {
		time.Sleep(time.Until(last.Add(gap * time.Millisecond)))
		notified := time.Now()
		hub.Notify(1)
		last = <-renders
		if late := last.Sub(notified); late > 60*time.Millisecond {
			t.Errorf("notice %d, %d ms after the last render, rendered %v later; want at once", i, gap, late)
		}
	}
	time.Sleep(20 * time.Millisecond)
	notified := time.Now()
	hub.Notify(1)
	if got := (<-renders).Sub(last); got < hub.Interval-10*time.Millisecond {
		t.Errorf("a notice %v after a render was rendered %v after it; want the interval", notified.Sub(last), got)
	}
}

// TestRedisBrokerToldOfAGap stops the broker's Redis and starts it again:
// notices published meanwhile are lost, so once subscribed again the
// broker says any survey may have changed (AllSurveys), and notices flow.
func TestRedisBrokerToldOfAGap(t *testing.T) {
	srv := surveystest.StartRedis(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	b := live.NewRedis(rdb, "minyi-test:gap")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan uint64, 64)
	go b.Run(ctx, func(id uint64) { got <- id })
	heard := func(id uint64, within time.Duration) bool { return hears(ctx, b, got, id, within) }
	if !heard(1, 5*time.Second) {
		t.Fatal("no notice before the gap")
	}
	select {
	case g := <-got:
		t.Fatalf("notice %d before any gap", g)
	case <-time.After(200 * time.Millisecond):
	}
	srv.Stop()
	srv.Start()
	deadline := time.After(15 * time.Second)
	for all := false; !all; {
		select {
		case g := <-got:
			all = g == live.AllSurveys
		case <-deadline:
			t.Fatal("no AllSurveys notice within 15 s of Redis coming back")
		}
	}
	if !heard(2, 5*time.Second) {
		t.Fatal("no notice after the gap")
	}
}

// hears publishes id on b until it comes back on got, for at most within.
func hears(ctx context.Context, b *live.Redis, got <-chan uint64, id uint64, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		_ = b.Publish(ctx, id)
		select {
		case g := <-got:
			if g == id {
				return true
			}
		case <-time.After(100 * time.Millisecond):
		}
	}
	return false
}

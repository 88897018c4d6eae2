package live_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

func TestHubCoalescesAndNeverBlocks(t *testing.T) {
	var renders atomic.Int32
	hub := live.NewHub(func(_ context.Context, id uint64) ([]byte, error) {
		n := renders.Add(1)
		return []byte(strconv.Itoa(int(n))), nil
	})
	hub.Interval = 200 * time.Millisecond
	slow := hub.Subscribe(1) // never reads
	fast := hub.Subscribe(1)
	other := hub.Subscribe(2)

	for range 100 {
		hub.Notify(1)
	}
	select {
	case p := <-fast.C:
		if string(p) != "1" {
			t.Fatalf("first payload = %q, want render 1", p)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no event after a change")
	}
	// 100 notices in a burst make one render, not 100.
	time.Sleep(300 * time.Millisecond)
	if n := renders.Load(); n != 1 {
		t.Fatalf("renders = %d, want 1 for a burst", n)
	}
	// The next change waits for the interval, and the slow subscriber's
	// unread payload is replaced, not queued, so nobody blocks.
	start := time.Now()
	hub.Notify(1)
	select {
	case p := <-fast.C:
		if string(p) != "2" {
			t.Fatalf("second payload = %q", p)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("no second event")
	}
	if len(slow.C) != 1 || string(<-slow.C) != "2" {
		t.Fatal("the slow subscriber should hold just the latest payload")
	}
	if time.Since(start) > time.Second {
		t.Fatalf("second event took %v", time.Since(start))
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

package surveys

import (
	"testing"
	"time"
)

func TestBurstTrackerSlidesByMinute(t *testing.T) {
	b := newBurstTracker()
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 20 {
		b.count(1, t0.Add(time.Duration(i)*time.Second), "203.0.113.7", "")
	}
	n := b.count(1, t0.Add(30*time.Second), "203.0.113.8", "")
	if n != (burstCounts{all: 21, address: 1, network: 21}) {
		t.Fatalf("counts %+v, want all 21, address 1, network 21", n)
	}
	if n := b.count(2, t0, "203.0.113.7", ""); n.all != 1 || n.address != 1 {
		t.Fatalf("another survey shares the counts: %+v", n)
	}
	// Ten minutes on, the first minute has left the window.
	n = b.count(1, t0.Add(10*time.Minute), "203.0.113.7", "")
	if n.all != 1 || n.address != 1 {
		t.Fatalf("after the window: %+v, want only itself", n)
	}
	if len(b.surveys[1].keys) > 3 {
		t.Fatalf("%d keys kept for survey 1", len(b.surveys[1].keys))
	}
}

func TestNetworkOf(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.77":          "203.0.113.0/24",
		"2001:db8:1:2::/64":     "2001:db8:1::/48",
		"2001:db8:1:2::1":       "2001:db8:1::/48",
		"not an address at all": "not an address at all",
	} {
		if got := networkOf(in); got != want {
			t.Errorf("networkOf(%q) = %q, want %q", in, got, want)
		}
	}
}

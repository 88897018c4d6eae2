package surveys

import (
	"net"
	"strings"
	"sync"
	"time"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// burstBuckets split questionnaire.BurstWindow into minutes: counts
// slide a minute at a time.
const burstBuckets = int64(questionnaire.BurstWindow / time.Minute)

// maxBurstKeys bounds the keys one survey's counts hold; past it they
// start afresh (a survey answered from over 100,000 addresses in ten
// minutes is no burst from one of them).
const maxBurstKeys = 100_000

// burstTracker counts each survey's recent responses: in all, per client
// address, per network (/24 of IPv4, /48 of IPv6) and, in phone mode, per
// device, over the last questionnaire.BurstWindow of the responses' own
// timestamps (so a replay with a fake clock counts alike). The counts are
// this instance's: behind a balancer each instance sees its share of
// every address and of the survey alike, so the shares the rules compare
// hold, while the minimum counts apply per instance.
type burstTracker struct {
	mu      sync.Mutex
	surveys map[uint64]*surveyBurst
}

type surveyBurst struct {
	total  sliding
	keys   map[string]*sliding
	latest int64 // the newest minute seen
	swept  int64 // the minute of the last sweep
}

// sliding is a count per minute over the last burstBuckets minutes.
type sliding struct {
	n  [burstBuckets]int32
	at [burstBuckets]int64 // the minute each bucket counts
}

// add counts one event at minute m and returns the count of the window
// that ends at m.
func (s *sliding) add(m int64) int {
	i := m % burstBuckets
	if s.at[i] != m {
		s.at[i], s.n[i] = m, 0
	}
	s.n[i]++
	return s.sum(m)
}

func (s *sliding) sum(m int64) int {
	total := 0
	for i := range s.n {
		if s.at[i] > m-burstBuckets && s.at[i] <= m {
			total += int(s.n[i])
		}
	}
	return total
}

func (s *sliding) newest() int64 {
	m := s.at[0]
	for _, at := range s.at[1:] {
		m = max(m, at)
	}
	return m
}

func newBurstTracker() *burstTracker { return &burstTracker{surveys: map[uint64]*surveyBurst{}} }

// burstCounts are a new response's window counts, itself included.
type burstCounts struct {
	all, address, network, device int
}

// count records a response of the survey at t from address (as the HTTP
// layer keys it: IPv4, or an IPv6 /64) and device ("" when not counted)
// and returns the window's counts.
func (b *burstTracker) count(surveyID uint64, t time.Time, address, device string) burstCounts {
	m := t.Unix() / 60
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.surveys[surveyID]
	if s == nil {
		s = &surveyBurst{keys: map[string]*sliding{}}
		b.surveys[surveyID] = s
	}
	s.latest = max(s.latest, m)
	if s.latest-s.swept >= burstBuckets || len(s.keys) >= maxBurstKeys {
		s.sweep()
	}
	key := func(k string) int {
		c := s.keys[k]
		if c == nil {
			c = &sliding{}
			s.keys[k] = c
		}
		return c.add(m)
	}
	out := burstCounts{all: s.total.add(m)}
	if address != "" {
		out.address = key("a:" + address)
		out.network = key("n:" + networkOf(address))
	}
	if device != "" {
		out.device = key("d:" + device)
	}
	return out
}

// sweep drops the keys whose counts are all older than the window, or
// every key when there are too many.
func (s *surveyBurst) sweep() {
	s.swept = s.latest
	if len(s.keys) >= maxBurstKeys {
		clear(s.keys)
		return
	}
	for k, c := range s.keys {
		if c.newest() <= s.latest-burstBuckets {
			delete(s.keys, k)
		}
	}
}

// networkOf is the network an address belongs to: the /24 of an IPv4
// address, the /48 of an IPv6 /64 (or address).
func networkOf(address string) string {
	if ip := net.ParseIP(address); ip != nil && ip.To4() != nil {
		return ip.Mask(net.CIDRMask(24, 32)).String() + "/24"
	}
	host, _, _ := strings.Cut(address, "/")
	ip := net.ParseIP(host)
	if ip == nil {
		return address
	}
	return ip.Mask(net.CIDRMask(48, 128)).String() + "/48"
}

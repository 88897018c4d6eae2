package main

import (
	"fmt"
	"sync"
	"time"
)

// stats are one goroutine's counts; they are merged when it is done.
type stats struct {
	status map[string]map[int]int // endpoint → status (0 = no answer) → count

	sent, accepted, retries, mismatched, duplicates, other, errors int

	acceptedAt []time.Time     // when each 201 arrived
	probes     []time.Duration // results probe latencies
}

func newStats() *stats { return &stats{status: map[string]map[int]int{}} }

func (s *stats) count(ep string, status int) { s.add(ep, status, 1) }

func (s *stats) add(ep string, status, n int) {
	m := s.status[ep]
	if m == nil {
		m = map[int]int{}
		s.status[ep] = m
	}
	m[status] += n
}

func (s *stats) merge(o *stats) {
	for ep, m := range o.status {
		for code, n := range m {
			s.add(ep, code, n)
		}
	}
	s.sent += o.sent
	s.accepted += o.accepted
	s.retries += o.retries
	s.mismatched += o.mismatched
	s.duplicates += o.duplicates
	s.other += o.other
	s.errors += o.errors
	s.acceptedAt = append(s.acceptedAt, o.acceptedAt...)
	s.probes = append(s.probes, o.probes...)
}

// notes keeps the first few distinct error messages, with how often each
// came, for the report.
type notes struct {
	mu    sync.Mutex
	list  []string
	times map[string]int
	more  int
}

const maxNotes = 5

func (n *notes) add(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.times[msg] > 0:
		n.times[msg]++
	case len(n.list) < maxNotes:
		if n.times == nil {
			n.times = map[string]int{}
		}
		n.list = append(n.list, msg)
		n.times[msg] = 1
	default:
		n.more++
	}
}

// samples returns the messages kept, each with its count when it repeated.
func (n *notes) samples() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, msg := range n.list {
		if k := n.times[msg]; k > 1 {
			msg = fmt.Sprintf("%s (×%d)", msg, k)
		}
		out = append(out, msg)
	}
	if n.more > 0 {
		out = append(out, fmt.Sprintf("… and %d other messages", n.more))
	}
	return out
}

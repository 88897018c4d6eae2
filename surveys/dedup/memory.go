package dedup

import (
	"context"
	"sync"
	"time"
)

// Memory keeps claims in this process: the embedded default, for one instance.
type Memory struct {
	mu     sync.Mutex
	claims map[string]memoryClaim
	now    func() time.Time
	sweep  time.Time
}

type memoryClaim struct {
	value   string
	expires time.Time
}

// NewMemory returns an empty in-process claimer.
func NewMemory() *Memory {
	return &Memory{claims: map[string]memoryClaim{}, now: time.Now}
}

// Name implements Claimer.
func (m *Memory) Name() string { return "memory" }

// Claim implements Claimer.
func (m *Memory) Claim(_ context.Context, key, submission string) (Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.expire(now)
	if c, ok := m.claims[key]; ok && now.Before(c.expires) {
		return decode(c.value), nil
	}
	m.claims[key] = memoryClaim{encode(false, submission), now.Add(PendingTTL)}
	return Result{State: Won}, nil
}

// MaxMemoryClaims bounds the claims kept in process. Past it, committed
// claims are forgotten: the database still refuses those duplicates, a
// little more slowly, and memory stays flat however many residents answer.
const MaxMemoryClaims = 100_000

// Commit implements Claimer.
func (m *Memory) Commit(_ context.Context, key, submission string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.claims) >= MaxMemoryClaims {
		for k, c := range m.claims {
			if decode(c.value).State == Committed {
				delete(m.claims, k)
			}
		}
	}
	m.claims[key] = memoryClaim{encode(true, submission), m.now().Add(ttl)}
	return nil
}

// Len counts the claims held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.claims)
}

// CommitMany implements Claimer.
func (m *Memory) CommitMany(ctx context.Context, cs []Commit) error {
	for _, c := range cs {
		m.Commit(ctx, c.Key, c.Submission, c.TTL)
	}
	return nil
}

// Release implements Claimer.
func (m *Memory) Release(_ context.Context, key, submission string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.claims[key]; ok && c.value == encode(false, submission) {
		delete(m.claims, key)
	}
	return nil
}

// expire drops expired claims at most once a minute, so memory stays bounded.
func (m *Memory) expire(now time.Time) {
	if now.Sub(m.sweep) < time.Minute {
		return
	}
	m.sweep = now
	for k, c := range m.claims {
		if !now.Before(c.expires) {
			delete(m.claims, k)
		}
	}
}

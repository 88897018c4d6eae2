package identity

import (
	"context"
	"crypto/hmac"
	"sync"
	"time"
)

// MaxMemoryEntries bounds the keys and numbers the in-memory store holds.
// Past it, new ones are refused (errFull) until old ones expire: a flood
// must not exhaust memory, and forgetting a number's state would lift its
// lock.
const MaxMemoryEntries = 200_000

// Memory is the Store of one process, lost on restart: for tests. The
// server keeps codes in Redis or in its database (models.IdentityStore).
type Memory struct {
	mu      sync.Mutex
	windows map[string]*window
	numbers map[string]*numberState
	swept   time.Time
}

type numberState struct {
	sends      window
	lockUntil  time.Time
	fails      int
	failsUntil time.Time
	codes      map[string]*codeState // by scope
}

type codeState struct {
	hash    string
	expires time.Time
	used    bool
	use     string
}

// NewMemory returns an empty in-process store.
func NewMemory() *Memory {
	return &Memory{windows: map[string]*window{}, numbers: map[string]*numberState{}}
}

// Len counts the keys and numbers held.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.windows) + len(m.numbers)
}

// Take implements Store.
func (m *Memory) Take(_ context.Context, key string, rates []Rate, token string, now time.Time) (time.Duration, error) {
	if len(rates) == 0 {
		return 0, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	w := m.windows[key]
	if w == nil {
		if m.full() {
			return 0, errFull
		}
		w = &window{}
		m.windows[key] = w
	}
	return w.take(rates, token, now), nil
}

// Refund implements Store.
func (m *Memory) Refund(_ context.Context, key, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if w := m.windows[key]; w != nil {
		w.refund(token)
	}
	return nil
}

// Issue implements Store.
func (m *Memory) Issue(_ context.Context, in IssueArgs) (Verdict, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(in.Now)
	n := m.numbers[in.Number]
	if n == nil {
		if m.full() {
			return Verdict{}, errFull
		}
		n = &numberState{codes: map[string]*codeState{}}
		m.numbers[in.Number] = n
	}
	if n.lockUntil.After(in.Now) {
		return Verdict{Outcome: Locked, Wait: n.lockUntil.Sub(in.Now)}, nil
	}
	if len(in.Rates) > 0 {
		if wait := n.sends.take(in.Rates, in.Token, in.Now); wait > 0 {
			return Verdict{Outcome: Limited, Wait: wait}, nil
		}
	}
	n.codes[in.Scope] = &codeState{hash: in.CodeHash, expires: in.Now.Add(in.TTL)}
	return Verdict{Outcome: Issued}, nil
}

// Verify implements Store.
func (m *Memory) Verify(_ context.Context, in VerifyArgs) (Verdict, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.numbers[in.Number]
	if n == nil {
		return Verdict{Outcome: Missing}, nil
	}
	if n.lockUntil.After(in.Now) {
		return Verdict{Outcome: Locked, Wait: n.lockUntil.Sub(in.Now)}, nil
	}
	c := n.codes[in.Scope]
	if c == nil || !c.expires.After(in.Now) {
		delete(n.codes, in.Scope)
		return Verdict{Outcome: Missing}, nil
	}
	right := hmac.Equal([]byte(c.hash), []byte(in.CodeHash))
	if c.used {
		if right && c.use == in.Use {
			return Verdict{Outcome: Repeated}, nil
		}
		return Verdict{Outcome: Used}, nil
	}
	if right {
		c.used, c.use = true, in.Use
		n.fails, n.failsUntil = 0, time.Time{}
		return Verdict{Outcome: Accepted}, nil
	}
	if !n.failsUntil.After(in.Now) {
		n.fails, n.failsUntil = 0, in.Now.Add(in.LockFor)
	}
	n.fails++
	if n.fails >= in.MaxFails {
		n.lockUntil = in.Now.Add(in.LockFor)
		n.fails, n.failsUntil = 0, time.Time{}
		delete(n.codes, in.Scope)
		return Verdict{Outcome: Locked, Wait: in.LockFor}, nil
	}
	return Verdict{Outcome: Wrong, Left: in.MaxFails - n.fails}, nil
}

// Unsend implements Store.
func (m *Memory) Unsend(_ context.Context, number, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := m.numbers[number]; n != nil {
		n.sends.refund(token)
	}
	return nil
}

// Release implements Store.
func (m *Memory) Release(_ context.Context, in ReleaseArgs) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.numbers[in.Number]
	if n == nil {
		return nil
	}
	if c := n.codes[in.Scope]; c != nil && c.used && c.use == in.Use && hmac.Equal([]byte(c.hash), []byte(in.CodeHash)) {
		c.used, c.use = false, ""
	}
	return nil
}

func (m *Memory) full() bool { return len(m.windows)+len(m.numbers) >= MaxMemoryEntries }

// sweep drops what has expired, at most once a minute of caller time, or
// once a second while the store is full.
func (m *Memory) sweep(now time.Time) {
	every := time.Minute
	if m.full() {
		every = time.Second
	}
	if now.Sub(m.swept) < every {
		return
	}
	m.swept = now
	for k, w := range m.windows {
		if !w.until.After(now) {
			delete(m.windows, k)
		}
	}
	for k, n := range m.numbers {
		for s, c := range n.codes {
			if !c.expires.After(now) {
				delete(n.codes, s)
			}
		}
		if len(n.codes) == 0 && !n.lockUntil.After(now) && !n.failsUntil.After(now) && !n.sends.until.After(now) {
			delete(m.numbers, k)
		}
	}
}

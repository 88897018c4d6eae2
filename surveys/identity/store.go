package identity

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Store keeps the state of one-time codes and of event windows. Each call
// is atomic; implementations are safe for concurrent use and take the time
// from the caller, so that instances agree and tests can move a clock.
// Keys and values it receives are hashes, never clear numbers or codes.
type Store interface {
	// Take records an event (token) under key if every rate still holds
	// with it counted; otherwise it records nothing and returns how long
	// until it would be allowed. Rates are sliding windows.
	Take(ctx context.Context, key string, rates []Rate, token string, now time.Time) (wait time.Duration, err error)
	// Refund removes the event token recorded under key, if it is there.
	Refund(ctx context.Context, key, token string) error
	// Issue stores a new code for a number and scope, replacing the
	// scope's earlier one (which is then simply wrong), unless the number is locked or its send rates
	// are spent: Issued, Locked or Limited (with Wait).
	Issue(ctx context.Context, in IssueArgs) (Verdict, error)
	// Verify checks a code and uses it up: Accepted, Repeated, Wrong
	// (with Left), Missing, Used or Locked (with Wait).
	Verify(ctx context.Context, in VerifyArgs) (Verdict, error)
	// Unsend removes the send token recorded in a number's send window by
	// Issue, if it is there: a code the provider failed to deliver costs
	// the resident no slot.
	Unsend(ctx context.Context, number, token string) error
	// Release makes a code used for in.Use unused again, if it is (and is
	// still valid): what it was spent on was not stored.
	Release(ctx context.Context, in ReleaseArgs) error
}

// ReleaseArgs is a used code to give back.
type ReleaseArgs struct {
	Number   string
	Scope    string
	CodeHash string
	Use      string // the hash Verify was given
}

// IssueArgs is a code to store.
type IssueArgs struct {
	Number   string        // the number's keyed hash; all its state shares it
	Scope    string        // what the code is for, e.g. a survey's id
	CodeHash string        // the code's keyed hash
	TTL      time.Duration // how long the code is valid
	Rates    []Rate        // the number's send limits
	Token    string        // this send's id in the number's send window
	Now      time.Time
}

// VerifyArgs is a code to check.
type VerifyArgs struct {
	Number   string
	Scope    string
	CodeHash string
	Use      string        // a hash of what the code is used for (a submission id)
	MaxFails int           // wrong codes that lock the number
	LockFor  time.Duration // how long the lock lasts, and the window wrong codes count in
	Now      time.Time
}

// Outcome is what a store did with a code.
type Outcome int

// Outcomes. The Redis scripts return these numbers: keep their order.
const (
	Issued    Outcome = iota + 1 // a new code is stored
	Limited                      // a send rate is spent: retry after Wait
	Locked                       // too many wrong codes: retry after Wait
	Accepted                     // the code was right and is now used
	Repeated                     // the code was already used for the same Use: a retry
	Wrong                        // not the code; Left more tries before the lock
	Missing                      // no code: never sent, or expired
	Used                         // the code was used for something else
	Malformed                    // not six digits (never reaches a store)
)

var outcomeNames = map[Outcome]string{
	Issued: "issued", Limited: "limited", Locked: "locked", Accepted: "accepted", Repeated: "repeated",
	Wrong: "wrong", Missing: "missing", Used: "used", Malformed: "malformed",
}

// String names the outcome.
func (o Outcome) String() string { return outcomeNames[o] }

// Verdict is a store's answer.
type Verdict struct {
	Outcome Outcome
	Wait    time.Duration // for Limited and Locked
	Left    int           // for Wrong
}

// window is one sliding-window log: the events of a key, oldest first.
// Memory uses it; the Redis scripts do the same on a sorted set.
type window struct {
	events []event
	until  time.Time // when the newest event leaves the longest window
}

type event struct {
	at    time.Time
	token string
}

// take records token at now if every rate holds with it; else it returns
// the wait until the N-th newest event inside each spent rate's window
// leaves it, the longest of them.
func (w *window) take(rates []Rate, token string, now time.Time) time.Duration {
	maxPer, maxN := time.Duration(0), 0
	for _, r := range rates {
		maxPer, maxN = max(maxPer, r.Per), max(maxN, r.N)
	}
	w.expire(now, maxPer)
	var wait time.Duration
	for _, r := range rates {
		in := 0
		for _, e := range w.events {
			if e.at.After(now.Add(-r.Per)) {
				in++
			}
		}
		if in >= r.N {
			nth := w.events[len(w.events)-r.N] // the N-th newest, inside the window since in ≥ N
			wait = max(wait, nth.at.Add(r.Per).Sub(now))
		}
	}
	if wait > 0 {
		return wait
	}
	// Insert in time order (a clock may step back a little).
	i := len(w.events)
	for i > 0 && w.events[i-1].at.After(now) {
		i--
	}
	w.events = append(w.events[:i], append([]event{{now, token}}, w.events[i:]...)...)
	if len(w.events) > maxN {
		w.events = w.events[len(w.events)-maxN:]
	}
	if u := now.Add(maxPer); u.After(w.until) {
		w.until = u
	}
	return 0
}

// expire drops events older than per.
func (w *window) expire(now time.Time, per time.Duration) {
	i := 0
	for i < len(w.events) && !w.events[i].at.After(now.Add(-per)) {
		i++
	}
	w.events = w.events[i:]
}

// refund drops token's event.
func (w *window) refund(token string) {
	for i, e := range w.events {
		if e.token == token {
			w.events = append(w.events[:i], w.events[i+1:]...)
			return
		}
	}
}

// WindowLog is a sliding-window log kept as text, for a store that keeps
// each window in one database row: Parse it, Take or Refund, and write
// back String and Until. It counts exactly as Memory does.
type WindowLog struct{ w window }

// ParseWindowLog reads what String wrote; until is the Until stored with it.
func ParseWindowLog(s string, until time.Time) (*WindowLog, error) {
	l := &WindowLog{w: window{until: until}}
	for _, f := range strings.Fields(s) {
		at, token, ok := strings.Cut(f, ":")
		ms, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("identity: window log: bad event %q", f)
		}
		l.w.events = append(l.w.events, event{at: time.UnixMilli(ms).UTC(), token: token})
	}
	return l, nil
}

// Take records token at now if every rate holds with it, else returns the
// wait (see Store.Take).
func (l *WindowLog) Take(rates []Rate, token string, now time.Time) time.Duration {
	return l.w.take(rates, token, now)
}

// Refund drops token's event, if it is there.
func (l *WindowLog) Refund(token string) { l.w.refund(token) }

// Until is when the newest event leaves the longest window: the log may
// be deleted then.
func (l *WindowLog) Until() time.Time { return l.w.until }

// String writes the events as "<unix ms>:<token>", oldest first, spaced.
// Tokens are hashes or hex ids: they hold no spaces.
func (l *WindowLog) String() string {
	var b strings.Builder
	for i, e := range l.w.events {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.FormatInt(e.at.UnixMilli(), 10))
		b.WriteByte(':')
		b.WriteString(e.token)
	}
	return b.String()
}

// Package dedup is the fast path that stops a respondent from answering a
// survey twice: a claim per (survey, respondent) in Redis or in process
// memory. The database's unique index stays the guarantee; a claim only
// spares it the work of refusing an obvious duplicate.
//
// It may import go-redis and the standard library.
package dedup

import (
	"context"
	"strings"
	"time"
)

// Claim states.
const (
	Won       = iota // the claim is ours: go on and store the response
	Pending          // another submission holds it and has not been stored yet (or died)
	Committed        // another submission was stored: a duplicate
)

// PendingTTL bounds how long a claim whose submission never finished
// (a crashed instance) can stand in the way.
const PendingTTL = time.Minute

// Commit is a claim to mark as answered.
type Commit struct {
	Key, Submission string
	TTL             time.Duration
}

// Result is the outcome of a claim.
type Result struct {
	State  int
	Holder string // the submission id holding the claim, when not Won
}

// Claimer claims respondent keys. Implementations are safe for concurrent use.
type Claimer interface {
	// Claim tries to take key for submission id; it is Pending for PendingTTL.
	Claim(ctx context.Context, key, submission string) (Result, error)
	// Commit marks key as answered by submission until ttl passes.
	Commit(ctx context.Context, key, submission string, ttl time.Duration) error
	// CommitMany commits several claims at once (one round trip to Redis).
	CommitMany(ctx context.Context, cs []Commit) error
	// Release drops key if submission still holds it, so the respondent can retry.
	Release(ctx context.Context, key, submission string) error
	// Name is "redis" or "memory".
	Name() string
}

func encode(committed bool, submission string) string {
	if committed {
		return "c:" + submission
	}
	return "p:" + submission
}

func decode(v string) Result {
	committed := strings.HasPrefix(v, "c:")
	holder := v
	if len(v) >= 2 && v[1] == ':' {
		holder = v[2:]
	}
	if committed {
		return Result{State: Committed, Holder: holder}
	}
	return Result{State: Pending, Holder: holder}
}

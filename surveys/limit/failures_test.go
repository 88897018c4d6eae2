package limit

import (
	"context"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// failureCounters are the memory and (when configured) Redis counters on
// a clock the test moves.
func failureCounters(t *testing.T, now *time.Time) map[string]Failures {
	t.Helper()
	clock := func() time.Time { return *now }
	m := NewMemoryFailures()
	m.now = clock
	out := map[string]Failures{"memory": m}
	if surveystest.Required() || surveystest.RedisConfigured() {
		r := NewRedisFailures(surveystest.Redis(t), surveystest.Prefix())
		r.now = clock
		out["redis"] = r
	}
	return out
}

func TestFailuresBudgetPerKeyAndWindow(t *testing.T) {
	ctx := context.Background()
	const window = 10 * time.Minute
	start := time.Unix(1_800_000_000, 0) // a window boundary
	now := start.Add(time.Minute)
	for name, f := range failureCounters(t, &now) {
		t.Run(name, func(t *testing.T) {
			now = start.Add(time.Minute)
			for i := range 5 {
				if over, _, err := f.Exhausted(ctx, "code:ip:a", 5, window); over || err != nil {
					t.Fatalf("after %d failures of a budget of 5: exhausted %v, %v", i, over, err)
				}
				if err := f.Fail(ctx, "code:ip:a", window); err != nil {
					t.Fatal(err)
				}
			}
			over, left, err := f.Exhausted(ctx, "code:ip:a", 5, window)
			if !over || err != nil || left != 9*time.Minute {
				t.Fatalf("after 5 failures: exhausted %v for %v (%v), want true for 9m", over, left, err)
			}
			if over, _, _ := f.Exhausted(ctx, "code:ip:b", 5, window); over {
				t.Fatal("another key is exhausted")
			}
			now = start.Add(window)
			if over, _, _ := f.Exhausted(ctx, "code:ip:a", 5, window); over {
				t.Fatal("the next window still exhausted")
			}
		})
	}
}

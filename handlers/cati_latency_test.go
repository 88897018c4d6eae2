package handlers_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
)

// TestCatiLatency50 measures next and screen through the HTTP API with 50
// interviewers working at once across two instances, each taking a case,
// screening it into two quota cells and recording an outcome, 20 rounds.
// It runs only with MINYI_TEST_CATI_LATENCY=1 (a measurement, not a check):
//
//	MINYI_TEST_CATI_LATENCY=1 go test ./handlers/ -run TestCatiLatency50 -count=1 -v
func TestCatiLatency50(t *testing.T) {
	if os.Getenv("MINYI_TEST_CATI_LATENCY") != "1" {
		t.Skip("a measurement: set MINYI_TEST_CATI_LATENCY=1")
	}
	const callers, rounds = 50, 20
	for _, r := range catiRigs(t) {
		t.Run(r.name, func(t *testing.T) {
			designer := signIn(t, r.a, models.RoleAdmin) // the demo survey has no owner: admins supervise it
			if rep := designer.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/cati/settings", r.surveyID), map[string]any{
				"quotas": []map[string]any{{"cell": map[string]string{"gender": "f"}, "target": 100000}, {"cell": map[string]string{"gender": "m"}, "target": 100000}},
			}); rep.Status != 200 {
				t.Fatalf("settings: %d %s", rep.Status, rep.Raw)
			}
			numbers := make([]string, callers*rounds)
			for i := range numbers {
				numbers[i] = fmt.Sprintf("1370571%04d", i)
			}
			upload(t, designer, r.surveyID, numbers)
			ivs := r.interviewers(t, "lat", callers)
			scr := screening(t, r.a, "f")
			var mu sync.Mutex
			var nexts, screens []time.Duration
			var wg sync.WaitGroup
			for _, sc := range ivs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range rounds {
						t0 := time.Now()
						rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil)
						t1 := time.Now()
						if rep.Status != 200 {
							t.Errorf("next: %d %s", rep.Status, rep.Raw)
							return
						}
						id := uint64(rep.Body["case_id"].(float64))
						if rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/screen", id), scr); rep.Status != 200 {
							t.Errorf("screen: %d %s", rep.Status, rep.Raw)
							return
						}
						t2 := time.Now()
						if rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/outcome", id), map[string]any{"code": "2.11"}); rep.Status != 200 {
							t.Errorf("outcome: %d %s", rep.Status, rep.Raw)
							return
						}
						mu.Lock()
						nexts, screens = append(nexts, t1.Sub(t0)), append(screens, t2.Sub(t1))
						mu.Unlock()
					}
				}()
			}
			start := time.Now()
			wg.Wait()
			took := time.Since(start)
			for name, ds := range map[string][]time.Duration{"next": nexts, "screen": screens} {
				slices.Sort(ds)
				q := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1))].Round(time.Millisecond) }
				t.Logf("%s: %d calls, p50 %v, p95 %v, p99 %v", name, len(ds), q(.5), q(.95), q(.99))
			}
			t.Logf("%d cases taken, screened and closed in %v (%.0f a second)", len(nexts), took.Round(time.Millisecond), float64(len(nexts))/took.Seconds())
		})
	}
}

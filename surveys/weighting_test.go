package surveys_test

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestJointBackfillEqualsRecount turns weighting on while residents submit
// and staff review: once the tally worker has backfilled the joint cells,
// the stored counters equal a recount of every response; turning weighting
// off drops the cells, and on again rebuilds them the same.
func TestJointBackfillEqualsRecount(t *testing.T) {
	const n, workers = 800, 4
	for _, s := range setups(t) {
		t.Run(s.name, func(t *testing.T) {
			svc := surveystest.ServiceWith(t, s.store, s.claimer, live.NewMemory())
			c := compiled(t, svc)
			id := mustSurvey(t, svc).Survey.ID
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); svc.RunTallier(ctx) }()
			defer func() { cancel(); <-done }()

			var wg sync.WaitGroup
			half := make(chan struct{})
			var once sync.Once
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := mrand.New(mrand.NewPCG(uint64(w), 7))
					for i := range n / workers {
						if i == n/workers/2 {
							once.Do(func() { close(half) })
						}
						if _, err := submit(t, svc, fmt.Sprintf("dev-%d-%d", w, i), surveystest.RandomSubmission(rng, c)); err != nil {
							t.Errorf("submit: %v", err)
							return
						}
					}
				}()
			}
			<-half
			margins := stats.Margins{"gender": {"m": 51, "f": 49}, "age": {"18-29": 1, "30-39": 1, "40-49": 1, "50-59": 1, "60-69": 1, "70+": 1}}
			if _, err := svc.SetWeighting(ctx, id, true, margins); err != nil {
				t.Fatal(err)
			}
			// Staff review while the backfill walks.
			rows, err := svc.ResponseList(id, false, "", 20)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				if _, err := svc.ReviewResponse(ctx, id, r.PublicID, []string{"invalid", "valid"}[i%2]); err != nil {
					t.Fatal(err)
				}
			}
			wg.Wait()
			waitReady(t, svc, id)
			if err := svc.RunTallyPass(context.Background()); err != nil {
				t.Fatal(err)
			}
			check := func(when string) {
				t.Helper()
				stored, err := svc.TalliesOf(id)
				if err != nil {
					t.Fatal(err)
				}
				recount, err := svc.RecountTallies(id)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(stored, recount) {
					t.Fatalf("%s: stored tallies (%d counters) differ from a recount (%d)", when, len(stored), len(recount))
				}
				var joint int64
				for k, v := range stored {
					if strings.HasPrefix(k.Dim, "w:") && k.Key == stats.KeyResponses {
						joint += v.N
					}
				}
				if joint != n {
					t.Fatalf("%s: joint cells count %d responses, want %d", when, joint, n)
				}
			}
			check("after the backfill")

			if _, err := svc.SetWeighting(ctx, id, false, margins); err != nil {
				t.Fatal(err)
			}
			stored, err := svc.TalliesOf(id)
			if err != nil {
				t.Fatal(err)
			}
			for k := range stored {
				if strings.HasPrefix(k.Dim, "w") {
					t.Fatalf("joint cell %+v left after weighting was turned off", k)
				}
			}
			if _, err := svc.SetWeighting(ctx, id, true, margins); err != nil {
				t.Fatal(err)
			}
			waitReady(t, svc, id)
			check("on again")
		})
	}
}

func waitReady(t *testing.T, svc *surveys.Service, id uint64) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		w, err := svc.Weighting(id)
		if err != nil {
			t.Fatal(err)
		}
		if w.Ready {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the joint cells were not ready within 20 s")
		}
	}
}

package surveys_test

import (
	"context"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const slug = "social-2022"

// setup is one storage backend with one dedup backend.
type setup struct {
	name    string
	store   *models.Store
	claimer dedup.Claimer
}

// setups pairs every storage backend with memory dedup, and a second MySQL
// database with Redis dedup when configured: the production pairings.
func setups(t *testing.T) []setup {
	t.Helper()
	var out []setup
	for _, b := range surveystest.Backends(t) {
		out = append(out, setup{b.Name + "+memory", b.Store, dedup.NewMemory()})
		if b.Name == "mysql" {
			out = append(out, setup{b.Name + "+redis", surveystest.MySQL(t), dedup.NewRedis(surveystest.Redis(t), surveystest.Prefix())})
		}
	}
	return out
}

func submit(t *testing.T, svc *surveys.Service, device string, sub *questionnaire.Submission) (surveys.SubmitResult, error) {
	t.Helper()
	return svc.Submit(context.Background(), surveys.SubmitInput{
		Slug: slug, Submission: sub, DeviceID: device, ClientIP: "203.0.113.9", Channel: "test", Now: time.Now(),
	})
}

func compiled(t *testing.T, svc *surveys.Service) *questionnaire.Compiled {
	t.Helper()
	p, err := svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	return p.Compiled
}

func TestSubmitCountsEachRespondentOnce(t *testing.T) {
	for _, s := range setups(t) {
		t.Run(s.name, func(t *testing.T) {
			svc := surveystest.ServiceWith(t, s.store, s.claimer, live.NewMemory())
			c := compiled(t, svc)
			rng := mrand.New(mrand.NewPCG(1, 2))

			first := surveystest.RandomSubmission(rng, c)
			res, err := submit(t, svc, "dev-a", first)
			if err != nil || res.Replay || res.ResponseID == "" {
				t.Fatalf("first submit = %+v, %v", res, err)
			}
			t.Run("retry returns the original", func(t *testing.T) {
				again, err := submit(t, svc, "dev-a", first)
				if err != nil || !again.Replay || again.ResponseID != res.ResponseID {
					t.Fatalf("retry = %+v, %v; want replay of %s", again, err, res.ResponseID)
				}
			})
			t.Run("second questionnaire is a duplicate", func(t *testing.T) {
				_, err := submit(t, svc, "dev-a", surveystest.RandomSubmission(rng, c))
				if !errors.Is(err, surveys.ErrDuplicate) {
					t.Fatalf("err = %v, want ErrDuplicate", err)
				}
			})
			t.Run("someone else's submission id is refused", func(t *testing.T) {
				_, err := submit(t, svc, "dev-b", first)
				var inv *questionnaire.InvalidError
				if !errors.As(err, &inv) || inv.Fields["submission_id"] == "" {
					t.Fatalf("err = %v, want invalid submission_id", err)
				}
			})
			t.Run("concurrent duplicates: exactly one accepted", func(t *testing.T) {
				var accepted, dup atomic.Int32
				var wg sync.WaitGroup
				for range 30 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := submit(t, svc, "dev-c", surveystest.RandomSubmission(mrand.New(mrand.NewPCG(rng.Uint64(), 0)), c))
						switch {
						case err == nil:
							accepted.Add(1)
						case errors.Is(err, surveys.ErrDuplicate):
							dup.Add(1)
						default:
							t.Errorf("unexpected error: %v", err)
						}
					}()
				}
				wg.Wait()
				if accepted.Load() != 1 || dup.Load() != 29 {
					t.Fatalf("accepted %d, duplicates %d; want 1 and 29", accepted.Load(), dup.Load())
				}
			})
			t.Run("a failed write releases the claim", func(t *testing.T) {
				restore := surveystest.FailWrites(t, s.store, "responses", errors.New("disk full"))
				sub := surveystest.RandomSubmission(rng, c)
				_, err := submit(t, svc, "dev-d", sub)
				restore()
				if !errors.Is(err, surveys.ErrUnavailable) {
					t.Fatalf("err = %v, want ErrUnavailable", err)
				}
				if res, err := submit(t, svc, "dev-d", sub); err != nil || res.Replay {
					t.Fatalf("retry after the failure = %+v, %v; want a fresh accept", res, err)
				}
			})
			t.Run("a lost claim store still refuses duplicates", func(t *testing.T) {
				// A fresh claimer has forgotten everything, as a flushed Redis has.
				svc2 := surveystest.ServiceWith(t, s.store, dedup.NewMemory(), live.NewMemory())
				_, err := submit(t, svc2, "dev-a", surveystest.RandomSubmission(rng, c))
				if !errors.Is(err, surveys.ErrDuplicate) {
					t.Fatalf("err = %v, want ErrDuplicate from the database", err)
				}
				again, err := submit(t, svc2, "dev-a", first)
				if err != nil || !again.Replay {
					t.Fatalf("retry through a fresh claimer = %+v, %v", again, err)
				}
			})
			t.Run("a claim left by a crash does not lock the respondent out", func(t *testing.T) {
				// Another instance claimed and died before storing anything.
				key := fmt.Sprintf("%d:d:dev-e", mustSurvey(t, svc).Survey.ID)
				if _, err := s.claimer.Claim(context.Background(), key, uuid.NewString()); err != nil {
					t.Fatal(err)
				}
				if _, err := submit(t, svc, "dev-e", surveystest.RandomSubmission(rng, c)); err != nil {
					t.Fatalf("submit behind a stale claim: %v", err)
				}
			})
		})
	}
}

func mustSurvey(t *testing.T, svc *surveys.Service) *surveys.Published {
	t.Helper()
	p, err := svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSubmitRefusals(t *testing.T) {
	store := surveystest.SQLite(t)
	svc := surveystest.Service(t, store)
	c := compiled(t, svc)
	rng := mrand.New(mrand.NewPCG(3, 4))
	cases := []struct {
		name   string
		slug   string
		device string
		want   error
	}{
		{"unknown survey", "no-such-survey", "dev", surveys.ErrNotFound},
		{"no respondent cookie", slug, "", surveys.ErrForbidden},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Submit(context.Background(), surveys.SubmitInput{
				Slug: tc.slug, Submission: surveystest.RandomSubmission(rng, c), DeviceID: tc.device, Now: time.Now(),
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("closed survey", func(t *testing.T) {
		if err := store.SetStatus(mustSurvey(t, svc).Survey.ID, models.StatusClosed); err != nil {
			t.Fatal(err)
		}
		svc.Forget(slug)
		if _, err := submit(t, svc, "dev", surveystest.RandomSubmission(rng, c)); !errors.Is(err, surveys.ErrClosed) {
			t.Fatalf("err = %v, want ErrClosed", err)
		}
	})
}

// TestTalliesEqualRebuild submits thousands of random responses while the
// tally worker runs, then checks the incremental counters against a recount
// of the raw rows, and the results scored from each.
func TestTalliesEqualRebuild(t *testing.T) {
	const n, workers = 2400, 8
	for _, s := range setups(t) {
		t.Run(s.name, func(t *testing.T) {
			svc := surveystest.ServiceWith(t, s.store, s.claimer, live.NewMemory())
			c := compiled(t, svc)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); svc.RunTallier(ctx) }()

			var wg sync.WaitGroup
			var failed atomic.Int32
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := mrand.New(mrand.NewPCG(uint64(w), 99))
					for i := range n / workers {
						if _, err := submit(t, svc, fmt.Sprintf("dev-%d-%d", w, i), surveystest.RandomSubmission(rng, c)); err != nil {
							failed.Add(1)
							t.Errorf("submit: %v", err)
							return
						}
					}
				}()
			}
			wg.Wait()
			cancel()
			<-done
			if failed.Load() > 0 {
				t.FailNow()
			}
			if err := svc.RunTallyPass(context.Background()); err != nil {
				t.Fatal(err)
			}
			id := mustSurvey(t, svc).Survey.ID
			incremental, err := svc.TalliesOf(id)
			if err != nil {
				t.Fatal(err)
			}
			recount, err := svc.RecountTallies(id)
			if err != nil {
				t.Fatal(err)
			}
			if got := incremental[stats.TallyID{Key: stats.KeyResponses}].N; got != n {
				t.Fatalf("tallied responses = %d, want %d", got, n)
			}
			if !reflect.DeepEqual(incremental, recount) {
				t.Fatalf("incremental tallies (%d counters) differ from the recount (%d counters)", len(incremental), len(recount))
			}
			if err := svc.RebuildTallies(context.Background(), id); err != nil {
				t.Fatal(err)
			}
			rebuilt, err := svc.TalliesOf(id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rebuilt, incremental) {
				t.Fatal("stored tallies after a rebuild differ from the incremental ones")
			}
			a, b := stats.Score(c, incremental, "", false), stats.Score(c, rebuilt, "", false)
			if !reflect.DeepEqual(a, b) || a.Responses != n {
				t.Fatalf("results differ after rebuild, or responses %d != %d", a.Responses, n)
			}
		})
	}
}

func TestRenderLiveWithoutCache(t *testing.T) {
	store := surveystest.SQLite(t)
	id := mustSurvey(t, surveystest.Service(t, store)).Survey.ID
	// A fresh instance that never loaded the survey by slug.
	fresh := surveys.NewService(store, dedup.NewMemory(), live.NewMemory(), surveystest.Secret)
	defer fresh.Close()
	p, err := fresh.RenderLive(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	payload, err := p.Bytes(surveys.ResultsView{}.Key())
	if err != nil || !strings.Contains(string(payload), `"survey":"social-2022"`) {
		t.Fatalf("RenderLive = %s, %v", payload, err)
	}
	if _, err := fresh.RenderLive(context.Background(), id+100); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("unknown survey: err = %v", err)
	}
}

func TestQualityFlagsAreStoredAndCountedApart(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			svc := surveystest.Service(t, b.Store)
			c := compiled(t, svc)
			rng := mrand.New(mrand.NewPCG(9, 9))
			now := time.Now()
			send := func(device, ip string, at time.Time, took time.Duration) string {
				t.Helper()
				sub := surveystest.RandomSubmission(rng, c)
				started := at.Add(-took)
				sub.StartedAt = &started
				_, err := svc.Submit(context.Background(), surveys.SubmitInput{
					Slug: slug, Submission: sub, DeviceID: device, ClientIP: ip, Now: at,
				})
				if err != nil {
					t.Fatal(err)
				}
				r, err := b.Store.ResponseBySubmission(mustSurvey(t, svc).Survey.ID, sub.SubmissionID)
				if err != nil {
					t.Fatal(err)
				}
				return r.Flags
			}
			// 30 careful residents behind one office address over a working
			// day: many from one address, but no burst.
			for i := range 30 {
				at := now.Add(-time.Duration(30-i) * 15 * time.Minute)
				if f := send(fmt.Sprintf("office-%d", i), "203.0.113.50", at, 10*time.Minute); strings.Contains(f, "speeder") || strings.Contains(f, "shared") {
					t.Fatalf("resident %d flagged %q", i, f)
				}
			}
			// 31 in one minute from one address: the 30th and 31st are a
			// burst (30 from the address and its /24, nearly all the
			// survey's traffic of the last 10 minutes).
			shared := 0
			for i := range 31 {
				at := now.Add(time.Duration(i) * time.Second)
				f := send(fmt.Sprintf("flood-%d", i), "203.0.113.60", at, 10*time.Minute)
				if strings.Contains(f, questionnaire.FlagSharedAddress) {
					shared++
					if i < 29 {
						t.Fatalf("response %d of the flood flagged %q", i, f)
					}
				}
			}
			if shared != 2 {
				t.Fatalf("%d of a flood of 31 flagged shared, want the last 2", shared)
			}
			// Under half the median (10 min) but over the 36 s floor.
			if f := send("hasty", "198.51.100.7", now.Add(time.Minute), 3*time.Minute); !strings.Contains(f, questionnaire.FlagSpeeder) {
				t.Fatalf("3 min against a 10 min median flagged %q, want speeder", f)
			}
			if err := svc.RunTallyPass(context.Background()); err != nil {
				t.Fatal(err)
			}
			all, err := svc.Results(slug, surveys.ResultsQuery{})
			if err != nil {
				t.Fatal(err)
			}
			clean, err := svc.Results(slug, surveys.ResultsQuery{ExcludeFlagged: true})
			if err != nil {
				t.Fatal(err)
			}
			if all.Responses != 62 || all.Flagged != 3 || !all.IncludesFlagged || clean.Responses != 59 || clean.IncludesFlagged {
				t.Fatalf("all: %d responses, %d flagged; clean: %d responses (includes_flagged %v)",
					all.Responses, all.Flagged, clean.Responses, clean.IncludesFlagged)
			}
		})
	}
}

// TestReviewMovesResponsesBetweenSets: staff decisions on flagged and
// clean responses change which results count them, and the stored counters
// still equal a recount of the raw rows after every step.
func TestReviewMovesResponsesBetweenSets(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			svc := surveystest.Service(t, b.Store)
			c := compiled(t, svc)
			id := mustSurvey(t, svc).Survey.ID
			rng := mrand.New(mrand.NewPCG(11, 12))
			now := time.Now()
			ids := map[string]string{}
			for _, who := range []string{"fast", "careful1", "careful2"} {
				sub := surveystest.RandomSubmission(rng, c)
				took := 10 * time.Minute
				if who == "fast" {
					took = 5 * time.Second // under the 36 s floor: a speeder
				}
				started := now.Add(-took)
				sub.StartedAt = &started
				res, err := svc.Submit(context.Background(), surveys.SubmitInput{Slug: slug, Submission: sub, DeviceID: who, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				ids[who] = res.ResponseID
			}
			ctx := context.Background()
			// Reviewing before the tally pass: the pass counts the decision.
			if _, err := svc.ReviewResponse(ctx, id, ids["careful2"], "invalid"); err != nil {
				t.Fatal(err)
			}
			if err := svc.RunTallyPass(ctx); err != nil {
				t.Fatal(err)
			}
			check := func(step string, wantClean int64) {
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
					t.Fatalf("%s: stored tallies differ from a recount", step)
				}
				clean, err := svc.UncachedResults(slug, surveys.ResultsQuery{ExcludeFlagged: true})
				if err != nil {
					t.Fatal(err)
				}
				if clean.Responses != wantClean {
					t.Fatalf("%s: %d responses without flagged ones, want %d", step, clean.Responses, wantClean)
				}
			}
			check("speeder flagged, careful2 marked invalid", 1)
			if _, err := svc.ReviewResponse(ctx, id, ids["fast"], "valid"); err != nil {
				t.Fatal(err)
			}
			check("speeder cleared", 2)
			if _, err := svc.ReviewResponse(ctx, id, ids["careful2"], ""); err != nil {
				t.Fatal(err)
			}
			check("careful2's decision undone", 3)
			if _, err := svc.ReviewResponse(ctx, id, ids["fast"], ""); err != nil {
				t.Fatal(err)
			}
			check("speeder flagged again", 2)
			if _, err := svc.ReviewResponse(ctx, id, ids["fast"], "maybe"); err == nil {
				t.Fatal("review maybe accepted")
			}
			if _, err := svc.ReviewResponse(ctx, id, "no-such-response", "valid"); !errors.Is(err, surveys.ErrNotFound) {
				t.Fatalf("unknown response: %v", err)
			}
			// Only the speeder is flagged now (careful2's decision was undone).
			rows, err := svc.ResponseList(id, true, "", 10)
			if err != nil || len(rows) != 1 || rows[0].PublicID != ids["fast"] {
				t.Fatalf("flagged or reviewed: %d rows, %v", len(rows), err)
			}
		})
	}
}

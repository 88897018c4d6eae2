package surveys_test

import (
	"context"
	"encoding/json"
	mrand "math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestBreakdownExcludesFlagged: with ?flagged=exclude every breakdown cell
// scores exactly like its unflagged respondents alone, through the stored
// counters of each backend; with flagged responses in, like all of them.
func TestBreakdownExcludesFlagged(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			svc := surveystest.Service(t, b.Store)
			c := compiled(t, svc)
			rng := mrand.New(mrand.NewPCG(21, 22))
			now := time.Now()
			type sent struct {
				answers []questionnaire.Answer
				flagged bool
			}
			var all []sent
			for i := range 60 {
				sub := surveystest.RandomSubmission(rng, c)
				took := 10 * time.Minute
				speeder := i%3 == 0 // under the 2 s per question floor: flagged
				if speeder {
					took = 3 * time.Second
				}
				started := now.Add(-took)
				sub.StartedAt = &started
				answers, err := c.Check(sub)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := svc.Submit(context.Background(), surveys.SubmitInput{
					Slug: slug, Submission: sub, DeviceID: "bd-" + sub.SubmissionID, Now: now,
				}); err != nil {
					t.Fatal(err)
				}
				all = append(all, sent{answers, speeder})
			}
			if err := svc.RunTallyPass(context.Background()); err != nil {
				t.Fatal(err)
			}
			for _, exclude := range []bool{true, false} {
				got, err := svc.UncachedResults(slug, surveys.ResultsQuery{By: questionnaire.RoleTown, ExcludeFlagged: exclude})
				if err != nil {
					t.Fatal(err)
				}
				if got.Flagged != 20 || got.IncludesFlagged == exclude || got.Breakdown == nil {
					t.Fatalf("flagged %d includes_flagged %v breakdown %v, want 20 flagged", got.Flagged, got.IncludesFlagged, got.Breakdown != nil)
				}
				town := c.BreakdownQuestion(questionnaire.RoleTown).Code
				for _, cell := range got.Breakdown.Cells {
					var only []stats.Accepted
					for _, r := range all {
						if exclude && r.flagged {
							continue
						}
						for _, a := range r.answers {
							if a.Question == town && len(a.Values) == 1 && a.Values[0] == cell.Code {
								only = append(only, stats.Accepted{Answers: r.answers})
							}
						}
					}
					tally := stats.Tallies{}
					for _, r := range only {
						stats.Count(c, tally, r)
					}
					want := stats.Score(c, tally, "", false)
					// A breakdown cell keeps no item pairs: its SEs bound the
					// covariances (never below the unflagged sample's own), and
					// every other figure is that sample's exactly.
					if !sameButWider(cell.Overall, cell.Areas, want.Overall, want.Areas) || cell.Responses != want.Responses {
						g, _ := json.Marshal(cell)
						w, _ := json.Marshal(want)
						t.Fatalf("exclude %v, town %s:\n got %s\nwant %s", exclude, cell.Code, g, w)
					}
				}
			}
		})
	}
}

// sameButWider reports whether a breakdown cell's figures equal a sample's
// scored alone, but for SEs at least as large and intervals that hold the
// sample's.
func sameButWider(o stats.Summary, areas []stats.AreaResult, wo stats.Summary, wareas []stats.AreaResult) bool {
	wider := func(se, wse *float64, ci, wci []float64) bool {
		if (se == nil) != (wse == nil) || se != nil && *se < *wse-0.0015 {
			return false
		}
		return len(wci) != 2 || len(ci) == 2 && ci[0] <= wci[0]+0.015 && ci[1] >= wci[1]-0.015
	}
	if len(areas) != len(wareas) || !wider(o.SE, wo.SE, o.CI95, wo.CI95) {
		return false
	}
	o.SE, o.CI95, wo.SE, wo.CI95 = nil, nil, nil, nil
	a, w := slices.Clone(areas), slices.Clone(wareas)
	for i := range a {
		if !wider(a[i].SE, w[i].SE, a[i].CI95, w[i].CI95) {
			return false
		}
		a[i].SE, a[i].CI95, w[i].SE, w[i].CI95 = nil, nil, nil, nil
	}
	g, _ := json.Marshal([]any{o, a})
	x, _ := json.Marshal([]any{wo, w})
	return string(g) == string(x)
}

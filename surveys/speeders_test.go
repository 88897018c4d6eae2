package surveys_test

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestSpeedersReevaluatedWhenTheMedianMoves: a speeder flag set against an
// early median is evaluated again once the median moves by more than 10 %,
// so it does not depend on when the response arrived: the first response
// (150 s, before any median) becomes a speeder against a 6-minute median,
// a 4-minute response flagged against 10 minutes is cleared, a reviewed one
// keeps staff's decision, and the counters still equal a recount.
func TestSpeedersReevaluatedWhenTheMedianMoves(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			svc := surveystest.Service(t, b.Store)
			c := compiled(t, svc)
			id := mustSurvey(t, svc).Survey.ID
			rng := mrand.New(mrand.NewPCG(41, 42))
			now := time.Now()
			ctx := context.Background()
			send := func(who string, took time.Duration) (string, string) {
				t.Helper()
				sub := surveystest.RandomSubmission(rng, c)
				started := now.Add(-took)
				sub.StartedAt = &started
				res, err := svc.Submit(ctx, surveys.SubmitInput{Slug: slug, Submission: sub, DeviceID: who, ClientIP: "198.51.100." + fmt.Sprint(rng.IntN(200)), Now: now})
				if err != nil {
					t.Fatal(err)
				}
				return res.ResponseID, sub.SubmissionID
			}
			flags := func(submission string) string {
				t.Helper()
				r, err := b.Store.ResponseBySubmission(id, submission)
				if err != nil {
					t.Fatal(err)
				}
				return r.Flags
			}
			_, early := send("early", 150*time.Second) // no median yet: not a speeder
			for i := range 30 {
				send(fmt.Sprint("careful-", i), 10*time.Minute)
			}
			_, fast := send("fast", 4*time.Minute) // under half of 10 minutes
			reviewedID, reviewed := send("reviewed", 4*time.Minute)
			if strings.Contains(flags(early), questionnaire.FlagSpeeder) || !strings.Contains(flags(fast), questionnaire.FlagSpeeder) {
				t.Fatalf("at submission: early %q, fast %q; want only fast a speeder", flags(early), flags(fast))
			}
			if err := svc.RunTallyPass(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.ReviewResponse(ctx, id, reviewedID, "invalid"); err != nil {
				t.Fatal(err)
			}
			// The median is ~10 minutes and was evaluated against already.
			if n, err := svc.ReevaluateSpeeders(ctx, id); err != nil || n != 0 {
				t.Fatalf("re-evaluating at an unmoved median: %d changed, %v", n, err)
			}
			for i := range 40 {
				send(fmt.Sprint("quick-", i), 6*time.Minute)
			}
			if err := svc.RunTallyPass(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.ReevaluateSpeeders(ctx, id); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(flags(early), questionnaire.FlagSpeeder) || strings.Contains(flags(fast), questionnaire.FlagSpeeder) ||
				!strings.Contains(flags(reviewed), questionnaire.FlagSpeeder) {
				t.Errorf("against a 6-minute median: early %q, fast %q, reviewed %q; want early a speeder, fast not, reviewed kept",
					flags(early), flags(fast), flags(reviewed))
			}
			stored, err := svc.TalliesOf(id)
			if err != nil {
				t.Fatal(err)
			}
			recount, err := svc.RecountTallies(id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(stored, recount) {
				t.Fatal("stored tallies differ from a recount after re-evaluating speeders")
			}
			r, err := svc.UncachedResults(slug, surveys.ResultsQuery{})
			if err != nil || r.Quality == nil || r.Quality.Reasons[questionnaire.FlagSpeeder] < 1 {
				t.Fatalf("results after re-evaluating: %+v, %v", r.Quality, err)
			}
		})
	}
}

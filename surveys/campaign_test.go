package surveys_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const campaignSlug = "campaign-2022"

// TestCampaignTalliesEqualRebuild submits random responses to the built-in
// campaign (units in two categories, quotas), then checks the incremental
// counters against a recount and a rebuild, and that every unit's results
// hold its category's areas only, on every backend.
func TestCampaignTalliesEqualRebuild(t *testing.T) {
	const n = 600
	for _, s := range setups(t) {
		t.Run(s.name, func(t *testing.T) {
			svc := surveystest.ServiceWith(t, s.store, s.claimer, live.NewMemory())
			if _, err := svc.SeedBuiltin(campaignSlug); err != nil {
				t.Fatal(err)
			}
			p, err := svc.Published(campaignSlug)
			if err != nil {
				t.Fatal(err)
			}
			c := p.Compiled
			rng := mrand.New(mrand.NewPCG(13, 13))
			for i := range n {
				sub := surveystest.RandomSubmission(rng, c)
				if _, err := svc.Submit(context.Background(), surveys.SubmitInput{Slug: campaignSlug, Submission: sub,
					DeviceID: fmt.Sprintf("dev-%d", i), ClientIP: "203.0.113.9", Channel: "test", Now: time.Now()}); err != nil {
					t.Fatalf("submit %d: %v", i, err)
				}
				if i == n/2 {
					if err := svc.RunTallyPass(context.Background()); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := svc.RunTallyPass(context.Background()); err != nil {
				t.Fatal(err)
			}
			id := p.Survey.ID
			incremental, err := svc.TalliesOf(id)
			if err != nil {
				t.Fatal(err)
			}
			recount, err := svc.RecountTallies(id)
			if err != nil {
				t.Fatal(err)
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
			r, err := svc.UncachedResults(campaignSlug, surveys.ResultsQuery{})
			if err != nil {
				t.Fatal(err)
			}
			var completed, quota int64
			for _, u := range r.Units {
				completed += u.Completed
				want := len(c.Category(u.Category).Areas)
				if len(u.Areas) != want {
					t.Errorf("%s (%s) has %d areas, want its category's %d", u.Code, u.Category, len(u.Areas), want)
				}
				for _, q := range u.Quotas {
					quota += q.Filled
				}
			}
			if completed != n || r.Responses != n {
				t.Errorf("completed %d, responses %d, want %d", completed, r.Responses, n)
			}
			if quota != n { // every respondent answers gender, m or f
				t.Errorf("gender quota cells hold %d, want %d", quota, n)
			}
			if len(r.Notices) != 2 {
				t.Errorf("notices for %d categories, want 2", len(r.Notices))
			}
			agencies, err := svc.UncachedResults(campaignSlug, surveys.ResultsQuery{Category: "agency"})
			if err != nil || len(agencies.Units) != 4 || len(agencies.Areas) != 6 {
				t.Fatalf("agency body: %v; units %d areas %d", err, len(agencies.Units), len(agencies.Areas))
			}
			var agencyN int64
			for _, u := range agencies.Units {
				agencyN += u.Responses
			}
			if agencies.Responses != agencyN {
				t.Errorf("agency body responses %d, want its units' %d", agencies.Responses, agencyN)
			}
		})
	}
}

// TestCampaignRefusesOtherCategoriesAreas: an agency's resident cannot
// rate a city area, and an unknown category is a 422 field.
func TestCampaignRefusesOtherCategoriesAreas(t *testing.T) {
	svc := surveystest.Service(t, surveystest.SQLite(t))
	if _, err := svc.SeedBuiltin(campaignSlug); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Published(campaignSlug)
	if err != nil {
		t.Fatal(err)
	}
	sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(1, 1)), p.Compiled)
	sub.Unit = "dept-edu"
	sub.Answers["q07"] = json.RawMessage(`"5"`)
	_, err = svc.Submit(context.Background(), surveys.SubmitInput{Slug: campaignSlug, Submission: sub, DeviceID: "d1", ClientIP: "203.0.113.9", Channel: "test", Now: time.Now()})
	var invalid *questionnaire.InvalidError
	if !errors.As(err, &invalid) || invalid.Fields["q07"] == "" {
		t.Fatalf("agency answering a city area: %v, want q07 refused", err)
	}
	_, err = svc.Results(campaignSlug, surveys.ResultsQuery{Category: "county"})
	if !errors.As(err, &invalid) || invalid.Fields["category"] == "" {
		t.Fatalf("unknown category: %v, want a category field", err)
	}
}

package surveys_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// go test -run '^$' -bench CampaignResults -benchtime 20x ./surveys/
//
// The results of a campaign of 60 units on 13 areas (social-2022's) from
// the counters of 10⁶ responses, read from SQLite and scored, with the
// per-unit blocks and for the same survey without units.

const benchResponses = 1_000_000

var campaignBench struct {
	once  sync.Once
	def   *questionnaire.Definition
	rows  []models.Tally // every counter, units' and the whole sample's
	whole []models.Tally // the whole sample's only
}

func campaignBenchData(b *testing.B) {
	campaignBench.once.Do(func() {
		data, err := questionnaire.Builtin("social-2022")
		if err != nil {
			b.Fatal(err)
		}
		var d questionnaire.Definition
		if err := json.Unmarshal(data, &d); err != nil {
			b.Fatal(err)
		}
		d.Slug = "bench-60"
		d.Categories = []questionnaire.Category{{Code: "city", Name: "市县"}}
		for i := range 60 {
			d.Units = append(d.Units, questionnaire.Unit{Code: fmt.Sprintf("u%02d", i), Name: fmt.Sprintf("单位%02d", i), Category: "city", Target: 300})
		}
		c, err := questionnaire.Compile(&d)
		if err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(60, 13))
		k := stats.NewCounter(c)
		for range benchResponses {
			u := d.Units[rng.IntN(len(d.Units))].Code
			k.Add(stats.Accepted{Unit: u, Flagged: rng.IntN(50) == 0, Answers: c.RandomAnswersFor(rng, u)})
		}
		t := stats.Tallies{}
		k.AddTo(t)
		for id, v := range t {
			row := models.Tally{Unit: id.Unit, Dim: id.Dim, Metric: id.Key, N: v.N, ScoreSum: v.Sum, ScoreSq: v.SumSq}
			campaignBench.rows = append(campaignBench.rows, row)
			if id.Unit == "" {
				campaignBench.whole = append(campaignBench.whole, row)
			}
		}
		campaignBench.def = &d
	})
}

func BenchmarkCampaignResults(b *testing.B) {
	campaignBenchData(b)
	for _, be := range surveystest.Backends(b) {
		for _, tc := range []struct {
			name  string
			units bool
		}{{"60 units", true}, {"no units", false}} {
			benchCampaignResults(b, be.Name+"/"+tc.name, be.Store, tc.units)
		}
	}
}

func benchCampaignResults(b *testing.B, name string, store *models.Store, units bool) {
	b.Run(name, func(b *testing.B) {
		svc := surveystest.Service(b, store)
		d := *campaignBench.def
		rows := campaignBench.rows
		if !units {
			d.Units, d.Categories, rows = nil, nil, campaignBench.whole
			d.Slug = "bench-0"
		}
		c, err := questionnaire.Compile(&d)
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := json.Marshal(&d)
		sv := &models.Survey{Slug: d.Slug, Title: d.Title, Results: d.Results}
		if err := store.CreatePublished(sv, string(raw), surveys.Catalogue(c)); err != nil {
			b.Fatal(err)
		}
		batch := make([]models.Tally, len(rows))
		for i, r := range rows {
			r.SurveyID = sv.ID
			batch[i] = r
		}
		if err := store.W.CreateInBatches(batch, 500).Error; err != nil {
			b.Fatal(err)
		}
		b.Logf("%d counters stored", len(rows))
		for b.Loop() {
			r, err := svc.UncachedResults(d.Slug, surveys.ResultsQuery{})
			if err != nil || r.Responses != benchResponses || len(r.Units) != len(d.Units) {
				b.Fatalf("results: %v, %d responses, %d units", err, r.Responses, len(r.Units))
			}
		}
	})
}

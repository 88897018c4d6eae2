package stats_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// campaignDefinition is smallDefinition as a campaign of two cities (both
// areas) and two agencies (a2 only), notices naming the bottom 1 and any
// unit under 75.
func campaignDefinition() *questionnaire.Definition {
	d := smallDefinition()
	d.Categories = []questionnaire.Category{
		{Code: "city", Name: "市县"},
		{Code: "agency", Name: "省直单位", Areas: []string{"a2"}},
	}
	d.Units = []questionnaire.Unit{
		{Code: "c1", Name: "甲市", Category: "city", Target: 300,
			Quotas: []questionnaire.Quota{{Cell: map[string]string{"town": "t1"}, Target: 100}}},
		{Code: "g1", Name: "甲厅", Category: "agency", Target: 200},
		{Code: "c2", Name: "乙市", Category: "city"},
		{Code: "g2", Name: "乙厅", Category: "agency", Target: 200},
	}
	d.Notices = &questionnaire.NoticeRule{Bottom: 1, Below: 75}
	return d
}

// campaignTallies counts, by hand-known answers: c1 120 × (q1 5, q2 3,
// q3 4), half in town t1; c2 110 × (4, 4, 3); g1 100 × q3 5; g2 100 × q3
// alternately 5 and 1.
func campaignTallies(t *testing.T, c *questionnaire.Compiled) stats.Tallies {
	t.Helper()
	tallies := stats.Tallies{}
	k := stats.NewCounter(c)
	add := func(unit string, n int, answers func(i int) map[string]string) {
		for i := range n {
			var as []questionnaire.Answer
			for _, q := range []string{"q1", "q2", "q3", "overall", "town"} {
				if v, ok := answers(i)[q]; ok {
					as = append(as, questionnaire.Answer{Question: q, Values: []string{v}})
				}
			}
			k.Add(stats.Accepted{Unit: unit, Answers: as})
		}
	}
	town := func(i int) string { return []string{"t1", "t2"}[i%2] }
	add("c1", 120, func(i int) map[string]string {
		return map[string]string{"q1": "5", "q2": "3", "q3": "4", "town": town(i)}
	})
	add("c2", 110, func(i int) map[string]string { return map[string]string{"q1": "4", "q2": "4", "q3": "3", "town": "t2"} })
	add("g1", 100, func(int) map[string]string { return map[string]string{"q3": "5"} })
	add("g2", 100, func(i int) map[string]string { return map[string]string{"q3": []string{"5", "1"}[i%2]} })
	k.AddTo(tallies)
	return tallies
}

func near(a *float64, want float64) bool { return a != nil && math.Abs(*a-want) < 0.006 }

func TestCampaignResults(t *testing.T) {
	c := mustCompile(t, campaignDefinition())
	tallies := campaignTallies(t, c)
	r := stats.Score(c, tallies, "", false)
	units := map[string]stats.UnitResults{}
	for _, u := range r.Units {
		units[u.Code] = u
	}
	type want struct {
		category    string
		areas       []string
		overall     float64
		rank        int
		rankRange   []int
		completed   int64
		progress    *float64
		quotaFilled int64
	}
	p := func(v float64) *float64 { return &v }
	for code, w := range map[string]want{
		// c1: a1 = (2·100 + 60)/3 = 86.667, a2 = 80, O = 83.333.
		"c1": {"city", []string{"a1", "a2"}, 83.33, 1, []int{1, 1}, 120, p(0.4), 60},
		// c2: a1 = 80, a2 = 60, O = 70.
		"c2": {"city", []string{"a1", "a2"}, 70, 2, []int{2, 2}, 110, nil, 0},
		// Agencies are scored on a2 alone, ω renormalised: O = a2.
		"g1": {"agency", []string{"a2"}, 100, 1, []int{1, 1}, 100, p(0.5), 0},
		"g2": {"agency", []string{"a2"}, 50, 2, []int{2, 2}, 100, p(0.5), 0},
	} {
		u := units[code]
		var areas []string
		for _, a := range u.Areas {
			areas = append(areas, a.Code)
		}
		switch {
		case u.Category != w.category || !reflect.DeepEqual(areas, w.areas):
			t.Errorf("%s: category %q areas %v, want %q %v", code, u.Category, areas, w.category, w.areas)
		case !near(u.Overall.Index, w.overall):
			t.Errorf("%s: overall %v, want %.2f", code, u.Overall.Index, w.overall)
		case u.Rank == nil || *u.Rank != w.rank || !reflect.DeepEqual(u.RankRange, w.rankRange):
			t.Errorf("%s: rank %v range %v, want %d %v within the category", code, u.Rank, u.RankRange, w.rank, w.rankRange)
		case u.Completed != w.completed || (w.progress == nil) != (u.Progress == nil) || (w.progress != nil && !near(u.Progress, *w.progress)):
			t.Errorf("%s: completed %d progress %v, want %d %v", code, u.Completed, u.Progress, w.completed, w.progress)
		}
		if w.quotaFilled > 0 && (len(u.Quotas) != 1 || u.Quotas[0].Filled != w.quotaFilled || u.Quotas[0].Progress != 0.6) {
			t.Errorf("%s: quotas %+v, want t1 filled %d of 100", code, u.Quotas, w.quotaFilled)
		}
	}
	// Notices: the bottom one of each category, and every unit under 75.
	got := map[string][]string{}
	for _, n := range r.Notices {
		for _, u := range n.Units {
			got[n.Category+"/"+u.Code] = u.Reasons
		}
	}
	wantNotices := map[string][]string{"city/c2": {"bottom", "below"}, "agency/g2": {"bottom", "below"}}
	if !reflect.DeepEqual(got, wantNotices) {
		t.Errorf("notices = %v, want %v", got, wantNotices)
	}

	t.Run("one category", func(t *testing.T) {
		r, ok := stats.ScoreCategory(c, tallies, "agency", false)
		if !ok || r.Category != "agency" || r.Responses != 200 || len(r.Units) != 2 || len(r.Areas) != 1 || len(r.Notices) != 1 {
			t.Fatalf("category body: ok %t responses %d units %d areas %d notices %d", ok, r.Responses, len(r.Units), len(r.Areas), len(r.Notices))
		}
		// The agencies pooled: a2 = (100·100 + 50·100)/200 = 75.
		if !near(r.Areas[0].Index, 75) || !near(r.Overall.Index, 75) {
			t.Errorf("agency a2 %v overall %v, want 75", r.Areas[0].Index, r.Overall.Index)
		}
		if _, ok := stats.ScoreCategory(c, tallies, "nope", false); ok {
			t.Error("unknown category scored")
		}
	})
	t.Run("one unit", func(t *testing.T) {
		g1 := stats.Score(c, tallies, "g1", false)
		if len(g1.Areas) != 1 || g1.Areas[0].Code != "a2" || !near(g1.Overall.Index, 100) {
			t.Errorf("g1 body: areas %+v overall %v, want a2 only, 100", g1.Areas, g1.Overall.Index)
		}
		if r := stats.Score(c, tallies, "c1", false); len(r.Quotas) != 1 || r.Quotas[0].Filled != 60 {
			t.Errorf("c1 body quotas %+v, want t1 60", r.Quotas)
		}
		b := stats.ScoreUnitBreakdown(c, tallies, "c1", "town", false)
		if b == nil || len(b.Cells) != 2 || b.Cells[0].Responses != 60 || b.Cells[1].Responses != 60 || len(b.Cells[0].Areas) != 2 || !near(b.Cells[0].Overall.Index, 83.33) {
			t.Errorf("c1 by town = %+v, want 60 and 60 respondents at 83.33", b)
		}
		if b := stats.ScoreUnitBreakdown(c, tallies, "g1", "town", false); b == nil || len(b.Cells[0].Areas) != 1 {
			t.Errorf("g1 by town = %+v, want a2 only", b)
		}
		rk := stats.RankingOf(c, &r, "g2")
		if rk == nil || rk.Category != "agency" || rk.CategoryName != "省直单位" || *rk.Rank != 2 || rk.Of != 2 || rk.Completed != 100 || len(rk.Notice) != 2 {
			t.Errorf("g2 ranking = %+v, want 2 of 2 agencies, named", rk)
		}
	})
	t.Run("bottom again", func(t *testing.T) {
		prev := stats.Score(c, tallies, "", false)
		stats.MarkRepeatNotices(&r, &prev)
		for _, n := range r.Notices {
			for _, u := range n.Units {
				if len(u.Reasons) != 3 || u.Reasons[2] != stats.NoticeBottomAgain {
					t.Errorf("%s reasons %v, want bottom_again added", u.Code, u.Reasons)
				}
			}
		}
	})
}

// TestQuotasWithoutUnits counts the top-level quotas of a survey without units.
func TestQuotasWithoutUnits(t *testing.T) {
	d := smallDefinition()
	d.Quotas = []questionnaire.Quota{{Cell: map[string]string{"town": "t2"}, Target: 4}}
	c := mustCompile(t, d)
	tallies := stats.Tallies{}
	for _, town := range []string{"t1", "t2", "t2", ""} {
		as := []questionnaire.Answer{{Question: "q3", Values: []string{"5"}}}
		if town != "" {
			as = append(as, questionnaire.Answer{Question: "town", Values: []string{town}})
		}
		stats.Count(c, tallies, stats.Accepted{Answers: as})
	}
	r := stats.Score(c, tallies, "", false)
	if len(r.Quotas) != 1 || r.Quotas[0].Filled != 2 || r.Quotas[0].Progress != 0.5 || r.Quotas[0].Label != "town=t2" {
		t.Errorf("quotas = %+v, want town=t2 filled 2 of 4", r.Quotas)
	}
}

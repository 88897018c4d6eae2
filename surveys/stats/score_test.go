package stats_test

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// response builds an accepted response from question/value pairs.
func response(unit string, flagged bool, pairs ...string) stats.Accepted {
	r := stats.Accepted{Unit: unit, Flagged: flagged}
	for i := 0; i+1 < len(pairs); i += 2 {
		r.Answers = append(r.Answers, questionnaire.Answer{Question: pairs[i], Values: []string{pairs[i+1]}})
	}
	return r
}

// scoringDefinition is smallDefinition with two units: area a1 holds q1
// (λ=2) and q2 (λ=1), area a2 holds q3; scale 5=100 4=80 3=60 2=30 1=0, dk.
func scoringDefinition() *questionnaire.Definition {
	d := smallDefinition()
	d.Units = []questionnaire.Unit{{Code: "u1", Name: "琼海市"}, {Code: "u2", Name: "万宁市"}}
	return d
}

// handResponses are the five responses every figure below was computed from.
//
//	     unit  q1     q2     q3     overall
//	R1   u1    4=80   4=80   4=80   5=100
//	R2   u1    3=60   dk     5=100  4=80
//	R3   u2    3=60   2=30   dk     3=60
//	R4   u2*   dk     5=100  3=60   dk       (* flagged)
//	R5   u1    4=80   2=30   4=80   5=100
func handResponses() []stats.Accepted {
	return []stats.Accepted{
		response("u1", false, "q1", "4", "q2", "4", "q3", "4", "overall", "5", "town", "t1"),
		response("u1", false, "q1", "3", "q2", "dk", "q3", "5", "overall", "4", "town", "t2"),
		response("u2", false, "q1", "3", "q2", "2", "q3", "dk", "overall", "3", "town", "t1"),
		response("u2", true, "q1", "dk", "q2", "5", "q3", "3", "overall", "dk", "town", "t2"),
		response("u1", false, "q1", "4", "q2", "2", "q3", "4", "overall", "5", "town", "t1"),
	}
}

func countAll(c *questionnaire.Compiled, rs []stats.Accepted) stats.Tallies {
	t := stats.Tallies{}
	for _, r := range rs {
		stats.Count(c, t, r)
	}
	return t
}

// num returns a pointer to v, for expected figures.
func num(v float64) *float64 { return &v }

// Hand computation for the whole sample. SE is s/√n of the index (3 decimals).
// t(0.975, df) from a t table:
// df=1 12.7062, df=2 4.3027, df=3 3.1824, df=4 2.7764. Wilson(2,4) = [0.15, 0.85],
// Wilson(3,4) = [0.3006, 0.9544].
//
// q1: valid 80,60,60,80 (n=4), dk 1.
//
//	index = 280/4 = 70; rate = 2/4 = 0.5; dissatisfied = 0/4 = 0; dk = 1/5 = 0.2
//	s² = (10²+10²+10²+10²)/3 = 133.33, s = 11.547, s/√4 = 5.7735
//	h = 3.1824 × 5.7735 = 18.374 → [51.63, 88.37]
//
// q2: valid 80,30,100,30 (n=4), dk 1.
//
//	index = 240/4 = 60; rate = 2/4 = 0.5 (80, 100); dissatisfied = 2/4 = 0.5; dk = 0.2
//	s² = (20²+30²+40²+30²)/3 = 3800/3 = 1266.67, s = 35.590, s/2 = 17.795
//	h = 3.1824 × 17.795 = 56.63 → [3.37, 116.63] clamped to [3.37, 100]
//
// q3: valid 80,100,60,80 (n=4), dk 1.
//
//	index = 320/4 = 80; rate = 3/4 = 0.75; dissatisfied = 0; dk = 0.2
//	s² = (0²+20²+20²+0²)/3 = 266.67, s = 16.330, s/2 = 8.165
//	h = 3.1824 × 8.165 = 25.98 → [54.02, 105.98] clamped to [54.02, 100]
//
// overall question: valid 100,80,60,100 (n=4), dk 1.
//
//	index = 340/4 = 85; rate = 3/4 = 0.75; dissatisfied = 0; dk = 0.2
//	s² = (15²+5²+25²+15²)/3 = 1100/3 = 366.67, s = 19.149, s/2 = 9.574
//	h = 3.1824 × 9.574 = 30.47 → [54.53, 100]
//
// area a1 = (λ=2 × q1 + λ=1 × q2) / 3:
//
//	index = (2×70 + 60)/3 = 200/3 = 66.67
//	rate = (2×0.5 + 0.5)/3 = 0.5; dissatisfied = (2×0 + 0.5)/3 = 0.1667; dk = (2×0.2 + 0.2)/3 = 0.2
//	n = 5 respondents with an answer in a1. The SE is the linearized SE of
//	(2/3)·I1 + (1/3)·I2, each over its own answers (n1 = n2 = 4): with
//	u_i = (2/3)(x_i1 − 70)/4 + (1/3)(x_i2 − 60)/4 over the items i answered,
//	R1 1.6667 + 1.6667 = 3.3333, R2 −1.6667, R3 −1.6667 − 2.5 = −4.1667,
//	R4 3.3333, R5 1.6667 − 2.5 = −0.8333; Σu² = 43.056,
//	V = 5/4 × 43.056 = 53.819, SE = 7.336
//	h = 2.7764 × 7.336 = 20.37 → centred on the index: [46.30, 87.04]
//
// area a2 = q3: index 80, n = 4 (R3 knows nothing of a2), interval as q3 [54.02, 100],
// rate interval Wilson(3,4).
//
// overall index = (66.667 + 80)/2 = 73.33 (equal area weights), i.e.
// (1/3)·I1 + (1/6)·I2 + (1/2)·I3; n = 5 respondents with a composite score.
//
//	u_i = (1/3)(x_i1 − 70)/4 + (1/6)(x_i2 − 60)/4 + (1/2)(x_i3 − 80)/4:
//	R1 0.8333 + 0.8333 + 0 = 1.6667, R2 −0.8333 + 2.5 = 1.6667,
//	R3 −0.8333 − 1.25 = −2.0833, R4 1.6667 − 2.5 = −0.8333,
//	R5 0.8333 − 1.25 + 0 = −0.4167; Σu² = 10.764, V = 5/4 × 10.764 = 13.455
//	SE = 3.668, h = 2.7764 × 3.668 = 10.18 → [63.15, 83.52]
func TestScoreByHand(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	got := stats.Score(c, countAll(c, handResponses()), "", false)

	if got.Survey != "test-2024" || got.Responses != 5 || got.Flagged != 1 || !got.IncludesFlagged || got.Sample != "opt-in" {
		t.Errorf("header = survey %q responses %d flagged %d includes %v sample %q, want test-2024 5 1 true opt-in",
			got.Survey, got.Responses, got.Flagged, got.IncludesFlagged, got.Sample)
	}
	wantOverall := stats.Summary{Index: num(73.33), N: 5, CI95: []float64{63.15, 83.52}, SE: num(3.668), Low: true}
	assertEqualJSON(t, "overall", got.Overall, wantOverall)

	wantAreas := []stats.AreaResult{
		{Code: "a1", Name: "环境保护", ItemResult: stats.ItemResult{
			Index: num(66.67), Rate: num(0.5), DissatisfiedRate: num(0.1667), DontKnowRate: num(0.2),
			N: 5, CI95: []float64{46.30, 87.04}, SE: num(7.336), Low: true}},
		{Code: "a2", Name: "平安建设", ItemResult: stats.ItemResult{
			Index: num(80), Rate: num(0.75), DissatisfiedRate: num(0), DontKnowRate: num(0.2),
			N: 4, CI95: []float64{54.02, 100}, RateCI95: []float64{0.3006, 0.9544}, SE: num(8.165), Low: true}},
	}
	assertEqualJSON(t, "areas", got.Areas, wantAreas)

	wantQuestion := &stats.ItemResult{Index: num(85), Rate: num(0.75), DissatisfiedRate: num(0), DontKnowRate: num(0.2),
		N: 4, CI95: []float64{54.53, 100}, RateCI95: []float64{0.3006, 0.9544}, SE: num(9.574), Low: true}
	assertEqualJSON(t, "overall question", got.OverallQuestion, wantQuestion)

	if len(got.Units) != 2 || got.Units[0].Code != "u1" || got.Units[1].Code != "u2" {
		t.Fatalf("units = %+v, want u1 and u2", got.Units)
	}
}

// TestScoreItemsByHand checks the items of area a1 through a definition that
// puts each in its own area, so that each area's figures are one item's.
func TestScoreItemsByHand(t *testing.T) {
	d := scoringDefinition()
	q1, q2 := d.Areas[0].Questions[0], d.Areas[0].Questions[1]
	d.Areas = append([]questionnaire.Area{
		{Code: "a1", Name: "空气", Questions: []questionnaire.Question{q1}},
		{Code: "a1b", Name: "饮用水", Questions: []questionnaire.Question{q2}},
	}, d.Areas[1:]...)
	c := mustCompile(t, d)
	got := stats.Score(c, countAll(c, handResponses()), "", false)

	tests := []struct {
		name string
		got  stats.ItemResult
		want stats.ItemResult
	}{
		{"q1", got.Areas[0].ItemResult, stats.ItemResult{Index: num(70), Rate: num(0.5), DissatisfiedRate: num(0), DontKnowRate: num(0.2),
			N: 4, CI95: []float64{51.63, 88.37}, RateCI95: []float64{0.15, 0.85}, SE: num(5.774), Low: true}},
		{"q2", got.Areas[1].ItemResult, stats.ItemResult{Index: num(60), Rate: num(0.5), DissatisfiedRate: num(0.5), DontKnowRate: num(0.2),
			N: 4, CI95: []float64{3.37, 100}, RateCI95: []float64{0.15, 0.85}, SE: num(17.795), Low: true}},
		{"q3", got.Areas[2].ItemResult, stats.ItemResult{Index: num(80), Rate: num(0.75), DissatisfiedRate: num(0), DontKnowRate: num(0.2),
			N: 4, CI95: []float64{54.02, 100}, RateCI95: []float64{0.3006, 0.9544}, SE: num(8.165), Low: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertEqualJSON(t, tt.name, tt.got, tt.want)
		})
	}
}

// Hand computation for unit u1 (R1, R2, R5), t(0.975, 2) = 4.3027:
//
//	q1 80,60,80 → 73.333; q2 80,30 (R2 dk) → 55, dk = 1/3 = 0.3333; q3 80,100,80 → 86.667
//	a1 = (2×73.333 + 55)/3 = 67.22; rate (2×2/3 + 1/2)/3 = 0.6111; dissatisfied (0 + 0.5)/3 = 0.1667
//	dk (2×0 + 1/3)/3 = 0.1111
//	  u_i = (2/3)(x_i1 − 73.333)/3 + (1/3)(x_i2 − 55)/2: R1 1.4815 + 4.1667 = 5.6481,
//	  R2 −2.9630, R5 1.4815 − 4.1667 = −2.6852; Σu² = 47.891, V = 3/2 × 47.891 = 71.837,
//	  SE = 8.476, h = 4.3027 × 8.476 = 36.47 → [30.75, 103.69] clamped to [30.75, 100]
//	a2 = q3 = 86.67, rate 3/3 = 1, s² = (6.667²+13.333²+6.667²)/2 = 133.33, s = 11.547,
//	  s/√3 = 6.667, h = 4.3027 × 6.667 = 28.68 → [57.98, 115.35] clamped to [57.98, 100];
//	  Wilson(3,3) = [0.4385, 1]
//	overall = (67.222 + 86.667)/2 = 76.94
//	  u_i = (1/3)(x_i1 − 73.333)/3 + (1/6)(x_i2 − 55)/2 + (1/2)(x_i3 − 86.667)/3:
//	  R1 0.7407 + 2.0833 − 1.1111 = 1.7130, R2 −1.4815 + 2.2222 = 0.7407,
//	  R5 0.7407 − 2.0833 − 1.1111 = −2.4537; Σu² = 9.504, V = 3/2 × 9.504 = 14.256,
//	  SE = 3.776, h = 4.3027 × 3.776 = 16.25 → [60.70, 93.19]
//
// Unit u2 (R3, R4*): responses 2, flagged 1.
//
//	a1: q1 60 (R4 dk) → 60, q2 30,100 → 65; index (2×60 + 65)/3 = 61.67; area scores 50, 100
//	a2: q3 60 (R3 dk), n = 1 → no interval
//	overall = (61.667 + 60)/2 = 60.83
func TestScoreUnitsByHand(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	tallies := countAll(c, handResponses())
	all := stats.Score(c, tallies, "", false)

	t.Run("u1", func(t *testing.T) {
		got := stats.Score(c, tallies, "u1", false)
		if got.Unit != "u1" || got.Responses != 3 || got.Flagged != 0 || got.Units != nil {
			t.Errorf("unit %q responses %d flagged %d units %v, want u1 3 0 none", got.Unit, got.Responses, got.Flagged, got.Units)
		}
		assertEqualJSON(t, "overall", got.Overall, stats.Summary{Index: num(76.94), N: 3, CI95: []float64{60.70, 93.19}, SE: num(3.776), Low: true})
		assertEqualJSON(t, "areas", got.Areas, []stats.AreaResult{
			{Code: "a1", Name: "环境保护", ItemResult: stats.ItemResult{
				Index: num(67.22), Rate: num(0.6111), DissatisfiedRate: num(0.1667), DontKnowRate: num(0.1111),
				N: 3, CI95: []float64{30.75, 100}, SE: num(8.476), Low: true}},
			{Code: "a2", Name: "平安建设", ItemResult: stats.ItemResult{
				Index: num(86.67), Rate: num(1), DissatisfiedRate: num(0), DontKnowRate: num(0),
				// Centred on the unrounded index: 86.667 − 28.684 = 57.982 → 57.98
				// (a rounded item would give 86.67 − 28.684 = 57.986 → 57.99).
				N: 3, CI95: []float64{57.98, 100}, RateCI95: []float64{0.4385, 1}, SE: num(6.667), Low: true}},
		})
		// The unit's figures inside the all-units results are the same.
		assertEqualJSON(t, "units[0].overall", all.Units[0].Overall, got.Overall)
		assertEqualJSON(t, "units[0].areas", all.Units[0].Areas, got.Areas)
		if all.Units[0].Responses != 3 || all.Units[0].Name != "琼海市" {
			t.Errorf("units[0] = %s %d responses, want 琼海市 3", all.Units[0].Name, all.Units[0].Responses)
		}
	})

	t.Run("u2", func(t *testing.T) {
		got := stats.Score(c, tallies, "u2", false)
		if got.Responses != 2 || got.Flagged != 1 {
			t.Errorf("responses %d flagged %d, want 2 1", got.Responses, got.Flagged)
		}
		if got.Overall.Index == nil || *got.Overall.Index != 60.83 || got.Overall.N != 2 {
			t.Errorf("overall = %s, want index 60.83 n 2", toJSON(got.Overall))
		}
		if a1 := got.Areas[0]; a1.Index == nil || *a1.Index != 61.67 || a1.N != 2 {
			t.Errorf("a1 = %s, want index 61.67 n 2", toJSON(a1))
		}
		if a2 := got.Areas[1]; a2.Index == nil || *a2.Index != 60 || a2.N != 1 || a2.CI95 != nil {
			t.Errorf("a2 = %s, want index 60, n 1, no interval", toJSON(a2))
		}
	})

	t.Run("unknown unit", func(t *testing.T) {
		got := stats.Score(c, tallies, "u9", false)
		if got.Responses != 0 || got.Overall.Index != nil {
			t.Errorf("unknown unit scored: %s", toJSON(got))
		}
	})
}

func TestScoreOverall(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(d *questionnaire.Definition)
		responses []stats.Accepted
		want      float64
	}{
		// (66.667 + 80)/2 = 73.33, as in TestScoreByHand.
		{"equal area weights", func(d *questionnaire.Definition) {}, handResponses(), 73.33},
		// (3×66.667 + 1×80)/4 = 280/4 = 70.
		{"area weights", func(d *questionnaire.Definition) { d.Areas[0].Weight = 3 }, handResponses(), 70},
		// a1: q1 100,80 → 90, q2 60,80 → 70, (2×90 + 70)/3 = 83.33; a2 only dk → no data,
		// so the overall index is a1's alone, not (83.33 + 0)/2.
		{"area without data renormalised", func(d *questionnaire.Definition) {}, []stats.Accepted{
			response("", false, "q1", "5", "q2", "3", "q3", "dk"),
			response("", false, "q1", "4", "q2", "4", "q3", "dk"),
		}, 83.33},
		// q2 has no data: a1 is q1 alone = 90; a2 = q3 (30+0)/2 = 15; (90+15)/2 = 52.5.
		{"item without data renormalised", func(d *questionnaire.Definition) {}, []stats.Accepted{
			response("", false, "q1", "5", "q2", "dk", "q3", "2"),
			response("", false, "q1", "4", "q3", "1"),
		}, 52.5},
		// A separate overall question does not enter the index: (80 + 80)/2 = 80.
		{"overall question apart", func(d *questionnaire.Definition) {}, []stats.Accepted{
			response("", false, "q1", "4", "q2", "4", "q3", "4", "overall", "1"),
		}, 80},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := scoringDefinition()
			tt.mutate(d)
			c := mustCompile(t, d)
			got := stats.Score(c, countAll(c, tt.responses), "", false)
			if got.Overall.Index == nil || *got.Overall.Index != tt.want {
				t.Errorf("overall = %s, want index %v", toJSON(got.Overall), tt.want)
			}
		})
	}

	t.Run("area without data has no figures", func(t *testing.T) {
		c := mustCompile(t, scoringDefinition())
		got := stats.Score(c, countAll(c, []stats.Accepted{
			response("", false, "q1", "5", "q2", "3", "q3", "dk"),
			response("", false, "q1", "4", "q2", "4", "q3", "dk"),
		}), "", false)
		// a1 composites (2×100+60)/3 = 86.667 and (2×80+80)/3 = 80: mean 83.333,
		// s = 4.714, SE = s/√2 = 3.333, h = t(0.975,1) 12.7062 × 3.333 = 42.35 → [40.98, 125.7→100]
		assertEqualJSON(t, "overall", got.Overall, stats.Summary{Index: num(83.33), N: 2, CI95: []float64{40.98, 100}, SE: num(3.333), Low: true})
		assertEqualJSON(t, "a2", got.Areas[1], stats.AreaResult{Code: "a2", Name: "平安建设",
			ItemResult: stats.ItemResult{DontKnowRate: num(1), Low: true}})
	})
}

// TestScoreAreaFromUnroundedItems checks that an area's figures are means of
// the exact item figures, rounded once at the end.
// Regression: items used to be rounded to 2 dp before areas averaged them.
func TestScoreAreaFromUnroundedItems(t *testing.T) {
	d := scoringDefinition()
	d.Areas[0].Questions[0].Weight = 0 // q1 and q2 weigh the same
	c := mustCompile(t, d)
	// q1: 30 (n=1) → 30; q2: 80, 30, 30 → 140/3 = 46.667 (rounded 46.67)
	// a1 = (30 + 46.667)/2 = 38.333 → 38.33; from rounded items (30 + 46.67)/2 = 38.335 → 38.34.
	// overall = a1 alone (q3 all dk) = 38.33.
	got := stats.Score(c, countAll(c, []stats.Accepted{
		response("", false, "q1", "2", "q2", "4", "q3", "dk"),
		response("", false, "q1", "dk", "q2", "2", "q3", "dk"),
		response("", false, "q1", "dk", "q2", "2", "q3", "dk"),
	}), "", false)
	if a1 := got.Areas[0]; a1.Index == nil || *a1.Index != 38.33 {
		t.Errorf("a1 index = %s, want 38.33", toJSON(a1.Index))
	}
	if got.Overall.Index == nil || *got.Overall.Index != 38.33 {
		t.Errorf("overall index = %s, want 38.33", toJSON(got.Overall.Index))
	}
}

func TestScoreEmpty(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	got := stats.Score(c, stats.Tallies{}, "", false)
	if got.Responses != 0 || got.Flagged != 0 {
		t.Errorf("responses %d flagged %d, want 0 0", got.Responses, got.Flagged)
	}
	assertEqualJSON(t, "overall", got.Overall, stats.Summary{Low: true})
	for _, a := range got.Areas {
		assertEqualJSON(t, a.Code, a.ItemResult, stats.ItemResult{Low: true})
	}
	assertEqualJSON(t, "overall question", got.OverallQuestion, &stats.ItemResult{Low: true})
	if len(got.Units) != 2 || got.Units[0].Overall.Index != nil {
		t.Errorf("units = %s, want two empty units", toJSON(got.Units))
	}
}

func TestScoreSampleLabel(t *testing.T) {
	tests := []struct {
		dedup string
		want  string
	}{
		{questionnaire.DedupDevice, "opt-in"},
		{questionnaire.DedupPhone, "opt-in"},
		{questionnaire.DedupToken, "sampled"},
	}
	for _, tt := range tests {
		t.Run(tt.dedup, func(t *testing.T) {
			d := smallDefinition()
			d.Dedup = tt.dedup
			if got := stats.Score(mustCompile(t, d), stats.Tallies{}, "", false).Sample; got != tt.want {
				t.Errorf("sample = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestScoreLowSample(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	var rs []stats.Accepted
	for range stats.LowSample {
		rs = append(rs, response("", false, "q1", "5", "q2", "4", "q3", "dk"))
	}
	got := stats.Score(c, countAll(c, rs), "", false)
	if got.Areas[0].Low || got.Areas[0].N != stats.LowSample {
		t.Errorf("a1 with n=%d: low %v, want false", got.Areas[0].N, got.Areas[0].Low)
	}
	if !got.Areas[1].Low || got.Areas[1].N != 0 {
		t.Errorf("a2 with only dk: n %d low %v, want 0 true", got.Areas[1].N, got.Areas[1].Low)
	}
	if got.Overall.Low || got.Overall.N != stats.LowSample {
		t.Errorf("overall n %d low %v, want %d false", got.Overall.N, got.Overall.Low, stats.LowSample)
	}
	// Everyone answered the same: s = 0, the interval is the point itself.
	// a1 = (2×100 + 80)/3 = 93.33.
	assertEqualJSON(t, "a1 interval", got.Areas[0].CI95, []float64{93.33, 93.33})
}

func TestWilson(t *testing.T) {
	tests := []struct {
		k, n int64
		want []float64
	}{
		// p = 0.8, z² = 3.8416, den = 1 + 3.8416/10 = 1.38416
		// centre = (0.8 + 3.8416/20)/1.38416 = 0.99208/1.38416 = 0.71674
		// half = 1.96 × √(0.8×0.2/10 + 3.8416/400)/1.38416 = 1.96 × √0.025604/1.38416 = 0.22658
		{8, 10, []float64{0.4902, 0.9433}},
		{5, 10, []float64{0.2366, 0.7634}},
		{0, 10, []float64{0, 0.2775}},
		{10, 10, []float64{0.7225, 1}},
		{50, 100, []float64{0.4038, 0.5962}},
		{3, 4, []float64{0.3006, 0.9544}},
		{1, 1, []float64{0.2065, 1}},
		{0, 1, []float64{0, 0.7935}},
		{0, 0, nil},
		{0, -1, nil},
	}
	for _, tt := range tests {
		t.Run(jsonName(tt.k, tt.n), func(t *testing.T) {
			assertNear(t, stats.Wilson(tt.k, tt.n), tt.want, 0.00005)
		})
	}
}

func TestTInterval(t *testing.T) {
	tests := []struct {
		name     string
		mean, sd float64
		n        int64
		want     []float64
	}{
		{"no data", 50, 10, 0, nil},
		{"one observation", 50, 10, 1, nil},
		// h = t(0.975,1) 12.7062 × 10/√2 = 89.85 → clamped to [0, 100]
		{"two observations", 50, 10, 2, []float64{0, 100}},
		// h = 4.3027 × 10/√3 = 24.841
		{"df 2", 70, 10, 3, []float64{45.159, 94.841}},
		// h = 2.7764 × 10/√5 = 12.416
		{"df 4", 50, 10, 5, []float64{37.584, 62.416}},
		// h = 2.0096 × 20/√50 = 5.684 (df 49)
		{"df 49", 60, 20, 50, []float64{54.316, 65.684}},
		{"clamped above", 95, 10, 5, []float64{82.584, 100}},
		{"clamped below", 5, 10, 5, []float64{0, 17.416}},
		{"no spread", 80, 0, 10, []float64{80, 80}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertNear(t, stats.TInterval(tt.mean, tt.sd, tt.n), tt.want, 0.002)
		})
	}
}

func TestCountUnitScope(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	tests := []struct {
		name string
		r    stats.Accepted
	}{
		{"no unit", response("", false, "q1", "5", "q3", "dk", "town", "t1")},
		{"unit", response("u1", false, "q1", "5", "q3", "dk", "town", "t1")},
		{"unit and flag", response("u2", true, "q1", "2", "q2", "1")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tallies := stats.Tallies{}
			stats.Count(c, tallies, tt.r)
			for id, v := range tallies {
				if id.Unit != "" && id.Unit != tt.r.Unit {
					t.Errorf("counter %+v under a foreign unit", id)
				}
				if id.Unit == "" && tt.r.Unit != "" {
					twin := id
					twin.Unit = tt.r.Unit
					if tallies[twin] != v {
						t.Errorf("%+v = %+v but %+v = %+v", id, v, twin, tallies[twin])
					}
				}
			}
			if tt.r.Unit != "" && len(tallies.Scope(tt.r.Unit, "")) != len(tallies.Scope("", "")) {
				t.Errorf("unit scope %v differs from all %v", tallies.Scope(tt.r.Unit, ""), tallies.Scope("", ""))
			}
			wantFlagged := int64(0)
			if tt.r.Flagged {
				wantFlagged = 1
			}
			all := tallies.Scope("", "")
			if all[stats.KeyResponses].N != 1 || all[stats.KeyFlagged].N != wantFlagged {
				t.Errorf("responses %d flagged %d, want 1 %d", all[stats.KeyResponses].N, all[stats.KeyFlagged].N, wantFlagged)
			}
		})
	}

	t.Run("hand responses", func(t *testing.T) {
		tallies := countAll(c, handResponses())
		tests := []struct {
			unit, key string
			want      int64
		}{
			{"", stats.KeyResponses, 5},
			{"u1", stats.KeyResponses, 3},
			{"u2", stats.KeyResponses, 2},
			{"", stats.KeyFlagged, 1},
			{"u1", stats.KeyFlagged, 0},
			{"u2", stats.KeyFlagged, 1},
			{"", stats.OptionKey("q1", "4"), 2},
			{"u1", stats.OptionKey("q1", "4"), 2},
			{"u2", stats.OptionKey("q1", "4"), 0},
			{"u2", stats.OptionKey("q1", "dk"), 1},
			{"", stats.AreaKey("a2"), 4},
			{"u2", stats.AreaKey("a2"), 1},
		}
		for _, tt := range tests {
			if got := tallies.Scope(tt.unit, "")[tt.key].N; got != tt.want {
				t.Errorf("unit %q %s = %d, want %d", tt.unit, tt.key, got, tt.want)
			}
		}
		// a1 scores of u1 in thousandths: 80000 + 60000 + 63333 (R5 (2×80+30)/3 = 63.333).
		if got := tallies.Scope("u1", "")[stats.AreaKey("a1")]; got.Sum != 203333 {
			t.Errorf("u1 a1 sum = %d, want 203333", got.Sum)
		}
	})
}

// assertEqualJSON compares got and want by value and prints both as JSON.
// assertEqualJSON compares what a body publishes: the JSON of got and want.
func assertEqualJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := toJSON(got), toJSON(want); g != w {
		t.Errorf("%s\n got %s\nwant %s", what, g, w)
	}
}

func toJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

func jsonName(k, n int64) string { return toJSON([]int64{k, n}) }

// assertNear checks that two intervals agree within tol.
func assertNear(t *testing.T, got, want []float64, tol float64) {
	t.Helper()
	if (got == nil) != (want == nil) || len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range got {
		if math.Abs(got[i]-want[i]) > tol {
			t.Errorf("got %v, want %v (±%v)", got, want, tol)
			return
		}
	}
}

func TestT975MatchesTheExactQuantile(t *testing.T) {
	for _, df := range []int64{1, 2, 10, 999, 1000, 1001, 5000, 1_000_000} {
		exact := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975)
		got := stats.TInterval(0, 1, df+1)[1] * math.Sqrt(float64(df+1))
		if math.Abs(got-exact) > 1e-8 {
			t.Errorf("df %d: t = %.10f, want %.10f", df, got, exact)
		}
	}
}

// TestScoreExcludingFlagged: leaving flagged responses out gives exactly
// the results of the unflagged responses alone, and says so.
func TestScoreExcludingFlagged(t *testing.T) {
	c, err := questionnaire.Compile(scoringDefinition())
	if err != nil {
		t.Fatal(err)
	}
	all := handResponses()
	var clean []stats.Accepted
	for _, r := range all {
		if !r.Flagged {
			clean = append(clean, r)
		}
	}
	for _, unit := range []string{"", "u1", "u2"} {
		got := stats.Score(c, countAll(c, all), unit, true)
		want := stats.Score(c, countAll(c, clean), unit, false)
		if got.IncludesFlagged || got.Flagged == 0 && unit != "u1" {
			t.Fatalf("unit %q: includes_flagged %v, flagged %d", unit, got.IncludesFlagged, got.Flagged)
		}
		got.IncludesFlagged, got.Flagged = want.IncludesFlagged, want.Flagged
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Fatalf("unit %q excluding flagged:\n got %s\nwant %s", unit, g, w)
		}
	}
}

// TestScoreBreakdownEqualsFilteredSample: each town's cell scores exactly
// like the sample of that town's respondents alone.
func TestScoreBreakdownEqualsFilteredSample(t *testing.T) {
	c, err := questionnaire.Compile(scoringDefinition())
	if err != nil {
		t.Fatal(err)
	}
	all := handResponses()
	b := stats.ScoreBreakdown(c, countAll(c, all), questionnaire.RoleTown, false)
	if b == nil || b.By != questionnaire.RoleTown || len(b.Cells) == 0 {
		t.Fatalf("breakdown: %+v", b)
	}
	for _, cell := range b.Cells {
		var only []stats.Accepted
		for _, r := range all {
			for _, a := range r.Answers {
				if a.Question == "town" && a.Values[0] == cell.Code {
					only = append(only, r)
				}
			}
		}
		want := stats.Score(c, countAll(c, only), "", false)
		// A breakdown cell keeps no item pairs, so the SE of an area of
		// several items, and of the overall index, bounds the covariances:
		// never below the filtered sample's, and its interval holds that
		// one. Everything else is the filtered sample's exactly.
		wide := func(got, want *float64, gotCI, wantCI []float64, what string) {
			if (got == nil) != (want == nil) || got != nil && *got < *want-0.0015 ||
				len(wantCI) == 2 && (len(gotCI) != 2 || gotCI[0] > wantCI[0]+0.015 || gotCI[1] < wantCI[1]-0.015) {
				t.Errorf("town %s %s: SE %v interval %v, want at least SE %v interval %v", cell.Code, what, got, gotCI, want, wantCI)
			}
		}
		gotAreas, wantAreas := slices.Clone(cell.Areas), slices.Clone(want.Areas)
		for i := range gotAreas {
			if i < len(wantAreas) {
				wide(gotAreas[i].SE, wantAreas[i].SE, gotAreas[i].CI95, wantAreas[i].CI95, "area "+gotAreas[i].Code)
				gotAreas[i].SE, gotAreas[i].CI95, wantAreas[i].SE, wantAreas[i].CI95 = nil, nil, nil, nil
			}
		}
		gotO, wantO := cell.Overall, want.Overall
		wide(gotO.SE, wantO.SE, gotO.CI95, wantO.CI95, "overall")
		gotO.SE, gotO.CI95, wantO.SE, wantO.CI95 = nil, nil, nil, nil
		ga, _ := json.Marshal(gotAreas)
		wa, _ := json.Marshal(wantAreas)
		gov, _ := json.Marshal(gotO)
		wov, _ := json.Marshal(wantO)
		if cell.Responses != want.Responses || string(ga) != string(wa) || string(gov) != string(wov) {
			g, _ := json.Marshal(cell)
			w, _ := json.Marshal(want)
			t.Fatalf("town %s:\n got %s\nwant %s", cell.Code, g, w)
		}
	}
	if stats.ScoreBreakdown(c, countAll(c, all), questionnaire.RoleAge, false) != nil {
		t.Fatal("a breakdown by a question the survey lacks")
	}
}

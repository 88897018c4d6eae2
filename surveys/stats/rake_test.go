package stats_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// weightDefinition is scoringDefinition with an age band (y, o) and a
// gender (m, f) question besides the town (t1, t2).
func weightDefinition() *questionnaire.Definition {
	d := scoringDefinition()
	d.Extra = append(d.Extra,
		questionnaire.Question{Code: "age", Kind: questionnaire.KindSingle, Text: "您的年龄？", Role: questionnaire.RoleAge,
			Options: []questionnaire.Option{{Code: "y", Label: "18-44岁"}, {Code: "o", Label: "45岁及以上"}}},
		questionnaire.Question{Code: "gender", Kind: questionnaire.KindSingle, Text: "您的性别？", Role: questionnaire.RoleGender,
			Options: []questionnaire.Option{{Code: "m", Label: "男"}, {Code: "f", Label: "女"}}},
	)
	return d
}

// countJoint counts responses as a survey with weighting on does: also in
// their joint town×age×gender cells.
func countJoint(c *questionnaire.Compiled, rs []stats.Accepted) stats.Tallies {
	t := stats.Tallies{}
	for _, r := range rs {
		r.Joint = true
		stats.Count(c, t, r)
	}
	return t
}

// cells builds rake cells from (levels, n) pairs.
func cells(spec ...any) []stats.RakeCell {
	var out []stats.RakeCell
	for i := 0; i+1 < len(spec); i += 2 {
		out = append(out, stats.RakeCell{Levels: spec[i].([]string), N: int64(spec[i+1].(int))})
	}
	return out
}

func lv(levels ...string) []string { return levels }

func TestRake(t *testing.T) {
	half := map[string]float64{"m": 1, "f": 1}
	tests := []struct {
		name    string
		vars    []string
		cells   []stats.RakeCell
		margins stats.Margins
		weights []float64
		tol     float64 // on the weights
		report  stats.WeightingReport
	}{
		// Age and gender are independent in the sample (10:30 = 20:60), so one
		// sweep is exact. Age (y 30, o 90 of 120 → 50/50): y × 60/30 = 2,
		// o × 60/90 = 2/3. Gender after that (m 10×2 + 30×2/3 = 40, f 80 →
		// 50/50): m × 60/40 = 1.5, f × 60/80 = 0.75.
		// Weights my 3, mo 1, fy 1.5, fo 0.5: age y 30+30 = 60, o 30+30 = 60;
		// gender m 30+30 = 60, f 30+30 = 60; mean 120/120 = 1.
		// n_eff = 120² / (10×9 + 30×1 + 20×2.25 + 60×0.25) = 14400/180 = 80.
		{"independent 2×2 in one sweep", []string{"age", "gender"},
			cells(lv("y", "m"), 10, lv("o", "m"), 30, lv("y", "f"), 20, lv("o", "f"), 60),
			stats.Margins{"age": {"y": 3000, "o": 3000}, "gender": {"m": 0.5, "f": 0.5}},
			[]float64{3, 1, 1.5, 0.5}, 1e-12,
			stats.WeightingReport{Iterations: 1, Converged: true, NEff: 80}},
		// With an interaction, raking keeps the sample's odds ratio
		// (20×10)/(30×40) = 1/6. With x the weighted count of my: mo = 50 − x,
		// fy = 40 − x, fo = 10 + x, and x(10+x) / ((50−x)(40−x)) = 1/6 gives
		// x² + 30x − 400 = 0, x = 10: weights my 10/20 = 0.5, mo 40/30 = 4/3,
		// fy 30/40 = 0.75, fo 20/10 = 2. n_eff = 100² / (20×0.25 + 30×16/9 +
		// 40×0.5625 + 10×4) = 10000/120.833 = 82.76. Several sweeps.
		{"2×2 with interaction", []string{"age", "gender"},
			cells(lv("y", "m"), 20, lv("o", "m"), 30, lv("y", "f"), 40, lv("o", "f"), 10),
			stats.Margins{"age": {"y": 40, "o": 60}, "gender": half},
			[]float64{0.5, 4.0 / 3, 0.75, 2}, 1e-5,
			stats.WeightingReport{Iterations: -1, Converged: true, NEff: 82.8}},
		// m 30, f 10 → 50/50: m × 20/30, f × 20/10; n_eff = 40² / (30×4/9 + 10×4) = 30.
		{"one variable", []string{"gender"},
			cells(lv("m"), 30, lv("f"), 10),
			stats.Margins{"gender": half},
			[]float64{2.0 / 3, 2}, 1e-12,
			stats.WeightingReport{Iterations: 1, Converged: true, NEff: 30}},
		// 20 gave no gender: they keep weight 1 and the 40 who answered are
		// raked among themselves, as above. n_eff = 60² / (13.333 + 40 + 20) = 49.09.
		{"missing variable left out", []string{"gender"},
			cells(lv("m"), 30, lv("f"), 10, lv(""), 20),
			stats.Margins{"gender": half},
			[]float64{2.0 / 3, 2, 1}, 1e-12,
			stats.WeightingReport{Iterations: 1, Converged: true, NEff: 49.1}},
		// Missing one of two variables: 40 gave no age and stay out of its step.
		// Age among the 60 who answered (y 30, o 30 → 1:2): y × 20/30, o × 40/30.
		// Gender over everyone (m 10×2/3 + 10×4/3 + 30 = 50, f 50 → 3:2):
		// m × 60/50 = 1.2, f × 40/50 = 0.8. Weights ym 0.8, om 1.6, yf 8/15,
		// of 16/15, _m 1.2, _f 0.8; age among its 56: y 8 + 10.667 = 18.667 = 1/3
		// (one sweep). n_eff = 100² / 110.044 = 90.87.
		{"missing one of two variables", []string{"age", "gender"},
			cells(lv("y", "m"), 10, lv("o", "m"), 10, lv("y", "f"), 20, lv("o", "f"), 20, lv("", "m"), 30, lv("", "f"), 10),
			stats.Margins{"age": {"y": 1, "o": 2}, "gender": {"m": 3, "f": 2}},
			[]float64{0.8, 1.6, 8.0 / 15, 16.0 / 15, 1.2, 0.8}, 1e-12,
			stats.WeightingReport{Iterations: 1, Converged: true, NEff: 90.9}},
		{"already on target", []string{"gender"},
			cells(lv("m"), 7, lv("f"), 3),
			stats.Margins{"gender": {"m": 70, "f": 30}},
			[]float64{1, 1}, 0,
			stats.WeightingReport{Iterations: 0, Converged: true, NEff: 10}},
		// Raking alone gives my 5.22 (odds ratio kept: 73.5 M² = (50−M)², M = 5.223)
		// over the bound of 5. Trimming and re-raking settle at my 5 with the
		// margins met: mo 45/49, fy 45/30 = 1.5, fo 5/20 = 0.25 (total 100).
		// n_eff = 100² / (25 + 49×(45/49)² + 30×2.25 + 20×0.0625) = 10000/135.08 = 74.03.
		{"trimming settles", []string{"age", "gender"},
			cells(lv("y", "m"), 1, lv("o", "m"), 49, lv("y", "f"), 30, lv("o", "f"), 20),
			stats.Margins{"age": {"y": 1, "o": 1}, "gender": half},
			[]float64{5, 45.0 / 49, 1.5, 0.25}, 1e-5,
			stats.WeightingReport{Iterations: -1, Converged: true, Trimmed: 1, NEff: 74.0}},
		// m 2, f 98 → 50/50 needs m at 25 × the mean. Trimmed to 5 and
		// re-raked it returns to 25 every pass: the passes run out. Final
		// weights m 5, f 50/98; m's share 10/60 misses 1/2 by 1/3.
		// n_eff = 60² / (2×25 + 98×(50/98)²) = 3600/75.51 = 47.68. Their
		// mean is 60/100 = 0.6, so m is 8.33 × the mean, outside the bounds:
		// the weights returned are renormalised to mean 1 (5/0.6 and
		// (50/98)/0.6; shares and n_eff stay) and Converged says false.
		{"trimming cannot meet the margins", []string{"gender"},
			cells(lv("m"), 2, lv("f"), 98),
			stats.Margins{"gender": half},
			[]float64{5 / 0.6, 50.0 / 98 / 0.6}, 1e-9,
			stats.WeightingReport{Iterations: 100, Converged: false, MaxError: 0.333333, Trimmed: 2, NEff: 47.7}},
		// x has a target but no respondents: m and f are raked to 50/50 of
		// themselves; shares m 0.5 and f 0.5 against 0.25, x 0 against 0.5.
		{"category without respondents", []string{"gender"},
			cells(lv("m"), 30, lv("f"), 10),
			stats.Margins{"gender": {"m": 1, "f": 1, "x": 2}},
			[]float64{2.0 / 3, 2}, 1e-12,
			stats.WeightingReport{Iterations: 1, Converged: false, MaxError: 0.5, NEff: 30}},
		{"nobody answered the variable", []string{"gender"},
			cells(lv(""), 10),
			stats.Margins{"gender": half},
			[]float64{1}, 0,
			stats.WeightingReport{Converged: false, MaxError: 0.5, NEff: 10}},
		{"no respondents", []string{"gender"}, nil,
			stats.Margins{"gender": half},
			[]float64{}, 0,
			stats.WeightingReport{Converged: false, MaxError: 0.5}},
		// A cell emptied by excluding flagged responses gets weight 0.
		{"empty cell", []string{"gender"},
			cells(lv("m"), 30, lv("f"), 10, lv("f"), 0),
			stats.Margins{"gender": half},
			[]float64{2.0 / 3, 2, 0}, 1e-12,
			stats.WeightingReport{Iterations: 1, Converged: true, NEff: 30}},
		// A value that is not a positive number is ignored (f alone: nothing
		// to adjust) and the raking is reported unconverged; nothing is NaN.
		{"invalid margin value", []string{"gender"},
			cells(lv("m"), 30, lv("f"), 10),
			stats.Margins{"gender": {"m": math.NaN(), "f": 1}},
			[]float64{1, 1}, 0,
			stats.WeightingReport{Converged: false, NEff: 40}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, rep := stats.Rake(tt.vars, tt.cells, tt.margins)
			if len(w) != len(tt.cells) {
				t.Fatalf("%d weights for %d cells", len(w), len(tt.cells))
			}
			if tt.weights != nil {
				assertNear(t, w, tt.weights, tt.tol)
			}
			for _, x := range w {
				if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
					t.Fatalf("weights %v", w)
				}
			}
			if _, err := json.Marshal(rep); err != nil {
				t.Fatalf("report: %v", err)
			}
			want := tt.report
			want.Variables, want.Bounds = tt.vars, [2]float64{0.2, 5}
			if want.Iterations < 0 { // several, not checked exactly
				if rep.Iterations < 2 {
					t.Errorf("iterations %d, want several", rep.Iterations)
				}
				want.Iterations = rep.Iterations
			}
			if want.NEff < 0 {
				want.NEff = rep.NEff
			}
			if want.Converged && rep.MaxError <= 1e-5 {
				want.MaxError = rep.MaxError
			}
			assertEqualJSON(t, "report", rep, want)
			if want.Converged {
				assertShares(t, tt.vars, tt.cells, tt.margins, w)
			}
		})
	}
}

// assertShares checks that the weighted shares of the respondents who
// answered each variable meet the margins.
func assertShares(t *testing.T, vars []string, cs []stats.RakeCell, m stats.Margins, w []float64) {
	t.Helper()
	for k, v := range vars {
		var total, answered float64
		got := map[string]float64{}
		for _, x := range m[v] {
			total += x
		}
		for i, c := range cs {
			if c.Levels[k] != "" {
				got[c.Levels[k]] += float64(c.N) * w[i]
				answered += float64(c.N) * w[i]
			}
		}
		for code, x := range m[v] {
			if share := got[code] / answered; math.Abs(share-x/total) > 1e-5 {
				t.Errorf("%s %s: weighted share %.6f, want %.6f", v, code, share, x/total)
			}
		}
	}
}

func TestValidateMargins(t *testing.T) {
	c := mustCompile(t, weightDefinition())
	noGender := mustCompile(t, scoringDefinition())
	gender := map[string]float64{"m": 51, "f": 49}
	tests := []struct {
		name    string
		c       *questionnaire.Compiled
		margins stats.Margins
		want    []string // problem keys
	}{
		{"valid", c, stats.Margins{"gender": gender, "town": {"t1": 0.7, "t2": 0.3}}, nil},
		{"every role", c, stats.Margins{"gender": gender, "town": {"t1": 7, "t2": 3}, "age": {"y": 1, "o": 2}}, nil},
		{"none", c, stats.Margins{}, []string{"margins"}},
		{"nil", c, nil, []string{"margins"}},
		{"unknown role", c, stats.Margins{"gender": gender, "income": {"low": 1}}, []string{"margins.income"}},
		{"no such question", noGender, stats.Margins{"gender": gender}, []string{"margins.gender"}},
		{"missing option", c, stats.Margins{"gender": {"m": 51}}, []string{"margins.gender.f"}},
		{"unknown option", c, stats.Margins{"gender": {"m": 51, "f": 49, "x": 1}}, []string{"margins.gender.x"}},
		{"zero", c, stats.Margins{"gender": {"m": 0, "f": 49}}, []string{"margins.gender.m"}},
		{"negative", c, stats.Margins{"gender": {"m": 51, "f": -1}}, []string{"margins.gender.f"}},
		{"not a number", c, stats.Margins{"town": {"t1": math.NaN(), "t2": math.Inf(1)}}, []string{"margins.town.t1", "margins.town.t2"}},
		{"empty role", c, stats.Margins{"age": {}}, []string{"margins.age.o", "margins.age.y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.ValidateMargins(tt.c, tt.margins)
			keys := []string{}
			for k, msg := range got {
				keys = append(keys, k)
				if !hasHanAndLatin(msg) {
					t.Errorf("%s: message %q is not bilingual", k, msg)
				}
			}
			want := tt.want
			if want == nil {
				want = []string{}
			}
			if !sameSet(keys, want) {
				t.Errorf("problems %v, want keys %v", got, want)
			}
		})
	}

	t.Run("unknown codes capped", func(t *testing.T) {
		m := stats.Margins{"gender": {"m": 1, "f": 1}}
		for i := range 1000 {
			m["gender"][string(rune('A'+i%26))+string(rune('a'+i/26%26))+string(rune('0'+i/676))] = 1
		}
		if got := stats.ValidateMargins(c, m); len(got) > 20 || len(got) == 0 {
			t.Errorf("%d problems for 1000 unknown codes, want 1-20", len(got))
		}
	})
}

func hasHanAndLatin(s string) bool {
	var han, latin bool
	for _, r := range s {
		han = han || r >= 0x4e00 && r <= 0x9fff
		latin = latin || r >= 'a' && r <= 'z'
	}
	return han && latin
}

func sameSet(a, b []string) bool {
	set := map[string]bool{}
	for _, x := range a {
		set[x] = true
	}
	if len(set) != len(b) || len(a) != len(b) {
		return false
	}
	for _, x := range b {
		if !set[x] {
			return false
		}
	}
	return true
}

func TestJointDim(t *testing.T) {
	tests := []struct {
		town, age, gender string
		dim, flaggedDim   string
	}{
		{"t01", "a2", "m", "w:t01|a2|m", "wf:t01|a2|m"},
		{"t01", "", "f", "w:t01||f", "wf:t01||f"},
		{"", "", "", "w:||", "wf:||"},
	}
	for _, tt := range tests {
		t.Run(tt.dim, func(t *testing.T) {
			if got := stats.JointDim(tt.town, tt.age, tt.gender); got != tt.dim {
				t.Errorf("JointDim = %q, want %q", got, tt.dim)
			}
			if got := stats.JointFlaggedDim(tt.town, tt.age, tt.gender); got != tt.flaggedDim {
				t.Errorf("JointFlaggedDim = %q, want %q", got, tt.flaggedDim)
			}
			for _, d := range []string{tt.dim, tt.flaggedDim} {
				town, age, gender, flagged, ok := stats.ParseJointDim(d)
				if !ok || town != tt.town || age != tt.age || gender != tt.gender || flagged != (d == tt.flaggedDim) {
					t.Errorf("ParseJointDim(%q) = %q %q %q %v %v", d, town, age, gender, flagged, ok)
				}
			}
		})
	}
	for _, d := range []string{"", "flagged", "town:t01", "w:t01|a2", "w:a|b|c|d", "x:a|b|c"} {
		t.Run("not joint "+d, func(t *testing.T) {
			if _, _, _, _, ok := stats.ParseJointDim(d); ok {
				t.Errorf("ParseJointDim(%q) ok", d)
			}
		})
	}
}

// withoutNEff clears the NEff figures of a results body, which only
// weighted bodies carry.
func withoutNEff(r stats.Results) stats.Results {
	r.Overall.NEff = nil
	areas := make([]stats.AreaResult, len(r.Areas))
	for i, a := range r.Areas {
		a.NEff = nil
		areas[i] = a
	}
	r.Areas = areas
	if r.OverallQuestion != nil {
		q := *r.OverallQuestion
		q.NEff = nil
		r.OverallQuestion = &q
	}
	return r
}

// demographicResponses are n responses with answers drawn from a fixed seed;
// some leave questions out, some are flagged.
func demographicResponses(n int) []stats.Accepted {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(opts ...string) string { return opts[rng.IntN(len(opts))] }
	var rs []stats.Accepted
	for range n {
		var pairs []string
		for _, q := range []string{"q1", "q2", "q3", "overall"} {
			if rng.IntN(10) > 0 {
				pairs = append(pairs, q, pick("5", "4", "4", "3", "2", "1", "dk"))
			}
		}
		pairs = append(pairs, "town", pick("t1", "t2", "t2"))
		if rng.IntN(8) > 0 {
			pairs = append(pairs, "age", pick("y", "o"))
		}
		pairs = append(pairs, "gender", pick("m", "f"))
		rs = append(rs, response("", rng.IntN(6) == 0, pairs...))
	}
	return rs
}

// sampleMargins are the sample's own counts per answer of each role, for
// the respondents kept.
func sampleMargins(rs []stats.Accepted, excludeFlagged bool) stats.Margins {
	m := stats.Margins{"town": {}, "age": {}, "gender": {}}
	for _, r := range rs {
		if excludeFlagged && r.Flagged {
			continue
		}
		for _, a := range r.Answers {
			if role := a.Question; m[role] != nil {
				m[role][a.Values[0]]++
			}
		}
	}
	return m
}

// TestScoreWeightedUnitWeights: raked to the sample's own margins every
// weight is 1, and the weighted figures are exactly the unweighted ones,
// with n_eff = n.
func TestScoreWeightedUnitWeights(t *testing.T) {
	c := mustCompile(t, weightDefinition())
	rs := demographicResponses(400)
	tallies := countJoint(c, rs)
	for _, exclude := range []bool{false, true} {
		t.Run(map[bool]string{false: "flagged included", true: "flagged excluded"}[exclude], func(t *testing.T) {
			m := sampleMargins(rs, exclude)
			got, err := stats.ScoreWeighted(c, tallies, m, exclude)
			if err != nil {
				t.Fatal(err)
			}
			want := stats.Score(c, tallies, "", exclude)
			want.Units = nil
			rep := *got.Weighting
			assertEqualJSON(t, "profile", rep.Profile, sampleProfile(rs, exclude))
			rep.Profile = nil
			wantRep := stats.WeightingReport{Variables: []string{"town", "age", "gender"}, Iterations: 0, Converged: true,
				Bounds: [2]float64{0.2, 5}, NEff: float64(want.Responses)}
			assertEqualJSON(t, "weighting", &rep, &wantRep)
			if got.Overall.NEff == nil || *got.Overall.NEff != float64(got.Overall.N) {
				t.Errorf("overall n %d n_eff %v, want equal", got.Overall.N, toJSON(got.Overall.NEff))
			}
			for _, a := range got.Areas {
				if a.NEff == nil || *a.NEff != float64(a.N) {
					t.Errorf("%s: n %d n_eff %v, want equal", a.Code, a.N, toJSON(a.NEff))
				}
			}
			got.Weighting = nil
			got = withoutNEff(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("weighted with weights 1:\n got %s\nwant %s", toJSON(got), toJSON(want))
			}
			if got.Overall.SE == nil || got.Responses < 300 {
				t.Errorf("too little data for the comparison to mean much: %s", toJSON(got.Overall))
			}
		})
	}
}

// TestScoreWeightedByHand: two gender cells raked to 50/50.
//
//	m: 2 respondents, q1 = 5 (100) and 3 (60)
//	f: 4 respondents, q1 = 4 (80) twice and 2 (30) twice
//
// Weights: m × 3/2 = 1.5, f × 3/4 = 0.75 (mean (3 + 3)/6 = 1).
//
//	Σw = 6, Σw² = 2×2.25 + 4×0.5625 = 6.75, n_eff = 36/6.75 = 5.333
//	index = (1.5×160 + 0.75×220)/6 = 405/6 = 67.5 (unweighted 63.33)
//	rate = (1.5 + 0.75×2)/6 = 0.5, dissatisfied = 0.75×2/6 = 0.25
//	Σw·x² = 1.5×13600 + 0.75×14600 = 31350; Σw·x²−(Σw·x)²/Σw = 31350 − 27337.5 = 4012.5
//	s_w² = 4012.5 / (Σw − Σw²/Σw) = 4012.5 / 4.875 = 823.08, s_w = 28.689
//	SE = 28.689/√5.333 = 12.423
//	t(0.975, 4.333) = 2.6942 (gonum), h = 33.470 → [34.03, 100.97 → 100]
//	Wilson(0.5, 5.333): den = 1.7203, centre 0.5, h = 1.96 × √0.080639 / 1.7203 = 0.3235
//	→ [0.1765, 0.8235]
//
// q2, q3 and the overall question are unanswered; a1 is q1 alone, and the
// overall index is a1 (a2 has no data). Their SE is the linearized SE of
// the weighted mean with the weights fixed, n/(n−1)·Σw²(x − I)²/(Σw)²:
//
//	m: 2.25 × (32.5² + 7.5²) = 2503.125; f: 0.5625 × 2 × (12.5² + 37.5²) = 1757.8125
//	V = 6/5 × 4260.9375/36 = 142.031, SE = 11.918 (the item's s_w/√n_eff is 12.423)
//	h = 2.6942 × 11.918 = 32.110 → [35.39, 99.61]
func TestScoreWeightedByHand(t *testing.T) {
	c := mustCompile(t, weightDefinition())
	rs := []stats.Accepted{
		response("", false, "q1", "5", "gender", "m", "town", "t1"),
		response("", false, "q1", "3", "gender", "m", "town", "t2"),
		response("", false, "q1", "4", "gender", "f", "town", "t1"),
		response("", false, "q1", "4", "gender", "f"),
		response("", false, "q1", "2", "gender", "f", "age", "y"),
		response("", false, "q1", "2", "gender", "f", "age", "o"),
	}
	got, err := stats.ScoreWeighted(c, countJoint(c, rs), stats.Margins{"gender": {"m": 1, "f": 1}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.Responses != 6 || got.Units != nil || got.Survey != "test-2024" || got.Year != 2024 {
		t.Errorf("responses %d units %v survey %q year %d", got.Responses, got.Units, got.Survey, got.Year)
	}
	assertEqualJSON(t, "weighting", got.Weighting, &stats.WeightingReport{Variables: []string{"gender"},
		Iterations: 1, Converged: true, Bounds: [2]float64{0.2, 5}, NEff: 5.3, Profile: map[string]map[string]float64{
			"gender": {"m": 0.5, "f": 0.5},
			"town":   {"t1": 0.375, "t2": 0.25, "": 0.375},
			"age":    {"y": 0.125, "o": 0.125, "": 0.75},
		}})
	assertEqualJSON(t, "overall", got.Overall, stats.Summary{Index: num(67.5), N: 6, CI95: []float64{35.39, 99.61},
		SE: num(11.918), NEff: num(5.3), Low: true})
	assertEqualJSON(t, "a1", got.Areas[0], stats.AreaResult{Code: "a1", Name: "环境保护", ItemResult: stats.ItemResult{
		Index: num(67.5), Rate: num(0.5), DissatisfiedRate: num(0.25), DontKnowRate: num(0), N: 6,
		CI95: []float64{35.39, 99.61}, SE: num(11.918), NEff: num(5.3), Low: true}})
	assertEqualJSON(t, "a2", got.Areas[1], stats.AreaResult{Code: "a2", Name: "平安建设", ItemResult: stats.ItemResult{
		NEff: num(0), Low: true}})
	assertEqualJSON(t, "overall question", got.OverallQuestion, &stats.ItemResult{NEff: num(0), Low: true})

	t.Run("item", func(t *testing.T) {
		d := weightDefinition()
		d.Areas[0].Questions = d.Areas[0].Questions[:1] // a1 = q1 alone: its rate interval shows
		c := mustCompile(t, d)
		got, err := stats.ScoreWeighted(c, countJoint(c, rs), stats.Margins{"gender": {"m": 1, "f": 1}}, false)
		if err != nil {
			t.Fatal(err)
		}
		assertNear(t, got.Areas[0].RateCI95, []float64{0.1765, 0.8235}, 0.00005)
	})
}

// TestScoreWeightedProfile: two towns 3:1 raked to 1:1.
//
//	t1: 3 respondents (m, m, f), weight 4/(2×3) = 2/3 each; t2: 1 (f), weight 2
//	town: t1 = 3×2/3 / 4 = 0.5, t2 = 2/4 = 0.5 (unweighted 75/25)
//	gender: m = 2×2/3 / 4 = 1/3, f = (2/3 + 2)/4 = 2/3 (unweighted 50/50)
//	age: nobody answered it, all under ""
func TestScoreWeightedProfile(t *testing.T) {
	c := mustCompile(t, weightDefinition())
	rs := []stats.Accepted{
		response("", false, "q1", "5", "town", "t1", "gender", "m"),
		response("", false, "q1", "4", "town", "t1", "gender", "m"),
		response("", false, "q1", "3", "town", "t1", "gender", "f"),
		response("", false, "q1", "2", "town", "t2", "gender", "f"),
	}
	got, err := stats.ScoreWeighted(c, countJoint(c, rs), stats.Margins{"town": {"t1": 1, "t2": 1}}, false)
	if err != nil {
		t.Fatal(err)
	}
	assertEqualJSON(t, "profile", got.Weighting.Profile, map[string]map[string]float64{
		"town":   {"t1": 0.5, "t2": 0.5},
		"gender": {"m": 0.333333, "f": 0.666667},
		"age":    {"": 1},
	})
	if got.Responses != 4 {
		t.Errorf("responses %d, want 4 (counts stay unweighted)", got.Responses)
	}
}

// sampleProfile is each answer's unweighted share of rs (less the flagged
// when exclude), as the weighted profile is with every weight 1.
func sampleProfile(rs []stats.Accepted, exclude bool) map[string]map[string]float64 {
	counts := map[string]map[string]float64{"town": {}, "age": {}, "gender": {}}
	var n float64
	for _, r := range rs {
		if exclude && r.Flagged {
			continue
		}
		n++
		given := map[string]string{}
		for _, a := range r.Answers {
			given[a.Question] = a.Values[0]
		}
		for role := range counts {
			counts[role][given[role]]++
		}
	}
	for _, shares := range counts {
		for code, v := range shares {
			shares[code] = math.Round(v/n*1e6) / 1e6
		}
	}
	return counts
}

// TestScoreWeightedFlagged: leaving flagged responses out rakes and scores
// the others alone.
func TestScoreWeightedFlagged(t *testing.T) {
	c := mustCompile(t, weightDefinition())
	rs := demographicResponses(200)
	var clean []stats.Accepted
	for _, r := range rs {
		if !r.Flagged {
			clean = append(clean, r)
		}
	}
	m := stats.Margins{"gender": {"m": 1, "f": 1}, "age": {"y": 2, "o": 3}}
	got, err := stats.ScoreWeighted(c, countJoint(c, rs), m, true)
	if err != nil {
		t.Fatal(err)
	}
	want, err := stats.ScoreWeighted(c, countJoint(c, clean), m, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.IncludesFlagged || got.Flagged == 0 {
		t.Errorf("includes_flagged %v flagged %d", got.IncludesFlagged, got.Flagged)
	}
	got.IncludesFlagged, got.Flagged = want.IncludesFlagged, want.Flagged
	assertEqualJSON(t, "results", got, want)
	if *got.Overall.NEff >= float64(got.Overall.N) || !got.Weighting.Converged {
		t.Errorf("overall n %d n_eff %v, weighting %s: want n_eff < n, converged", got.Overall.N, *got.Overall.NEff, toJSON(got.Weighting))
	}
}

func TestScoreWeightedRefusesBadMargins(t *testing.T) {
	c := mustCompile(t, weightDefinition())
	_, err := stats.ScoreWeighted(c, stats.Tallies{}, stats.Margins{"gender": {"m": 1}}, false)
	var invalid *questionnaire.InvalidError
	if !errors.As(err, &invalid) || invalid.Fields["margins.gender.f"] == "" {
		t.Fatalf("err = %v, want an InvalidError on margins.gender.f", err)
	}
}

// TestScoreWeightedWithoutCells: tallies without joint cells (weighting
// turned on before a recount) give empty figures, never NaN.
func TestScoreWeightedWithoutCells(t *testing.T) {
	c := mustCompile(t, weightDefinition())
	tallies := countAll(c, demographicResponses(20)) // no joint cells
	got, err := stats.ScoreWeighted(c, tallies, stats.Margins{"gender": {"m": 1, "f": 1}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Fatalf("marshal: %v", err)
	}
	if got.Overall.Index != nil || got.Weighting.Converged || got.Weighting.NEff != 0 {
		t.Errorf("overall %s weighting %s, want no index, unconverged", toJSON(got.Overall), toJSON(got.Weighting))
	}
}

// TestRakeWeightsMeetTheirBounds: over random cells and margins, the
// weights Rake returns have mean 1 over the respondents, and when it says
// Converged they lie in [TrimLow, TrimHigh] × that mean.
func TestRakeWeightsMeetTheirBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for trial := range 2000 {
		m := stats.Margins{"town": {}, "gender": {}}
		towns, genders := 2+rng.IntN(6), 2
		for i := range towns {
			m["town"][fmt.Sprint("t", i)] = 0.1 + rng.Float64()*rng.Float64()*50
		}
		for i := range genders {
			m["gender"][fmt.Sprint("g", i)] = 0.2 + rng.Float64()
		}
		var cells []stats.RakeCell
		var respondents float64
		for i := range towns {
			for g := range genders {
				n := int64(rng.IntN(40))
				cells = append(cells, stats.RakeCell{Levels: []string{fmt.Sprint("t", i), fmt.Sprint("g", g)}, N: n})
				respondents += float64(n)
			}
		}
		w, rep := stats.Rake([]string{"town", "gender"}, cells, m)
		var sum float64
		for i, c := range cells {
			sum += float64(c.N) * w[i]
		}
		if respondents > 0 && math.Abs(sum/respondents-1) > 1e-9 {
			t.Fatalf("trial %d: mean weight %v, want 1", trial, sum/respondents)
		}
		for i, c := range cells {
			if rep.Converged && c.N > 0 && (w[i] < stats.TrimLow-1e-6 || w[i] > stats.TrimHigh+1e-6) {
				t.Fatalf("trial %d: converged, but a weight is %v × the mean, outside [%v, %v]", trial, w[i], stats.TrimLow, stats.TrimHigh)
			}
		}
	}
}

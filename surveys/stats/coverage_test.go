package stats_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// The population of the coverage simulation: a respondent's latent
// satisfaction L (0 best … 4 worst, shares pL) sets each item's answer
// (see answerDist) and its chance
// of "don't know", which rises as satisfaction falls: on average 10 % for
// q1 and 45 % for q2 (and 20 % for q3).
var (
	pL      = [5]float64{0.25, 0.3, 0.2, 0.15, 0.1}
	dkByL   = map[string][5]float64{"q1": {0.02, 0.05, 0.1, 0.2, 0.35}, "q2": {0.2, 0.35, 0.5, 0.7, 0.9}, "q3": {0.1, 0.15, 0.2, 0.3, 0.4}}
	levelOf = [5]string{"5", "4", "3", "2", "1"}
	scoreOf = [5]float64{100, 80, 60, 30, 0}
)

// answerDist is P(level | L): 0.2 on L, and 0.8 spread evenly over the
// five levels, so items are only loosely correlated (as different services
// are) while their "don't know" still depends on L.
func answerDist(l int) [5]float64 {
	p := [5]float64{0.16, 0.16, 0.16, 0.16, 0.16}
	p[l] += 0.2
	return p
}

// populationIndex is item q's population index: the mean score over the
// respondents who would not answer "don't know".
func populationIndex(q string) float64 {
	var num, den float64
	for l := range 5 {
		known := pL[l] * (1 - dkByL[q][l])
		d := answerDist(l)
		for k := range 5 {
			num += known * d[k] * scoreOf[k]
		}
		den += known
	}
	return num / den
}

// drawRespondent draws one respondent whose latent L has the shares pL.
func drawRespondent(rng *rand.Rand, pL [5]float64) stats.Accepted {
	u, l := rng.Float64(), 0
	for l < 4 && u > pL[l] {
		u -= pL[l]
		l++
	}
	var r stats.Accepted
	for _, q := range []string{"q1", "q2", "q3"} {
		code := "dk"
		if rng.Float64() >= dkByL[q][l] {
			d, v, k := answerDist(l), rng.Float64(), 0
			for k < 4 && v > d[k] {
				v -= d[k]
				k++
			}
			code = levelOf[k]
		}
		r.Answers = append(r.Answers, questionnaire.Answer{Question: q, Values: []string{code}})
	}
	return r
}

// TestAreaIntervalCoverage: over 4,000 samples of 400 respondents, the 95 %
// intervals of a two-item area (λ = 1 and 3, don't-know 10 % and 45 %,
// both correlated with satisfaction) and of the overall index (that area
// and a one-item area) cover the population values 94-96 % of the time,
// and every interval is centred on its index. The interval the respondents'
// own area scores give (the rule before) is counted beside, for the record.
func TestAreaIntervalCoverage(t *testing.T) {
	d := smallDefinition()
	d.Areas[0].Questions[0].Weight = 1
	d.Areas[0].Questions[1].Weight = 3
	c := mustCompile(t, d)
	a1 := (populationIndex("q1") + 3*populationIndex("q2")) / 4
	overall := (a1 + populationIndex("q3")) / 2
	const samples, n = 4000, 400
	rng := rand.New(rand.NewPCG(2026, 12))
	var coverArea, coverOverall, coverOld int
	for range samples {
		k := stats.NewCounter(c)
		for range n {
			k.Add(drawRespondent(rng, pL))
		}
		tallies := stats.Tallies{}
		k.AddTo(tallies)
		got := stats.Score(c, tallies, "", false)
		area, o := got.Areas[0], got.Overall
		for _, f := range []struct {
			name  string
			index *float64
			ci    []float64
		}{{"a1", area.Index, area.CI95}, {"overall", o.Index, o.CI95}} {
			if f.index == nil || len(f.ci) != 2 || f.ci[0] <= 0 || f.ci[1] >= 100 {
				t.Fatalf("%s: index %v interval %v", f.name, f.index, f.ci)
			}
			if mid := (f.ci[0] + f.ci[1]) / 2; math.Abs(mid-*f.index) > 0.0051 {
				t.Fatalf("%s: interval %v centred on %.3f, not on the index %.2f", f.name, f.ci, mid, *f.index)
			}
		}
		if area.CI95[0] <= a1 && a1 <= area.CI95[1] {
			coverArea++
		}
		if o.CI95[0] <= overall && overall <= o.CI95[1] {
			coverOverall++
		}
		// Before: index ± t·s/√n with s of the respondents' area scores.
		v := tallies[stats.TallyID{Key: stats.AreaKey("a1")}]
		m, nn := float64(v.Sum)/1000, float64(v.N)
		s := math.Sqrt((float64(v.SumSq)/1e6 - m*m/nn) / (nn - 1))
		if h := 1.966 * s / math.Sqrt(nn); math.Abs(*area.Index-a1) <= h {
			coverOld++
		}
	}
	share := func(k int) float64 { return 100 * float64(k) / samples }
	t.Logf("population a1 %.3f overall %.3f; coverage a1 %.2f %%, overall %.2f %% (respondent area scores: %.2f %%)",
		a1, overall, share(coverArea), share(coverOverall), share(coverOld))
	for name, k := range map[string]int{"a1": coverArea, "overall": coverOverall} {
		if p := share(k); p < 94 || p > 96 {
			t.Errorf("%s: 95 %% intervals cover the population value %.2f %% of the time, want 94-96 %%", name, p)
		}
	}
}

// TestAreaIntervalMinimalCase: 100 respondents all answer q2 = 不太满意
// (30), half answer q1 = 满意 (100) and half don't know. The area index is
// (100 + 30)/2 = 65 and each item's answers are all equal, so its SE is 0
// and its interval [65, 65]; the same weighted.
func TestAreaIntervalMinimalCase(t *testing.T) {
	d := smallDefinition()
	d.Areas[0].Questions[0].Weight = 1
	d.Areas[0].Questions[1].Weight = 1
	c := mustCompile(t, d)
	var rs []stats.Accepted
	for i := range 100 {
		q1 := "5"
		if i%2 == 1 {
			q1 = "dk"
		}
		rs = append(rs, response("", false, "q1", q1, "q2", "2", "town", []string{"t1", "t2"}[i%3%2]))
	}
	got := stats.Score(c, countAll(c, rs), "", false)
	a := got.Areas[0]
	if a.Index == nil || *a.Index != 65 || a.SE == nil || *a.SE != 0 || len(a.CI95) != 2 || a.CI95[0] != 65 || a.CI95[1] != 65 {
		t.Errorf("area %s, want index 65, SE 0, interval [65, 65]", toJSON(a))
	}
	if o := got.Overall; o.Index == nil || *o.Index != 65 || o.SE == nil || *o.SE != 0 {
		t.Errorf("overall %s, want index 65 and SE 0 (a2 has no data)", toJSON(o))
	}
	w, err := stats.ScoreWeighted(c, countJoint(c, rs), stats.Margins{"town": {"t1": 1, "t2": 1}}, false)
	if err != nil {
		t.Fatal(err)
	}
	if a := w.Areas[0]; a.Index == nil || *a.Index != 65 || a.SE == nil || *a.SE != 0 || len(a.CI95) != 2 || a.CI95[0] != 65 || a.CI95[1] != 65 {
		t.Errorf("weighted area %s, want index 65, SE 0, interval [65, 65]", toJSON(a))
	}
}

// TestIntervalsNeverNaN: with n_eff − 1 near 0 (so t has no finite
// quantile) and identical answers (s = 0), intervals are numbers: zero
// width without spread, the whole scale with it.
func TestIntervalsNeverNaN(t *testing.T) {
	for _, tt := range []struct {
		name   string
		got    []float64
		lo, hi float64
	}{
		{"identical answers, n_eff 1 + 1e-12", stats.TIntervalF(80, 0, 1+1e-12), 80, 80},
		{"identical answers, linearized", stats.LinearInterval(80, 0, 1+1e-12), 80, 80},
		{"spread, n_eff 1 + 1e-12", stats.TIntervalF(80, 10, 1+1e-12), 0, 100},
		{"spread, linearized", stats.LinearInterval(80, 10, 1+1e-12), 0, 100},
	} {
		if len(tt.got) != 2 || math.IsNaN(tt.got[0]) || math.IsNaN(tt.got[1]) || tt.got[0] != tt.lo || tt.got[1] != tt.hi {
			t.Errorf("%s: %v, want [%v, %v]", tt.name, tt.got, tt.lo, tt.hi)
		}
	}
}

// TestWeightedAreaIntervalCoverage: the same population split into two
// towns of equal size, t2's residents less satisfied (latent shares
// shifted), sampled 3 : 1 from t1 and raked back to 50/50. Over 2,000
// samples of 400 the weighted area index's 95 % interval covers the
// population value at least 94 % of the time and is centred on the index.
// The linearized variance holds the weights fixed, which ignores the gain
// of post-stratification, so it may cover a little more than 95 %.
func TestWeightedAreaIntervalCoverage(t *testing.T) {
	d := smallDefinition()
	d.Areas[0].Questions[0].Weight = 1
	d.Areas[0].Questions[1].Weight = 3
	c := mustCompile(t, d)
	shares := map[string][5]float64{"t1": {0.35, 0.3, 0.15, 0.12, 0.08}, "t2": {0.1, 0.2, 0.25, 0.25, 0.2}}
	// Population item index: the towns weigh equally among those who know.
	item := func(q string) float64 {
		var num, den float64
		for _, town := range []string{"t1", "t2"} {
			for l := range 5 {
				known := 0.5 * shares[town][l] * (1 - dkByL[q][l])
				dist := answerDist(l)
				for k := range 5 {
					num += known * dist[k] * scoreOf[k]
				}
				den += known
			}
		}
		return num / den
	}
	a1 := (item("q1") + 3*item("q2")) / 4
	const samples, n = 2000, 400
	rng := rand.New(rand.NewPCG(77, 78))
	covered := 0
	for range samples {
		k := stats.NewCounter(c)
		for range n {
			town := "t1"
			if rng.Float64() < 0.25 {
				town = "t2"
			}
			r := drawRespondent(rng, shares[town])
			r.Answers = append(r.Answers, questionnaire.Answer{Question: "town", Values: []string{town}})
			r.Joint = true
			k.Add(r)
		}
		tallies := stats.Tallies{}
		k.AddTo(tallies)
		got, err := stats.ScoreWeighted(c, tallies, stats.Margins{"town": {"t1": 1, "t2": 1}}, false)
		if err != nil {
			t.Fatal(err)
		}
		a := got.Areas[0]
		if a.Index == nil || len(a.CI95) != 2 || math.Abs((a.CI95[0]+a.CI95[1])/2-*a.Index) > 0.0051 {
			t.Fatalf("weighted a1 %s: want an interval centred on the index", toJSON(a))
		}
		if a.CI95[0] <= a1 && a1 <= a.CI95[1] {
			covered++
		}
	}
	share := 100 * float64(covered) / samples
	t.Logf("population a1 %.3f; weighted coverage %.2f %%", a1, share)
	if share < 94 || share > 97.5 {
		t.Errorf("weighted 95 %% intervals cover the population value %.2f %% of the time, want 94-97.5 %%", share)
	}
}

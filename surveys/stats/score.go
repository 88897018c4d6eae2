package stats

import (
	"math"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// LowSample is the default valid n under which a cell is shown greyed
// ("样本不足"); a survey may set another (questionnaire.Thresholds).
const LowSample = questionnaire.DefaultLowSample

// scorer scores results of one questionnaire version from its counters.
type scorer struct{ *questionnaire.Compiled }

// ScoreBreakdown scores every answer of the question with role (town, age
// or gender) of the version c from its breakdown cells in t, less each
// cell's flagged responses with excludeFlagged; nil when the survey has no
// such question.
func ScoreBreakdown(c *questionnaire.Compiled, t Tallies, role string, excludeFlagged bool) *Breakdown {
	q := c.BreakdownQuestion(role)
	if q == nil {
		return nil
	}
	b := &Breakdown{By: role}
	groups := t.scopes()
	for _, o := range q.Options {
		scope := breakdownCounters{unweighted(groups.cellFor("", DimKey(role, o.Code), excludeFlagged))}
		cell := BreakdownCell{Code: o.Code, Label: o.Label, Responses: scope.get(KeyResponses).N}
		cell.Overall, cell.Areas = scorer{c}.scoreAreas(scope, false)
		b.Cells = append(b.Cells, cell)
	}
	return b
}

// BreakdownDims lists the tally cells a breakdown by role reads: each
// answer's cell and its flagged twin.
func BreakdownDims(c *questionnaire.Compiled, role string) []string {
	var dims []string
	if q := c.BreakdownQuestion(role); q != nil {
		for _, o := range q.Options {
			dims = append(dims, DimKey(role, o.Code), FlaggedCellDim(DimKey(role, o.Code)))
		}
	}
	return dims
}

// Score computes the unweighted results of the version c for one unit (""
// for all) from the counters t, flagged responses included or, with
// excludeFlagged, left out: the body states the choice, and Flagged always
// counts the flagged responses. Scoring all units ranks them (RankUnits).
// It is a pure function: no clock, no database.
func Score(c *questionnaire.Compiled, t Tallies, unit string, excludeFlagged bool) Results {
	return scorer{c}.score(t, unit, excludeFlagged)
}

func (c scorer) score(t Tallies, unit string, excludeFlagged bool) Results {
	r := c.header(t, unit, excludeFlagged)
	groups := t.scopes() // one pass over t, not one per unit
	c.scoreIntoOf(&r, unweighted(groups.scopeFor(unit, excludeFlagged)), false, unit)
	if unit == "" {
		for _, u := range c.Def.Units {
			us := unweighted(groups.scopeFor(u.Code, excludeFlagged))
			ur := UnitResults{Code: u.Code, Name: u.Name, Responses: us.get(KeyResponses).N}
			ur.Overall, ur.Areas = c.scoreAreasOf(us, false, u.Code)
			r.Units = append(r.Units, ur)
		}
		c.campaignInto(&r, t) // categories, targets, quotas, ranks, notices
	} else {
		c.unitCampaignInto(&r, t, unit)
	}
	return r
}

// header fills what every results body states besides its figures.
func (c scorer) header(t Tallies, unit string, excludeFlagged bool) Results {
	r := Results{
		Survey:          c.Def.Slug,
		Title:           c.Def.Title,
		Year:            c.Def.Year,
		Unit:            unit,
		IncludesFlagged: !excludeFlagged,
		Sample:          "opt-in",
		Limits:          Limits{LowSample: c.Def.LowSample(), RankMinN: c.Def.RankMinN()},
	}
	if c.Def.Dedup == questionnaire.DedupToken {
		r.Sample = "sampled"
	}
	r.Flagged = t.Scope(unit, "")[KeyFlagged].N
	return r
}

// scoreInto fills the responses, areas, overall index and overall question
// of r from one scope's counters.
func (c scorer) scoreInto(r *Results, scope counters, weighted bool) {
	c.scoreIntoOf(r, scope, weighted, "")
}

// scoreIntoOf is scoreInto on the areas that apply to unit ("" for all).
func (c scorer) scoreIntoOf(r *Results, scope counters, weighted bool, unit string) {
	r.Responses = scope.get(KeyResponses).N
	r.Overall, r.Areas = c.scoreAreasOf(scope, weighted, unit)
	if q := c.OverallQuestion(); q != nil {
		item, _ := c.scoreItem(scope, q, weighted)
		roundItem(&item)
		r.OverallQuestion = &item
	}
}

// wstat is a counter with its respondents' weights: N respondents, W = Σw,
// W2 = Σw², Sum = Σw·x and SumSq = Σw·x², x in the counter's units
// (thousandths of a point for respondent scores). Unweighted, every w is 1.
type wstat struct {
	N                 int64
	W, W2, Sum, SumSq float64
	// Sum2 = Σw²·x and SumSq2 = Σw²·x², for the linearized variances.
	Sum2, SumSq2 float64
}

// counters is one scope's counters, keyed like Tallies.Scope.
type counters interface {
	get(key string) wstat
}

// wscope holds weighted counters.
type wscope map[string]wstat

func (s wscope) get(key string) wstat { return s[key] }

// unweighted reads plain counters as counters whose weights are all 1.
type unweighted map[string]TallyValue

func (s unweighted) get(key string) wstat {
	v := s[key]
	n := float64(v.N)
	sum, sumSq := float64(v.Sum), float64(v.SumSq)
	return wstat{N: v.N, W: n, W2: n, Sum: sum, SumSq: sumSq, Sum2: sum, SumSq2: sumSq}
}

// add adds a plain counter whose respondents all weigh w.
func (s *wstat) add(v TallyValue, w float64) {
	n := float64(v.N)
	s.N += v.N
	s.W += w * n
	s.W2 += w * w * n
	s.Sum += w * float64(v.Sum)
	s.SumSq += w * float64(v.SumSq)
	s.Sum2 += w * w * float64(v.Sum)
	s.SumSq2 += w * w * float64(v.SumSq)
}

// neff is Kish's effective sample size (Σw)²/Σw²; n when unweighted.
func (s wstat) neff() float64 {
	if s.W2 <= 0 {
		return 0
	}
	return s.W * s.W / s.W2
}

// sd is the weighted standard deviation of x/unit with the n_eff/(n_eff−1)
// correction, so that weights all 1 give the sample standard deviation;
// false under two respondents.
func (s wstat) sd(unit float64) (float64, bool) {
	if s.N < 2 || s.W <= 0 {
		return 0, false
	}
	den := s.W - s.W2/s.W // W·(n_eff−1)/n_eff; n−1 unweighted
	if den <= 0 {
		return 0, false
	}
	sum, sumSq := s.Sum/unit, s.SumSq/(unit*unit)
	variance := (sumSq - sum*sum/s.W) / den
	return math.Sqrt(math.Max(variance, 0)), true
}

func (c scorer) scoreAreas(scope counters, weighted bool) (Summary, []AreaResult) {
	return c.scoreAreasOf(scope, weighted, "")
}

// scoreAreasOf scores the areas that apply to unit ("" for every area)
// and the overall index over them: ω is renormalised over the unit's
// areas, and the others are neither listed nor counted.
func (c scorer) scoreAreasOf(scope counters, weighted bool, unit string) (Summary, []AreaResult) {
	areas := make([]AreaResult, 0, len(c.Def.Areas))
	var oSum, oW float64
	var all []moments       // every scored item, for the overall index
	areaOf := []int{}       // all[i]'s area
	areaCoef := []float64{} // all[i]'s λ/Σλ within its area, 0 without an index
	haveIndex := make([]bool, len(c.Def.Areas))
	for i, a := range c.Def.Areas {
		if !c.AreaApplies(unit, i) {
			continue
		}
		var items []ItemResult
		var weights []float64
		first := len(all)
		for _, q := range a.Questions {
			item, m := c.scoreItem(scope, c.Question(q.Code), weighted)
			m.area = i
			items = append(items, item)
			weights = append(weights, q.WeightOrDefault())
			all = append(all, m)
			areaOf = append(areaOf, i)
		}
		ar := AreaResult{Code: a.Code, Name: a.Name}
		ar.Index = weightedMean(items, weights, func(r ItemResult) *float64 { return r.Index })
		ar.Rate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.Rate })
		ar.DissatisfiedRate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.DissatisfiedRate })
		ar.DontKnowRate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.DontKnowRate })
		// The area index is Σ λ_j I_j / Σ λ_j over the items with an index:
		// its SE is that estimator's (linearSE).
		var lw float64
		for j, it := range items {
			if it.Index != nil {
				lw += weights[j]
			}
		}
		for j, it := range items {
			cf := 0.0
			if it.Index != nil {
				cf = weights[j] / lw
			}
			all[first+j].coef = cf
			areaCoef = append(areaCoef, cf)
		}
		stats := scope.get(AreaKey(a.Code))
		ar.N = stats.N
		ar.Low = stats.neff() < c.Def.LowSample()
		if weighted {
			ar.NEff = ptr(stats.neff())
		}
		if ar.Index != nil {
			haveIndex[i] = true
			ar.SE = linearSE(scope, all[first:], stats.N, true)
			ar.CI95 = linearInterval(*ar.Index, ar.SE, stats.neff())
			oSum += a.WeightOrDefault() * *ar.Index
			oW += a.WeightOrDefault()
			if len(items) == 1 {
				ar.RateCI95 = items[0].RateCI95
			}
		}
		roundItem(&ar.ItemResult)
		areas = append(areas, ar)
	}
	stats := scope.get(KeyOverall)
	o := Summary{N: stats.N, Low: stats.neff() < c.Def.LowSample()}
	if weighted {
		o.NEff = round(ptr(stats.neff()), 1)
	}
	if oW > 0 {
		idx := oSum / oW
		// O = Σ ω_a A_a / Σ ω_a: item j's coefficient is ω_a/Σω · λ_j/Σλ_a.
		for j := range all {
			all[j].coef = 0
			if a := areaOf[j]; haveIndex[a] {
				all[j].coef = c.Def.Areas[a].WeightOrDefault() / oW * areaCoef[j]
			}
		}
		o.SE = linearSE(scope, all, stats.N, keepsCrossPairs(c.Compiled))
		o.CI95 = linearInterval(idx, o.SE, stats.neff())
		o.exact = exact{ptr(idx), clone(o.SE)}
		o.Index = round(&idx, 2)
	}
	roundPair(o.CI95, 2)
	o.SE = round(o.SE, 3)
	return o, areas
}

// scoreItem computes one satisfaction question's figures from its option
// counts, unrounded: areas average items before anything is rounded.
func (c scorer) scoreItem(scope counters, q *questionnaire.CompiledQuestion, weighted bool) (ItemResult, moments) {
	var r ItemResult
	var valid wstat // the non-"don't know" answers, x = the level's score
	var dk, sat, dis float64
	for _, l := range c.Def.Scale.Levels {
		k := scope.get(OptionKey(q.Code, l.Code))
		valid.N += k.N
		valid.W += k.W
		valid.W2 += k.W2
		valid.Sum += k.W * l.Score
		valid.SumSq += k.W * l.Score * l.Score
		valid.Sum2 += k.W2 * l.Score
		valid.SumSq2 += k.W2 * l.Score * l.Score
		switch l.Class {
		case questionnaire.ClassSatisfied:
			sat += k.W
		case questionnaire.ClassDissatisfied:
			dis += k.W
		}
	}
	if code := c.DontKnow(); code != "" {
		dk = scope.get(OptionKey(q.Code, code)).W
	}
	n := valid.neff()
	r.N = valid.N
	r.Low = n < c.Def.LowSample()
	if weighted {
		r.NEff = ptr(n)
	}
	if valid.W+dk > 0 {
		r.DontKnowRate = ptr(dk / (valid.W + dk))
	}
	if valid.W > 0 {
		mean := valid.Sum / valid.W
		r.Index = ptr(mean)
		r.Rate = ptr(sat / valid.W)
		r.DissatisfiedRate = ptr(dis / valid.W)
		r.RateCI95 = wilson(sat/valid.W, n)
		r.CI95, r.SE = spread(mean, valid, 1)
	}
	m := moments{code: q.Code, w: valid.W, w2: valid.W2, s2: valid.Sum2, ss2: valid.SumSq2, ok: r.Index != nil}
	if m.ok {
		m.index = *r.Index
	}
	return r, m
}

func weightedMean(items []ItemResult, w []float64, f func(ItemResult) *float64) *float64 {
	var sum, tw float64
	for i, it := range items {
		if v := f(it); v != nil {
			sum += w[i] * *v
			tw += w[i]
		}
	}
	if tw == 0 {
		return nil
	}
	return ptr(sum / tw)
}

func roundItem(r *ItemResult) {
	r.exact = exact{clone(r.Index), clone(r.SE)}
	r.Index = round(r.Index, 2)
	r.Rate = round(r.Rate, 4)
	r.DissatisfiedRate = round(r.DissatisfiedRate, 4)
	r.DontKnowRate = round(r.DontKnowRate, 4)
	r.SE = round(r.SE, 3)
	r.NEff = round(r.NEff, 1)
	roundPair(r.CI95, 2)
	roundPair(r.RateCI95, 4)
}

func round(v *float64, digits int) *float64 {
	if v == nil {
		return nil
	}
	p := math.Pow(10, float64(digits))
	return ptr(math.Round(*v*p) / p)
}

func roundPair(v []float64, digits int) {
	for i := range v {
		v[i] = *round(&v[i], digits)
	}
}

func ptr(v float64) *float64 { return &v }

package surveys

import (
	"math"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// LowSample is the valid n under which a cell is shown greyed ("样本不足").
const LowSample = 30

// Results is the body of GET /api/v1/surveys/{slug}/results.
type Results struct {
	Survey          string        `json:"survey"`
	Title           string        `json:"title"`
	Unit            string        `json:"unit,omitempty"`
	Responses       int64         `json:"responses"`
	Flagged         int64         `json:"flagged"`
	IncludesFlagged bool          `json:"includes_flagged"`
	Sample          string        `json:"sample"`
	Overall         Summary       `json:"overall"`
	OverallQuestion *ItemResult   `json:"overall_question,omitempty"`
	Areas           []AreaResult  `json:"areas"`
	Units           []UnitResults `json:"units,omitempty"`
	Breakdown       *Breakdown    `json:"breakdown,omitempty"`

	// AsOf is when the body was scored; Year is the survey's year.
	AsOf time.Time `json:"as_of"`
	Year int       `json:"year,omitempty"`
	// Timeline counts responses per hour of submission (UTC), whole survey.
	Timeline []HourCount `json:"timeline,omitempty"`
	// Quality counts flagged responses by reason and staff decisions.
	Quality *Quality `json:"quality,omitempty"`
	// Previous compares with the previous year's linked survey.
	Previous *Comparison `json:"previous,omitempty"`
	// Weighting reports the raking behind a weighted body.
	Weighting *WeightingReport `json:"weighting,omitempty"`
}

// HourCount is the number of responses submitted in one hour.
type HourCount struct {
	Hour      time.Time `json:"hour"`
	Responses int64     `json:"responses"`
}

// Quality counts flagged responses by reason (a response can carry
// several flags) and the staff decisions on flagged responses.
type Quality struct {
	Flagged         int64            `json:"flagged"`
	Reasons         map[string]int64 `json:"reasons"`
	ReviewedValid   int64            `json:"reviewed_valid"`
	ReviewedInvalid int64            `json:"reviewed_invalid"`
}

// Comparison is this year's figures against the previous year's linked
// survey: Δ = I_t − I_{t−1}, SE_Δ = √(SE_t² + SE_{t−1}²).
type Comparison struct {
	Survey  string         `json:"survey"`
	Title   string         `json:"title"`
	Year    int            `json:"year,omitempty"`
	Overall ComparedFigure `json:"overall"`
	Areas   []ComparedArea `json:"areas"`
}

// ComparedFigure is one index last year and its change since.
type ComparedFigure struct {
	Index   *float64 `json:"index"`
	SE      *float64 `json:"se"`
	Delta   *float64 `json:"delta"`
	DeltaSE *float64 `json:"delta_se"`
}

// ComparedArea is one area's comparison, matched by code, then by name.
type ComparedArea struct {
	Code string `json:"code"`
	Name string `json:"name"`
	ComparedFigure
}

// WeightingReport describes the raking of a weighted body.
type WeightingReport struct {
	Variables  []string   `json:"variables"`
	Iterations int        `json:"iterations"`
	Converged  bool       `json:"converged"`
	MaxError   float64    `json:"max_error"`
	Trimmed    int64      `json:"trimmed"`
	Bounds     [2]float64 `json:"bounds"`
	NEff       float64    `json:"n_eff"`
}

// Breakdown is the results per answer of a demographic question (town,
// age band or gender), whole sample, flagged responses included.
type Breakdown struct {
	By    string          `json:"by"`
	Cells []BreakdownCell `json:"cells"`
}

// BreakdownCell is one answer's respondents.
type BreakdownCell struct {
	Code      string       `json:"code"`
	Label     string       `json:"label"`
	Responses int64        `json:"responses"`
	Overall   Summary      `json:"overall"`
	Areas     []AreaResult `json:"areas"`
}

// Summary is the composite index over areas.
type Summary struct {
	Index *float64  `json:"index"`
	N     int64     `json:"n"`
	CI95  []float64 `json:"ci95"`
	Low   bool      `json:"low_sample"`
}

// ItemResult holds the figures of one satisfaction item or area.
type ItemResult struct {
	Index            *float64  `json:"index"`
	Rate             *float64  `json:"rate"`
	DissatisfiedRate *float64  `json:"dissatisfied_rate"`
	DontKnowRate     *float64  `json:"dont_know_rate"`
	N                int64     `json:"n"`
	CI95             []float64 `json:"ci95"`
	RateCI95         []float64 `json:"rate_ci95"`
	Low              bool      `json:"low_sample"`
}

// AreaResult is one area's figures.
type AreaResult struct {
	Code string `json:"code"`
	Name string `json:"name"`
	ItemResult
}

// UnitResults are the figures of one evaluated unit.
type UnitResults struct {
	Code      string       `json:"code"`
	Name      string       `json:"name"`
	Responses int64        `json:"responses"`
	Overall   Summary      `json:"overall"`
	Areas     []AreaResult `json:"areas"`
}

// ScoreBreakdown scores every answer of the question with role (town, age
// or gender) from its breakdown cells; nil when the survey has no such question.
func (c *Compiled) ScoreBreakdown(t Tallies, role string) *Breakdown {
	var q *CompiledQuestion
	for _, b := range c.breakdown {
		if b.Role == role {
			q = b
		}
	}
	if q == nil {
		return nil
	}
	b := &Breakdown{By: role}
	for _, o := range q.Options {
		scope := t.Scope("", DimKey(role, o.Code))
		cell := BreakdownCell{Code: o.Code, Label: o.Label, Responses: scope[KeyResponses].N}
		cell.Overall, cell.Areas = c.scoreAreas(scope)
		b.Cells = append(b.Cells, cell)
	}
	return b
}

// BreakdownDims lists the tally cells a breakdown by role reads.
func (c *Compiled) BreakdownDims(role string) []string {
	var dims []string
	for _, b := range c.breakdown {
		if b.Role == role {
			for _, o := range b.Options {
				dims = append(dims, DimKey(role, o.Code))
			}
		}
	}
	return dims
}

// Score computes the results for one unit ("" for all) from the counters,
// flagged responses included. It is a pure function: no clock, no database.
func (c *Compiled) Score(t Tallies, unit string) Results { return c.ScoreWith(t, unit, false) }

// ScoreWith is Score with the choice to leave flagged responses out; the
// body states the choice, and Flagged always counts the flagged responses.
func (c *Compiled) ScoreWith(t Tallies, unit string, excludeFlagged bool) Results {
	r := Results{
		Survey:          c.Def.Slug,
		Title:           c.Def.Title,
		Unit:            unit,
		IncludesFlagged: !excludeFlagged,
		Sample:          "opt-in",
	}
	if c.Def.Dedup == DedupToken {
		r.Sample = "sampled"
	}
	r.Flagged = t.Scope(unit, "")[KeyFlagged].N
	scope := t.scopeFor(unit, excludeFlagged)
	r.Responses = scope[KeyResponses].N
	r.Overall, r.Areas = c.scoreAreas(scope)
	if c.overall != nil {
		item := c.scoreItem(scope, c.overall)
		roundItem(&item)
		r.OverallQuestion = &item
	}
	if unit == "" {
		for _, u := range c.Def.Units {
			us := t.scopeFor(u.Code, excludeFlagged)
			ur := UnitResults{Code: u.Code, Name: u.Name, Responses: us[KeyResponses].N}
			ur.Overall, ur.Areas = c.scoreAreas(us)
			r.Units = append(r.Units, ur)
		}
	}
	return r
}

func (c *Compiled) scoreAreas(scope map[string]TallyValue) (Summary, []AreaResult) {
	areas := make([]AreaResult, len(c.Def.Areas))
	var oSum, oW float64
	for i, a := range c.Def.Areas {
		var items []ItemResult
		var weights []float64
		for _, q := range a.Questions {
			items = append(items, c.scoreItem(scope, c.byCode[q.Code]))
			weights = append(weights, weightOr1(q.Weight))
		}
		ar := AreaResult{Code: a.Code, Name: a.Name}
		ar.Index = weightedMean(items, weights, func(r ItemResult) *float64 { return r.Index })
		ar.Rate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.Rate })
		ar.DissatisfiedRate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.DissatisfiedRate })
		ar.DontKnowRate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.DontKnowRate })
		stats := scope[AreaKey(a.Code)]
		ar.N = stats.N
		ar.Low = ar.N < LowSample
		if ar.Index != nil {
			ar.CI95 = meanInterval(*ar.Index, stats)
			oSum += weightOr1(a.Weight) * *ar.Index
			oW += weightOr1(a.Weight)
			if len(items) == 1 {
				ar.RateCI95 = items[0].RateCI95
			}
		}
		roundItem(&ar.ItemResult)
		areas[i] = ar
	}
	stats := scope[KeyOverall]
	o := Summary{N: stats.N, Low: stats.N < LowSample}
	if oW > 0 {
		idx := oSum / oW
		o.CI95 = meanInterval(idx, stats)
		o.Index = round(&idx, 2)
	}
	roundPair(o.CI95, 2)
	return o, areas
}

// scoreItem computes one satisfaction question's figures from its option
// counts, unrounded: areas average items before anything is rounded.
func (c *Compiled) scoreItem(scope map[string]TallyValue, q *CompiledQuestion) ItemResult {
	var r ItemResult
	var n, dk, sat, dis int64
	var sum, sumSq float64
	for _, l := range c.Def.Scale.Levels {
		k := scope[OptionKey(q.Code, l.Code)].N
		n += k
		sum += float64(k) * l.Score
		sumSq += float64(k) * l.Score * l.Score
		switch l.Class {
		case ClassSatisfied:
			sat += k
		case ClassDissatisfied:
			dis += k
		}
	}
	if c.dontKnow != "" {
		dk = scope[OptionKey(q.Code, c.dontKnow)].N
	}
	r.N = n
	r.Low = n < LowSample
	if n+dk > 0 {
		r.DontKnowRate = ptr(float64(dk) / float64(n+dk))
	}
	if n > 0 {
		mean := sum / float64(n)
		r.Index = ptr(mean)
		r.Rate = ptr(float64(sat) / float64(n))
		r.DissatisfiedRate = ptr(float64(dis) / float64(n))
		r.RateCI95 = Wilson(sat, n)
		if n >= 2 {
			variance := (sumSq - sum*sum/float64(n)) / float64(n-1)
			r.CI95 = TInterval(mean, math.Sqrt(math.Max(variance, 0)), n)
		}
	}
	return r
}

// meanInterval is center ± t·s/√n with s taken from a counter of
// respondent scores kept in thousandths.
func meanInterval(center float64, v TallyValue) []float64 {
	if v.N < 2 {
		return nil
	}
	n := float64(v.N)
	sum, sumSq := float64(v.Sum)/1000, float64(v.SumSq)/1e6
	variance := (sumSq - sum*sum/n) / (n - 1)
	return TInterval(center, math.Sqrt(math.Max(variance, 0)), v.N)
}

// TInterval is the 95% interval mean ± t(0.975, n-1)·s/√n, clamped to 0-100.
func TInterval(mean, sd float64, n int64) []float64 {
	if n < 2 {
		return nil
	}
	h := t975(n-1) * sd / math.Sqrt(float64(n))
	return []float64{math.Max(0, mean-h), math.Min(100, mean+h)}
}

// tQuantiles caches t(0.975, df) for small df: the exact quantile costs
// microseconds and a results body needs a few dozen. Bounded to df ≤ 1000.
var tQuantiles sync.Map // int64 → float64

// t975 is the 0.975 quantile of Student's t with df degrees of freedom.
// Above 1000 df it uses the Cornish-Fisher expansion around z, whose error
// there is below 1e-9.
func t975(df int64) float64 {
	if df > 1000 {
		const z = 1.959963984540054
		v := float64(df)
		z3, z5 := z*z*z, z*z*z*z*z
		return z + (z3+z)/(4*v) + (5*z5+16*z3+3*z)/(96*v*v)
	}
	if v, ok := tQuantiles.Load(df); ok {
		return v.(float64)
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975)
	tQuantiles.Store(df, q)
	return q
}

// Wilson is the 95% Wilson score interval of k successes in n.
func Wilson(k, n int64) []float64 {
	if n <= 0 {
		return nil
	}
	const z = 1.96
	p, nf := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nf
	center := (p + z*z/(2*nf)) / den
	h := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return []float64{math.Max(0, center-h), math.Min(1, center+h)}
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
	r.Index = round(r.Index, 2)
	r.Rate = round(r.Rate, 4)
	r.DissatisfiedRate = round(r.DissatisfiedRate, 4)
	r.DontKnowRate = round(r.DontKnowRate, 4)
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

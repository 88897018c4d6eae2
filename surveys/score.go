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

// Summary is the composite index over areas. SE is the standard error of
// the index (s/√n, s_w/√n_eff when weighted); NEff is set only in weighted
// bodies.
type Summary struct {
	Index *float64  `json:"index"`
	N     int64     `json:"n"`
	CI95  []float64 `json:"ci95"`
	SE    *float64  `json:"se"`
	NEff  *float64  `json:"n_eff,omitempty"`
	Low   bool      `json:"low_sample"`
}

// ItemResult holds the figures of one satisfaction item or area. SE is the
// standard error of the index; NEff is set only in weighted bodies.
type ItemResult struct {
	Index            *float64  `json:"index"`
	Rate             *float64  `json:"rate"`
	DissatisfiedRate *float64  `json:"dissatisfied_rate"`
	DontKnowRate     *float64  `json:"dont_know_rate"`
	N                int64     `json:"n"`
	CI95             []float64 `json:"ci95"`
	RateCI95         []float64 `json:"rate_ci95"`
	SE               *float64  `json:"se"`
	NEff             *float64  `json:"n_eff,omitempty"`
	Low              bool      `json:"low_sample"`
}

// AreaResult is one area's figures.
type AreaResult struct {
	Code string `json:"code"`
	Name string `json:"name"`
	ItemResult
}

// UnitResults are the figures of one evaluated unit. Rank is nil when the
// unit is unranked (see RankUnits); Tied says another unit shares its rank.
type UnitResults struct {
	Code      string       `json:"code"`
	Name      string       `json:"name"`
	Responses int64        `json:"responses"`
	Overall   Summary      `json:"overall"`
	Areas     []AreaResult `json:"areas"`
	Rank      *int         `json:"rank"`
	Tied      bool         `json:"tied,omitempty"`
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
		scope := unweighted(t.Scope("", DimKey(role, o.Code)))
		cell := BreakdownCell{Code: o.Code, Label: o.Label, Responses: scope.get(KeyResponses).N}
		cell.Overall, cell.Areas = c.scoreAreas(scope, false)
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
// Scoring all units ranks them (RankUnits).
func (c *Compiled) ScoreWith(t Tallies, unit string, excludeFlagged bool) Results {
	r := c.header(t, unit, excludeFlagged)
	c.scoreInto(&r, unweighted(t.scopeFor(unit, excludeFlagged)), false)
	if unit == "" {
		for _, u := range c.Def.Units {
			us := unweighted(t.scopeFor(u.Code, excludeFlagged))
			ur := UnitResults{Code: u.Code, Name: u.Name, Responses: us.get(KeyResponses).N}
			ur.Overall, ur.Areas = c.scoreAreas(us, false)
			r.Units = append(r.Units, ur)
		}
		RankUnits(r.Units)
	}
	return r
}

// header fills what every results body states besides its figures.
func (c *Compiled) header(t Tallies, unit string, excludeFlagged bool) Results {
	r := Results{
		Survey:          c.Def.Slug,
		Title:           c.Def.Title,
		Year:            c.Def.Year,
		Unit:            unit,
		IncludesFlagged: !excludeFlagged,
		Sample:          "opt-in",
	}
	if c.Def.Dedup == DedupToken {
		r.Sample = "sampled"
	}
	r.Flagged = t.Scope(unit, "")[KeyFlagged].N
	return r
}

// scoreInto fills the responses, areas, overall index and overall question
// of r from one scope's counters.
func (c *Compiled) scoreInto(r *Results, scope counters, weighted bool) {
	r.Responses = scope.get(KeyResponses).N
	r.Overall, r.Areas = c.scoreAreas(scope, weighted)
	if c.overall != nil {
		item := c.scoreItem(scope, c.overall, weighted)
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
	return wstat{N: v.N, W: n, W2: n, Sum: float64(v.Sum), SumSq: float64(v.SumSq)}
}

// add adds a plain counter whose respondents all weigh w.
func (s *wstat) add(v TallyValue, w float64) {
	n := float64(v.N)
	s.N += v.N
	s.W += w * n
	s.W2 += w * w * n
	s.Sum += w * float64(v.Sum)
	s.SumSq += w * float64(v.SumSq)
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

// spread is the 95% interval center ± t(0.975, n_eff−1)·s/√n_eff and the
// standard error s/√n_eff of a counter's mean, nil under two respondents.
func spread(center float64, s wstat, unit float64) ([]float64, *float64) {
	sd, ok := s.sd(unit)
	if !ok {
		return nil, nil
	}
	n := s.neff()
	return tInterval(center, sd, n), ptr(sd / math.Sqrt(n))
}

func (c *Compiled) scoreAreas(scope counters, weighted bool) (Summary, []AreaResult) {
	areas := make([]AreaResult, len(c.Def.Areas))
	var oSum, oW float64
	for i, a := range c.Def.Areas {
		var items []ItemResult
		var weights []float64
		for _, q := range a.Questions {
			items = append(items, c.scoreItem(scope, c.byCode[q.Code], weighted))
			weights = append(weights, weightOr1(q.Weight))
		}
		ar := AreaResult{Code: a.Code, Name: a.Name}
		ar.Index = weightedMean(items, weights, func(r ItemResult) *float64 { return r.Index })
		ar.Rate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.Rate })
		ar.DissatisfiedRate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.DissatisfiedRate })
		ar.DontKnowRate = weightedMean(items, weights, func(r ItemResult) *float64 { return r.DontKnowRate })
		// The interval and SE come from the respondents' area scores.
		stats := scope.get(AreaKey(a.Code))
		ar.N = stats.N
		ar.Low = stats.neff() < LowSample
		if weighted {
			ar.NEff = ptr(stats.neff())
		}
		if ar.Index != nil {
			ar.CI95, ar.SE = spread(*ar.Index, stats, 1000)
			oSum += weightOr1(a.Weight) * *ar.Index
			oW += weightOr1(a.Weight)
			if len(items) == 1 {
				ar.RateCI95 = items[0].RateCI95
			}
		}
		roundItem(&ar.ItemResult)
		areas[i] = ar
	}
	stats := scope.get(KeyOverall)
	o := Summary{N: stats.N, Low: stats.neff() < LowSample}
	if weighted {
		o.NEff = round(ptr(stats.neff()), 1)
	}
	if oW > 0 {
		idx := oSum / oW
		o.CI95, o.SE = spread(idx, stats, 1000)
		o.Index = round(&idx, 2)
	}
	roundPair(o.CI95, 2)
	o.SE = round(o.SE, 3)
	return o, areas
}

// scoreItem computes one satisfaction question's figures from its option
// counts, unrounded: areas average items before anything is rounded.
func (c *Compiled) scoreItem(scope counters, q *CompiledQuestion, weighted bool) ItemResult {
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
		switch l.Class {
		case ClassSatisfied:
			sat += k.W
		case ClassDissatisfied:
			dis += k.W
		}
	}
	if c.dontKnow != "" {
		dk = scope.get(OptionKey(q.Code, c.dontKnow)).W
	}
	n := valid.neff()
	r.N = valid.N
	r.Low = n < LowSample
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
	return r
}

// TInterval is the 95% interval mean ± t(0.975, n-1)·s/√n, clamped to 0-100.
func TInterval(mean, sd float64, n int64) []float64 {
	if n < 2 {
		return nil
	}
	return tInterval(mean, sd, float64(n))
}

// tInterval is TInterval for a possibly fractional n (n_eff).
func tInterval(mean, sd, n float64) []float64 {
	if !(n > 1) {
		return nil
	}
	h := t975f(n-1) * sd / math.Sqrt(n)
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
		return t975CornishFisher(float64(df))
	}
	if v, ok := tQuantiles.Load(df); ok {
		return v.(float64)
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile(0.975)
	tQuantiles.Store(df, q)
	return q
}

// t975f is t975 for fractional degrees of freedom (n_eff − 1).
func t975f(df float64) float64 {
	switch {
	case df >= 1 && df == math.Trunc(df) && df < math.MaxInt64:
		return t975(int64(df))
	case df > 1000:
		return t975CornishFisher(df)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(0.975)
}

func t975CornishFisher(v float64) float64 {
	const z = 1.959963984540054
	z3, z5 := z*z*z, z*z*z*z*z
	return z + (z3+z)/(4*v) + (5*z5+16*z3+3*z)/(96*v*v)
}

// Wilson is the 95% Wilson score interval of k successes in n.
func Wilson(k, n int64) []float64 {
	if n <= 0 {
		return nil
	}
	return wilson(float64(k)/float64(n), float64(n))
}

// wilson is the 95% Wilson score interval of a share p of n (n_eff when
// weighted).
func wilson(p, n float64) []float64 {
	if !(n > 0) {
		return nil
	}
	const z = 1.96
	den := 1 + z*z/n
	center := (p + z*z/(2*n)) / den
	h := z * math.Sqrt(math.Max(p*(1-p)/n+z*z/(4*n*n), 0)) / den
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

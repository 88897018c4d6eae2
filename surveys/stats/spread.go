package stats

import (
	"math"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// The interval of an area or overall index is an interval of that
// estimator: a linear combination Σ c_j·I_j of item indexes, each
// I_j = Σw·x/Σw over the item's own valid answers (V_j). Its linearized
// variance treats the weights as fixed:
//
//	V = n/(n−1) · Σ_i u_i²,  u_i = Σ_j a_j·δ_ij·w_i·(x_ij − I_j),  a_j = c_j / W_j
//
// (δ_ij = 1 when respondent i gave item j a valid answer, W_j = Σ_{V_j} w,
// n the respondents in the figure). Expanded, Σ_i u_i² = Σ_j Σ_k a_j·a_k·C_jk
// with C_jk = Σ_{V_j∩V_k} w²·(x_j − I_j)(x_k − I_k), which the option
// counts give for j = k and the pair counters (PairKey) for j ≠ k:
// C_jk = Σw²x_jx_k − I_k·Σw²x_j − I_j·Σw²x_k + I_j·I_k·Σw². Unweighted, a
// one-item area gets the item's s/√n, and an area everyone answered in
// full gets s/√n of the respondents' area scores.
//
// Pairs of items of one area are always counted. Pairs across areas are
// counted unless the definition has more than maxCrossPairItems scored
// items (their number grows as the square of the items, per scope: a
// 100-area campaign would keep 9,900 per unit); without them, each
// cross-area C_jk is replaced by its Cauchy–Schwarz bound √(C_jj·C_kk)
// with the sign that makes V largest, so the overall interval of such a
// definition is conservative (wider, never narrower), and area intervals
// stay exact.
const maxCrossPairItems = 40

// keepsCrossPairs reports whether the counters of c keep pairs of items
// of different areas.
func keepsCrossPairs(c *questionnaire.Compiled) bool {
	n := 0
	for _, q := range c.Questions {
		if q.Kind == questionnaire.KindSatisfaction && q.Area >= 0 {
			n++
		}
	}
	return n <= maxCrossPairItems
}

// moments are an item's index and the sums its variance terms need, in
// points: W = Σw, and over its valid answers W2 = Σw², S2 = Σw²·x,
// SS2 = Σw²·x².
type moments struct {
	code        string
	area        int // the item's area in the definition
	index       float64
	w           float64
	w2, s2, ss2 float64
	ok          bool
	coef        float64 // c_j in the estimator being computed
}

// linearSE is the standard error √V of Σ coef·index over items, nil when
// n < 2 or when no item has an index; cross says whether the counters keep
// pairs of items of different areas (else their bound is used).
func linearSE(scope counters, items []moments, n int64, cross bool) *float64 {
	if n < 2 {
		return nil
	}
	var sum float64
	some := false
	for i := range items {
		j := &items[i]
		if !j.ok || j.coef == 0 || j.w <= 0 {
			continue
		}
		some = true
		aj := j.coef / j.w
		// The item with itself.
		cjj := itemC(j)
		sum += aj * aj * cjj
		for l := i + 1; l < len(items); l++ {
			k := &items[l]
			if !k.ok || k.coef == 0 || k.w <= 0 {
				continue
			}
			if _, cell := scope.(breakdownCounters); cell || (!cross && j.area != k.area) {
				sum += 2 * math.Abs(aj*(k.coef/k.w)) * math.Sqrt(cjj*itemC(k))
				continue
			}
			jk, kj := scope.get(PairKey(j.code, k.code)), scope.get(PairKey(k.code, j.code))
			if jk.W2 == 0 {
				continue
			}
			sj, sk, p := jk.Sum2/1000, kj.Sum2/1000, jk.SumSq2/1e6
			cjk := p - k.index*sj - j.index*sk + j.index*k.index*jk.W2
			sum += 2 * aj * (k.coef / k.w) * cjk
		}
	}
	if !some {
		return nil
	}
	v := float64(n) / float64(n-1) * sum
	if !(v > 0) { // rounding can leave −0 or a hair below it; NaN too
		v = 0
	}
	return ptr(math.Sqrt(v))
}

// itemC is C_jj, an item's own term: Σw²·(x − I)² over its valid answers
// (never below 0).
func itemC(j *moments) float64 {
	return math.Max(0, j.ss2-2*j.index*j.s2+j.index*j.index*j.w2)
}

// breakdownCounters are a breakdown cell's counters, which keep no item
// pairs (keepsPairs): the cell's area and overall SEs bound every pair's
// covariance, so their intervals are conservative.
type breakdownCounters struct{ unweighted }

// linearInterval is center ± t(0.975, n_eff − 1)·se, clamped to 0-100;
// nil without an SE or unless n_eff > 1.
func linearInterval(center float64, se *float64, neff float64) []float64 {
	if se == nil || !(neff > 1) {
		return nil
	}
	h := 0.0 // no spread, whatever the quantile
	if *se > 0 {
		h = t975f(neff-1) * *se
	}
	if math.IsNaN(h) {
		h = math.Inf(1) // n_eff − 1 so near 0 that t has no finite quantile
	}
	return []float64{math.Max(0, center-h), math.Min(100, center+h)}
}

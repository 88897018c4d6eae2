package stats

import (
	"math"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"
)

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

// tInterval is the 95% interval mean ± t(0.975, n−1)·s/√n, clamped to
// 0-100, for a possibly fractional n (n_eff); nil unless n > 1.
func tInterval(mean, sd, n float64) []float64 {
	if !(n > 1) || math.IsNaN(mean) || math.IsNaN(sd) {
		return nil
	}
	h := 0.0 // identical answers: no spread, whatever the quantile
	if sd > 0 {
		h = t975f(n-1) * sd / math.Sqrt(n)
	}
	if math.IsNaN(h) {
		h = math.Inf(1) // n_eff − 1 so near 0 that t has no finite quantile
	}
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

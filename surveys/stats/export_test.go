package stats

import (
	"strings"
)

// What the external tests reach that the package does not export.

// TInterval is the 95% interval mean ± t(0.975, n-1)·s/√n, clamped to 0-100.
func TInterval(mean, sd float64, n int64) []float64 {
	if n < 2 {
		return nil
	}
	return tInterval(mean, sd, float64(n))
}

// Wilson is the 95% Wilson score interval of k successes in n.
func Wilson(k, n int64) []float64 {
	if n <= 0 {
		return nil
	}
	return wilson(float64(k)/float64(n), float64(n))
}

// Dims lists the breakdown cells present for a unit, e.g. "town:t01".
func (t Tallies) Dims(unit, role string) []string {
	var out []string
	seen := map[string]bool{}
	for id := range t {
		if id.Unit == unit && strings.HasPrefix(id.Dim, role+":") && !seen[id.Dim] {
			seen[id.Dim] = true
			out = append(out, id.Dim)
		}
	}
	return out
}

// TIntervalF is tInterval for a fractional n (n_eff).
func TIntervalF(mean, sd, n float64) []float64 { return tInterval(mean, sd, n) }

// LinearInterval is linearInterval: center ± t(0.975, n_eff − 1)·se.
func LinearInterval(center, se, neff float64) []float64 { return linearInterval(center, &se, neff) }

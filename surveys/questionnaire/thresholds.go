package questionnaire

import "math"

// Default thresholds (docs/methodology.md); staff may set others per survey.
const (
	DefaultLowSample = 30  // n_eff under which a cell is greyed ("样本不足")
	DefaultRankMinN  = 100 // n_eff under which a unit is not ranked
	DefaultTrimLow   = 0.2 // raked weights are trimmed to [low, high] × their mean
	DefaultTrimHigh  = 5
)

// Thresholds are the per-survey limits of the figures; a zero field takes
// its default.
type Thresholds struct {
	LowSample float64 `json:"low_sample,omitempty"`
	RankMinN  float64 `json:"rank_min_n,omitempty"`
	TrimLow   float64 `json:"trim_low,omitempty"`
	TrimHigh  float64 `json:"trim_high,omitempty"`
}

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// LowSample is the n_eff under which a cell is greyed.
func (d *Definition) LowSample() float64 {
	if d.Thresholds == nil {
		return DefaultLowSample
	}
	return orDefault(d.Thresholds.LowSample, DefaultLowSample)
}

// RankMinN is the least n_eff of a unit's overall index for it to be ranked.
func (d *Definition) RankMinN() float64 {
	if d.Thresholds == nil {
		return DefaultRankMinN
	}
	return orDefault(d.Thresholds.RankMinN, DefaultRankMinN)
}

// TrimBounds are the bounds raked weights are trimmed to, × their mean.
func (d *Definition) TrimBounds() (low, high float64) {
	if d.Thresholds == nil {
		return DefaultTrimLow, DefaultTrimHigh
	}
	return orDefault(d.Thresholds.TrimLow, DefaultTrimLow), orDefault(d.Thresholds.TrimHigh, DefaultTrimHigh)
}

// thresholds validates the thresholds that are set.
func (c *checker) thresholds(t *Thresholds) {
	if t == nil {
		return
	}
	whole := func(path string, v, lo, hi float64) {
		if v != 0 && (v != math.Trunc(v) || v < lo || v > hi) {
			c.add(path, "须为 %g 到 %g 的整数 must be a whole number from %g to %g", lo, hi, lo, hi)
		}
	}
	whole("thresholds.low_sample", t.LowSample, 2, 100000)
	whole("thresholds.rank_min_n", t.RankMinN, 2, 1000000)
	if v := t.TrimLow; v != 0 && !(v >= 0.01 && v < 1) {
		c.add("thresholds.trim_low", "须在 0.01 到 1 之间（不含 1） must be from 0.01 to under 1")
	}
	if v := t.TrimHigh; v != 0 && !(v > 1 && v <= 100) {
		c.add("thresholds.trim_high", "须大于 1、至多 100 must be over 1 and at most 100")
	}
}

package stats_test

import (
	"errors"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// TestThresholdsFromTheDefinition: a survey's thresholds decide which cells
// are greyed, which units are ranked and the trim bounds of weighting, and
// the body states them; out-of-range values are refused by path.
func TestThresholdsFromTheDefinition(t *testing.T) {
	d := scoringDefinition()
	var rs []stats.Accepted
	for i := range 40 {
		unit := []string{"u1", "u2"}[i%2]
		rs = append(rs, response(unit, false, "q1", []string{"5", "3"}[i%4/2], "q2", "4", "q3", "4"))
	}
	got := stats.Score(mustCompile(t, d), countAll(mustCompile(t, d), rs), "", false)
	if got.Overall.Low || got.Units[0].Rank != nil || got.Limits != (stats.Limits{LowSample: 30, RankMinN: 100}) {
		t.Fatalf("defaults: low %v, u1 rank %v, limits %+v; want 40 ≥ 30 not low, 20 < 100 unranked", got.Overall.Low, got.Units[0].Rank, got.Limits)
	}
	d.Thresholds = &questionnaire.Thresholds{LowSample: 50, RankMinN: 20, TrimLow: 0.5, TrimHigh: 2}
	c := mustCompile(t, d)
	got = stats.Score(c, countAll(c, rs), "", false)
	if !got.Overall.Low || !got.Areas[0].Low || got.Units[0].Rank == nil || got.Units[0].RankRange == nil || got.Limits != (stats.Limits{LowSample: 50, RankMinN: 20}) {
		t.Errorf("thresholds 50 and 20: low %v, u1 rank %v, limits %+v; want 40 < 50 low, 20 ≥ 20 ranked", got.Overall.Low, got.Units[0].Rank, got.Limits)
	}
	// Weighting reports the survey's trim bounds.
	w, err := stats.ScoreWeighted(c, countJoint(c, rs), stats.Margins{"town": {"t1": 1, "t2": 1}}, false)
	if err != nil || w.Weighting == nil || w.Weighting.Bounds != [2]float64{0.5, 2} {
		t.Errorf("weighted bounds %+v, %v; want [0.5, 2]", w.Weighting, err)
	}

	for _, tt := range []struct {
		th   questionnaire.Thresholds
		path string
	}{
		{questionnaire.Thresholds{LowSample: 1}, "thresholds.low_sample"},
		{questionnaire.Thresholds{LowSample: 30.5}, "thresholds.low_sample"},
		{questionnaire.Thresholds{RankMinN: -5}, "thresholds.rank_min_n"},
		{questionnaire.Thresholds{TrimLow: 1}, "thresholds.trim_low"},
		{questionnaire.Thresholds{TrimHigh: 0.9}, "thresholds.trim_high"},
		{questionnaire.Thresholds{TrimHigh: 1000}, "thresholds.trim_high"},
	} {
		d := scoringDefinition()
		d.Thresholds = &tt.th
		var defErr *questionnaire.DefinitionError
		if err := d.Validate(); !errors.As(err, &defErr) || len(defErr.Problems) != 1 || defErr.Problems[0].Path != tt.path {
			t.Errorf("thresholds %+v: %v, want one problem at %s", tt.th, err, tt.path)
		}
	}
}

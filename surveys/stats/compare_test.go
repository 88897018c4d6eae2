package stats_test

import (
	"encoding/json"
	"testing"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// area is an area result with an index and standard error (nil for none).
func area(code, name string, index, se *float64) stats.AreaResult {
	return stats.AreaResult{Code: code, Name: name, ItemResult: stats.ItemResult{Index: index, SE: se}}
}

func TestCompare(t *testing.T) {
	cur := &stats.Results{
		Survey: "social-2023", Title: "2023年社会评价", Year: 2023,
		Overall: stats.Summary{Index: num(80.5), SE: num(1.2)},
		Areas: []stats.AreaResult{
			area("a1", "环境保护", num(70), num(0.3)),
			area("b2", "平安建设", num(90), num(0.5)),  // renamed code: matched by name
			area("a3", "新领域", num(60), num(1)),     // no match
			area("a4", "营商环境", nil, nil),           // no data this year
			area("a5", "民生事业", num(73.33), num(2)), // no SE last year
			area("c1", "乡村振兴", num(50), num(1)),    // code beats name
		},
	}
	prev := &stats.Results{
		Survey: "social-2022", Title: "2022年社会评价", Year: 2022,
		Overall: stats.Summary{Index: num(78.25), SE: num(1.6)},
		Areas: []stats.AreaResult{
			area("a1", "环境保护", num(68.5), num(0.4)),
			area("a2", "平安建设", num(88), num(1.2)),
			area("a4", "营商环境", num(77), num(0.8)),
			area("a5", "民生事业", num(70.11), nil),
			area("c9", "乡村振兴", num(10), num(1)),
			area("c1", "基础设施建设", num(45.5), num(2.4)),
		},
	}
	want := &stats.Comparison{
		Survey: "social-2022", Title: "2022年社会评价", Year: 2022,
		// Δ = 80.5 − 78.25 = 2.25; SE_Δ = √(1.2² + 1.6²) = √(1.44 + 2.56) = 2
		Overall: stats.ComparedFigure{Index: num(78.25), SE: num(1.6), Delta: num(2.25), DeltaSE: num(2)},
		Areas: []stats.ComparedArea{
			// Δ = 70 − 68.5 = 1.5; SE_Δ = √(0.09 + 0.16) = 0.5
			{Code: "a1", Name: "环境保护", ComparedFigure: stats.ComparedFigure{
				Index: num(68.5), SE: num(0.4), Delta: num(1.5), DeltaSE: num(0.5)}},
			// Δ = 90 − 88 = 2; SE_Δ = √(0.25 + 1.44) = 1.3
			{Code: "b2", Name: "平安建设", ComparedFigure: stats.ComparedFigure{
				Index: num(88), SE: num(1.2), Delta: num(2), DeltaSE: num(1.3)}},
			{Code: "a3", Name: "新领域"},
			// Last year's figures, no change.
			{Code: "a4", Name: "营商环境", ComparedFigure: stats.ComparedFigure{Index: num(77), SE: num(0.8)}},
			// Δ = 73.33 − 70.11 = 3.22 (not 3.2199999…); no SE_Δ.
			{Code: "a5", Name: "民生事业", ComparedFigure: stats.ComparedFigure{Index: num(70.11), Delta: num(3.22)}},
			// Δ = 50 − 45.5 = 4.5; SE_Δ = √(1 + 5.76) = 2.6
			{Code: "c1", Name: "乡村振兴", ComparedFigure: stats.ComparedFigure{
				Index: num(45.5), SE: num(2.4), Delta: num(4.5), DeltaSE: num(2.6)}},
		},
	}
	assertEqualJSON(t, "comparison", stats.Compare(cur, prev), want)

	t.Run("no previous results", func(t *testing.T) {
		if got := stats.Compare(cur, nil); got != nil {
			t.Errorf("Compare(cur, nil) = %s, want nil", toJSON(got))
		}
	})
	t.Run("previous year without data", func(t *testing.T) {
		got := stats.Compare(cur, &stats.Results{Survey: "x", Areas: []stats.AreaResult{area("a1", "环境保护", nil, nil)}})
		assertEqualJSON(t, "overall", got.Overall, stats.ComparedFigure{})
		assertEqualJSON(t, "a1", got.Areas[0], stats.ComparedArea{Code: "a1", Name: "环境保护"})
		if len(got.Areas) != len(cur.Areas) {
			t.Errorf("%d areas, want one per area of this year (%d)", len(got.Areas), len(cur.Areas))
		}
	})
	t.Run("shares nothing with the previous results", func(t *testing.T) {
		got := stats.Compare(cur, prev)
		*got.Overall.Index = 0
		if *prev.Overall.Index != 78.25 {
			t.Errorf("changing the comparison changed the previous results")
		}
	})
	t.Run("areas are an empty list, not null", func(t *testing.T) {
		if got := toJSON(stats.Compare(&stats.Results{}, &stats.Results{}).Areas); got != "[]" {
			t.Errorf("areas = %s, want []", got)
		}
	})
}

// TestCompareScored compares two scored surveys: the previous year is the
// hand responses (overall 73.33, SE 3.668), this year everyone answers 5
// (index 100, SE 0: no spread).
func TestCompareScored(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	prev := stats.Score(c, countAll(c, handResponses()), "", false)
	cur := stats.Score(c, countAll(c, []stats.Accepted{
		response("", false, "q1", "5", "q2", "5", "q3", "5"),
		response("", false, "q1", "5", "q2", "5", "q3", "5"),
	}), "", false)
	got := stats.Compare(&cur, &prev)
	// Δ = 100 − 73.33 = 26.67; SE_Δ = √(0² + 3.668²) = 3.668
	assertEqualJSON(t, "overall", got.Overall, stats.ComparedFigure{Index: num(73.33), SE: num(3.668), Delta: num(26.67), DeltaSE: num(3.668)})
	// a2: 100 − 80 = 20, SE_Δ = 8.165
	assertEqualJSON(t, "a2", got.Areas[1], stats.ComparedArea{Code: "a2", Name: "平安建设",
		ComparedFigure: stats.ComparedFigure{Index: num(80), SE: num(8.165), Delta: num(20), DeltaSE: num(8.165)}})
	if got.Survey != "test-2024" || got.Year != 2024 {
		t.Errorf("survey %q year %d, want test-2024 2024", got.Survey, got.Year)
	}
}

// TestCompareUsesUnroundedFigures: a2 is 66.6667 this year (shown 66.67)
// and 33.3333 last year (shown 33.33): Δ is 33.33, not the 33.34 of the
// rounded figures; and SE_Δ comes from the unrounded SEs the same way.
func TestCompareUsesUnroundedFigures(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	score := func(levels ...string) stats.Results {
		var rs []stats.Accepted
		for _, l := range levels {
			rs = append(rs, response("", false, "q1", "dk", "q2", "dk", "q3", l))
		}
		return stats.Score(c, countAll(c, rs), "", false)
	}
	cur, prev := score("5", "5", "1"), score("5", "1", "1")
	if *cur.Areas[1].Index != 66.67 || *prev.Areas[1].Index != 33.33 {
		t.Fatalf("a2 %v and %v, want 66.67 and 33.33", *cur.Areas[1].Index, *prev.Areas[1].Index)
	}
	got := stats.Compare(&cur, &prev).Areas[1]
	// SE of both = s/√3 with s = 57.735: 33.333; SE_Δ = √2 × 33.3333 = 47.140
	// (the rounded SEs 33.333 would give 47.140 too; the index shows the rounding).
	if got.Delta == nil || *got.Delta != 33.33 || got.DeltaSE == nil || *got.DeltaSE != 47.14 {
		t.Errorf("a2 comparison %s, want Δ 33.33 (from 66.6667 − 33.3333) and SE_Δ 47.14", toJSON(got))
	}
	// A body decoded from JSON has only the rounded figures.
	var decoded stats.Results
	if err := json.Unmarshal([]byte(toJSON(prev)), &decoded); err != nil {
		t.Fatal(err)
	}
	if d := stats.Compare(&cur, &decoded).Areas[1].Delta; d == nil || *d != 33.34 {
		t.Errorf("against a decoded body: Δ %v, want 33.34 (66.6667 − 33.33)", toJSON(d))
	}
}

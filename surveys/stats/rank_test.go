package stats_test

import (
	"testing"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// unit is a unit whose overall index is idx with interval [lo, hi] on n respondents.
func unit(code string, idx, lo, hi float64, n int64) stats.UnitResults {
	return stats.UnitResults{Code: code, Overall: stats.Summary{Index: num(idx), N: n, CI95: []float64{lo, hi}}}
}

func TestRankUnits(t *testing.T) {
	type want struct {
		rank int // 0: unranked
		tied bool
	}
	tests := []struct {
		name  string
		units []stats.UnitResults
		want  []want
	}{
		// A and B overlap: nobody's lower bound is above 87 or 86 → both 1.
		// C: A (83) and B (82) have lower bounds above 80 → 1 + 2 = 3.
		{"overlap shares a rank", []stats.UnitResults{
			unit("A", 85, 83, 87, 400), unit("B", 84, 82, 86, 400), unit("C", 78, 76, 80, 400),
		}, []want{{1, true}, {1, true}, {3, false}}},
		// Listed order is kept; ranks do not depend on it.
		{"order kept", []stats.UnitResults{
			unit("C", 78, 76, 80, 400), unit("A", 85, 83, 87, 400), unit("B", 84, 82, 86, 400),
		}, []want{{3, false}, {1, true}, {1, true}}},
		// A [80,90] B [75,85] C [70,80]: no lower bound is above 90 or 85, and for C
		// A's 80 is not strictly above C's 80 → all 1, tied.
		{"touching bounds overlap", []stats.UnitResults{
			unit("A", 85, 80, 90, 200), unit("B", 80, 75, 85, 200), unit("C", 75, 70, 80, 200),
		}, []want{{1, true}, {1, true}, {1, true}}},
		// Strictly separated: 1, 2, 3, no ties.
		{"separated", []stats.UnitResults{
			unit("A", 90, 88, 92, 500), unit("B", 80, 78, 82, 500), unit("C", 70, 68, 72, 500),
		}, []want{{1, false}, {2, false}, {3, false}}},
		// B has n = 99 < 100: unranked, and it does not push C down.
		// C: only A's 83 is above 80 → 2.
		{"small unit unranked", []stats.UnitResults{
			unit("A", 85, 83, 87, 100), unit("B", 95, 93, 97, 99), unit("C", 78, 76, 80, 100),
		}, []want{{1, false}, {0, false}, {2, false}}},
		{"all identical", []stats.UnitResults{
			unit("A", 80, 78, 82, 300), unit("B", 80, 78, 82, 300), unit("C", 80, 78, 82, 300),
		}, []want{{1, true}, {1, true}, {1, true}}},
		{"single unit", []stats.UnitResults{unit("A", 80, 78, 82, 300)}, []want{{1, false}}},
		{"no index", []stats.UnitResults{
			{Code: "A", Overall: stats.Summary{N: 0}}, unit("B", 80, 78, 82, 300),
		}, []want{{0, false}, {1, false}}},
		// Weighted: n_eff 99.6 < 100 is unranked though n = 150; n_eff 100 is ranked.
		{"n_eff decides when weighted", []stats.UnitResults{
			{Code: "A", Overall: stats.Summary{Index: num(85), N: 150, NEff: num(99.6), CI95: []float64{83, 87}}},
			{Code: "B", Overall: stats.Summary{Index: num(70), N: 150, NEff: num(100), CI95: []float64{68, 72}}},
		}, []want{{0, false}, {1, false}}},
		// Two ties at different ranks: A, B overlap at 1; C, D overlap below both at 3.
		{"two groups", []stats.UnitResults{
			unit("A", 90, 88, 92, 500), unit("B", 89, 87, 91, 500), unit("C", 70, 68, 72, 500), unit("D", 71, 69, 73, 500),
		}, []want{{1, true}, {1, true}, {3, true}, {3, true}}},
		{"no units", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stats.RankUnits(tt.units)
			for i, u := range tt.units {
				got := want{tied: u.Tied}
				if u.Rank != nil {
					got.rank = *u.Rank
				}
				if got != tt.want[i] {
					t.Errorf("%s: rank %d tied %v, want %d %v", u.Code, got.rank, got.tied, tt.want[i].rank, tt.want[i].tied)
				}
			}
		})
	}
}

// TestScoreRanksUnits: ScoreWith ranks the units it scores.
func TestScoreRanksUnits(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	var rs []stats.Accepted
	// u1: 100 answers of 5 on every item → index 100, interval [100, 100];
	// u2: 100 alternating 5 and 4 → index 90. u1 ranks 1, u2 2.
	for i := range 100 {
		rs = append(rs, response("u1", false, "q1", "5", "q2", "5", "q3", "5"))
		level := "5"
		if i%2 == 1 {
			level = "4"
		}
		rs = append(rs, response("u2", false, "q1", level, "q2", level, "q3", level))
	}
	got := stats.Score(c, countAll(c, rs), "", false)
	if len(got.Units) != 2 || got.Units[0].Rank == nil || got.Units[1].Rank == nil {
		t.Fatalf("units = %s, want two ranked units", toJSON(got.Units))
	}
	if *got.Units[0].Rank != 1 || *got.Units[1].Rank != 2 || got.Units[0].Tied || got.Units[1].Tied {
		t.Errorf("units = %s, want u1 rank 1, u2 rank 2, no ties", toJSON(got.Units))
	}
	// One respondent fewer in u2: n = 99, unranked.
	got = stats.Score(c, countAll(c, rs[:len(rs)-1]), "", false)
	if got.Units[1].Rank != nil || *got.Units[0].Rank != 1 {
		t.Errorf("units = %s, want u2 unranked with n 99", toJSON(got.Units))
	}
}

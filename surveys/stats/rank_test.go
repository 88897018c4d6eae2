package stats_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// unit is a unit whose overall index is idx with standard error se on n
// respondents (its interval idx ± 1.96·se).
func unit(code string, idx, se float64, n int64) stats.UnitResults {
	return stats.UnitResults{Code: code, Overall: stats.Summary{Index: num(idx), N: n, SE: num(se),
		CI95: []float64{idx - 1.96*se, idx + 1.96*se}}}
}

func TestRankUnits(t *testing.T) {
	type want struct {
		rank       int // 0: unranked
		tied       bool
		best, wrst int
	}
	tests := []struct {
		name  string
		units []stats.UnitResults
		want  []want
	}{
		// The case that inverted under the old rule (1 + #intervals wholly
		// above): Z 75.00 [74.62, 75.38], Y 67.00 [57.62, 76.38] on 100,
		// X 70.00 [69.56, 70.44]. By index Z, X, Y. X differs from Z
		// (5 > 1.96·√(0.194² + 0.224²) = 0.58): a new group at 2. Y does not
		// differ from X (3 < 1.96·√(0.224² + 4.786²) = 9.39): it joins at 2.
		// Ranges: Z is above X only → [1, 2]; X is below Z → [2, 3]; Y
		// differs from nobody (8 < 1.96·√(0.194² + 4.786²) = 9.39) → [1, 3].
		{"Z Y X never inverts", []stats.UnitResults{
			unit("Z", 75, 0.38/1.96, 400), unit("Y", 67, 9.38/1.96, 100), unit("X", 70, 0.44/1.96, 400),
		}, []want{{1, false, 1, 2}, {2, true, 1, 3}, {2, true, 2, 3}}},
		// A and B do not differ (1 < 1.96·√2 = 2.77): both 1; C differs from
		// both: 3 = 1 + the two listed before it.
		{"close units share a rank", []stats.UnitResults{
			unit("A", 85, 1, 400), unit("B", 84, 1, 400), unit("C", 78, 1, 400),
		}, []want{{1, true, 1, 2}, {1, true, 1, 2}, {3, false, 3, 3}}},
		// Listed order is kept; ranks do not depend on it.
		{"order kept", []stats.UnitResults{
			unit("C", 78, 1, 400), unit("A", 85, 1, 400), unit("B", 84, 1, 400),
		}, []want{{3, false, 3, 3}, {1, true, 1, 2}, {1, true, 1, 2}}},
		// A chain: B is close to A and C to B, but C differs from A, a
		// member of the group, so C starts a group of its own. Overlap is
		// not transitive.
		{"chain breaks at the first member", []stats.UnitResults{
			unit("A", 85, 1.5, 200), unit("B", 82, 1.5, 200), unit("C", 79, 1.5, 200),
		}, []want{{1, true, 1, 2}, {1, true, 1, 3}, {3, false, 2, 3}}},
		// C does not differ from A, the group's first member (3 < 1.96·√(5² +
		// 0.1²)), so it joins A's group, though it differs from B (1 >
		// 1.96·√(0.1² + 0.1²) = 0.28): the rule looks at the first member
		// only, and C's range [2, 3] says it is below B for sure.
		{"the first member decides", []stats.UnitResults{
			unit("A", 85, 5, 200), unit("B", 83, 0.1, 5000), unit("C", 82, 0.1, 5000),
		}, []want{{1, true, 1, 3}, {1, true, 1, 2}, {1, true, 2, 3}}},
		{"separated", []stats.UnitResults{
			unit("A", 90, 1, 500), unit("B", 80, 1, 500), unit("C", 70, 1, 500),
		}, []want{{1, false, 1, 1}, {2, false, 2, 2}, {3, false, 3, 3}}},
		// B has n = 99 < 100: unranked, and it does not push C down.
		{"small unit unranked", []stats.UnitResults{
			unit("A", 85, 1, 100), unit("B", 95, 1, 99), unit("C", 78, 1, 100),
		}, []want{{1, false, 1, 1}, {0, false, 0, 0}, {2, false, 2, 2}}},
		{"all identical", []stats.UnitResults{
			unit("A", 80, 1, 300), unit("B", 80, 1, 300), unit("C", 80, 1, 300),
		}, []want{{1, true, 1, 3}, {1, true, 1, 3}, {1, true, 1, 3}}},
		{"single unit", []stats.UnitResults{unit("A", 80, 1, 300)}, []want{{1, false, 1, 1}}},
		{"no index", []stats.UnitResults{
			{Code: "A", Overall: stats.Summary{N: 0}}, unit("B", 80, 1, 300),
		}, []want{{0, false, 0, 0}, {1, false, 1, 1}}},
		// Weighted: n_eff 99.6 < 100 is unranked though n = 150; n_eff 100 is ranked.
		{"n_eff decides when weighted", []stats.UnitResults{
			{Code: "A", Overall: stats.Summary{Index: num(85), N: 150, NEff: num(99.6), SE: num(1), CI95: []float64{83, 87}}},
			{Code: "B", Overall: stats.Summary{Index: num(70), N: 150, NEff: num(100), SE: num(1), CI95: []float64{68, 72}}},
		}, []want{{0, false, 0, 0}, {1, false, 1, 1}}},
		{"two groups", []stats.UnitResults{
			unit("A", 90, 1, 500), unit("B", 89, 1, 500), unit("C", 70, 1, 500), unit("D", 71, 1, 500),
		}, []want{{1, true, 1, 2}, {1, true, 1, 2}, {3, true, 3, 4}, {3, true, 3, 4}}},
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
				if u.RankRange != nil {
					got.best, got.wrst = u.RankRange[0], u.RankRange[1]
				}
				if got != tt.want[i] {
					t.Errorf("%s: rank %d tied %v range [%d, %d], want %d %v [%d, %d]", u.Code,
						got.rank, got.tied, got.best, got.wrst, tt.want[i].rank, tt.want[i].tied, tt.want[i].best, tt.want[i].wrst)
				}
			}
		})
	}
}

// TestRankNeverInverts: over random sets of units, a unit never ranks
// better than a unit with a higher index, never worse than the worst of its
// range, and shares its rank with its group's first member (the unit of
// that rank with the highest index), from which it does not differ; a unit
// that differs from the first member of the group above starts a group.
func TestRankNeverInverts(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := range 5000 {
		k := 1 + rng.IntN(12)
		units := make([]stats.UnitResults, k)
		for i := range units {
			idx := math.Round((60+rng.Float64()*30)*100) / 100
			se := math.Round(rng.Float64()*rng.Float64()*6*1000) / 1000
			units[i] = unit(fmt.Sprint(i), idx, se, int64(100+rng.IntN(900)))
		}
		stats.RankUnits(units)
		heads := map[int]stats.UnitResults{} // rank → the member listed first (highest index, then order)
		for _, u := range units {
			if h, ok := heads[*u.Rank]; !ok || *u.Overall.Index > *h.Overall.Index {
				heads[*u.Rank] = u
			}
		}
		for i, a := range units {
			lo, hi := a.RankRange[0], a.RankRange[1]
			if *a.Rank > hi || lo < 1 || hi > k || lo > hi {
				t.Fatalf("trial %d: %s rank %d, range %v of %d", trial, a.Code, *a.Rank, a.RankRange, k)
			}
			head := heads[*a.Rank]
			if math.Abs(*a.Overall.Index-*head.Overall.Index) > 1.96*math.Hypot(*a.Overall.SE, *head.Overall.SE) {
				t.Fatalf("trial %d: %s shares rank %d with its group's first member %s but differs from it", trial, a.Code, *a.Rank, head.Code)
			}
			for j, b := range units {
				if i != j && *a.Overall.Index < *b.Overall.Index && *a.Rank < *b.Rank {
					t.Fatalf("trial %d: %s (%.2f) ranks %d, better than %s (%.2f) at %d",
						trial, a.Code, *a.Overall.Index, *a.Rank, b.Code, *b.Overall.Index, *b.Rank)
				}
			}
		}
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

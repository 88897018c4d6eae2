package stats

import (
	"cmp"
	"math"
	"slices"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// MinRankN is the default least n of a unit's overall index (n_eff when
// weighted) for the unit to be ranked; a survey may set another
// (questionnaire.Thresholds).
const MinRankN = questionnaire.DefaultRankMinN

// rankZ is the two-sided 95% normal quantile of the difference test.
const rankZ = 1.96

// RankUnits sets Rank, Tied and RankRange on each unit from its overall
// index and standard error. A unit whose overall index or SE is missing or
// rests on fewer than MinRankN respondents (n_eff when weighted) is
// unranked: Rank and RankRange nil.
//
// Two ranked units differ significantly when |I_i − I_j| >
// 1.96·√(SE_i² + SE_j²). The ranked units are listed by index, highest
// first (equal indexes in the definition's order), and form equal-rank
// groups in that order: a unit joins the current group unless it differs
// significantly from the group's first member (METHODOLOGY's rule), and a
// new group takes rank 1 + the number of units listed before it. So a unit
// never ranks better than a unit with a higher index, nor worse than the
// worst of its range. Tied is set when the group has another member.
// RankRange is [1 + #units significantly above, K − #units significantly
// below] among the K ranked units; a group's later members may differ from
// each other (overlap is not transitive), and a unit's rank may then be
// better than the best of its range: the range is the honest statement of
// where it could stand. The units keep their order.
func RankUnits(units []UnitResults) { RankUnitsMin(units, MinRankN) }

// RankUnitsMin is RankUnits with minN in place of MinRankN.
func RankUnitsMin(units []UnitResults, minN float64) {
	ranked := make([]int, 0, len(units))
	for i := range units {
		u := &units[i]
		u.Rank, u.Tied, u.RankRange = nil, false, nil
		if rankable(u.Overall, minN) {
			ranked = append(ranked, i)
		}
	}
	slices.SortStableFunc(ranked, func(a, b int) int {
		return cmp.Compare(*units[b].Overall.Index, *units[a].Overall.Index)
	})
	size := map[int]int{} // rank → members
	head := -1            // the current group's first member
	for pos, i := range ranked {
		rank := pos + 1
		if head >= 0 && !differ(units[head].Overall, units[i].Overall) {
			rank = *units[head].Rank
		} else {
			head = i
		}
		units[i].Rank = &rank
		size[rank]++
	}
	k := len(ranked)
	for _, i := range ranked {
		u := &units[i]
		u.Tied = size[*u.Rank] > 1
		above, below := 0, 0
		for _, j := range ranked {
			if j == i || !differ(u.Overall, units[j].Overall) {
				continue
			}
			if *units[j].Overall.Index > *u.Overall.Index {
				above++
			} else {
				below++
			}
		}
		u.RankRange = []int{1 + above, k - below}
	}
}

// differ is the difference test of two overall indexes.
func differ(a, b Summary) bool {
	return math.Abs(*a.Index-*b.Index) > rankZ*math.Hypot(*a.SE, *b.SE)
}

// rankable reports whether an overall index may be ranked.
func rankable(s Summary, minN float64) bool {
	n := float64(s.N)
	if s.NEff != nil {
		n = *s.NEff
	}
	return s.Index != nil && s.SE != nil && !math.IsNaN(*s.SE) && n >= minN
}

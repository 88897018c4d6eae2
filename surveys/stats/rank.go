package stats

import (
	"cmp"
	"math"
	"slices"
)

// MinRankN is the least n of a unit's overall index (n_eff when weighted)
// for the unit to be ranked.
const MinRankN = 100

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
// significantly from a member of it (the first member, or one with a
// smaller SE), and a new group takes rank 1 + the number of units listed
// before it. So a unit never ranks better than a unit with a higher index,
// and its rank lies in its range. Tied is set when the group has another
// member. RankRange is [1 + #units significantly above, K − #units
// significantly below] among the K ranked units. The units keep their
// order.
func RankUnits(units []UnitResults) {
	ranked := make([]int, 0, len(units))
	for i := range units {
		u := &units[i]
		u.Rank, u.Tied, u.RankRange = nil, false, nil
		if rankable(u.Overall) {
			ranked = append(ranked, i)
		}
	}
	slices.SortStableFunc(ranked, func(a, b int) int {
		return cmp.Compare(*units[b].Overall.Index, *units[a].Overall.Index)
	})
	size := map[int]int{} // rank → members
	var group []int       // the current group's members
	for pos, i := range ranked {
		rank := pos + 1
		if len(group) > 0 && !slices.ContainsFunc(group, func(j int) bool { return differ(units[j].Overall, units[i].Overall) }) {
			rank = *units[group[0]].Rank
		} else {
			group = group[:0]
		}
		group = append(group, i)
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
func rankable(s Summary) bool {
	n := float64(s.N)
	if s.NEff != nil {
		n = *s.NEff
	}
	return s.Index != nil && s.SE != nil && !math.IsNaN(*s.SE) && n >= MinRankN
}

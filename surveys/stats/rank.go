package stats

// MinRankN is the least n of a unit's overall index (n_eff when weighted)
// for the unit to be ranked.
const MinRankN = 100

// RankUnits sets Rank and Tied on each unit from its overall index. A unit
// whose overall index is missing or rests on fewer than MinRankN
// respondents (n_eff when weighted) is unranked: Rank nil. Among ranked
// units, a unit's rank is 1 + the number of ranked units whose 95% interval
// lies wholly above its own (lower bound strictly above its upper bound), so
// units whose intervals overlap share a rank; Tied is set when another
// ranked unit has the same rank. The units keep their order.
func RankUnits(units []UnitResults) {
	ranked := make([]int, 0, len(units))
	for i := range units {
		u := &units[i]
		u.Rank, u.Tied = nil, false
		if rankable(u.Overall) {
			ranked = append(ranked, i)
		}
	}
	count := map[int]int{}
	for _, i := range ranked {
		hi := units[i].Overall.CI95[1]
		rank := 1
		for _, j := range ranked {
			if units[j].Overall.CI95[0] > hi {
				rank++
			}
		}
		units[i].Rank = &rank
		count[rank]++
	}
	for _, i := range ranked {
		units[i].Tied = count[*units[i].Rank] > 1
	}
}

// rankable reports whether an overall index may be ranked.
func rankable(s Summary) bool {
	n := float64(s.N)
	if s.NEff != nil {
		n = *s.NEff
	}
	return s.Index != nil && len(s.CI95) == 2 && n >= MinRankN
}

package report

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// withheld lists the withheld cells of s.
func withheld(s Suppression) []int {
	var out []int
	for i := range s {
		if s.Suppressed(i) {
			out = append(out, i)
		}
	}
	return out
}

func TestSuppressCases(t *testing.T) {
	tests := []struct {
		name   string
		counts []int
		rels   []Relation
		want   []int
	}{
		{"nothing small", []int{60, 25, 35}, []Relation{{0, []int{1, 2}}}, nil},
		{"two groups and the total: both go", []int{35, 5, 30}, []Relation{{0, []int{1, 2}}}, []int{1, 2}},
		{"the next-smallest group goes too", []int{100, 3, 40, 57}, []Relation{{0, []int{1, 2, 3}}}, []int{1, 2}},
		{"two small groups adding to under k: a third goes", []int{103, 3, 4, 40, 56}, []Relation{{0, []int{1, 2, 3, 4}}}, []int{1, 2, 3}},
		{"two small groups adding to k or more suffice", []int{110, 6, 5, 40, 59}, []Relation{{0, []int{1, 2, 3, 4}}}, []int{1, 2}},
		{"an empty group is no cover", []int{50, 4, 0, 46}, []Relation{{0, []int{1, 2, 3}}}, []int{1, 3}},
		{"a small total goes with its groups", []int{8, 5, 3}, []Relation{{0, []int{1, 2}}}, []int{0, 1, 2}},
		{"nested: two small groups of a town protect each other", []int{100, 12, 88, 4, 8, 40, 48},
			[]Relation{{0, []int{1, 2}}, {1, []int{3, 4}}, {2, []int{5, 6}}}, []int{3, 4}},
		{"nested: a withheld town needs a partner town", []int{100, 9, 91, 4, 5, 40, 51},
			[]Relation{{0, []int{1, 2}}, {1, []int{3, 4}}, {2, []int{5, 6}}}, []int{1, 2, 3, 4, 5}},
		{"ties take the lowest index", []int{73, 3, 35, 35}, []Relation{{0, []int{1, 2, 3}}}, []int{1, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Suppress(tc.counts, tc.rels, 10)
			if err != nil {
				t.Fatal(err)
			}
			if got := withheld(s); !slices.Equal(got, tc.want) {
				t.Fatalf("withheld %v, want %v (%v)", got, tc.want, s)
			}
			checkProtected(t, tc.counts, tc.rels, 10, s)
		})
	}
}

// TestSuppressGridNeedsAFourth: in a two-way table with margins one small
// cell needs three partners forming a rectangle; an L of three is still
// solvable from the row and column totals.
func TestSuppressGridNeedsAFourth(t *testing.T) {
	counts, rels, err := Grid([][]int{
		{3, 20, 30},
		{25, 22, 40},
		{30, 35, 50},
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Suppress(counts, rels, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 1, 3, 4} // (0,0) small; (0,1) row; (1,0) column; (1,1) closes the rectangle
	if got := withheld(s); !slices.Equal(got, want) {
		t.Fatalf("withheld %v, want %v", got, want)
	}
	checkProtected(t, counts, rels, 10, s)
}

func TestSuppressRefusesBadInput(t *testing.T) {
	tests := []struct {
		name   string
		counts []int
		rels   []Relation
	}{
		{"parts do not add up", []int{50, 20, 20}, []Relation{{0, []int{1, 2}}}},
		{"negative count", []int{-1}, nil},
		{"part out of range", []int{5, 5}, []Relation{{0, []int{3}}}},
		{"total as its own part", []int{5, 5}, []Relation{{0, []int{0}}}},
		{"no parts", []int{5}, []Relation{{0, nil}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Suppress(tc.counts, tc.rels, 10); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestSuppressRandomTablesNothingRecoverable draws thousands of random
// tables (breakdowns, nested breakdowns, two-way tables with margins, with
// many small and empty cells) and checks every decision with code separate
// from Suppress's: no published cell is small, every relation leaves no
// lone or small-aggregate withheld part, an exhaustive search of the
// subtractions a reader can make (every combination of the relations with
// coefficients −1, 0, 1) never isolates a withheld cell, and neither does
// any linear combination at all (rank over GF(p)).
func TestSuppressRandomTablesNothingRecoverable(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 2026))
	count := func() int {
		switch rng.IntN(4) {
		case 0:
			return rng.IntN(10) // small or empty
		case 1:
			return 10 + rng.IntN(5)
		default:
			return rng.IntN(60)
		}
	}
	shapes := map[string]int{}
	for trial := range 3000 {
		var counts []int
		var rels []Relation
		var shape string
		switch trial % 3 {
		case 0: // one breakdown
			shape = "breakdown"
			g := 2 + rng.IntN(6)
			counts = []int{0}
			parts := []int{}
			for range g {
				n := count()
				counts[0] += n
				parts = append(parts, len(counts))
				counts = append(counts, n)
			}
			rels = []Relation{{0, parts}}
		case 1: // two levels: towns, and groups within each town
			shape = "nested"
			counts = []int{0}
			var towns []int
			for range 2 + rng.IntN(3) {
				town := len(counts)
				counts = append(counts, 0)
				towns = append(towns, town)
				var parts []int
				for range 2 + rng.IntN(3) {
					n := count()
					counts[town] += n
					parts = append(parts, len(counts))
					counts = append(counts, n)
				}
				counts[0] += counts[town]
				rels = append(rels, Relation{town, parts})
			}
			rels = append(rels, Relation{0, towns})
		default: // area × group style two-way table with margins
			shape = "grid"
			body := make([][]int, 2+rng.IntN(3))
			cols := 2 + rng.IntN(3)
			for r := range body {
				body[r] = make([]int, cols)
				for c := range body[r] {
					body[r][c] = count()
				}
			}
			var err error
			if counts, rels, err = Grid(body); err != nil {
				t.Fatal(err)
			}
		}
		s, err := Suppress(counts, rels, 10)
		if err != nil {
			t.Fatalf("trial %d (%s) %v: %v", trial, shape, counts, err)
		}
		if len(withheld(s)) > 0 {
			shapes[shape]++
		}
		if t.Failed() {
			return
		}
		checkProtected(t, counts, rels, 10, s)
		if t.Failed() {
			t.Fatalf("trial %d (%s): counts %v, relations %v, decision %v", trial, shape, counts, rels, s)
		}
	}
	t.Logf("tables with withheld cells: %v", shapes)
	for _, shape := range []string{"breakdown", "nested", "grid"} {
		if shapes[shape] < 200 {
			t.Errorf("only %d %s tables had withheld cells: the test tests too little", shapes[shape], shape)
		}
	}
}

// checkProtected checks a decision independently of Suppress.
func checkProtected(t *testing.T, counts []int, rels []Relation, k int, s Suppression) {
	t.Helper()
	for i, n := range counts {
		if n > 0 && n < k && !s.Suppressed(i) {
			t.Errorf("cell %d (n=%d) published", i, n)
		}
	}
	for ri, r := range rels {
		if s.Suppressed(r.Total) {
			continue
		}
		lone, sum := 0, 0
		for _, p := range r.Parts {
			if s.Suppressed(p) {
				lone++
				sum += counts[p]
			}
		}
		if lone == 1 || lone > 1 && sum < k {
			t.Errorf("relation %d: %d withheld parts counting %d behind a published total", ri, lone, sum)
		}
	}
	hidden := withheld(s)
	if len(hidden) == 0 {
		return
	}
	pos := map[int]int{}
	for j, c := range hidden {
		pos[c] = j
	}
	// The relations as equations in the withheld cells.
	var rows [][]int64
	for _, r := range rels {
		row := make([]int64, len(hidden))
		if j, ok := pos[r.Total]; ok {
			row[j]++
		}
		for _, p := range r.Parts {
			if j, ok := pos[p]; ok {
				row[j]--
			}
		}
		rows = append(rows, row)
	}
	// Exhaustive: every ±1/0 combination of the relations.
	if len(rows) <= 10 {
		coef := make([]int64, len(rows))
		for {
			combo := make([]int64, len(hidden))
			for i, c := range coef {
				for j := range combo {
					combo[j] += c * rows[i][j]
				}
			}
			nonzero, at := 0, -1
			for j, v := range combo {
				if v != 0 {
					nonzero++
					at = j
				}
			}
			if nonzero == 1 {
				t.Errorf("combination %v of the relations reveals cell %d", coef, hidden[at])
				return
			}
			i := 0
			for ; i < len(coef); i++ {
				if coef[i]++; coef[i] <= 1 {
					break
				}
				coef[i] = -1
			}
			if i == len(coef) {
				break
			}
		}
	}
	// Complete: e_c is not in the row space (rank over GF(p)).
	base := rankModP(rows, len(hidden))
	for j, c := range hidden {
		unit := make([]int64, len(hidden))
		unit[j] = 1
		if rankModP(append(slices.Clone(rows), unit), len(hidden)) == base {
			t.Errorf("cell %d (n=%d) is a linear combination of published figures", c, counts[c])
		}
	}
}

// rankModP is the rank of an integer matrix over GF(2^31−1).
func rankModP(in [][]int64, ncols int) int {
	const p = 1<<31 - 1
	m := make([][]int64, len(in))
	for i, row := range in {
		m[i] = make([]int64, ncols)
		for j, v := range row {
			m[i][j] = ((v % p) + p) % p
		}
	}
	pow := func(a, e int64) int64 {
		r := int64(1)
		for a %= p; e > 0; e >>= 1 {
			if e&1 == 1 {
				r = r * a % p
			}
			a = a * a % p
		}
		return r
	}
	rank := 0
	for j := 0; j < ncols && rank < len(m); j++ {
		piv := -1
		for i := rank; i < len(m); i++ {
			if m[i][j] != 0 {
				piv = i
				break
			}
		}
		if piv < 0 {
			continue
		}
		m[rank], m[piv] = m[piv], m[rank]
		inv := pow(m[rank][j], p-2)
		for i := range m {
			if i != rank && m[i][j] != 0 {
				f := m[i][j] * inv % p
				for jj := range ncols {
					m[i][jj] = ((m[i][jj]-f*m[rank][jj])%p + p) % p
				}
			}
		}
		rank++
	}
	return rank
}

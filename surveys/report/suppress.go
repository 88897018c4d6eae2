package report

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// DefaultK is the smallest number of respondents a published cell may
// have unless the survey says otherwise (METHODOLOGY "Publishing").
const DefaultK = 10

// Relation says that cell Total is the union of the disjoint cells Parts:
// its count is their sum, and each of its figures (index, rates) is their
// count-weighted mean — so a reader who knows the total and all parts but
// one can work that one out, its count by subtraction and its index from
// N_total·I_total − Σ N_i·I_i. A breakdown is one relation (groups and the
// total); an area × group table is one per area; a two-way table has one
// per row, one per column and one for the margins. A cell may be in any
// number of relations. Parts must cover the total: give a "not stated"
// cell where some respondents did not answer the breakdown question.
type Relation struct {
	Total int
	Parts []int
}

// Reason says whether and why a cell is withheld.
type Reason uint8

// Reasons.
const (
	Published     Reason = iota
	Small                // fewer than k respondents (primary suppression)
	Complementary        // withheld so that no Small cell can be worked out
)

// Suppression is the decision for each cell, by index.
type Suppression []Reason

// Suppressed reports whether cell i is withheld.
func (s Suppression) Suppressed(i int) bool { return s[i] != Published }

// Suppress decides which cells of a table to withhold, given each cell's
// respondent count and the relations between cells. The rule:
//
//  1. Primary: a cell with 0 < n < k is withheld (a cell with n = 0
//     identifies nobody; it is published as having no data).
//  2. Complementary, per relation whose total is published: when it has
//     exactly one withheld part, or withheld parts that together count
//     fewer than k (a small aggregate a reader gets by subtraction), the
//     smallest published part with n > 0 is withheld too (lowest index
//     among equals), until neither holds. A withheld total whose parts are
//     all published (its sum) gets its smallest part withheld. A count and
//     an index come from the same relations, so this protects both.
//  3. Across relations: while some withheld cell is still determined by
//     the published cells through any linear combination of the relations
//     (exact elimination over the rationals: its unit vector lies in the
//     row space of the relations restricted to withheld cells), the
//     smallest published cell (part or total) of a relation involving it
//     is withheld too.
//
// Steps 2 and 3 repeat until nothing changes. k < 1 means DefaultK. The
// protection is linear: a reader who also uses that counts are ≥ 0 can
// bound a withheld cell by the withheld total it belongs to (≥ k).
func Suppress(counts []int, rels []Relation, k int) (Suppression, error) {
	if k < 1 {
		k = DefaultK
	}
	if err := checkRelations(counts, rels); err != nil {
		return nil, err
	}
	out := make(Suppression, len(counts))
	for i, n := range counts {
		if n > 0 && n < k {
			out[i] = Small
		}
	}
	for {
		if complementRelations(counts, rels, k, out) {
			continue
		}
		c, ok := firstDetermined(rels, out)
		if !ok {
			return out, nil
		}
		pick := smallestPublished(counts, rels, out, func(r Relation) bool { return r.involves(c) })
		if pick < 0 {
			// Its neighbours are all withheld: the figures that give it
			// away are further off. Widen to every relation with a
			// withheld cell; each round withholds one more cell, so this
			// ends.
			pick = smallestPublished(counts, rels, out, func(r Relation) bool {
				return slices.ContainsFunc(r.cells(), out.Suppressed)
			})
		}
		if pick < 0 {
			return nil, fmt.Errorf("report: suppress: cell %d is recoverable and nothing is left to withhold", c)
		}
		out[pick] = Complementary
	}
}

func checkRelations(counts []int, rels []Relation) error {
	for i, n := range counts {
		if n < 0 {
			return fmt.Errorf("report: suppress: cell %d has count %d", i, n)
		}
	}
	in := func(i int) bool { return i >= 0 && i < len(counts) }
	for ri, r := range rels {
		if !in(r.Total) || len(r.Parts) == 0 {
			return fmt.Errorf("report: suppress: relation %d: total %d, %d parts", ri, r.Total, len(r.Parts))
		}
		sum := 0
		for _, p := range r.Parts {
			if !in(p) || p == r.Total {
				return fmt.Errorf("report: suppress: relation %d: part %d", ri, p)
			}
			sum += counts[p]
		}
		if sum != counts[r.Total] {
			return fmt.Errorf("report: suppress: relation %d: parts count %d, total %d (add a \"not stated\" part)",
				ri, sum, counts[r.Total])
		}
	}
	return nil
}

// smallestPublished is the published cell with the smallest count > 0 in
// the relations that match (lowest index among equals), or -1.
func smallestPublished(counts []int, rels []Relation, out Suppression, match func(Relation) bool) int {
	pick := -1
	for _, r := range rels {
		if !match(r) {
			continue
		}
		for _, p := range r.cells() {
			if out[p] == Published && counts[p] > 0 && (pick < 0 || counts[p] < counts[pick] || counts[p] == counts[pick] && p < pick) {
				pick = p
			}
		}
	}
	return pick
}

// cells is the relation's total and parts.
func (r Relation) cells() []int { return append([]int{r.Total}, r.Parts...) }

func (r Relation) involves(c int) bool {
	if r.Total == c {
		return true
	}
	for _, p := range r.Parts {
		if p == c {
			return true
		}
	}
	return false
}

// complementRelations applies step 2 once to every relation and reports
// whether it withheld anything.
func complementRelations(counts []int, rels []Relation, k int, out Suppression) bool {
	changed := false
	for _, r := range rels {
		if out.Suppressed(r.Total) {
			// A withheld total is the sum of its parts: one of them must
			// be withheld too.
			if !slices.ContainsFunc(r.Parts, out.Suppressed) {
				if pick := smallestPublished(counts, []Relation{r}, out, func(Relation) bool { return true }); pick >= 0 {
					out[pick] = Complementary
					changed = true
				}
			}
			continue
		}
		for {
			withheld, sum := 0, 0
			pick := -1
			for _, p := range r.Parts {
				switch {
				case out.Suppressed(p):
					withheld++
					sum += counts[p]
				case counts[p] > 0 && (pick < 0 || counts[p] < counts[pick]):
					pick = p
				}
			}
			if withheld == 0 || withheld >= 2 && sum >= k {
				break
			}
			if pick < 0 {
				pick = r.Total // every other part is empty or withheld
			}
			out[pick] = Complementary
			changed = true
			if pick == r.Total {
				break
			}
		}
	}
	return changed
}

// firstDetermined returns the first withheld cell whose value the published
// cells determine through the relations (step 3).
func firstDetermined(rels []Relation, out Suppression) (int, bool) {
	col := map[int]int{} // withheld cell → column
	var cells []int
	for i := range out {
		if out.Suppressed(i) {
			col[i] = len(cells)
			cells = append(cells, i)
		}
	}
	if len(cells) == 0 {
		return 0, false
	}
	// Each relation: x_total − Σ x_parts = (published terms); keep the
	// withheld columns.
	var rows [][]*big.Rat
	for _, r := range rels {
		row := make([]*big.Rat, len(cells))
		nonzero := false
		add := func(cell int, v int64) {
			if j, ok := col[cell]; ok {
				if row[j] == nil {
					row[j] = new(big.Rat)
				}
				row[j].Add(row[j], big.NewRat(v, 1))
				nonzero = true
			}
		}
		add(r.Total, 1)
		for _, p := range r.Parts {
			add(p, -1)
		}
		if nonzero {
			for j := range row {
				if row[j] == nil {
					row[j] = new(big.Rat)
				}
			}
			rows = append(rows, row)
		}
	}
	pivots := rref(rows, len(cells))
	for j, ri := range pivots {
		if ri < 0 {
			continue
		}
		alone := true
		for jj, v := range rows[ri] {
			if jj != j && v.Sign() != 0 {
				alone = false
				break
			}
		}
		if alone {
			return cells[j], true
		}
	}
	return 0, false
}

// rref reduces rows in place to reduced row echelon form and returns, per
// column, the row holding its pivot (-1 for a free column).
func rref(rows [][]*big.Rat, ncols int) []int {
	pivots := make([]int, ncols)
	for j := range pivots {
		pivots[j] = -1
	}
	r := 0
	tmp := new(big.Rat)
	for j := 0; j < ncols && r < len(rows); j++ {
		p := -1
		for i := r; i < len(rows); i++ {
			if rows[i][j].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		inv := new(big.Rat).Inv(rows[r][j])
		for jj := j; jj < ncols; jj++ {
			rows[r][jj].Mul(rows[r][jj], inv)
		}
		for i := range rows {
			if i == r || rows[i][j].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(rows[i][j])
			for jj := j; jj < ncols; jj++ {
				rows[i][jj].Sub(rows[i][jj], tmp.Mul(f, rows[r][jj]))
			}
		}
		pivots[j] = r
		r++
	}
	return pivots
}

// Grid lays out a two-way table for Suppress: cells [r*cols+c] for the
// body, then the row totals, the column totals and the grand total, with
// the relations between them. Body counts are given row by row.
func Grid(body [][]int) (counts []int, rels []Relation, err error) {
	rowsN := len(body)
	if rowsN == 0 || len(body[0]) == 0 {
		return nil, nil, errors.New("report: grid: empty table")
	}
	colsN := len(body[0])
	counts = make([]int, 0, rowsN*colsN+rowsN+colsN+1)
	colSum := make([]int, colsN)
	for r, row := range body {
		if len(row) != colsN {
			return nil, nil, fmt.Errorf("report: grid: row %d has %d cells, want %d", r, len(row), colsN)
		}
		for c, n := range row {
			counts = append(counts, n)
			colSum[c] += n
		}
	}
	rowTotal := func(r int) int { return rowsN*colsN + r }
	colTotal := func(c int) int { return rowsN*colsN + rowsN + c }
	grand := rowsN*colsN + rowsN + colsN
	total := 0
	for r, row := range body {
		s := 0
		parts := make([]int, colsN)
		for c, n := range row {
			s += n
			parts[c] = r*colsN + c
		}
		counts = append(counts, s)
		total += s
		rels = append(rels, Relation{Total: rowTotal(r), Parts: parts})
	}
	counts = append(counts, colSum...)
	counts = append(counts, total)
	for c := range colsN {
		parts := make([]int, rowsN)
		for r := range rowsN {
			parts[r] = r*colsN + c
		}
		rels = append(rels, Relation{Total: colTotal(c), Parts: parts})
	}
	rowParts, colParts := make([]int, rowsN), make([]int, colsN)
	for r := range rowsN {
		rowParts[r] = rowTotal(r)
	}
	for c := range colsN {
		colParts[c] = colTotal(c)
	}
	rels = append(rels, Relation{Total: grand, Parts: rowParts}, Relation{Total: grand, Parts: colParts})
	return counts, rels, nil
}

package stats

import "math"

// Compare sets this year's results cur against the previous year's prev:
// the previous survey's slug, title and year, and for the overall index and
// each area of cur the previous index and standard error, Δ = I_t − I_{t−1}
// and SE_Δ = √(SE_t² + SE_{t−1}²). Areas are matched by code, then by name
// among the previous areas not matched yet. A figure is nil when either
// year lacks what it needs. It works on the unrounded figures when the
// results were scored here (the rounded ones of bodies decoded from JSON)
// and rounds Δ to 2 decimals and SE_Δ to 3. It returns nil when prev is nil.
func Compare(cur, prev *Results) *Comparison {
	if prev == nil {
		return nil
	}
	if cur == nil {
		cur = &Results{}
	}
	cmp := &Comparison{
		Survey:  prev.Survey,
		Title:   prev.Title,
		Year:    prev.Year,
		Overall: compareFigure(exactOf(cur.Overall.Index, cur.Overall.SE, cur.Overall.exact), exactOf(prev.Overall.Index, prev.Overall.SE, prev.Overall.exact)),
		Areas:   make([]ComparedArea, len(cur.Areas)),
	}
	match := make([]int, len(cur.Areas)) // index into prev.Areas, -1 for none
	used := make([]bool, len(prev.Areas))
	for i, a := range cur.Areas {
		match[i] = -1
		for j, p := range prev.Areas {
			if !used[j] && p.Code == a.Code {
				match[i], used[j] = j, true
				break
			}
		}
	}
	for i, a := range cur.Areas {
		for j, p := range prev.Areas {
			if match[i] < 0 && !used[j] && p.Name == a.Name {
				match[i], used[j] = j, true
			}
		}
	}
	for i, a := range cur.Areas {
		ca := ComparedArea{Code: a.Code, Name: a.Name}
		if j := match[i]; j >= 0 {
			p := prev.Areas[j]
			ca.ComparedFigure = compareFigure(exactOf(a.Index, a.SE, a.exact), exactOf(p.Index, p.SE, p.exact))
		}
		cmp.Areas[i] = ca
	}
	return cmp
}

// figure is an index and its SE, published (rounded) and unrounded.
type figure struct {
	index, se *float64 // as published
	exact     exact    // unrounded, when known
}

func exactOf(index, se *float64, e exact) figure { return figure{index, se, e} }

// unrounded returns the unrounded index and SE when known, else the published ones.
func (f figure) unrounded() (*float64, *float64) {
	index, se := f.index, f.se
	if f.exact.index != nil && index != nil {
		index = f.exact.index
	}
	if f.exact.se != nil && se != nil {
		se = f.exact.se
	}
	return index, se
}

// compareFigure is one index's previous value (as published) and its
// change since, from the unrounded figures.
func compareFigure(cur, prev figure) ComparedFigure {
	f := ComparedFigure{Index: clone(prev.index), SE: clone(prev.se)}
	index, se := cur.unrounded()
	prevIndex, prevSE := prev.unrounded()
	if index != nil && prevIndex != nil {
		f.Delta = round(ptr(*index-*prevIndex), 2)
		if se != nil && prevSE != nil {
			f.DeltaSE = round(ptr(math.Hypot(*se, *prevSE)), 3)
		}
	}
	return f
}

// clone copies a figure, so that a comparison shares nothing with the
// (possibly cached) results it was made from.
func clone(v *float64) *float64 {
	if v == nil {
		return nil
	}
	return ptr(*v)
}

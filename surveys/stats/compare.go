package stats

import "math"

// Compare sets this year's results cur against the previous year's prev:
// the previous survey's slug, title and year, and for the overall index and
// each area of cur the previous index and standard error, Δ = I_t − I_{t−1}
// and SE_Δ = √(SE_t² + SE_{t−1}²). Areas are matched by code, then by name
// among the previous areas not matched yet. A figure is nil when either
// year lacks what it needs. It works on the published (rounded) figures and
// rounds Δ to 2 decimals and SE_Δ to 3. It returns nil when prev is nil.
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
		Overall: compareFigure(cur.Overall.Index, cur.Overall.SE, prev.Overall.Index, prev.Overall.SE),
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
			ca.ComparedFigure = compareFigure(a.Index, a.SE, p.Index, p.SE)
		}
		cmp.Areas[i] = ca
	}
	return cmp
}

// compareFigure is one index's previous value and its change since.
func compareFigure(index, se, prevIndex, prevSE *float64) ComparedFigure {
	f := ComparedFigure{Index: clone(prevIndex), SE: clone(prevSE)}
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

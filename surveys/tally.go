package surveys

import "strings"

// Tally keys. Every accepted response adds to a handful of counters; the
// results are computed from these counters alone, never from raw responses.
const (
	KeyResponses = "responses" // N: accepted responses
	KeyFlagged   = "flagged"   // N: responses with a quality flag
	KeyOverall   = "overall"   // N, Sum, SumSq: each respondent's composite score
)

// OptionKey is the counter of one option of one question.
func OptionKey(question, option string) string { return "opt:" + question + ":" + option }

// AreaKey holds N, Sum and SumSq of respondents' scores in one area.
func AreaKey(area string) string { return "area:" + area }

// DimKey names a breakdown cell, e.g. "town:t01"; "" is the whole sample.
func DimKey(role, option string) string { return role + ":" + option }

// TallyID addresses one counter: a unit ("" for all), a breakdown cell and a key.
type TallyID struct {
	Unit string
	Dim  string
	Key  string
}

// TallyValue is a counter. Sum and SumSq are in thousandths of a point
// (integers), so adding in any order gives the same total as a rebuild.
type TallyValue struct {
	N     int64
	Sum   int64
	SumSq int64
}

// Tallies is a set of counters.
type Tallies map[TallyID]TallyValue

// Add adds v to the counter id.
func (t Tallies) Add(id TallyID, v TallyValue) {
	cur := t[id]
	cur.N += v.N
	cur.Sum += v.Sum
	cur.SumSq += v.SumSq
	t[id] = cur
}

// Merge adds every counter of o into t.
func (t Tallies) Merge(o Tallies) {
	for id, v := range o {
		t.Add(id, v)
	}
}

// Accepted is what tallying needs of one stored response.
type Accepted struct {
	Unit    string
	Flagged bool
	Answers []Answer
}

// Count adds one accepted response of this version to t: its option counts,
// its area and composite scores, under the whole sample and each breakdown
// cell, for all units and for its own unit.
func (c *Compiled) Count(t Tallies, r Accepted) {
	// The respondent's scores, computed once.
	type scored struct {
		key string
		v   int64
	}
	var keys []string
	var scores []scored
	areaSum := make([]float64, len(c.Def.Areas))
	areaW := make([]float64, len(c.Def.Areas))
	var dims []string
	for _, a := range r.Answers {
		q := c.byCode[a.Question]
		if q == nil {
			continue
		}
		for _, v := range a.Values {
			keys = append(keys, OptionKey(q.Code, v))
		}
		if q.Kind == KindSatisfaction && q.Area >= 0 && len(a.Values) == 1 {
			if l, ok := c.levels[a.Values[0]]; ok {
				w := weightOr1(q.Weight)
				areaSum[q.Area] += w * l.Score
				areaW[q.Area] += w
			}
		}
		switch q.Role {
		case RoleTown, RoleAge, RoleGender:
			if len(a.Values) == 1 {
				dims = append(dims, DimKey(q.Role, a.Values[0]))
			}
		}
	}
	var oSum, oW float64
	for i, a := range c.Def.Areas {
		if areaW[i] == 0 {
			continue
		}
		s := areaSum[i] / areaW[i]
		scores = append(scores, scored{AreaKey(a.Code), milli(s)})
		w := weightOr1(a.Weight)
		oSum += w * s
		oW += w
	}
	if oW > 0 {
		scores = append(scores, scored{KeyOverall, milli(oSum / oW)})
	}

	units := []string{""}
	if r.Unit != "" {
		units = append(units, r.Unit)
	}
	dims = append([]string{""}, dims...)
	one := TallyValue{N: 1}
	for _, u := range units {
		for _, d := range dims {
			t.Add(TallyID{u, d, KeyResponses}, one)
			if r.Flagged {
				t.Add(TallyID{u, d, KeyFlagged}, one)
			}
			for _, k := range keys {
				t.Add(TallyID{u, d, k}, one)
			}
			for _, s := range scores {
				t.Add(TallyID{u, d, s.key}, TallyValue{N: 1, Sum: s.v, SumSq: s.v * s.v})
			}
		}
	}
}

// Scope returns the counters of one unit and breakdown cell, keyed by Key.
func (t Tallies) Scope(unit, dim string) map[string]TallyValue {
	out := map[string]TallyValue{}
	for id, v := range t {
		if id.Unit == unit && id.Dim == dim {
			out[id.Key] = v
		}
	}
	return out
}

// Dims lists the breakdown cells present for a unit, e.g. "town:t01".
func (t Tallies) Dims(unit, role string) []string {
	var out []string
	seen := map[string]bool{}
	for id := range t {
		if id.Unit == unit && strings.HasPrefix(id.Dim, role+":") && !seen[id.Dim] {
			seen[id.Dim] = true
			out = append(out, id.Dim)
		}
	}
	return out
}

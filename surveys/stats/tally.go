package stats

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Tally keys. Every accepted response adds to a handful of counters; the
// results are computed from these counters alone, never from raw responses.
const (
	KeyResponses = "responses" // N: accepted responses
	KeyFlagged   = "flagged"   // N: responses with a quality flag
	KeyOverall   = "overall"   // N, Sum, SumSq: each respondent's composite score
)

// DimFlagged is the cell holding the counters of flagged responses only,
// so that results can leave them out (all minus flagged).
const DimFlagged = "flagged"

// OptionKey is the counter of one option of one question.
func OptionKey(question, option string) string { return "opt:" + question + ":" + option }

// PairKey is the counter of the respondents who answered both scored items
// j and k (satisfaction items of areas) at a level: N = n_jk, Sum = Σx_j
// and SumSq = Σx_j·x_k over them, in thousandths of a point (SumSq in
// millionths). PairKey(k, j) holds Σx_k. The area and overall intervals
// are computed from these (linearization).
func PairKey(j, k string) string { return "pair:" + j + ":" + k }

// AreaKey holds N, Sum and SumSq of respondents' scores in one area.
func AreaKey(area string) string { return "area:" + area }

// HourKey counts the responses submitted in one hour (UTC); whole sample only.
func HourKey(t time.Time) string { return "hour:" + t.UTC().Format(hourLayout) }

const hourLayout = "2006-01-02T15"

// FlagKey counts the responses carrying one quality flag; whole sample only.
func FlagKey(flag string) string { return "flag:" + flag }

// ReviewKey counts staff decisions ("valid" or "invalid"); whole sample only.
func ReviewKey(review string) string { return "review:" + review }

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

// FlaggedCellDim names the twin of a breakdown cell (DimKey) that holds the
// counters of its flagged responses only, e.g. "flagged|town:t01".
func FlaggedCellDim(dim string) string { return DimFlagged + "|" + dim }

// scopes holds the counters grouped by unit and breakdown cell.
type scopes map[[2]string]map[string]TallyValue

// scopes groups the counters by unit and breakdown cell in one pass, so
// that scoring a thousand units reads the counters once, not once a unit.
func (t Tallies) scopes() scopes {
	out := scopes{}
	for id, v := range t {
		k := [2]string{id.Unit, id.Dim}
		m := out[k]
		if m == nil {
			m = map[string]TallyValue{}
			out[k] = m
		}
		m[id.Key] = v
	}
	return out
}

// scopeFor returns the counters results are scored from: the whole sample,
// or the whole sample less its flagged responses. The map returned may be
// the group itself, so it is read, never written.
func (s scopes) scopeFor(unit string, excludeFlagged bool) map[string]TallyValue {
	return s.cellFor(unit, "", excludeFlagged)
}

// cellFor returns the counters of one unit and breakdown cell ("" for the
// whole sample), less the cell's flagged responses with excludeFlagged.
func (s scopes) cellFor(unit, dim string, excludeFlagged bool) map[string]TallyValue {
	all := s[[2]string{unit, dim}]
	if all == nil {
		all = map[string]TallyValue{}
	}
	if !excludeFlagged {
		return all
	}
	twin := DimFlagged
	if dim != "" {
		twin = FlaggedCellDim(dim)
	}
	all = maps.Clone(all)
	for k, f := range s[[2]string{unit, twin}] {
		v := all[k]
		v.N -= f.N
		v.Sum -= f.Sum
		v.SumSq -= f.SumSq
		all[k] = v
	}
	return all
}

// Timeline lists the responses per hour of submission, oldest first.
func (t Tallies) Timeline() []HourCount {
	var out []HourCount
	for id, v := range t {
		h, ok := strings.CutPrefix(id.Key, "hour:")
		if id.Unit != "" || id.Dim != "" || !ok || v.N == 0 {
			continue
		}
		at, err := time.Parse(hourLayout, h)
		if err != nil {
			continue // not a key this build writes
		}
		out = append(out, HourCount{Hour: at, Responses: v.N})
	}
	slices.SortFunc(out, func(a, b HourCount) int { return a.Hour.Compare(b.Hour) })
	return out
}

// Quality counts the flagged responses (as results count them: flagged
// and not reviewed valid, or reviewed invalid), each flag's responses,
// and the staff decisions.
func (t Tallies) Quality() *Quality {
	q := &Quality{Reasons: map[string]int64{}}
	for _, f := range questionnaire.FlagReasons {
		q.Reasons[f.Code] = 0
	}
	for id, v := range t {
		if id.Unit != "" || id.Dim != "" {
			continue
		}
		switch {
		case id.Key == KeyFlagged:
			q.Flagged = v.N
		case id.Key == ReviewKey("valid"):
			q.ReviewedValid = v.N
		case id.Key == ReviewKey("invalid"):
			q.ReviewedInvalid = v.N
		case strings.HasPrefix(id.Key, "flag:"):
			q.Reasons[strings.TrimPrefix(id.Key, "flag:")] = v.N
		}
	}
	return q
}

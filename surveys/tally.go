package surveys

import (
	"slices"
	"strings"
	"time"
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

// Accepted is what tallying needs of one stored response.
type Accepted struct {
	Unit    string
	Flagged bool
	Answers []Answer
	// At is when it was submitted; Flags and Review are its quality flags
	// and the staff decision on them, counted by reason.
	At     time.Time
	Flags  []string
	Review string
	// Joint counts it also in its joint town×age×gender cell, which
	// weighting reads (only surveys with weighting on keep them);
	// JointOnly counts it there and nowhere else (a backfill).
	Joint     bool
	JointOnly bool
}

// Count adds one accepted response of this version to t: its option counts,
// its area and composite scores, under the whole sample and each breakdown
// cell, for all units and for its own unit.
func (c *Compiled) Count(t Tallies, r Accepted) {
	k := c.NewCounter()
	k.Add(r)
	k.AddTo(t)
}

// Counter accumulates many responses of one version into dense arrays of
// counters, one array per (unit, breakdown cell): counting a million
// responses touches slices, not a map per counter.
type Counter struct {
	c      *Compiled
	scopes map[scope][]TallyValue
	extra  map[string]int64 // whole-sample counters with open-ended keys
	deltas []slotDelta      // reused per response
	dims   []string
}

type scope struct{ unit, dim string }

type slotDelta struct {
	slot int
	v    TallyValue
}

// Fixed counter slots; areas and options follow (see Compiled.slots).
const (
	slotResponses = iota
	slotFlagged
	slotOverall
	slotFirstArea
)

// NewCounter returns an empty counter for this version.
func (c *Compiled) NewCounter() *Counter {
	c.slotsOnce.Do(c.buildSlots)
	return &Counter{c: c, scopes: map[scope][]TallyValue{}, extra: map[string]int64{}}
}

// buildSlots numbers every counter of the version and names its key.
func (c *Compiled) buildSlots() {
	c.slotKeys = []string{KeyResponses, KeyFlagged, KeyOverall}
	for _, a := range c.Def.Areas {
		c.slotKeys = append(c.slotKeys, AreaKey(a.Code))
	}
	c.optionSlot = map[string]map[string]int{}
	for _, q := range c.Questions {
		m := map[string]int{}
		add := func(code string) {
			m[code] = len(c.slotKeys)
			c.slotKeys = append(c.slotKeys, OptionKey(q.Code, code))
		}
		if q.Kind == KindSatisfaction {
			for _, o := range c.ScaleOptions() {
				add(o.Code)
			}
		}
		for _, o := range q.Options {
			add(o.Code)
		}
		c.optionSlot[q.Code] = m
	}
}

// Add counts one accepted response.
func (k *Counter) Add(r Accepted) {
	c := k.c
	k.deltas = append(k.deltas[:0], slotDelta{slotResponses, TallyValue{N: 1}})
	if r.Flagged {
		k.deltas = append(k.deltas, slotDelta{slotFlagged, TallyValue{N: 1}})
	}
	k.dims = append(k.dims[:0], "")
	var demo [3]string // town, age, gender
	areaSum := make([]float64, len(c.Def.Areas))
	areaW := make([]float64, len(c.Def.Areas))
	for _, a := range r.Answers {
		q := c.byCode[a.Question]
		if q == nil {
			continue
		}
		for _, v := range a.Values {
			if slot, ok := c.optionSlot[q.Code][v]; ok {
				k.deltas = append(k.deltas, slotDelta{slot, TallyValue{N: 1}})
			}
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
				k.dims = append(k.dims, DimKey(q.Role, a.Values[0]))
				demo[demoIndex[q.Role]] = a.Values[0]
			}
		}
	}
	// The respondent's area scores and composite score.
	var oSum, oW float64
	for i, a := range c.Def.Areas {
		if areaW[i] == 0 {
			continue
		}
		s := areaSum[i] / areaW[i]
		m := milli(s)
		k.deltas = append(k.deltas, slotDelta{slotFirstArea + i, TallyValue{N: 1, Sum: m, SumSq: m * m}})
		w := weightOr1(a.Weight)
		oSum += w * s
		oW += w
	}
	if oW > 0 {
		m := milli(oSum / oW)
		k.deltas = append(k.deltas, slotDelta{slotOverall, TallyValue{N: 1, Sum: m, SumSq: m * m}})
	}
	if r.Flagged {
		k.dims = append(k.dims, DimFlagged)
	}
	unitDims := len(k.dims) // the joint cells are for the whole sample only
	if r.JointOnly {
		k.dims, unitDims = k.dims[:0], 0
	}
	if r.Joint || r.JointOnly {
		k.dims = append(k.dims, JointDim(demo[0], demo[1], demo[2]))
		if r.Flagged {
			k.dims = append(k.dims, JointFlaggedDim(demo[0], demo[1], demo[2]))
		}
	}
	if !r.JointOnly {
		if !r.At.IsZero() {
			k.extra[HourKey(r.At)]++
		}
		for _, f := range r.Flags {
			k.extra[FlagKey(f)]++
		}
		if r.Review != "" {
			k.extra[ReviewKey(r.Review)]++
		}
	}

	for _, u := range []string{"", r.Unit} {
		if u != "" && r.JointOnly {
			break
		}
		dims := k.dims
		if u != "" {
			dims = dims[:unitDims]
		}
		for _, d := range dims {
			sc := scope{u, d}
			vals := k.scopes[sc]
			if vals == nil {
				vals = make([]TallyValue, len(c.slotKeys))
				k.scopes[sc] = vals
			}
			for _, dl := range k.deltas {
				v := &vals[dl.slot]
				v.N += dl.v.N
				v.Sum += dl.v.Sum
				v.SumSq += dl.v.SumSq
			}
		}
		if r.Unit == "" {
			break
		}
	}
}

// AddTo adds everything counted into t; counters still at zero are left out.
func (k *Counter) AddTo(t Tallies) {
	for sc, vals := range k.scopes {
		for slot, v := range vals {
			if v.N != 0 {
				t.Add(TallyID{sc.unit, sc.dim, k.c.slotKeys[slot]}, v)
			}
		}
	}
	for key, n := range k.extra {
		if n != 0 {
			t.Add(TallyID{"", "", key}, TallyValue{N: n})
		}
	}
}

// demoIndex places a demographic role in a joint cell.
var demoIndex = map[string]int{RoleTown: 0, RoleAge: 1, RoleGender: 2}

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

// scopeFor returns the counters results are scored from: the whole sample,
// or the whole sample less its flagged responses.
func (t Tallies) scopeFor(unit string, excludeFlagged bool) map[string]TallyValue {
	all := t.Scope(unit, "")
	if !excludeFlagged {
		return all
	}
	for k, f := range t.Scope(unit, DimFlagged) {
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
	for _, f := range []string{FlagSpeeder, FlagStraightLiner, FlagSharedAddress} {
		q.Reasons[f] = 0
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

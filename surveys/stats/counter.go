package stats

import (
	"math"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Accepted is what tallying needs of one stored response.
type Accepted struct {
	Unit    string
	Flagged bool
	Answers []questionnaire.Answer
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

// Count adds one accepted response of the version c to t: its option
// counts, its area and composite scores, under the whole sample and each
// breakdown cell, for all units and for its own unit.
func Count(c *questionnaire.Compiled, t Tallies, r Accepted) {
	k := NewCounter(c)
	k.Add(r)
	k.AddTo(t)
}

// Counter accumulates many responses of one version into dense arrays of
// counters, one array per (unit, breakdown cell): counting a million
// responses touches slices, not a map per counter.
type Counter struct {
	c          *questionnaire.Compiled
	slotKeys   []string                  // counter slot → tally key
	optionSlot map[string]map[string]int // question → option → slot
	scored     map[string]int            // scored item → its place among them
	pairSlot   []int                     // (j, k) → slot of PairKey(j, k) at j·m + k; −1 when not kept
	answered   []scoredAnswer            // reused per response
	scopes     map[scope][]TallyValue
	extra      map[string]int64 // whole-sample counters with open-ended keys
	deltas     []slotDelta      // reused per response
	pairDeltas []slotDelta      // the item pairs' deltas, for the scopes that keep pairs
	dims       []string
	quotas     map[string][]quotaCell // unit ("" without units) → its quota cells
	quota      map[TallyID]int64      // quota counters, per unit
}

// quotaCell is a quota cell with its counter's key.
type quotaCell struct {
	q   questionnaire.Quota
	key string
}

type scope struct{ unit, dim string }

// scoredAnswer is a respondent's score on one scored item, in thousandths.
type scoredAnswer struct {
	item  int
	milli int64
}

type slotDelta struct {
	slot int
	v    TallyValue
}

// Fixed counter slots; areas and options follow (see numberSlots).
const (
	slotResponses = iota
	slotFlagged
	slotOverall
	slotFirstArea
)

// NewCounter returns an empty counter for the version c.
func NewCounter(c *questionnaire.Compiled) *Counter {
	k := &Counter{c: c, scopes: map[scope][]TallyValue{}, extra: map[string]int64{}, quota: map[TallyID]int64{}}
	k.numberSlots()
	k.quotas = map[string][]quotaCell{}
	add := func(unit string, qs []questionnaire.Quota) {
		for _, q := range qs {
			k.quotas[unit] = append(k.quotas[unit], quotaCell{q, QuotaKey(q)})
		}
	}
	add("", c.Def.Quotas)
	for _, u := range c.Def.Units {
		add(u.Code, u.Quotas)
	}
	return k
}

// numberSlots numbers every counter of the version and names its key.
func (k *Counter) numberSlots() {
	c := k.c
	k.slotKeys = []string{KeyResponses, KeyFlagged, KeyOverall}
	for _, a := range c.Def.Areas {
		k.slotKeys = append(k.slotKeys, AreaKey(a.Code))
	}
	k.optionSlot = map[string]map[string]int{}
	for _, q := range c.Questions {
		m := map[string]int{}
		add := func(code string) {
			m[code] = len(k.slotKeys)
			k.slotKeys = append(k.slotKeys, OptionKey(q.Code, code))
		}
		if q.Kind == questionnaire.KindSatisfaction {
			for _, o := range c.ScaleOptions() {
				add(o.Code)
			}
		}
		for _, o := range q.Options {
			add(o.Code)
		}
		k.optionSlot[q.Code] = m
	}
	// Item pairs: every ordered pair of scored items of one area, and of
	// different areas too unless the definition has more scored items than
	// maxCrossPairItems (the diagonal is never counted, so never stored).
	k.scored = map[string]int{}
	var items []*questionnaire.CompiledQuestion
	for _, q := range c.Questions {
		if q.Kind == questionnaire.KindSatisfaction && q.Area >= 0 {
			k.scored[q.Code] = len(items)
			items = append(items, q)
		}
	}
	cross := keepsCrossPairs(c)
	m := len(items)
	k.pairSlot = make([]int, m*m)
	for j, qj := range items {
		for l, ql := range items {
			k.pairSlot[j*m+l] = -1
			if j != l && (cross || qj.Area == ql.Area) {
				k.pairSlot[j*m+l] = len(k.slotKeys)
				k.slotKeys = append(k.slotKeys, PairKey(qj.Code, ql.Code))
			}
		}
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
	k.answered = k.answered[:0]
	var demo [3]string // town, age, gender
	areaSum := make([]float64, len(c.Def.Areas))
	areaW := make([]float64, len(c.Def.Areas))
	for _, a := range r.Answers {
		q := c.Question(a.Question)
		if q == nil {
			continue
		}
		for _, v := range a.Values {
			if slot, ok := k.optionSlot[q.Code][v]; ok {
				k.deltas = append(k.deltas, slotDelta{slot, TallyValue{N: 1}})
			}
		}
		if q.Kind == questionnaire.KindSatisfaction && q.Area >= 0 && len(a.Values) == 1 {
			if l, ok := c.Level(a.Values[0]); ok {
				w := q.WeightOrDefault()
				areaSum[q.Area] += w * l.Score
				areaW[q.Area] += w
				k.answered = append(k.answered, scoredAnswer{k.scored[q.Code], milli(l.Score)})
			}
		}
		switch q.Role {
		case questionnaire.RoleTown, questionnaire.RoleAge, questionnaire.RoleGender:
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
		w := a.WeightOrDefault()
		oSum += w * s
		oW += w
	}
	if oW > 0 {
		m := milli(oSum / oW)
		k.deltas = append(k.deltas, slotDelta{slotOverall, TallyValue{N: 1, Sum: m, SumSq: m * m}})
	}
	m := len(k.scored)
	k.pairDeltas = k.pairDeltas[:0]
	for _, x := range k.answered {
		for _, y := range k.answered {
			if slot := k.pairSlot[x.item*m+y.item]; slot >= 0 {
				k.pairDeltas = append(k.pairDeltas, slotDelta{slot, TallyValue{N: 1, Sum: x.milli, SumSq: x.milli * y.milli}})
			}
		}
	}
	// A unit's scopes end with its flagged twin; the flagged twins of the
	// breakdown cells and the joint cells are for the whole sample only
	// (breakdowns and weighting are for the whole sample).
	unitDims := len(k.dims)
	if r.Flagged {
		k.dims = append(k.dims, DimFlagged)
		for _, d := range k.dims[1:unitDims] {
			k.dims = append(k.dims, FlaggedCellDim(d))
		}
		unitDims++
	}
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
		if cells := k.quotas[r.Unit]; len(cells) > 0 {
			answers := map[string]string{questionnaire.RoleTown: demo[0], questionnaire.RoleAge: demo[1], questionnaire.RoleGender: demo[2]}
			for _, cell := range cells {
				if cell.q.Matches(answers) {
					k.quota[TallyID{Unit: r.Unit, Key: cell.key}]++
				}
			}
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
				vals = make([]TallyValue, len(k.slotKeys))
				k.scopes[sc] = vals
			}
			addDeltas(vals, k.deltas)
			if keepsPairs(d) {
				addDeltas(vals, k.pairDeltas)
			}
		}
		if r.Unit == "" {
			break
		}
	}
}

func addDeltas(vals []TallyValue, deltas []slotDelta) {
	for _, dl := range deltas {
		v := &vals[dl.slot]
		v.N += dl.v.N
		v.Sum += dl.v.Sum
		v.SumSq += dl.v.SumSq
	}
}

// keepsPairs reports whether a scope keeps item pairs: the whole sample
// (and its flagged twin), of the survey and of each unit, and the joint
// cells weighting scores from. Breakdown cells do not: they are many (a
// cell per town, age band and sex, per unit, with flagged twins), each
// response would add its pairs to every one of them, and the tally pass
// fell behind under load; their area and overall SEs bound the
// covariances instead (breakdownCounters).
func keepsPairs(dim string) bool {
	return dim == "" || dim == DimFlagged || strings.HasPrefix(dim, DimJointPrefix) || strings.HasPrefix(dim, DimJointFlaggedPrefix)
}

// AddTo adds everything counted into t; counters still at zero are left out.
func (k *Counter) AddTo(t Tallies) {
	for sc, vals := range k.scopes {
		for slot, v := range vals {
			if v.N != 0 {
				t.Add(TallyID{sc.unit, sc.dim, k.slotKeys[slot]}, v)
			}
		}
	}
	for key, n := range k.extra {
		if n != 0 {
			t.Add(TallyID{"", "", key}, TallyValue{N: n})
		}
	}
	for id, n := range k.quota {
		if n != 0 {
			t.Add(id, TallyValue{N: n})
		}
	}
}

// demoIndex places a demographic role in a joint cell.
var demoIndex = map[string]int{questionnaire.RoleTown: 0, questionnaire.RoleAge: 1, questionnaire.RoleGender: 2}

// milli converts a 0-100 score to integer thousandths, so that sums kept
// incrementally are exact and do not depend on the order they were added in.
func milli(score float64) int64 { return int64(math.Round(score * 1000)) }

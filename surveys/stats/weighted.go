package stats

import (
	"fmt"
	"math"
	"strings"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Joint cells: with weighting on, the tallies of unit "" keep one cell per
// combination of town, age band and gender answers, holding the same keys
// as any scope, and a twin cell holding that combination's flagged
// responses only.
const (
	DimJointPrefix        = "w:"
	DimJointFlaggedPrefix = "wf:"
)

// JointDimPrefixes are the prefixes of every joint cell's name, for the
// store to find or drop a survey's joint cells by.
func JointDimPrefixes() []string { return []string{DimJointPrefix, DimJointFlaggedPrefix} }

// JointDim names the joint cell of the respondents who answered town, age
// and gender with these option codes ("" when a question was not answered
// or the survey lacks it).
func JointDim(town, age, gender string) string {
	return DimJointPrefix + town + "|" + age + "|" + gender
}

// JointFlaggedDim names the cell of the flagged responses of JointDim(town,
// age, gender).
func JointFlaggedDim(town, age, gender string) string {
	return DimJointFlaggedPrefix + town + "|" + age + "|" + gender
}

// ParseJointDim reads a JointDim or JointFlaggedDim name; ok is false for
// any other cell.
func ParseJointDim(dim string) (town, age, gender string, flagged, ok bool) {
	rest, flagged := strings.CutPrefix(dim, DimJointFlaggedPrefix)
	if !flagged {
		if rest, ok = strings.CutPrefix(dim, DimJointPrefix); !ok {
			return "", "", "", false, false
		}
	}
	parts := strings.Split(rest, "|")
	if len(parts) != 3 {
		return "", "", "", false, false
	}
	return parts[0], parts[1], parts[2], flagged, true
}

// jointCell is one joint cell's levels (town, age, gender) and counters.
type jointCell struct {
	levels [3]string
	scope  map[string]TallyValue
}

// jointCells reads the joint cells of t, in name order, less their flagged
// responses when excludeFlagged.
func jointCells(t Tallies, excludeFlagged bool) []jointCell {
	all := map[string]map[string]TallyValue{}
	flagged := map[string]map[string]TallyValue{}
	for id, v := range t {
		if id.Unit != "" {
			continue
		}
		town, age, gender, isFlagged, ok := ParseJointDim(id.Dim)
		if !ok {
			continue
		}
		into := all
		if isFlagged {
			into = flagged
		}
		key := JointDim(town, age, gender)
		if into[key] == nil {
			into[key] = map[string]TallyValue{}
		}
		into[key][id.Key] = v
	}
	cells := make([]jointCell, 0, len(all))
	for _, dim := range sortedKeys(all) {
		scope := all[dim]
		if excludeFlagged {
			for k, f := range flagged[dim] {
				v := scope[k]
				v.N -= f.N
				v.Sum -= f.Sum
				v.SumSq -= f.SumSq
				scope[k] = v
			}
		}
		town, age, gender, _, _ := ParseJointDim(dim)
		cells = append(cells, jointCell{levels: [3]string{town, age, gender}, scope: scope})
	}
	return cells
}

// ScoreWeighted scores the whole sample raked to the margins m (see Rake)
// over the joint cells of t (JointDim), less the flagged responses when
// excludeFlagged. Only the roles present in m are raked, in the order town,
// age, gender. Every figure is weighted: an item's index is Σw·score/Σw
// over its non-"don't know" answers, rates are shares of weight with a
// Wilson interval on n_eff, indexes have the interval mean ±
// t(0.975, n_eff−1)·s_w/√n_eff and SE s_w/√n_eff, and areas and the overall
// index take s_w from the weighted respondent scores. N stays the count of
// respondents; NEff is set everywhere and Weighting reports the raking.
// There are no units: weighting is for the whole sample. Margins that do
// not fit the survey are refused with an *InvalidError.
func ScoreWeighted(c *questionnaire.Compiled, t Tallies, m Margins, excludeFlagged bool) (Results, error) {
	if problems := ValidateMargins(c, m); len(problems) > 0 {
		return Results{}, fmt.Errorf("stats: weighting: %w", &questionnaire.InvalidError{Fields: problems})
	}
	var vars []string
	var pos []int // each variable's place in a joint cell's levels
	for i, role := range [...]string{questionnaire.RoleTown, questionnaire.RoleAge, questionnaire.RoleGender} {
		if _, ok := m[role]; ok {
			vars = append(vars, role)
			pos = append(pos, i)
		}
	}
	cells := jointCells(t, excludeFlagged)
	rc := make([]RakeCell, len(cells))
	for i, cell := range cells {
		levels := make([]string, len(vars))
		for k, p := range pos {
			levels[k] = cell.levels[p]
		}
		rc[i] = RakeCell{Levels: levels, N: cell.scope[KeyResponses].N}
	}
	low, high := c.Def.TrimBounds()
	weights, report := RakeWithin(vars, rc, m, low, high)

	scope := wscope{}
	for i, cell := range cells {
		for k, v := range cell.scope {
			s := scope[k]
			s.add(v, weights[i])
			scope[k] = s
		}
	}
	sc := scorer{c}
	r := sc.header(t, "", excludeFlagged)
	sc.scoreInto(&r, scope, true)
	report.Profile = weightedProfile(c, cells, weights)
	r.Weighting = &report
	return r, nil
}

// weightedProfile gives, per demographic question c asks (town, age,
// gender), each answer's weighted share of the respondents: the share of an
// answer is Σ w·n over the joint cells with that answer over Σ w·n over all
// cells, where w is a cell's weight per respondent and n its respondents.
// Those who did not answer are under "". Shares are rounded to 6 decimals;
// nil when there is no weight at all.
func weightedProfile(c *questionnaire.Compiled, cells []jointCell, w []float64) map[string]map[string]float64 {
	var total float64
	for i, cell := range cells {
		total += w[i] * float64(cell.scope[KeyResponses].N)
	}
	if !(total > 0) {
		return nil
	}
	out := map[string]map[string]float64{}
	for k, role := range [...]string{questionnaire.RoleTown, questionnaire.RoleAge, questionnaire.RoleGender} {
		if c.BreakdownQuestion(role) == nil {
			continue
		}
		shares := map[string]float64{}
		for i, cell := range cells {
			if n := cell.scope[KeyResponses].N; n > 0 {
				shares[cell.levels[k]] += w[i] * float64(n)
			}
		}
		for code, v := range shares {
			shares[code] = math.Round(v/total*1e6) / 1e6
		}
		out[role] = shares
	}
	return out
}

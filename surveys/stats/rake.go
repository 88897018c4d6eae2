package stats

import (
	"math"
	"slices"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Margins are a survey's population margins for post-stratification:
// role ("town", "age" or "gender") → option code → population count or
// share. Only the proportions within a role matter.
type Margins map[string]map[string]float64

// Weight bounds: raked weights are trimmed to [TrimLow, TrimHigh] × their mean.
const (
	TrimLow  = questionnaire.DefaultTrimLow
	TrimHigh = questionnaire.DefaultTrimHigh
)

// Raking limits: a sweep adjusts every variable once; raking stops when
// every weighted share is within rakeTolerance of its target, after at most
// maxRakeSweeps sweeps; trimming and re-raking alternate at most
// maxTrimPasses times, until trimming moves no weight by more than
// rakeTolerance.
const (
	rakeTolerance = 1e-6
	maxRakeSweeps = 100
	maxTrimPasses = 100
)

// ValidateMargins checks margins against the survey: at least one role;
// each role one of town, age and gender, with a question of that role in the
// survey; a finite positive value for every option of that question and no
// other code. Problems are keyed like "margins.town.t01"; nil when none.
func ValidateMargins(c *questionnaire.Compiled, m Margins) map[string]string {
	const maxUnknown = 20 // unknown codes reported, so a 422 stays small
	problems := map[string]string{}
	if len(m) == 0 {
		problems["margins"] = "至少需要一个加权变量 at least one variable is required (town, age, gender)"
	}
	unknown := 0
	refuse := func(path, reason string) {
		if unknown < maxUnknown {
			problems[path] = reason
		}
		unknown++
	}
	for _, role := range sortedKeys(m) {
		path := "margins." + role
		switch role {
		case questionnaire.RoleTown, questionnaire.RoleAge, questionnaire.RoleGender:
		default:
			refuse(path, "未知加权变量 unknown variable (town, age, gender)")
			continue
		}
		q := c.BreakdownQuestion(role)
		if q == nil {
			problems[path] = "本调查没有这个问题 this survey has no question with this role"
			continue
		}
		values := m[role]
		for _, o := range q.Options {
			v, ok := values[o.Code]
			switch {
			case !ok:
				problems[path+"."+o.Code] = "必填 required"
			case math.IsNaN(v) || math.IsInf(v, 0) || v <= 0:
				problems[path+"."+o.Code] = "须为正数 must be a positive number"
			}
		}
		for _, code := range sortedKeys(values) {
			if !q.HasOption(code) {
				refuse(path+"."+code, "未知选项 unknown option")
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return problems
}

// RakeCell is one group of respondents for raking: their level of each
// raked variable ("" when they did not answer it) and how many they are.
type RakeCell struct {
	Levels []string
	N      int64
}

// Rake post-stratifies cells to the margins of vars by iterative
// proportional fitting, and returns each cell's weight per respondent with
// a report of the raking.
//
// A sweep adjusts each variable in turn: the weights of the respondents at
// each level are scaled so that the level's share of the weight of the
// respondents who answered the variable meets its target share.
// Respondents who did not answer a variable (or gave a level the margins
// lack) are left out of its adjustment. Sweeps stop when every share is
// within 1e-6 of its target (at most 100). The weights are then normalised
// to mean 1 over the respondents and trimmed to [TrimLow, TrimHigh], and
// raking and trimming alternate until trimming moves no weight by more than
// 1e-6 (at most 100 passes).
//
// A level with a target but no respondents cannot be matched: the other
// levels are raked to their targets renormalised among themselves, and the
// report says Converged false. So does a margin value that is not finite
// and positive (such values are ignored; see ValidateMargins), a variable
// nobody answered, and raking or trimming that does not settle. MaxError
// (rounded to 6 decimals) is the largest |weighted share − target share|
// of the final, trimmed weights; Trimmed counts the respondents whose
// weight the last pass trimmed; NEff is (Σw)²/Σw² over the respondents.
// The weights returned have mean 1 over the respondents; when one of them
// then lies outside the bounds, Converged is false. Cells with N ≤ 0 get
// weight 0. Nothing is ever NaN or infinite.
func Rake(vars []string, cells []RakeCell, m Margins) ([]float64, WeightingReport) {
	return RakeWithin(vars, cells, m, TrimLow, TrimHigh)
}

// RakeWithin is Rake with the trim bounds [low, high] × the mean (a
// survey's thresholds) in place of [TrimLow, TrimHigh].
func RakeWithin(vars []string, cells []RakeCell, m Margins, low, high float64) ([]float64, WeightingReport) {
	rep := WeightingReport{Variables: slices.Clone(vars), Bounds: [2]float64{low, high}}
	if rep.Variables == nil {
		rep.Variables = []string{}
	}
	w := make([]float64, len(cells))
	var respondents float64
	for i, c := range cells {
		if c.N > 0 {
			w[i] = 1
			respondents += float64(c.N)
		}
	}
	matchable := respondents > 0
	rv := make([]rakeVar, len(vars))
	for k, v := range vars {
		var ok bool
		rv[k], ok = newRakeVar(k, m[v], cells)
		matchable = matchable && ok
	}

	var raked, settled bool
	for pass := 0; pass < maxTrimPasses && !settled; pass++ {
		// Rake.
		raked = false
		for sweep := 0; ; sweep++ {
			if rakeError(rv, cells, w, true) <= rakeTolerance {
				raked = true
				break
			}
			if sweep == maxRakeSweeps {
				break
			}
			for k := range rv {
				rv[k].adjust(cells, w)
			}
			rep.Iterations++
		}
		// Normalise to mean 1 and trim.
		var sum float64
		for i, c := range cells {
			if c.N > 0 {
				sum += float64(c.N) * w[i]
			}
		}
		if !(sum > 0) {
			settled = true
			break
		}
		mean := sum / respondents
		var moved float64
		rep.Trimmed = 0
		for i, c := range cells {
			if c.N <= 0 {
				continue
			}
			x := w[i] / mean
			y := math.Min(math.Max(x, low), high)
			if y != x {
				rep.Trimmed += c.N
				moved = math.Max(moved, math.Abs(y-x))
			}
			w[i] = y
		}
		settled = moved <= rakeTolerance
	}

	// The bounds must hold of the weights used: renormalise the last
	// trimmed weights to mean 1 (shares, indexes and n_eff do not change)
	// and check them again.
	inBounds := renormalise(cells, w, respondents, low, high)
	rep.Converged = matchable && raked && settled && inBounds
	rep.MaxError = *round(ptr(rakeError(rv, cells, w, false)), 6)
	var sw, sw2 float64
	for i, c := range cells {
		if c.N > 0 {
			n := float64(c.N)
			sw += n * w[i]
			sw2 += n * w[i] * w[i]
		}
	}
	if sw2 > 0 {
		rep.NEff = *round(ptr(sw*sw/sw2), 1)
	}
	return w, rep
}

// renormalise scales the weights of the cells with respondents to mean 1
// and reports whether every one lies in [low, high] (to within the raking
// tolerance).
func renormalise(cells []RakeCell, w []float64, respondents, low, high float64) bool {
	var sum float64
	for i, c := range cells {
		if c.N > 0 {
			sum += float64(c.N) * w[i]
		}
	}
	if !(sum > 0) || !(respondents > 0) {
		return true
	}
	mean := sum / respondents
	ok := true
	for i, c := range cells {
		if c.N <= 0 {
			continue
		}
		w[i] /= mean
		if w[i] < low-rakeTolerance || w[i] > high+rakeTolerance {
			ok = false
		}
	}
	return ok
}

// rakeVar is one raked variable: its levels' target shares and each
// cell's level.
type rakeVar struct {
	target []float64 // each level's share of the margins
	eff    []float64 // the share among the levels that have respondents
	level  []int     // each cell's level, -1 when the cell is left out
}

// newRakeVar indexes one variable's margins (levels in code order, so that
// sums do not depend on map order); false when they cannot all be matched.
func newRakeVar(k int, margin map[string]float64, cells []RakeCell) (rakeVar, bool) {
	ok := true
	var codes []string
	var sum float64
	for _, code := range sortedKeys(margin) {
		v := margin[code]
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			ok = false
			continue
		}
		codes = append(codes, code)
		sum += v
	}
	rv := rakeVar{target: make([]float64, len(codes)), eff: make([]float64, len(codes)), level: make([]int, len(cells))}
	if math.IsInf(sum, 0) || sum <= 0 {
		for i := range rv.level {
			rv.level[i] = -1
		}
		return rv, false
	}
	index := map[string]int{}
	for l, code := range codes {
		index[code] = l
		rv.target[l] = margin[code] / sum
	}
	has := make([]bool, len(codes))
	for i, c := range cells {
		rv.level[i] = -1
		if c.N <= 0 || k >= len(c.Levels) {
			continue
		}
		if l, found := index[c.Levels[k]]; found && c.Levels[k] != "" {
			rv.level[i] = l
			has[l] = true
		}
	}
	var present float64
	for l, h := range has {
		if h {
			present += rv.target[l]
		} else {
			ok = false
		}
	}
	for l, h := range has {
		if h {
			rv.eff[l] = rv.target[l] / present
		}
	}
	return rv, ok
}

// totals is the weight at each level and of everyone who answered.
func (v *rakeVar) totals(cells []RakeCell, w []float64) ([]float64, float64) {
	cur := make([]float64, len(v.target))
	var total float64
	for i, c := range cells {
		if l := v.level[i]; l >= 0 {
			x := float64(c.N) * w[i]
			cur[l] += x
			total += x
		}
	}
	return cur, total
}

// adjust scales the weights at each level so that its share of the weight
// of those who answered meets its (effective) target.
func (v *rakeVar) adjust(cells []RakeCell, w []float64) {
	cur, total := v.totals(cells, w)
	if !(total > 0) {
		return
	}
	for i := range cells {
		if l := v.level[i]; l >= 0 && cur[l] > 0 {
			w[i] *= v.eff[l] * total / cur[l]
		}
	}
}

// rakeError is the largest |weighted share − target share| over every
// variable and level: against the effective targets while raking, against
// the margins as given for the report (a variable nobody answered then
// misses each target by all of it).
func rakeError(rv []rakeVar, cells []RakeCell, w []float64, effective bool) float64 {
	var worst float64
	for k := range rv {
		v := &rv[k]
		cur, total := v.totals(cells, w)
		for l := range v.target {
			target := v.target[l]
			if effective {
				target = v.eff[l]
			}
			share := 0.0
			if total > 0 {
				share = cur[l] / total
			}
			worst = math.Max(worst, math.Abs(share-target))
		}
	}
	return worst
}

// sortedKeys lists a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

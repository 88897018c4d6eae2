package stats

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// QuotaKey is the counter of the respondents of a unit (or of the whole
// survey without units) who fall into a quota cell, keyed by the cell's
// roles and codes so that reordering the cells keeps their counts.
func QuotaKey(q questionnaire.Quota) string {
	key := "quota:" + q.Label()
	if len(key) > 150 { // the tally key column holds 160
		sum := sha256.Sum256([]byte(key))
		key = "quota:#" + hex.EncodeToString(sum[:16])
	}
	return key
}

// QuotaProgress is one quota cell's completed interviews against its target.
type QuotaProgress struct {
	Cell     map[string]string `json:"cell"`
	Label    string            `json:"label"`
	Target   int               `json:"target"`
	Filled   int64             `json:"filled"`
	Progress float64           `json:"progress"`
}

// Notice names the units of one category that a campaign's notice (通报)
// lists: the Bottom lowest ranked and those under the Below threshold.
type Notice struct {
	Category string       `json:"category"`
	Name     string       `json:"name"`
	Bottom   int          `json:"bottom"`
	Below    float64      `json:"below,omitempty"`
	Units    []NoticeUnit `json:"units"`
}

// NoticeUnit is one named unit and why: "bottom" (in the bottom N),
// "below" (index under the threshold), "bottom_again" (in the bottom N of
// the previous year's survey too).
type NoticeUnit struct {
	Code    string   `json:"code"`
	Name    string   `json:"name"`
	Index   *float64 `json:"index"`
	Rank    *int     `json:"rank"`
	Reasons []string `json:"reasons"`
}

// Notice reasons.
const (
	NoticeBottom      = "bottom"
	NoticeBelow       = "below"
	NoticeBottomAgain = "bottom_again"
)

// campaignInto fills the units' category, target, completed interviews,
// progress and quotas, ranks them within their category and lists the
// notices. Completed counts the responses of the body's set (flagged
// responses in or out); quota cells count every accepted response.
func (c scorer) campaignInto(r *Results, t Tallies) {
	if !c.HasUnits() {
		r.Quotas = quotaProgress(t, "", c.Def.Quotas)
		return
	}
	for i := range r.Units {
		ur := &r.Units[i]
		u := c.Unit(ur.Code)
		ur.Category, ur.Target = u.Category, u.Target
		ur.Completed = ur.Responses
		if u.Target > 0 {
			ur.Progress = round(ptr(float64(ur.Completed)/float64(u.Target)), 4)
		}
		ur.Quotas = quotaProgress(t, u.Code, u.Quotas)
	}
	rankByCategory(r.Units, c.Def.RankMinN())
	r.Notices = c.notices(r.Units)
}

// unitCampaignInto fills the quotas of a body for one unit.
func (c scorer) unitCampaignInto(r *Results, t Tallies, unit string) {
	if u := c.Unit(unit); u != nil {
		r.Quotas = quotaProgress(t, unit, u.Quotas)
	}
}

func quotaProgress(t Tallies, unit string, quotas []questionnaire.Quota) []QuotaProgress {
	if len(quotas) == 0 {
		return nil
	}
	out := make([]QuotaProgress, len(quotas))
	for i, q := range quotas {
		filled := t[TallyID{Unit: unit, Key: QuotaKey(q)}].N
		out[i] = QuotaProgress{Cell: q.Cell, Label: q.Label(), Target: q.Target, Filled: filled,
			Progress: *round(ptr(float64(filled)/float64(q.Target)), 4)}
	}
	return out
}

// rankByCategory ranks the units of each category among themselves
// (RankUnitsMin, minN the least n of a ranked unit); units without a
// category form one group.
func rankByCategory(units []UnitResults, minN float64) {
	groups := map[string][]int{}
	var order []string
	for i, u := range units {
		if _, ok := groups[u.Category]; !ok {
			order = append(order, u.Category)
		}
		groups[u.Category] = append(groups[u.Category], i)
	}
	for _, cat := range order {
		idx := groups[cat]
		group := make([]UnitResults, len(idx))
		for j, i := range idx {
			group[j] = units[i]
		}
		RankUnitsMin(group, minN)
		for j, i := range idx {
			units[i].Rank, units[i].Tied, units[i].RankRange = group[j].Rank, group[j].Tied, group[j].RankRange
		}
	}
}

// notices lists, per category of a campaign, the ranked units in the
// bottom N (with the units tied with the Nth from the bottom) and the
// units whose overall index is under the threshold.
func (c scorer) notices(units []UnitResults) []Notice {
	if len(c.Def.Categories) == 0 && c.Def.Notices == nil {
		return nil
	}
	rule := c.Def.Notices
	bottom := rule.BottomOrDefault()
	below := 0.0
	if rule != nil {
		below = rule.Below
	}
	cats := c.Def.Categories
	if len(cats) == 0 {
		cats = []questionnaire.Category{{Code: "", Name: "全部单位 all units"}}
	}
	var out []Notice
	for _, cat := range cats {
		var ranked []*UnitResults
		for i := range units {
			if units[i].Category == cat.Code && units[i].Rank != nil {
				ranked = append(ranked, &units[i])
			}
		}
		// Lowest index first; equal indexes in definition order reversed.
		slices.SortStableFunc(ranked, func(a, b *UnitResults) int {
			return cmp.Compare(*a.Overall.Index, *b.Overall.Index)
		})
		n := Notice{Category: cat.Code, Name: cat.Name, Bottom: bottom, Below: below, Units: []NoticeUnit{}}
		cut := 0 // the rank from which a unit is in the bottom N
		if bottom > 0 && len(ranked) > 0 {
			cut = *ranked[min(bottom, len(ranked))-1].Rank
		}
		for _, u := range ranked {
			var reasons []string
			if cut > 0 && *u.Rank >= cut {
				reasons = append(reasons, NoticeBottom)
			}
			if below > 0 && *u.Overall.Index < below {
				reasons = append(reasons, NoticeBelow)
			}
			if len(reasons) > 0 {
				n.Units = append(n.Units, NoticeUnit{Code: u.Code, Name: u.Name, Index: u.Overall.Index, Rank: u.Rank, Reasons: reasons})
			}
		}
		out = append(out, n)
	}
	return out
}

// MarkRepeatNotices adds the reason "bottom_again" to the units of r's
// notices that were in the bottom N of their category in prev, the
// previous year's results (matched by unit code).
func MarkRepeatNotices(r, prev *Results) {
	if r == nil || prev == nil {
		return
	}
	before := map[string]bool{}
	for _, n := range prev.Notices {
		for _, u := range n.Units {
			if slices.Contains(u.Reasons, NoticeBottom) {
				before[u.Code] = true
			}
		}
	}
	for i := range r.Notices {
		for j := range r.Notices[i].Units {
			u := &r.Notices[i].Units[j]
			if before[u.Code] && slices.Contains(u.Reasons, NoticeBottom) {
				u.Reasons = append(u.Reasons, NoticeBottomAgain)
			}
		}
	}
}

// ScoreCategory is Score for the units of one category: the body's
// figures are those of the category's respondents pooled (the sum of its
// units' counters), on the category's areas, and its units and notices
// are the category's only. ok is false when there is no such category.
func ScoreCategory(c *questionnaire.Compiled, t Tallies, category string, excludeFlagged bool) (Results, bool) {
	cat := c.Category(category)
	if cat == nil {
		return Results{}, false
	}
	sc := scorer{c}
	r := sc.score(t, "", excludeFlagged)
	r.Category = category
	pooled := map[string]TallyValue{}
	var flagged int64
	var units []UnitResults
	var first string // a unit of the category, whose areas are the category's
	groups := t.scopes()
	for _, u := range r.Units {
		if u.Category != category {
			continue
		}
		if first == "" {
			first = u.Code
		}
		units = append(units, u)
		for k, v := range groups.scopeFor(u.Code, excludeFlagged) {
			p := pooled[k]
			p.N, p.Sum, p.SumSq = p.N+v.N, p.Sum+v.Sum, p.SumSq+v.SumSq
			pooled[k] = p
		}
		flagged += groups[[2]string{u.Code, ""}][KeyFlagged].N
	}
	r.Units = units
	r.Flagged = flagged
	r.OverallQuestion = nil
	sc.scoreIntoOf(&r, unweighted(pooled), false, first)
	var notices []Notice
	for _, n := range r.Notices {
		if n.Category == category {
			notices = append(notices, n)
		}
	}
	r.Notices = notices
	return r, true
}

// UnitRanking is where one unit stands in its category, for the body of
// that unit: its rank, rank range and ties among the Of ranked units of
// its category, and its sample against its plan.
type UnitRanking struct {
	Category     string   `json:"category,omitempty"`
	CategoryName string   `json:"category_name,omitempty"`
	Rank         *int     `json:"rank"`
	Tied         bool     `json:"tied,omitempty"`
	RankRange    []int    `json:"rank_range"`
	Of           int      `json:"of"`
	Target       int      `json:"target,omitempty"`
	Completed    int64    `json:"completed"`
	Progress     *float64 `json:"progress"`
	Notice       []string `json:"notice,omitempty"` // the reasons a notice names it
}

// RankingOf is the ranking of unit in all, the body of every unit; nil
// when all does not hold the unit.
func RankingOf(c *questionnaire.Compiled, all *Results, unit string) *UnitRanking {
	for _, u := range all.Units {
		if u.Code != unit {
			continue
		}
		r := &UnitRanking{Category: u.Category, Rank: u.Rank, Tied: u.Tied, RankRange: u.RankRange,
			Target: u.Target, Completed: u.Completed, Progress: u.Progress}
		if cat := c.Category(u.Category); cat != nil {
			r.CategoryName = cat.Name
		}
		for _, o := range all.Units {
			if o.Category == u.Category && o.Rank != nil {
				r.Of++
			}
		}
		for _, n := range all.Notices {
			for _, nu := range n.Units {
				if nu.Code == unit {
					r.Notice = nu.Reasons
				}
			}
		}
		return r
	}
	return nil
}

// ScoreUnitBreakdown is ScoreBreakdown for the respondents of one unit
// ("" for all), on the unit's areas.
func ScoreUnitBreakdown(c *questionnaire.Compiled, t Tallies, unit, role string, excludeFlagged bool) *Breakdown {
	if unit == "" {
		return ScoreBreakdown(c, t, role, excludeFlagged)
	}
	q := c.BreakdownQuestion(role)
	if q == nil {
		return nil
	}
	b := &Breakdown{By: role}
	groups := t.scopes()
	for _, o := range q.Options {
		scope := breakdownCounters{unweighted(groups.cellFor(unit, DimKey(role, o.Code), excludeFlagged))}
		cell := BreakdownCell{Code: o.Code, Label: o.Label, Responses: scope.get(KeyResponses).N}
		cell.Overall, cell.Areas = scorer{c}.scoreAreasOf(scope, false, unit)
		b.Cells = append(b.Cells, cell)
	}
	return b
}

package questionnaire

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Campaign limits.
const (
	MaxCategories = 50
	MaxQuotas     = 500
	MaxTarget     = 1000000
	// DefaultNoticeBottom is how many units at the bottom of each category
	// a notice names when the definition does not say.
	DefaultNoticeBottom = 3
)

// Category is a kind of evaluated unit (cities and counties, provincial
// agencies) with the areas that apply to its units.
type Category struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Areas are the codes of the areas that apply; none means every area.
	Areas []string `json:"areas,omitempty"`
}

// Quota is one quota cell: the respondents whose answers to the questions
// with the cell's roles (town, age, gender) equal its option codes, and how
// many of them are planned.
type Quota struct {
	Cell   map[string]string `json:"cell"`
	Target int               `json:"target"`
}

// Matches reports whether a respondent with these demographic answers
// (role → option code) falls into the cell.
func (q Quota) Matches(demo map[string]string) bool {
	for role, code := range q.Cell {
		if demo[role] != code {
			return false
		}
	}
	return true
}

// Label names the cell by its roles and codes, in role order, e.g.
// "age=a2 gender=f".
func (q Quota) Label() string {
	roles := make([]string, 0, len(q.Cell))
	for r := range q.Cell {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = r + "=" + q.Cell[r]
	}
	return strings.Join(parts, " ")
}

// NoticeRule says which units of each category a notice (通报) names: the
// Bottom lowest ranked (default 3) and any below the index Below (0: no
// threshold).
type NoticeRule struct {
	Bottom int     `json:"bottom,omitempty"`
	Below  float64 `json:"below,omitempty"`
}

// BottomOrDefault is how many units at the bottom a notice names.
func (n *NoticeRule) BottomOrDefault() int {
	if n == nil || n.Bottom == 0 {
		return DefaultNoticeBottom
	}
	return n.Bottom
}

// validateCampaign checks categories, the units' campaign fields, quotas
// and the notice rule; areas and extras have been checked before.
func (d *Definition) validateCampaign(c *checker) {
	if len(d.Categories) > MaxCategories {
		c.add("categories", "类别过多 too many categories: %d > %d", len(d.Categories), MaxCategories)
		return
	}
	areaCodes := map[string]bool{}
	for _, a := range d.Areas {
		areaCodes[a.Code] = true
	}
	seen := map[string]string{}
	catAreas := map[string]map[string]bool{}
	for i, cat := range d.Categories {
		p := fmt.Sprintf("categories[%d]", i)
		c.code(p+".code", cat.Code, seen)
		c.text(p+".name", cat.Name, true, maxNameLength)
		applies := map[string]bool{}
		for j, code := range cat.Areas {
			ap := fmt.Sprintf("%s.areas[%d]", p, j)
			switch {
			case !areaCodes[code]:
				c.add(ap, "没有这个领域 no such area %q", limitKey(code))
			case applies[code]:
				c.add(ap, "领域重复 area %q listed twice", code)
			}
			applies[code] = true
		}
		if len(cat.Areas) == 0 {
			applies = areaCodes
		}
		catAreas[cat.Code] = applies
	}
	for i, u := range d.Units {
		p := fmt.Sprintf("units[%d]", i)
		applies := areaCodes
		switch {
		case u.Category == "" && len(d.Categories) > 0:
			c.add(p+".category", "请选择类别 choose one of the categories")
		case u.Category != "" && catAreas[u.Category] == nil:
			c.add(p+".category", "没有这个类别 no such category %q", limitKey(u.Category))
		case u.Category != "":
			applies = catAreas[u.Category]
		}
		codes := make([]string, 0, len(u.Summaries))
		for code := range u.Summaries {
			codes = append(codes, code)
		}
		slices.Sort(codes)
		for _, code := range codes {
			sp := p + ".summaries." + limitKey(code)
			switch {
			case !areaCodes[code]:
				c.add(sp, "没有这个领域 no such area")
			case !applies[code]:
				c.add(sp, "该领域不适用于本单位的类别 this area does not apply to the unit's category")
			default:
				c.text(sp, u.Summaries[code], false, maxSummaryLength)
			}
		}
		if u.Target < 0 || u.Target > MaxTarget {
			c.add(p+".target", "样本目标须在0-%d之间 target must be 0-%d", MaxTarget, MaxTarget)
		}
		d.validateQuotas(c, p+".quotas", u.Quotas)
	}
	if len(d.Quotas) > 0 && len(d.Units) > 0 {
		c.add("quotas", "有单位的调查请在各单位下设配额 a survey with units sets quotas on each unit")
	}
	d.validateQuotas(c, "quotas", d.Quotas)
	if n := d.Notices; n != nil {
		if n.Bottom < 0 || n.Bottom > MaxUnits {
			c.add("notices.bottom", "须在0-%d之间 must be 0-%d", MaxUnits, MaxUnits)
		}
		if !(n.Below >= 0 && n.Below <= 100) {
			c.add("notices.below", "须在0-100之间 must be 0-100")
		}
	}
}

// validateQuotas checks quota cells: roles the survey has, option codes
// of their questions, and positive targets.
func (d *Definition) validateQuotas(c *checker, path string, quotas []Quota) {
	if len(quotas) > MaxQuotas {
		c.add(path, "配额过多 too many quota cells: %d > %d", len(quotas), MaxQuotas)
		return
	}
	byRole := map[string]*Question{}
	for i, q := range d.Extra {
		switch q.Role {
		case RoleTown, RoleAge, RoleGender:
			byRole[q.Role] = &d.Extra[i]
		}
	}
	cells := map[string]string{}
	for i, q := range quotas {
		p := fmt.Sprintf("%s[%d]", path, i)
		if len(q.Cell) == 0 {
			c.add(p+".cell", "配额须指定至少一个角色 a cell names at least one of town, age, gender")
		}
		roles := make([]string, 0, len(q.Cell))
		for r := range q.Cell {
			roles = append(roles, r)
		}
		slices.Sort(roles)
		for _, role := range roles {
			rp := p + ".cell." + limitKey(role)
			question := byRole[role]
			switch {
			case role != RoleTown && role != RoleAge && role != RoleGender:
				c.add(rp, "未知角色 unknown role (town, age, gender)")
			case question == nil:
				c.add(rp, "本调查没有这个角色的题目 the survey has no question with this role")
			case !slices.ContainsFunc(question.Options, func(o Option) bool { return o.Code == q.Cell[role] }):
				c.add(rp, "没有这个选项 no such option %q", limitKey(q.Cell[role]))
			}
		}
		if q.Target < 1 || q.Target > MaxTarget {
			c.add(p+".target", "配额目标须在1-%d之间 target must be 1-%d", MaxTarget, MaxTarget)
		}
		if label := q.Label(); len(q.Cell) > 0 && cells[label] != "" {
			c.add(p+".cell", "配额重复，已用于 %s cell already used at %s", cells[label], cells[label])
		} else {
			cells[label] = p
		}
	}
}

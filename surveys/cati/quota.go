package cati

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Roles a quota cell may name: the questionnaire's demographic questions.
const (
	RoleTown   = "town"
	RoleAge    = "age"
	RoleGender = "gender"
)

// MaxCellKey is the longest a cell key can be: three roles with
// 64-character codes.
const MaxCellKey = len("age=,gender=,town=") + 3*64

// codePattern is the definition's option code rule.
var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+\-.]{0,63}$`)

// ErrCell refuses a quota cell that names an unknown role or a bad code.
var ErrCell = errors.New("cati: 配额单元无效 invalid quota cell")

// ErrScreening refuses screening answers that lack a role a cell needs.
var ErrScreening = errors.New("cati: 甄别信息不完整 screening is missing an answer")

// Cell is a quota cell: option codes by role ({"town": "t01", "gender":
// "f"}) naming any subset of town, age and gender. A respondent is in the
// cell when their answers equal every code it names; a cell naming none
// holds everybody.
type Cell map[string]string

// Validate checks the roles and codes.
func (c Cell) Validate() error {
	for role, code := range c {
		switch role {
		case RoleTown, RoleAge, RoleGender:
		default:
			return fmt.Errorf("%w: 未知角色 %q unknown role (town, age, gender)", ErrCell, role)
		}
		if !codePattern.MatchString(code) {
			return fmt.Errorf("%w: %s: 选项代码 %q 无效 invalid option code", ErrCell, role, code)
		}
	}
	return nil
}

// Key is the cell's canonical text, its roles in alphabetical order:
// "age=a2,gender=f,town=t01"; "" for the cell that holds everybody.
func (c Cell) Key() string {
	roles := make([]string, 0, len(c))
	for r := range c {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = r + "=" + c[r]
	}
	return strings.Join(parts, ",")
}

// ParseCellKey reads a Key back into a cell.
func ParseCellKey(key string) (Cell, error) {
	c := Cell{}
	if key == "" {
		return c, nil
	}
	for _, part := range strings.Split(key, ",") {
		role, code, ok := strings.Cut(part, "=")
		if _, dup := c[role]; !ok || dup {
			return nil, fmt.Errorf("%w: key %q", ErrCell, key)
		}
		c[role] = code
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Key() != key {
		return nil, fmt.Errorf("%w: key %q is not canonical (%q)", ErrCell, key, c.Key())
	}
	return c, nil
}

// Matches reports whether screening answers (option codes by role) are in
// the cell. A role the cell names that the screening lacks is an error:
// leaving an answer out must not step around a quota.
func (c Cell) Matches(screening map[string]string) (bool, error) {
	in := true
	for role, code := range c {
		got := screening[role]
		if got == "" {
			return false, fmt.Errorf("%w: %s", ErrScreening, role)
		}
		in = in && got == code
	}
	return in, nil
}

// Matching returns the indexes of the cells the screening is in.
func Matching(cells []Cell, screening map[string]string) ([]int, error) {
	var out []int
	for i, c := range cells {
		ok, err := c.Matches(screening)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, i)
		}
	}
	return out, nil
}

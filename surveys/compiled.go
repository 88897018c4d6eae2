package surveys

import (
	"encoding/json"
	"fmt"
	"math"
	"sync"
)

// Compiled is a validated definition indexed for answering and scoring.
// Build it once per survey version with Compile; it is read-only afterwards.
type Compiled struct {
	Def       *Definition
	Questions []*CompiledQuestion // areas' questions in order, then extras
	byCode    map[string]*CompiledQuestion
	levels    map[string]Level
	dontKnow  string
	units     map[string]string
	breakdown []*CompiledQuestion // town, age, gender questions
	overall   *CompiledQuestion

	slotsOnce  sync.Once
	slotKeys   []string                  // counter slot → tally key
	optionSlot map[string]map[string]int // question → option → slot
}

// CompiledQuestion is a question with where it sits in the definition.
type CompiledQuestion struct {
	Question
	Area    int // index into Def.Areas, -1 for extras
	options map[string]bool
}

// Compile validates a definition and indexes it.
func Compile(d *Definition) (*Compiled, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	c := &Compiled{
		Def:    d,
		byCode: map[string]*CompiledQuestion{},
		levels: map[string]Level{},
		units:  map[string]string{},
	}
	for _, l := range d.Scale.Levels {
		c.levels[l.Code] = l
	}
	if d.Scale.DontKnow != nil {
		c.dontKnow = d.Scale.DontKnow.Code
	}
	for _, u := range d.Units {
		c.units[u.Code] = u.Name
	}
	add := func(q Question, area int) {
		cq := &CompiledQuestion{Question: q, Area: area, options: map[string]bool{}}
		for _, o := range q.Options {
			cq.options[o.Code] = true
		}
		c.Questions = append(c.Questions, cq)
		c.byCode[q.Code] = cq
		switch q.Role {
		case RoleTown, RoleAge, RoleGender:
			c.breakdown = append(c.breakdown, cq)
		case RoleOverall:
			c.overall = cq
		}
	}
	for i, a := range d.Areas {
		for _, q := range a.Questions {
			add(q, i)
		}
	}
	for _, q := range d.Extra {
		add(q, -1)
	}
	return c, nil
}

// CompileJSON decodes a stored definition and compiles it.
func CompileJSON(data []byte) (*Compiled, error) {
	var d Definition
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("surveys: decode definition: %w", err)
	}
	return Compile(&d)
}

// Question returns the question with that code, or nil.
func (c *Compiled) Question(code string) *CompiledQuestion { return c.byCode[code] }

// HasUnits reports whether respondents choose one of several evaluated units.
func (c *Compiled) HasUnits() bool { return len(c.Def.Units) > 0 }

// UnitName returns a unit's name and whether it exists.
func (c *Compiled) UnitName(code string) (string, bool) {
	n, ok := c.units[code]
	return n, ok
}

// ScaleOptions lists the scale's answers in on-screen order: levels, then "don't know".
func (c *Compiled) ScaleOptions() []Option {
	opts := make([]Option, 0, len(c.Def.Scale.Levels)+1)
	for _, l := range c.Def.Scale.Levels {
		opts = append(opts, Option{Code: l.Code, Label: l.Label})
	}
	if dk := c.Def.Scale.DontKnow; dk != nil {
		opts = append(opts, *dk)
	}
	return opts
}

// milli converts a 0-100 score to integer thousandths, so that sums kept
// incrementally are exact and do not depend on the order they were added in.
func milli(score float64) int64 { return int64(math.Round(score * 1000)) }

func weightOr1(w float64) float64 {
	if w == 0 {
		return 1
	}
	return w
}

package questionnaire

import (
	"encoding/json"
	"fmt"
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
	campaign  campaignIndex
}

// CompiledQuestion is a question with where it sits in the definition.
type CompiledQuestion struct {
	Question
	Area    int // index into Def.Areas, -1 for extras
	options map[string]bool
}

// HasOption reports whether code is one of the question's own options
// (single and multi questions; a satisfaction question's answers are the
// scale's, see Compiled.Level).
func (q *CompiledQuestion) HasOption(code string) bool { return q.options[code] }

// WeightOrDefault is the question's weight λ within its area, 1 when unset.
func (q Question) WeightOrDefault() float64 { return weightOr1(q.Weight) }

// WeightOrDefault is the area's weight ω in the overall index, 1 when unset.
func (a Area) WeightOrDefault() float64 { return weightOr1(a.Weight) }

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
	c.indexCampaign()
	return c, nil
}

// CompileJSON decodes a stored definition and compiles it.
func CompileJSON(data []byte) (*Compiled, error) {
	var d Definition
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("questionnaire: decode definition: %w", err)
	}
	return Compile(&d)
}

// Question returns the question with that code, or nil.
func (c *Compiled) Question(code string) *CompiledQuestion { return c.byCode[code] }

// Level returns the scale level with that code; false for "don't know"
// and for codes the scale lacks.
func (c *Compiled) Level(code string) (Level, bool) {
	l, ok := c.levels[code]
	return l, ok
}

// DontKnow is the code of the scale's "don't know" answer, "" when it has none.
func (c *Compiled) DontKnow() string { return c.dontKnow }

// BreakdownQuestions are the town, age and gender questions, in
// questionnaire order.
func (c *Compiled) BreakdownQuestions() []*CompiledQuestion { return c.breakdown }

// BreakdownQuestion is the question with the demographic role (town, age
// or gender), or nil.
func (c *Compiled) BreakdownQuestion(role string) *CompiledQuestion {
	for _, q := range c.breakdown {
		if q.Role == role {
			return q
		}
	}
	return nil
}

// OverallQuestion is the overall satisfaction question, or nil.
func (c *Compiled) OverallQuestion() *CompiledQuestion { return c.overall }

// HasUnits reports whether respondents choose one of several evaluated units.
func (c *Compiled) HasUnits() bool { return len(c.Def.Units) > 0 }

// UnitName returns a unit's name and whether it exists.
func (c *Compiled) UnitName(code string) (string, bool) {
	n, ok := c.units[code]
	return n, ok
}

// QuestionCount is the number of questions of the version.
func (c *Compiled) QuestionCount() int { return len(c.Questions) }

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

// OptionLabel is the label of a question's option or scale level, or the
// code itself when the version does not know it.
func (c *Compiled) OptionLabel(question, code string) string {
	q := c.byCode[question]
	if q == nil {
		return code
	}
	if q.Kind == KindSatisfaction {
		if l, ok := c.levels[code]; ok {
			return l.Label
		}
		if dk := c.Def.Scale.DontKnow; dk != nil && dk.Code == code {
			return dk.Label
		}
		return code
	}
	for _, o := range q.Options {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}

func weightOr1(w float64) float64 {
	if w == 0 {
		return 1
	}
	return w
}

package questionnaire

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a definition, so that one survey cannot exhaust the server.
const (
	MaxUnits          = 1000
	MaxAreas          = 100
	MaxQuestions      = 500
	MaxOptions        = 200
	MaxTextLimit      = 10000
	MaxWeight         = 1000
	maxNameLength     = 200
	maxSummaryLength  = 2000
	maxIntroLength    = 5000
	maxQuestionLength = 1000
)

var (
	codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+\-.]{0,63}$`)
	slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$`)
)

// ValidSlug reports whether s has the form of a survey slug. Callers answer
// "not found" for any other without asking the database, whose collation
// may match "social-2022 " (trailing space) or "SOCIAL-2022" to "social-2022".
func ValidSlug(s string) bool { return slugPattern.MatchString(s) }

// Problem is one thing wrong with a definition: where, and why.
type Problem struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

// DefinitionError lists every problem found in a definition.
type DefinitionError struct {
	Problems []Problem
}

func (e *DefinitionError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Path + ": " + p.Reason
	}
	return "questionnaire: invalid definition: " + strings.Join(parts, "; ")
}

type checker struct{ problems []Problem }

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) text(path, value string, required bool, limit int) {
	switch n := utf8.RuneCountInString(value); {
	case required && strings.TrimSpace(value) == "":
		c.add(path, "必填 required")
	case n > limit:
		c.add(path, "过长 too long: %d > %d characters", n, limit)
	}
}

// code checks a code and that seen holds no other code equal to it, case
// aside: tally keys made of codes sit in unique indexes, and MySQL's default
// collations fold case, so "M" and "m" would be counted as one option.
func (c *checker) code(path, value string, seen map[string]string) {
	key := strings.ToLower(value)
	switch {
	case value == "":
		c.add(path, "代码必填 code required")
	case !codePattern.MatchString(value):
		c.add(path, "代码只能含字母、数字、_ + - . (最长64) code must be letters, digits, _ + - . (max 64)")
	case seen[key] != "":
		c.add(path, "代码重复（不区分大小写），已用于 %s duplicate code (case aside), already used at %s", seen[key], seen[key])
	default:
		seen[key] = path
	}
}

// weight checks an area or item weight: 0 (the default, 1) to MaxWeight.
// Larger ones would overflow the weighted sums into infinities, which no
// results body can carry; NaN fails too.
func (c *checker) weight(path string, w float64) {
	if !(w >= 0 && w <= MaxWeight) {
		c.add(path, "权重须在0-%d之间（0为默认1） weight must be 0-%d (0 means the default, 1)", MaxWeight, MaxWeight)
	}
}

// Validate checks a definition and returns a *DefinitionError naming every
// problem, or nil when the definition can be published.
func (d *Definition) Validate() error {
	c := &checker{}
	if !slugPattern.MatchString(d.Slug) {
		c.add("slug", "须为3-64位小写字母、数字或- slug must be 3-64 lowercase letters, digits or -")
	}
	c.text("title", d.Title, true, maxNameLength)
	c.text("title_en", d.TitleEn, false, maxNameLength)
	c.text("intro", d.Intro, false, maxIntroLength)
	if d.Year < 1949 || d.Year > 2200 {
		c.add("year", "年份无效 year out of range")
	}
	if l := d.Legal; l != nil {
		c.text("legal.form_no", l.FormNo, false, maxNameLength)
		c.text("legal.issuer", l.Issuer, false, maxNameLength)
		c.text("legal.approver", l.Approver, false, maxNameLength)
		c.text("legal.approval_no", l.ApprovalNo, false, maxNameLength)
		c.text("legal.valid_until", l.ValidUntil, false, maxNameLength)
	}
	switch d.Dedup {
	case DedupDevice, DedupToken, DedupPhone, DedupWeChat:
	default:
		c.add("dedup", "须为 device、token、phone 或 wechat must be device, token, phone or wechat")
	}
	switch d.Results {
	case ResultsPublic, ResultsStaff:
	default:
		c.add("results", "须为 public 或 staff must be public or staff")
	}
	if d.Previous != "" && (!ValidSlug(d.Previous) || d.Previous == d.Slug) {
		c.add("previous", "须为另一份调查的标识 must be the slug of another survey")
	}
	c.thresholds(d.Thresholds)
	d.validatePrivacy(c)
	if r := d.Report; r != nil {
		if k := r.SuppressK; k != 0 && (k < MinSuppressK || k > MaxSuppressK) {
			c.add("report.suppress_k", "须为0（默认%d）或%d-%d suppression threshold must be 0 (default %d) or %d-%d",
				DefaultSuppressK, MinSuppressK, MaxSuppressK, DefaultSuppressK, MinSuppressK, MaxSuppressK)
		}
		c.text("report.issuer", r.Issuer, false, maxNameLength)
		c.quotes(r.Quotes)
	}

	if len(d.Units) > MaxUnits {
		c.add("units", "单位过多 too many units: %d > %d", len(d.Units), MaxUnits)
		return &DefinitionError{Problems: c.problems} // do not list thousands of problems
	}
	units := map[string]string{}
	for i, u := range d.Units {
		p := fmt.Sprintf("units[%d]", i)
		c.code(p+".code", u.Code, units)
		c.text(p+".name", u.Name, true, maxNameLength)
	}
	d.validateScale(c)

	if len(d.Areas) == 0 {
		c.add("areas", "至少需要一个领域 at least one area required")
	}
	if len(d.Areas) > MaxAreas {
		c.add("areas", "领域过多 too many areas: %d > %d", len(d.Areas), MaxAreas)
		return &DefinitionError{Problems: c.problems}
	}
	if n := d.QuestionCount(); n > MaxQuestions {
		c.add("areas", "题目过多 too many questions: %d > %d", n, MaxQuestions)
		return &DefinitionError{Problems: c.problems} // do not list thousands of problems
	}
	areas, questions := map[string]string{}, map[string]string{}
	roles := map[string]string{}
	for i, a := range d.Areas {
		p := fmt.Sprintf("areas[%d]", i)
		c.code(p+".code", a.Code, areas)
		c.text(p+".name", a.Name, true, maxNameLength)
		c.text(p+".summary", a.Summary, false, maxSummaryLength)
		c.weight(p+".weight", a.Weight)
		if len(a.Questions) == 0 {
			c.add(p+".questions", "每个领域至少一题 each area needs a question")
		}
		for j, q := range a.Questions {
			qp := fmt.Sprintf("%s.questions[%d]", p, j)
			if q.Kind != KindSatisfaction {
				c.add(qp+".kind", "领域题须为 satisfaction area questions must be satisfaction")
			}
			if q.Role != "" {
				c.add(qp+".role", "领域题不能设角色 area questions take no role")
			}
			d.validateQuestion(c, qp, q, questions)
		}
	}
	for i, q := range d.Extra {
		qp := fmt.Sprintf("extra[%d]", i)
		d.validateQuestion(c, qp, q, questions)
		switch q.Role {
		case "":
		case RoleOverall, RoleComment, RoleTown, RoleAge, RoleGender:
			if prev := roles[q.Role]; prev != "" {
				c.add(qp+".role", "角色重复，已用于 %s role already used at %s", prev, prev)
			}
			roles[q.Role] = qp
			if q.Role == RoleOverall && q.Kind != KindSatisfaction {
				c.add(qp+".kind", "总体满意度题须为 satisfaction overall must be satisfaction")
			}
			if (q.Role == RoleTown || q.Role == RoleAge || q.Role == RoleGender) && q.Kind != KindSingle {
				c.add(qp+".kind", "人口学题须为 single demographic questions must be single")
			}
		default:
			c.add(qp+".role", "未知角色 unknown role %q", q.Role)
		}
	}
	d.validateCampaign(c)
	if len(c.problems) > 0 {
		return &DefinitionError{Problems: c.problems}
	}
	return nil
}

func (d *Definition) validateScale(c *checker) {
	levels := d.Scale.Levels
	if len(levels) < 2 || len(levels) > 11 {
		c.add("scale.levels", "量表须有2-11级 scale needs 2-11 levels")
		if len(levels) > 11 {
			return
		}
	}
	seen := map[string]string{}
	for i, l := range levels {
		p := fmt.Sprintf("scale.levels[%d]", i)
		c.code(p+".code", l.Code, seen)
		c.text(p+".label", l.Label, true, maxNameLength)
		if l.Score < 0 || l.Score > 100 {
			c.add(p+".score", "分值须在0-100之间 score must be 0-100")
		}
		switch l.Class {
		case ClassSatisfied, ClassNeutral, ClassDissatisfied:
		default:
			c.add(p+".class", "须为 satisfied、neutral 或 dissatisfied must be satisfied, neutral or dissatisfied")
		}
	}
	if dk := d.Scale.DontKnow; dk != nil {
		c.code("scale.dont_know.code", dk.Code, seen)
		c.text("scale.dont_know.label", dk.Label, true, maxNameLength)
	}
}

func (d *Definition) validateQuestion(c *checker, p string, q Question, seen map[string]string) {
	c.code(p+".code", q.Code, seen)
	switch q.Code {
	case "unit", "submission_id", "phone", "token", "answers":
		c.add(p+".code", "代码为保留字 code is reserved")
	}
	c.text(p+".text", q.Text, true, maxQuestionLength)
	c.weight(p+".weight", q.Weight)
	switch q.Kind {
	case KindSatisfaction, KindText:
		if len(q.Options) > 0 {
			c.add(p+".options", "此题型不设选项 this kind takes no options")
		}
	case KindSingle, KindMulti:
		if len(q.Options) == 0 {
			c.add(p+".options", "至少需要一个选项 at least one option required")
		}
		if len(q.Options) > MaxOptions {
			c.add(p+".options", "选项过多 too many options: %d > %d", len(q.Options), MaxOptions)
			break
		}
		opts := map[string]string{}
		for i, o := range q.Options {
			op := fmt.Sprintf("%s.options[%d]", p, i)
			c.code(op+".code", o.Code, opts)
			c.text(op+".label", o.Label, true, maxNameLength)
		}
	default:
		c.add(p+".kind", "未知题型 unknown kind %q (satisfaction, single, multi, text)", q.Kind)
	}
	if q.MaxLength < 0 || q.MaxLength > MaxTextLimit {
		c.add(p+".max_length", "须在0-%d之间 must be 0-%d", MaxTextLimit, MaxTextLimit)
	}
}

// QuestionCount is the number of questions in areas and extras.
func (d *Definition) QuestionCount() int {
	n := len(d.Extra)
	for _, a := range d.Areas {
		n += len(a.Questions)
	}
	return n
}

// quotes checks the report's staff-selected quotes: at most
// MaxReportQuotes, each plain text (no markup) of one line, not empty, at most
// MaxReportQuoteChars characters.
func (c *checker) quotes(qs []string) {
	if len(qs) > MaxReportQuotes {
		c.add("report.quotes", "引语过多 too many quotes: %d > %d", len(qs), MaxReportQuotes)
		return
	}
	for i, q := range qs {
		p := fmt.Sprintf("report.quotes[%d]", i)
		if strings.IndexFunc(q, unicode.IsControl) >= 0 || strings.ContainsAny(q, "<>") {
			c.add(p, "须为一行纯文字，不含控制字符或 < > must be one line of plain text, without control characters or < >")
			continue
		}
		c.text(p, q, true, MaxReportQuoteChars)
	}
}

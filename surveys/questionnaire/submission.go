package questionnaire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrMalformed marks a request body that is not the JSON the API expects.
var ErrMalformed = errors.New("questionnaire: malformed submission")

// InvalidError is a submission that is well-formed but does not fit the
// questionnaire; Fields maps a question code (or "unit", "submission_id") to a reason.
type InvalidError struct {
	Fields map[string]string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("questionnaire: invalid submission (%d fields)", len(e.Fields))
}

// maxUnknownReported caps how many unknown question codes a 422 lists.
const maxUnknownReported = 20

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Submission is the body of POST /api/v1/surveys/{slug}/responses.
type Submission struct {
	SubmissionID string                     `json:"submission_id"`
	Unit         string                     `json:"unit,omitempty"`
	Token        string                     `json:"token,omitempty"`
	Phone        string                     `json:"phone,omitempty"`
	OTP          string                     `json:"otp,omitempty"` // the text-message code, phone mode with codes on
	StartedAt    *time.Time                 `json:"started_at,omitempty"`
	Answers      map[string]json.RawMessage `json:"answers"`
}

// Answer is one checked answer: option codes for choice and scale questions,
// or a text.
type Answer struct {
	Question string
	Values   []string
	Text     string
}

// DecodeSubmission parses a request body. Unknown top-level fields and
// trailing data are malformed; answers are checked later against a version.
func DecodeSubmission(body []byte) (*Submission, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var s *Submission
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if s == nil {
		return nil, fmt.Errorf("%w: the body is null", ErrMalformed)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	return s, nil
}

// Check validates a submission against this version and returns its answers
// in questionnaire order, or an *InvalidError naming every bad field.
func (c *Compiled) Check(s *Submission) ([]Answer, error) {
	fields := map[string]string{}
	if !uuidPattern.MatchString(s.SubmissionID) {
		fields["submission_id"] = "须为客户端生成的UUID submission_id must be a UUID made by the client"
	}
	if c.HasUnits() {
		if _, ok := c.units[s.Unit]; !ok {
			fields["unit"] = "请选择被评价单位 choose one of the survey's units"
		}
	} else if s.Unit != "" {
		fields["unit"] = "本调查不分单位 this survey has no units"
	}
	unknown := 0
	for code := range s.Answers {
		if c.byCode[code] != nil {
			continue
		}
		if unknown++; unknown > maxUnknownReported {
			fields["answers"] = "还有更多不存在的题目 more unknown questions not listed"
			break
		}
		if _, taken := fields[code]; !taken {
			fields[limitKey(code)] = "没有这道题 no such question"
		}
	}
	answers := make([]Answer, 0, len(s.Answers))
	for _, q := range c.Questions {
		raw, ok := s.Answers[q.Code]
		if q.Area >= 0 && !c.AreaApplies(s.Unit, q.Area) {
			// A unit is never scored on an area that does not apply to it.
			if ok && !isNull(raw) {
				fields[q.Code] = "该领域不适用于所评单位 this area does not apply to the unit"
			}
			continue
		}
		if !ok || isNull(raw) {
			if q.Required {
				fields[q.Code] = "必答题 this question is required"
			}
			continue
		}
		a, reason := c.checkAnswer(q, raw)
		switch {
		case reason != "":
			fields[q.Code] = reason
		case a.Values == nil && a.Text == "":
			if q.Required {
				fields[q.Code] = "必答题 this question is required"
			}
		default:
			answers = append(answers, a)
		}
	}
	if len(fields) > 0 {
		return nil, &InvalidError{Fields: fields}
	}
	return answers, nil
}

func (c *Compiled) checkAnswer(q *CompiledQuestion, raw json.RawMessage) (Answer, string) {
	a := Answer{Question: q.Code}
	switch q.Kind {
	case KindSatisfaction, KindSingle:
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return a, "须为一个选项代码 must be one option code (a string)"
		}
		if !c.validOption(q, v) {
			return a, fmt.Sprintf("没有这个选项 no such option %q", limitKey(v))
		}
		a.Values = []string{v}
	case KindMulti:
		var vs []string
		if err := json.Unmarshal(raw, &vs); err != nil {
			return a, "须为选项代码列表 must be a list of option codes"
		}
		seen := map[string]bool{}
		for _, v := range vs {
			if !q.options[v] {
				return a, fmt.Sprintf("没有这个选项 no such option %q", limitKey(v))
			}
			if seen[v] {
				return a, fmt.Sprintf("选项重复 option %q given twice", limitKey(v))
			}
			seen[v] = true
		}
		if len(vs) > 0 {
			a.Values = vs
		}
	case KindText:
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return a, "须为文字 must be text (a string)"
		}
		if !utf8.ValidString(v) {
			return a, "文字编码无效 text is not valid UTF-8"
		}
		limit := q.MaxLength
		if limit == 0 {
			limit = DefaultTextLimit
		}
		if n := utf8.RuneCountInString(v); n > limit {
			return a, fmt.Sprintf("最多%d字，现有%d字 at most %d characters, got %d", limit, n, limit, n)
		}
		a.Text = strings.TrimSpace(v)
	}
	return a, ""
}

func (c *Compiled) validOption(q *CompiledQuestion, v string) bool {
	if q.Kind == KindSatisfaction {
		_, ok := c.levels[v]
		return ok || (c.dontKnow != "" && v == c.dontKnow)
	}
	return q.options[v]
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// limitKey keeps a client-chosen string short enough to echo back in an error.
func limitKey(s string) string {
	if len(s) <= 64 && utf8.ValidString(s) {
		return s
	}
	r := []rune(strings.ToValidUTF8(s, "?"))
	if len(r) > 64 {
		r = r[:64]
	}
	return string(r) + "…"
}

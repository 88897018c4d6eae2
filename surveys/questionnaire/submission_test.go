package questionnaire_test

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

const testSubmissionID = "0b6c5f1e-2d3a-4c8b-9e7f-1a2b3c4d5e6f"

func TestDecodeSubmission(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *questionnaire.Submission // nil when malformed
	}{
		{"minimal", `{"submission_id":"` + testSubmissionID + `","answers":{"q1":"5"}}`,
			&questionnaire.Submission{SubmissionID: testSubmissionID, Answers: map[string]json.RawMessage{"q1": json.RawMessage(`"5"`)}}},
		{"surrounding white space", " \n\t{\"answers\":{}}\r\n ",
			&questionnaire.Submission{Answers: map[string]json.RawMessage{}}},
		{"unit and token", `{"unit":"u1","token":"abc","answers":{}}`,
			&questionnaire.Submission{Unit: "u1", Token: "abc", Answers: map[string]json.RawMessage{}}},

		{"not JSON", `submission_id=1&q1=5`, nil},
		{"empty body", ``, nil},
		{"only white space", "  \n", nil},
		{"truncated", `{"answers":{"q1":"5"}`, nil},
		{"trailing object", `{"answers":{}} {"answers":{}}`, nil},
		{"trailing garbage", `{"answers":{}}x`, nil},
		{"trailing number", `{"answers":{}} 1`, nil},
		// Regression: json.Decoder.More is false before ']' or '}', so
		// checking More alone accepted these.
		{"trailing bracket", `{"answers":{}}]`, nil},
		{"trailing brace", `{"answers":{}}}`, nil},
		{"unknown top-level field", `{"answers":{},"score":100}`, nil},
		{"top-level array", `[{"answers":{}}]`, nil},
		{"top-level string", `"answers"`, nil},
		{"answers is an array", `{"answers":["5","4"]}`, nil},
		{"answers is a string", `{"answers":"5"}`, nil},
		{"submission_id is a number", `{"submission_id":12345,"answers":{}}`, nil},
		{"unit is an object", `{"unit":{"code":"u1"},"answers":{}}`, nil},
		{"started_at not a time", `{"started_at":"yesterday","answers":{}}`, nil},
		{"started_at is a number", `{"started_at":1700000000,"answers":{}}`, nil},
		{"single quotes", `{'answers':{}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := questionnaire.DecodeSubmission([]byte(tt.body))
			if tt.want == nil {
				if !errors.Is(err, questionnaire.ErrMalformed) {
					t.Fatalf("DecodeSubmission(%q) = %+v, %v; want an error wrapping ErrMalformed", tt.body, got, err)
				}
				if got != nil {
					t.Errorf("DecodeSubmission returned a submission with an error: %+v", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeSubmission(%q): %v", tt.body, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("DecodeSubmission(%q)\n got %+v\nwant %+v", tt.body, got, tt.want)
			}
		})
	}
}

// rawAnswers turns code → JSON text into submission answers.
func rawAnswers(m map[string]string) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = json.RawMessage(v)
	}
	return out
}

// fullSmallAnswers answers every question of smallDefinition.
func fullSmallAnswers() map[string]string {
	return map[string]string{
		"q1": `"5"`, "q2": `"dk"`, "q3": `"3"`, "overall": `"4"`,
		"town": `"t1"`, "topics": `["x","z"]`, "comment": `"很好"`,
	}
}

func TestCheck(t *testing.T) {
	plain := mustCompile(t, smallDefinition())
	withUnits := smallDefinition()
	withUnits.Units = []questionnaire.Unit{{Code: "u1", Name: "琼海市"}, {Code: "u2", Name: "万宁市"}}
	units := mustCompile(t, withUnits)

	fullAnswers := []questionnaire.Answer{
		{Question: "q1", Values: []string{"5"}},
		{Question: "q2", Values: []string{"dk"}},
		{Question: "q3", Values: []string{"3"}},
		{Question: "overall", Values: []string{"4"}},
		{Question: "town", Values: []string{"t1"}},
		{Question: "topics", Values: []string{"x", "z"}},
		{Question: "comment", Text: "很好"},
	}
	requiredAnswers := fullAnswers[:5]

	tests := []struct {
		name        string
		compiled    *questionnaire.Compiled
		unit        string
		id          string // "" means testSubmissionID
		noID        bool
		change      map[string]string
		remove      []string
		wantFields  []string               // exact set of InvalidError.Fields keys; nil when valid
		wantAnswers []questionnaire.Answer // checked when valid
	}{
		{name: "valid full answer", compiled: plain, wantAnswers: fullAnswers},
		{name: "valid required only", compiled: plain, remove: []string{"topics", "comment"}, wantAnswers: requiredAnswers},
		{name: "null treated as absent", compiled: plain, change: map[string]string{"topics": `null`, "comment": ` null `},
			wantAnswers: requiredAnswers},
		{name: "empty multi treated as absent", compiled: plain, change: map[string]string{"topics": `[]`},
			wantAnswers: append(slices.Clone(requiredAnswers), questionnaire.Answer{Question: "comment", Text: "很好"})},
		{name: "blank text treated as absent", compiled: plain, change: map[string]string{"comment": `"  \n"`},
			wantAnswers: fullAnswers[:6]},
		{name: "text trimmed", compiled: plain, change: map[string]string{"comment": `" 好 "`},
			wantAnswers: append(slices.Clone(fullAnswers[:6]), questionnaire.Answer{Question: "comment", Text: "好"})},
		{name: "text of max_length Chinese characters", compiled: plain, change: map[string]string{"comment": `"非常满意啊"`},
			wantAnswers: append(slices.Clone(fullAnswers[:6]), questionnaire.Answer{Question: "comment", Text: "非常满意啊"})},
		{name: "dont know on the overall question", compiled: plain, change: map[string]string{"overall": `"dk"`},
			wantAnswers: slices.Concat(fullAnswers[:3], []questionnaire.Answer{{Question: "overall", Values: []string{"dk"}}}, fullAnswers[4:])},
		{name: "escaped option code", compiled: plain, change: map[string]string{"town": `"\u0074\u0031"`}, wantAnswers: fullAnswers},

		{name: "unknown question", compiled: plain, change: map[string]string{"q99": `"5"`}, wantFields: []string{"q99"}},
		{name: "unknown question with a long code", compiled: plain, change: map[string]string{strings.Repeat("k", 100): `"5"`},
			wantFields: []string{strings.Repeat("k", 64) + "…"}},
		{name: "unknown level", compiled: plain, change: map[string]string{"q1": `"6"`}, wantFields: []string{"q1"}},
		{name: "level label instead of code", compiled: plain, change: map[string]string{"q1": `"满意"`}, wantFields: []string{"q1"}},
		{name: "unknown single option", compiled: plain, change: map[string]string{"town": `"t3"`}, wantFields: []string{"town"}},
		{name: "dont know on a single question", compiled: plain, change: map[string]string{"town": `"dk"`}, wantFields: []string{"town"}},
		{name: "level code on a single question", compiled: plain, change: map[string]string{"town": `"5"`}, wantFields: []string{"town"}},
		{name: "missing required", compiled: plain, remove: []string{"q2"}, wantFields: []string{"q2"}},
		{name: "null on a required question", compiled: plain, change: map[string]string{"q3": `null`}, wantFields: []string{"q3"}},
		{name: "empty string on a required question", compiled: plain, change: map[string]string{"q1": `""`}, wantFields: []string{"q1"}},
		{name: "no answers at all", compiled: plain, remove: slices.Collect(maps.Keys(fullSmallAnswers())),
			wantFields: []string{"q1", "q2", "q3", "overall", "town"}},
		{name: "satisfaction as array", compiled: plain, change: map[string]string{"q1": `["5"]`}, wantFields: []string{"q1"}},
		{name: "satisfaction as number", compiled: plain, change: map[string]string{"q1": `5`}, wantFields: []string{"q1"}},
		{name: "satisfaction as object", compiled: plain, change: map[string]string{"q1": `{"code":"5"}`}, wantFields: []string{"q1"}},
		{name: "satisfaction as bool", compiled: plain, change: map[string]string{"q1": `true`}, wantFields: []string{"q1"}},
		{name: "single as array", compiled: plain, change: map[string]string{"town": `["t1"]`}, wantFields: []string{"town"}},
		{name: "multi as string", compiled: plain, change: map[string]string{"topics": `"x"`}, wantFields: []string{"topics"}},
		{name: "multi with duplicate option", compiled: plain, change: map[string]string{"topics": `["x","y","x"]`}, wantFields: []string{"topics"}},
		{name: "multi with unknown option", compiled: plain, change: map[string]string{"topics": `["x","w"]`}, wantFields: []string{"topics"}},
		{name: "multi with a number", compiled: plain, change: map[string]string{"topics": `["x",1]`}, wantFields: []string{"topics"}},
		{name: "multi with null", compiled: plain, change: map[string]string{"topics": `[null]`}, wantFields: []string{"topics"}},
		{name: "text as number", compiled: plain, change: map[string]string{"comment": `42`}, wantFields: []string{"comment"}},
		{name: "text over max_length in Chinese", compiled: plain, change: map[string]string{"comment": `"非常非常满意"`},
			wantFields: []string{"comment"}},
		{name: "bad submission_id", compiled: plain, id: "not-a-uuid", wantFields: []string{"submission_id"}},
		{name: "submission_id with braces", compiled: plain, id: "{" + testSubmissionID + "}", wantFields: []string{"submission_id"}},
		{name: "submission_id missing", compiled: plain, noID: true, wantFields: []string{"submission_id"}},
		{name: "several problems", compiled: plain, id: "1", change: map[string]string{"q1": `5`, "extra": `"1"`},
			remove: []string{"town"}, wantFields: []string{"submission_id", "q1", "extra", "town"}},

		{name: "unit given", compiled: units, unit: "u2", wantAnswers: fullAnswers},
		{name: "unit required", compiled: units, wantFields: []string{"unit"}},
		{name: "unknown unit", compiled: units, unit: "u9", wantFields: []string{"unit"}},
		{name: "unit given when no units", compiled: plain, unit: "u1", wantFields: []string{"unit"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := fullSmallAnswers()
			for _, code := range tt.remove {
				delete(answers, code)
			}
			maps.Copy(answers, tt.change)
			s := &questionnaire.Submission{SubmissionID: testSubmissionID, Unit: tt.unit, Answers: rawAnswers(answers)}
			if tt.id != "" {
				s.SubmissionID = tt.id
			}
			if tt.noID {
				s.SubmissionID = ""
			}

			got, err := tt.compiled.Check(s)
			if tt.wantFields == nil {
				if err != nil {
					t.Fatalf("Check: %v (%v)", err, invalidFields(err))
				}
				if !reflect.DeepEqual(got, tt.wantAnswers) {
					t.Errorf("answers\n got %+v\nwant %+v", got, tt.wantAnswers)
				}
				return
			}
			var inv *questionnaire.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Check = %+v, %v; want an *InvalidError", got, err)
			}
			if got != nil {
				t.Errorf("Check returned answers with an error: %+v", got)
			}
			if gotKeys, want := slices.Sorted(maps.Keys(inv.Fields)), slices.Sorted(slices.Values(tt.wantFields)); !slices.Equal(gotKeys, want) {
				t.Errorf("fields = %q, want %q\n%v", gotKeys, want, inv.Fields)
			}
			for k, reason := range inv.Fields {
				if strings.TrimSpace(reason) == "" {
					t.Errorf("field %q has an empty reason", k)
				}
			}
		})
	}
}

func TestCheckTextLimitCountsCharacters(t *testing.T) {
	d := smallDefinition()
	d.Extra[3].MaxLength = 0 // DefaultTextLimit
	c := mustCompile(t, d)
	tests := []struct {
		name  string
		text  string
		valid bool
	}{
		{"default limit in Chinese", strings.Repeat("意", questionnaire.DefaultTextLimit), true},
		{"one over the default limit", strings.Repeat("意", questionnaire.DefaultTextLimit+1), false},
		{"emoji count as one", strings.Repeat("👍", questionnaire.DefaultTextLimit), true},
		{"ASCII over the limit", strings.Repeat("a", questionnaire.DefaultTextLimit+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := fullSmallAnswers()
			quoted, err := json.Marshal(tt.text)
			if err != nil {
				t.Fatal(err)
			}
			answers["comment"] = string(quoted)
			_, err = c.Check(&questionnaire.Submission{SubmissionID: testSubmissionID, Answers: rawAnswers(answers)})
			if tt.valid && err != nil {
				t.Errorf("Check: %v (%v)", err, invalidFields(err))
			}
			if !tt.valid && !reflect.DeepEqual(invalidFields(err), []string{"comment"}) {
				t.Errorf("Check error %v, fields %v; want an *InvalidError on comment", err, invalidFields(err))
			}
		})
	}
}

func TestCheckSocial2022(t *testing.T) {
	c := social2022(t)
	body := []byte(social2022Body)
	s, err := questionnaire.DecodeSubmission(body)
	if err != nil {
		t.Fatalf("DecodeSubmission: %v", err)
	}
	answers, err := c.Check(s)
	if err != nil {
		t.Fatalf("Check: %v (%v)", err, invalidFields(err))
	}
	var codes []string
	for _, a := range answers {
		codes = append(codes, a.Question)
	}
	want := []string{"q01", "q02", "q03", "q04", "q05", "q06", "q07", "q08", "q09", "q10", "q11", "q12", "q13",
		"overall", "town", "age", "gender", "comment"}
	if !slices.Equal(codes, want) {
		t.Errorf("answers in order %q, want %q", codes, want)
	}
}

// social2022Body is a complete valid answer to the built-in template.
const social2022Body = `{"submission_id":"` + testSubmissionID + `","answers":{` +
	`"q01":"5","q02":"4","q03":"3","q04":"2","q05":"1","q06":"dk","q07":"5","q08":"4","q09":"3",` +
	`"q10":"2","q11":"1","q12":"dk","q13":"5","overall":"4","town":"t13","age":"70+","gender":"f",` +
	`"comment":"希望多修路。"}}`

// invalidFields lists the sorted field keys of an *InvalidError, or nil.
func invalidFields(err error) []string {
	var inv *questionnaire.InvalidError
	if !errors.As(err, &inv) {
		return nil
	}
	return slices.Sorted(maps.Keys(inv.Fields))
}

func FuzzSubmission(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzSubmission.
	c := social2022(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := questionnaire.DecodeSubmission(body)
		if err != nil {
			if !errors.Is(err, questionnaire.ErrMalformed) {
				t.Fatalf("DecodeSubmission error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if s == nil {
			t.Fatal("DecodeSubmission = nil, nil")
		}
		if !json.Valid(body) {
			t.Fatalf("DecodeSubmission accepted a body that is not one JSON value: %q", body)
		}
		answers, err := c.Check(s)
		if err != nil {
			var inv *questionnaire.InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("Check error %T %v is not an *InvalidError", err, err)
			}
			if len(inv.Fields) == 0 {
				t.Fatal("*InvalidError without fields")
			}
			for k := range inv.Fields {
				if !utf8.ValidString(k) || utf8.RuneCountInString(k) > 65 {
					t.Errorf("field key %q is not short valid UTF-8", k)
				}
			}
			return
		}
		checkAnswers(t, c, answers)
		// What Check accepts must be countable and flaggable.
		stats.Count(c, stats.Tallies{}, stats.Accepted{Unit: s.Unit, Answers: answers})
		c.Flags(answers, 0, questionnaire.FlagContext{})
	})
}

// checkAnswers asserts the invariants of answers Check accepted.
func checkAnswers(t *testing.T, c *questionnaire.Compiled, answers []questionnaire.Answer) {
	t.Helper()
	scale := map[string]bool{}
	for _, o := range c.ScaleOptions() {
		scale[o.Code] = true
	}
	seen := map[string]bool{}
	for _, a := range answers {
		q := c.Question(a.Question)
		if q == nil {
			t.Fatalf("answer to unknown question %q", a.Question)
		}
		if seen[a.Question] {
			t.Errorf("question %q answered twice", a.Question)
		}
		seen[a.Question] = true
		options := map[string]bool{}
		for _, o := range q.Options {
			options[o.Code] = true
		}
		switch q.Kind {
		case questionnaire.KindSatisfaction:
			if len(a.Values) != 1 || !scale[a.Values[0]] {
				t.Errorf("%s: values %q, want one scale code", q.Code, a.Values)
			}
		case questionnaire.KindSingle:
			if len(a.Values) != 1 || !options[a.Values[0]] {
				t.Errorf("%s: values %q, want one option", q.Code, a.Values)
			}
		case questionnaire.KindMulti:
			if len(a.Values) == 0 || len(a.Values) != len(slices.Compact(slices.Sorted(slices.Values(a.Values)))) {
				t.Errorf("%s: values %q, want distinct options", q.Code, a.Values)
			}
			for _, v := range a.Values {
				if !options[v] {
					t.Errorf("%s: unknown option %q", q.Code, v)
				}
			}
		case questionnaire.KindText:
			limit := q.MaxLength
			if limit == 0 {
				limit = questionnaire.DefaultTextLimit
			}
			if a.Values != nil || a.Text == "" || !utf8.ValidString(a.Text) || utf8.RuneCountInString(a.Text) > limit {
				t.Errorf("%s: bad text answer %+v", q.Code, a)
			}
		}
	}
	for _, q := range c.Questions {
		if q.Required && !seen[q.Code] {
			t.Errorf("required question %s accepted without an answer", q.Code)
		}
	}
}

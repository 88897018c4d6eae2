package surveys_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// FuzzDefinition decodes arbitrary JSON into a definition: Validate never
// panics and is deterministic, refuses with a *DefinitionError that names
// each problem, and what it accepts compiles, survives storage as JSON, fits
// the catalogue's columns, and can be answered, counted and scored into
// results that encode as JSON.
func FuzzDefinition(f *testing.F) {
	// The seed corpus is in testdata/fuzz/FuzzDefinition.
	f.Fuzz(func(t *testing.T, data []byte) {
		var d questionnaire.Definition
		if json.Unmarshal(data, &d) != nil {
			return
		}
		before, _ := json.Marshal(&d)
		err := d.Validate()
		if after, _ := json.Marshal(&d); !bytes.Equal(before, after) {
			t.Fatal("Validate changed the definition")
		}
		if again := d.Validate(); !reflect.DeepEqual(err, again) {
			t.Fatalf("Validate is not deterministic:\n%v\n%v", err, again)
		}
		c, cerr := questionnaire.Compile(&d)
		if err != nil {
			checkDefinitionError(t, err)
			if cerr == nil || c != nil {
				t.Fatal("Compile accepted a definition Validate refuses")
			}
			return
		}
		if cerr != nil {
			t.Fatalf("Compile refused a valid definition: %v", cerr)
		}
		checkCompiled(t, &d, c)
	})
}

// checkDefinitionError asserts that err lists problems, each with a path
// and a reason.
func checkDefinitionError(t *testing.T, err error) {
	t.Helper()
	var de *questionnaire.DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("Validate error %T %v is not a *DefinitionError", err, err)
	}
	if len(de.Problems) == 0 || de.Error() == "" {
		t.Fatal("a *DefinitionError without problems")
	}
	for _, p := range de.Problems {
		if strings.TrimSpace(p.Path) == "" || strings.TrimSpace(p.Reason) == "" {
			t.Fatalf("problem %+v lacks a path or a reason", p)
		}
		if !utf8.ValidString(p.Reason) {
			t.Fatalf("problem %+v is not valid UTF-8", p)
		}
	}
}

// Catalogue column sizes (models), in characters.
const (
	colCode, colName, colSummary, colText, colLabel, colKind = 64, 200, 2000, 1000, 200, 16
)

// checkCompiled asserts what a valid definition promises.
func checkCompiled(t *testing.T, d *questionnaire.Definition, c *questionnaire.Compiled) {
	t.Helper()
	n := d.QuestionCount()
	if len(c.Questions) != n {
		t.Fatalf("compiled %d questions of %d", len(c.Questions), n)
	}

	// Stored as JSON and compiled again, as every instance does.
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if c2, err := questionnaire.CompileJSON(raw); err != nil || len(c2.Questions) != n {
		t.Fatalf("the stored definition does not compile again: %v", err)
	}

	// The catalogue mirrors the definition and fits its columns.
	cat := surveys.Catalogue(c)
	if len(cat.Questions) != n || len(cat.Areas) != len(d.Areas) || len(cat.Units) != len(d.Units) {
		t.Fatalf("catalogue has %d questions, %d areas, %d units; want %d, %d, %d",
			len(cat.Questions), len(cat.Areas), len(cat.Units), n, len(d.Areas), len(d.Units))
	}
	fits := func(what, s string, size int) {
		if utf8.RuneCountInString(s) > size {
			t.Errorf("%s %q does not fit its column of %d", what, s, size)
		}
	}
	folded := func(namespace string) func(code string) {
		seen := map[string]string{}
		return func(code string) {
			k := strings.ToLower(code)
			if prev, ok := seen[k]; ok {
				t.Errorf("%s codes %q and %q are one code to a case-insensitive database collation", namespace, prev, code)
			}
			seen[k] = code
		}
	}
	unitCode, areaCode, questionCode := folded("unit"), folded("area"), folded("question")
	for _, u := range cat.Units {
		fits("unit code", u.Code, colCode)
		fits("unit name", u.Name, colName)
		unitCode(u.Code)
	}
	for i, a := range cat.Areas {
		fits("area code", a.Code, colCode)
		fits("area name", a.Name, colName)
		fits("area summary", a.Summary, colSummary)
		areaCode(a.Code)
		if a.Code != d.Areas[i].Code || a.Position != i || !(a.Weight > 0) || math.IsInf(a.Weight, 0) {
			t.Errorf("catalogue area %d = %+v", i, a)
		}
	}
	levels := len(d.Scale.Levels)
	if d.Scale.DontKnow != nil {
		levels++
	}
	for i, q := range cat.Questions {
		cq := c.Questions[i]
		if q.Code != cq.Code || q.Position != i || c.Question(q.Code) != cq {
			t.Fatalf("catalogue question %d = %q, compiled %q", i, q.Code, cq.Code)
		}
		questionCode(q.Code)
		fits("question code", q.Code, colCode)
		fits("question text", q.Text, colText)
		fits("kind", q.Kind, colKind)
		fits("role", q.Role, colKind)
		if !(q.Weight > 0) || math.IsInf(q.Weight, 0) {
			t.Errorf("question %s weight %v", q.Code, q.Weight)
		}
		if (cq.Area >= 0) != (q.AreaCode != "") || (cq.Area >= 0 && d.Areas[cq.Area].Code != q.AreaCode) {
			t.Errorf("question %s in area %q, compiled in area %d", q.Code, q.AreaCode, cq.Area)
		}
		want := len(cq.Options)
		if q.Kind == questionnaire.KindSatisfaction {
			want = levels
		}
		if len(q.Options) != want {
			t.Errorf("question %s has %d catalogue options, want %d", q.Code, len(q.Options), want)
		}
		optionCode := folded("option of " + q.Code)
		for _, o := range q.Options {
			fits("option code", o.Code, colCode)
			fits("option label", o.Label, colLabel)
			optionCode(o.Code)
		}
	}

	// Answered three ways (best, worst, "don't know"), counted and scored:
	// every figure is finite and in range, and the results encode.
	t2 := stats.Tallies{}
	for pass := range 3 {
		sub := &questionnaire.Submission{SubmissionID: "0b6c5f1e-2d3a-4c8b-9e7f-1a2b3c4d5e6f", Answers: map[string]json.RawMessage{}}
		if c.HasUnits() {
			sub.Unit = d.Units[pass%len(d.Units)].Code
		}
		for _, q := range c.Questions {
			var v any
			switch q.Kind {
			case questionnaire.KindSatisfaction:
				opts := c.ScaleOptions()
				v = opts[min(pass*len(opts)/2, len(opts)-1)].Code
			case questionnaire.KindSingle:
				v = q.Options[pass%len(q.Options)].Code
			case questionnaire.KindMulti:
				v = []string{q.Options[pass%len(q.Options)].Code}
			case questionnaire.KindText:
				v = "意"
			}
			sub.Answers[q.Code], _ = json.Marshal(v)
		}
		answers, err := c.Check(sub)
		if err != nil {
			t.Fatalf("Check refused a complete answer: %v", err)
		}
		stats.Count(c, t2, stats.Accepted{Unit: sub.Unit, Answers: answers})
	}
	units := []string{""}
	for _, u := range d.Units {
		units = append(units, u.Code)
	}
	for _, u := range units {
		r := stats.Score(c, t2, u, false)
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("results of unit %q do not encode: %v", u, err)
		}
		inRange := func(what string, v *float64, hi float64) {
			if v != nil && !(*v >= 0 && *v <= hi) {
				t.Errorf("unit %q: %s = %v, want 0-%v", u, what, *v, hi)
			}
		}
		inRange("overall index", r.Overall.Index, 100)
		for _, a := range r.Areas {
			inRange(a.Code+" index", a.Index, 100)
			inRange(a.Code+" rate", a.Rate, 1)
		}
	}
}

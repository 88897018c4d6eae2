package main

import (
	"encoding/json"
	mrand "math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

func builtin(t *testing.T) *questionnaire.Definition {
	t.Helper()
	data, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatal(err)
	}
	var d questionnaire.Definition
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func TestGenerator(t *testing.T) {
	cases := []struct {
		name string
		def  func(*questionnaire.Definition)
	}{
		{"social-2022 as built in", func(*questionnaire.Definition) {}},
		{"units, a multi-choice, a required short text, all required", func(d *questionnaire.Definition) {
			d.Units = []questionnaire.Unit{{Code: "u1", Name: "甲区"}, {Code: "u2", Name: "乙区"}}
			d.Extra = append(d.Extra,
				questionnaire.Question{Code: "channels", Kind: questionnaire.KindMulti, Text: "您从哪里了解政府工作？", Required: true,
					Options: []questionnaire.Option{{Code: "tv", Label: "电视"}, {Code: "net", Label: "网络"}, {Code: "news", Label: "报纸"}, {Code: "talk", Label: "交谈"}}},
				questionnaire.Question{Code: "word", Kind: questionnaire.KindText, Text: "用一个字评价", Required: true, MaxLength: 1})
			for i := range d.Extra {
				d.Extra[i].Required = true
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := builtin(t)
			tc.def(d)
			c, err := questionnaire.Compile(d)
			if err != nil {
				t.Fatal(err)
			}
			g := newGenerator(c)
			rng := mrand.New(mrand.NewPCG(1, 2))
			now := time.Now()
			seen := map[string]bool{}
			levels := map[string]int{}
			for range 500 {
				body := g.body(rng, now)
				sub, err := questionnaire.DecodeSubmission(body)
				if err != nil {
					t.Fatalf("body does not decode: %v\n%s", err, body)
				}
				answers, err := c.Check(sub)
				if err != nil {
					t.Fatalf("Check: %v\n%s", err, body)
				}
				if seen[sub.SubmissionID] {
					t.Fatalf("submission_id %s repeated", sub.SubmissionID)
				}
				seen[sub.SubmissionID] = true
				for _, q := range c.Questions {
					if _, ok := sub.Answers[q.Code]; !ok && (q.Required || q.Kind != questionnaire.KindText) {
						t.Fatalf("question %s (%s) unanswered", q.Code, q.Kind)
					}
				}
				if sub.StartedAt == nil {
					t.Fatal("no started_at")
				}
				if flags := c.Flags(answers, now.Sub(*sub.StartedAt), questionnaire.FlagContext{}); slices.Contains(flags, questionnaire.FlagSpeeder) {
					t.Fatalf("flagged as a speeder: started %s", sub.StartedAt)
				}
				var raw string
				_ = json.Unmarshal(sub.Answers[c.Questions[0].Code], &raw)
				levels[raw]++
			}
			for _, o := range c.ScaleOptions() {
				if levels[o.Code] == 0 {
					t.Errorf("scale answer %s never drawn in 500 submissions: %v", o.Code, levels)
				}
			}
		})
	}
}

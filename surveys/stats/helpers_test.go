package stats_test

import (
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// The definitions scoring is computed from by hand. They are the same as
// the questionnaire package's test definitions of the same names, so that
// figures computed there and here agree.

// nbsScale is the default scale (docs/methodology.md): 100/80/60/30/0 and "don't know".
func nbsScale() questionnaire.Scale {
	return questionnaire.Scale{
		Preset: "nbs-2008",
		Levels: []questionnaire.Level{
			{Code: "5", Label: "满意", Score: 100, Class: questionnaire.ClassSatisfied},
			{Code: "4", Label: "比较满意", Score: 80, Class: questionnaire.ClassSatisfied},
			{Code: "3", Label: "一般", Score: 60, Class: questionnaire.ClassNeutral},
			{Code: "2", Label: "不太满意", Score: 30, Class: questionnaire.ClassDissatisfied},
			{Code: "1", Label: "不满意", Score: 0, Class: questionnaire.ClassDissatisfied},
		},
		DontKnow: &questionnaire.Option{Code: "dk", Label: "不了解"},
	}
}

// smallDefinition is a valid definition small enough to reason about by hand:
// area a1 has q1 (λ=2) and q2 (λ=1), area a2 has q3; extras are an overall
// question, a town breakdown, an optional multi and an optional text of at
// most 5 characters. Every call returns a fresh copy that tests may change.
func smallDefinition() *questionnaire.Definition {
	sat := func(code, text string, weight float64) questionnaire.Question {
		return questionnaire.Question{Code: code, Kind: questionnaire.KindSatisfaction, Text: text, Required: true, Weight: weight}
	}
	return &questionnaire.Definition{
		Slug:  "test-2024",
		Title: "2024年测试调查",
		Year:  2024,
		Intro: "测试用问卷。",
		Scale: nbsScale(),
		Areas: []questionnaire.Area{
			{Code: "a1", Name: "环境保护", Summary: "空气质量优良率98.8%。", Questions: []questionnaire.Question{
				sat("q1", "您对空气质量满意吗？", 2),
				sat("q2", "您对饮用水满意吗？", 0),
			}},
			{Code: "a2", Name: "平安建设", Summary: "刑事案件下降12%。", Questions: []questionnaire.Question{
				sat("q3", "您对社会治安满意吗？", 0),
			}},
		},
		Extra: []questionnaire.Question{
			{Code: "overall", Kind: questionnaire.KindSatisfaction, Text: "总体满意吗？", Required: true, Role: questionnaire.RoleOverall},
			{Code: "town", Kind: questionnaire.KindSingle, Text: "您住在哪个镇？", Required: true, Role: questionnaire.RoleTown,
				Options: []questionnaire.Option{{Code: "t1", Label: "嘉积镇"}, {Code: "t2", Label: "博鳌镇"}}},
			{Code: "topics", Kind: questionnaire.KindMulti, Text: "您关心哪些方面？",
				Options: []questionnaire.Option{{Code: "x", Label: "教育"}, {Code: "y", Label: "医疗"}, {Code: "z", Label: "交通"}}},
			{Code: "comment", Kind: questionnaire.KindText, Text: "意见建议", Role: questionnaire.RoleComment, MaxLength: 5},
		},
		Dedup:   questionnaire.DedupDevice,
		Results: questionnaire.ResultsPublic,
	}
}

func mustCompile(t testing.TB, d *questionnaire.Definition) *questionnaire.Compiled {
	t.Helper()
	c, err := questionnaire.Compile(d)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return c
}

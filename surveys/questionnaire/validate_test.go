package questionnaire_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

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

func social2022(t testing.TB) *questionnaire.Compiled {
	t.Helper()
	data, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	c, err := questionnaire.CompileJSON(data)
	if err != nil {
		t.Fatalf("CompileJSON(social-2022): %v", err)
	}
	return c
}

func TestBuiltinSocial2022(t *testing.T) {
	data, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}

	t.Run("no redaction marks", func(t *testing.T) {
		if i := bytes.IndexRune(data, '*'); i >= 0 {
			t.Errorf("template contains '*' at byte %d: %q", i, data[max(0, i-30):min(len(data), i+30)])
		}
		if i := bytes.IndexRune(data, '＊'); i >= 0 {
			t.Errorf("template contains full-width '＊' at byte %d", i)
		}
	})

	t.Run("no unknown fields", func(t *testing.T) {
		// A misspelt key would be dropped silently by CompileJSON.
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var d questionnaire.Definition
		if err := dec.Decode(&d); err != nil {
			t.Fatalf("strict decode: %v", err)
		}
	})

	c, err := questionnaire.CompileJSON(data)
	if err != nil {
		t.Fatalf("CompileJSON: %v", err)
	}
	d := c.Def

	t.Run("areas in report order", func(t *testing.T) {
		want := []string{"作风建设", "履职尽责", "依法行政", "为民办实事", "服务市场主体", "民生事业", "环境保护",
			"营商环境", "乡村振兴", "基础设施建设", "基层党建", "党风廉政建设", "平安建设"}
		var got []string
		for _, a := range d.Areas {
			got = append(got, a.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("area names\n got %q\nwant %q", got, want)
		}
	})

	for _, a := range d.Areas {
		t.Run("area "+a.Code, func(t *testing.T) {
			if strings.TrimSpace(a.Summary) == "" {
				t.Fatalf("%s %s: empty summary", a.Code, a.Name)
			}
			if !strings.ContainsFunc(a.Summary, unicode.IsDigit) {
				t.Errorf("%s %s: summary has no figure: %q", a.Code, a.Name, a.Summary)
			}
			if len(a.Questions) == 0 {
				t.Errorf("%s %s: no question", a.Code, a.Name)
			}
		})
	}

	t.Run("default scale", func(t *testing.T) {
		if !reflect.DeepEqual(d.Scale.Levels, nbsScale().Levels) {
			t.Errorf("levels = %+v, want the 100/80/60/30/0 scale", d.Scale.Levels)
		}
		if d.Scale.DontKnow == nil || d.Scale.DontKnow.Code != "dk" || d.Scale.DontKnow.Label != "不了解" {
			t.Errorf("dont_know = %+v, want dk 不了解", d.Scale.DontKnow)
		}
	})

	t.Run("roles", func(t *testing.T) {
		for _, role := range []string{questionnaire.RoleOverall, questionnaire.RoleTown, questionnaire.RoleAge, questionnaire.RoleGender} {
			found := false
			for _, q := range d.Extra {
				found = found || q.Role == role
			}
			if !found {
				t.Errorf("no extra question with role %q", role)
			}
		}
	})

	t.Run("unknown template", func(t *testing.T) {
		if _, err := questionnaire.Builtin("no-such-template"); err == nil {
			t.Error("Builtin(no-such-template) = nil error")
		}
		if _, err := questionnaire.Builtin("../templates/social-2022"); err == nil {
			t.Error("Builtin with a path = nil error")
		}
	})
}

func TestValidDefinitions(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(d *questionnaire.Definition)
	}{
		{"small", func(d *questionnaire.Definition) {}},
		{"no dont know", func(d *questionnaire.Definition) { d.Scale.DontKnow = nil }},
		{"two levels", func(d *questionnaire.Definition) { d.Scale.Levels = d.Scale.Levels[:2] }},
		{"units", func(d *questionnaire.Definition) {
			d.Units = []questionnaire.Unit{{Code: "u1", Name: "琼海市"}, {Code: "u2", Name: "万宁市"}}
		}},
		{"no extras", func(d *questionnaire.Definition) { d.Extra = nil }},
		{"report k at the bounds, internal", func(d *questionnaire.Definition) {
			d.Report = &questionnaire.ReportOptions{SuppressK: questionnaire.MinSuppressK, Internal: true, Issuer: "琼海市统计局"}
		}},
		{"report k 1000", func(d *questionnaire.Definition) {
			d.Report = &questionnaire.ReportOptions{SuppressK: questionnaire.MaxSuppressK}
		}},
		{"scores at the bounds", func(d *questionnaire.Definition) { d.Scale.Levels[0].Score, d.Scale.Levels[4].Score = 100, 0 }},
		{"name of 200 characters", func(d *questionnaire.Definition) { d.Areas[0].Name = strings.Repeat("满", 200) }},
		{"text limit at the maximum", func(d *questionnaire.Definition) { d.Extra[3].MaxLength = questionnaire.MaxTextLimit }},
		{"exactly MaxQuestions", func(d *questionnaire.Definition) {
			d.Areas[0].Questions = manyQuestions(questionnaire.MaxQuestions-d.QuestionCount()+len(d.Areas[0].Questions), false)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := smallDefinition()
			tt.mutate(d)
			if err := d.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if _, err := questionnaire.Compile(d); err != nil {
				t.Fatalf("Compile: %v", err)
			}
		})
	}
}

// manyQuestions returns n satisfaction questions; broken ones share a code
// and have no text.
func manyQuestions(n int, broken bool) []questionnaire.Question {
	qs := make([]questionnaire.Question, n)
	for i := range qs {
		qs[i] = questionnaire.Question{Code: fmt.Sprintf("m%d", i), Kind: questionnaire.KindSatisfaction, Text: "满意吗？"}
		if broken {
			qs[i].Code, qs[i].Text = "q1", ""
		}
	}
	return qs
}

func TestValidateProblems(t *testing.T) {
	tests := []struct {
		name      string
		mutate    func(d *questionnaire.Definition)
		wantPaths []string // the exact set of problem paths
	}{
		{"duplicate area code",
			func(d *questionnaire.Definition) { d.Areas[1].Code = "a1" },
			[]string{"areas[1].code"}},
		{"report k under the minimum",
			func(d *questionnaire.Definition) { d.Report = &questionnaire.ReportOptions{SuppressK: 2} },
			[]string{"report.suppress_k"}},
		{"report k negative",
			func(d *questionnaire.Definition) { d.Report = &questionnaire.ReportOptions{SuppressK: -1} },
			[]string{"report.suppress_k"}},
		{"report k over the maximum",
			func(d *questionnaire.Definition) { d.Report = &questionnaire.ReportOptions{SuppressK: 1001} },
			[]string{"report.suppress_k"}},
		{"report quotes: too many",
			func(d *questionnaire.Definition) {
				d.Report = &questionnaire.ReportOptions{Quotes: make([]string, questionnaire.MaxReportQuotes+1)}
				for i := range d.Report.Quotes {
					d.Report.Quotes[i] = "路灯修好了"
				}
			},
			[]string{"report.quotes"}},
		{"report quotes: empty, too long, two lines, markup",
			func(d *questionnaire.Definition) {
				d.Report = &questionnaire.ReportOptions{Quotes: []string{"路灯修好了，晚上出门安心。", " ",
					strings.Repeat("好", questionnaire.MaxReportQuoteChars+1), "一行\n两行", "<b>加粗</b>",
					strings.Repeat("好", questionnaire.MaxReportQuoteChars)}}
			},
			[]string{"report.quotes[1]", "report.quotes[2]", "report.quotes[3]", "report.quotes[4]"}},
		{"privacy: retention negative, over the maximum; collector and purpose too long",
			func(d *questionnaire.Definition) {
				d.Privacy = &questionnaire.Privacy{RetentionDays: -1, Collector: strings.Repeat("局", 201), Purpose: strings.Repeat("用", 501)}
			},
			[]string{"privacy.retention_days", "privacy.collector", "privacy.purpose"}},
		{"privacy: retention over the maximum",
			func(d *questionnaire.Definition) {
				d.Privacy = &questionnaire.Privacy{RetentionDays: questionnaire.MaxRetentionDays + 1}
			},
			[]string{"privacy.retention_days"}},
		{"duplicate question code across areas",
			func(d *questionnaire.Definition) { d.Areas[1].Questions[0].Code = "q1" },
			[]string{"areas[1].questions[0].code"}},
		{"duplicate question code in extras",
			func(d *questionnaire.Definition) { d.Extra[2].Code = "q2" },
			[]string{"extra[2].code"}},
		{"duplicate option code",
			func(d *questionnaire.Definition) { d.Extra[1].Options[1].Code = "t1" },
			[]string{"extra[1].options[1].code"}},
		{"duplicate level code",
			func(d *questionnaire.Definition) { d.Scale.Levels[1].Code = "5" },
			[]string{"scale.levels[1].code"}},
		{"dont know code equals a level",
			func(d *questionnaire.Definition) { d.Scale.DontKnow.Code = "3" },
			[]string{"scale.dont_know.code"}},
		{"duplicate unit code",
			func(d *questionnaire.Definition) {
				d.Units = []questionnaire.Unit{{Code: "u1", Name: "琼海市"}, {Code: "u1", Name: "万宁市"}}
			},
			[]string{"units[1].code"}},
		{"unit without name",
			func(d *questionnaire.Definition) { d.Units = []questionnaire.Unit{{Code: "u1", Name: " "}} },
			[]string{"units[0].name"}},
		{"single without options",
			func(d *questionnaire.Definition) { d.Extra[1].Options = nil },
			[]string{"extra[1].options"}},
		{"multi without options",
			func(d *questionnaire.Definition) { d.Extra[2].Options = []questionnaire.Option{} },
			[]string{"extra[2].options"}},
		{"too many options",
			func(d *questionnaire.Definition) {
				d.Extra[2].Options = make([]questionnaire.Option, questionnaire.MaxOptions+1)
				for i := range d.Extra[2].Options {
					d.Extra[2].Options[i] = questionnaire.Option{Code: fmt.Sprintf("o%d", i), Label: "选项"}
				}
			},
			[]string{"extra[2].options"}},
		{"option without label",
			func(d *questionnaire.Definition) { d.Extra[2].Options[0].Label = "" },
			[]string{"extra[2].options[0].label"}},
		{"options on a satisfaction question",
			func(d *questionnaire.Definition) {
				d.Extra[0].Options = []questionnaire.Option{{Code: "y", Label: "是"}}
			},
			[]string{"extra[0].options"}},
		{"unknown kind",
			func(d *questionnaire.Definition) { d.Extra[2].Kind = "rating" },
			[]string{"extra[2].kind"}},
		{"empty kind",
			func(d *questionnaire.Definition) { d.Extra[3].Kind = "" },
			[]string{"extra[3].kind"}},
		{"area question not satisfaction",
			func(d *questionnaire.Definition) {
				d.Areas[0].Questions[1].Kind = questionnaire.KindSingle
				d.Areas[0].Questions[1].Options = []questionnaire.Option{{Code: "y", Label: "是"}}
			},
			[]string{"areas[0].questions[1].kind"}},
		{"comment question inside an area", // comments are one extra question: the report counts them once
			func(d *questionnaire.Definition) {
				d.Areas[0].Questions[1].Kind = questionnaire.KindText
				d.Areas[0].Questions[1].Role = questionnaire.RoleComment
			},
			[]string{"areas[0].questions[1].kind", "areas[0].questions[1].role"}},
		{"area question with a role",
			func(d *questionnaire.Definition) { d.Areas[1].Questions[0].Role = questionnaire.RoleOverall },
			[]string{"areas[1].questions[0].role"}},
		{"score 101",
			func(d *questionnaire.Definition) { d.Scale.Levels[0].Score = 101 },
			[]string{"scale.levels[0].score"}},
		{"score -1",
			func(d *questionnaire.Definition) { d.Scale.Levels[4].Score = -1 },
			[]string{"scale.levels[4].score"}},
		{"bad class",
			func(d *questionnaire.Definition) { d.Scale.Levels[2].Class = "ok" },
			[]string{"scale.levels[2].class"}},
		{"empty class",
			func(d *questionnaire.Definition) { d.Scale.Levels[3].Class = "" },
			[]string{"scale.levels[3].class"}},
		{"one level",
			func(d *questionnaire.Definition) { d.Scale.Levels = d.Scale.Levels[:1] },
			[]string{"scale.levels"}},
		{"level without label",
			func(d *questionnaire.Definition) { d.Scale.Levels[1].Label = "" },
			[]string{"scale.levels[1].label"}},
		{"slug with upper case and underscore",
			func(d *questionnaire.Definition) { d.Slug = "Social_2022" },
			[]string{"slug"}},
		{"slug too short",
			func(d *questionnaire.Definition) { d.Slug = "ab" },
			[]string{"slug"}},
		{"slug starting with a dash",
			func(d *questionnaire.Definition) { d.Slug = "-social" },
			[]string{"slug"}},
		{"slug ending with a dash",
			func(d *questionnaire.Definition) { d.Slug = "social-" },
			[]string{"slug"}},
		{"slug too long",
			func(d *questionnaire.Definition) { d.Slug = strings.Repeat("a", 65) },
			[]string{"slug"}},
		{"slug in Chinese",
			func(d *questionnaire.Definition) { d.Slug = "社会评价" },
			[]string{"slug"}},
		{"missing title",
			func(d *questionnaire.Definition) { d.Title = "" },
			[]string{"title"}},
		{"blank title",
			func(d *questionnaire.Definition) { d.Title = " \t\u3000" },
			[]string{"title"}},
		{"title of 201 characters",
			func(d *questionnaire.Definition) { d.Title = strings.Repeat("满", 201) },
			[]string{"title"}},
		{"year out of range",
			func(d *questionnaire.Definition) { d.Year = 0 },
			[]string{"year"}},
		{"unknown dedup",
			func(d *questionnaire.Definition) { d.Dedup = "ip" },
			[]string{"dedup"}},
		{"unknown results",
			func(d *questionnaire.Definition) { d.Results = "" },
			[]string{"results"}},
		{"overall not satisfaction",
			func(d *questionnaire.Definition) {
				d.Extra[0].Kind = questionnaire.KindSingle
				d.Extra[0].Options = []questionnaire.Option{{Code: "y", Label: "是"}}
			},
			[]string{"extra[0].kind"}},
		{"town as multi",
			func(d *questionnaire.Definition) { d.Extra[1].Kind = questionnaire.KindMulti },
			[]string{"extra[1].kind"}},
		{"gender as text",
			func(d *questionnaire.Definition) { d.Extra[3].Role = questionnaire.RoleGender },
			[]string{"extra[3].kind"}},
		{"duplicate role",
			func(d *questionnaire.Definition) {
				d.Extra = append(d.Extra, questionnaire.Question{Code: "town2", Kind: questionnaire.KindSingle, Text: "镇？",
					Role: questionnaire.RoleTown, Options: []questionnaire.Option{{Code: "t1", Label: "嘉积镇"}}})
			},
			[]string{"extra[4].role"}},
		{"unknown role",
			func(d *questionnaire.Definition) { d.Extra[2].Role = "income" },
			[]string{"extra[2].role"}},
		{"reserved code unit",
			func(d *questionnaire.Definition) { d.Extra[2].Code = "unit" },
			[]string{"extra[2].code"}},
		{"reserved code submission_id",
			func(d *questionnaire.Definition) { d.Areas[0].Questions[0].Code = "submission_id" },
			[]string{"areas[0].questions[0].code"}},
		{"code with a space",
			func(d *questionnaire.Definition) { d.Areas[0].Questions[0].Code = "q 1" },
			[]string{"areas[0].questions[0].code"}},
		{"code with a colon",
			func(d *questionnaire.Definition) { d.Extra[1].Options[0].Code = "t:1" },
			[]string{"extra[1].options[0].code"}},
		{"code in Chinese",
			func(d *questionnaire.Definition) { d.Areas[0].Code = "环境" },
			[]string{"areas[0].code"}},
		{"code of 65 characters",
			func(d *questionnaire.Definition) { d.Areas[0].Code = strings.Repeat("a", 65) },
			[]string{"areas[0].code"}},
		{"empty question code",
			func(d *questionnaire.Definition) { d.Areas[1].Questions[0].Code = "" },
			[]string{"areas[1].questions[0].code"}},
		{"question without text",
			func(d *questionnaire.Definition) { d.Areas[1].Questions[0].Text = "" },
			[]string{"areas[1].questions[0].text"}},
		{"negative item weight",
			func(d *questionnaire.Definition) { d.Areas[0].Questions[0].Weight = -1 },
			[]string{"areas[0].questions[0].weight"}},
		{"negative area weight",
			func(d *questionnaire.Definition) { d.Areas[1].Weight = -0.5 },
			[]string{"areas[1].weight"}},
		{"text limit above the maximum",
			func(d *questionnaire.Definition) { d.Extra[3].MaxLength = questionnaire.MaxTextLimit + 1 },
			[]string{"extra[3].max_length"}},
		{"negative text limit",
			func(d *questionnaire.Definition) { d.Extra[3].MaxLength = -1 },
			[]string{"extra[3].max_length"}},
		{"no areas",
			func(d *questionnaire.Definition) { d.Areas = nil },
			[]string{"areas"}},
		{"area without questions",
			func(d *questionnaire.Definition) { d.Areas[1].Questions = nil },
			[]string{"areas[1].questions"}},
		{"area without name",
			func(d *questionnaire.Definition) { d.Areas[0].Name = "" },
			[]string{"areas[0].name"}},
		{"summary too long",
			func(d *questionnaire.Definition) { d.Areas[0].Summary = strings.Repeat("字", 2001) },
			[]string{"areas[0].summary"}},
		{"legal mark too long",
			func(d *questionnaire.Definition) {
				d.Legal = &questionnaire.LegalMarks{FormNo: "社评表1号", Issuer: strings.Repeat("局", 201)}
			},
			[]string{"legal.issuer"}},
		{"several problems at once",
			func(d *questionnaire.Definition) {
				d.Slug, d.Title = "", ""
				d.Scale.Levels[0].Score = 101
				d.Extra[1].Options = nil
			},
			[]string{"slug", "title", "scale.levels[0].score", "extra[1].options"}},
		{"10,000 questions",
			func(d *questionnaire.Definition) { d.Areas[0].Questions = manyQuestions(10000, true) },
			[]string{"areas"}},
		{"one question too many",
			func(d *questionnaire.Definition) {
				d.Areas[0].Questions = manyQuestions(questionnaire.MaxQuestions-d.QuestionCount()+len(d.Areas[0].Questions)+1, false)
			},
			[]string{"areas"}},
		{"too many areas",
			func(d *questionnaire.Definition) {
				d.Areas = nil
				for i := range questionnaire.MaxAreas + 1 {
					d.Areas = append(d.Areas, questionnaire.Area{Code: fmt.Sprintf("a%d", i), Name: "领域",
						Questions: []questionnaire.Question{{Code: fmt.Sprintf("q%d", i), Kind: questionnaire.KindSatisfaction, Text: "满意吗？"}}})
				}
			},
			[]string{"areas"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := smallDefinition()
			tt.mutate(d)
			problems := definitionProblems(t, d.Validate())
			got := map[string]bool{}
			for _, p := range problems {
				got[p.Path] = true
				if strings.TrimSpace(p.Reason) == "" {
					t.Errorf("problem at %s has no reason", p.Path)
				}
			}
			want := map[string]bool{}
			for _, p := range tt.wantPaths {
				want[p] = true
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("problem paths = %v, want %v\nproblems: %+v", slices.Sorted(maps.Keys(got)), tt.wantPaths, problems)
			}

			// Compile refuses the same definition with the same error type.
			if _, err := questionnaire.Compile(d); definitionProblems(t, err) == nil {
				t.Error("Compile returned no problems")
			}
		})
	}
}

func TestValidateManyQuestionsIsOneProblem(t *testing.T) {
	d := smallDefinition()
	d.Areas[0].Questions = manyQuestions(10000, true)
	problems := definitionProblems(t, d.Validate())
	if len(problems) != 1 {
		t.Fatalf("got %d problems, want exactly 1; first: %v", len(problems), problems[:min(3, len(problems))])
	}
	p := problems[0]
	if p.Path != "areas" || !strings.Contains(p.Reason, "10005") || !strings.Contains(p.Reason, "500") {
		t.Errorf("problem = %+v, want path areas naming 10005 questions and the limit 500", p)
	}
}

// TestValidateHugeListsFewProblems checks that an oversized list is refused
// with a short answer, not one problem per element (validate.go: "do not list
// thousands of problems").
func TestValidateHugeListsFewProblems(t *testing.T) {
	const maxProblems = 5
	tests := []struct {
		name     string
		mutate   func(d *questionnaire.Definition)
		wantPath string
	}{
		{"10,000 broken questions", func(d *questionnaire.Definition) { d.Areas[0].Questions = manyQuestions(10000, true) }, "areas"},
		{"10,000 empty areas", func(d *questionnaire.Definition) { d.Areas = make([]questionnaire.Area, 10000) }, "areas"},
		{"10,000 empty options", func(d *questionnaire.Definition) { d.Extra[2].Options = make([]questionnaire.Option, 10000) }, "extra[2].options"},
		{"10,000 empty levels", func(d *questionnaire.Definition) { d.Scale.Levels = make([]questionnaire.Level, 10000) }, "scale.levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := smallDefinition()
			tt.mutate(d)
			problems := definitionProblems(t, d.Validate())
			if len(problems) > maxProblems {
				t.Errorf("got %d problems, want at most %d; first: %v", len(problems), maxProblems, problems[:min(3, len(problems))])
			}
			if !slices.ContainsFunc(problems, func(p questionnaire.Problem) bool { return p.Path == tt.wantPath }) {
				t.Errorf("no problem at %s", tt.wantPath)
			}
		})
	}
}

func TestDefinitionErrorWrapped(t *testing.T) {
	d := smallDefinition()
	d.Title = ""
	err := fmt.Errorf("publish: %w", d.Validate())
	var de *questionnaire.DefinitionError
	if !errors.As(err, &de) {
		t.Fatalf("errors.As(%v) = false", err)
	}
	if !strings.Contains(err.Error(), "title: ") {
		t.Errorf("Error() = %q, want it to name the path", err.Error())
	}
}

func TestCompileJSONMalformed(t *testing.T) {
	tests := []struct {
		name string
		json string
	}{
		{"not JSON", "social"},
		{"wrong type", `{"areas": "a1"}`},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := questionnaire.CompileJSON([]byte(tt.json))
			if err == nil {
				t.Fatal("CompileJSON = nil error")
			}
			var de *questionnaire.DefinitionError
			if errors.As(err, &de) {
				t.Errorf("decode failure reported as a *DefinitionError: %v", err)
			}
		})
	}
}

// definitionProblems returns the problems of err, which must be a
// *DefinitionError (or wrap one) with at least one problem.
func definitionProblems(t *testing.T, err error) []questionnaire.Problem {
	t.Helper()
	if err == nil {
		t.Error("got nil error, want a *DefinitionError")
		return nil
	}
	var de *questionnaire.DefinitionError
	if !errors.As(err, &de) {
		t.Errorf("error %T %v is not a *DefinitionError", err, err)
		return nil
	}
	if len(de.Problems) == 0 {
		t.Error("*DefinitionError without problems")
	}
	return de.Problems
}

// TestSuppressKDefault checks the report threshold: 10 unless set.
func TestSuppressKDefault(t *testing.T) {
	d := smallDefinition()
	if k := d.SuppressK(); k != questionnaire.DefaultSuppressK || d.ReportInternal() {
		t.Fatalf("default: k %d, internal %t", k, d.ReportInternal())
	}
	d.Report = &questionnaire.ReportOptions{SuppressK: 25, Internal: true}
	if k := d.SuppressK(); k != 25 || !d.ReportInternal() {
		t.Fatalf("set: k %d, internal %t", k, d.ReportInternal())
	}
}

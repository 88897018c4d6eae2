package questionnaire_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// campaignDefinition is smallDefinition as a campaign: category "city"
// rates both areas, "agency" only a2; u1 is a city with its own summary of
// a1 and a town quota, u2 an agency.
func campaignDefinition() *questionnaire.Definition {
	d := smallDefinition()
	d.Categories = []questionnaire.Category{
		{Code: "city", Name: "市县"},
		{Code: "agency", Name: "省直单位", Areas: []string{"a2"}},
	}
	d.Units = []questionnaire.Unit{
		{Code: "u1", Name: "琼海市", Category: "city", Target: 300,
			Summaries: map[string]string{"a1": "本市空气质量优良率99%。"},
			Quotas:    []questionnaire.Quota{{Cell: map[string]string{"town": "t1"}, Target: 10}}},
		{Code: "u2", Name: "省测试厅", Category: "agency", Target: 300},
	}
	return d
}

func TestValidateCampaign(t *testing.T) {
	if err := campaignDefinition().Validate(); err != nil {
		t.Fatalf("valid campaign: %v", err)
	}
	tests := []struct {
		name      string
		mutate    func(d *questionnaire.Definition)
		wantPaths []string
	}{
		{"category lists an unknown area",
			func(d *questionnaire.Definition) { d.Categories[1].Areas = []string{"a2", "zz"} },
			[]string{"categories[1].areas[1]"}},
		{"category lists an area twice",
			func(d *questionnaire.Definition) { d.Categories[1].Areas = []string{"a2", "a2"} },
			[]string{"categories[1].areas[1]"}},
		{"duplicate category code",
			func(d *questionnaire.Definition) { d.Categories[1].Code = "CITY" },
			[]string{"categories[1].code", "units[1].category"}}, // u2's "agency" is gone
		{"category without name",
			func(d *questionnaire.Definition) { d.Categories[0].Name = "" },
			[]string{"categories[0].name"}},
		{"bad category reference",
			func(d *questionnaire.Definition) { d.Units[1].Category = "county" },
			[]string{"units[1].category"}},
		{"unit without category in a survey with categories",
			func(d *questionnaire.Definition) { d.Units[1].Category = "" },
			[]string{"units[1].category"}},
		{"summary for an area the unit's category lacks",
			func(d *questionnaire.Definition) { d.Units[1].Summaries = map[string]string{"a1": "无关。"} },
			[]string{"units[1].summaries.a1"}},
		{"summary for an unknown area",
			func(d *questionnaire.Definition) { d.Units[0].Summaries["zz"] = "无。" },
			[]string{"units[0].summaries.zz"}},
		{"summary too long",
			func(d *questionnaire.Definition) { d.Units[0].Summaries["a1"] = strings.Repeat("长", 2001) },
			[]string{"units[0].summaries.a1"}},
		{"negative target",
			func(d *questionnaire.Definition) { d.Units[0].Target = -1 },
			[]string{"units[0].target"}},
		{"unknown quota role",
			func(d *questionnaire.Definition) { d.Units[0].Quotas[0].Cell = map[string]string{"income": "high"} },
			[]string{"units[0].quotas[0].cell.income"}},
		{"quota role the survey lacks",
			func(d *questionnaire.Definition) { d.Units[0].Quotas[0].Cell = map[string]string{"age": "a2"} },
			[]string{"units[0].quotas[0].cell.age"}},
		{"unknown quota code",
			func(d *questionnaire.Definition) { d.Units[0].Quotas[0].Cell["town"] = "t9" },
			[]string{"units[0].quotas[0].cell.town"}},
		{"empty quota cell",
			func(d *questionnaire.Definition) { d.Units[0].Quotas[0].Cell = nil },
			[]string{"units[0].quotas[0].cell"}},
		{"quota target zero",
			func(d *questionnaire.Definition) { d.Units[0].Quotas[0].Target = 0 },
			[]string{"units[0].quotas[0].target"}},
		{"duplicate quota cell",
			func(d *questionnaire.Definition) {
				d.Units[0].Quotas = append(d.Units[0].Quotas, questionnaire.Quota{Cell: map[string]string{"town": "t1"}, Target: 5})
			},
			[]string{"units[0].quotas[1].cell"}},
		{"top-level quotas beside units",
			func(d *questionnaire.Definition) {
				d.Quotas = []questionnaire.Quota{{Cell: map[string]string{"town": "t1"}, Target: 5}}
			},
			[]string{"quotas"}},
		{"bad top-level quota without units",
			func(d *questionnaire.Definition) {
				d.Units, d.Categories = nil, nil
				d.Quotas = []questionnaire.Quota{{Cell: map[string]string{"gender": "f"}, Target: -2}}
			},
			[]string{"quotas[0].cell.gender", "quotas[0].target"}},
		{"negative notice bottom and threshold over 100",
			func(d *questionnaire.Definition) { d.Notices = &questionnaire.NoticeRule{Bottom: -1, Below: 101} },
			[]string{"notices.bottom", "notices.below"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := campaignDefinition()
			tt.mutate(d)
			var got []string
			for _, p := range definitionProblems(t, d.Validate()) {
				got = append(got, p.Path)
			}
			slices.Sort(got)
			want := slices.Clone(tt.wantPaths)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("problem paths = %v, want %v", got, want)
			}
		})
	}
}

// TestUnitSeesItsCategory checks what a unit's resident is shown and may
// answer: only the areas of its category, with its own summaries.
func TestUnitSeesItsCategory(t *testing.T) {
	c, err := questionnaire.Compile(campaignDefinition())
	if err != nil {
		t.Fatal(err)
	}
	city := c.ForUnit("u1")
	if len(city.Areas) != 2 || city.Areas[0].Summary != "本市空气质量优良率99%。" || city.Areas[1].Summary != "刑事案件下降12%。" {
		t.Errorf("city areas = %+v, want both, a1 with the unit's own summary", city.Areas)
	}
	agency := c.ForUnit("u2")
	if len(agency.Areas) != 1 || agency.Areas[0].Code != "a2" || len(agency.Units) != 1 || agency.Units[0].Code != "u2" {
		t.Errorf("agency sees areas %+v units %+v, want a2 only and itself", agency.Areas, agency.Units)
	}
	if c.Def.Areas[0].Summary != "空气质量优良率98.8%。" {
		t.Error("ForUnit changed the definition")
	}

	answers := func(unit string, codes ...string) *questionnaire.Submission {
		s := &questionnaire.Submission{SubmissionID: "0b5e2c1e-8d7a-4c1e-9a53-3c7f0f1e2a11", Unit: unit, Answers: map[string]json.RawMessage{}}
		for _, q := range append(codes, "overall") {
			s.Answers[q] = json.RawMessage(`"5"`)
		}
		s.Answers["town"] = json.RawMessage(`"t1"`)
		return s
	}
	if _, err := c.Check(answers("u2", "q3")); err != nil {
		t.Errorf("agency answering its one area: %v", err)
	}
	_, err = c.Check(answers("u2", "q1", "q2", "q3"))
	if inv, ok := err.(*questionnaire.InvalidError); !ok || inv.Fields["q1"] == "" || inv.Fields["q2"] == "" || len(inv.Fields) != 2 {
		t.Errorf("agency answering a city area: %v, want q1 and q2 refused", err)
	}
	if _, err := c.Check(answers("u1", "q3")); err == nil {
		t.Error("city skipping its required a1 questions was accepted")
	}
}

// TestCampaignTemplate checks the built-in campaign: the seed city on the
// 13 areas with the seed report's summaries, three fictional counties and
// four agencies on the 6-area list, each with its own summaries, 300 each.
func TestCampaignTemplate(t *testing.T) {
	data, err := questionnaire.Builtin("campaign-2022")
	if err != nil {
		t.Fatal(err)
	}
	c, err := questionnaire.CompileJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	social, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := questionnaire.CompileJSON(social)
	if err != nil {
		t.Fatal(err)
	}
	wantAgency := []string{"作风建设", "履职尽责", "能力建设", "为民办实事", "依法行政", "廉洁自律"}
	count := map[string]int{}
	for _, u := range c.Def.Units {
		count[u.Category]++
		if u.Target != 300 {
			t.Errorf("%s: target %d, want 300", u.Code, u.Target)
		}
		d := c.ForUnit(u.Code)
		var names []string
		for _, a := range d.Areas {
			names = append(names, a.Name)
			if u.Summaries[a.Code] == "" || a.Summary != u.Summaries[a.Code] || strings.Contains(a.Summary, "*") {
				t.Errorf("%s %s: summary %q, want the unit's own", u.Code, a.Code, a.Summary)
			}
		}
		switch u.Category {
		case "agency":
			if !slices.Equal(names, wantAgency) {
				t.Errorf("%s areas %v, want %v", u.Code, names, wantAgency)
			}
		case "city":
			if len(names) != 13 {
				t.Errorf("%s has %d areas, want 13", u.Code, len(names))
			}
		}
	}
	if count["city"] != 4 || count["agency"] != 4 {
		t.Errorf("units per category %v, want 4 cities and counties, 4 agencies", count)
	}
	city := c.ForUnit("seed-city")
	for i, a := range seed.Def.Areas {
		if city.Areas[i].Name != a.Name || city.Areas[i].Summary != a.Summary {
			t.Errorf("seed city area %d = %s %q, want social-2022's %s", i, city.Areas[i].Name, city.Areas[i].Summary, a.Name)
		}
	}
	for _, u := range c.Def.Units[1:] {
		if !strings.Contains(u.Name, "虚构") {
			t.Errorf("%s %q is not marked fictional", u.Code, u.Name)
		}
	}
}

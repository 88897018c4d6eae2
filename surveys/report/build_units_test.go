package report

import (
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// campaignInput is buildInput as a campaign: two categories, each unit
// with a target of 100, ranks within the category (乙区 and 丁局 tied),
// and the notices naming each category's bottom unit, 丁局 bottom again.
func campaignInput(lang Lang) Input {
	in := buildInput(lang)
	r := *in.Results
	unit := func(code, name, cat string, n int64, idx float64, rank int, tied bool) stats.UnitResults {
		u := stats.UnitResults{Code: code, Name: name, Category: cat, Responses: n, Completed: n, Target: 100,
			Progress: fp(float64(n) / 100), Tied: tied, Overall: stats.Summary{Index: fp(idx), N: n, CI95: []float64{idx - 3, idx + 3}}}
		if rank > 0 {
			u.Rank, u.RankRange = &rank, []int{rank, rank + 1}
		}
		return u
	}
	r.Units = []stats.UnitResults{
		unit("u1", "甲区", "city", 60, 80.5, 1, false), unit("u2", "乙区", "city", 65, 76.25, 2, true),
		unit("g1", "丙局", "agency", 5, 90, 0, false), unit("g2", "丁局", "agency", 55, 70.5, 2, true),
		unit("g3", "戊局", "agency", 65, 71, 1, true),
	}
	r.Notices = []stats.Notice{
		{Category: "city", Name: "市县", Bottom: 1, Units: []stats.NoticeUnit{{Code: "u2", Name: "乙区", Index: fp(76.25), Rank: r.Units[1].Rank, Reasons: []string{stats.NoticeBottom}}}},
		{Category: "agency", Name: "省直单位", Bottom: 1, Below: 72, Units: []stats.NoticeUnit{
			{Code: "g3", Name: "戊局", Index: fp(71), Rank: r.Units[4].Rank, Reasons: []string{stats.NoticeBelow}},
			{Code: "g2", Name: "丁局", Index: fp(70.5), Rank: r.Units[3].Rank, Reasons: []string{stats.NoticeBottom, stats.NoticeBelow, stats.NoticeBottomAgain}}}},
	}
	in.Results = &r
	in.Categories = []Category{{"city", "市县"}, {"agency", "省直单位"}}
	return in
}

// TestBuildCampaignRanking: a table per category ranked within it, with
// "=" for ties, rank ranges, target and progress; each category's notice
// with its reasons; a unit under k withheld with its progress (progress ×
// target is its count) but not its target; planned against achieved in
// the methods box — in the document and in HTML, PDF and DOCX.
func TestBuildCampaignRanking(t *testing.T) {
	d, err := Build(campaignInput(ZH))
	if err != nil {
		t.Fatal(err)
	}
	var captions []string
	for _, s := range d.Sections {
		for _, b := range s.Blocks {
			if tb, ok := b.(*Table); ok && strings.HasPrefix(tb.Caption, "表2") || ok && strings.HasPrefix(tb.Caption, "通报") {
				captions = append(captions, tb.Caption)
			}
		}
	}
	wantCaptions := "表2-1 单位排名：市县|通报单位：市县（排名末位 1 名）|表2-2 单位排名：省直单位|通报单位：省直单位（排名末位 1 名，或综合指数低于 72）"
	if got := strings.Join(captions, "|"); got != wantCaptions {
		t.Errorf("tables %q, want %q", got, wantCaptions)
	}
	// 250 responses: 60+65+5+55+65 = 250, so 丙局 (5) alone would be 250 − the rest: the smallest other, 丁局, is withheld too.
	checks := []struct{ label, want string }{
		{"甲区", "1 甲区 80.50 77.50–83.50 1–2 60 100 60.0%"},
		{"乙区", "2= 乙区 76.25 73.25–79.25 2–3 65 100 65.0%"},
		{"丙局", "— 丙局 — — — — 100 —"},
		{"戊局", "1= 戊局 71.00 68.00–74.00 1–2 65 100 65.0%"},
	}
	for _, c := range checks {
		if got := strings.Join(shown(rowOf(d, c.label)), " "); got != c.want {
			t.Errorf("%s: %q, want %q", c.label, got, c.want)
		}
	}
	if got := strings.Join(shown(rowOf(d, "丁局")), " "); got != "— 丁局 — — — — 100 —" {
		t.Errorf("丁局, the complement of 丙局: %q", got)
	}
	var notice []string
	for _, s := range d.Sections {
		for _, b := range s.Blocks {
			if tb, ok := b.(*Table); ok && strings.HasPrefix(tb.Caption, "通报") {
				for _, row := range tb.Rows {
					notice = append(notice, strings.Join(shown(row), " "))
				}
			}
		}
	}
	wantNotice := "乙区 2= 76.25 排名末位1名|戊局 1= 71.00 综合指数低于72|丁局 — — 排名末位1名；综合指数低于72；上年亦排名末位"
	if got := strings.Join(notice, "|"); got != wantNotice {
		t.Errorf("notices %q, want %q", got, wantNotice)
	}
	methods := d.Sections[len(d.Sections)-1].Blocks[0].(*Methods)
	var plan string
	for _, l := range methods.Lines {
		if l.Label == "计划与完成" {
			plan = l.Value
		}
	}
	if plan != "计划样本 500 份（各单位目标之和），完成 250 份，完成率 50.0%" {
		t.Errorf("planned and achieved: %q", plan)
	}
	_, files := readDOCX(t, renderDOCX(t, d))
	formats := map[string]string{
		"html": renderHTML(t, d),
		"pdf":  pdfText(t, renderPDF(t, newPDF(t), d), t.TempDir(), "campaign.pdf"),
		"docx": string(files["word/document.xml"]),
	}
	for format, text := range formats {
		text = squeeze(text)
		for _, w := range []string{"表2-1单位排名：市县", "表2-2单位排名：省直单位", "上年亦排名末位", "65.0%", "计划样本500份"} {
			if !strings.Contains(text, w) {
				t.Errorf("%s: no %q", format, w)
			}
		}
	}
}

// TestBuildCampaignAchievedWithheld: the achieved sample of the units
// with a target is their sum, a total like any other: with 丙局 (5) the
// only unit with one, it is withheld.
func TestBuildCampaignAchievedWithheld(t *testing.T) {
	in := campaignInput(EN)
	r := *in.Results
	r.Units = append([]stats.UnitResults(nil), r.Units...)
	for i := range r.Units {
		if r.Units[i].Code != "g1" {
			r.Units[i].Target, r.Units[i].Progress = 0, nil
		}
	}
	in.Results = &r
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	methods := d.Sections[len(d.Sections)-1].Blocks[0].(*Methods)
	var plan string
	for _, l := range methods.Lines {
		if l.Label == "Planned and achieved" {
			plan = l.Value
		}
	}
	if plan != "planned 100 (the units' targets), achieved — (withheld)" {
		t.Errorf("planned and achieved: %q", plan)
	}
	// No unit of the cities has a target: their table has no target columns.
	if got := strings.Join(shown(rowOf(d, "甲区")), " "); got != "1 甲区 80.50 77.50–83.50 1–2 60" {
		t.Errorf("甲区 without a target: %q", got)
	}
}

// TestBuildTiedUnitsByIndex: units tied on a rank are listed by index,
// the higher first, whatever their order in the definition.
func TestBuildTiedUnitsByIndex(t *testing.T) {
	in := campaignInput(ZH)
	r := *in.Results
	one := 1
	r.Units = append([]stats.UnitResults(nil), r.Units...)
	r.Units[0], r.Units[1] = r.Units[1], r.Units[0] // 乙区 (76.25) before 甲区 (80.50)
	r.Units[0].Rank, r.Units[0].Tied = &one, true
	r.Units[1].Rank, r.Units[1].Tied = &one, true
	in.Results = &r
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Sections {
		for _, b := range s.Blocks {
			if tb, ok := b.(*Table); ok && strings.HasPrefix(tb.Caption, "表2-1") {
				if got := tb.Rows[0][1].Text + " " + tb.Rows[1][1].Text; got != "甲区 乙区" {
					t.Errorf("tied units in the order %q, want 甲区 乙区", got)
				}
				return
			}
		}
	}
	t.Fatal("no table 2-1")
}

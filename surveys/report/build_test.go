package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/stats"
)

func fp(v float64) *float64 { return &v }

// buildInput is a small scored survey: two areas (one under k), three
// units (one under k), a town breakdown with a cell under k, last year's
// comparison and comments.
func buildInput(lang Lang) Input {
	area := func(code, name string, idx, rate float64, n int64) stats.AreaResult {
		return stats.AreaResult{Code: code, Name: name, ItemResult: stats.ItemResult{Index: fp(idx), Rate: fp(rate),
			DissatisfiedRate: fp(0.125), DontKnowRate: fp(0.05), N: n, CI95: []float64{idx - 2, idx + 2}, SE: fp(1)}}
	}
	unit := func(code, name string, n int64, idx float64, rank int) stats.UnitResults {
		u := stats.UnitResults{Code: code, Name: name, Responses: n, Overall: stats.Summary{Index: fp(idx), N: n, CI95: []float64{idx - 3, idx + 3}}}
		if rank > 0 {
			u.Rank, u.RankRange = &rank, []int{rank, rank + 1}
		}
		return u
	}
	r := &stats.Results{
		Survey: "city-2023", Title: "2023年度测试", Responses: 250, Flagged: 4, IncludesFlagged: true,
		Overall:         stats.Summary{Index: fp(78.4), N: 250, CI95: []float64{75.9, 80.9}},
		OverallQuestion: &stats.ItemResult{Rate: fp(0.7231), RateCI95: []float64{0.701, 0.744}, N: 250},
		Areas:           []stats.AreaResult{area("A1", "作风建设", 81.25, 0.6667, 240), area("A2", "民生事业", 55, 0.5, 7)},
		Units:           []stats.UnitResults{unit("u1", "甲区", 120, 80.5, 1), unit("u2", "乙区", 125, 76.25, 2), unit("u3", "丙区", 5, 90, 0)},
		AsOf:            time.Date(2023, 12, 5, 2, 30, 0, 0, time.UTC),
		Previous: &stats.Comparison{Title: "2022年度测试", Overall: stats.ComparedFigure{Delta: fp(2.1), DeltaSE: fp(0.9)},
			Areas: []stats.ComparedArea{{Code: "A1", Name: "作风建设", ComparedFigure: stats.ComparedFigure{Delta: fp(-1.5), DeltaSE: fp(1)}}}},
	}
	town := &stats.Breakdown{By: "town", Cells: []stats.BreakdownCell{
		{Code: "t1", Label: "嘉积镇", Responses: 150, Overall: stats.Summary{Index: fp(79)}},
		{Code: "t2", Label: "博鳌镇", Responses: 96, Overall: stats.Summary{Index: fp(77)}},
		{Code: "t3", Label: "潭门镇", Responses: 4, Overall: stats.Summary{Index: fp(95)}},
	}}
	var comments []Comment
	for i := range 12 {
		comments = append(comments, Comment{Writer: string(rune('a' + i)), Text: "希望多建停车位"})
	}
	for i := range 9 {
		comments = append(comments, Comment{Writer: string(rune('A' + i)), Text: "垃圾分类"})
	}
	writers, terms := Said(comments, 10)
	return Input{Lang: lang, Title: "2023年度测试", Year: 2023, Issuer: "示例市统计局", K: 10, Results: r,
		Profiles: []*stats.Breakdown{town}, Writers: writers, Terms: terms,
		Methods: MethodFacts{Modes: []Mode{{"web", 240}, {"phone", 10}}, OpenLink: true,
			First: time.Date(2023, 11, 1, 1, 0, 0, 0, time.UTC), Last: time.Date(2023, 11, 30, 9, 0, 0, 0, time.UTC),
			Levels: []string{"满意", "不满意"}, Scores: []float64{100, 0}}}
}

// rowOf finds the row of a table whose first or second cell is label.
func rowOf(d *Document, label string) []Cell {
	for _, s := range d.Sections {
		for _, b := range s.Blocks {
			if t, ok := b.(*Table); ok {
				for _, row := range t.Rows {
					if row[0].Text == label || len(row) > 1 && row[1].Text == label {
						return row
					}
				}
			}
		}
	}
	return nil
}

func shown(row []Cell) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = c.Shown()
	}
	return out
}

func TestBuildFiguresAndSuppression(t *testing.T) {
	d, err := Build(buildInput(ZH))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		got  []string
		want string
	}{
		{"area shown", shown(rowOf(d, "作风建设")), "作风建设 81.25 79.25–83.25 66.67% 12.50% 5.00% 240 -1.50"},
		{"area under k withheld", shown(rowOf(d, "民生事业")), "民生事业 — — — — — — —"},
		{"unit ranked", shown(rowOf(d, "乙区")), "2 乙区 76.25 73.25–79.25 2–3 125"},
		// 丙区 (5) is withheld, and with it the smallest other unit, else 250 − 120 − 125 gives it away.
		{"unit under k withheld", shown(rowOf(d, "丙区")), "— 丙区 — — — —"},
		{"complementary unit withheld", shown(rowOf(d, "甲区")), "— 甲区 — — — —"},
		{"town under k withheld", shown(rowOf(d, "潭门镇")), "潭门镇 — — —"},
		{"complementary town withheld", shown(rowOf(d, "博鳌镇")), "博鳌镇 — — —"},
		{"town shown", shown(rowOf(d, "嘉积镇")), "嘉积镇 150 60.0% 79.00"},
		{"term of 12 writers", shown(rowOf(d, "多建停车")), "多建停车 12"},
		{"no term of fewer than k writers", shown(rowOf(d, "垃圾分类")), ""},
	}
	for _, c := range checks {
		if got := strings.Join(c.got, " "); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	sum := d.Sections[0].Blocks[0].(*Paragraph).Text
	if want := "综合满意度指数为 78.40，比上年提高 2.10 分（统计显著）；总体满意率为 72.31%；本次调查共收回有效答卷 250 份。"; sum != want {
		t.Errorf("summary: %q", sum)
	}
	if strings.Contains(sum, "民生事业") {
		t.Errorf("summary names an area under k: %q", sum)
	}
	if d.Period != "调查时间：2023年11月1日至2023年11月30日" || d.Responses != 250 || !d.ScoredAt.Equal(buildInput(ZH).Results.AsOf) {
		t.Errorf("period %q, responses %d, scored %v", d.Period, d.Responses, d.ScoredAt)
	}
}

func TestBuildEnglish(t *testing.T) {
	d, err := Build(buildInput(EN))
	if err != nil {
		t.Fatal(err)
	}
	sum := d.Sections[0].Blocks[0].(*Paragraph).Text
	if !strings.HasPrefix(sum, "The overall satisfaction index is 78.40, up 2.10 points on last year (significant); the overall satisfaction rate is 72.31%") {
		t.Errorf("summary: %q", sum)
	}
	if d.Sections[0].Heading != "1. Overview" {
		t.Errorf("heading %q", d.Sections[0].Heading)
	}
}

// TestBuildSameBytes: the same input gives the same PDF and DOCX bytes; a
// later scoring of the same figures changes only the stamp (and the dates
// derived from it), so the bodies differ only there.
func TestBuildSameBytes(t *testing.T) {
	pdf, err := NewPDF()
	if err != nil {
		t.Fatal(err)
	}
	render := func(in Input) (p, x []byte) {
		d, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		var pb, xb bytes.Buffer
		if err := pdf.Render(&pb, d); err != nil {
			t.Fatal(err)
		}
		if err := DOCX(&xb, d); err != nil {
			t.Fatal(err)
		}
		return pb.Bytes(), xb.Bytes()
	}
	p1, x1 := render(buildInput(ZH))
	p2, x2 := render(buildInput(ZH))
	if !bytes.Equal(p1, p2) || !bytes.Equal(x1, x2) {
		t.Fatal("same input, different bytes")
	}
	later := buildInput(ZH)
	later.Results.AsOf = later.Results.AsOf.Add(time.Hour)
	p3, x3 := render(later)
	if bytes.Equal(p1, p3) || bytes.Equal(x1, x3) {
		t.Fatal("a later stamp did not show")
	}
}

// TestBuildWithoutPreviousYear: no comparison, no Δ column.
func TestBuildWithoutPreviousYear(t *testing.T) {
	in := buildInput(ZH)
	in.Results.Previous = nil
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(shown(rowOf(d, "作风建设")), " "); got != "作风建设 81.25 79.25–83.25 66.67% 12.50% 5.00% 240" {
		t.Errorf("area row %q", got)
	}
	if s := d.Sections[0].Blocks[0].(*Paragraph).Text; strings.Contains(s, "上年") {
		t.Errorf("summary mentions last year: %q", s)
	}
}

// TestBuildPartsOverTotal: groups that count more than the sample (answers
// from another version) still build, with the cell under k withheld.
func TestBuildPartsOverTotal(t *testing.T) {
	in := buildInput(ZH)
	in.Profiles[0].Cells[0].Responses = 400
	in.Results.Units[0].Responses = 400
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(shown(rowOf(d, "潭门镇")), " "); got != "潭门镇 — — —" {
		t.Errorf("town under k: %q", got)
	}
}

// TestBuildMethods: the methods box states the channels and their shares,
// the response rate of an invitation sample, the weighting and the rules.
func TestBuildMethods(t *testing.T) {
	in := buildInput(ZH)
	in.Methods.OpenLink, in.Methods.Invited, in.Methods.Used = false, 500, 250
	in.Results.Weighting = &stats.WeightingReport{Variables: []string{"gender", "age"}, Trimmed: 3, NEff: 201.46}
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	m := d.Sections[len(d.Sections)-1].Blocks[0].(*Methods)
	lines := map[string]string{}
	for _, l := range m.Lines {
		lines[l.Label] = l.Value
	}
	want := map[string]string{
		"调查方式": "网络问卷 96.0%（240）；电话调查 4.0%（10）",
		"调查时间": "调查时间：2023年11月1日至2023年11月30日",
		"样本量":  "有效答卷 250 份；发放邀请 500 份，已回答 250 份，回答率 50.0%",
		"质量控制": "被质量规则标记的 4 份答卷计入结果。",
		"加权":   "按性别、年龄进行迭代加权（raking），截尾 3 份，有效样本量 n_eff = 201.5。",
		"数据保护": SuppressionRule(ZH, 10),
	}
	for k, v := range want {
		if lines[k] != v {
			t.Errorf("%s: %q, want %q", k, lines[k], v)
		}
	}
	if _, ok := lines["说明"]; ok {
		t.Error("the opt-in caveat on an invitation sample")
	}
}

// TestBuildMethodsTelephone: with a telephone sample the methods box takes
// the channels and the AAPOR rates from the results body, names the e
// rule, and shows "—" for a rate without a denominator; without one it has
// no rates line.
func TestBuildMethodsTelephone(t *testing.T) {
	in := buildInput(ZH)
	f := func(v float64) *float64 { return &v }
	in.Results.Channels = map[string]int{"web": 230, "cati": 20}
	in.Results.ResponseRates = map[string]*float64{"rr1": f(0.2), "rr3": f(0.25), "e": f(0.6), "coop1": f(0.5), "ref1": f(0.1234), "con1": nil}
	lines := map[string]string{}
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range d.Sections[len(d.Sections)-1].Blocks[0].(*Methods).Lines {
		lines[l.Label] = l.Value
	}
	if got, want := lines["调查方式"], "网络问卷 92.0%（230）；电话调查 8.0%（20）"; !strings.HasPrefix(got, want) {
		t.Errorf("modes %q, want %q", got, want)
	}
	rates := lines["电话调查回应率"]
	for _, w := range []string{"RR1 20.0%", "RR3 25.0%", "e 按比例法估计为 0.600", "COOP1 50.0%", "REF1 12.3%", "CON1 —"} {
		if !strings.Contains(rates, w) {
			t.Errorf("rates %q: no %q", rates, w)
		}
	}
	in.Results.Channels, in.Results.ResponseRates = nil, nil
	if d, err = Build(in); err != nil {
		t.Fatal(err)
	}
	for _, l := range d.Sections[len(d.Sections)-1].Blocks[0].(*Methods).Lines {
		if l.Label == "电话调查回应率" {
			t.Errorf("a rates line without a telephone sample: %q", l.Value)
		}
	}
}

// TestBuildQuotes: the staff's quotes close "what residents said" as
// quotes, in either language, after the terms.
func TestBuildQuotes(t *testing.T) {
	for _, lang := range []Lang{ZH, EN} {
		in := buildInput(lang)
		in.Quotes = []string{"路灯修好了。", "希望周末也能办事。"}
		d, err := Build(in)
		if err != nil {
			t.Fatal(err)
		}
		var said *Section
		for i := range d.Sections {
			if strings.Contains(d.Sections[i].Heading, wordsOf(lang).pick("群众意见", "What residents said")) {
				said = &d.Sections[i]
			}
		}
		if said == nil {
			t.Fatalf("%v: no section of what residents said", lang)
		}
		var got []string
		for _, b := range said.Blocks {
			if q, ok := b.(*Quote); ok {
				got = append(got, q.Text)
			}
		}
		if strings.Join(got, "|") != "路灯修好了。|希望周末也能办事。" {
			t.Errorf("%v: quotes %q", lang, got)
		}
		if _, ok := said.Blocks[len(said.Blocks)-1].(*Quote); !ok {
			t.Errorf("%v: the quotes do not close the section", lang)
		}
	}
}

// TestBuildWeightedProfile: with weighted results the profile shows each
// group's weighted share (labelled so) beside its unweighted count; the
// group under k stays withheld.
func TestBuildWeightedProfile(t *testing.T) {
	in := buildInput(ZH)
	in.Methods.Weighted = true
	in.Results.Weighting = &stats.WeightingReport{Variables: []string{"town"}, NEff: 230,
		Profile: map[string]map[string]float64{"town": {"t1": 0.5, "t2": 0.4, "t3": 0.1}}}
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	for label, want := range map[string]string{
		"嘉积镇": "嘉积镇 150 50.0% 79.00", // unweighted 60.0%
		"博鳌镇": "博鳌镇 — — —",           // withheld with it (complementary)
		"潭门镇": "潭门镇 — — —",
	} {
		if got := strings.Join(shown(rowOf(d, label)), " "); got != want {
			t.Errorf("%s: %q, want %q", label, got, want)
		}
	}
	tbl := tableWithRow(d, "嘉积镇")
	if tbl == nil || tbl.Head[0][2].Text != "加权比例" {
		t.Fatalf("profile table head %+v, want 加权比例", tbl)
	}
	var notes []string
	for _, n := range tbl.Notes {
		notes = append(notes, n.Text)
	}
	if !strings.Contains(strings.Join(notes, " "), "答卷数和各组指数未加权；加权比例为加权后的占比。") {
		t.Errorf("notes %q: want the weighted-share note", notes)
	}

	in.Lang = EN
	if d, err = Build(in); err != nil {
		t.Fatal(err)
	}
	if tbl := tableWithRow(d, "嘉积镇"); tbl == nil || tbl.Head[0][2].Text != "Weighted share" {
		t.Errorf("English profile table head %+v, want Weighted share", tbl)
	}

	in.Lang = ZH
	in.Results.Weighting.Profile = nil // a body without the shares: counts' shares, said so
	if d, err = Build(in); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(shown(rowOf(d, "嘉积镇")), " "); got != "嘉积镇 150 60.0% 79.00" {
		t.Errorf("without weighted shares: %q", got)
	}
	if tbl := tableWithRow(d, "嘉积镇"); tbl == nil || tbl.Head[0][2].Text != "占比" {
		t.Errorf("profile table head %+v, want 占比", tbl)
	}
}

// tableWithRow is the table holding the row labelled label.
func tableWithRow(d *Document, label string) *Table {
	for _, s := range d.Sections {
		for _, b := range s.Blocks {
			if t, ok := b.(*Table); ok {
				for _, row := range t.Rows {
					if row[0].Text == label {
						return t
					}
				}
			}
		}
	}
	return nil
}

package report

import (
	"fmt"
	"time"
)

// areaNames are the 13 areas of the seed report.
var areaNames = []string{"作风建设", "履职尽责", "依法行政", "为民办实事", "服务市场主体", "民生事业", "环境保护",
	"营商环境", "乡村振兴", "基础设施建设", "基层党建", "党风廉政建设", "平安建设"}

// sampleDoc is a made-up report with every kind of block, 13 areas, a
// suppressed breakdown cell and a quote; figures are fictional.
func sampleDoc(lang Lang, internal bool) *Document {
	zh := lang == ZH
	pick := func(z, e string) string {
		if zh {
			return z
		}
		return e
	}
	areaRows := make([][]Cell, len(areaNames))
	bars := make([]Bar, len(areaNames))
	for i, name := range areaNames {
		idx := 70 + float64(i%7)*2.37
		areaRows[i] = []Cell{{Text: name}, {Text: fmt.Sprintf("%.2f", idx)}, {Text: fmt.Sprintf("%.1f%%", 60+float64(i))},
			{Text: fmt.Sprintf("%.1f%%", 8+float64(i%4))}, {Text: fmt.Sprintf("%.1f%%", 5+float64(i%3))},
			{Text: fmt.Sprint(400 + 7*i)}, {Text: fmt.Sprintf("%+.2f", float64(i%5)-1.5)}}
		bars[i] = Bar{Label: name, Value: idx, Text: fmt.Sprintf("%.2f", idx), Low: idx - 2.1, High: idx + 1.9, HasInterval: true}
	}
	bars[4].Suppressed = true
	return &Document{
		Lang:      lang,
		Title:     pick("2022年度社会评价结果公报", "2022 Social Evaluation: Results"),
		Period:    pick("调查时间：2022年11月1日至11月30日", "Fieldwork: 1–30 November 2022"),
		Issuer:    pick("示例市统计局", "Example City Statistics Bureau"),
		Marks:     []Line{{pick("表号", "Form"), "示调001表"}, {pick("批准文号", "Approval"), "国统制〔2022〕1号"}},
		Internal:  internal,
		ScoredAt:  time.Date(2022, 12, 5, 2, 30, 0, 0, time.UTC),
		Responses: 5316,
		Sections: []Section{
			{Heading: pick("一、总体情况", "1. Overview"), Blocks: []Block{
				&Paragraph{Text: pick("综合满意度指数为 78.40，比上年提高 2.10 分（统计显著）；满意率为 72.3%。",
					"The overall satisfaction index is 78.40, up 2.10 points on last year (significant); the satisfaction rate is 72.3%.")},
				&Figures{Items: []Figure{
					{pick("综合满意度指数", "Overall index"), "78.40", pick("95%区间 75.90–80.90", "95% interval 75.90–80.90")},
					{pick("满意率", "Satisfaction rate"), "72.3%", pick("95%区间 70.1%–74.4%", "95% interval 70.1%–74.4%")},
					{pick("有效答卷", "Responses"), "5,316", ""},
				}},
				&Paragraph{Text: WordsFor(lang).OptIn, Small: true},
			}},
			{Heading: pick("二、各领域满意度", "2. Areas"), Blocks: []Block{
				&Table{
					Caption: pick("表1 各领域满意度指数", "Table 1 Index by area"),
					Head: [][]HeadCell{
						{{pick("领域", "Area"), 1}, {pick("满意度指数", "Index"), 1}, {pick("满意率", "Rate"), 1}, {pick("不满意率", "Dissatisfied"), 1},
							{pick("不了解", "Don't know"), 1}, {"n", 1}, {pick("比上年", "Δ"), 1}},
					},
					Align:  []Align{Left, Right, Right, Right, Right, Right, Right},
					Widths: []float64{3, 1.5, 1.2, 1.2, 1.2, 1, 1.2},
					Rows:   areaRows,
				},
				&BarChart{Title: pick("图1 各领域满意度指数", "Figure 1 Index by area"), Min: 50, Max: 100,
					Ticks: []float64{50, 60, 70, 80, 90, 100}, Bars: bars, Note: WordsFor(lang).WhiskerNote},
			}},
			{Heading: pick("三、分组情况", "3. Groups"), Blocks: []Block{
				&Heading{Text: pick("按年龄", "By age")},
				&Table{
					Head:  [][]HeadCell{{{pick("年龄", "Age"), 1}, {pick("答卷", "Responses"), 2}, {pick("满意度指数", "Index"), 1}}, {{"", 1}, {"n", 1}, {"%", 1}, {"", 1}}},
					Align: []Align{Left, Right, Right, Right},
					Rows: [][]Cell{
						{{Text: "18–29"}, {Text: "1204"}, {Text: "22.6%"}, {Text: "76.12"}},
						{{Text: "30–59"}, {Text: "3302"}, {Text: "62.1%"}, {Text: "79.02"}},
						{{Text: "60+"}, {Text: "803"}, {Text: "15.1%"}, {Text: "80.44", Low: true}},
						{{Text: pick("未回答", "Not stated")}, {Suppressed: true, Mark: "a"}, {Suppressed: true, Mark: "a"}, {Suppressed: true, Mark: "a"}},
						{{Text: pick("合计", "Total"), Strong: true}, {Text: "5316", Strong: true}, {Text: "100%"}, {Text: "78.40", Strong: true}},
					},
					Notes: []Note{{"a", SuppressionNote(lang, 10)}},
				},
			}},
			{Heading: pick("四、群众意见", "4. What residents said"), Blocks: []Block{
				&Table{Head: [][]HeadCell{{{pick("词语", "Term"), 1}, {pick("提及人数", "Writers"), 1}}},
					Align: []Align{Left, Right},
					Rows:  [][]Cell{{{Text: "停车位"}, {Text: "212"}}, {{Text: "修路"}, {Text: "148"}}}},
				&Quote{Text: pick("希望小区多建一些停车位。", "More parking spaces in the estates, please."), Source: pick("居民留言（经选登）", "A resident (selected)")},
				&Methods{Title: pick("调查方法", "Methods"), Lines: []Line{
					{pick("调查方式", "Mode"), pick("网络问卷（开放链接）100%", "Web (open link) 100%")},
					{pick("样本量", "Sample"), pick("计划 5,000，完成 5,316", "Planned 5,000, achieved 5,316")},
					{pick("加权", "Weighting"), WordsFor(lang).Unweighted},
					{pick("计分", "Scoring"), ScoringRule(lang, []string{"满意", "比较满意", "一般", "不太满意", "不满意"}, []float64{100, 80, 60, 30, 0})},
					{pick("数据保护", "Suppression"), SuppressionRule(lang, 10)},
				}},
			}},
		},
	}
}

// bigDoc is a campaign report of units × areas: a ranking table of all
// units, then for each unit a section with its area table and chart.
func bigDoc(units, areas int) *Document {
	d := sampleDoc(ZH, true)
	rank := &Table{Caption: "单位排名", Align: []Align{Right, Left, Right, Right, Right},
		Head: [][]HeadCell{{{"名次", 1}, {"单位", 1}, {"指数", 1}, {"名次区间", 1}, {"完成/计划", 1}}}}
	for u := range units {
		rank.Rows = append(rank.Rows, []Cell{{Text: fmt.Sprint(u + 1)}, {Text: fmt.Sprintf("示例单位%02d", u+1)},
			{Text: fmt.Sprintf("%.2f", 90-float64(u)*0.3)}, {Text: fmt.Sprintf("%d–%d", max(1, u-1), u+3)}, {Text: "300/300"}})
	}
	d.Sections = append(d.Sections, Section{Heading: "五、单位排名", Blocks: []Block{rank}})
	for u := range units {
		t := &Table{Align: []Align{Left, Right, Right, Right}, Head: [][]HeadCell{{{"领域", 1}, {"指数", 1}, {"满意率", 1}, {"n", 1}}}}
		c := &BarChart{Min: 0, Max: 100, Ticks: []float64{0, 20, 40, 60, 80, 100}}
		for a := range areas {
			v := 60 + float64((u*7+a*3)%35)
			t.Rows = append(t.Rows, []Cell{{Text: areaNames[a%len(areaNames)]}, {Text: fmt.Sprintf("%.2f", v)}, {Text: "71.0%"}, {Text: "296"}})
			c.Bars = append(c.Bars, Bar{Label: areaNames[a%len(areaNames)], Value: v, Text: fmt.Sprintf("%.2f", v), Low: v - 3, High: v + 3, HasInterval: true})
		}
		d.Sections = append(d.Sections, Section{Heading: fmt.Sprintf("示例单位%02d", u+1), Blocks: []Block{t, c}})
	}
	return d
}

package report

import (
	"fmt"
	"strings"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// profileNames names the breakdowns.
var profileNames = map[string][2]string{
	"town":   {"按乡镇（街道）", "By town"},
	"age":    {"按年龄", "By age"},
	"gender": {"按性别", "By sex"},
}

// profile is the respondent profile: counts, shares and the overall index
// per group of each breakdown. The groups and "not stated" partition the
// sample: a group under K is withheld, and complementary cells with it.
func (b *builder) profile() (Section, bool, error) {
	if len(b.in.Profiles) == 0 {
		return Section{}, false, nil
	}
	total := b.r.Responses
	var blocks []Block
	for n, bd := range b.in.Profiles {
		counts := []int{int(total)}
		parts := []int{}
		var sum int64
		for i, c := range bd.Cells {
			counts = append(counts, int(c.Responses))
			parts = append(parts, i+1)
			sum += c.Responses
		}
		rest := total - sum
		if rest > 0 {
			counts = append(counts, int(rest))
			parts = append(parts, len(counts)-1)
		} else {
			counts[0] = int(sum) // never fewer than the parts, as for units
		}
		sup, err := Suppress(counts, []Relation{{Total: 0, Parts: parts}}, b.in.K)
		if err != nil {
			return Section{}, false, err
		}
		name := profileNames[bd.By]
		// Weighted results carry each answer's weighted share: counts
		// stay of responses, shares are of weight.
		var weighted map[string]float64
		if wr := b.r.Weighting; wr != nil {
			weighted = wr.Profile[bd.By]
		}
		shareHead := b.w.pick("占比", "Share")
		if weighted != nil {
			shareHead = b.w.pick("加权比例", "Weighted share")
		}
		t := &Table{
			Caption: b.w.pick(fmt.Sprintf("表%d 受访者构成（%s）", n+3, strings.TrimPrefix(name[0], "按")),
				fmt.Sprintf("Table %d Respondents %s", n+3, strings.ToLower(name[1]))),
			Head: [][]HeadCell{{{b.w.pick("组别", "Group"), 1}, {b.w.pick("答卷", "Responses"), 1}, {shareHead, 1},
				{b.w.pick("综合指数", "Index"), 1}}},
			Align:  []Align{Left, Right, Right, Right},
			Widths: []float64{3, 1.3, 1.3, 1.3},
		}
		var anyWithheld bool
		row := func(i int, label, code string, n int64, idx *float64, low bool) {
			if sup.Suppressed(i) {
				anyWithheld = true
				t.Rows = append(t.Rows, []Cell{{Text: label}, dash(), dash(), dash()})
				return
			}
			sh := share(n, total)
			if weighted != nil {
				sh = fmtShare(weighted[code])
			}
			t.Rows = append(t.Rows, []Cell{{Text: label}, {Text: fmt.Sprint(n)}, {Text: sh}, {Text: fmtIndex(idx), Low: low}})
		}
		for i, c := range bd.Cells {
			row(i+1, c.Label, c.Code, c.Responses, c.Overall.Index, c.Overall.Low)
		}
		if rest > 0 {
			row(len(counts)-1, b.w.pick("未回答", "Not stated"), "", rest, nil, false)
		}
		t.Rows = append(t.Rows, []Cell{{Text: b.w.pick("合计", "Total"), Strong: true}, {Text: fmt.Sprint(total), Strong: true},
			{Text: share(total, total)}, {Text: fmtIndex(b.r.Overall.Index), Strong: true}})
		if anyWithheld {
			t.Notes = append(t.Notes, Note{"a", SuppressionNote(b.in.Lang, b.in.K)})
		}
		switch {
		case weighted != nil:
			t.Notes = append(t.Notes, Note{"", b.w.pick("答卷数和各组指数未加权；加权比例为加权后的占比。",
				"Counts and group indexes are unweighted; shares are weighted.")})
		case b.in.Methods.Weighted:
			t.Notes = append(t.Notes, Note{"", b.w.pick("构成为未加权答卷数。", "Counts and shares are of responses, unweighted.")})
		}
		blocks = append(blocks, &Heading{Text: b.w.pick(name[0], name[1])}, t)
	}
	return Section{Heading: b.w.pick("受访者构成", "Respondents"), Blocks: blocks}, true, nil
}

// share is n of total in percent, 1 decimal.
func share(n, total int64) string {
	if total <= 0 {
		return ""
	}
	return fmtShare(float64(n) / float64(total))
}

// fmtShare formats a share (0–1) in percent to one decimal.
func fmtShare(v float64) string { return fmt.Sprintf("%.1f%%", v*100) }

// TermLimit is how many comment terms a report lists.
const TermLimit = 20

// Said counts the writers of the comments (non-blank, distinct) and finds
// the terms at least k of them used (Terms), at most TermLimit.
func Said(comments []Comment, k int) (writers int, terms []Term) {
	seen := map[string]bool{}
	for _, c := range comments {
		if strings.TrimSpace(c.Text) != "" && !seen[c.Writer] {
			seen[c.Writer] = true
		}
	}
	return len(seen), Terms(comments, k, TermLimit)
}

// said is "what residents said": how many wrote, and the terms at least K
// of them used (Terms), never a comment, then the quotes staff chose.
func (b *builder) said() Section {
	writers, terms := b.in.Writers, b.in.Terms
	blocks := []Block{&Paragraph{Text: b.w.pick(
		fmt.Sprintf("共有 %d 位受访者留言。下表列出至少 %d 位受访者提到的词语及提及人数，不列出任何一条留言。", writers, b.in.K),
		fmt.Sprintf("%d respondents left a comment. The table lists the terms at least %d of them used and how many did; no comment is shown.", writers, b.in.K))}}
	if len(terms) == 0 {
		blocks = append(blocks, &Paragraph{Text: b.w.pick("没有达到上述人数的词语。", "No term was used by that many."), Small: true})
	} else {
		t := &Table{Head: [][]HeadCell{{{b.w.pick("词语", "Term"), 1}, {b.w.pick("提及人数", "Writers"), 1}}},
			Align: []Align{Left, Right}, Widths: []float64{3, 1}}
		for _, term := range terms {
			t.Rows = append(t.Rows, []Cell{{Text: term.Text}, {Text: fmt.Sprint(term.Writers)}})
		}
		blocks = append(blocks, t)
	}
	if len(b.in.Quotes) > 0 {
		blocks = append(blocks, &Paragraph{Text: b.w.pick("以下意见由调查工作人员选录：", "Comments chosen by the survey staff:")})
		for _, q := range b.in.Quotes {
			blocks = append(blocks, &Quote{Text: q})
		}
	}
	return Section{Heading: b.w.pick("群众意见", "What residents said"), Blocks: blocks}
}

// variableNames names the weighting variables.
var variableNames = map[string][2]string{"town": {"乡镇", "town"}, "age": {"年龄", "age"}, "gender": {"性别", "sex"}}

// modeNames names the response channels.
var modeNames = map[string][2]string{
	"web":   {"网络问卷", "web"},
	"phone": {"电话调查", "telephone"},
	"cati":  {"电话调查", "telephone"},
	"seed":  {"示例数据", "sample data"},
}

// methods is the methods box.
func (b *builder) methods() Section {
	m, r := b.in.Methods, b.r
	if tel := r.Channels["cati"]; tel > 0 {
		// A telephone sample: the channels are the results body's.
		m.Modes = []Mode{{"web", int64(r.Channels["web"])}, {"cati", int64(tel)}}
	}
	var total int64
	for _, md := range m.Modes {
		total += md.Responses
	}
	var modes []string
	for _, md := range m.Modes {
		name, ok := modeNames[md.Channel]
		if !ok {
			name = [2]string{md.Channel, md.Channel}
		}
		modes = append(modes, fmt.Sprintf("%s %s（%d）", b.w.pick(name[0], name[1]), share(md.Responses, total), md.Responses))
	}
	if m.OpenLink {
		modes = append(modes, b.w.pick("开放链接，自愿参与", "open link, opt-in"))
	}
	lines := []Line{{b.w.pick("调查方式", "Mode"), strings.Join(modes, b.w.pick("；", "; "))}}
	if !m.First.IsZero() {
		lines = append(lines, Line{b.w.pick("调查时间", "Fieldwork"), b.w.fieldwork(m.First, m.Last)})
	}
	sample := b.w.pick(fmt.Sprintf("有效答卷 %d 份", r.Responses), fmt.Sprintf("%d responses", r.Responses))
	if m.Invited > 0 {
		sample += b.w.pick(fmt.Sprintf("；发放邀请 %d 份，已回答 %d 份，回答率 %s", m.Invited, m.Used, share(m.Used, m.Invited)),
			fmt.Sprintf("; %d invitations issued, %d answered, response rate %s", m.Invited, m.Used, share(m.Used, m.Invited)))
	}
	lines = append(lines, Line{b.w.pick("样本量", "Sample"), sample})
	if rates := b.ratesLine(); rates != "" {
		lines = append(lines, Line{b.w.pick("电话调查回应率", "Telephone response rates"), rates})
	}
	if plan := b.sampleLine(); plan != "" {
		lines = append(lines, Line{b.w.pick("计划与完成", "Planned and achieved"), plan})
	}
	lines = append(lines, Line{b.w.pick("质量控制", "Quality"), b.w.flaggedLine(r)})
	weighting := WordsFor(b.in.Lang).Unweighted
	if wr := r.Weighting; wr != nil {
		vars := make([]string, len(wr.Variables))
		for i, v := range wr.Variables {
			vars[i] = v
			if n, ok := variableNames[v]; ok {
				vars[i] = b.w.pick(n[0], n[1])
			}
		}
		weighting = b.w.pick(fmt.Sprintf("按%s进行迭代加权（raking），截尾 %d 份，有效样本量 n_eff = %.1f。", strings.Join(vars, "、"), wr.Trimmed, wr.NEff),
			fmt.Sprintf("Raked to %s; %d weights trimmed; effective sample size n_eff = %.1f.", strings.Join(vars, ", "), wr.Trimmed, wr.NEff))
	}
	lines = append(lines, Line{b.w.pick("加权", "Weighting"), weighting})
	if m.OpenLink {
		lines = append(lines, Line{b.w.pick("说明", "Caveat"), WordsFor(b.in.Lang).OptIn})
	}
	lines = append(lines, Line{b.w.pick("计分", "Scoring"), ScoringRule(b.in.Lang, m.Levels, m.Scores)},
		Line{b.w.pick("数据保护", "Suppression"), SuppressionRule(b.in.Lang, b.in.K)})
	return Section{Heading: b.w.pick("调查方法", "Methods"), Blocks: []Block{&Methods{Title: b.w.pick("调查方法说明", "How the survey was done"), Lines: lines}}}
}

// flaggedLine says how flagged responses were treated.
func (w buildWords) flaggedLine(r *stats.Results) string {
	if r.IncludesFlagged {
		return w.pick(fmt.Sprintf("被质量规则标记的 %d 份答卷计入结果。", r.Flagged),
			fmt.Sprintf("The %d responses flagged by the quality rules are counted.", r.Flagged))
	}
	return w.pick(fmt.Sprintf("被质量规则标记的 %d 份答卷未计入结果。", r.Flagged),
		fmt.Sprintf("The %d responses flagged by the quality rules are left out.", r.Flagged))
}

// ratesLine states the telephone sample's AAPOR rates from the results
// body (RR1, RR3 with its e, COOP1, REF1, CON1), "" when it has none. A
// rate without a denominator is "—".
func (b *builder) ratesLine() string {
	rr := b.r.ResponseRates
	if rr == nil {
		return ""
	}
	pct := func(k string) string {
		if v := rr[k]; v != nil {
			return fmt.Sprintf("%.1f%%", *v*100)
		}
		return Dash
	}
	e := Dash
	if v := rr["e"]; v != nil {
		e = fmt.Sprintf("%.3f", *v)
	}
	return b.w.pick(
		fmt.Sprintf("按美国舆论研究协会（AAPOR）标准定义：RR1 %s；RR3 %s（未知合格性个案的合格比例 e 按比例法估计为 %s）；合作率 COOP1 %s；拒访率 REF1 %s；接触率 CON1 %s。",
			pct("rr1"), pct("rr3"), e, pct("coop1"), pct("ref1"), pct("con1")),
		fmt.Sprintf("AAPOR Standard Definitions: RR1 %s; RR3 %s (e, the eligible share of cases of unknown eligibility, estimated by the proportional rule at %s); cooperation COOP1 %s; refusal REF1 %s; contact CON1 %s.",
			pct("rr1"), pct("rr3"), e, pct("coop1"), pct("ref1"), pct("con1")))
}

package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// Category is one category of a campaign's units, in the definition's
// order: its units are ranked among themselves and get a table of their own.
type Category struct {
	Code, Name string
}

// unitCells are the suppression cells of the units: 0 the whole sample,
// 1..len(units) the units, then the responses without a unit (when there
// are any) and, when some units have a target, the achieved sample of
// those units (Σ completed), which the methods box publishes.
type unitCells struct {
	sup      Suppression
	achieved int // index of the achieved cell, 0 when none
	planned  int // Σ target
	done     int // Σ completed of the units with a target
}

func (c unitCells) withheld(i int) bool { return c.sup.Suppressed(i + 1) }

// unitSuppression decides which units to withhold. The units and the
// responses without a unit partition the sample, whose size the overview
// publishes; the achieved sample of the units with a target is their sum.
// A unit under K is withheld, and so is another when the withheld ones
// could be worked out by subtraction from either total.
func (b *builder) unitSuppression() (unitCells, error) {
	us := b.r.Units
	counts := []int{int(b.r.Responses)}
	parts := make([]int, 0, len(us)+1)
	var c unitCells
	var targeted []int
	sum := 0
	for i, u := range us {
		counts = append(counts, int(u.Responses))
		parts = append(parts, i+1)
		sum += int(u.Responses)
		if u.Target > 0 {
			targeted = append(targeted, i+1)
			c.planned += u.Target
			c.done += int(u.Responses)
		}
	}
	if rest := int(b.r.Responses) - sum; rest > 0 {
		counts = append(counts, rest)
		parts = append(parts, len(counts)-1)
	} else {
		counts[0] = sum // never fewer than the parts: Suppress refuses a relation that does not add up
	}
	rels := []Relation{{Total: 0, Parts: parts}}
	if len(targeted) > 0 {
		c.achieved = len(counts)
		counts = append(counts, c.done)
		rels = append(rels, Relation{Total: c.achieved, Parts: targeted})
	}
	sup, err := Suppress(counts, rels, b.in.K)
	c.sup = sup
	return c, err
}

// units is the ranking section, when the survey evaluates units: one
// table per category (ranks are within a category), each followed by the
// category's notice (通报). Without categories all units form one table.
// Withheld units are listed last, in the definition's order, without a rank.
func (b *builder) units() (Section, bool, error) {
	us := b.r.Units
	if len(us) == 0 {
		return Section{}, false, nil
	}
	cells, err := b.unitSuppression()
	if err != nil {
		return Section{}, false, err
	}
	b.cells = &cells
	cats := b.in.Categories
	known := map[string]bool{}
	for _, c := range cats {
		known[c.Code] = true
	}
	var rest []int // units of no listed category
	for i, u := range us {
		if !known[u.Category] {
			rest = append(rest, i)
		}
	}
	type group struct {
		cat   Category
		units []int
	}
	var groups []group
	for _, c := range cats {
		g := group{cat: c}
		for i, u := range us {
			if u.Category == c.Code {
				g.units = append(g.units, i)
			}
		}
		if len(g.units) > 0 {
			groups = append(groups, g)
		}
	}
	if len(rest) > 0 {
		g := group{units: rest}
		if len(cats) > 0 {
			g.cat.Name = b.w.pick("其他单位", "Other units")
		}
		groups = append(groups, g)
	}
	notices := map[string]*stats.Notice{}
	for i := range b.r.Notices {
		notices[b.r.Notices[i].Category] = &b.r.Notices[i]
	}
	var blocks []Block
	for n, g := range groups {
		t := b.rankingTable(g.units, cells)
		if len(groups) > 1 || g.cat.Name != "" {
			t.Caption = b.w.pick(fmt.Sprintf("表2-%d 单位排名：%s", n+1, g.cat.Name), fmt.Sprintf("Table 2.%d Units ranked: %s", n+1, g.cat.Name))
			blocks = append(blocks, &Heading{Text: g.cat.Name})
		}
		blocks = append(blocks, t)
		if nt := notices[g.cat.Code]; nt != nil {
			blocks = append(blocks, b.noticeBlocks(nt, cells)...)
		}
	}
	return Section{Heading: b.w.pick("单位排名", "Units"), Blocks: blocks}, true, nil
}

// rankingTable is the ranking of the units idx (indexes into the results'
// units): rank with "=" for ties, the index and its interval, the rank
// range, n and, when a unit has a target, the target and the progress.
func (b *builder) rankingTable(idx []int, cells unitCells) *Table {
	us := b.r.Units
	order := slices.Clone(idx)
	rankOf := func(i int) int {
		if cells.withheld(i) || us[i].Rank == nil {
			return 1 << 30
		}
		return *us[i].Rank
	}
	indexOf := func(i int) float64 {
		if cells.withheld(i) || us[i].Overall.Index == nil {
			return 0
		}
		return *us[i].Overall.Index
	}
	slices.SortStableFunc(order, func(x, y int) int {
		if wx, wy := cells.withheld(x), cells.withheld(y); wx != wy {
			if wx {
				return 1
			}
			return -1
		}
		if d := rankOf(x) - rankOf(y); d != 0 {
			return d
		}
		return cmp.Compare(indexOf(y), indexOf(x)) // tied: the higher index first
	})
	targets := slices.ContainsFunc(idx, func(i int) bool { return us[i].Target > 0 })
	t := &Table{
		Caption: b.w.pick("表2 单位排名", "Table 2 Units ranked"),
		Head: [][]HeadCell{{{b.w.pick("名次", "Rank"), 1}, {b.w.pick("单位", "Unit"), 1}, {b.w.pick("综合指数", "Index"), 1},
			{b.w.pick("95%区间", "95% interval"), 1}, {b.w.pick("名次区间", "Rank range"), 1}, {b.w.pick("答卷", "Responses"), 1}}},
		Align:  []Align{Right, Left, Right, Center, Center, Right},
		Widths: []float64{1, 3, 1.3, 2, 1.3, 1.1},
	}
	if targets {
		t.Head[0] = append(t.Head[0], HeadCell{b.w.pick("目标", "Target"), 1}, HeadCell{b.w.pick("完成率", "Progress"), 1})
		t.Align = append(t.Align, Right, Right)
		t.Widths = append(t.Widths, 1, 1.2)
	}
	var anyWithheld, anyTied, anyUnranked bool
	for _, i := range order {
		u := us[i]
		var row []Cell
		if cells.withheld(i) {
			anyWithheld = true
			row = []Cell{dash(), {Text: u.Name}, dash(), dash(), dash(), dash()}
		} else {
			rank, rr := b.w.pick("未排名", "unranked"), ""
			if u.Rank != nil {
				rank = fmt.Sprint(*u.Rank)
				if u.Tied {
					rank += "="
					anyTied = true
				}
				if len(u.RankRange) == 2 {
					rr = fmt.Sprintf("%d–%d", u.RankRange[0], u.RankRange[1])
				}
			} else {
				anyUnranked = true
			}
			row = []Cell{{Text: rank}, {Text: u.Name}, {Text: fmtIndex(u.Overall.Index), Low: u.Overall.Low},
				{Text: b.w.range2(u.Overall.CI95, fmtNum2)}, {Text: rr}, {Text: fmt.Sprint(u.Responses)}}
		}
		if targets {
			row = append(row, b.targetCells(i, cells)...)
		}
		t.Rows = append(t.Rows, row)
	}
	if anyWithheld {
		t.Notes = append(t.Notes, Note{"a", SuppressionNote(b.in.Lang, b.in.K)})
	}
	if anyTied {
		t.Notes = append(t.Notes, Note{"=", b.w.pick("并列：与相邻单位差异不显著。", "tied: not significantly different from a neighbour.")})
	}
	if anyUnranked {
		t.Notes = append(t.Notes, Note{"", b.w.pick(fmt.Sprintf("样本不足%d份的单位不排名。", stats.MinRankN),
			fmt.Sprintf("Units with fewer than %d responses are not ranked.", stats.MinRankN))})
	}
	t.Notes = append(t.Notes, Note{"", b.w.pick("名次区间：在95%置信水平上该单位可能的名次范围。",
		"Rank range: the ranks the unit could hold at the 95% level.")})
	if targets {
		t.Notes = append(t.Notes, Note{"", b.w.pick("目标：计划完成的样本量；完成率：有效答卷数 ÷ 目标。",
			"Target: the planned sample; progress: responses ÷ target.")})
	}
	return t
}

// targetCells are a unit's target (a plan, never withheld) and its
// progress (withheld with the unit: progress × target is its count).
func (b *builder) targetCells(i int, cells unitCells) []Cell {
	u := b.r.Units[i]
	if u.Target <= 0 {
		return []Cell{{}, {}}
	}
	if cells.withheld(i) {
		return []Cell{{Text: fmt.Sprint(u.Target)}, dash()}
	}
	return []Cell{{Text: fmt.Sprint(u.Target)}, {Text: fmtProgress(u.Progress)}}
}

// fmtProgress shows completed/target in percent, 1 decimal.
func fmtProgress(p *float64) string {
	if p == nil {
		return ""
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

// noticeBlocks are a category's notice: the units it names, with rank,
// index and why, or a sentence that it names none.
func (b *builder) noticeBlocks(n *stats.Notice, cells unitCells) []Block {
	rule := b.w.pick(fmt.Sprintf("排名末位 %d 名", n.Bottom), fmt.Sprintf("the bottom %d", n.Bottom))
	if n.Below > 0 {
		rule += b.w.pick(fmt.Sprintf("，或综合指数低于 %g", n.Below), fmt.Sprintf(", or an index under %g", n.Below))
	}
	caption := b.w.pick(fmt.Sprintf("通报单位：%s（%s）", n.Name, rule), fmt.Sprintf("Units named: %s (%s)", n.Name, rule))
	if len(n.Units) == 0 {
		return []Block{&Paragraph{Text: caption + b.w.pick("：无。", ": none."), Small: true}}
	}
	at := map[string]int{}
	for i, u := range b.r.Units {
		at[u.Code] = i
	}
	t := &Table{
		Caption: caption,
		Head: [][]HeadCell{{{b.w.pick("单位", "Unit"), 1}, {b.w.pick("名次", "Rank"), 1}, {b.w.pick("综合指数", "Index"), 1},
			{b.w.pick("通报原因", "Why"), 1}}},
		Align:  []Align{Left, Right, Right, Left},
		Widths: []float64{3, 1, 1.3, 3.5},
	}
	var anyWithheld bool
	for _, nu := range n.Units {
		rank, index := Cell{}, Cell{Text: fmtIndex(nu.Index)}
		i, ok := at[nu.Code]
		if ok && cells.withheld(i) {
			anyWithheld = true
			rank, index = dash(), dash()
		} else if nu.Rank != nil {
			rank.Text = fmt.Sprint(*nu.Rank)
			if ok && b.r.Units[i].Tied {
				rank.Text += "="
			}
		}
		why := make([]string, len(nu.Reasons))
		for j, r := range nu.Reasons {
			why[j] = b.reason(r, n)
		}
		t.Rows = append(t.Rows, []Cell{{Text: nu.Name}, rank, index, {Text: strings.Join(why, b.w.pick("；", "; "))}})
	}
	if anyWithheld {
		t.Notes = append(t.Notes, Note{"a", SuppressionNote(b.in.Lang, b.in.K)})
	}
	return []Block{t}
}

// reason names why a notice lists a unit.
func (b *builder) reason(r string, n *stats.Notice) string {
	switch r {
	case stats.NoticeBottom:
		return b.w.pick(fmt.Sprintf("排名末位%d名", n.Bottom), fmt.Sprintf("in the bottom %d", n.Bottom))
	case stats.NoticeBelow:
		return b.w.pick(fmt.Sprintf("综合指数低于%g", n.Below), fmt.Sprintf("index under %g", n.Below))
	case stats.NoticeBottomAgain:
		return b.w.pick("上年亦排名末位", "in the bottom last year too")
	}
	return r
}

// sampleLine is the methods box's planned against achieved sample of the
// units with a target, "" when none has one. The achieved figure is
// withheld when it would give away a withheld unit.
func (b *builder) sampleLine() string {
	c := b.cells
	if c == nil || c.planned == 0 {
		return ""
	}
	if c.achieved > 0 && c.sup.Suppressed(c.achieved) {
		return b.w.pick(fmt.Sprintf("计划样本 %d 份（各单位目标之和），完成数 %s（见注）", c.planned, Dash),
			fmt.Sprintf("planned %d (the units' targets), achieved %s (withheld)", c.planned, Dash))
	}
	return b.w.pick(fmt.Sprintf("计划样本 %d 份（各单位目标之和），完成 %d 份，完成率 %s", c.planned, c.done, share(int64(c.done), int64(c.planned))),
		fmt.Sprintf("planned %d (the units' targets), achieved %d, progress %s", c.planned, c.done, share(int64(c.done), int64(c.planned))))
}

package report

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// Input is what a report is built from: the scored results (the same body
// /results serves for the same choices) and what the survey says of itself.
// It holds no database handle; the service fills it in.
type Input struct {
	Lang     Lang
	Title    string // the survey's title in Lang
	Year     int
	Issuer   string
	Marks    []Line
	Internal bool
	K        int // suppression threshold (< 1 = DefaultK)

	// Results is the whole sample with its units and, when linked, the
	// previous year's comparison.
	Results *stats.Results
	// Categories are a campaign's unit categories in order: the ranking
	// has a table and a notice per category. None: one table of all units.
	Categories []Category
	// Profiles are the breakdowns by town, age band and sex (those the
	// survey asks), scored with the same flagged choice, unweighted.
	Profiles []*stats.Breakdown
	// Writers is how many respondents wrote a comment; Terms the terms
	// at least K of them used (Said gives both).
	Writers int
	Terms   []Term
	// Quotes are the sentences staff chose to quote (the definition's
	// report.quotes), printed as they are; no comment is.
	Quotes  []string
	Methods MethodFacts
}

// MethodFacts are the facts of the methods box.
type MethodFacts struct {
	Modes       []Mode    // responses by channel, largest first
	First, Last time.Time // first and last submission (zero when none)
	// Invited is the number of invitations issued (token surveys), 0 for
	// an open link; Used how many of them answered.
	Invited, Used int64
	OpenLink      bool
	Levels        []string
	Scores        []float64
	Weighted      bool
}

// Mode is one channel's count of responses.
type Mode struct {
	Channel   string
	Responses int64
}

// Build turns the results into a Document in in.Lang: title block, summary,
// areas (table and chart), unit ranking, respondent profile, what residents
// said and the methods box. Every figure is the results body's, formatted
// (index to 2 decimals, rates in percent to 2 decimals); a figure resting
// on fewer than K respondents, or one that would let a reader work such a
// figure out, is withheld (Suppress).
func Build(in Input) (*Document, error) {
	if in.Results == nil {
		return nil, errors.New("report: build: no results")
	}
	if in.K < 1 {
		in.K = DefaultK
	}
	b := &builder{in: in, r: in.Results, w: wordsOf(in.Lang)}
	d := &Document{
		Lang: in.Lang, Title: b.w.title(in.Title), Period: b.period(), Issuer: in.Issuer,
		Marks: in.Marks, Internal: in.Internal, ScoredAt: in.Results.AsOf, Responses: int(in.Results.Responses),
	}
	d.Sections = append(d.Sections, b.overview())
	d.Sections = append(d.Sections, b.areas())
	if s, ok, err := b.units(); err != nil {
		return nil, err
	} else if ok {
		d.Sections = append(d.Sections, s)
	}
	if s, ok, err := b.profile(); err != nil {
		return nil, err
	} else if ok {
		d.Sections = append(d.Sections, s)
	}
	d.Sections = append(d.Sections, b.said(), b.methods())
	for i := range d.Sections {
		d.Sections[i].Heading = b.w.numbered(i+1, d.Sections[i].Heading)
	}
	return d, d.Validate()
}

// builder holds what the sections share.
type builder struct {
	in    Input
	r     *stats.Results
	w     buildWords
	cells *unitCells // the units' suppression, once the ranking is built
}

func (b *builder) small(n int64) bool { return n > 0 && n < int64(b.in.K) }

// period is the fieldwork line: first to last submission in UTC+8.
func (b *builder) period() string {
	m := b.in.Methods
	if m.First.IsZero() {
		return b.w.pick(fmt.Sprintf("%d年度", b.in.Year), fmt.Sprintf("Year %d", b.in.Year))
	}
	return b.w.fieldwork(m.First, m.Last)
}

// overview is the summary paragraph and the key figures.
func (b *builder) overview() Section {
	r := b.r
	o := r.Overall
	figs := &Figures{}
	if o.Index != nil && !b.small(o.N) {
		figs.Items = append(figs.Items, Figure{b.w.pick("综合满意度指数", "Overall index"), fmtIndex(o.Index), b.w.interval(o.CI95, fmtNum2)})
	} else {
		figs.Items = append(figs.Items, Figure{b.w.pick("综合满意度指数", "Overall index"), Dash, ""})
	}
	if q := r.OverallQuestion; q != nil {
		if q.Rate != nil && !b.small(q.N) {
			figs.Items = append(figs.Items, Figure{b.w.pick("总体满意率", "Overall satisfaction rate"), fmtRate(q.Rate), b.w.interval(q.RateCI95, fmtPct)})
		} else {
			figs.Items = append(figs.Items, Figure{b.w.pick("总体满意率", "Overall satisfaction rate"), Dash, ""})
		}
	}
	figs.Items = append(figs.Items, Figure{b.w.pick("有效答卷", "Responses"), fmt.Sprint(r.Responses), b.w.flaggedNote(r)})
	blocks := []Block{&Paragraph{Text: b.summary()}, figs}
	if b.in.Methods.OpenLink {
		blocks = append(blocks, &Paragraph{Text: WordsFor(b.in.Lang).OptIn, Small: true})
	}
	return Section{Heading: b.w.pick("总体情况", "Overview"), Blocks: blocks}
}

// summary is the one paragraph written from the figures by template
// sentences: the overall index and its change, the overall rate, the
// highest and lowest areas, the number of responses.
func (b *builder) summary() string {
	r := b.r
	var s []string
	if r.Overall.Index != nil && !b.small(r.Overall.N) {
		s = append(s, b.w.overallSentence(fmtIndex(r.Overall.Index), b.delta(r.Previous)))
	}
	if q := r.OverallQuestion; q != nil && q.Rate != nil && !b.small(q.N) {
		s = append(s, b.w.rateSentence(fmtRate(q.Rate)))
	}
	hi, lo := -1, -1
	for i, a := range r.Areas {
		if a.Index == nil || b.small(a.N) {
			continue
		}
		if hi < 0 || *a.Index > *r.Areas[hi].Index {
			hi = i
		}
		if lo < 0 || *a.Index < *r.Areas[lo].Index {
			lo = i
		}
	}
	if hi >= 0 && hi != lo {
		s = append(s, b.w.extremesSentence(r.Areas[hi].Name, fmtIndex(r.Areas[hi].Index), r.Areas[lo].Name, fmtIndex(r.Areas[lo].Index)))
	}
	s = append(s, b.w.responsesSentence(r.Responses))
	return b.w.join(s)
}

// delta describes the overall change on last year, "" without one.
func (b *builder) delta(p *stats.Comparison) deltaText {
	if p == nil || p.Overall.Delta == nil {
		return deltaText{}
	}
	return deltaText{ok: true, value: *p.Overall.Delta, significant: significant(p.Overall.Delta, p.Overall.DeltaSE)}
}

// significant says whether a change differs from 0 at the 5% level:
// |Δ| > 1.96·SE_Δ.
func significant(d, se *float64) bool {
	return d != nil && se != nil && *se > 0 && math.Abs(*d) > 1.96**se
}

// areas is the per-area table and its chart.
func (b *builder) areas() Section {
	r := b.r
	prev := map[string]stats.ComparedArea{}
	if r.Previous != nil {
		for _, a := range r.Previous.Areas {
			prev[a.Code] = a
		}
	}
	t := &Table{
		Caption: b.w.pick("表1 各领域满意度", "Table 1 Satisfaction by area"),
		Head: [][]HeadCell{{{b.w.pick("领域", "Area"), 1}, {b.w.pick("满意度指数", "Index"), 1}, {b.w.pick("95%区间", "95% interval"), 1},
			{b.w.pick("满意率", "Satisfied"), 1}, {b.w.pick("不满意率", "Dissatisfied"), 1}, {b.w.pick("不了解", "Don't know"), 1},
			{"n", 1}, {b.w.pick("比上年", "Δ on last year"), 1}}},
		Align:  []Align{Left, Right, Center, Right, Right, Right, Right, Right},
		Widths: []float64{3, 1.3, 1.9, 1.2, 1.2, 1.2, 1, 1.3},
	}
	chart := &BarChart{Title: b.w.pick("图1 各领域满意度指数", "Figure 1 Index by area"), Min: 0, Max: 100,
		Ticks: []float64{0, 20, 40, 60, 80, 100}, Note: WordsFor(b.in.Lang).WhiskerNote}
	var withheld, sig bool
	for _, a := range r.Areas {
		if b.small(a.N) {
			withheld = true
			t.Rows = append(t.Rows, []Cell{{Text: a.Name}, dash(), dash(), dash(), dash(), dash(), dash(), dash()})
			chart.Bars = append(chart.Bars, Bar{Label: a.Name, Suppressed: true})
			continue
		}
		var d Cell
		if pa, ok := prev[a.Code]; ok && pa.Delta != nil {
			d.Text = fmt.Sprintf("%+.2f", *pa.Delta)
			if significant(pa.Delta, pa.DeltaSE) {
				d.Text += "*"
				sig = true
			}
		}
		t.Rows = append(t.Rows, []Cell{{Text: a.Name}, {Text: fmtIndex(a.Index), Low: a.Low}, {Text: b.w.range2(a.CI95, fmtNum2)},
			{Text: fmtRate(a.Rate)}, {Text: fmtRate(a.DissatisfiedRate)}, {Text: fmtRate(a.DontKnowRate)}, {Text: fmt.Sprint(a.N)}, d})
		bar := Bar{Label: a.Name, Text: fmtIndex(a.Index)}
		if a.Index != nil {
			bar.Value = *a.Index
		} else {
			bar.Suppressed = true // no answers: nothing to draw
		}
		if len(a.CI95) == 2 {
			bar.Low, bar.High, bar.HasInterval = a.CI95[0], a.CI95[1], true
		}
		chart.Bars = append(chart.Bars, bar)
	}
	if r.Previous == nil { // no last year to compare with: no Δ column
		t.Head[0], t.Align, t.Widths = t.Head[0][:7], t.Align[:7], t.Widths[:7]
		for i := range t.Rows {
			t.Rows[i] = t.Rows[i][:7]
		}
	}
	if withheld {
		t.Notes = append(t.Notes, Note{"a", SuppressionNote(b.in.Lang, b.in.K)})
	}
	if sig {
		t.Notes = append(t.Notes, Note{"*", b.w.pick("与上年相比变化在5%水平上统计显著（|Δ| > 1.96×标准误）。",
			"The change on last year is significant at the 5% level (|Δ| > 1.96 × its standard error).")})
	}
	if r.Previous != nil {
		t.Notes = append(t.Notes, Note{"", b.w.pick("上年数据：", "Last year: ") + r.Previous.Title})
	}
	return Section{Heading: b.w.pick("各领域满意度", "Areas"), Blocks: []Block{t, chart}}
}

// dash is a withheld cell pointing at the suppression note.
func dash() Cell { return Cell{Suppressed: true, Mark: "a"} }

func fmtIndex(v *float64) string {
	if v == nil {
		return ""
	}
	return fmtNum2(*v)
}

func fmtNum2(v float64) string { return fmt.Sprintf("%.2f", v) }

// fmtRate shows a rate (a fraction rounded to 4 places) in percent.
func fmtRate(v *float64) string {
	if v == nil {
		return ""
	}
	return fmtPct(*v)
}

func fmtPct(v float64) string { return fmt.Sprintf("%.2f%%", v*100) }

// Package report holds the bureau's published report (公报) as a document
// model, its three renderers (HTML with inline SVG charts, PDF with an
// embedded subset CJK font, DOCX), small-cell suppression and the comment
// terms of "what residents said". It knows nothing of surveys or scoring:
// a builder elsewhere turns results into a Document whose strings are
// already in the chosen language, and every renderer draws that Document
// the same way, deterministically (same Document, same bytes).
package report

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Lang is the language a Document is written in.
type Lang string

// The report languages: Chinese first, English a rendering of the same report.
const (
	ZH Lang = "zh"
	EN Lang = "en"
)

// Document is one report: the title block and the sections in order.
type Document struct {
	Lang     Lang
	Title    string // 2022年度社会评价结果公报
	Period   string // 2022年度 / fieldwork dates
	Issuer   string // issuing body (制表机关 or the bureau)
	Marks    []Line // legal marks: 表号, 制表机关, 批准机关, 批准文号, 有效期
	Internal bool   // internal only: every page carries the 内部资料 watermark
	// ScoredAt and Responses are the stamp: when the figures were scored
	// and from how many responses. PDF and DOCX take their dates from
	// ScoredAt, never from the clock.
	ScoredAt  time.Time
	Responses int
	Sections  []Section
}

// Section is a part of the report under a first-level heading; each starts
// on a new page in print, PDF and DOCX (except the first).
type Section struct {
	Heading string
	Blocks  []Block
}

// Block is one element of a section: *Paragraph, *Heading, *Figures,
// *Table, *BarChart, *Methods or *Quote.
type Block interface{ block() }

// Paragraph is running text; Small is for notes and caveats.
type Paragraph struct {
	Text  string
	Small bool
}

// Heading is a second-level heading inside a section.
type Heading struct{ Text string }

// Figures is a row of key-figure boxes.
type Figures struct{ Items []Figure }

// Figure is one key figure: "综合满意度指数" "78.40" "95% 区间 75.9–80.9".
type Figure struct {
	Label, Value, Detail string
}

// Align is a table column's alignment.
type Align int

// Column alignments.
const (
	Left Align = iota
	Right
	Center
)

// Table is a table with header rows, body rows and footnotes.
type Table struct {
	Caption string
	Head    [][]HeadCell
	Align   []Align   // one per column
	Widths  []float64 // relative column widths; empty = equal
	Rows    [][]Cell
	Notes   []Note
}

// HeadCell is a header cell spanning Span columns (0 or 1 = one).
type HeadCell struct {
	Text string
	Span int
}

// Cell is a body cell: its value as shown, or "—" when Suppressed.
// Mark names the footnote the cell refers to (for a suppressed cell, the
// suppression note). Low greys a cell from a small sample (样本不足).
type Cell struct {
	Text       string
	Suppressed bool
	Mark       string
	Low        bool
	Strong     bool
}

// Dash is what a suppressed cell shows.
const Dash = "—"

// Shown is the cell's text as printed: Dash when suppressed.
func (c Cell) Shown() string {
	if c.Suppressed {
		return Dash
	}
	return c.Text
}

// Note is a table footnote: its mark and text.
type Note struct {
	Mark, Text string
}

// BarChart is a horizontal bar chart with interval whiskers.
type BarChart struct {
	Title    string
	Min, Max float64 // value axis; Max > Min
	Ticks    []float64
	Bars     []Bar
	Note     string // legend, e.g. what the whiskers are
}

// Bar is one bar: label, value (with its text) and an optional interval.
// A suppressed bar draws no bar, only Dash.
type Bar struct {
	Label       string
	Value       float64
	Text        string
	Low, High   float64
	HasInterval bool
	Suppressed  bool
}

// Methods is the methods box: label/value lines.
type Methods struct {
	Title string
	Lines []Line
}

// Line is a label and its value.
type Line struct {
	Label, Value string
}

// Quote is a comment staff chose to quote, with where it is from.
type Quote struct {
	Text, Source string
}

func (*Paragraph) block() {}
func (*Heading) block()   {}
func (*Figures) block()   {}
func (*Table) block()     {}
func (*BarChart) block()  {}
func (*Methods) block()   {}
func (*Quote) block()     {}

// Validate checks what every renderer relies on: a known language, a title,
// tables whose rows and header rows span as many columns as Align has, and
// charts with an axis and finite values.
func (d *Document) Validate() error {
	if d.Lang != ZH && d.Lang != EN {
		return fmt.Errorf("report: unknown language %q", d.Lang)
	}
	if d.Title == "" {
		return errors.New("report: no title")
	}
	for si, s := range d.Sections {
		for bi, b := range s.Blocks {
			var err error
			switch b := b.(type) {
			case *Table:
				err = b.validate()
			case *BarChart:
				err = b.validate()
			case nil:
				err = errors.New("nil block")
			}
			if err != nil {
				return fmt.Errorf("report: sections[%d].blocks[%d]: %w", si, bi, err)
			}
		}
	}
	return nil
}

// Columns is the number of columns of the table.
func (t *Table) Columns() int { return len(t.Align) }

func (t *Table) validate() error {
	n := t.Columns()
	if n == 0 {
		return errors.New("table has no columns (Align)")
	}
	if len(t.Widths) != 0 && len(t.Widths) != n {
		return fmt.Errorf("table has %d widths for %d columns", len(t.Widths), n)
	}
	for i, row := range t.Head {
		span := 0
		for _, c := range row {
			span += max(c.Span, 1)
		}
		if span != n {
			return fmt.Errorf("header row %d spans %d columns, want %d", i, span, n)
		}
	}
	for i, row := range t.Rows {
		if len(row) != n {
			return fmt.Errorf("row %d has %d cells, want %d", i, len(row), n)
		}
	}
	return nil
}

func (c *BarChart) validate() error {
	if !(c.Max > c.Min) || math.IsInf(c.Max-c.Min, 0) {
		return fmt.Errorf("chart axis [%v, %v]", c.Min, c.Max)
	}
	for i, b := range c.Bars {
		if b.Suppressed {
			continue
		}
		if math.IsNaN(b.Value) || math.IsInf(b.Value, 0) ||
			b.HasInterval && (math.IsNaN(b.Low) || math.IsNaN(b.High) || b.Low > b.High) {
			return fmt.Errorf("bar %d (%s): value %v, interval [%v, %v]", i, b.Label, b.Value, b.Low, b.High)
		}
	}
	return nil
}

// clamp limits v to the chart's axis.
func (c *BarChart) clamp(v float64) float64 { return min(max(v, c.Min), c.Max) }

// frac is v's position on the axis, 0 to 1.
func (c *BarChart) frac(v float64) float64 { return (c.clamp(v) - c.Min) / (c.Max - c.Min) }

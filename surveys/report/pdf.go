package report

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/signintech/gopdf"
)

// PDF renders Documents as A4 PDF files with the embedded font subset to
// the glyphs each document uses. Tables repeat their header rows on a new
// page; charts are drawn with PDF primitives.
type PDF struct {
	ttf []byte
}

// NewPDF loads the embedded font once (decompressed, ~2.4 MB).
func NewPDF() (*PDF, error) {
	ttf, err := fontTTF()
	if err != nil {
		return nil, err
	}
	return &PDF{ttf: ttf}, nil
}

// A4 in points, and the text area.
const (
	pageW    = 595.28
	pageH    = 841.89
	marginX  = 56.7 // 20 mm
	marginT  = 56.7
	bottomY  = pageH - 62
	contentW = pageW - 2*marginX
)

type rgb [3]uint8

var (
	blue     = rgb{10, 78, 162}
	barBlue  = rgb{59, 111, 182}
	ink      = rgb{27, 27, 27}
	grey     = rgb{74, 74, 74}
	lightInk = rgb{138, 138, 138}
	rule     = rgb{183, 196, 212}
	headFill = rgb{230, 237, 246}
	zebra    = rgb{246, 248, 251}
	gridLine = rgb{221, 227, 234}
	red      = rgb{176, 0, 32}
	wmark    = rgb{248, 226, 230}
)

// Render writes the PDF. The same Document gives the same bytes: the
// creation date is the document's ScoredAt and the font's subset tag a
// hash of the document.
func (p *PDF) Render(w io.Writer, d *Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	model, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	sum := sha256.Sum256(model)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	// gopdf writes the family as the font's name with spaces as "+": a
	// six-letter tag and "+" mark the font as a subset.
	family := string(tag) + " NotoSansSC"

	pw := &pdfw{pdf: &gopdf.GoPdf{}, d: d, words: WordsFor(d.Lang), family: family}
	pw.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	pw.pdf.SetCompressLevel(6)
	pw.pdf.SetInfo(gopdf.PdfInfo{Title: d.Title, Author: d.Issuer, Subject: d.Period, Creator: "Minyi",
		Producer: "Minyi", CreationDate: d.ScoredAt})
	err = pw.pdf.AddTTFFontDataWithOption(family, p.ttf, gopdf.TtfOption{
		OnGlyphNotFoundSubstitute: func(rune) rune { return '□' },
	})
	if err != nil {
		return fmt.Errorf("report: pdf: font: %w", err)
	}
	pw.newPage()
	pw.titleBlock()
	for i, s := range d.Sections {
		pw.section(i, s)
	}
	if pw.err != nil {
		return fmt.Errorf("report: pdf: %w", pw.err)
	}
	if err := pw.pdf.Write(w); err != nil {
		return fmt.Errorf("report: pdf: %w", err)
	}
	return nil
}

// pdfw lays a Document out on pages, top to bottom; y is where the next
// block starts. The first error is kept and the rest is skipped.
type pdfw struct {
	pdf    *gopdf.GoPdf
	d      *Document
	words  Words
	family string
	y      float64
	page   int
	size   float64
	err    error
}

func (p *pdfw) keep(err error) {
	if p.err == nil && err != nil {
		p.err = err
	}
}

func (p *pdfw) font(size float64) {
	if p.size != size {
		p.keep(p.pdf.SetFont(p.family, "", size))
		p.size = size
	}
}

func (p *pdfw) ink(c rgb)  { p.pdf.SetTextColor(c[0], c[1], c[2]) }
func (p *pdfw) fill(c rgb) { p.pdf.SetFillColor(c[0], c[1], c[2]) }
func (p *pdfw) line(c rgb, w float64) {
	p.pdf.SetStrokeColor(c[0], c[1], c[2])
	p.pdf.SetLineWidth(w)
}

// text draws s with its top-left corner at x, y in the current font.
func (p *pdfw) text(x, y float64, s string) {
	if s == "" {
		return
	}
	p.pdf.SetXY(x, y)
	p.keep(p.pdf.Cell(nil, s))
}

// textAligned draws s within [x, x+w] by the alignment.
func (p *pdfw) textAligned(x, y, w float64, a Align, s string) {
	switch a {
	case Right:
		x += w - p.width(s)
	case Center:
		x += (w - p.width(s)) / 2
	}
	p.text(x, y, s)
}

func (p *pdfw) width(s string) float64 {
	if s == "" {
		return 0
	}
	w, err := p.pdf.MeasureTextWidth(s)
	p.keep(err)
	return w
}

func (p *pdfw) rect(x, y, w, h float64, style string) {
	p.pdf.RectFromUpperLeftWithStyle(x, y, w, h, style)
}

// newPage starts a page: the watermark first (under everything), then the
// footer with the stamp and the page number.
func (p *pdfw) newPage() {
	p.pdf.AddPage()
	p.page++
	p.size = 0
	if p.d.Internal {
		p.font(80)
		p.ink(wmark)
		p.pdf.Rotate(30, pageW/2, pageH/2)
		w := p.width(p.words.Internal)
		p.text(pageW/2-w/2, pageH/2-40, p.words.Internal)
		p.pdf.RotateReset()
		p.font(8)
		p.ink(red)
		p.text(marginX, 30, p.words.Internal)
	}
	p.font(7.5)
	p.ink(grey)
	p.line(rule, 0.5)
	p.pdf.Line(marginX, pageH-48, pageW-marginX, pageH-48)
	p.text(marginX, pageH-44, p.d.Stamp())
	num := fmt.Sprintf(p.words.Page, p.page)
	p.text(pageW-marginX-p.width(num), pageH-44, num)
	p.y = marginT
}

// need starts a new page unless h more points fit on this one.
func (p *pdfw) need(h float64) bool {
	if p.y+h <= bottomY {
		return false
	}
	p.newPage()
	return true
}

// noStart are characters a line must not start with (避头): they hang at
// the end of the line before.
const noStart = "，。、；：？！）》」』】〕”’…—,.;:?!)]}%"

// wrap breaks s into lines no wider than width (the first line width −
// indent): between any two Han characters, at spaces elsewhere, never
// before closing punctuation.
func (p *pdfw) wrap(s string, width, indent float64) []string {
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var cur strings.Builder
		curW, limit := 0.0, width-indent
		for _, atom := range atoms(para) {
			aw := p.width(atom)
			hang := strings.ContainsRune(noStart, []rune(atom)[0])
			if curW+aw > limit && cur.Len() > 0 && !hang {
				lines = append(lines, strings.TrimRight(cur.String(), " "))
				cur.Reset()
				curW, limit = 0, width
				if atom == " " {
					continue
				}
			}
			cur.WriteString(atom)
			curW += aw
		}
		lines = append(lines, strings.TrimRight(cur.String(), " "))
	}
	return lines
}

// atoms splits text into what a line may not break inside: one Han or
// full-width character, a space, or a run of other characters.
func atoms(s string) []string {
	var out []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			out = append(out, run.String())
			run.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == ' ':
			flush()
			out = append(out, " ")
		case unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF || strings.ContainsRune(noStart, r):
			flush()
			out = append(out, string(r))
		default:
			run.WriteRune(r)
		}
	}
	flush()
	return out
}

// paragraph draws wrapped text at the left margin.
func (p *pdfw) paragraph(s string, size, lead, indent float64, c rgb) {
	p.font(size)
	p.ink(c)
	for i, l := range p.wrap(s, contentW, indent) {
		p.need(size * lead)
		x := marginX
		if i == 0 {
			x += indent
		}
		p.text(x, p.y, l)
		p.y += size * lead
	}
}

func (p *pdfw) titleBlock() {
	d := p.d
	if len(d.Marks) > 0 {
		p.font(8)
		p.ink(grey)
		y := p.y
		x := pageW - marginX - 150
		for _, m := range d.Marks {
			p.text(x, y, m.Label+"："+m.Value)
			y += 11
		}
		p.y = max(p.y, y-10)
	}
	p.y += 14
	p.font(20)
	p.ink(ink)
	for _, l := range p.wrap(d.Title, contentW-40, 0) {
		p.textAligned(marginX, p.y, contentW, Center, l)
		p.y += 28
	}
	p.font(10.5)
	for _, s := range []string{d.Period, d.Issuer} {
		if s != "" {
			p.textAligned(marginX, p.y, contentW, Center, s)
			p.y += 16
		}
	}
	p.font(8.5)
	p.ink(grey)
	p.textAligned(marginX, p.y+2, contentW, Center, d.Stamp())
	p.y += 18
	p.line(blue, 2)
	p.pdf.Line(marginX, p.y, pageW-marginX, p.y)
	p.y += 14
}

func (p *pdfw) section(i int, s Section) {
	if i > 0 {
		p.newPage()
	}
	p.need(60)
	p.font(14)
	p.ink(blue)
	p.text(marginX, p.y, s.Heading)
	p.y += 21
	p.line(rule, 0.8)
	p.pdf.Line(marginX, p.y, pageW-marginX, p.y)
	p.y += 10
	for _, b := range s.Blocks {
		switch b := b.(type) {
		case *Paragraph:
			if b.Small {
				p.paragraph(b.Text, 8, 1.5, 0, grey)
			} else {
				indent := 0.0
				if p.d.Lang == ZH {
					indent = 21
				}
				p.paragraph(b.Text, 10.5, 1.7, indent, ink)
			}
			p.y += 4
		case *Heading:
			p.need(40)
			p.y += 6
			p.font(11.5)
			p.ink(ink)
			p.text(marginX, p.y, b.Text)
			p.y += 20
		case *Figures:
			p.figures(b)
		case *Table:
			p.table(b)
		case *BarChart:
			p.chart(b)
		case *Methods:
			p.methods(b)
		case *Quote:
			p.quote(b)
		}
	}
}

func (p *pdfw) figures(f *Figures) {
	const perRow, gap = 4, 8.0
	for start := 0; start < len(f.Items); start += perRow {
		items := f.Items[start:min(start+perRow, len(f.Items))]
		n := float64(max(len(items), 3))
		w := (contentW - gap*(n-1)) / n
		p.font(7.5)
		h := 0.0
		for _, it := range items {
			h = max(h, 50+11*float64(len(p.wrap(it.Detail, w-14, 0))))
		}
		p.need(h + 10)
		for i, it := range items {
			x := marginX + float64(i)*(w+gap)
			p.line(rule, 0.6)
			p.rect(x, p.y, w, h, "D")
			p.fill(blue)
			p.rect(x, p.y, w, 3, "F")
			p.font(8.5)
			p.ink(grey)
			p.text(x+7, p.y+8, it.Label)
			p.font(18)
			p.ink(blue)
			p.text(x+7, p.y+21, it.Value)
			p.font(7.5)
			p.ink(grey)
			for j, l := range p.wrap(it.Detail, w-14, 0) {
				p.text(x+7, p.y+46+11*float64(j), l)
			}
		}
		p.y += h + 10
	}
}

// Table layout.
const (
	cellSize = 8.5
	cellPad  = 3.0
	cellLead = 1.35
	markSize = 5.5
)

func (p *pdfw) table(t *Table) {
	cols := t.Columns()
	widths := make([]float64, cols)
	total := 0.0
	for i := range widths {
		widths[i] = 1
		if len(t.Widths) == cols && t.Widths[i] > 0 {
			widths[i] = t.Widths[i]
		}
		total += widths[i]
	}
	xs := make([]float64, cols+1)
	xs[0] = marginX
	for i, w := range widths {
		widths[i] = w / total * contentW
		xs[i+1] = xs[i] + widths[i]
	}
	lineH := cellSize * cellLead
	p.font(cellSize)
	// Header rows, laid out once and drawn again on each new page.
	type hcell struct {
		x, w  float64
		lines []string
	}
	var head [][]hcell
	var headH []float64
	for _, row := range t.Head {
		var cells []hcell
		h := 0.0
		col := 0
		for _, c := range row {
			span := max(c.Span, 1)
			x, w := xs[col], xs[col+span]-xs[col]
			lines := p.wrap(c.Text, w-2*cellPad, 0)
			cells = append(cells, hcell{x, w, lines})
			h = max(h, float64(len(lines))*lineH+2*cellPad)
			col += span
		}
		head = append(head, cells)
		headH = append(headH, h)
	}
	drawHead := func() {
		for i, cells := range head {
			for _, c := range cells {
				p.fill(headFill)
				p.line(rule, 0.5)
				p.rect(c.x, p.y, c.w, headH[i], "FD")
				p.font(cellSize)
				p.ink(ink)
				for j, l := range c.lines {
					p.textAligned(c.x+cellPad, p.y+cellPad+float64(j)*lineH, c.w-2*cellPad, Center, l)
				}
			}
			p.y += headH[i]
		}
	}
	// The caption, the header and the first row stay together.
	firstH := lineH + 2*cellPad
	for _, h := range headH {
		firstH += h
	}
	if t.Caption != "" {
		firstH += 16
	}
	p.need(firstH)
	if t.Caption != "" {
		p.font(9.5)
		p.ink(ink)
		p.text(marginX, p.y, t.Caption)
		p.y += 16
	}
	drawHead()
	for ri, row := range t.Rows {
		p.font(cellSize)
		lines := make([][]string, cols)
		h := 0.0
		for ci, c := range row {
			w := widths[ci] - 2*cellPad
			if c.Mark != "" {
				w -= 6
			}
			lines[ci] = p.wrap(c.Shown(), w, 0)
			h = max(h, float64(len(lines[ci]))*lineH+2*cellPad)
		}
		if p.need(h) {
			drawHead()
		}
		for ci, c := range row {
			style := "D"
			if ri%2 == 1 {
				p.fill(zebra)
				style = "FD"
			}
			p.line(rule, 0.5)
			p.rect(xs[ci], p.y, widths[ci], h, style)
			p.font(cellSize)
			switch {
			case c.Low:
				p.ink(lightInk)
			case c.Strong:
				p.ink(blue)
			default:
				p.ink(ink)
			}
			a := Left
			if ci < len(t.Align) {
				a = t.Align[ci]
			}
			markW := 0.0
			if c.Mark != "" {
				markW = 6
			}
			for j, l := range lines[ci] {
				ly := p.y + cellPad + float64(j)*lineH
				p.textAligned(xs[ci]+cellPad, ly, widths[ci]-2*cellPad-markW, a, l)
				if c.Mark != "" && j == len(lines[ci])-1 {
					end := xs[ci] + cellPad + p.width(l)
					switch a {
					case Right:
						end = xs[ci+1] - cellPad - markW
					case Center:
						end = xs[ci] + cellPad + (widths[ci]-2*cellPad-markW+p.width(l))/2
					}
					p.font(markSize)
					p.text(end+1, ly-1.5, c.Mark)
					p.font(cellSize)
				}
			}
		}
		p.y += h
	}
	p.y += 4
	for _, n := range t.Notes {
		p.paragraph(n.Mark+"  "+n.Text, 7.5, 1.45, 0, grey)
	}
	p.y += 8
}

func (p *pdfw) chart(c *BarChart) {
	const barH, gap, valueW = 10.0, 5.0, 42.0
	labelW := 0.24 * contentW
	plotX := marginX + labelW + 6
	plotW := contentW - labelW - 6 - valueW
	x := func(v float64) float64 { return plotX + c.frac(v)*plotW }
	rowH := barH + gap
	axis := func() {
		p.line(grey, 0.6)
		p.pdf.Line(plotX, p.y, plotX+plotW, p.y)
		p.font(7)
		p.ink(grey)
		for _, t := range c.Ticks {
			s := fmt.Sprintf("%g", t)
			p.text(x(t)-p.width(s)/2, p.y+2, s)
		}
		p.y += 14
	}
	titleH := 0.0
	if c.Title != "" {
		titleH = 16
	}
	p.need(titleH + rowH*float64(min(len(c.Bars), 4)) + 14)
	if c.Title != "" {
		p.font(9.5)
		p.ink(ink)
		p.text(marginX, p.y, c.Title)
		p.y += 16
	}
	p.y += 2
	for _, b := range c.Bars {
		if p.y+rowH+14 > bottomY {
			axis()
			p.newPage()
		}
		top, bottom := p.y-gap/2, p.y+barH+gap/2
		p.line(gridLine, 0.5)
		for _, t := range c.Ticks {
			p.pdf.Line(x(t), top, x(t), bottom)
		}
		p.line(grey, 0.6)
		p.pdf.Line(plotX, top, plotX, bottom)
		p.font(8)
		p.ink(ink)
		p.textAligned(marginX, p.y+0.5, labelW, Right, b.Label)
		if b.Suppressed {
			p.text(plotX+3, p.y+0.5, Dash)
			p.y += rowH
			continue
		}
		p.fill(barBlue)
		p.rect(plotX, p.y, x(b.Value)-plotX, barH, "F")
		end := x(b.Value)
		if b.HasInterval {
			lo, hi := x(b.Low), x(b.High)
			mid := p.y + barH/2
			p.line(ink, 0.8)
			p.pdf.Line(lo, mid, hi, mid)
			p.pdf.Line(lo, p.y+1.5, lo, p.y+barH-1.5)
			p.pdf.Line(hi, p.y+1.5, hi, p.y+barH-1.5)
			end = max(end, hi)
		}
		p.font(7.5)
		p.text(end+3, p.y+1, b.Text)
		p.y += rowH
	}
	axis()
	if c.Note != "" {
		p.paragraph(c.Note, 7.5, 1.45, 0, grey)
	}
	p.y += 8
}

func (p *pdfw) methods(m *Methods) {
	const labelW, size, lead = 92.0, 8.5, 1.5
	p.need(40)
	p.y += 4
	if m.Title != "" {
		p.font(11.5)
		p.ink(ink)
		p.text(marginX, p.y, m.Title)
		p.y += 18
	}
	for _, l := range m.Lines {
		p.font(size)
		lines := p.wrap(l.Value, contentW-labelW-16, 0)
		h := float64(len(lines))*size*lead + 6
		p.need(h)
		p.fill(zebra)
		p.line(rule, 0.5)
		p.rect(marginX, p.y, contentW, h, "FD")
		p.ink(blue)
		p.text(marginX+6, p.y+3, l.Label)
		p.ink(ink)
		for j, s := range lines {
			p.text(marginX+labelW+10, p.y+3+float64(j)*size*lead, s)
		}
		p.y += h
	}
	p.y += 10
}

func (p *pdfw) quote(q *Quote) {
	p.font(10)
	lines := p.wrap(q.Text, contentW-18, 0)
	h := float64(len(lines))*16 + 4
	if q.Source != "" {
		h += 13
	}
	p.need(h)
	p.fill(rule)
	p.rect(marginX, p.y, 2.5, h, "F")
	p.ink(ink)
	for j, l := range lines {
		p.text(marginX+12, p.y+2+float64(j)*16, l)
	}
	if q.Source != "" {
		p.font(7.5)
		p.ink(grey)
		p.text(marginX+12, p.y+4+float64(len(lines))*16, q.Source)
	}
	p.y += h + 8
}

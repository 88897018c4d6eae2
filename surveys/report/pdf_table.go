package report

import "fmt"

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

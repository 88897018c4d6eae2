package report

// The PDF renderer's blocks: the title block, sections, figures, the methods
// box and quotes.

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

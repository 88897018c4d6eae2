package report

import (
	"strings"
	"unicode"
)

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

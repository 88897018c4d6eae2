package report

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"

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

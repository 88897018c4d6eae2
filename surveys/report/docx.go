package report

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// DOCX writes a Document as a Word file (Office Open XML): the title block,
// sections under real Heading 1 paragraphs (a page break before each but
// the first), Heading 2 sub-headings, real tables whose header rows repeat
// on each page, charts as shaded tables (a bar per row, its interval in
// words), and editable paragraphs in named styles, so that staff can
// edit the wording in Word or WPS. The zip entries carry the document's
// ScoredAt as their time: the same Document gives the same bytes.
func DOCX(w io.Writer, d *Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	dw := &docxw{d: d, words: WordsFor(d.Lang)}
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", dw.contentTypes()},
		{"_rels/.rels", relsRoot},
		{"docProps/core.xml", dw.core()},
		{"docProps/app.xml", appXML},
		{"word/_rels/document.xml.rels", dw.documentRels()},
		{"word/styles.xml", dw.styles()},
		{"word/settings.xml", settingsXML},
		{"word/document.xml", dw.document()},
		{"word/footer1.xml", dw.footer()},
	}
	if d.Internal {
		parts = append(parts, struct{ name, body string }{"word/header1.xml", dw.header()})
	}
	zw := zip.NewWriter(w)
	// DOS times have no zone; 1980 is the earliest they hold.
	mod := d.ScoredAt.UTC()
	if mod.Year() < 1980 {
		mod = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	for _, p := range parts {
		f, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: mod})
		if err != nil {
			return fmt.Errorf("report: docx: %w", err)
		}
		if _, err := io.WriteString(f, p.body); err != nil {
			return fmt.Errorf("report: docx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("report: docx: %w", err)
	}
	return nil
}

// Page geometry in twentieths of a point: A4, 2 cm margins.
const (
	twPageW   = 11906
	twPageH   = 16838
	twMargin  = 1134
	twContent = twPageW - 2*twMargin
	chartCols = 50 // grid columns a chart's bar area is cut into
)

const xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"

const nsW = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

const relsRoot = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
	`</Relationships>`

const appXML = xmlHeader + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Minyi</Application></Properties>`

const settingsXML = xmlHeader + `<w:settings ` + nsW + `><w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>`

type docxw struct {
	d     *Document
	words Words
	b     strings.Builder
}

// esc escapes text for XML character data and attributes.
func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func (w *docxw) contentTypes() string {
	s := xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
		`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
		`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
		`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>`
	if w.d.Internal {
		s += `<Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>`
	}
	return s + `<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
		`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
		`</Types>`
}

func (w *docxw) documentRels() string {
	s := xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
		`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>` +
		`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>`
	if w.d.Internal {
		s += `<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>`
	}
	return s + `</Relationships>`
}

func (w *docxw) core() string {
	t := w.d.ScoredAt.UTC().Format("2006-01-02T15:04:05Z")
	return xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + esc(w.d.Title) + `</dc:title><dc:creator>` + esc(w.d.Issuer) + `</dc:creator><dc:language>` + w.lang() + `</dc:language>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + t + `</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">` + t + `</dcterms:modified>` +
		`</cp:coreProperties>`
}

func (w *docxw) lang() string {
	if w.d.Lang == EN {
		return "en-GB"
	}
	return "zh-CN"
}

// styles: the named styles staff edit with. Body text in 宋体 (SimSun),
// headings in 黑体 (SimHei), as Chinese official documents are set; Word,
// WPS and LibreOffice substitute what they have.
func (w *docxw) styles() string {
	indent := ""
	if w.d.Lang == ZH {
		indent = `<w:ind w:firstLineChars="200" w:firstLine="420"/>`
	}
	heading := func(id, name string, level, size int, before, after int, color string) string {
		return fmt.Sprintf(`<w:style w:type="paragraph" w:styleId="%s"><w:name w:val="%s"/><w:basedOn w:val="Normal"/><w:next w:val="BodyText"/><w:uiPriority w:val="9"/><w:qFormat/>`+
			`<w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="%d" w:after="%d"/><w:outlineLvl w:val="%d"/></w:pPr>`+
			`<w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="黑体"/><w:b/><w:color w:val="%s"/><w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr></w:style>`,
			id, name, before, after, level, color, size, size)
	}
	para := func(id, name, ppr, rpr string) string {
		return `<w:style w:type="paragraph" w:customStyle="1" w:styleId="` + id + `"><w:name w:val="` + name + `"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr>` + ppr + `</w:pPr><w:rPr>` + rpr + `</w:rPr></w:style>`
	}
	return xmlHeader + `<w:styles ` + nsW + `>` +
		`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="宋体" w:cs="Arial"/><w:sz w:val="21"/><w:szCs w:val="21"/><w:lang w:val="` + w.lang() + `" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>` +
		`<w:pPrDefault><w:pPr><w:spacing w:after="60" w:line="360" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
		`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style>` +
		`<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/><w:spacing w:before="240" w:after="120"/></w:pPr><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="黑体"/><w:b/><w:sz w:val="40"/><w:szCs w:val="40"/></w:rPr></w:style>` +
		`<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="center"/><w:spacing w:after="0"/></w:pPr></w:style>` +
		heading("Heading1", "heading 1", 0, 30, 240, 120, "0A4EA2") +
		heading("Heading2", "heading 2", 1, 24, 200, 80, "1B1B1B") +
		heading("Heading3", "heading 3", 2, 22, 160, 60, "1B1B1B") +
		para("BodyText", "Body Text", indent+`<w:jc w:val="both"/>`, "") +
		para("Note", "Note", `<w:spacing w:after="40" w:line="280" w:lineRule="auto"/>`, `<w:color w:val="4A4A4A"/><w:sz w:val="16"/><w:szCs w:val="16"/>`) +
		para("Stamp", "Stamp", `<w:jc w:val="center"/><w:spacing w:before="60" w:after="200"/><w:pBdr><w:bottom w:val="single" w:sz="12" w:space="6" w:color="0A4EA2"/></w:pBdr>`, `<w:color w:val="4A4A4A"/><w:sz w:val="17"/><w:szCs w:val="17"/>`) +
		para("Caption", "caption", `<w:keepNext/><w:spacing w:before="120" w:after="60"/>`, `<w:b/><w:sz w:val="19"/><w:szCs w:val="19"/>`) +
		para("Quote", "Quote", `<w:ind w:left="420"/><w:pBdr><w:left w:val="single" w:sz="18" w:space="8" w:color="9FB3CC"/></w:pBdr>`, "") +
		para("TableText", "Table Text", `<w:spacing w:after="0" w:line="260" w:lineRule="auto"/>`, `<w:sz w:val="17"/><w:szCs w:val="17"/>`) +
		`<w:style w:type="table" w:styleId="ReportTable"><w:name w:val="Report Table"/><w:tblPr><w:tblBorders>` +
		`<w:top w:val="single" w:sz="4" w:color="B7C4D4"/><w:left w:val="single" w:sz="4" w:color="B7C4D4"/><w:bottom w:val="single" w:sz="4" w:color="B7C4D4"/><w:right w:val="single" w:sz="4" w:color="B7C4D4"/>` +
		`<w:insideH w:val="single" w:sz="4" w:color="B7C4D4"/><w:insideV w:val="single" w:sz="4" w:color="B7C4D4"/></w:tblBorders>` +
		`<w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
		`</w:styles>`
}

func (w *docxw) footer() string {
	pre, post := "第 ", " 页"
	if w.d.Lang == EN {
		pre, post = "Page ", ""
	}
	return xmlHeader + `<w:ftr ` + nsW + `><w:p><w:pPr><w:pStyle w:val="Note"/><w:tabs><w:tab w:val="right" w:pos="` + fmt.Sprint(twContent) + `"/></w:tabs></w:pPr>` +
		run(w.d.Stamp(), "") + `<w:r><w:tab/></w:r>` + run(pre, "") +
		`<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>` + run(post, "") + `</w:p></w:ftr>`
}

func (w *docxw) header() string {
	return xmlHeader + `<w:hdr ` + nsW + `><w:p><w:pPr><w:jc w:val="left"/></w:pPr>` +
		run(w.words.Internal, `<w:b/><w:color w:val="B00020"/><w:spacing w:val="40"/>`) + `</w:p></w:hdr>`
}

// run is a text run with optional run properties.
func run(text, rpr string) string {
	if text == "" {
		return ""
	}
	if rpr != "" {
		rpr = `<w:rPr>` + rpr + `</w:rPr>`
	}
	return `<w:r>` + rpr + `<w:t xml:space="preserve">` + esc(text) + `</w:t></w:r>`
}

// p writes a paragraph in a style, with extra paragraph properties.
func (w *docxw) p(style, ppr, runs string) {
	w.b.WriteString(`<w:p><w:pPr><w:pStyle w:val="` + style + `"/>` + ppr + `</w:pPr>` + runs + `</w:p>`)
}

func (w *docxw) document() string {
	d := w.d
	w.b.Reset()
	w.b.WriteString(xmlHeader + `<w:document ` + nsW + `><w:body>`)
	if d.Internal {
		w.p("Normal", "", run(w.words.Internal, `<w:b/><w:color w:val="B00020"/>`))
	}
	for _, m := range d.Marks {
		w.p("Note", `<w:jc w:val="right"/>`, run(m.Label+"："+m.Value, ""))
	}
	w.p("Title", "", run(d.Title, ""))
	for _, s := range []string{d.Period, d.Issuer} {
		if s != "" {
			w.p("Subtitle", "", run(s, ""))
		}
	}
	w.p("Stamp", "", run(d.Stamp(), ""))
	for i, s := range d.Sections {
		brk := ""
		if i > 0 {
			brk = `<w:pageBreakBefore/>`
		}
		w.p("Heading1", brk, run(s.Heading, ""))
		for _, b := range s.Blocks {
			switch b := b.(type) {
			case *Paragraph:
				if b.Small {
					w.p("Note", "", run(b.Text, ""))
				} else {
					w.p("BodyText", "", run(b.Text, ""))
				}
			case *Heading:
				w.p("Heading2", "", run(b.Text, ""))
			case *Figures:
				w.figures(b)
			case *Table:
				w.table(b)
			case *BarChart:
				w.chart(b)
			case *Methods:
				w.methods(b)
			case *Quote:
				w.p("Quote", "", run(b.Text, ""))
				if b.Source != "" {
					w.p("Note", `<w:ind w:left="420"/>`, run("—— "+b.Source, ""))
				}
			}
		}
	}
	hdr := ""
	if d.Internal {
		hdr = `<w:headerReference w:type="default" r:id="rId4"/>`
	}
	fmt.Fprintf(&w.b, `<w:sectPr>%s<w:footerReference w:type="default" r:id="rId3"/><w:pgSz w:w="%d" w:h="%d"/>`+
		`<w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>`,
		hdr, twPageW, twPageH, twMargin, twMargin, twMargin, twMargin)
	w.b.WriteString(`</w:body></w:document>`)
	return w.b.String()
}

// tbl opens a table with the grid's column widths.
func (w *docxw) tbl(widths []int, style string) {
	w.b.WriteString(`<w:tbl><w:tblPr>`)
	if style != "" {
		w.b.WriteString(`<w:tblStyle w:val="` + style + `"/>`)
	} else {
		w.b.WriteString(`<w:tblBorders><w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="nil"/><w:right w:val="nil"/><w:insideH w:val="single" w:sz="24" w:color="FFFFFF"/><w:insideV w:val="nil"/></w:tblBorders>`) // white rules part the bars
	}
	fmt.Fprintf(&w.b, `<w:tblW w:w="%d" w:type="dxa"/><w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>`, sum(widths))
	for _, c := range widths {
		fmt.Fprintf(&w.b, `<w:gridCol w:w="%d"/>`, c)
	}
	w.b.WriteString(`</w:tblGrid>`)
}

func sum(v []int) int {
	s := 0
	for _, x := range v {
		s += x
	}
	return s
}

// tc writes a cell spanning span grid columns of total width width.
func (w *docxw) tc(width, span int, fill, jc, runs string) {
	fmt.Fprintf(&w.b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/>`, width)
	if span > 1 {
		fmt.Fprintf(&w.b, `<w:gridSpan w:val="%d"/>`, span)
	}
	if fill != "" {
		w.b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="` + fill + `"/>`)
	}
	w.b.WriteString(`</w:tcPr>`)
	w.p("TableText", `<w:jc w:val="`+jc+`"/>`, runs)
	w.b.WriteString(`</w:tc>`)
}

var jcOf = [...]string{Left: "left", Right: "right", Center: "center"}

func (w *docxw) table(t *Table) {
	if t.Caption != "" {
		w.p("Caption", "", run(t.Caption, ""))
	}
	cols := t.Columns()
	weights := make([]float64, cols)
	total := 0.0
	for i := range weights {
		weights[i] = 1
		if len(t.Widths) == cols && t.Widths[i] > 0 {
			weights[i] = t.Widths[i]
		}
		total += weights[i]
	}
	widths := make([]int, cols)
	for i := range widths {
		widths[i] = int(math.Round(weights[i] / total * twContent))
	}
	w.tbl(widths, "ReportTable")
	for _, row := range t.Head {
		w.b.WriteString(`<w:tr><w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>`)
		col := 0
		for _, c := range row {
			span := max(c.Span, 1)
			w.tc(sum(widths[col:col+span]), span, "E6EDF6", "center", run(c.Text, `<w:b/>`))
			col += span
		}
		w.b.WriteString(`</w:tr>`)
	}
	for _, row := range t.Rows {
		w.b.WriteString(`<w:tr><w:trPr><w:cantSplit/></w:trPr>`)
		for ci, c := range row {
			rpr := ""
			switch {
			case c.Low:
				rpr = `<w:color w:val="8A8A8A"/>`
			case c.Strong:
				rpr = `<w:b/>`
			}
			runs := run(c.Shown(), rpr)
			if c.Mark != "" {
				runs += run(c.Mark, `<w:vertAlign w:val="superscript"/>`)
			}
			a := Left
			if ci < len(t.Align) {
				a = t.Align[ci]
			}
			w.tc(widths[ci], 1, "", jcOf[a], runs)
		}
		w.b.WriteString(`</w:tr>`)
	}
	w.b.WriteString(`</w:tbl>`)
	for _, n := range t.Notes {
		w.p("Note", "", run(n.Mark, `<w:vertAlign w:val="superscript"/>`)+run(" "+n.Text, ""))
	}
	w.p("Normal", `<w:spacing w:after="0"/>`, "")
}

func (w *docxw) figures(f *Figures) {
	n := max(len(f.Items), 1)
	widths := make([]int, n)
	for i := range widths {
		widths[i] = twContent / n
	}
	w.tbl(widths, "ReportTable")
	w.b.WriteString(`<w:tr><w:trPr><w:cantSplit/></w:trPr>`)
	for _, it := range f.Items {
		fmt.Fprintf(&w.b, `<w:tc><w:tcPr><w:tcW w:w="%d" w:type="dxa"/><w:tcBorders><w:top w:val="single" w:sz="24" w:color="0A4EA2"/></w:tcBorders></w:tcPr>`, twContent/n)
		w.p("TableText", "", run(it.Label, `<w:color w:val="4A4A4A"/>`))
		w.p("TableText", "", run(it.Value, `<w:b/><w:color w:val="0A4EA2"/><w:sz w:val="36"/><w:szCs w:val="36"/>`))
		if it.Detail != "" {
			w.p("TableText", "", run(it.Detail, `<w:color w:val="4A4A4A"/><w:sz w:val="15"/><w:szCs w:val="15"/>`))
		}
		w.b.WriteString(`</w:tc>`)
	}
	w.b.WriteString(`</w:tr></w:tbl>`)
	w.p("Normal", `<w:spacing w:after="0"/>`, "")
}

// chart writes a bar chart as a borderless table: the label, the bar as
// shaded grid columns (chartCols for the whole axis), the value with its
// interval in words.
func (w *docxw) chart(c *BarChart) {
	if c.Title != "" {
		w.p("Caption", "", run(c.Title, ""))
	}
	const labelW, valueW = 2300, 2100
	col := (twContent - labelW - valueW) / chartCols
	widths := []int{labelW}
	for range chartCols {
		widths = append(widths, col)
	}
	widths = append(widths, valueW)
	w.tbl(widths, "")
	for _, b := range c.Bars {
		w.b.WriteString(`<w:tr><w:trPr><w:cantSplit/></w:trPr>`)
		w.tc(labelW, 1, "", "right", run(b.Label, ""))
		filled := 0
		text := Dash
		if !b.Suppressed {
			filled = int(math.Round(c.frac(b.Value) * chartCols))
			text = b.Text
			if b.HasInterval {
				text += fmt.Sprintf(" [%s–%s]", trimFloat(b.Low), trimFloat(b.High))
			}
		}
		if filled > 0 {
			w.tc(filled*col, filled, "3B6FB6", "left", "")
		}
		if rest := chartCols - filled; rest > 0 {
			w.tc(rest*col, rest, "", "left", "")
		}
		w.tc(valueW, 1, "", "left", run(text, ""))
		w.b.WriteString(`</w:tr>`)
	}
	w.b.WriteString(`</w:tbl>`)
	// The whiskers' legend does not fit a chart without whiskers.
	axis := fmt.Sprintf("%s–%s", trimFloat(c.Min), trimFloat(c.Max))
	note := "条形长度按坐标 " + axis + " 绘制，方括号内为区间。"
	if w.d.Lang == EN {
		note = "Bars drawn on the axis " + axis + "; intervals in brackets."
	}
	if c.Note != "" && c.Note != w.words.WhiskerNote {
		note = c.Note + " " + note
	}
	w.p("Note", "", run(note, ""))
}

func trimFloat(v float64) string { return fmt.Sprintf("%.2f", v) }

func (w *docxw) methods(m *Methods) {
	if m.Title != "" {
		w.p("Heading2", "", run(m.Title, ""))
	}
	widths := []int{2000, twContent - 2000}
	w.tbl(widths, "ReportTable")
	for _, l := range m.Lines {
		w.b.WriteString(`<w:tr><w:trPr><w:cantSplit/></w:trPr>`)
		w.tc(widths[0], 1, "F6F8FB", "left", run(l.Label, `<w:b/>`))
		w.tc(widths[1], 1, "", "left", run(l.Value, ""))
		w.b.WriteString(`</w:tr>`)
	}
	w.b.WriteString(`</w:tbl>`)
	w.p("Normal", `<w:spacing w:after="0"/>`, "")
}

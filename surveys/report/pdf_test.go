package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
)

func renderPDF(t testing.TB, p *PDF, d *Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := p.Render(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newPDF(t testing.TB) *PDF {
	t.Helper()
	p, err := NewPDF()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPDFReadBack renders the sample report in both languages and reads
// it back with poppler: the text holds the title, every area name and
// figure, the suppressed cells' dash and the stamp; the font is embedded
// and subset; the page images are kept for a reviewer.
func TestPDFReadBack(t *testing.T) {
	pdffonts := tool(t, "pdffonts", "poppler-utils")
	p := newPDF(t)
	tests := []struct {
		name string
		doc  *Document
		want []string
	}{
		{"zh-internal", sampleDoc(ZH, true), append([]string{"2022年度社会评价结果公报", "示例市统计局", "78.40", "72.3%", "5,316",
			"95%区间75.90–80.90", "表1各领域满意度指数", "79.48", "+2.50", "—a", "未回答", "停车位", "内部资料", "第1页",
			"评分时间：2022-12-05 10:30（北京时间），5316份有效答卷", "横线为95%置信区间"}, areaNames...)},
		{"en-public", sampleDoc(EN, false), []string{"2022SocialEvaluation:Results", "Overallindex", "Table1Indexbyarea", "Page1",
			"Scoredat2022-12-0510:30(UTC+8),5316responses", "Notpublished:fewerthan10respondents"}},
		{"campaign-60x13", bigDoc(60, 13), []string{"单位排名", "示例单位01", "示例单位60", "72.30", "第60页"}},
	}
	dir := artifacts(t, "report-pdf")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pdf := renderPDF(t, p, tc.doc)
			t.Logf("%s: %d bytes", tc.name, len(pdf))
			text := squeeze(pdfText(t, pdf, dir, tc.name+".pdf"))
			for _, w := range tc.want {
				if !strings.Contains(text, squeeze(w)) {
					t.Errorf("text lacks %q", w)
				}
			}
			if tc.doc.Lang == EN && strings.Contains(text, "内部资料") {
				t.Error("a public report carries the watermark")
			}
			fonts := string(runTool(t, dir, pdffonts, tc.name+".pdf"))
			if !regexp.MustCompile(`(?m)^[A-Z]{6}\+NotoSansSC\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes`).MatchString(fonts) {
				t.Errorf("font not embedded and subset:\n%s", fonts)
			}
			pages := pageImages(t, pdf, dir, tc.name, 8)
			if len(pages) < 4 {
				t.Errorf("%d pages, want one per section (4) or more", len(pages))
			}
		})
	}
}

// TestPDFSubsetIsSmall: the embedded font holds the document's glyphs
// only, not the 2.4 MB of the embedded copy.
func TestPDFSubsetIsSmall(t *testing.T) {
	pdf := renderPDF(t, newPDF(t), sampleDoc(ZH, false))
	if len(pdf) > 200_000 {
		t.Fatalf("sample report is %d bytes: the font is not subset", len(pdf))
	}
}

// TestDeterministic: the same Document gives the same PDF and DOCX bytes;
// another scoring stamp changes them (the stamp is printed, and is the
// files' creation date).
func TestDeterministic(t *testing.T) {
	p := newPDF(t)
	formats := []struct {
		name   string
		render func(*Document) []byte
	}{
		{"pdf", func(d *Document) []byte { return renderPDF(t, p, d) }},
		{"docx", func(d *Document) []byte { return renderDOCX(t, d) }},
	}
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			a, b := f.render(sampleDoc(ZH, true)), f.render(sampleDoc(ZH, true))
			if !bytes.Equal(a, b) {
				t.Fatal("same document, different bytes")
			}
			later := sampleDoc(ZH, true)
			later.ScoredAt = later.ScoredAt.Add(time.Hour)
			if bytes.Equal(a, f.render(later)) {
				t.Fatal("another stamp, same bytes")
			}
		})
	}
}

func TestPDFRefusesInvalid(t *testing.T) {
	d := sampleDoc(ZH, false)
	d.Sections[1].Blocks[1].(*BarChart).Max = 0
	if err := newPDF(t).Render(&bytes.Buffer{}, d); err == nil {
		t.Fatal("no error for a chart whose axis is empty")
	}
}

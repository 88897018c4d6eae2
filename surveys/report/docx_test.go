package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func renderDOCX(t testing.TB, d *Document) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := DOCX(&b, d); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// docxPart is what reading one part of a DOCX back finds.
type docxPart struct {
	text   strings.Builder // all w:t text
	styles map[string]int  // w:pStyle values
	tables int
	breaks int // w:pageBreakBefore
	super  int // superscript runs
}

// readDOCX opens a DOCX with archive/zip, checks every part is well-formed
// XML and reads word/document.xml.
func readDOCX(t *testing.T, data []byte) (*docxPart, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = b
		dec := xml.NewDecoder(bytes.NewReader(b))
		for {
			if _, err := dec.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s is not well-formed XML: %v", f.Name, err)
			}
		}
	}
	doc := &docxPart{styles: map[string]int{}}
	dec := xml.NewDecoder(bytes.NewReader(parts["word/document.xml"]))
	inText := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			switch el.Name.Local {
			case "t":
				inText = true
			case "pStyle":
				for _, a := range el.Attr {
					if a.Name.Local == "val" {
						doc.styles[a.Value]++
					}
				}
			case "tbl":
				doc.tables++
			case "pageBreakBefore":
				doc.breaks++
			case "vertAlign":
				doc.super++
			}
		case xml.EndElement:
			if el.Name.Local == "t" {
				inText = false
			}
		case xml.CharData:
			if inText {
				doc.text.Write(el)
			}
		}
	}
	return doc, parts
}

func TestDOCXReadBack(t *testing.T) {
	tests := []struct {
		name string
		doc  *Document
		want []string
	}{
		{"zh-internal", sampleDoc(ZH, true), append([]string{"2022年度社会评价结果公报", "78.40", "79.48 [77.38–81.38]", "—a", "未回答", "内部资料"}, areaNames...)},
		{"en-public", sampleDoc(EN, false), []string{"2022 Social Evaluation: Results", "Table 1 Index by area", "Not published: fewer than 10 respondents"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, parts := readDOCX(t, renderDOCX(t, tc.doc))
			text := doc.text.String()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("document text lacks %q", w)
				}
			}
			if n := doc.styles["Heading1"]; n != len(tc.doc.Sections) {
				t.Errorf("%d Heading1 paragraphs, want %d (one per section)", n, len(tc.doc.Sections))
			}
			if doc.styles["Heading2"] < 1 || doc.styles["Title"] != 1 {
				t.Errorf("styles %v: want a Title and Heading2", doc.styles)
			}
			if doc.breaks != len(tc.doc.Sections)-1 {
				t.Errorf("%d page breaks, want %d", doc.breaks, len(tc.doc.Sections)-1)
			}
			// Tables: figures, area table, chart, age table, terms, methods.
			if doc.tables != 6 {
				t.Errorf("%d tables, want 6", doc.tables)
			}
			if _, ok := parts["word/header1.xml"]; ok != tc.doc.Internal {
				t.Errorf("header (watermark) present %v, internal %v", ok, tc.doc.Internal)
			}
			if !bytes.Contains(parts["docProps/core.xml"], []byte("2022-12-05T02:30:00Z")) {
				t.Error("core.xml does not carry the scoring stamp as its date")
			}
			if !bytes.Contains(parts["word/styles.xml"], []byte(`<w:name w:val="heading 1"/>`)) {
				t.Error("Heading1 is not Word's built-in heading 1")
			}
		})
	}
}

// TestDOCXInLibreOffice converts the DOCX to PDF with LibreOffice headless
// (as Word and WPS users' files are checked): it must convert without
// error, and the PDF holds the headings and the table figures. Page
// images are kept for a reviewer.
func TestDOCXInLibreOffice(t *testing.T) {
	soffice := tool(t, "soffice", "libreoffice-writer-nogui")
	dir := artifacts(t, "report-docx")
	in := filepath.Join(dir, "report.docx")
	if err := os.WriteFile(in, renderDOCX(t, sampleDoc(ZH, true)), 0o644); err != nil {
		t.Fatal(err)
	}
	profile := "file://" + t.TempDir()
	out := runTool(t, dir, soffice, "-env:UserInstallation="+profile, "--headless", "--norestore",
		"--convert-to", "pdf", "--outdir", dir, in)
	t.Logf("soffice: %s", bytes.TrimSpace(out))
	pdf, err := os.ReadFile(filepath.Join(dir, "report.pdf"))
	if err != nil {
		t.Fatalf("LibreOffice made no PDF: %v", err)
	}
	text := squeeze(pdfText(t, pdf, dir, "report.pdf"))
	for _, w := range append([]string{"一、总体情况", "二、各领域满意度", "三、分组情况", "四、群众意见", "按年龄",
		"78.40", "80.44", "5316", "—a", "79.48[77.38–81.38]"}, areaNames...) {
		if !strings.Contains(text, squeeze(w)) {
			t.Errorf("converted PDF lacks %q", w)
		}
	}
	pages := pageImages(t, pdf, dir, "docx", 0)
	if len(pages) < 4 {
		t.Errorf("%d pages, want one per section (4) or more", len(pages))
	}
}

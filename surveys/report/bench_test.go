package report

import (
	"bytes"
	"testing"
)

// BenchmarkRender renders a campaign report of 60 units × 13 areas (a
// ranking table, then per unit a section with its area table and chart)
// in each format. Run: go test -run '^$' -bench Render -benchmem ./surveys/report/
func BenchmarkRender(b *testing.B) {
	d := bigDoc(60, 13)
	h, err := NewHTML()
	if err != nil {
		b.Fatal(err)
	}
	p := newPDF(b)
	formats := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{"html", func(w *bytes.Buffer) error { return h.Render(w, d, "/report.css") }},
		{"pdf", func(w *bytes.Buffer) error { return p.Render(w, d) }},
		{"docx", func(w *bytes.Buffer) error { return DOCX(w, d) }},
	}
	for _, f := range formats {
		b.Run(f.name, func(b *testing.B) {
			var w bytes.Buffer
			for b.Loop() {
				w.Reset()
				if err := f.render(&w); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.Len()), "bytes/doc")
		})
	}
}

// BenchmarkSuppress: an area × group table of 13 areas × 10 groups with
// margins and a quarter of the cells small.
func BenchmarkSuppress(b *testing.B) {
	body := make([][]int, 13)
	for r := range body {
		body[r] = make([]int, 10)
		for c := range body[r] {
			body[r][c] = 5 + (r*7+c*13)%60
		}
	}
	counts, rels, err := Grid(body)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Suppress(counts, rels, 10); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTerms: 10,000 comments of 20-40 characters.
func BenchmarkTerms(b *testing.B) {
	phrases := []string{"停车位太少", "希望多修路", "公交班次少", "垃圾分类不到位", "路灯不亮", "办事效率高", "看病难", "学校太远"}
	var all []Comment
	for i := range 10000 {
		text := phrases[i%len(phrases)] + "，" + phrases[(i*7)%len(phrases)] + "。" + phrases[(i*3)%len(phrases)]
		all = append(all, Comment{Writer: string(rune('a'+i%26)) + string(rune(i)), Text: text})
	}
	for b.Loop() {
		Terms(all, 10, 20)
	}
}

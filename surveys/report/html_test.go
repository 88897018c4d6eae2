package report

import (
	"bytes"
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func renderHTML(t *testing.T, d *Document) string {
	t.Helper()
	h, err := NewHTML()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := h.Render(&b, d, "/static/x/report.css"); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestHTML(t *testing.T) {
	tests := []struct {
		name     string
		doc      *Document
		want     []string
		wantNot  []string
		suppress int // cells shown as the dash with a mark
	}{
		{"chinese, public", sampleDoc(ZH, false),
			[]string{`<html lang="zh-CN">`, "2022年度社会评价结果公报", "平安建设", "78.40", `<svg xmlns="http://www.w3.org/2000/svg"`,
				`<rect class="bar"`, `class="whisker"`, `href="/static/x/report.css"`, "评分时间：2022-12-05 10:30（北京时间），5316 份有效答卷",
				`<th colspan="2" scope="col">`, `<td class="r low">80.44</td>`},
			[]string{"watermark", "<script", "style=", "<style"}, 3},
		{"english, internal", sampleDoc(EN, true),
			[]string{`<html lang="en">`, "2022 Social Evaluation: Results", `class="watermark"`, "INTERNAL", "Scored at 2022-12-05 10:30 (UTC+8), 5316 responses"},
			[]string{"<script", "style=", "<style"}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			page := renderHTML(t, tc.doc)
			text := html.UnescapeString(page)
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("page lacks %q", w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(page, w) {
					t.Errorf("page has %q", w)
				}
			}
			if n := strings.Count(page, `suppressed">—<sup>a</sup>`); n != tc.suppress {
				t.Errorf("%d suppressed cells with their mark, want %d", n, tc.suppress)
			}
			// The suppressed bar draws no bar and shows the dash.
			if n := strings.Count(page, `<rect class="bar"`); n != len(areaNames)-1 {
				t.Errorf("%d bars, want %d (one suppressed)", n, len(areaNames)-1)
			}
		})
	}
}

func TestHTMLEscapes(t *testing.T) {
	d := sampleDoc(ZH, false)
	d.Title = `<script>alert(1)</script>`
	d.Sections[0].Blocks = append(d.Sections[0].Blocks, &Quote{Text: `"><img src=x onerror=alert(1)>`})
	page := renderHTML(t, d)
	if strings.Contains(page, "<script>") || strings.Contains(page, "<img") {
		t.Fatal("model text reached the page unescaped")
	}
}

func TestHTMLRefusesInvalid(t *testing.T) {
	h, err := NewHTML()
	if err != nil {
		t.Fatal(err)
	}
	d := sampleDoc(ZH, false)
	d.Sections[1].Blocks[0].(*Table).Rows[0] = []Cell{{Text: "one cell"}}
	if err := h.Render(&bytes.Buffer{}, d, ""); err == nil || !strings.Contains(err.Error(), "sections[1].blocks[0]") {
		t.Fatalf("err %v, want the table's path", err)
	}
}

// TestHTMLInChromiumUnderCSP serves the page with the site's CSP and the
// stylesheet as a file, checks in headless Chromium that nothing is
// refused and that the stylesheet reaches the inline SVG (the bars are
// filled, the whiskers drawn), prints it to PDF as a reader would, and
// keeps the page images (pdftoppm) for a reviewer.
func TestHTMLInChromiumUnderCSP(t *testing.T) {
	path := os.Getenv("MINYI_TEST_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		tool(t, "chromium", "chromium")
	}
	css, err := os.ReadFile("../../static/assets/report.css")
	if err != nil {
		t.Fatal(err)
	}
	page := renderHTML(t, sampleDoc(ZH, true))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'")
		if strings.HasSuffix(r.URL.Path, ".css") {
			w.Header().Set("Content-Type", "text/css; charset=utf-8")
			w.Write(css)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	defer cancelT()

	var mu sync.Mutex
	var console []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, string(m.Type)+": "+m.Text)
			mu.Unlock()
		}
	}()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(900, 1200), chromedp.Navigate(srv.URL+"/r/demo"),
		chromedp.WaitVisible(chromedp.CSS(`svg rect.bar`))); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, expr, want string }{
		{"the stylesheet applies", `getComputedStyle(document.querySelector('.sec h2')).color`, "rgb(10, 78, 162)"},
		{"bars are filled from the stylesheet", `getComputedStyle(document.querySelector('rect.bar')).fill`, "rgb(59, 111, 182)"},
		{"whiskers are stroked", `getComputedStyle(document.querySelector('line.whisker')).stroke`, "rgb(27, 27, 27)"},
		{"bars have their width", `String(document.querySelector('rect.bar').getBBox().width > 100)`, "true"},
		{"the watermark is there", `getComputedStyle(document.querySelector('.watermark')).position`, "fixed"},
	}
	for _, c := range checks {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](c.expr))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: %s = %q, want %q", c.name, c.expr, got, c.want)
		}
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatal(err)
	}
	dir := artifacts(t, "report-html")
	if err := os.WriteFile(dir+"/report.html", []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	pages := pageImages(t, pdf, dir, "html-print", 0)
	if len(pages) < 4 {
		t.Errorf("printed %d pages, want one per section (4) or more", len(pages))
	}
	text := squeeze(pdfText(t, pdf, dir, "html-print.pdf"))
	for _, w := range []string{"2022年度社会评价结果公报", "平安建设", "78.40"} {
		if !strings.Contains(text, w) {
			t.Errorf("printed PDF lacks %q", w)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		if regexp.MustCompile(`(?i)content security policy|refused|error`).MatchString(m) {
			t.Errorf("console: %s", m)
		}
	}
}

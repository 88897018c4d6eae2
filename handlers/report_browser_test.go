package handlers_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestBrowserReportPage opens /r/social-2022 of a seeded demo in Chromium
// under the site's real headers (CSP included), checks the charts are
// drawn and styled, prints it to PDF as a reader would and keeps the PDF
// and its page images (pdftoppm) in $MINYI_TEST_ARTIFACTS/report-page
// when set. No console message may be an error or a CSP refusal.
func TestBrowserReportPage(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	dashSeed(t, in, 300)

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
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(900, 1200), chromedp.Navigate(in.URL+"/r/"+slug),
		chromedp.WaitVisible(chromedp.CSS(`svg rect.bar`))); err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, expr, want string }{
		{"the stylesheet applies", `getComputedStyle(document.querySelector('.sec h2')).color`, "rgb(10, 78, 162)"},
		{"a bar per area", `String(document.querySelectorAll('svg rect.bar').length)`, "13"},
		{"no watermark on a public report", `String(document.querySelector('.watermark') === null)`, "true"},
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
	dir := t.TempDir()
	if root := os.Getenv("MINYI_TEST_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, "report-page")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(dir, "social-2022.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if bin, err := exec.LookPath("pdftoppm"); err == nil {
		if out, err := exec.Command(bin, "-png", "-r", "60", file, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
			t.Errorf("pdftoppm: %v %s", err, out)
		}
		pages, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
		if len(pages) < 5 {
			t.Errorf("printed %d pages, want one per section (5) or more", len(pages))
		}
		t.Logf("printed %d pages into %s", len(pages), dir)
	}
	text := strings.Join(strings.Fields(strings.Join(pdfRows(t, pdf), "")), "")
	for _, w := range []string{"综合满意度指数", "平安建设", "调查方法", "300份有效答卷"} {
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

// TestBrowserDesignerReportSettings sets the report's threshold, issuer,
// internal-only mark and quotes (one a line, blank lines dropped) in the
// designer, saves the draft and finds them in it; the report links are on
// the page and answer.
func TestBrowserDesignerReportSettings(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	ui := openDesigner(t, ctx, "designer1")
	in, id := ui.in, ui.id
	ui.step("set the report",
		center(`[data-path="report.suppress_k"]`),
		uiSetField(`[data-path="report.suppress_k"]`, "5"),
		uiSetField(`[data-path="report.issuer"]`, "测试市统计局"),
		chromedp.Click(chromedp.CSS(`[data-path="report.internal"]`)),
		uiSetField(`[data-path="report.quotes"]`, "路灯修好了，晚上出门安心。\n\n  希望周末也能办事。 "),
		chromedp.Click(chromedp.CSS(`#save`)),
		chromedp.WaitVisible(chromedp.CSS(`#save-state.saved`)),
	)
	d, err := in.Svc.SurveyDetail(id)
	if err != nil || d.DraftDefinition == nil || d.DraftDefinition.Report == nil {
		t.Fatalf("the draft: %+v, %v", d, err)
	}
	if r := *d.DraftDefinition.Report; r.SuppressK != 5 || !r.Internal || r.Issuer != "测试市统计局" ||
		strings.Join(r.Quotes, "|") != "路灯修好了，晚上出门安心。|希望周末也能办事。" {
		t.Errorf("report settings saved as %+v", r)
	}
	for _, sel := range []string{"r-report-pdf", "r-report-docx", "r-report-en"} {
		href := ui.eval(`document.getElementById('` + sel + `').getAttribute('href')`)
		if r := ui.api.do(http.MethodGet, href, nil); r.Status != http.StatusOK || len(r.Raw) == 0 {
			t.Errorf("%s: GET %s: %d", sel, href, r.Status)
		}
	}
	ui.shot("designer-report-settings.png")
}

// TestBrowserDesignerThresholds sets a threshold, saves, and opens the
// designer again: the saved value is in its field, not the placeholder (the
// panel was once never filled, so a second save dropped the thresholds).
func TestBrowserDesignerThresholds(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	ui := openDesigner(t, ctx, "designer1")
	in, id := ui.in, ui.id
	sel := `[data-path="thresholds.low_sample"]`
	ui.step("set a threshold",
		center(sel),
		uiSetField(sel, "40"),
		chromedp.Click(chromedp.CSS(`#save`)),
		chromedp.WaitVisible(chromedp.CSS(`#save-state.saved`)),
	)
	d, err := in.Svc.SurveyDetail(id)
	if err != nil || d.DraftDefinition == nil || d.DraftDefinition.Thresholds == nil ||
		d.DraftDefinition.Thresholds.LowSample != 40 {
		t.Fatalf("the draft's thresholds: %+v, %v", d.DraftDefinition, err)
	}
	ui.step("open the designer again", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(sel)))
	// Empty is the placeholder: wait for the field to be filled.
	got, err := chromedp.Run(ctx, chromedp.Poll[string](`document.querySelector('`+sel+`').value || false`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if err != nil {
		t.Fatalf("after reopening, the field stays empty: %v", err)
	}
	if got != "40" {
		t.Errorf("after reopening, the field holds %q, want 40", got)
	}
}

package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

func TestDashboardPage(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	page := get(t, http.DefaultClient, in.URL+"/d/"+slug)
	if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("dashboard: %d %s", page.Status, page.Header.Get("Content-Type"))
	}
	if cc := page.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	doc := string(page.Raw)
	for _, want := range []string{
		"<title>" + html.EscapeString(p.Compiled.Def.Title),
		`data-results="/api/v1/surveys/` + slug + `/results"`,
		`data-live="/api/v1/surveys/` + slug + `/live"`,
		`href="/s/` + slug + `"`,
		`id="responses"`, `id="areas"`, "样本量", "综合指数", "总体满意度", "满意度指数", "满意率",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=`).MatchString(doc) {
		t.Error("dashboard has inline script, style or event handler attributes (the CSP forbids them)")
	}

	assets := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(doc, -1)
	var linked []string
	size := len(page.Raw)
	for _, m := range assets {
		linked = append(linked, m[1])
		a := get(t, http.DefaultClient, in.URL+m[1])
		if a.Status != http.StatusOK {
			t.Fatalf("%s: %d", m[1], a.Status)
		}
		size += len(a.Raw)
		if strings.HasSuffix(m[1], ".js") {
			if regexp.MustCompile(`\?\.|\?\?`).Match(a.Raw) {
				t.Errorf("%s uses syntax newer than ES2017 (?. or ??)", m[1])
			}
			if regexp.MustCompile(`\.(?:inner|outer)HTML\s*[+=]|insertAdjacentHTML|document\.write`).Match(a.Raw) {
				t.Errorf("%s builds markup from strings; use createElement and textContent", m[1])
			}
		}
	}
	joined := strings.Join(linked, " ")
	if !regexp.MustCompile(`/static/[0-9a-f]+/dashboard\.js`).MatchString(joined) ||
		!regexp.MustCompile(`/static/[0-9a-f]+/dashboard\.css`).MatchString(joined) || strings.Contains(joined, "app.css") {
		t.Fatalf("dashboard links %v, want dashboard.js and dashboard.css only", linked)
	}
	t.Logf("dashboard weight: %d bytes raw (HTML + CSS + JS)", size)

	t.Run("unknown survey", func(t *testing.T) {
		r := get(t, http.DefaultClient, in.URL+"/d/nope")
		if r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(r.Raw), `id="screen-error"`) {
			t.Fatalf("unknown survey: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
	})
}

// TestBrowserDashboardUpdatesLive opens the dashboard on a projector-sized
// screen, submits two responses through the API and watches the counter and
// the area figures change without a reload; then looks at it on a phone.
func TestBrowserDashboardUpdatesLive(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(in.URL+"/d/"+slug),
		chromedp.WaitVisible(chromedp.CSS(`#areas tr[data-area]`)),
	); err != nil {
		t.Fatalf("opening the dashboard: %v", err)
	}
	waitText(t, ctx, "#responses", "0")
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#conn').classList.contains('conn-live')`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("the connection status never showed live: %v", err)
	}
	// A mark on the window: a reload would wipe it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.minyiMark = true`)); err != nil {
		t.Fatal(err)
	}

	endpoint := in.URL + "/api/v1/surveys/" + slug + "/responses"
	for i := range 2 {
		if r := post(t, resident(t, in), endpoint, "application/json", randomBody(t, in, uint64(100+i))); r.Status != http.StatusCreated {
			t.Fatalf("submit %d: %d %s", i, r.Status, r.Raw)
		}
	}
	waitText(t, ctx, "#responses", "2")

	state, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(function () {
		var rows = document.querySelectorAll('#areas tr[data-area]');
		var values = [];
		for (var i = 0; i < rows.length; i++) values.push(rows[i].querySelector('.idx-value').textContent);
		return {
			mark: window.minyiMark === true,
			rows: rows.length,
			values: values,
			rate: rows[0].querySelector('.fig-rate').textContent,
			updated: document.getElementById('updated').textContent
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if state["mark"] != true {
		t.Fatal("the page reloaded; it should update in place")
	}
	if state["rows"] != float64(13) {
		t.Fatalf("area rows = %v, want 13", state["rows"])
	}
	values := fmt.Sprint(state["values"])
	filled := false
	for _, v := range state["values"].([]any) {
		s := v.(string)
		if s != "—" {
			filled = true
			if !regexp.MustCompile(`^\d{1,3}\.\d$`).MatchString(s) {
				t.Errorf("index cell %q is not an index (0-100, one decimal)", s)
			}
		}
	}
	if !filled {
		t.Fatalf("every area index still reads —: %s", values)
	}
	if rate := state["rate"].(string); rate != "—" && !strings.HasSuffix(rate, "%") {
		t.Errorf("rate cell %q is not a percentage", rate)
	}
	if !regexp.MustCompile(`^\d\d:\d\d:\d\d$`).MatchString(state["updated"].(string)) {
		t.Errorf("updated = %q, want HH:MM:SS", state["updated"])
	}
	t.Logf("area indexes after two responses: %s", values)

	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	saveShot(t, "dashboard.png", png)

	// On a phone: one column, nothing wider than the screen.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width > 390 {
		t.Errorf("on a 390 px phone the page is %v px wide", width)
	}
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "dashboard-phone.png", png)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('areas').scrollIntoView(), true`)); err != nil {
		t.Fatal(err)
	}
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "dashboard-phone-areas.png", png)
	}
}

// TestBrowserDashboardReconnects ends the live stream every second: the page
// shows that it is reconnecting, comes back live, and catches up with a
// response sent meanwhile.
func TestBrowserDashboardReconnects(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{SSELifetime: time.Second})

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(in.URL+"/d/"+slug),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#responses", "0")
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#conn').classList.contains('conn-reconnecting')`,
		chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		t.Fatalf("the status never showed reconnecting after the stream ended: %v", err)
	}
	if r := post(t, resident(t, in), in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", randomBody(t, in, 200)); r.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.Status, r.Raw)
	}
	waitText(t, ctx, "#responses", "1")
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelector('#conn').classList.contains('conn-live')`,
		chromedp.WithPollingTimeout(6*time.Second))); err != nil {
		t.Fatalf("the status never came back to live: %v", err)
	}
}

// waitText waits up to 5 s for the element's text to read want.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	js := fmt.Sprintf(`(function () { var e = document.querySelector(%q); return !!e && e.textContent === %q; })()`, sel, want)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
		got, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		t.Fatalf("%s reads %q, want %q within 5 s: %v", sel, got, want, err)
	}
}

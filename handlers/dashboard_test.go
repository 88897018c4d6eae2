package handlers_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/static"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// vendored lists the third-party assets: the page-script checks below are
// for our own code only.
var vendored = map[string]bool{"echarts.min.js": true}

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
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}
	doc := string(page.Raw)
	for _, want := range []string{
		"<title>" + html.EscapeString(p.Compiled.Def.Title),
		`data-results="/api/v1/surveys/` + slug + `/results"`,
		`data-live="/api/v1/surveys/` + slug + `/live"`,
		`href="/s/` + slug + `"`,
		`id="responses"`, `id="area-rows"`, `id="area-chart"`, `id="timeline-chart"`, `id="quality"`,
		`id="units"`, `id="by-town"`, `id="by-age"`, `id="by-gender"`, `id="lang"`, `data-view="rate"`,
		`data-flagged="exclude"`, `id="weight-switch"`,
		"样本量", "综合指数", "总体满意度", "满意度指数", "满意率", "开放链接样本，无抽样误差意义",
		`data-en="Opt-in sample: intervals are not sampling margins"`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]|\sstyle=|\son[a-z]+=|<style`).MatchString(doc) {
		t.Error("dashboard has inline script, style or event handler attributes (the CSP forbids them)")
	}
	if regexp.MustCompile(`(?:src|href)="(?:https?:)?//`).MatchString(doc) {
		t.Error("dashboard links something off this server; it must work offline from the binary")
	}

	// Every linked asset under a content-hashed URL, and the page's weight
	// as sent (gzip) with and without the chart library.
	assets := regexp.MustCompile(`(?:src|href)="(/static/[0-9a-f]+/([^"/]+))"`).FindAllStringSubmatch(doc, -1)
	var names []string
	total, charts := gzipSize(t, in.URL+"/d/"+slug), 0
	for _, m := range assets {
		names = append(names, m[2])
		a := get(t, http.DefaultClient, in.URL+m[1])
		if a.Status != http.StatusOK || !strings.Contains(a.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: %d %s", m[1], a.Status, a.Header.Get("Cache-Control"))
		}
		n := gzipSize(t, in.URL+m[1])
		total += n
		if vendored[m[2]] {
			charts += n
			continue
		}
		if strings.HasSuffix(m[2], ".js") {
			if regexp.MustCompile(`\?\.|\?\?|\.\.\.[A-Za-z_$]|catch\s*\{`).Match(a.Raw) {
				t.Errorf("%s uses syntax newer than ES2017 (?., ??, object spread or catch without a binding)", m[1])
			}
			if regexp.MustCompile(`\.(?:inner|outer)HTML\s*[+=]|insertAdjacentHTML|document\.write|\beval\(|new Function`).Match(a.Raw) {
				t.Errorf("%s builds markup or code from strings; use createElement and textContent", m[1])
			}
		}
	}
	if got := strings.Join(names, " "); got != "dashboard.css echarts.min.js dashboard.js" {
		t.Fatalf("dashboard links %q, want dashboard.css echarts.min.js dashboard.js", got)
	}
	t.Logf("dashboard weight, gzip as sent: %d bytes in all, %d without ECharts (%d for ECharts)", total, total-charts, charts)

	t.Run("share key passed on", func(t *testing.T) {
		key := `k 1&x="<y>`
		r := get(t, http.DefaultClient, in.URL+"/d/"+slug+"?key="+strings.NewReplacer(" ", "%20", "&", "%26", `"`, "%22", "<", "%3C", ">", "%3E").Replace(key))
		if r.Status != http.StatusOK {
			t.Fatalf("%d %s", r.Status, r.Raw)
		}
		attrs := map[string]string{}
		for _, m := range regexp.MustCompile(`data-(results|live)="([^"]*)"`).FindAllStringSubmatch(string(r.Raw), -1) {
			attrs[m[1]] = html.UnescapeString(m[2])
		}
		want := "?key=k+1%26x%3D%22%3Cy%3E"
		if attrs["results"] != "/api/v1/surveys/"+slug+"/results"+want || attrs["live"] != "/api/v1/surveys/"+slug+"/live"+want {
			t.Fatalf("data URLs %v, want both with %s", attrs, want)
		}
		if strings.Contains(string(r.Raw), `<y>`) {
			t.Fatal("the key reached the page unescaped")
		}
	})

	t.Run("unknown survey", func(t *testing.T) {
		r := get(t, http.DefaultClient, in.URL+"/d/nope")
		if r.Status != http.StatusNotFound || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(r.Raw), `id="screen-error"`) {
			t.Fatalf("unknown survey: %d %s\n%s", r.Status, r.Header.Get("Content-Type"), r.Raw)
		}
	})
}

// TestDashboardStaffOnly: a survey whose results are for staff shows its
// dashboard, results and live stream to signed-in staff who may read that
// survey (not to other viewers) and to holders of
// a valid share key (passed on to the data URLs), and answers 403 to
// everyone else: HTML for the page, JSON for the API.
func TestDashboardStaffOnly(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	d := builtinDefinition(t)
	d.Slug, d.Results = "staff-only", questionnaire.ResultsStaff
	sv := publish(t, in, d)
	base := in.URL + "/api/v1/surveys/staff-only"

	refused := func(t *testing.T, c *http.Client, query string) {
		t.Helper()
		page := get(t, c, in.URL+"/d/staff-only"+query)
		if page.Status != http.StatusForbidden || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(string(page.Raw), `id="screen-error"`) {
			t.Errorf("page%s: %d %s, want a 403 page", query, page.Status, page.Header.Get("Content-Type"))
		}
		for _, u := range []string{base + "/results" + query, base + "/live" + query} {
			r := get(t, c, u)
			if r.Status != http.StatusForbidden || errorCode(t, r) != "forbidden" {
				t.Errorf("%s: %d %s, want 403 forbidden", u, r.Status, r.Raw)
			}
		}
	}
	allowed := func(t *testing.T, c *http.Client, query string) {
		t.Helper()
		page := get(t, c, in.URL+"/d/staff-only"+query)
		if page.Status != http.StatusOK {
			t.Fatalf("page%s: %d %.300s", query, page.Status, page.Raw)
		}
		if !strings.Contains(string(page.Raw), `data-results="/api/v1/surveys/staff-only/results`+html.EscapeString(query)+`"`) {
			t.Errorf("page%s does not pass the key on to its results URL", query)
		}
		if r := get(t, c, base+"/results"+query); r.Status != http.StatusOK {
			t.Errorf("results%s: %d %s", query, r.Status, r.Raw)
		}
		if e := firstTally(t, c, base+"/live"+query); e["survey"] != "staff-only" {
			t.Errorf("live%s: first event %v", query, e)
		}
	}

	t.Run("anonymous", func(t *testing.T) { refused(t, http.DefaultClient, "") })
	t.Run("made-up key", func(t *testing.T) { refused(t, http.DefaultClient, "?key=not-a-key") })

	st := &staff.Service{Store: in.Store, Limiter: allowAll{}, Cost: 4}
	ck, _ := staffSession(t, st, models.RoleViewer)
	viewer := &http.Client{Jar: mustJar(t, in.URL, ck.Name, ck.Value)}
	t.Run("signed-in viewer, not a reader", func(t *testing.T) { refused(t, viewer, "") })
	sess, err := st.Authenticate(ck.Value)
	if err != nil {
		t.Fatal(err)
	}
	addMember(t, in, sv.ID, sess.User.Name, models.MemberReader)
	t.Run("signed-in reader", func(t *testing.T) { allowed(t, viewer, "") })

	designer := signIn(t, in, models.RoleDesigner)
	addMember(t, in, sv.ID, designer.name, models.MemberCollaborator)
	r := designer.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/shares", sv.ID), map[string]string{"label": "市领导 leaders"})
	key, _ := r.Body["key"].(string)
	if r.Status != http.StatusCreated || key == "" || r.Body["url"] != "/d/staff-only?key="+key {
		t.Fatalf("create share: %d %s", r.Status, r.Raw)
	}
	t.Run("share key", func(t *testing.T) { allowed(t, http.DefaultClient, "?key="+key) })
	if r := designer.do(http.MethodDelete, fmt.Sprintf("/api/v1/admin/surveys/%d/shares/%v", sv.ID, r.Body["id"]), nil); r.Status != http.StatusOK {
		t.Fatalf("revoke share: %d %s", r.Status, r.Raw)
	}
	t.Run("revoked key", func(t *testing.T) { refused(t, http.DefaultClient, "?key="+key) })
}

// TestDashboardEChartsPinned checks the embedded chart library against the
// SHA-256 pinned in .ci/echarts.sh, the script that refreshes it from npm,
// and that its licence and notice ship beside it.
func TestDashboardEChartsPinned(t *testing.T) {
	script, err := os.ReadFile("../.ci/echarts.sh")
	if err != nil {
		t.Fatal(err)
	}
	pin := regexp.MustCompile(`(?m)^SHA256=([0-9a-f]{64})$`).FindSubmatch(script)
	version := regexp.MustCompile(`(?m)^VERSION=([0-9.]+)$`).FindSubmatch(script)
	if pin == nil || version == nil {
		t.Fatal(".ci/echarts.sh pins no VERSION and SHA256")
	}
	lib, err := fs.ReadFile(static.FS, "assets/echarts.min.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(lib)
	if got := hex.EncodeToString(sum[:]); got != string(pin[1]) {
		t.Fatalf("static/assets/echarts.min.js has SHA-256 %s, pinned %s: run .ci/echarts.sh", got, pin[1])
	}
	if !bytes.Contains(lib, []byte(`version:"`+string(version[1])+`"`)) {
		t.Errorf("static/assets/echarts.min.js is not ECharts %s", version[1])
	}
	for name, want := range map[string]string{
		"echarts-LICENSE.txt":    "Apache License",
		"echarts-NOTICE.txt":     "Apache ECharts",
		"echarts-LICENSE-d3.txt": "Mike Bostock",
	} {
		b, err := fs.ReadFile(static.FS, "assets/"+name)
		if err != nil || !bytes.Contains(b, []byte(want)) {
			t.Errorf("assets/%s missing or without %q: %v", name, want, err)
		}
	}
}

// firstTally reads the first tally event of a live stream as client c.
func firstTally(t *testing.T, c *http.Client, url string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("live: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			var body map[string]any
			if err := json.Unmarshal([]byte(data), &body); err != nil {
				t.Fatal(err)
			}
			return body
		}
	}
	t.Fatalf("live: no event: %v", sc.Err())
	return nil
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

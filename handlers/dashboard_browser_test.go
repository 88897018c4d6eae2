package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// dashWatch fails the test on an uncaught exception in the page or on any
// Content-Security-Policy violation (ECharts and the page script must run
// under script-src 'self'; style-src 'self'), and logs console errors.
func dashWatch(t *testing.T, ctx context.Context) {
	t.Helper()
	// Registered before any page script runs, so early violations count too.
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__csp = []; document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});`,
	}); err != nil {
		t.Fatal(err)
	}
	watchConsole(t, ctx, true)
}

// dashCSP fails when the page has seen a CSP violation.
func dashCSP(t *testing.T, ctx context.Context) {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__csp || []`))
	if err != nil {
		t.Fatal(err)
	}
	if len(v) > 0 {
		t.Errorf("CSP violations: %v", v)
	}
}

// dashSubmit sends one response through the API as a new resident, with the
// given answers put over random ones.
func dashSubmit(t *testing.T, in *instance, seed uint64, answers map[string]string) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(randomBody(t, in, seed), &body); err != nil {
		t.Fatal(err)
	}
	a := body["answers"].(map[string]any)
	for k, v := range answers {
		a[k] = v
	}
	raw, _ := json.Marshal(body)
	if r := post(t, resident(t, in), in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", raw); r.Status != http.StatusCreated {
		t.Fatalf("submit %d: %d %s", seed, r.Status, r.Raw)
	}
}

// dashSeed stores n random responses to the demo survey spread over the
// last hours, as if they had come in through the day, and tallies them.
func dashSeed(t *testing.T, in *instance, n int) {
	t.Helper()
	dashSeedSurvey(t, in, slug, n, nil)
}

// dashSeedSurvey stores n random responses to a survey over the last 9
// hours, each first shaped by shape (nil: as made), which may also give its
// client address and how long the resident took; then tallies them. Two
// writers: under -race the pure-Go SQLite costs CPU more than it waits.
func dashSeedSurvey(t *testing.T, in *instance, survey string, n int, shape func(i int, rng *mrand.Rand, sub *questionnaire.Submission) (ip string, took, ago time.Duration)) {
	t.Helper()
	p, err := in.Svc.Published(survey)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for w := range 2 {
		wg.Go(func() {
			for i := w; i < n; i += 2 {
				rng := mrand.New(mrand.NewPCG(2022, uint64(i)))
				sub := surveystest.RandomSubmission(rng, p.Compiled)
				ip, took, ago := fmt.Sprintf("198.51.100.%d", i%250), 8*time.Minute, time.Duration(0)
				if shape != nil {
					ip, took, ago = shape(i, rng, sub)
				}
				at := now.Add(-time.Duration(n-i) * 9 * time.Hour / time.Duration(n))
				if ago > 0 { // the shape's own time
					at = now.Add(-ago)
				}
				started := at.Add(-took)
				sub.StartedAt = &started
				if _, err := in.Svc.Submit(context.Background(), surveys.SubmitInput{
					Slug: survey, Submission: sub, DeviceID: fmt.Sprintf("seed-%s-%d", survey, i), ClientIP: ip, Now: at,
				}); err != nil {
					errs <- fmt.Errorf("seed %s %d: %w", survey, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := in.Svc.RunTallyPass(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// dashEval runs a page expression.
func dashEval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// dashWait polls a page expression for up to within.
func dashWait(t *testing.T, ctx context.Context, what, js string, within time.Duration) {
	t.Helper()
	if err := uiWait(ctx, js, within); err != nil {
		uiShot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-")+".png")
		t.Fatalf("%s: %v", what, err)
	}
}

// dashShot keeps a screenshot of the whole page (full) or of the window,
// in $MINYI_TEST_SCREENSHOTS or else the test's temp dir, and logs where.
func dashShot(t *testing.T, ctx context.Context, name string, full bool) {
	t.Helper()
	shot := chromedp.CaptureScreenshot()
	if full {
		shot = chromedp.FullScreenshot(100)
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("MINYI_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}

// firstArea reads the first area's row: its figures as the table shows them
// and the value of its bar in the chart.
const firstArea = `(function () {
  var tr = document.querySelector('#area-rows tr[data-area]');
  var chart = window.echarts.getInstanceByDom(document.getElementById('area-chart'));
  var bar = chart.getOption().series[0].data[0];
  return {index: tr.getAttribute('data-index'), rate: tr.getAttribute('data-rate'),
    bar: String(bar && typeof bar === 'object' ? bar.value : bar), view: document.getElementById('area-chart').getAttribute('data-view')};
})()`

type areaFigures struct{ Index, Rate, Bar, View string }

// TestBrowserDashboardUpdatesLive opens the dashboard on a 1920×1080
// projector, submits responses through the API and watches the counter and
// the first area's index and bar change without a reload; then switches to
// English and to the rate view, leaves flagged responses out, and looks at
// the page on a phone.
func TestBrowserDashboardUpdatesLive(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	dashSeed(t, in, 80)
	ctx := browser(t)
	dashWatch(t, ctx)

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(in.URL+"/d/"+slug),
		chromedp.WaitVisible(chromedp.CSS(`#area-rows tr[data-area]`)),
	); err != nil {
		t.Fatalf("opening the dashboard: %v", err)
	}
	waitText(t, ctx, "#responses", "80")
	dashWait(t, ctx, "live status", `document.querySelector('#conn').classList.contains('conn-live')`, 5*time.Second)
	dashWait(t, ctx, "breakdowns drawn", `document.querySelectorAll('#by-town tr[data-cell]').length === 13 && document.querySelectorAll('#by-gender tr[data-cell]').length === 2`, 5*time.Second)
	before := dashEval[areaFigures](t, ctx, firstArea)
	if before.Index == "" || before.Bar != before.Index || before.View != "index" {
		t.Fatalf("first area before: %+v; want the bar to show the index", before)
	}
	if rows := dashEval[float64](t, ctx, `document.querySelectorAll('#area-rows tr[data-area]').length`); rows != 13 {
		t.Fatalf("area rows = %v, want 13", rows)
	}
	if hours := dashEval[string](t, ctx, `document.getElementById('timeline-chart').getAttribute('data-hours')`); hours == "0" || hours == "" {
		t.Errorf("the timeline shows %q hours", hours)
	}
	if note := dashEval[bool](t, ctx, `!document.querySelector('#overall .sample-note').hidden`); !note {
		t.Error("the opt-in sample note is hidden next to the composite index's interval")
	}
	dashShot(t, ctx, "dashboard-projector.png", true)
	dashShot(t, ctx, "dashboard-projector-screen.png", false)

	// A mark on the window: a reload would wipe it.
	dashEval[bool](t, ctx, `window.minyiMark = true`)
	for i := range 2 {
		dashSubmit(t, in, uint64(100+i), map[string]string{"q01": "1"}) // 不满意: scores 0
	}
	waitText(t, ctx, "#responses", "82")
	dashWait(t, ctx, "first area's bar moves", `(function () { var f = `+firstArea+`; return f.index !== '`+before.Index+`' && f.bar === f.index; })()`, 5*time.Second)
	after := dashEval[areaFigures](t, ctx, firstArea)
	if !dashEval[bool](t, ctx, `window.minyiMark === true`) {
		t.Fatal("the page reloaded; it should update in place")
	}
	t.Logf("first area: index %s → %s, bar %s → %s", before.Index, after.Index, before.Bar, after.Bar)

	// Rate view: the bars show the satisfied rate in percent.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#view-switch [data-view="rate"]`))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, "rate view", `(function () { var f = `+firstArea+`; return f.view === 'rate' && Math.abs(parseFloat(f.bar) - 100 * parseFloat(f.rate)) < 1e-6; })()`, 3*time.Second)
	if s := dashEval[string](t, ctx, `document.getElementById('areas-title').innerText`); !strings.Contains(s, "满意率") || strings.Contains(s, "指数") {
		t.Errorf("rate view heading %q: want the rate named, not the index", s)
	}

	// English, remembered across a reload.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#lang`))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, "English", `document.documentElement.lang === 'en' && document.querySelector('#card-responses h2').textContent === 'Responses' && document.getElementById('conn-text').textContent === 'Live'`, 3*time.Second)
	dashShot(t, ctx, "dashboard-projector-en-rate.png", true)
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#area-rows tr[data-area]`))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, "English after a reload", `document.documentElement.lang === 'en' && document.querySelector('#card-responses h2').textContent === 'Responses'`, 3*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(in.URL+"/d/"+slug+"?lang=zh"), chromedp.WaitVisible(chromedp.CSS(`#area-rows tr[data-area]`))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, "?lang=zh over the remembered choice", `document.documentElement.lang === 'zh-CN' && document.querySelector('#card-responses h2').textContent === '样本量'`, 3*time.Second)

	// Flagged responses left out: the counter follows results?flagged=exclude.
	r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results?flagged=exclude")
	clean := fmt.Sprint(r.Body["responses"])
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#flagged-switch [data-flagged="exclude"]`))); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#responses", clean)
	t.Logf("flagged excluded: %s of 82 responses", clean)
	dashCSP(t, ctx)

	// On a phone: one column, nothing wider than the screen, charts resized.
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(in.URL+"/d/"+slug+"?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#area-rows tr[data-area]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#responses", "82")
	dashWait(t, ctx, "breakdowns on the phone", `document.querySelectorAll('#by-town tr[data-cell]').length === 13`, 5*time.Second)
	time.Sleep(300 * time.Millisecond) // chart animations
	widths := dashEval[map[string]float64](t, ctx, `(function () {
  var w = {page: document.documentElement.scrollWidth};
  document.querySelectorAll('.chart canvas').forEach(function (c, i) { w['canvas' + i] = c.getBoundingClientRect().right; });
  return w;
})()`)
	for k, w := range widths {
		if w > 390 {
			t.Errorf("on a 390 px phone, %s reaches %v px", k, w)
		}
	}
	dashShot(t, ctx, "dashboard-phone.png", false)
	for _, sel := range []string{"#area-chart", "#timeline-chart", "#areas", "#breakdowns"} {
		dashEval[bool](t, ctx, `document.querySelector('`+sel+`').scrollIntoView(), true`)
		time.Sleep(100 * time.Millisecond)
		dashShot(t, ctx, "dashboard-phone-"+strings.TrimPrefix(sel, "#")+".png", false)
	}
	dashCSP(t, ctx)
}

// TestBrowserDashboardReconnects ends the live stream every second: the page
// keeps its figures, shows that it is reconnecting, comes back live, and
// catches up with a response sent meanwhile.
func TestBrowserDashboardReconnects(t *testing.T) {
	ctx := browser(t)
	dashWatch(t, ctx)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{SSELifetime: time.Second})

	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(in.URL+"/d/"+slug),
	); err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, "#responses", "0")
	dashWait(t, ctx, "reconnecting after the stream ended", `document.querySelector('#conn').classList.contains('conn-reconnecting')`, 5*time.Second)
	if got := dashEval[string](t, ctx, `document.getElementById('responses').textContent + '|' + document.getElementById('conn-text').textContent`); got != "0|重新连接中…" {
		t.Errorf("while reconnecting the page reads %q, want the last figures and 重新连接中…", got)
	}
	dashShot(t, ctx, "dashboard-reconnecting.png", false)
	dashSubmit(t, in, 200, nil)
	waitText(t, ctx, "#responses", "1")
	dashWait(t, ctx, "live again", `document.querySelector('#conn').classList.contains('conn-live')`, 6*time.Second)
	dashCSP(t, ctx)
}

// TestBrowserDashboardAllPanels opens the dashboard of a survey that rates
// three units, links last year's survey and has weighting on, with speeders
// and many responses from one address among its responses: the ranking
// (ties with "=", the small unit unranked), Δ on last year, the quality
// reasons, and the weighted view with n_eff all show.
func TestBrowserDashboardAllPanels(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	dashSeed(t, in, 60) // last year's survey: social-2022

	d := builtinDefinition(t)
	d.Slug, d.Year, d.Previous = "social-2023", 2023, slug
	d.Title = "2023年度政府工作社会评价满意度调查"
	d.Units = []questionnaire.Unit{{Code: "u1", Name: "甲市"}, {Code: "u2", Name: "乙县"}, {Code: "u3", Name: "丙区"}, {Code: "u4", Name: "丁镇"}}
	sv := publish(t, in, d)
	// 甲市 residents are happier; 丁镇 has few responses; the first 40 share
	// one address, a burst of one every 10 s (a shared-address flag needs
	// a burst); every tenth answered in 20 s.
	const n = 330
	dashSeedSurvey(t, in, "social-2023", n, func(i int, rng *mrand.Rand, sub *questionnaire.Submission) (string, time.Duration, time.Duration) {
		sub.Unit = []string{"u1", "u2", "u3"}[i%3]
		if i%20 == 19 {
			sub.Unit = "u4" // 16 responses; the others about 105 each
		}
		if sub.Unit == "u1" {
			for _, code := range slices.Sorted(maps.Keys(sub.Answers)) {
				if strings.HasPrefix(code, "q") && rng.IntN(2) == 0 {
					sub.Answers[code] = json.RawMessage(`"5"`)
				}
			}
		}
		ip, took, ago := fmt.Sprintf("198.51.100.%d", i%250), 8*time.Minute, time.Duration(0)
		if i < 40 {
			ip, ago = "203.0.113.7", 9*time.Hour-time.Duration(i)*10*time.Second
		}
		if i%10 == 0 {
			took = 20 * time.Second
		}
		return ip, took, ago
	})
	margins := stats.Margins{"town": {}, "age": {"18-29": 18, "30-39": 20, "40-49": 19, "50-59": 17, "60-69": 14, "70+": 12}, "gender": {"m": 51, "f": 49}}
	for i := 1; i <= 13; i++ {
		margins["town"][fmt.Sprintf("t%02d", i)] = float64(10 + i)
	}
	if _, err := in.Svc.SetWeighting(context.Background(), sv.ID, true, margins); err != nil {
		t.Fatalf("weighting on: %v", err)
	}
	// Earlier responses are counted into the weighting cells in the background.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		w := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/social-2023/results?weighted=1")
		if w.Status == http.StatusOK {
			break
		}
		if w.Status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("weighted results: %d %s", w.Status, w.Raw)
		}
	}
	r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/social-2023/results?units=1")
	if r.Status != http.StatusOK || r.Body["previous"] == nil || len(r.Body["units"].([]any)) != 4 {
		t.Fatalf("results: %d %.400s", r.Status, r.Raw)
	}

	ctx := browser(t)
	dashWatch(t, ctx)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1920, 1080),
		chromedp.Navigate(in.URL+"/d/social-2023?lang=zh"),
		chromedp.WaitVisible(chromedp.CSS(`#unit-rows tr[data-unit]`)),
	); err != nil {
		t.Fatalf("opening the dashboard: %v", err)
	}
	waitText(t, ctx, "#responses", fmt.Sprint(n))

	// Ranking: sorted by rank, ties marked, the small unit unranked and last.
	ranks := dashEval[[]string](t, ctx, `Array.prototype.map.call(document.querySelectorAll('#unit-rows tr'), function (tr) {
  return tr.getAttribute('data-unit') + ':' + tr.querySelector('.rank').textContent; })`)
	t.Logf("ranking: %v", ranks)
	if len(ranks) != 4 || ranks[3] != "u4:未排名" || !strings.HasPrefix(ranks[0], "u1:") {
		t.Errorf("ranking %v: want 甲市 first and 丁镇 (under 100 responses) unranked last", ranks)
	}
	for _, u := range units(t, r.Body) {
		if u.tied {
			want := fmt.Sprintf("%s:=%d", u.code, u.rank)
			if !slices.Contains(ranks, want) {
				t.Errorf("tied unit %s: want %q in %v", u.code, want, ranks)
			}
		}
	}

	// Each unit's possible ranks, "1–3" or one figure, "—" when unranked.
	ranges := dashEval[[]string](t, ctx, `Array.prototype.map.call(document.querySelectorAll('#unit-rows tr'), function (tr) {
  return tr.getAttribute('data-unit') + ':' + tr.querySelector('.rank-range').textContent; })`)
	for _, u := range r.Body["units"].([]any) {
		u := u.(map[string]any)
		want := fmt.Sprint(u["code"], ":—")
		if rr, _ := u["rank_range"].([]any); len(rr) == 2 {
			want = fmt.Sprint(u["code"], ":", rr[0], "–", rr[1])
			if rr[0] == rr[1] {
				want = fmt.Sprint(u["code"], ":", rr[0])
			}
		}
		if !slices.Contains(ranges, want) {
			t.Errorf("possible ranks: want %q in %v", want, ranges)
		}
	}

	// Δ on last year, overall and per area.
	deltas := dashEval[map[string]any](t, ctx, `({overall: document.getElementById('overall-delta').hidden ? '' : document.getElementById('overall-delta').textContent,
  column: !document.querySelector('#areas th.col-delta').hidden,
  first: document.querySelector('#area-rows tr[data-area] .fig-delta').textContent})`)
	if deltas["column"] != true || !strings.Contains(deltas["overall"].(string), "较2022年") || !strings.Contains(deltas["first"].(string), "±") {
		t.Errorf("Δ on last year: %v", deltas)
	}

	// Quality: speeders and shared addresses counted by reason.
	reasons := dashEval[map[string]string](t, ctx, `(function () { var o = {}; document.querySelectorAll('#q-reasons li').forEach(function (li) {
  o[li.getAttribute('data-reason')] = li.querySelector('.count').textContent; }); return o; })()`)
	if reasons["speeder"] == "0" || reasons["shared_address"] == "0" {
		t.Errorf("quality reasons %v: want speeders and a shared address counted", reasons)
	}

	dashShot(t, ctx, "dashboard-all-panels.png", true)
	dashShot(t, ctx, "dashboard-all-panels-screen.png", false)

	// Weighted view: the switch shows, and figures carry n_eff. Weighted
	// results are whole-sample and last year has none: the ranking and Δ
	// give way to notes saying so.
	dashWait(t, ctx, "the weighting switch", `!document.getElementById('weight-switch').hidden`, 20*time.Second)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#weight-switch [data-weighted="1"]`))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, "n_eff in the weighted view", `!document.getElementById('overall-neff').hidden && !document.getElementById('weighting-note').hidden &&
  document.querySelector('#area-rows tr[data-area]').getAttribute('data-n-eff') !== ''`, 20*time.Second)
	t.Logf("weighted: %s", dashEval[string](t, ctx, `document.getElementById('weighting-note').textContent`))
	if !dashEval[bool](t, ctx, `!document.getElementById('units-weighted').hidden && document.getElementById('units').hidden &&
  document.getElementById('overall-delta').textContent.indexOf('加权') >= 0`) {
		t.Error("the weighted view should say why it has no ranking and no Δ")
	}
	dashShot(t, ctx, "dashboard-all-panels-weighted.png", true)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#weight-switch [data-weighted="0"]`))); err != nil {
		t.Fatal(err)
	}
	dashWait(t, ctx, "the ranking back unweighted", `!document.getElementById('units').hidden && document.getElementById('overall-neff').hidden`, 20*time.Second)
	dashCSP(t, ctx)

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2))); err != nil {
		t.Fatal(err)
	}
	dashEval[bool](t, ctx, `document.getElementById('units-panel').scrollIntoView(), true`)
	time.Sleep(time.Second) // the charts lay out again
	dashShot(t, ctx, "dashboard-phone-units.png", false)
}

type unitRank struct {
	code string
	rank int
	tied bool
}

// units reads the units' ranks from a results body.
func units(t *testing.T, body map[string]any) []unitRank {
	t.Helper()
	var out []unitRank
	for _, u := range body["units"].([]any) {
		m := u.(map[string]any)
		r := unitRank{code: m["code"].(string)}
		if f, ok := m["rank"].(float64); ok {
			r.rank = int(f)
		}
		r.tied, _ = m["tied"].(bool)
		out = append(out, r)
	}
	return out
}

package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// designerUI is a designer page open in Chromium, with the helpers the
// results and weighting tests share.
type designerUI struct {
	t   *testing.T
	ctx context.Context
	in  *instance
	id  uint64
	api *staffClient // the same designer, through the API
}

// openDesigner publishes two small surveys (last year's, public, and this
// year's, staff-only, with eight answered responses), and signs user in
// to this year's designer page in ctx.
func openDesigner(t *testing.T, ctx context.Context, user string) *designerUI {
	t.Helper()
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	uiUser(t, in, user, "designer")
	c, csrf := uiSignIn(t, in, user)
	d := &staffClient{t: t, base: in.URL, c: c, csrf: csrf}
	publishDefinition(t, d, smallDefinition("city-2022", 2022, questionnaire.ResultsPublic, ""))
	id := publishDefinition(t, d, smallDefinition("city-2023", 2023, questionnaire.ResultsStaff, ""))
	for range 2 {
		for _, p := range patterns {
			body := map[string]any{"unit": p["unit"], "answers": p["answers"]}
			answerAs(t, in, "city-2023", body)
		}
	}
	waitCounted(t, in, "city-2023", 8)
	ui := &designerUI{t: t, ctx: ctx, in: in, id: id, api: d}
	ui.step("sign in",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(fmt.Sprintf("%s/admin/surveys/%d", in.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), user),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#area-0 summary`)),
	)
	return ui
}

func (ui *designerUI) shot(name string) { ui.t.Helper(); uiShot(ui.t, ui.ctx, name) }

func (ui *designerUI) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	ui.t.Helper()
	if err := chromedp.Do(ui.ctx, actions...); err != nil {
		ui.shot("failed-designer-" + strings.ReplaceAll(name, " ", "-") + ".png")
		ui.t.Fatalf("%s: %v", name, err)
	}
}

// wait polls a JavaScript predicate; on timeout it shows the panel.
func (ui *designerUI) wait(what, panel, expr string) {
	ui.t.Helper()
	if err := uiWait(ui.ctx, expr, 10*time.Second); err != nil {
		ui.shot("failed-designer-" + strings.ReplaceAll(what, " ", "-") + ".png")
		state, _ := chromedp.Run(ui.ctx, chromedp.Evaluate[string](`document.getElementById('`+panel+`').innerText.slice(0, 2000)`))
		ui.t.Fatalf("%s: %v\npanel: %s", what, err, state)
	}
}

// center scrolls an element to the middle of the window, clear of the
// designer's sticky toolbar.
func center(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(function () { document.querySelector('`+sel+`').scrollIntoView({block: 'center'}); return true; })()`)(ctx, tg)
		return err
	})
}

func (ui *designerUI) eval(expr string) string {
	ui.t.Helper()
	s, err := chromedp.Run(ui.ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		ui.t.Fatalf("%s: %v", expr, err)
	}
	return s
}

// TestBrowserDesignerShareLinks is a designer in the results panel: the
// previous year's survey picked in the settings and saved with the draft;
// the export links; a share link whose label is markup shows as text; a
// new link's full address and QR code, shown once; that address opens the
// staff-only dashboard in a browser with no staff cookie; revoking it in
// the panel (after a confirmation) closes the results to its key.
func TestBrowserDesignerShareLinks(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	ui := openDesigner(t, ctx, "designer1")
	in, id := ui.in, ui.id

	// The previous year's survey: a select of the other surveys, saved with the draft.
	ui.wait("the previous-year choices", "sec-basics", `document.querySelector('#f-previous option[value="city-2022"]') !== null
  && document.querySelector('#f-previous option[value="city-2023"]') === null && document.getElementById('f-previous').value === ''`)
	ui.step("link last year's survey",
		uiSetField(`#f-previous`, "city-2022"),
		chromedp.Click(chromedp.CSS(`#save`)),
		chromedp.WaitVisible(chromedp.CSS(`#save-state.saved`)),
	)
	if d, err := in.Svc.SurveyDetail(id); err != nil || d.DraftDefinition == nil || d.DraftDefinition.Previous != "city-2022" {
		t.Fatalf("the draft after linking last year's survey: %+v, %v", d, err)
	}

	// The dashboard's address and the exports.
	ui.wait("the dashboard link", "sec-results", `(function () {
  var a = document.querySelector('#r-dash a');
  return a !== null && a.getAttribute('href') === '/d/city-2023' && a.textContent === location.origin + '/d/city-2023'
    && document.getElementById('r-access').textContent.indexOf('分享链接') >= 0;
})()`)
	for _, ext := range []string{"csv", "xlsx"} {
		href := ui.eval(`document.getElementById('r-` + ext + `').getAttribute('href')`)
		if want := fmt.Sprintf("/api/v1/admin/surveys/%d/responses.%s", id, ext); href != want {
			t.Errorf("the %s export links to %q, want %q", ext, href, want)
		}
		if r := ui.api.do(http.MethodGet, href, nil); r.Status != http.StatusOK || len(r.Raw) == 0 {
			t.Errorf("GET %s: %d", href, r.Status)
		}
	}

	// A label that is markup is shown as text (labels have at most 100 characters).
	const markup = `"'><img src=x onerror="window.__xss=1"><svg onload="window.__xss=3"></svg>&amp;`
	ui.step("a link labelled with markup",
		center(`#sh-form`),
		chromedp.SendKeys(chromedp.CSS(`#sh-label`), markup),
		chromedp.Click(chromedp.CSS(`#sh-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#sh-rows tr[data-state="active"]`)),
	)
	ui.wait("the label as text", "sec-results", `document.querySelector('#sh-rows tr .sh-label').textContent === `+jsString(markup)+`
  && document.getElementById('sh-new-label').textContent === `+jsString(markup)+`
  && typeof window.__xss === 'undefined' && document.querySelectorAll('#sec-results img[src="x"], #sec-results svg, #sec-results script').length === 0`)

	// A second link, for the lobby: its full address once, with a QR code.
	ui.step("new share link",
		chromedp.SendKeys(chromedp.CSS(`#sh-label`), "大厅屏幕"),
		chromedp.Click(chromedp.CSS(`#sh-submit`)),
	)
	ui.wait("the new link shown once", "sec-results", `document.querySelectorAll('#sh-rows tr[data-state="active"]').length === 2
  && document.getElementById('sh-new-label').textContent === '大厅屏幕' && !document.getElementById('sh-new').hidden
  && document.querySelector('#sh-rows tr .sh-label').textContent === '大厅屏幕'`)
	ui.wait("the QR code", "sec-results", `(function () {
  var img = document.querySelector('#sh-qr-box img');
  return img !== null && img.complete && img.naturalWidth === 320;
})()`)
	shown := ui.eval(`document.getElementById('sh-url').value`)
	if !strings.HasPrefix(shown, in.URL+"/d/city-2023?key=") {
		t.Fatalf("the new link reads %q, want %s/d/city-2023?key=…", shown, in.URL)
	}
	u, _ := url.Parse(shown)
	key := u.Query().Get("key")
	if len(key) < 22 || ui.eval(`document.getElementById('sh-open').href`) != shown {
		t.Fatalf("the new link's key %q, open link %q", key, ui.eval(`document.getElementById('sh-open').href`))
	}
	if by := ui.eval(`document.querySelector('#sh-rows tr td').textContent`); by != "designer1" {
		t.Errorf("the link was made by %q, want designer1", by)
	}
	ui.step("scroll", center(`#sec-results`))
	ui.shot("designer-share-link.png")

	// The address opens the dashboard in a browser without a staff cookie.
	anon, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	resp, err := chromedp.Run(anon, chromedp.NavigateResponse(in.URL+"/d/city-2023"))
	if err != nil || resp.Status != http.StatusForbidden {
		t.Fatalf("the dashboard without the key in a fresh browser: %v, %v; want 403", resp, err)
	}
	resp, err = chromedp.Run(anon, chromedp.NavigateResponse(shown))
	if err != nil || resp.Status != http.StatusOK {
		t.Fatalf("the dashboard with the share link: %v, %v; want 200", resp, err)
	}
	if err := chromedp.Do(anon, chromedp.EmulateViewport(1280, 800), chromedp.WaitVisible(chromedp.CSS(`#title`))); err != nil {
		t.Fatalf("the shared dashboard's title: %v", err)
	}
	if title, _ := chromedp.Run(anon, chromedp.Text(chromedp.CSS(`#title`))); title != "2023年度测试" {
		t.Errorf("the shared dashboard's title is %q", title)
	}
	if err := uiWait(anon, `document.getElementById('responses').textContent === '8'`, 10*time.Second); err != nil {
		uiShot(t, anon, "failed-designer-shared-dashboard.png")
		t.Fatalf("the shared dashboard did not show the 8 responses: %v", err)
	}
	uiShot(t, anon, "designer-shared-dashboard.png")
	cancel()
	results := in.URL + "/api/v1/surveys/city-2023/results?key=" + url.QueryEscape(key)
	if r := get(t, http.DefaultClient, results); r.Status != http.StatusOK {
		t.Fatalf("results with the key: %d %s", r.Status, r.Raw)
	}

	// Revoke it in the panel, after the confirmation.
	row := `#sh-rows tr[data-state="active"]:first-child`
	sid := ui.eval(`document.querySelector('` + row + `').getAttribute('data-share')`)
	ui.step("revoke",
		center(row),
		chromedp.Click(chromedp.CSS(row+` button[data-revoke]`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-dialog`)),
	)
	if text := ui.eval(`document.getElementById('confirm-text').textContent`); !strings.Contains(text, "大厅屏幕") {
		t.Errorf("the confirmation reads %q, want the link's label", text)
	}
	ui.step("confirm", chromedp.Click(chromedp.CSS(`#confirm-ok`)))
	ui.wait("the link revoked", "sec-results", `(function () {
  var tr = document.querySelector('#sh-rows tr[data-share="`+sid+`"]');
  return tr !== null && tr.getAttribute('data-state') === 'revoked' && tr.querySelector('button[data-revoke]') === null
    && tr.querySelector('.sh-state').textContent.indexOf('已撤销') >= 0 && document.getElementById('sh-new').hidden
    && document.querySelectorAll('#sh-rows tr[data-state="active"]').length === 1;
})()`)
	if r := get(t, http.DefaultClient, results); r.Status != http.StatusForbidden {
		t.Fatalf("results with the revoked key: %d, want 403", r.Status)
	}
	ui.shot("designer-share-revoked.png")
}

// TestBrowserDesignerWeighting is a designer entering population margins:
// the shares follow as they type; a missing figure is refused with the
// reason beside its input; filled in and enabled, the results can be
// weighted. A viewer then sees the margins and the links, read-only.
func TestBrowserDesignerWeighting(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	ui := openDesigner(t, ctx, "designer1")
	in, id := ui.in, ui.id
	uiUser(t, in, "viewer1", "viewer")
	addMember(t, in, id, "viewer1", models.MemberReader)

	ui.wait("the variables", "sec-weighting", `document.querySelectorAll('#w-vars .w-var').length === 3
  && document.querySelectorAll('#w-vars input[data-margin]').length === 6 && !document.getElementById('w-enabled').checked
  && document.getElementById('w-badge').textContent.indexOf('未启用') >= 0`)
	in1 := func(key string) string { return `#w-vars input[data-margin="` + key + `"]` }
	share := func(key string) string {
		return ui.eval(`document.querySelector('` + in1(key) + `').closest('tr').querySelector('.w-share').textContent`)
	}
	ui.step("enter margins, one missing",
		center(`#sec-weighting`),
		chromedp.SendKeys(chromedp.CSS(in1("town.t1")), "30000"),
		chromedp.SendKeys(chromedp.CSS(in1("town.t2")), "10,000"),
		chromedp.SendKeys(chromedp.CSS(in1("age.y")), "0.45"),
		chromedp.SendKeys(chromedp.CSS(in1("age.o")), "0.55"),
		chromedp.SendKeys(chromedp.CSS(in1("gender.m")), "20500"),
	)
	if a, b := share("town.t1"), share("town.t2"); a != "75.0%" || b != "25.0%" {
		t.Errorf("town shares %q and %q, want 75.0%% and 25.0%%", a, b)
	}
	if a := share("gender.m"); a != "100.0%" {
		t.Errorf("the only gender figure makes %q, want 100.0%%", a)
	}
	if s := ui.eval(`document.getElementById('w-state').textContent`); !strings.Contains(s, "未保存") {
		t.Errorf("after typing the state reads %q, want unsaved", s)
	}
	ui.step("save", chromedp.Click(chromedp.CSS(`#w-save`)))
	ui.wait("the reason beside the missing figure", "sec-weighting", `(function () {
  var input = document.querySelector('`+in1("gender.f")+`');
  var e = input.parentNode.querySelector('.field-error');
  return input.classList.contains('invalid') && e !== null && e.textContent.indexOf('必填') >= 0
    && document.querySelectorAll('#w-vars .field-error').length === 1 && !document.getElementById('w-error').hidden
    && document.activeElement === input;
})()`)
	ui.shot("designer-weighting-error.png")
	if w := ui.api.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/weighting", id), nil); w.Status != 200 || w.Body["enabled"] != false || len(w.Body["margins"].(map[string]any)) != 0 {
		t.Fatalf("after a refused save the server has %d %s", w.Status, w.Raw)
	}

	ui.step("fill it in and enable",
		chromedp.SendKeys(chromedp.CSS(in1("gender.f")), "19500.5"),
		chromedp.Click(chromedp.CSS(`#w-enabled`)),
		chromedp.Click(chromedp.CSS(`#w-save`)),
	)
	ui.wait("weighting on", "sec-weighting", `document.getElementById('w-badge').textContent.indexOf('已启用') >= 0
  && document.getElementById('w-enabled').checked && document.getElementById('w-error').hidden
  && document.querySelectorAll('#w-vars .field-error').length === 0 && document.getElementById('w-state').textContent === ''
  && !document.getElementById('nav-weighting').hidden`)
	if v := ui.eval(`document.querySelector('` + in1("town.t2") + `').value`); v != "10000" {
		t.Errorf("the saved town figure reads %q, want 10000", v)
	}
	w := ui.api.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/weighting", id), nil)
	m, _ := w.Body["margins"].(map[string]any)
	gender, _ := m["gender"].(map[string]any)
	if w.Body["enabled"] != true || len(m) != 3 || gender["f"] != 19500.5 {
		t.Fatalf("the weighting on the server: %s", w.Raw)
	}
	// The tally worker backfills the joint cells first: 503 not_ready until then.
	r := ui.api.do(http.MethodGet, "/api/v1/surveys/city-2023/results?weighted=1", nil)
	for deadline := time.Now().Add(10 * time.Second); r.Status == http.StatusServiceUnavailable && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		r = ui.api.do(http.MethodGet, "/api/v1/surveys/city-2023/results?weighted=1", nil)
	}
	if r.Status != http.StatusOK || r.Body["weighting"] == nil {
		t.Fatalf("weighted results: %d %s", r.Status, r.Raw)
	}
	ui.step("scroll", center(`#sec-weighting`))
	ui.shot("designer-weighting.png")

	// An unpublished survey is not weighted yet: its options may change.
	if r := ui.api.do(http.MethodPost, "/api/v1/admin/surveys", map[string]string{"slug": "draft-2024", "template": "social-2022"}); r.Status != http.StatusCreated {
		t.Fatalf("create a draft survey: %d %s", r.Status, r.Raw)
	} else {
		ui.step("an unpublished survey", chromedp.Navigate(fmt.Sprintf("%s/admin/surveys/%v", in.URL, r.Body["id"])), chromedp.WaitVisible(chromedp.CSS(`#area-0 summary`)))
	}
	ui.wait("no weighting before publication", "sec-weighting", `!document.getElementById('w-unpublished').hidden && document.getElementById('w-loading').hidden
  && document.getElementById('w-foot').hidden && document.querySelectorAll('#w-vars *').length === 0
  && document.getElementById('r-dash').textContent.indexOf('发布后可打开') >= 0`)

	// A viewer: the same panels, read-only.
	if r := ui.api.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/shares", id), map[string]string{"label": "会议室投影"}); r.Status != http.StatusCreated {
		t.Fatalf("share link: %d %s", r.Status, r.Raw)
	}
	viewer, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	uiWatch(t, viewer)
	if err := chromedp.Do(viewer,
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(fmt.Sprintf("%s/admin/surveys/%d", in.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "viewer1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#w-vars .w-var`)),
	); err != nil {
		uiShot(t, viewer, "failed-designer-viewer.png")
		t.Fatalf("the viewer's designer: %v", err)
	}
	if err := uiWait(viewer, `document.querySelectorAll('#w-vars input[data-margin]:disabled').length === 6
  && document.querySelector('`+in1("gender.f")+`').value === '19500.5' && document.getElementById('w-enabled').disabled
  && document.getElementById('w-save') === null && document.getElementById('sh-form') === null
  && document.getElementById('r-csv') === null && document.getElementById('r-xlsx') === null
  && !document.getElementById('sh-readonly').hidden && !document.getElementById('w-readonly').hidden
  && document.getElementById('f-previous').disabled && document.querySelectorAll('#sh-rows tr[data-state="active"]').length === 1
  && document.querySelectorAll('#sh-rows button').length === 0`, 10*time.Second); err != nil {
		uiShot(t, viewer, "failed-designer-viewer.png")
		t.Fatalf("the viewer's panels: %v", err)
	}
	if err := chromedp.Do(viewer, center(`#sec-results`)); err != nil {
		t.Fatal(err)
	}
	uiShot(t, viewer, "designer-results-viewer.png")
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

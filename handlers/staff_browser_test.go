package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const uiPassword = "a-long-password-123"

// uiUser creates an account on the instance's store.
func uiUser(t *testing.T, in *instance, name, role string) {
	t.Helper()
	st := &staff.Service{Store: in.Store, Limiter: limit.NewMemory(), Cost: 4}
	if _, err := st.CreateUser(name, role, uiPassword); err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
}

// uiSignIn signs in through the API and returns the client (with its
// session cookie) and the session's CSRF token.
func uiSignIn(t *testing.T, in *instance, name string) (*http.Client, string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, _ := json.Marshal(map[string]string{"name": name, "password": uiPassword})
	r := post(t, c, in.URL+"/api/v1/admin/login", "application/json", body)
	csrf, _ := r.Body["csrf_token"].(string)
	if r.Status != http.StatusOK || csrf == "" {
		t.Fatalf("sign in as %s: %d %s", name, r.Status, r.Raw)
	}
	return c, csrf
}

// uiSend makes a state-changing admin API request with the CSRF token.
func uiSend(t *testing.T, c *http.Client, csrf, method, url string, body any) reply {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, url, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	return do(t, c, req)
}

var (
	uiScript = regexp.MustCompile(`<script src="/static/[0-9a-f]+/admin\.js" defer></script>`)
	uiStyle  = regexp.MustCompile(`<link rel="stylesheet" href="/static/[0-9a-f]+/admin\.css">`)
	// Inline code the CSP would refuse: a script without src, a style
	// element or attribute, an event handler attribute.
	uiInline = regexp.MustCompile(`<script(?:\s[^>]*)?>[^<]|<script>|<style|\sstyle=|\son[a-z]+=`)
)

// TestStaffPagesRender renders every staff page for a signed-in admin: each
// is HTML, carries the session's CSRF token in a data attribute, links the
// one staff script and stylesheet, and holds no inline code.
func TestStaffPagesRender(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	uiUser(t, in, "admin1", "admin")
	uiUser(t, in, "viewer1", "viewer")
	c, csrf := uiSignIn(t, in, "admin1")

	r := uiSend(t, c, csrf, http.MethodPost, in.URL+"/api/v1/admin/surveys", map[string]string{"slug": "render-2023", "template": "social-2022"})
	if r.Status != http.StatusCreated {
		t.Fatalf("create survey: %d %s", r.Status, r.Raw)
	}
	id := fmt.Sprint(r.Body["id"])

	pages := []struct{ path, page string }{
		{"/admin", "list"},
		{"/admin/surveys/" + id, "designer"},
		{"/admin/surveys/" + id + "/sheet", "sheet"},
		{"/admin/users", "users"},
		{"/admin/audit", "audit"},
	}
	for _, p := range pages {
		t.Run(p.page, func(t *testing.T) {
			r := get(t, c, in.URL+p.path)
			html := string(r.Raw)
			if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET %s: %d %s %.300s", p.path, r.Status, r.Header.Get("Content-Type"), html)
			}
			for _, want := range []string{`data-csrf="` + csrf + `"`, `data-page="` + p.page + `"`, `data-can-edit="true"`} {
				if !strings.Contains(html, want) {
					t.Errorf("%s lacks %s", p.path, want)
				}
			}
			if p.page == "designer" || p.page == "sheet" {
				if !strings.Contains(html, `data-survey="`+id+`"`) {
					t.Errorf("%s lacks data-survey=%q", p.path, id)
				}
			}
			if !uiScript.MatchString(html) || !uiStyle.MatchString(html) {
				t.Errorf("%s does not link admin.js and admin.css", p.path)
			}
			if m := uiInline.FindString(html); m != "" {
				t.Errorf("%s has inline code the CSP refuses: %q", p.path, m)
			}
			if p.page != "sheet" && (!strings.Contains(html, "admin1") || !strings.Contains(html, `id="logout"`)) {
				t.Errorf("%s does not show the user and the logout button", p.path)
			}
		})
	}

	t.Run("assets", func(t *testing.T) {
		html := string(get(t, c, in.URL+"/admin").Raw)
		for _, m := range regexp.MustCompile(`(?:src|href)="(/static/[0-9a-f]+/admin\.(?:js|css))"`).FindAllStringSubmatch(html, -1) {
			a := get(t, c, in.URL+m[1])
			if a.Status != http.StatusOK || len(a.Raw) == 0 {
				t.Fatalf("%s: %d", m[1], a.Status)
			}
			if strings.HasSuffix(m[1], ".js") {
				if regexp.MustCompile(`\?\.|\?\?`).Match(a.Raw) {
					t.Errorf("%s uses syntax newer than ES2017 (?. or ??)", m[1])
				}
				if bytes.Contains(a.Raw, []byte("innerHTML")) {
					t.Errorf("%s uses innerHTML", m[1])
				}
			}
		}
	})

	t.Run("sign-in page", func(t *testing.T) {
		anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		r := get(t, anon, in.URL+"/admin/surveys/"+id)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/admin/login?next=") {
			t.Fatalf("anonymous designer page: %d %q, want 303 to the sign-in page", r.Status, r.Header.Get("Location"))
		}
		r = get(t, anon, in.URL+"/admin/login?next=%2Fadmin%2Fusers")
		html := string(r.Raw)
		if r.Status != http.StatusOK || !strings.Contains(html, `data-next="/admin/users"`) || !strings.Contains(html, `id="login-form"`) {
			t.Fatalf("sign-in page: %d %.400s", r.Status, html)
		}
		if !uiScript.MatchString(html) || uiInline.MatchString(html) {
			t.Error("the sign-in page must link admin.js and hold no inline code")
		}
		r = get(t, anon, in.URL+"/admin/login?next=//evil.example")
		if !strings.Contains(string(r.Raw), `data-next="/admin"`) {
			t.Error("an off-site next must become /admin")
		}
	})

	t.Run("viewer", func(t *testing.T) {
		v, vcsrf := uiSignIn(t, in, "viewer1")
		if r := get(t, v, in.URL+"/admin/surveys/"+id); r.Status != http.StatusNotFound {
			t.Fatalf("a viewer who is no reader opened the designer: %d", r.Status)
		}
		r := uiSend(t, c, csrf, http.MethodPut, in.URL+"/api/v1/admin/surveys/"+id+"/members",
			map[string]any{"members": []map[string]string{{"name": "viewer1", "role": "reader"}}})
		if r.Status != http.StatusOK {
			t.Fatalf("make the viewer a reader: %d %s", r.Status, r.Raw)
		}
		html := string(get(t, v, in.URL+"/admin/surveys/"+id).Raw)
		if !strings.Contains(html, `data-csrf="`+vcsrf+`"`) || !strings.Contains(html, `data-can-edit="false"`) {
			t.Fatal("the viewer's designer page lacks its CSRF token or data-can-edit=false")
		}
		for _, edit := range []string{`id="save"`, `id="publish"`, `id="tk-form"`, `id="export"`, `id="ns-form"`, `id="sec-members"`} {
			if strings.Contains(html, edit) {
				t.Errorf("a viewer is shown %s", edit)
			}
		}
		if list := string(get(t, v, in.URL+"/admin").Raw); strings.Contains(list, `id="ns-form"`) || strings.Contains(list, `href="/admin/users"`) {
			t.Error("a viewer is shown the new-survey form or the users link")
		}
	})
}

// uiWatch collects a tab's uncaught exceptions, which fail the test, and
// logs its console errors and warnings (refused requests among them).
func uiWatch(t *testing.T, ctx context.Context) { watchConsole(t, ctx, false) }

// watchConsole is uiWatch; with failCSP a Content-Security-Policy
// violation reported on the console fails the test too.
func watchConsole(t *testing.T, ctx context.Context, failCSP bool) {
	t.Helper()
	msgs := chromedp.Console(ctx)
	var mu sync.Mutex
	var problems, errs []string
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			mu.Lock()
			switch {
			case m.Type == chromedp.ConsoleException:
				problems = append(problems, "uncaught exception: "+m.Text+" at "+m.URL+":"+fmt.Sprint(m.Line))
			case failCSP && strings.Contains(m.Text, "Content Security Policy"):
				problems = append(problems, "CSP: "+m.Text)
			case m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleWarning:
				errs = append(errs, string(m.Type)+": "+m.Text+" "+m.URL)
			}
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			t.Logf("console %s", e)
		}
		for _, p := range problems {
			t.Errorf("in the page: %s", p)
		}
	})
}

// uiWait polls a JavaScript predicate in the page until it is true.
func uiWait(ctx context.Context, expr string, within time.Duration) error {
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(within), chromedp.WithPollingInterval(100*time.Millisecond)))
	return err
}

// uiShot keeps a screenshot of the viewport.
func uiShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, name, png)
	}
}

// uiFullShot keeps a screenshot of the whole page.
func uiFullShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		saveShot(t, name, png)
	}
}

// uiSetField replaces the value of an editor input the way typing does: the
// page hears an input event.
func uiSetField(sel, value string) chromedp.Action[chromedp.Void] {
	js, _ := json.Marshal(value)
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(function () {
  var el = document.querySelector(`+"`"+sel+"`"+`);
  el.value = `+string(js)+`;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  return true;
})()`)(ctx, tg)
		return err
	})
}

// TestBrowserStaffFlow is a designer's day in Chromium: sign in, create a
// survey from the template, rename an area (a refused save shows the
// reason beside the field), save, publish; a resident answers on a phone;
// the survey list, left open, shows the response without a reload.
func TestBrowserStaffFlow(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	uiUser(t, in, "designer1", "designer")
	const newName = "作风建设（改）"

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			uiShot(t, ctx, "failed-"+strings.ReplaceAll(name, " ", "-")+".png")
			t.Fatalf("%s: %v", name, err)
		}
	}

	// Sign in: the list sends an anonymous browser to the sign-in page and back.
	step("sign in",
		chromedp.EmulateViewport(1280, 760),
		chromedp.Navigate(in.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "wrong"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), "not-the-password"),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-error`)),
	)
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#login-error`)))
	if err != nil || !strings.Contains(msg, "用户名或密码错误") {
		t.Fatalf("wrong password message = %q, %v", msg, err)
	}
	uiShot(t, ctx, "staff-login-error.png")
	step("sign in again",
		uiSetField(`#login-name`, ""),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "designer1"),
		uiSetField(`#login-password`, ""),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		// The demo survey is the admins': a new designer has none yet.
		chromedp.WaitVisible(chromedp.CSS(`#surveys-empty`)),
	)
	uiShot(t, ctx, "staff-list.png")

	// A new survey from the built-in template opens in the designer.
	step("create a survey",
		chromedp.Click(chromedp.CSS(`#ns-open`)),
		chromedp.WaitVisible(chromedp.CSS(`#ns-slug`)),
		chromedp.SendKeys(chromedp.CSS(`#ns-slug`), "city-2023"),
		chromedp.SendKeys(chromedp.CSS(`#ns-title`), "2023年度政府工作社会评价满意度调查"),
	)
	uiShot(t, ctx, "staff-new-survey.png")
	step("open the designer",
		chromedp.Click(chromedp.CSS(`#ns-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#area-0 summary`)),
	)
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !regexp.MustCompile(`/admin/surveys/\d+$`).MatchString(loc) {
		t.Fatalf("after creating: at %s, want the designer", loc)
	}
	id := loc[strings.LastIndex(loc, "/")+1:]

	// A refused save: an empty area name is shown beside its input.
	nameSel := `[data-path="areas[0].name"]`
	step("empty an area name",
		chromedp.Click(chromedp.CSS(`#area-0 summary .item-title`)),
		chromedp.WaitVisible(chromedp.CSS(nameSel)),
		uiSetField(nameSel, ""),
		chromedp.Click(chromedp.CSS(`#save`)),
		chromedp.WaitVisible(chromedp.CSS(`#area-0 .field-error`)),
		chromedp.WaitVisible(chromedp.CSS(`#errors`)),
	)
	reason, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#area-0 .field-error`)))
	if err != nil || !strings.Contains(reason, "必填") {
		t.Fatalf("the reason beside areas[0].name = %q, %v", reason, err)
	}
	uiShot(t, ctx, "staff-designer-invalid.png")

	// Rename the area by typing, save, and the draft on the server has it.
	step("rename and save",
		chromedp.SendKeys(chromedp.CSS(nameSel), newName),
		chromedp.Click(chromedp.CSS(`#save`)),
		chromedp.WaitVisible(chromedp.CSS(`#save-state.saved`)),
	)
	if err := uiWait(ctx, `!document.querySelector('#area-0 .field-error') && document.getElementById('errors').hidden`, 5*time.Second); err != nil {
		t.Fatalf("the refused save's messages stayed after a good save: %v", err)
	}
	var sid uint64
	fmt.Sscan(id, &sid)
	d, err := in.Svc.SurveyDetail(sid)
	if err != nil || d.DraftDefinition == nil || d.DraftDefinition.Areas[0].Name != newName {
		t.Fatalf("draft after saving: %+v, %v", d, err)
	}
	// Reorder: down and back up, the titles follow; add an area and delete it.
	step("move an area down", chromedp.Click(chromedp.CSS(`#area-0 summary [data-act="down"]`)))
	if err := uiWait(ctx, `document.querySelector('#area-1 .item-title').textContent.indexOf('`+newName+`') >= 0 && document.getElementById('save-state').classList.contains('dirty')`, 5*time.Second); err != nil {
		t.Fatalf("after moving area 1 down: %v", err)
	}
	step("and back up", chromedp.Click(chromedp.CSS(`#area-1 summary [data-act="up"]`)))
	step("add an area",
		chromedp.Click(chromedp.CSS(`#sec-areas [data-act="add"][data-list="areas"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#area-13 [data-path="areas[13].name"]`)),
	)
	if focused, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.getAttribute('data-path')`)); focused != "areas[13].name" {
		t.Errorf("after adding an area the focus is on %q, want its name", focused)
	}
	step("delete it",
		chromedp.Click(chromedp.CSS(`#area-13 summary [data-act="del"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-dialog`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#area-13`)),
	)
	if title, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#area-0 .item-title`))); !strings.Contains(title, newName) {
		t.Fatalf("area 0 is %q after the moves", title)
	}

	step("preview",
		chromedp.Click(chromedp.CSS(`#preview-toggle`)),
		chromedp.WaitVisible(chromedp.CSS(`#pv-frame`)),
		chromedp.Sleep(500*time.Millisecond),
	)
	uiShot(t, ctx, "staff-designer.png")
	step("close the preview", chromedp.Click(chromedp.CSS(`#pv-close`)))

	// Publish, after the confirm dialog; status and versions update in place.
	step("publish",
		chromedp.Click(chromedp.CSS(`#publish`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-dialog`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)),
		chromedp.WaitVisible(chromedp.CSS(`#d-status.badge-published`)),
		chromedp.WaitVisible(chromedp.CSS(`#base-note`)),
	)
	if err := uiWait(ctx, `document.querySelectorAll('#version-rows tr').length === 1 && document.querySelector('#d-links a[href="/s/city-2023"]') !== null`, 5*time.Second); err != nil {
		t.Fatalf("versions and links after publishing: %v", err)
	}
	uiFullShot(t, ctx, "staff-designer-published.png")
	step("close and reopen",
		chromedp.Click(chromedp.CSS(`#close-survey`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-dialog`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)),
		chromedp.WaitVisible(chromedp.CSS(`#d-status.badge-closed`)),
		chromedp.WaitVisible(chromedp.CSS(`#reopen-survey`)),
		chromedp.Click(chromedp.CSS(`#reopen-survey`)),
		chromedp.WaitVisible(chromedp.CSS(`#d-status.badge-published`)),
		chromedp.WaitVisible(chromedp.CSS(`#close-survey`)),
	)

	// The survey list, left open in this tab, shows 0 responses.
	row := `#survey-rows tr[data-slug="city-2023"]`
	step("open the list",
		chromedp.Navigate(in.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(row+` .responses`)),
	)
	if n, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(row+` .responses`))); err != nil || n != "0" {
		t.Fatalf("responses before answering = %q, %v", n, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__notReloaded = true`)); err != nil {
		t.Fatal(err)
	}

	// A resident answers on a phone, in another tab.
	phone, cancel := chromedp.NewContext(ctx)
	defer cancel()
	tasks := []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(in.URL + "/s/city-2023"),
		chromedp.WaitVisible(chromedp.CSS(`#survey`)),
		chromedp.WaitEnabled(chromedp.CSS(`#submit`)),
	}
	for i := 1; i <= 13; i++ {
		tasks = append(tasks, chromedp.Tap(chromedp.CSS(fmt.Sprintf(`#q-q%02d input[value="%s"]`, i, []string{"5", "4", "3", "dk"}[i%4]))))
	}
	tasks = append(tasks,
		chromedp.Tap(chromedp.CSS(`#q-overall input[value="4"]`)),
		chromedp.Tap(chromedp.CSS(`#q-town input[value="t01"]`)),
		chromedp.Tap(chromedp.CSS(`#q-age input[value="40-49"]`)),
		chromedp.Tap(chromedp.CSS(`#q-gender input[value="m"]`)),
		chromedp.Tap(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#screen-thanks`)),
	)
	if err := chromedp.Do(phone, tasks...); err != nil {
		uiShot(t, phone, "failed-resident.png")
		t.Fatalf("answering on the phone: %v", err)
	}
	page, err := chromedp.Run(phone, chromedp.Text(chromedp.CSS(`h1`)))
	if err != nil || !strings.Contains(page, "2023") {
		t.Errorf("the resident's page heading = %q, %v; want the new survey's title", page, err)
	}
	if areas, err := chromedp.Run(phone, chromedp.Evaluate[string](`document.body.textContent`)); err != nil || !strings.Contains(areas, newName) {
		t.Errorf("the published page does not show the renamed area %q", newName)
	}

	// Back in the list tab: the count rises by itself (it refreshes every 10 s).
	if err := uiWait(ctx, `document.querySelector('`+row+` .responses').textContent === '1'`, 20*time.Second); err != nil {
		uiShot(t, ctx, "failed-list-count.png")
		t.Fatalf("the list did not show the response without a reload: %v", err)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__notReloaded === true`)); err != nil || !ok {
		t.Fatalf("the list page was reloaded (%v)", err)
	}
	uiShot(t, ctx, "staff-list-after.png")
}

// TestBrowserStaffInvitations issues invitation tokens for a token survey:
// they are listed once with their QR codes, the CSV download has a BOM and
// every token, and the print sheet (a new tab) lays them out on A4 pages.
func TestBrowserStaffInvitations(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	uiUser(t, in, "designer1", "designer")
	def := builtinDefinition(t)
	def.Slug, def.Dedup = "ignored-slug", "token"
	raw, err := json.MarshalIndent(def, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "definition.json")
	if err := os.WriteFile(file, append([]byte("\ufeff"), raw...), 0o644); err != nil {
		t.Fatal(err)
	}

	step := func(ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			uiShot(t, ctx, "failed-"+strings.ReplaceAll(name, " ", "-")+".png")
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The survey is imported from a JSON file (with a BOM, as Windows
	// editors save it) under a slug of its own.
	step(ctx, "import a definition",
		chromedp.EmulateViewport(1366, 860),
		chromedp.Navigate(in.URL+"/admin"),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "designer1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#ns-open`)),
		chromedp.Click(chromedp.CSS(`#ns-open`)),
		chromedp.SendKeys(chromedp.CSS(`#ns-slug`), "sample-2023"),
		chromedp.SetUploadFiles(chromedp.CSS(`#ns-file`), []string{file}),
		chromedp.Click(chromedp.CSS(`#ns-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#sec-tokens`)),
	)
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	id := loc[strings.LastIndex(loc, "/")+1:]
	var sid uint64
	if _, err := fmt.Sscan(id, &sid); err != nil {
		t.Fatalf("after importing: at %s", loc)
	}
	if d, err := in.Svc.SurveyDetail(sid); err != nil || d.Slug != "sample-2023" || d.DraftDefinition.Dedup != "token" {
		t.Fatalf("the imported survey: %+v, %v", d, err)
	}
	step(ctx, "generate",
		uiSetField(`#tk-count`, "14"),
		chromedp.Click(chromedp.CSS(`#tk-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#tk-result`)),
	)
	if err := uiWait(ctx, `document.querySelectorAll('#tk-rows tr').length === 14 && document.getElementById('tk-total').textContent === '14'`, 5*time.Second); err != nil {
		t.Fatalf("the batch and the counts: %v", err)
	}
	if err := uiWait(ctx, `Array.prototype.every.call(document.querySelectorAll('#tk-rows img'), function (i) { return i.complete && i.naturalWidth === 256; })`, 10*time.Second); err != nil {
		t.Fatalf("QR images did not load: %v", err)
	}
	step(ctx, "scroll", chromedp.ScrollIntoView(chromedp.CSS(`#sec-tokens`)))
	uiShot(t, ctx, "staff-tokens.png")

	// Download the CSV as a user does: the link's blob, into a folder.
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	step(ctx, "download the CSV", chromedp.Click(chromedp.CSS(`#tk-csv`)))
	var csv string
	for deadline := time.Now().Add(10 * time.Second); csv == "" && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(dir, "sample-2023-invitations-*.csv"))
		if len(files) == 1 {
			raw, _ := os.ReadFile(files[0])
			csv = string(raw)
		}
	}
	lines := strings.Split(strings.TrimSpace(csv), "\r\n")
	if !strings.HasPrefix(csv, "\ufeff序号,邀请码") || len(lines) != 15 || !strings.Contains(lines[1], "/s/sample-2023?t=") {
		t.Fatalf("CSV = %q", csv)
	}

	// Print: the sheet opens in a new tab with this tab's session storage.
	opened := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return strings.HasSuffix(info.URL, "/sheet") })
	step(ctx, "print", chromedp.Click(chromedp.CSS(`#tk-print`)))
	var sheetID target.ID
	select {
	case sheetID = <-opened:
	case <-time.After(10 * time.Second):
		t.Fatal("the print sheet did not open")
	}
	sheet, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(sheetID))
	defer cancel()
	step(sheet, "sheet", chromedp.WaitVisible(chromedp.CSS(`.card-inv`)))
	if err := uiWait(sheet, `document.querySelectorAll('.sheet').length === 2 && document.querySelectorAll('.card-inv').length === 14 && !document.getElementById('sheet-print').disabled`, 5*time.Second); err != nil {
		t.Fatalf("the sheet: %v", err)
	}
	if err := uiWait(sheet, `Array.prototype.every.call(document.querySelectorAll('.inv-qr'), function (i) { return i.complete && i.naturalWidth === 256; })`, 10*time.Second); err != nil {
		t.Fatalf("the sheet's QR codes did not load: %v", err)
	}
	code, err := chromedp.Run(sheet, chromedp.Text(chromedp.CSS(`.inv-code`)))
	if err != nil || !strings.Contains(lines[1], ","+code+",") {
		t.Fatalf("first card's code %q is not the CSV's first code (%q): %v", code, lines[1], err)
	}
	uiFullShot(t, sheet, "staff-sheet.png")
	if pdf, err := chromedp.Run(sheet, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize())); err != nil || len(pdf) == 0 {
		t.Errorf("printing the sheet: %v", err)
	} else if pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1)); pages != 2 {
		t.Errorf("the printed sheet has %d A4 pages, want 2", pages)
	}
}

// TestBrowserStaffAdminPages runs the admin's pages in Chromium: create a
// user (and see a taken name refused), change a role, disable, refuse to
// demote the last admin with the reason on the row, reset a password; read
// the audit log; change one's own password; log out.
func TestBrowserStaffAdminPages(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	uiUser(t, in, "admin1", "admin")
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			uiShot(t, ctx, "failed-"+strings.ReplaceAll(name, " ", "-")+".png")
			t.Fatalf("%s: %v", name, err)
		}
	}
	wait := func(what, expr string) {
		t.Helper()
		if err := uiWait(ctx, expr, 5*time.Second); err != nil {
			uiShot(t, ctx, "failed-"+strings.ReplaceAll(what, " ", "-")+".png")
			t.Fatalf("%s: %v", what, err)
		}
	}
	role := func(name string) string {
		u, err := in.Store.UserByName(name)
		if err != nil {
			t.Fatal(err)
		}
		return u.Role
	}
	row := func(name string) string { return `#user-rows tr[data-name="` + name + `"]` }

	step("sign in",
		chromedp.EmulateViewport(1366, 860),
		chromedp.Navigate(in.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "admin1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(row("admin1"))),
	)
	step("create a user",
		chromedp.SendKeys(chromedp.CSS(`#nu-name`), "clerk.li"),
		uiSetField(`#nu-role`, "viewer"),
		chromedp.SendKeys(chromedp.CSS(`#nu-password`), "another-password-456"),
		chromedp.Click(chromedp.CSS(`#nu-submit`)),
		chromedp.WaitVisible(chromedp.CSS(row("clerk.li"))),
	)
	if r := role("clerk.li"); r != "viewer" {
		t.Fatalf("clerk.li is %q, want viewer", r)
	}
	step("create it again",
		chromedp.SendKeys(chromedp.CSS(`#nu-name`), "clerk.li"),
		chromedp.SendKeys(chromedp.CSS(`#nu-password`), "another-password-456"),
		chromedp.Click(chromedp.CSS(`#nu-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#nu-error`)),
	)
	if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#nu-error`))); !strings.Contains(msg, "已被使用") {
		t.Errorf("a taken name says %q", msg)
	}

	step("change a role", uiSetField(row("clerk.li")+` select`, "designer"))
	wait("the role on the page", `document.querySelector('`+row("clerk.li")+` select').value === 'designer' && !document.querySelector('`+row("clerk.li")+` select').disabled`)
	if r := role("clerk.li"); r != "designer" {
		t.Fatalf("clerk.li is %q after the change, want designer", r)
	}
	step("disable",
		chromedp.Click(chromedp.CSS(row("clerk.li")+` .actions button`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-dialog`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)),
		chromedp.WaitVisible(chromedp.CSS(row("clerk.li")+`.disabled-row`)),
	)
	step("demote the last admin", uiSetField(row("admin1")+` select`, "viewer"))
	wait("the reason on the row", `(function () { var m = document.querySelector('`+row("admin1")+` .msg'); return m && !m.hidden && m.textContent.indexOf('最后一位管理员') >= 0; })()`)
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(row("admin1")+` select`))); v != "admin" || role("admin1") != "admin" {
		t.Errorf("after a refused demotion the select shows %q and the account is %q; want admin", v, role("admin1"))
	}
	step("reset a password",
		chromedp.Click(chromedp.CSS(row("clerk.li")+` .actions button:nth-of-type(2)`)),
		chromedp.WaitVisible(chromedp.CSS(row("clerk.li")+` .reset-form input`)),
		chromedp.SendKeys(chromedp.CSS(row("clerk.li")+` .reset-form input`), "reset-password-789"),
		chromedp.Click(chromedp.CSS(row("clerk.li")+` .reset-form button[type="submit"]`)),
	)
	wait("the reset", `document.getElementById('toast').textContent.indexOf('密码已重置') >= 0`)
	step("clear a sign-in lockout", chromedp.Click(chromedp.CSS(row("clerk.li")+` .actions button:nth-of-type(3)`)))
	wait("the unlock", `document.getElementById('toast').textContent.indexOf('登录锁定已解除') >= 0`)
	if u, err := in.Store.UserByName("clerk.li"); err != nil || u.LoginEpoch != 1 {
		t.Errorf("after the unlock button clerk.li's sign-in epoch is %+v, %v; want 1", u, err)
	}
	uiShot(t, ctx, "staff-users.png")

	step("audit log",
		chromedp.Click(chromedp.CSS(`a[data-nav="audit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#audit-rows tr`)),
	)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#audit-rows`)))
	if err != nil || !strings.Contains(text, "clerk.li (viewer)") || !strings.Contains(text, "password reset") || !strings.Contains(text, "disabled=true") {
		t.Errorf("audit rows = %q, %v", text, err)
	}
	if hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('audit-more').hidden`)); !hidden {
		t.Error("More is offered for a log shorter than a page")
	}
	uiShot(t, ctx, "staff-audit.png")

	step("change my password",
		chromedp.Click(chromedp.CSS(`#pw-open`)),
		chromedp.WaitVisible(chromedp.CSS(`#pw-old`)),
		chromedp.SendKeys(chromedp.CSS(`#pw-old`), "not-my-password"),
		chromedp.SendKeys(chromedp.CSS(`#pw-new`), "a-newer-password-000"),
		chromedp.SendKeys(chromedp.CSS(`#pw-new2`), "a-newer-password-000"),
		chromedp.Click(chromedp.CSS(`#pw-save`)),
		chromedp.WaitVisible(chromedp.CSS(`#pw-error`)),
	)
	if msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#pw-error`))); !strings.Contains(msg, "密码") {
		t.Errorf("a wrong current password says %q", msg)
	}
	uiShot(t, ctx, "staff-password-wrong.png")
	step("with the right one",
		uiSetField(`#pw-old`, uiPassword),
		chromedp.Click(chromedp.CSS(`#pw-save`)),
		chromedp.WaitNotVisible(chromedp.CSS(`#pw-dialog`)),
	)
	wait("the password change", `document.getElementById('toast').textContent.indexOf('密码已修改') >= 0`)
	step("log out",
		chromedp.Click(chromedp.CSS(`#logout`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-form`)),
	)
	jar, _ := cookiejar.New(nil)
	body, _ := json.Marshal(map[string]string{"name": "admin1", "password": "a-newer-password-000"})
	if r := post(t, &http.Client{Jar: jar}, in.URL+"/api/v1/admin/login", "application/json", body); r.Status != http.StatusOK {
		t.Errorf("sign in with the changed password: %d %s", r.Status, r.Raw)
	}

	// A viewer sees the designer with every control locked.
	uiUser(t, in, "viewer1", "viewer")
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	addMember(t, in, p.Survey.ID, "viewer1", models.MemberReader)
	step("viewer",
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "viewer1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#survey-rows tr[data-slug="social-2022"] a.title-link`)),
		chromedp.Click(chromedp.CSS(`#survey-rows tr[data-slug="social-2022"] a.title-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#area-0 summary`)),
		chromedp.Click(chromedp.CSS(`#sec-areas [data-ui="expand"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-path="areas[12].summary"]`)),
	)
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, fmt.Sprintf("/admin/surveys/%d", p.Survey.ID)) {
		t.Errorf("the viewer is at %s", loc)
	}
	wait("locked controls", `Array.prototype.every.call(document.querySelectorAll('#editor input, #editor select, #editor textarea'), function (e) { return e.disabled; })
  && !document.querySelector('#save') && document.querySelectorAll('#editor [data-act]:not([disabled])').length === 0`)
	uiShot(t, ctx, "staff-viewer.png")
}

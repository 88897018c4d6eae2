package handlers_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// internals are strings that betray a stack trace, SQL, a source path or a
// driver message; no answer body may carry one.
var internals = []string{"goroutine", ".go:", "SELECT", "INSERT", "sql:", "gorm", "Error 1", "/work/", "panic"}

// noInternals fails the test when an error answer carries internals. Every
// error answer of this file's tests goes through it.
func noInternals(t *testing.T, what string, r reply) {
	t.Helper()
	if r.Status < 400 {
		return
	}
	for _, s := range internals {
		if bytes.Contains(r.Raw, []byte(s)) {
			t.Errorf("%s: the %d answer carries %q: %.300s", what, r.Status, s, r.Raw)
		}
	}
}

// builtinDefinition returns the social-2022 template as a definition to edit.
func builtinDefinition(t testing.TB) *questionnaire.Definition {
	t.Helper()
	raw, err := questionnaire.Builtin(slug)
	if err != nil {
		t.Fatal(err)
	}
	var d questionnaire.Definition
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

// publish validates a definition and stores it published, as staff
// publishing it would.
func publish(t testing.TB, in *instance, d *questionnaire.Definition) *models.Survey {
	t.Helper()
	c, err := questionnaire.Compile(d)
	if err != nil {
		t.Fatalf("definition %s: %v", d.Slug, err)
	}
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	sv := &models.Survey{Slug: d.Slug, Results: d.Results}
	if err := in.Store.CreatePublished(sv, string(raw), surveys.Catalogue(c)); err != nil {
		t.Fatalf("store %s: %v", d.Slug, err)
	}
	return sv
}

// notStaffText are the JSON names of a definition's string fields that are
// machine values (validated codes and enums), not text staff write.
var notStaffText = map[string]bool{"slug": true, "code": true, "kind": true, "role": true,
	"dedup": true, "results": true, "preset": true, "class": true, "previous": true, "category": true}

// staffTexts visits every staff-written string of d, found by reflection so
// that a text field added later is covered too: the i-th becomes
// edit(i, value). It returns the fields' paths.
func staffTexts(d *questionnaire.Definition, edit func(i int, value string) string) []string {
	var paths []string
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "" {
					name = f.Name
				}
				if f.Type.Kind() == reflect.String {
					if !notStaffText[name] {
						v.Field(i).SetString(edit(len(paths), v.Field(i).String()))
						paths = append(paths, strings.TrimPrefix(path+"."+name, "."))
					}
					continue
				}
				walk(v.Field(i), path+"."+name)
			}
		}
	}
	walk(reflect.ValueOf(d), "")
	return paths
}

// hostileDefinition is social-2022 under slug with two units and every
// staff-written text, legal marks included, set to payload(i).
func hostileDefinition(t testing.TB, slug string, payload func(i int) string) (*questionnaire.Definition, []string) {
	t.Helper()
	d := builtinDefinition(t)
	d.Slug = slug
	d.Legal = &questionnaire.LegalMarks{}
	d.Units = []questionnaire.Unit{{Code: "u1"}, {Code: "u2"}}
	paths := staffTexts(d, func(i int, _ string) string { return payload(i) })
	if len(paths) < 60 {
		t.Fatalf("only %d staff texts filled: %v", len(paths), paths)
	}
	return d, paths
}

func xssPayload(i int) string {
	return fmt.Sprintf(`<script>alert(%d)</script><img src=x onerror=alert(%d)>"'&`, i, i)
}

// rawPayload finds the payloads that reached an HTML body unescaped.
// (An escaped payload still shows "onerror=" as text: only inside a tag is
// it an attribute.)
var rawPayload = regexp.MustCompile(`<script>alert\((\d+)\)|<img src=x onerror=alert\((\d+)\)|<[a-zA-Z][^<>"']*\sonerror=`)

func TestStaffTextIsEscaped(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d, paths := hostileDefinition(t, "xss-test", xssPayload)
			publish(t, in, d)
			for _, mode := range []string{questionnaire.DedupToken, questionnaire.DedupPhone} {
				d, _ := hostileDefinition(t, "xss-"+mode, xssPayload)
				d.Dedup = mode
				publish(t, in, d)
			}
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
			base := in.URL + "/api/v1/surveys/xss-test"

			// One accepted response, so that results and the answered page
			// have something to show.
			answers := map[string]any{"overall": "4", "town": "t01", "age": "60-69", "gender": "f", "comment": xssPayload(999)}
			for i := 1; i <= 13; i++ {
				answers["q"+pad(i)] = "5"
			}
			body, _ := json.Marshal(map[string]any{"submission_id": "3f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "unit": "u1", "answers": answers})
			get(t, c, in.URL+"/s/xss-test")
			if r := post(t, c, base+"/responses", "application/json", body); r.Status != http.StatusCreated {
				t.Fatalf("submit: %d %s", r.Status, r.Raw)
			}

			htmlPages := []struct {
				name, addr string
				client     *http.Client
				status     int
				all        bool // every staff text must be on it, escaped
			}{
				{"respondent page", in.URL + "/s/xss-test", &http.Client{}, 200, true},
				{"answered page", in.URL + "/s/xss-test", c, 200, false},
				{"token survey with a hostile token", in.URL + "/s/xss-token?t=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E%3Cimg%20src=x%20onerror=alert(2)%3E", &http.Client{}, 200, true},
				{"token survey with a hostile old-style token", in.URL + "/s/xss-token?token=%22%3E%3Cimg%20src=x%20onerror=alert(2)%3E", &http.Client{}, 200, true},
				{"phone survey", in.URL + "/s/xss-phone", &http.Client{}, 200, true},
				{"dashboard", in.URL + "/d/xss-test", c, 200, false},
				{"error page naming a hostile path", in.URL + "/s/%3Cscript%3Ealert(1)%3C%2Fscript%3E", c, 404, false},
				{"error page of an unknown route", in.URL + "/%3Cimg%20src=x%20onerror=alert(1)%3E", c, 404, false},
			}
			for _, p := range htmlPages {
				t.Run(p.name, func(t *testing.T) {
					r := get(t, p.client, p.addr)
					noInternals(t, p.name, r)
					if r.Status != p.status || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
						t.Fatalf("%s: %d %s", p.addr, r.Status, r.Header.Get("Content-Type"))
					}
					for _, m := range rawPayload.FindAllStringSubmatch(string(r.Raw), -1) {
						field := "a request path"
						for _, n := range m[1:] {
							var i int
							if _, err := fmt.Sscan(n, &i); err == nil && i < len(paths) {
								field = paths[i]
							}
						}
						t.Errorf("raw %q on the page (from %s)", m[0], field)
					}
					if !p.all {
						return
					}
					for i, path := range paths {
						if !bytes.Contains(r.Raw, []byte(template.HTMLEscapeString(xssPayload(i)))) {
							t.Errorf("%s is not on the page (escaped)", path)
						}
					}
				})
			}

			t.Run("API bodies", func(t *testing.T) {
				for _, u := range []string{base, base + "/results", base + "/results?unit=u1"} {
					r := get(t, c, u)
					if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
						t.Fatalf("%s: %d %s", u, r.Status, r.Header.Get("Content-Type"))
					}
					if !json.Valid(r.Raw) {
						t.Fatalf("%s: not JSON: %.200s", u, r.Raw)
					}
					if bytes.ContainsAny(r.Raw, "<>") {
						t.Errorf("%s: JSON carries a raw < or >; HTML must be escaped as \\u003c", u)
					}
					if r.Body["title"] != xssPayload(indexOf(t, paths, "title")) {
						t.Errorf("%s: title = %q, want the staff text back unchanged", u, r.Body["title"])
					}
				}
				var def questionnaire.Definition
				r := get(t, c, base)
				if err := json.Unmarshal(r.Raw, &def); err != nil {
					t.Fatal(err)
				}
				staffTexts(&def, func(i int, v string) string {
					if v != xssPayload(i) {
						t.Errorf("the API gives %s as %q", paths[i], v)
					}
					return v
				})
				ch, stop := events(t, base+"/live")
				defer stop()
				e := nextEvent(t, ch, 3*time.Second)
				if e["title"] != xssPayload(indexOf(t, paths, "title")) {
					t.Errorf("live event title = %q", e["title"])
				}
			})
		})
	}
}

// domPayload would set window.__xss if the browser ever ran it.
const domPayload = `"'><img src=x onerror="window.__xss=1"><script>window.__xss=2</script><svg onload="window.__xss=3"></svg>&amp;`

// domReport is what the browser tests read off a page.
type domReport struct {
	XSS   string   // typeof window.__xss
	Nodes int      // img, svg and inline script elements
	Title string   // document.title
	H1    string   // the heading
	Texts []string // the staff texts shown: area names, summaries, question texts, options
}

// domProbe reads a domReport; last and first are CSS selectors of elements
// whose last (first) child node is a staff text.
func domProbe(last, first string) string {
	return `(function () {
  var texts = [];
  [[` + "`" + last + "`" + `, 'lastChild'], [` + "`" + first + "`" + `, 'firstChild']].forEach(function (s) {
    if (s[0]) document.querySelectorAll(s[0]).forEach(function (el) {
      texts.push(el[s[1]] ? el[s[1]].textContent.trim() : '');
    });
  });
  return {XSS: typeof window.__xss,
    Nodes: document.querySelectorAll('img, svg, script:not([src])').length,
    Title: document.title, H1: (document.querySelector('h1') || {}).textContent || '',
    Texts: texts};
})()`
}

// TestBrowserShowsStaffTextAsText opens a survey whose every staff text is
// markup in Chromium, with the CSP and with the CSP bypassed (so that
// escaping alone is tested): nothing runs, and the texts show as written.
func TestBrowserShowsStaffTextAsText(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	d, _ := hostileDefinition(t, "xss-dom", func(int) string { return domPayload })
	publish(t, in, d)
	td, _ := hostileDefinition(t, "xss-dom-token", func(int) string { return domPayload })
	td.Dedup = questionnaire.DedupToken
	publish(t, in, td)
	pages := []struct {
		name, path, ready string
		last, first       string // selectors of staff texts
		want              int    // staff texts expected; -1: not counted
	}{
		{"respondent page", "/s/xss-dom", "#submit:not([disabled])",
			".area h2, .summary, .legal dd, .intro-text, .title-en, #unit option[value^=u], .choice span", "[data-question] .q-text",
			shownTexts(d)},
		{"dashboard", "/d/xss-dom", "#area-rows tr[data-area]", "#area-rows .area-name", "", len(d.Areas)},
		{"token page with markup in the address", "/s/xss-dom-token?t=" + url.QueryEscape(`"><img src=x onerror="window.__xss=4">`),
			"#submit:not([disabled])", ".area h2", "", -1},
	}
	for _, csp := range []string{"with CSP", "CSP bypassed"} {
		t.Run(csp, func(t *testing.T) {
			if csp == "CSP bypassed" {
				if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
					return err
				})); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range pages {
				t.Run(p.name, func(t *testing.T) {
					if err := chromedp.Do(ctx,
						chromedp.Navigate(in.URL+p.path),
						chromedp.WaitVisible(chromedp.CSS(p.ready)),
						chromedp.Sleep(300*time.Millisecond), // let a broken image fire onerror
					); err != nil {
						t.Fatal(err)
					}
					r, err := chromedp.Run(ctx, chromedp.Evaluate[domReport](domProbe(p.last, p.first)))
					if err != nil {
						t.Fatal(err)
					}
					if r.XSS != "undefined" || r.Nodes != 0 {
						t.Fatalf("markup in staff text ran or was parsed: window.__xss is %s, %d img/svg/inline script elements", r.XSS, r.Nodes)
					}
					if !strings.HasPrefix(r.Title, domPayload) || r.H1 != domPayload {
						t.Errorf("title %q, heading %q: want the text as written", r.Title, r.H1)
					}
					if p.want >= 0 && len(r.Texts) != p.want {
						t.Fatalf("%d staff texts shown, want %d", len(r.Texts), p.want)
					}
					for i, s := range r.Texts {
						if s != domPayload {
							t.Errorf("staff text %d shows as %q", i, s)
						}
					}
				})
			}
		})
	}
}

// shownTexts counts the staff texts the respondent page shows of d (with
// every legal mark and more than one unit): area names and summaries, legal
// marks, intro, English title, units, question texts, and each question's
// answer labels.
func shownTexts(d *questionnaire.Definition) int {
	n := len(d.Areas)*2 + 5 + 2 + len(d.Units)
	qs := slices.Clone(d.Extra)
	for _, a := range d.Areas {
		qs = append(qs, a.Questions...)
	}
	for _, q := range qs {
		n++
		switch q.Kind {
		case questionnaire.KindSatisfaction:
			n += len(d.Scale.Levels) + 1
		default:
			n += len(q.Options)
		}
	}
	return n
}

func indexOf(t *testing.T, paths []string, path string) int {
	t.Helper()
	for i, p := range paths {
		if p == path {
			return i
		}
	}
	t.Fatalf("no field %s", path)
	return -1
}

func TestSecurityHeaders(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	hub := live.NewHub(in.Svc.RenderLive)
	t.Cleanup(hub.Close)
	app, err := handlers.New(handlers.Config{Secret: surveystest.Secret, Staff: &staff.Service{Store: in.Store, Limiter: limit.NewMemory()}}, in.Svc, hub)
	if err != nil {
		t.Fatal(err)
	}
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	page := get(t, http.DefaultClient, in.URL+"/s/"+slug)
	asset := regexp.MustCompile(`src="/static/([^"/]+)/([^"/]+)"`).FindStringSubmatch(string(page.Raw))
	if asset == nil {
		t.Fatal("the page links no script asset")
	}

	type target struct{ name, method, path string }
	var targets []target
	for _, r := range app.Echo().Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		path := strings.NewReplacer(":slug", slug, ":hash", asset[1], ":name", asset[2], ":id", fmt.Sprint(p.Survey.ID), ":unit", "u1").Replace(r.Path)
		if strings.ContainsAny(path, ":*") {
			t.Fatalf("route %s has a parameter this test cannot fill; teach it", r.Path)
		}
		targets = append(targets, target{"route " + r.Path, http.MethodGet, path})
	}
	if len(targets) < 8 {
		t.Fatalf("only %d GET routes: %v", len(targets), targets)
	}
	targets = append(targets,
		target{"error page", http.MethodGet, "/s/nope"},
		target{"API error", http.MethodGet, "/api/v1/surveys/nope/results"},
		target{"unknown route", http.MethodGet, "/nope"},
		target{"unknown asset", http.MethodGet, "/static/0000000000/app.css"},
		target{"wrong method", http.MethodDelete, "/s/" + slug},
		target{"submit error", http.MethodPost, "/api/v1/surveys/" + slug + "/responses"},
	)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, tg.method, in.URL+tg.path, nil)
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close() // the live stream does not end by itself
			h := resp.Header
			csp := h.Get("Content-Security-Policy")
			switch {
			case csp == "":
				t.Errorf("%s %s (%d): no Content-Security-Policy", tg.method, tg.path, resp.StatusCode)
			case strings.Contains(csp, "'unsafe-inline'") || strings.Contains(csp, "'unsafe-eval'"):
				t.Errorf("%s: CSP allows inline code: %s", tg.path, csp)
			case !strings.Contains(csp, "frame-ancestors 'none'"):
				t.Errorf("%s: CSP lacks frame-ancestors 'none': %s", tg.path, csp)
			case !regexp.MustCompile(`(^|;)\s*(script-src|default-src) 'self'\s*(;|$)`).MatchString(csp):
				t.Errorf("%s: CSP does not limit scripts to 'self': %s", tg.path, csp)
			}
			if v := h.Get("X-Content-Type-Options"); v != "nosniff" {
				t.Errorf("%s: X-Content-Type-Options = %q", tg.path, v)
			}
			switch v := h.Get("Referrer-Policy"); v {
			case "no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin":
			default:
				t.Errorf("%s: Referrer-Policy = %q", tg.path, v)
			}
			if v := h.Get("X-Frame-Options"); v != "DENY" {
				t.Errorf("%s: X-Frame-Options = %q", tg.path, v)
			}
		})
	}
}

// hostile are SQL-injection-shaped and otherwise odd values, as they appear
// in a URL (already escaped where needed).
var hostileSlugs = []string{
	"social-2022'%20OR%20'1'='1",
	"x;DROP%20TABLE%20responses;--",
	"%27%20OR%201=1",
	"social-2022%27%20OR%20%271%27=%271",
	"%22%3B%20DROP%20TABLE%20responses%3B%20--",
	"social-2022%00",
	"%FF%FE",
	"social-2022%E2%80%8B",
	"..%2F..%2Fetc%2Fpasswd",
	"social-2022%2F..%2F",
	"%25%27",
	"SOCIAL-2022",
	"social-2022%20",
	"social-2022%20%20%20",
	"%20social-2022",
	"social-2022%09",
	strings.Repeat("a", 5000),
	"1%20UNION%20SELECT%20value%20FROM%20settings",
}

func TestInjectionShapedValues(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			alice := resident(t, in)
			sv, err := in.Svc.Published(slug)
			if err != nil {
				t.Fatal(err)
			}

			t.Run("slugs", func(t *testing.T) {
				for _, s := range hostileSlugs {
					for _, u := range []string{"/s/" + s, "/d/" + s, "/api/v1/surveys/" + s,
						"/api/v1/surveys/" + s + "/results", "/api/v1/surveys/" + s + "/live"} {
						r := get(t, alice, in.URL+u)
						noInternals(t, u, r)
						if r.Status < 400 || r.Status >= 500 {
							t.Errorf("GET %.80s = %d, want a 4xx", u, r.Status)
						}
					}
					u := "/api/v1/surveys/" + s + "/responses"
					r := post(t, alice, in.URL+u, "application/json", randomBody(t, in, 1))
					noInternals(t, u, r)
					if r.Status < 400 || r.Status >= 500 {
						t.Errorf("POST %.80s = %d, want a 4xx", u, r.Status)
					} else if r.Status != http.StatusMethodNotAllowed {
						errorCode(t, r)
					}
				}
			})

			// The same values straight at the store, past the handlers' slug
			// check: the lookup is parameterised and finds nothing. (Case and
			// trailing-space variants are left out: MySQL collations match
			// them, which is why the handlers refuse any non-slug first.)
			t.Run("store lookups", func(t *testing.T) {
				for _, s := range hostileSlugs {
					raw, err := url.PathUnescape(s)
					if err != nil {
						t.Fatal(err)
					}
					if strings.EqualFold(strings.TrimRight(raw, " "), slug) {
						continue
					}
					if _, err := in.Svc.Published(raw); !errors.Is(err, surveys.ErrNotFound) {
						t.Errorf("Published(%.40q) = %v, want ErrNotFound", raw, err)
					}
				}
			})

			t.Run("unit query", func(t *testing.T) {
				for _, u := range []string{"'%20OR%201=1%20--", "%27%29%3B%20DROP%20TABLE%20tallies%3B--", "%00", "%FF", strings.Repeat("u", 5000)} {
					r := get(t, alice, in.URL+"/api/v1/surveys/"+slug+"/results?unit="+u)
					noInternals(t, "unit "+u, r)
					if r.Status != http.StatusNotFound || errorCode(t, r) != "not_found" {
						t.Errorf("?unit=%.40s: %d %s, want 404 not_found", u, r.Status, r.Raw)
					}
				}
			})

			const sqlText = `'); DROP TABLE responses;--`
			valid := func(edit func(m map[string]any)) []byte {
				answers := map[string]any{"overall": "4", "town": "t01", "age": "60-69", "gender": "f"}
				for i := 1; i <= 13; i++ {
					answers["q"+pad(i)] = "5"
				}
				m := map[string]any{"submission_id": "8c0d6a52-2f7e-4f5e-9b1a-6e3d2c1b0a99", "answers": answers}
				edit(m)
				b, _ := json.Marshal(m)
				return b
			}
			cases := []struct {
				name  string
				body  []byte
				field string // the field the 422 must name
			}{
				{"submission id", valid(func(m map[string]any) { m["submission_id"] = "8c0d6a52-2f7e-4f5e-9b1a-6e3d2c1b0a99" + sqlText }), "submission_id"},
				{"submission id quoted", valid(func(m map[string]any) { m["submission_id"] = `8c0d6a52' OR '1'='1` }), "submission_id"},
				{"answer code", valid(func(m map[string]any) { m["answers"].(map[string]any)["q01"+sqlText] = "5" }), "q01" + sqlText},
				{"option code", valid(func(m map[string]any) { m["answers"].(map[string]any)["q01"] = "5" + sqlText }), "q01"},
				{"option code list", valid(func(m map[string]any) { m["answers"].(map[string]any)["town"] = []string{sqlText} }), "town"},
				{"unit", valid(func(m map[string]any) { m["unit"] = sqlText }), "unit"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := post(t, alice, in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", tc.body)
					noInternals(t, tc.name, r)
					if r.Status != http.StatusUnprocessableEntity || errorCode(t, r) != "invalid" {
						t.Fatalf("%d %s, want 422 invalid", r.Status, r.Raw)
					}
					if fields, _ := r.Body["error"].(map[string]any)["fields"].(map[string]any); fields[tc.field] == nil {
						t.Errorf("the 422 does not name %q: %s", tc.field, r.Raw)
					}
				})
			}

			// Accepted: a comment that looks like SQL, plus a token and a
			// phone the device survey ignores. It is stored as written.
			body := valid(func(m map[string]any) {
				m["answers"].(map[string]any)["comment"] = sqlText + ` " \ %s ` + "\u0000 表"
				m["token"], m["phone"] = sqlText, sqlText
			})
			r := post(t, alice, in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", body)
			if r.Status != http.StatusCreated {
				t.Fatalf("comment that looks like SQL: %d %s", r.Status, r.Raw)
			}
			for _, tbl := range []any{&models.Survey{}, &models.SurveyVersion{}, &models.Response{}, &models.Tally{}, &models.Question{}, &models.Option{}} {
				if !in.Store.W.Migrator().HasTable(tbl) {
					t.Errorf("table of %T is gone", tbl)
				}
			}
			var stored []models.Response
			if err := in.Store.R.Find(&stored).Error; err != nil {
				t.Fatal(err)
			}
			if len(stored) != 1 || stored[0].SurveyID != sv.Survey.ID || stored[0].PublicID != r.Body["response_id"] {
				t.Fatalf("stored responses = %+v, want only the one accepted", stored)
			}
			var texts map[string]string
			if err := json.Unmarshal([]byte(stored[0].Texts), &texts); err != nil || texts["comment"] != strings.TrimSpace(sqlText+` " \ %s `+"\u0000 表") {
				t.Fatalf("stored texts %q, want the comment as written", stored[0].Texts)
			}
			if n, _ := in.Store.CountResponses(sv.Survey.ID); n != 1 {
				t.Fatalf("CountResponses = %d, want 1", n)
			}

			t.Run("invitation tokens", func(t *testing.T) {
				d := builtinDefinition(t)
				d.Slug, d.Dedup = "token-test", questionnaire.DedupToken
				tsv := publish(t, in, d)
				issued, err := in.Svc.CreateTokens(tsv.ID, 1, "")
				if err != nil {
					t.Fatal(err)
				}
				endpoint := in.URL + "/api/v1/surveys/token-test/responses"
				for i, tok := range []string{sqlText, issued[0].Token + sqlText, `' OR '1'='1`, issued[0].Short + "' OR 1=1 --",
					"%", "_", "*", "\u0000", strings.Repeat("a", 64), strings.Repeat("'", 5000)} {
					body := valid(func(m map[string]any) {
						m["token"] = tok
						m["submission_id"] = fmt.Sprintf("8c0d6a52-2f7e-4f5e-9b1a-6e3d2c1b%04d", i)
					})
					r := post(t, alice, endpoint, "application/json", body)
					noInternals(t, "token "+tok, r)
					if r.Status != http.StatusForbidden || errorCode(t, r) != "forbidden" {
						t.Errorf("token %.40q: %d %s, want 403 forbidden", tok, r.Status, r.Raw)
					}
				}
				if r := post(t, alice, endpoint, "application/json", valid(func(m map[string]any) { m["token"] = issued[0].Token })); r.Status != http.StatusCreated {
					t.Fatalf("the issued token: %d %s", r.Status, r.Raw)
				}
				if n, _ := in.Store.CountResponses(tsv.ID); n != 1 {
					t.Fatalf("token survey holds %d responses, want the one accepted", n)
				}
			})
		})
	}
}

// timed posts with a deadline: a hostile body must be answered quickly.
func timed(t *testing.T, c *http.Client, u string, body []byte, within time.Duration) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	r := do(t, c, req)
	if d := time.Since(start); d > within {
		t.Fatalf("answered in %v, over %v", d, within)
	}
	return r
}

func TestHostileBodies(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			endpoint := in.URL + "/api/v1/surveys/" + slug + "/responses"
			full := func(id string, extra map[string]any) []byte {
				answers := map[string]any{"overall": "4", "town": "t01", "age": "60-69", "gender": "f"}
				for i := 1; i <= 13; i++ {
					answers["q"+pad(i)] = "3"
				}
				for k, v := range extra {
					answers[k] = v
				}
				b, _ := json.Marshal(map[string]any{"submission_id": id, "answers": answers})
				return b
			}
			deep := func(prefix, open, close, suffix string, n int) []byte {
				return []byte(prefix + strings.Repeat(open, n) + strings.Repeat(close, n) + suffix)
			}
			unknown := map[string]any{}
			for i := range 5000 {
				unknown[fmt.Sprintf("x%05d", i)] = "5"
			}
			exact := full("1d7a9c2e-5b3f-4e8a-9c1d-2e3f4a5b6c7d", nil)
			exact = append(exact, bytes.Repeat([]byte(" "), handlers.MaxBodyBytes-len(exact))...)
			over := append(full("2d7a9c2e-5b3f-4e8a-9c1d-2e3f4a5b6c7d", nil), bytes.Repeat([]byte(" "), handlers.MaxBodyBytes)...)[:handlers.MaxBodyBytes+1]

			cases := []struct {
				name   string
				body   []byte
				status int
				check  func(t *testing.T, r reply)
			}{
				{"100,000 nested arrays", deep("", "[", "]", "", 100000), http.StatusBadRequest, nil},
				{"100,000 nested objects", deep("", `{"a":`, "}", "", 100000), http.StatusBadRequest, nil},
				{"100,000 nested arrays in an answer",
					deep(`{"submission_id":"4d7a9c2e-5b3f-4e8a-9c1d-2e3f4a5b6c7d","answers":{"q01":`, "[", "]", "}}", 100000), http.StatusBadRequest, nil},
				{"5,000 unknown answer keys", full("5d7a9c2e-5b3f-4e8a-9c1d-2e3f4a5b6c7d", unknown), http.StatusUnprocessableEntity,
					func(t *testing.T, r reply) {
						fields, _ := r.Body["error"].(map[string]any)["fields"].(map[string]any)
						if len(fields) == 0 || len(fields) > 21 || fields["answers"] == nil {
							t.Errorf("%d fields (want 1-21, with \"answers\"): %.300s", len(fields), r.Raw)
						}
					}},
				{"900 KB comment", full("6d7a9c2e-5b3f-4e8a-9c1d-2e3f4a5b6c7d", map[string]any{"comment": strings.Repeat("长", 300000)}),
					http.StatusUnprocessableEntity, func(t *testing.T, r reply) {
						fields, _ := r.Body["error"].(map[string]any)["fields"].(map[string]any)
						if len(fields) != 1 || !strings.Contains(fmt.Sprint(fields["comment"]), "500") || len(r.Raw) > 1000 {
							t.Errorf("want only the comment named, with its limit: %.300s", r.Raw)
						}
					}},
				{"a million-item list", []byte(`{"submission_id":"7d7a9c2e-5b3f-4e8a-9c1d-2e3f4a5b6c7d","answers":{"town":[` +
					strings.Repeat(`"a",`, 200000) + `"a"]}}`), http.StatusUnprocessableEntity, nil},
				{"body of exactly 1 MB", exact, http.StatusCreated, nil},
				{"body of 1 MB + 1 byte", over, http.StatusRequestEntityTooLarge, nil},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					if len(tc.body) > handlers.MaxBodyBytes+1 {
						t.Fatalf("test body of %d bytes", len(tc.body))
					}
					r := timed(t, resident(t, in), endpoint, tc.body, 2*time.Second)
					noInternals(t, tc.name, r)
					if r.Status != tc.status {
						t.Fatalf("status %d, want %d: %.300s", r.Status, tc.status, r.Raw)
					}
					if r.Status >= 400 {
						errorCode(t, r)
					}
					if tc.check != nil {
						tc.check(t, r)
					}
				})
			}
			// The server still answers.
			if r := get(t, http.DefaultClient, in.URL+"/healthz"); r.Status != 200 {
				t.Fatalf("healthz after hostile bodies: %d", r.Status)
			}
		})
	}
}

// TestErrorBodiesHideInternals makes the storage fail with driver-like
// messages full of internals: the 503 answers (JSON and pages) carry none.
func TestErrorBodiesHideInternals(t *testing.T) {
	leak := errors.New("Error 1146 (42S02): Table 'minyi.responses' doesn't exist; sql: SELECT * FROM responses; " +
		"INSERT INTO gorm; panic: goroutine 7 [running]: /work/main/models/response.go:42")
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			endpoint := in.URL + "/api/v1/surveys/" + slug + "/responses"
			later := randomBody(t, in, 2)
			restore := surveystest.FailWrites(t, in.Store, "responses", leak)
			r := post(t, resident(t, in), endpoint, "application/json", randomBody(t, in, 1))
			restore()
			noInternals(t, "failed write", r)
			if r.Status != http.StatusServiceUnavailable || errorCode(t, r) != "unavailable" || r.Header.Get("Retry-After") == "" {
				t.Fatalf("failed write: %d %s", r.Status, r.Raw)
			}

			// The database goes away.
			for _, db := range []*models.Store{in.Store} {
				for _, g := range []any{db.R, db.W} {
					if sqlDB, err := g.(interface{ DB() (*sql.DB, error) }).DB(); err == nil {
						sqlDB.Close()
					}
				}
			}
			in.Svc.Forget(slug)
			for _, u := range []string{"/s/" + slug, "/d/" + slug, "/api/v1/surveys/" + slug, "/api/v1/surveys/" + slug + "/results", "/healthz"} {
				r := get(t, http.DefaultClient, in.URL+u)
				noInternals(t, u, r)
				if r.Status != http.StatusServiceUnavailable {
					t.Errorf("%s with the database gone: %d %.200s", u, r.Status, r.Raw)
				}
			}
			r = post(t, resident2(t, in), endpoint, "application/json", later)
			noInternals(t, "submit with the database gone", r)
		})
	}
}

// TestStoredVersionThatNoLongerValidates stores a published version that the
// validator refuses (a rule tightened after it was published, or a row
// edited by hand): residents get a 5xx that names no part of the definition.
func TestStoredVersionThatNoLongerValidates(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d := builtinDefinition(t)
			d.Slug = "stale-test"
			c, err := questionnaire.Compile(d)
			if err != nil {
				t.Fatal(err)
			}
			d.Areas[0].Weight = -7 // refused since the start
			raw, _ := json.Marshal(d)
			if err := in.Store.CreatePublished(&models.Survey{Slug: d.Slug, Results: d.Results}, string(raw), surveys.Catalogue(c)); err != nil {
				t.Fatal(err)
			}
			for _, u := range []string{"/s/stale-test", "/d/stale-test", "/api/v1/surveys/stale-test", "/api/v1/surveys/stale-test/results"} {
				r := get(t, http.DefaultClient, in.URL+u)
				noInternals(t, u, r)
				if r.Status < 500 || bytes.Contains(r.Raw, []byte("weight")) || bytes.Contains(r.Raw, []byte("areas[0]")) {
					t.Errorf("%s: %d %.300s, want a 5xx naming nothing of the definition", u, r.Status, r.Raw)
				}
			}
			r := post(t, resident(t, in), in.URL+"/api/v1/surveys/stale-test/responses", "application/json", randomBody(t, in, 1))
			if r.Status < 500 || bytes.Contains(r.Raw, []byte("weight")) {
				t.Errorf("submit: %d %.300s, want a 5xx naming nothing of the definition", r.Status, r.Raw)
			}
		})
	}
}

// resident2 is a respondent whose cookie is made without the page (which
// fails when the database is gone).
func resident2(t *testing.T, in *instance) *http.Client {
	t.Helper()
	m := hmac.New(sha256.New, surveystest.Secret)
	id := "AAAAAAAAAAAAAAAAAAAAAA"
	m.Write([]byte("respondent:" + id))
	return &http.Client{Jar: mustJar(t, in.URL, "minyi_rid", id+"."+base64.RawURLEncoding.EncodeToString(m.Sum(nil)))}
}

// TestPhoneAndIPNeverStoredInClear answers a phone-mode survey from a
// client behind a proxy, then reads every byte the database and Redis hold.
func TestPhoneAndIPNeverStoredInClear(t *testing.T) {
	const phone, clientIP = "13800138000", "203.0.113.77"
	type backend struct {
		store *models.Store
		dir   string // SQLite's data dir
		claim dedup.Claimer
		brk   live.Broker
		scan  func(t *testing.T) []string // Redis keys and values
	}
	backends := map[string]func(t *testing.T) backend{
		"sqlite+memory": func(t *testing.T) backend {
			dir := t.TempDir()
			store, err := models.OpenSQLite(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			if err := store.Migrate(); err != nil {
				t.Fatal(err)
			}
			return backend{store: store, dir: dir, claim: dedup.NewMemory(), brk: live.NewMemory()}
		},
	}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		backends["mysql+redis"] = func(t *testing.T) backend {
			rdb := surveystest.Redis(t)
			p := surveystest.Prefix()
			return backend{store: surveystest.MySQL(t), claim: dedup.NewRedis(rdb, p+"dedup:"), brk: live.NewRedis(rdb, p+"tally"),
				scan: func(t *testing.T) []string {
					var out []string
					keys, err := rdb.Keys(t.Context(), p+"*").Result()
					if err != nil {
						t.Fatal(err)
					}
					for _, k := range keys {
						out = append(out, k)
						switch typ := rdb.Type(t.Context(), k).Val(); typ {
						case "string":
							out = append(out, rdb.Get(t.Context(), k).Val())
						default:
							t.Errorf("Redis key %s is a %s; teach the test to read it", k, typ)
						}
					}
					if len(keys) == 0 {
						t.Error("no Redis keys under the test prefix: the claim was not made in Redis")
					}
					return out
				}}
		}
	}
	for name, mk := range backends {
		t.Run(name, func(t *testing.T) {
			b := mk(t)
			proxy, _ := handlers.ParseTrustedProxies("127.0.0.1")
			in := start(t, b.store, b.claim, b.brk, handlers.Config{TrustedProxies: proxy})
			d := builtinDefinition(t)
			d.Slug, d.Dedup = "phone-test", questionnaire.DedupPhone
			publish(t, in, d)

			p, err := in.Svc.Published("phone-test")
			if err != nil {
				t.Fatal(err)
			}
			submit := func(id, phone string) reply {
				sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(7, 7)), p.Compiled)
				sub.SubmissionID, sub.Phone = id, phone
				body, _ := json.Marshal(sub)
				req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/surveys/phone-test/responses", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", clientIP)
				jar, _ := cookiejar.New(nil)
				return do(t, &http.Client{Jar: jar}, req)
			}
			if r := submit("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", phone); r.Status != http.StatusCreated {
				t.Fatalf("phone submission: %d %s", r.Status, r.Raw)
			}
			for _, tc := range []struct {
				name, id, phone string
				status          int
			}{
				{"retry", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", phone, http.StatusOK},
				{"same phone again", "0a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", phone, http.StatusConflict},
				{"same phone with spaces", "1a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", " " + phone + " ", http.StatusConflict},
				{"not a phone", "2a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "1380013800'; --", http.StatusUnprocessableEntity},
			} {
				r := submit(tc.id, tc.phone)
				noInternals(t, tc.name, r)
				if r.Status != tc.status {
					t.Errorf("%s: %d %s, want %d", tc.name, r.Status, r.Raw, tc.status)
				}
			}
			var stored models.Response
			if err := in.Store.R.Where("survey_id = ?", p.Survey.ID).Take(&stored).Error; err != nil {
				t.Fatal(err)
			}
			if stored.IPHash == "" {
				t.Fatal("no IP hash stored")
			}
			// Loopback is a trusted proxy here: the address kept is the proxy's client's.
			if stored.IPHash != keyedHash("ip", fmt.Sprintf("%d:%s", p.Survey.ID, clientIP)) {
				t.Errorf("the IP hash is not that of %s (X-Forwarded-For from loopback is not trusted?)", clientIP)
			}
			// Invitation tokens and short codes are kept as keyed hashes too.
			td := builtinDefinition(t)
			td.Slug, td.Dedup = "token-test", questionnaire.DedupToken
			tsv := publish(t, in, td)
			issued, err := in.Svc.CreateTokens(tsv.ID, 2, "")
			if err != nil {
				t.Fatal(err)
			}
			tc, _ := in.Svc.Published("token-test")
			for i, tok := range []string{issued[0].Token, issued[1].Short} {
				sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(8, 8)), tc.Compiled)
				sub.SubmissionID, sub.Token = fmt.Sprintf("3a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6%d", i), tok
				body, _ := json.Marshal(sub)
				if r := post(t, &http.Client{}, in.URL+"/api/v1/surveys/token-test/responses", "application/json", body); r.Status != http.StatusCreated {
					t.Fatalf("token %d: %d %s", i, r.Status, r.Raw)
				}
			}
			waitTallied(t, in, "phone-test", 1)

			var dump []string
			for table, rows := range dumpTables(t, b.store) {
				for _, row := range rows {
					dump = append(dump, table+": "+row)
				}
			}
			// Controls: what is stored in clear is found by the same reading.
			if len(dump) < 20 || !slices.ContainsFunc(dump, func(s string) bool { return strings.Contains(s, "phone-test") }) {
				t.Fatalf("dumped %d rows, none naming the survey phone-test", len(dump))
			}
			if b.dir != "" {
				files, _ := filepath.Glob(filepath.Join(b.dir, "*"))
				for _, f := range files {
					raw, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					dump = append(dump, f+": "+string(raw))
				}
				if !slices.ContainsFunc(dump[len(dump)-len(files):], func(s string) bool { return strings.Contains(s, "phone-test") }) {
					t.Fatalf("the database files %v do not name the survey phone-test", files)
				}
			}
			if b.scan != nil {
				dump = append(dump, b.scan(t)...)
			}
			secrets := []string{phone, clientIP, "127.0.0.1"}
			for _, tok := range issued {
				secrets = append(secrets, tok.Token, strings.ToUpper(tok.Token), tok.Short, strings.ToLower(tok.Short))
			}
			for _, secret := range secrets {
				for _, s := range dump {
					if i := strings.Index(s, secret); i >= 0 {
						t.Errorf("%q stored in clear: %.200q", secret, s[max(0, i-80):])
						break
					}
				}
			}
		})
	}
}

// keyedHash is the service's HMAC of a phone number or an address.
func keyedHash(kind, value string) string {
	m := hmac.New(sha256.New, surveystest.Secret)
	m.Write([]byte(kind + ":" + value))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// waitTallied waits until the survey's results count n responses.
func waitTallied(t *testing.T, in *instance, slug string, n float64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results")
		if r.Body["responses"] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("results still %s", r.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dumpTables reads every column of every row of every table of the store's
// database, each row as one string.
func dumpTables(t *testing.T, store *models.Store) map[string][]string {
	t.Helper()
	db, err := store.R.DB()
	if err != nil {
		t.Fatal(err)
	}
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	quote := func(s string) string { return `"` + s + `"` }
	if store.Dialect == models.DialectMySQL {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
		quote = func(s string) string { return "`" + s + "`" }
	}
	tables, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for tables.Next() {
		var n string
		if err := tables.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	tables.Close()
	if len(names) < 5 {
		t.Fatalf("only tables %v", names)
	}
	out := map[string][]string{}
	for _, n := range names {
		rows, err := db.Query("SELECT * FROM " + quote(n))
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				fmt.Fprintf(&b, "%s=%s|", cols[i], v)
			}
			out[n] = append(out[n], b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

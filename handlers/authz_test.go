package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// staffSession signs a user of role in and returns its cookie and CSRF token.
func staffSession(t *testing.T, st *staff.Service, role string) (*http.Cookie, string) {
	t.Helper()
	name := fmt.Sprintf("%s-%d", role, time.Now().UnixNano())
	if _, err := st.CreateUser(name, role, "a-long-password-123"); err != nil {
		t.Fatal(err)
	}
	sess, err := st.Login(context.Background(), name, "a-long-password-123", "test")
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: "minyi_staff", Value: sess.Token}, sess.CSRF
}

// TestAuthorizationMatrix requests every route of the app as anonymous,
// viewer, designer and admin and checks each answer against the route's
// least role: a staff route refuses whoever is below it (401 or the
// sign-in page for anonymous, 403 for a lesser role); a public route
// answers everyone alike, never 401 or 403. The routes come from Echo
// itself, so a route served but missing from the route table fails here.
func TestAuthorizationMatrix(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	st := &staff.Service{Store: in.Store, Limiter: allowAll{}, Cost: 4}
	app, err := handlers.New(handlers.Config{Secret: surveystest.Secret, Staff: st}, in.Svc, live.NewHub(in.Svc.RenderLive))
	if err != nil {
		t.Fatal(err)
	}
	e := app.Echo()
	want := map[string]string{} // "GET /path" → least role
	for _, r := range app.Routes() {
		want[r.Method+" "+r.Path] = r.Role
	}
	surveyID, err := in.Svc.CreateSurvey(surveys.NewSurvey{Slug: "matrix", Template: "social-2022"})
	if err != nil {
		t.Fatal(err)
	}
	viewerUser, err := st.CreateUser("someone", models.RoleViewer, "a-long-password-123")
	if err != nil {
		t.Fatal(err)
	}
	// Public routes are asked about the published demo survey and a real
	// asset, so that they answer what residents get.
	res := resident(t, in)
	page := get(t, res, in.URL+"/s/"+slug)
	asset := regexp.MustCompile(`/static/[0-9a-f]+/[A-Za-z0-9_.-]+`).FindString(string(page.Raw))
	if asset == "" {
		t.Fatalf("no asset on the survey page: %s", page.Raw)
	}
	site, _ := url.Parse(in.URL)
	cookies := res.Jar.Cookies(site) // the respondent cookie
	if len(cookies) == 0 {
		t.Fatal("the survey page set no respondent cookie")
	}

	roles := []string{"", models.RoleInterviewer, models.RoleViewer, models.RoleDesigner, models.RoleAdmin}
	rank := map[string]int{"": 0, models.RoleInterviewer: 1, models.RoleViewer: 2, models.RoleDesigner: 3, models.RoleAdmin: 4}
	covered := 0
	for _, route := range e.Routes() {
		key := route.Method + " " + route.Path
		least, ok := want[key]
		if !ok {
			t.Errorf("%s is not in the route table: give it a least role", key)
			continue
		}
		covered++
		path := strings.NewReplacer(":id", fmt.Sprint(surveyID), ":slug", slug).Replace(route.Path)
		switch {
		case strings.HasPrefix(route.Path, "/api/v1/admin/users/:id"):
			path = strings.Replace(route.Path, ":id", fmt.Sprint(viewerUser.ID), 1)
		case route.Path == "/static/:hash/:name":
			path = asset
		}
		anonymous := 0 // what a public route answered anonymous
		for _, role := range roles {
			t.Run(key+" as "+roleName(role), func(t *testing.T) {
				var body []byte
				if route.Method != http.MethodGet {
					body = []byte(`{}`)
				}
				req, _ := http.NewRequest(route.Method, in.URL+path, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				// Everyone has opened a survey page: a public route is
				// asked with the respondent cookie a resident has.
				for _, ck := range cookies {
					req.AddCookie(ck)
				}
				if role != "" {
					ck, csrf := staffSession(t, st, role)
					req.AddCookie(ck)
					req.Header.Set("X-CSRF-Token", csrf)
				}
				resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				got := resp.StatusCode
				switch {
				case least == "":
					// Anyone may ask; an empty sign-in is a wrong password (401).
					if got == 403 || got >= 500 || got == 401 && route.Path != "/api/v1/admin/login" {
						t.Fatalf("public route answered %d", got)
					}
					if role == "" {
						anonymous = got
					} else if got != anonymous {
						t.Fatalf("public route answered %s %d but anonymous %d", role, got, anonymous)
					}
				case role == "":
					wantStatus := http.StatusUnauthorized
					if !strings.HasPrefix(route.Path, "/api/") {
						wantStatus = http.StatusSeeOther // to the sign-in page
					}
					if got != wantStatus {
						t.Fatalf("anonymous: %d, want %d", got, wantStatus)
					}
				case rank[role] < rank[least]:
					if got != http.StatusForbidden {
						t.Fatalf("%s on a %s route: %d, want 403", role, least, got)
					}
				default:
					if got == 401 || got == 403 || got >= 500 {
						t.Fatalf("%s on a %s route: %d", role, least, got)
					}
				}
			})
		}
	}
	t.Logf("authorization matrix: %d routes × %d roles", covered, len(roles))
	if covered != len(want) {
		t.Fatalf("%d routes in the table, %d served", len(want), covered)
	}
}

func roleName(r string) string {
	if r == "" {
		return "anonymous"
	}
	return r
}

// TestCSRFIsRequired: a signed-in designer's state-changing request without
// the session's CSRF token is refused, and nothing changes.
func TestCSRFIsRequired(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	st := &staff.Service{Store: in.Store, Limiter: allowAll{}, Cost: 4}
	ck, csrf := staffSession(t, st, models.RoleDesigner)
	for _, token := range []string{"", "wrong", csrf + "x"} {
		req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/admin/surveys", strings.NewReader(`{"slug":"csrf-test"}`))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(ck)
		if token != "" {
			req.Header.Set("X-CSRF-Token", token)
		}
		r := do(t, http.DefaultClient, req)
		if r.Status != http.StatusForbidden || errorCode(t, r) != "forbidden" {
			t.Fatalf("CSRF %q: %d %s", token, r.Status, r.Raw)
		}
	}
	if _, err := in.Store.SurveyBySlug("csrf-test"); err == nil {
		t.Fatal("a survey was created without the CSRF token")
	}
}

// TestAdminJSONIsSnakeCase walks every route of the admin API as a
// signed-in admin, on a survey with a response, a share link and an audit
// log, and checks that no JSON answer has a PascalCase key: each body is
// a response type of the API, never a database row.
func TestAdminJSONIsSnakeCase(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	st := &staff.Service{Store: in.Store, Limiter: allowAll{}, Cost: 4}
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	if r := post(t, resident(t, in), in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", randomBody(t, in, 1)); r.Status != http.StatusCreated {
		t.Fatalf("submit: %d %s", r.Status, r.Raw)
	}
	if _, err := in.Svc.CreateShareLink(p.Survey.ID, "大屏 screen", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := st.Audit(nil, "survey.export", &p.Survey.ID, &p.Version, "responses csv"); err != nil {
		t.Fatal(err)
	}
	app, err := handlers.New(handlers.Config{Secret: surveystest.Secret, Staff: st}, in.Svc, live.NewHub(in.Svc.RenderLive))
	if err != nil {
		t.Fatal(err)
	}
	pascal := regexp.MustCompile(`^[A-Z]`)
	walked := 0
	for _, route := range app.Routes() {
		if !strings.HasPrefix(route.Path, "/api/v1/admin/") {
			continue
		}
		path := strings.NewReplacer(":id", fmt.Sprint(p.Survey.ID)).Replace(route.Path)
		if route.Path == "/api/v1/admin/qr" {
			path += "?text=https://example.org/s/" + slug
		}
		t.Run(route.Method+" "+route.Path, func(t *testing.T) {
			var body []byte
			if route.Method != http.MethodGet {
				body = []byte(`{}`)
			}
			req, _ := http.NewRequest(route.Method, in.URL+path, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			ck, csrf := staffSession(t, st, models.RoleAdmin) // a session of its own: logout ends only it
			req.AddCookie(ck)
			req.Header.Set("X-CSRF-Token", csrf)
			r := do(t, http.DefaultClient, req)
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				return // a file (CSV, workbook, QR code) or no body
			}
			var v any
			if err := json.Unmarshal(r.Raw, &v); err != nil {
				t.Fatalf("%d: not JSON: %v %s", r.Status, err, r.Raw)
			}
			walked++
			for _, key := range jsonKeys(v, "") {
				if pascal.MatchString(key[strings.LastIndex(key, ".")+1:]) {
					t.Errorf("%d: PascalCase key %s in %s", r.Status, key, limitBody(r.Raw))
				}
			}
		})
	}
	if walked < 20 {
		t.Fatalf("only %d admin answers were JSON", walked)
	}
}

// jsonKeys lists the keys of every object in a decoded JSON value, as
// dotted paths from the top ("survey.draft.areas.code").
func jsonKeys(v any, at string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			out = append(out, at+k)
			out = append(out, jsonKeys(e, at+k+".")...)
		}
	case []any:
		for _, e := range x {
			out = append(out, jsonKeys(e, at)...)
		}
	}
	return out
}

func limitBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

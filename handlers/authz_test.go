package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
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

// matrixActor is who asks in the authorization matrix: a staff role (""
// = anonymous) and the role held on the matrix survey ("" = none; "owner";
// "other" = owns another survey only).
type matrixActor struct{ name, role, member string }

var matrixActors = []matrixActor{
	{"anonymous", "", ""},
	{"interviewer", models.RoleInterviewer, ""},
	{"viewer not a reader", models.RoleViewer, ""},
	{"designer not a member", models.RoleDesigner, ""},
	{"designer of another survey", models.RoleDesigner, "other"},
	{"admin", models.RoleAdmin, ""},
	{"reader", models.RoleViewer, models.MemberReader},
	{"designer reader", models.RoleDesigner, models.MemberReader},
	{"collaborator", models.RoleDesigner, models.MemberCollaborator},
	// A collaborator whose account became a viewer only reads.
	{"demoted collaborator", models.RoleViewer, models.MemberCollaborator},
	{"owner", models.RoleDesigner, "owner"},
}

// TestAuthorizationMatrix requests every route of the app as each actor
// above and checks each answer against the route's least role and, for a
// route on one survey, its least access to that survey: a staff route
// refuses whoever is below its role (401 or the sign-in page for
// anonymous, 403 for a lesser role); on a survey route, who has no access
// to that survey gets the same 404 as for a survey that does not exist,
// and who may read it but not do this gets 403; admins may do everything.
// A public route answers everyone alike, never 401 or 403. The routes come
// from Echo itself, so a route served but missing from the route table
// fails here. On SQLite, and on MariaDB and Redis when configured.
func TestAuthorizationMatrix(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) { authorizationMatrix(t, in) })
	}
}

func authorizationMatrix(t *testing.T, in *instance) {
	st := &staff.Service{Store: in.Store, Limiter: allowAll{}, Cost: 4}
	app, err := handlers.New(handlers.Config{Secret: surveystest.Secret, Staff: st}, in.Svc, live.NewHub(in.Svc.RenderLive))
	if err != nil {
		t.Fatal(err)
	}
	e := app.Echo()
	want := map[string]handlers.Route{} // "GET /path" → the route
	for _, r := range app.Routes() {
		want[r.Method+" "+r.Path] = r
	}
	// Each actor is a user of its own; the matrix survey is the owner's,
	// published, with a response and a share link, so that every route on
	// it can succeed.
	users := map[string]*models.User{}
	for i, a := range matrixActors {
		if a.role == "" {
			continue
		}
		u, err := st.CreateUser(fmt.Sprintf("matrix-%d", i), a.role, "a-long-password-123")
		if err != nil {
			t.Fatal(err)
		}
		users[a.name] = u
	}
	owner := users["owner"]
	surveyID, err := in.Svc.CreateSurvey(surveys.NewSurvey{Slug: "matrix", Template: "social-2022", Owner: owner.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Svc.CreateSurvey(surveys.NewSurvey{Slug: "matrix-other", Template: "social-2022", Owner: users["designer of another survey"].ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := in.Svc.Publish(surveyID); err != nil {
		t.Fatal(err)
	}
	var members []models.SurveyMember
	for _, a := range matrixActors {
		if a.member == models.MemberReader || a.member == models.MemberCollaborator {
			members = append(members, models.SurveyMember{UserID: users[a.name].ID, Role: a.member})
		}
	}
	share, err := in.Svc.CreateShareLink(surveyID, "matrix", "owner")
	if err != nil {
		t.Fatal(err)
	}
	responseID := matrixResponse(t, in, "matrix")
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
	ask := func(t *testing.T, a matrixActor, method, path string) reply {
		t.Helper()
		var body []byte
		if method != http.MethodGet {
			body = []byte(`{}`)
		}
		req, _ := http.NewRequest(method, in.URL+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		// Everyone has opened a survey page: a public route is
		// asked with the respondent cookie a resident has.
		for _, ck := range cookies {
			req.AddCookie(ck)
		}
		if a.role != "" {
			sess, err := st.Login(context.Background(), users[a.name].Name, "a-long-password-123", "test")
			if err != nil {
				t.Fatal(err)
			}
			req.AddCookie(&http.Cookie{Name: "minyi_staff", Value: sess.Token})
			req.Header.Set("X-CSRF-Token", sess.CSRF)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out := reply{Status: resp.StatusCode, Header: resp.Header}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") { // a live stream never ends
			out.Raw, _ = io.ReadAll(resp.Body)
		}
		return out
	}

	rank := map[string]int{"": 0, models.RoleInterviewer: 1, models.RoleViewer: 2, models.RoleDesigner: 3, models.RoleAdmin: 4}
	access := map[string]int{"": 0, "other": 0, models.MemberReader: 1, models.MemberCollaborator: 2, "owner": 3}
	covered := 0
	for _, route := range e.Routes() {
		key := route.Method + " " + route.Path
		r, ok := want[key]
		if !ok {
			t.Errorf("%s is not in the route table: give it a least role", key)
			continue
		}
		covered++
		// The telephone console's routes are any interviewer's: they name a
		// survey or a case, and the case held decides.
		if strings.Contains(r.Path, "/surveys/:id") && r.Role != "" && r.Role != models.RoleInterviewer && r.Survey == "" {
			t.Errorf("%s is on one survey but checks no access to it", key)
		}
		replacer := func(id uint64) *strings.Replacer {
			return strings.NewReplacer(":id", fmt.Sprint(id), ":slug", slug, ":sid", fmt.Sprint(share.ID), ":rid", responseID)
		}
		path := replacer(surveyID).Replace(route.Path)
		switch {
		case strings.HasPrefix(route.Path, "/api/v1/admin/users/:id"):
			path = strings.Replace(route.Path, ":id", fmt.Sprint(viewerUser.ID), 1)
		case route.Path == "/static/:hash/:name":
			path = asset
		}
		anonymous := 0 // what a public route answered anonymous
		for _, a := range matrixActors {
			t.Run(key+" as "+a.name, func(t *testing.T) {
				// Members are set again each time: a request may change them.
				var ownerID = owner.ID
				if err := in.Store.SetSurveyMembers(surveyID, &ownerID, members); err != nil {
					t.Fatal(err)
				}
				resp := ask(t, a, route.Method, path)
				got := resp.Status
				acc := access[a.member]
				if a.role == models.RoleViewer {
					acc = min(acc, 1)
				}
				switch {
				case r.Role == "":
					// Anyone may ask; an empty sign-in is a wrong password (401).
					if got == 403 || got >= 500 || got == 401 && route.Path != "/api/v1/admin/login" {
						t.Fatalf("public route answered %d", got)
					}
					if a.role == "" {
						anonymous = got
					} else if got != anonymous {
						t.Fatalf("public route answered %s %d but anonymous %d", a.name, got, anonymous)
					}
				case a.role == "":
					wantStatus := http.StatusUnauthorized
					if !strings.HasPrefix(route.Path, "/api/") {
						wantStatus = http.StatusSeeOther // to the sign-in page
					}
					if got != wantStatus {
						t.Fatalf("anonymous: %d, want %d", got, wantStatus)
					}
				case rank[a.role] < rank[r.Role]:
					if got != http.StatusForbidden {
						t.Fatalf("%s on a %s route: %d, want 403", a.name, r.Role, got)
					}
				case r.Survey != "" && a.role != models.RoleAdmin && acc == 0:
					// Hidden: the same answer as for a survey that does not exist.
					ghost := ask(t, a, route.Method, replacer(999999).Replace(route.Path))
					if got != http.StatusNotFound || ghost.Status != http.StatusNotFound {
						t.Fatalf("%s on another's survey: %d (no such survey: %d), want 404", a.name, got, ghost.Status)
					}
					if strings.HasPrefix(route.Path, "/api/") && !bytes.Equal(resp.Raw, ghost.Raw) {
						t.Fatalf("%s on another's survey: %s, but for no such survey %s", a.name, resp.Raw, ghost.Raw)
					}
				case r.Survey != "" && a.role != models.RoleAdmin && acc < access[r.Survey]:
					if got != http.StatusForbidden {
						t.Fatalf("%s on a route for its %s: %d, want 403", a.name, r.Survey, got)
					}
				case strings.HasPrefix(route.Path, "/api/v1/cati/cases/"):
					// No case is held here: 404 or 409, never refused.
					if got == 401 || got == 403 || got >= 500 {
						t.Fatalf("%s on a %s route: %d %.300s", a.name, r.Role, got, resp.Raw)
					}
				default:
					if got == 401 || got == 403 || got == 404 || got >= 500 {
						t.Fatalf("%s on a %s route: %d %.300s", a.name, r.Role, got, resp.Raw)
					}
				}
			})
		}
	}
	t.Logf("authorization matrix: %d routes × %d actors", covered, len(matrixActors))
	if covered != len(want) {
		t.Fatalf("%d routes in the table, %d served", len(want), covered)
	}
}

// matrixResponse answers the published survey of that slug once, as a
// resident, and returns the response's public id.
func matrixResponse(t *testing.T, in *instance, surveySlug string) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if r := get(t, c, in.URL+"/s/"+surveySlug); r.Status != http.StatusOK {
		t.Fatalf("survey page: %d", r.Status)
	}
	p, err := in.Svc.Published(surveySlug)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(surveystest.RandomSubmission(mrand.New(mrand.NewPCG(1, 2)), p.Compiled))
	r := post(t, c, in.URL+"/api/v1/surveys/"+surveySlug+"/responses", "application/json", body)
	id, _ := r.Body["response_id"].(string)
	if r.Status != http.StatusCreated || id == "" {
		t.Fatalf("submit: %d %s", r.Status, r.Raw)
	}
	return id
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

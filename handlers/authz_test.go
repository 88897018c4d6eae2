package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
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

// TestAuthorizationMatrix requests every staff route of the app as
// anonymous, viewer, designer and admin and checks each answer against the
// route's least role. The routes come from the app itself, so a new route
// missing from the staff route table fails here.
func TestAuthorizationMatrix(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	st := &staff.Service{Store: in.Store, Limiter: allowAll{}, Cost: 4}
	app, err := handlers.New(handlers.Config{Secret: surveystest.Secret, Staff: st}, in.Svc, live.NewHub(in.Svc.RenderLive))
	if err != nil {
		t.Fatal(err)
	}
	e := app.Echo()
	want := map[string]string{} // "GET /path" → least role
	for _, r := range app.StaffRoutes() {
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

	roles := []string{"", models.RoleViewer, models.RoleDesigner, models.RoleAdmin}
	rank := map[string]int{"": 0, models.RoleViewer: 1, models.RoleDesigner: 2, models.RoleAdmin: 3}
	covered := 0
	for _, route := range e.Routes() {
		if !strings.HasPrefix(route.Path, "/admin") && !strings.HasPrefix(route.Path, "/api/v1/admin") {
			continue
		}
		key := route.Method + " " + route.Path
		least, ok := want[key]
		if !ok {
			t.Errorf("%s is not in the staff route table: give it a least role", key)
			continue
		}
		covered++
		path := strings.NewReplacer(":id", fmt.Sprint(surveyID)).Replace(route.Path)
		if strings.HasPrefix(route.Path, "/api/v1/admin/users/:id") {
			path = strings.Replace(route.Path, ":id", fmt.Sprint(viewerUser.ID), 1)
		}
		for _, role := range roles {
			t.Run(key+" as "+roleName(role), func(t *testing.T) {
				var body []byte
				if route.Method != http.MethodGet {
					body = []byte(`{}`)
				}
				req, _ := http.NewRequest(route.Method, in.URL+path, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
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
	t.Logf("authorization matrix: %d staff routes × %d roles", covered, len(roles))
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

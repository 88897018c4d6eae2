package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// signInAs creates the user name with role and signs it in.
func signInAs(t *testing.T, in *instance, name, role string) (*staffClient, *models.User) {
	t.Helper()
	st := &staff.Service{Store: in.Store, Limiter: allowAll{}, Cost: 4}
	u, err := st.CreateUser(name, role, "a-long-password-123")
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	sc := &staffClient{t: t, base: in.URL, c: &http.Client{Jar: jar}, name: name}
	r := sc.do(http.MethodPost, "/api/v1/admin/login", map[string]string{"name": name, "password": "a-long-password-123"})
	if r.Status != 200 {
		t.Fatalf("login %s: %d %s", name, r.Status, r.Raw)
	}
	sc.csrf = r.Body["csrf_token"].(string)
	return sc, u
}

// listed returns the access the survey list gives sc to slug ("" when the
// survey is not listed) and the owner it names.
func listed(t *testing.T, sc *staffClient, slug string) (access, owner string) {
	t.Helper()
	r := sc.do(http.MethodGet, "/api/v1/admin/surveys", nil)
	if r.Status != 200 {
		t.Fatalf("list: %d %s", r.Status, r.Raw)
	}
	for _, s := range r.Body["surveys"].([]any) {
		m := s.(map[string]any)
		if m["slug"] == slug {
			return m["access"].(string), m["owner"].(string)
		}
	}
	return "", ""
}

// TestSurveyMembers: the creator of a survey owns it and alone (with the
// admins) sets its collaborators and readers, by name or id; the list
// shows each user only the surveys it may see; a collaborator edits but
// cannot change the members; a reader reads; a wrong member list is
// refused whole; the owner can hand the survey over. On SQLite, and on
// MariaDB and Redis when configured.
func TestSurveyMembers(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			ana, _ := signInAs(t, in, "ana", models.RoleDesigner)
			bo, boUser := signInAs(t, in, "bo", models.RoleDesigner)
			cai, caiUser := signInAs(t, in, "cai", models.RoleViewer)
			adm, _ := signInAs(t, in, "root", models.RoleAdmin)

			r := ana.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": "ana-2024", "template": "social-2022"})
			if r.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.Status, r.Raw)
			}
			id := uint64(r.Body["id"].(float64))
			base := fmt.Sprintf("/api/v1/admin/surveys/%d", id)
			if acc, owner := listed(t, ana, "ana-2024"); acc != "owner" || owner != "ana" {
				t.Fatalf("the creator's list: access %q, owner %q", acc, owner)
			}
			if acc, _ := listed(t, ana, slug); acc != "" {
				t.Fatalf("a designer sees the demo survey, which has no owner: %q", acc)
			}
			if acc, owner := listed(t, adm, "ana-2024"); acc != "admin" || owner != "ana" {
				t.Fatalf("the admin's list: access %q, owner %q", acc, owner)
			}
			if acc, _ := listed(t, adm, slug); acc != "admin" {
				t.Fatalf("the admin does not see the demo survey: %q", acc)
			}

			// Others neither see it nor reach it, nor copy it.
			for _, sc := range []*staffClient{bo, cai} {
				if acc, _ := listed(t, sc, "ana-2024"); acc != "" {
					t.Fatalf("%s sees another's survey: %q", sc.name, acc)
				}
				if r := sc.do(http.MethodGet, base, nil); r.Status != 404 {
					t.Fatalf("%s reads another's survey: %d", sc.name, r.Status)
				}
			}
			if r := bo.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": "bo-copy", "copy_of": id}); r.Status != 404 {
				t.Fatalf("copy of another's survey: %d %s", r.Status, r.Raw)
			}

			// The owner adds a collaborator by name and a reader by id.
			r = ana.do(http.MethodPut, base+"/members", map[string]any{"members": []map[string]any{
				{"name": "bo", "role": "collaborator"}, {"user_id": caiUser.ID, "role": "reader"}}})
			if r.Status != 200 || !strings.Contains(string(r.Raw), `"owner":{"user_id"`) ||
				!strings.Contains(string(r.Raw), `"name":"bo","role":"collaborator","user_role":"designer"`) ||
				!strings.Contains(string(r.Raw), `"name":"cai","role":"reader","user_role":"viewer"`) {
				t.Fatalf("set members: %d %s", r.Status, r.Raw)
			}
			if acc, _ := listed(t, bo, "ana-2024"); acc != "collaborator" {
				t.Fatalf("the collaborator's list: %q", acc)
			}
			if acc, _ := listed(t, cai, "ana-2024"); acc != "reader" {
				t.Fatalf("the reader's list: %q", acc)
			}
			if r := bo.do(http.MethodPost, base+"/publish", nil); r.Status != 200 {
				t.Fatalf("the collaborator publishes: %d %s", r.Status, r.Raw)
			}
			if r := bo.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": "bo-copy", "copy_of": id}); r.Status != 201 {
				t.Fatalf("the collaborator copies: %d %s", r.Status, r.Raw)
			}
			for _, m := range []string{http.MethodGet, http.MethodPut} {
				if r := bo.do(m, base+"/members", map[string]any{"members": []any{}}); r.Status != 403 {
					t.Fatalf("the collaborator %s members: %d %s", m, r.Status, r.Raw)
				}
			}
			if r := cai.do(http.MethodGet, base, nil); r.Status != 200 || r.Body["survey"].(map[string]any)["access"] != "reader" {
				t.Fatalf("the reader reads: %d %s", r.Status, r.Raw)
			}
			if r := cai.do(http.MethodGet, "/api/v1/surveys/ana-2024/results", nil); r.Status != 200 {
				t.Fatalf("the reader reads results: %d %s", r.Status, r.Raw)
			}
			if r := cai.do(http.MethodPost, base+"/close", nil); r.Status != 403 {
				t.Fatalf("the reader closes: %d", r.Status)
			}

			// A wrong list is refused whole, each wrong entry named.
			r = ana.do(http.MethodPut, base+"/members", map[string]any{"members": []map[string]any{
				{"name": "nobody", "role": "reader"},
				{"name": "cai", "role": "collaborator"},
				{"name": "ana", "role": "reader"},
				{"name": "bo", "role": "owner"},
				{"user_id": boUser.ID, "role": "reader"},
				{"name": "bo", "role": "reader"},
				{"name": "BO", "role": "reader"},
				{"name": "bo ", "role": "reader"},
				{"role": "reader"},
			}})
			fields, _ := r.Body["error"].(map[string]any)["fields"].(map[string]any)
			for _, f := range []string{"members.0", "members.1", "members.2", "members.3", "members.5", "members.6", "members.7", "members.8"} {
				if fields[f] == nil {
					t.Errorf("%s not refused: %s", f, r.Raw)
				}
			}
			if r.Status != 422 || fields["members.4"] != nil {
				t.Fatalf("wrong list: %d %s", r.Status, r.Raw)
			}
			if r := ana.do(http.MethodPut, base+"/members", map[string]any{}); r.Status != 422 {
				t.Fatalf("no list: %d %s", r.Status, r.Raw)
			}
			if acc, _ := listed(t, bo, "ana-2024"); acc != "collaborator" {
				t.Fatalf("a refused list changed the members: %q", acc)
			}

			// The owner hands the survey over and stays a collaborator.
			r = ana.do(http.MethodPut, base+"/members", map[string]any{"owner": map[string]any{"name": "bo"},
				"members": []map[string]any{{"name": "ana", "role": "collaborator"}}})
			if r.Status != 200 {
				t.Fatalf("hand over: %d %s", r.Status, r.Raw)
			}
			if acc, owner := listed(t, ana, "ana-2024"); acc != "collaborator" || owner != "bo" {
				t.Fatalf("after handing over: %q, owner %q", acc, owner)
			}
			if acc, _ := listed(t, cai, "ana-2024"); acc != "" {
				t.Fatalf("a removed reader still sees the survey: %q", acc)
			}
			if r := ana.do(http.MethodGet, base+"/members", nil); r.Status != 403 {
				t.Fatalf("the former owner reads members: %d", r.Status)
			}
			if r := bo.do(http.MethodGet, base+"/members", nil); r.Status != 200 {
				t.Fatalf("the new owner reads members: %d %s", r.Status, r.Raw)
			}
			if r := adm.do(http.MethodPut, base+"/members", map[string]any{"owner": map[string]any{"name": "cai"}, "members": []any{}}); r.Status != 422 {
				t.Fatalf("a viewer made owner: %d %s", r.Status, r.Raw)
			}
			r = adm.do(http.MethodGet, "/api/v1/admin/audit", nil)
			if !strings.Contains(string(r.Raw), `"survey.members"`) || !strings.Contains(string(r.Raw), "owner=bo collaborator=ana") {
				t.Fatalf("audit: %s", limitBody(r.Raw))
			}
		})
	}
}

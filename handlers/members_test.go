package handlers_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
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
	sc := &staffClient{t: t, base: in.URL, c: &http.Client{Jar: jar, Timeout: 20 * time.Second}, name: name}
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

// TestAnotherDesignersSurveyIsOutOfReach replays the attack of a designer
// on a colleague's staff-only survey: edit, publish, close, reopen,
// export, review, share, revoke, invite, weight, join its members or take
// it over, open its pages or copy it. Every request answers the 404 of a
// survey that does not exist, its results stay 403 to that designer and to
// a viewer who is no reader, and nothing changed: the survey, its share
// link, its invitations, weighting and members are as the owner left
// them, and the audit log holds nothing the intruder did to it.
// On SQLite, and on MariaDB and Redis when configured.
func TestAnotherDesignersSurveyIsOutOfReach(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			wu, _ := signInAs(t, in, "wu", models.RoleDesigner)
			zhao, _ := signInAs(t, in, "zhao", models.RoleDesigner)
			qian, _ := signInAs(t, in, "qian", models.RoleViewer)
			adm, _ := signInAs(t, in, "root", models.RoleAdmin)
			def := smallDefinition("wu-2024", 2024, questionnaire.ResultsStaff, "")
			id := publishDefinition(t, wu, def)
			publishDefinition(t, zhao, smallDefinition("zhao-2024", 2024, questionnaire.ResultsStaff, ""))
			rid := matrixResponse(t, in, "wu-2024")
			base := fmt.Sprintf("/api/v1/admin/surveys/%d", id)
			r := wu.do(http.MethodPost, base+"/shares", map[string]string{"label": "大屏"})
			if r.Status != http.StatusCreated {
				t.Fatalf("share: %d %s", r.Status, r.Raw)
			}
			sid := fmt.Sprint(r.Body["id"])
			before, _ := wu.detail(id)

			edited := def
			edited.Title = "被改过 tampered"
			attacks := []struct {
				method, path string
				body         any
			}{
				{http.MethodGet, base, nil},
				{http.MethodPut, base + "/draft", edited},
				{http.MethodPost, base + "/publish", nil},
				{http.MethodPost, base + "/close", nil},
				{http.MethodPost, base + "/reopen", nil},
				{http.MethodGet, base + "/definition", nil},
				{http.MethodGet, base + "/responses", nil},
				{http.MethodGet, base + "/responses.csv", nil},
				{http.MethodGet, base + "/responses.xlsx", nil},
				{http.MethodPost, base + "/responses/" + rid + "/review", map[string]string{"review": "invalid"}},
				{http.MethodGet, base + "/shares", nil},
				{http.MethodPost, base + "/shares", map[string]string{"label": "偷看 peek"}},
				{http.MethodDelete, base + "/shares/" + sid, nil},
				{http.MethodGet, base + "/tokens", nil},
				{http.MethodPost, base + "/tokens", map[string]any{"count": 5}},
				{http.MethodGet, base + "/weighting", nil},
				{http.MethodPut, base + "/weighting", map[string]any{"enabled": true, "margins": map[string]any{}}},
				{http.MethodGet, base + "/members", nil},
				{http.MethodPut, base + "/members", map[string]any{"members": []map[string]string{{"name": "zhao", "role": "collaborator"}}}},
				{http.MethodPut, base + "/members", map[string]any{"owner": map[string]string{"name": "zhao"}, "members": []any{}}},
				{http.MethodGet, fmt.Sprintf("/admin/surveys/%d", id), nil},
				{http.MethodGet, fmt.Sprintf("/admin/surveys/%d/preview", id), nil},
				{http.MethodGet, fmt.Sprintf("/admin/surveys/%d/sheet", id), nil},
				{http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": "zhao-copy", "copy_of": id}},
			}
			for _, a := range attacks {
				if r := zhao.do(a.method, a.path, a.body); r.Status != http.StatusNotFound {
					t.Errorf("%s %s: %d %.200s, want 404", a.method, a.path, r.Status, r.Raw)
				}
			}
			for _, sc := range []*staffClient{zhao, qian} {
				for _, p := range []string{"/api/v1/surveys/wu-2024/results", "/api/v1/surveys/wu-2024/live", "/d/wu-2024"} {
					if r := sc.do(http.MethodGet, p, nil); r.Status != http.StatusForbidden {
						t.Errorf("%s %s: %d, want 403", sc.name, p, r.Status)
					}
				}
			}

			// Nothing changed.
			after, tokens := wu.detail(id)
			if after.Status != models.StatusPublished || after.Title != before.Title || after.Draft != nil || len(after.Versions) != len(before.Versions) {
				t.Errorf("the survey changed: %+v, was %+v", after.SurveySummary, before.SurveySummary)
			}
			if tokens["total"] != float64(0) {
				t.Errorf("invitations were made: %v", tokens)
			}
			if r := wu.do(http.MethodGet, base+"/shares", nil); len(r.Body["shares"].([]any)) != 1 || strings.Contains(string(r.Raw), "revoked_at\":\"") {
				t.Errorf("share links changed: %s", r.Raw)
			}
			if r := wu.do(http.MethodGet, base+"/weighting", nil); r.Body["enabled"] != false {
				t.Errorf("weighting changed: %s", r.Raw)
			}
			if r := wu.do(http.MethodGet, base+"/members", nil); !strings.Contains(string(r.Raw), `"name":"wu"`) || strings.Contains(string(r.Raw), "zhao") {
				t.Errorf("members changed: %s", r.Raw)
			}
			if acc, _ := listed(t, zhao, "zhao-copy"); acc != "" {
				t.Error("a copy was made")
			}
			r = adm.do(http.MethodGet, "/api/v1/admin/audit", nil)
			for _, e := range r.Body["entries"].([]any) {
				if e := e.(map[string]any); e["user_name"] == "zhao" && e["survey_id"] == float64(id) {
					t.Errorf("the intruder acted on the survey: %v", e)
				}
			}
		})
	}
}

package handlers_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// allowAll is a limiter that never limits: tests sign in many times.
type allowAll struct{}

func (allowAll) Allow(context.Context, string, int, time.Duration) (bool, error) { return true, nil }

// staffClient is a signed-in browser of the admin API.
type staffClient struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
	name string // the signed-in user
}

func signIn(t *testing.T, in *instance, role string) *staffClient {
	t.Helper()
	st := &staff.Service{Store: in.Store, Limiter: allowAll{}, Cost: 4}
	name := fmt.Sprintf("%s%d", role, len(role)*7+int(in.URL[len(in.URL)-1]))
	if _, err := st.CreateUser(name, role, "a-long-password-123"); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	sc := &staffClient{t: t, base: in.URL, c: &http.Client{Jar: jar}, name: name}
	r := sc.do(http.MethodPost, "/api/v1/admin/login", map[string]string{"name": name, "password": "a-long-password-123"})
	if r.Status != 200 || r.Body["csrf_token"] == "" {
		t.Fatalf("login: %d %s", r.Status, r.Raw)
	}
	sc.csrf = r.Body["csrf_token"].(string)
	return sc
}

// addMember gives the user of that name a role (collaborator or reader)
// on a survey, as its owner or an admin would, keeping its other members.
func addMember(t testing.TB, in *instance, surveyID uint64, name, role string) {
	t.Helper()
	m, err := in.Svc.SurveyMembers(surveyID)
	if err != nil {
		t.Fatal(err)
	}
	ch := surveys.MembersChange{Members: []surveys.MemberRef{{Name: name, Role: role}}}
	for _, e := range m.Members {
		ch.Members = append(ch.Members, surveys.MemberRef{UserID: e.UserID, Role: e.Role})
	}
	if _, err := in.Svc.SetSurveyMembers(surveyID, ch); err != nil {
		t.Fatal(err)
	}
}

func (sc *staffClient) do(method, path string, body any) reply {
	sc.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, sc.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", sc.csrf)
	return do(sc.t, sc.c, req)
}

func (sc *staffClient) detail(id uint64) (surveys.SurveyDetail, map[string]any) {
	sc.t.Helper()
	r := sc.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d", id), nil)
	var body struct {
		Survey surveys.SurveyDetail
		Tokens map[string]any
	}
	if r.Status != 200 || json.Unmarshal(r.Raw, &body) != nil {
		sc.t.Fatalf("survey %d: %d %s", id, r.Status, r.Raw)
	}
	return body.Survey, body.Tokens
}

func TestDesignerLifecycle(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d := signIn(t, in, models.RoleDesigner)
			r := d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": "city-2023", "title": "2023年度社会评价", "template": "social-2022"})
			if r.Status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.Status, r.Raw)
			}
			id := uint64(r.Body["id"].(float64))
			if r := d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": "city-2023"}); r.Status != http.StatusConflict {
				t.Fatalf("same slug again: %d", r.Status)
			}
			det, _ := d.detail(id)
			if det.Status != models.StatusDraft || det.DraftDefinition == nil || det.DraftDefinition.Slug != "city-2023" || det.Title != "2023年度社会评价" {
				t.Fatalf("new survey: %+v", det.SurveySummary)
			}
			if r := get(t, http.DefaultClient, in.URL+"/s/city-2023"); r.Status != 404 {
				t.Fatalf("a draft is open to residents: %d", r.Status)
			}

			// A definition with problems is refused whole, each problem by path.
			bad := *det.DraftDefinition
			bad.Areas = append([]questionnaire.Area(nil), bad.Areas...)
			bad.Areas[1].Code = bad.Areas[0].Code
			bad.Areas[2].Questions = []questionnaire.Question{{Code: "x", Kind: "essay", Text: "?"}}
			r = d.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/draft", id), bad)
			fields, _ := r.Body["error"].(map[string]any)["fields"].(map[string]any)
			if r.Status != 422 || fields["areas[1].code"] == nil || fields["areas[2].questions[0].kind"] == nil {
				t.Fatalf("bad draft: %d %s", r.Status, r.Raw)
			}
			huge := *det.DraftDefinition
			for i := range 10000 {
				huge.Extra = append(huge.Extra, questionnaire.Question{Code: fmt.Sprintf("h%d", i), Kind: "text", Text: "?"})
			}
			if r := d.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/draft", id), huge); r.Status != 422 {
				t.Fatalf("10,000 questions: %d", r.Status)
			}
			if again, _ := d.detail(id); !reflect.DeepEqual(again.DraftDefinition, det.DraftDefinition) {
				t.Fatal("a refused draft changed the stored one")
			}

			// Rename an area, publish, answer.
			edited := *det.DraftDefinition
			edited.Areas = append([]questionnaire.Area(nil), edited.Areas...)
			edited.Areas[0].Name = "作风建设（改）"
			if r := d.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/draft", id), edited); r.Status != 200 {
				t.Fatalf("save draft: %d %s", r.Status, r.Raw)
			}
			r = d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/publish", id), nil)
			if r.Status != 200 {
				t.Fatalf("publish: %d %s", r.Status, r.Raw)
			}
			v1 := uint64(r.Body["published_version"].(float64))
			page := get(t, http.DefaultClient, in.URL+"/s/city-2023")
			if page.Status != 200 || !strings.Contains(string(page.Raw), "作风建设（改）") {
				t.Fatalf("published page: %d", page.Status)
			}
			resident1 := resident(t, &instance{URL: in.URL})
			body := randomBody(t, in, 1)
			endpoint := in.URL + "/api/v1/surveys/city-2023/responses"
			if r := post(t, resident1, endpoint, "application/json", body); r.Status != 201 {
				t.Fatalf("answer v1: %d %s", r.Status, r.Raw)
			}

			// Editing a published survey makes a new draft; the published
			// version and the response's version stay.
			edited.Areas[0].Name = "作风建设（第二版）"
			if r := d.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/draft", id), edited); r.Status != 200 {
				t.Fatalf("edit after publish: %d %s", r.Status, r.Raw)
			}
			det, _ = d.detail(id)
			if det.Published == nil || *det.Published != v1 || det.Draft == nil || *det.Draft == v1 ||
				det.PublishedDefinition.Areas[0].Name != "作风建设（改）" || len(det.Versions) != 2 {
				t.Fatalf("after editing the published survey: %+v", det.SurveySummary)
			}
			if page := get(t, http.DefaultClient, in.URL+"/s/city-2023"); strings.Contains(string(page.Raw), "第二版") {
				t.Fatal("an unpublished draft reached residents")
			}
			if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/publish", id), nil); r.Status != 200 {
				t.Fatalf("publish v2: %d", r.Status)
			}
			var versions []uint64
			if err := in.Store.R.Model(&models.Response{}).Where("survey_id = ?", id).Pluck("version_id", &versions).Error; err != nil || len(versions) != 1 || versions[0] != v1 {
				t.Fatalf("the response's version: %v %v, want [%d]", versions, err, v1)
			}

			// Close and reopen.
			if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/close", id), nil); r.Status != 204 {
				t.Fatalf("close: %d", r.Status)
			}
			if r := post(t, resident(t, &instance{URL: in.URL}), endpoint, "application/json", randomBody(t, in, 2)); r.Status != http.StatusGone {
				t.Fatalf("answer a closed survey: %d", r.Status)
			}
			if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/reopen", id), nil); r.Status != 204 {
				t.Fatalf("reopen: %d", r.Status)
			}
			if r := post(t, resident(t, &instance{URL: in.URL}), endpoint, "application/json", randomBody(t, in, 3)); r.Status != http.StatusCreated {
				t.Fatalf("answer a reopened survey: %d %s", r.Status, r.Raw)
			}

			// Export, then import as a new survey: the same definition.
			r = d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/definition?version=published", id), nil)
			if r.Status != 200 || !strings.Contains(r.Header.Get("Content-Disposition"), "city-2023.json") {
				t.Fatalf("export: %d %v", r.Status, r.Header)
			}
			var exported questionnaire.Definition
			if err := json.Unmarshal(r.Raw, &exported); err != nil {
				t.Fatal(err)
			}
			r = d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": "city-2023-copy", "definition": exported})
			if r.Status != 201 {
				t.Fatalf("import: %d %s", r.Status, r.Raw)
			}
			imported, _ := d.detail(uint64(r.Body["id"].(float64)))
			exported.Slug = "city-2023-copy"
			if !reflect.DeepEqual(*imported.DraftDefinition, exported) {
				t.Fatal("export → import did not round-trip the definition")
			}

			// The list shows status and responses.
			r = d.do(http.MethodGet, "/api/v1/admin/surveys", nil)
			if r.Status != 200 || !strings.Contains(string(r.Raw), `"slug":"city-2023","title":"2023年度社会评价","status":"published","results":"public","responses":2`) {
				t.Fatalf("list: %s", r.Raw)
			}

			// The audit log names who did what.
			a := signIn(t, in, models.RoleAdmin)
			r = a.do(http.MethodGet, "/api/v1/admin/audit", nil)
			for _, action := range []string{"login", "survey.create", "survey.edit", "survey.publish", "survey.close", "survey.reopen", "survey.export"} {
				if !strings.Contains(string(r.Raw), `"action":"`+action+`"`) {
					t.Errorf("audit log lacks %s", action)
				}
			}
		})
	}
}

func TestTokensAnswerOnce(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	d := signIn(t, in, models.RoleDesigner)
	data, _ := questionnaire.Builtin("social-2022")
	var def questionnaire.Definition
	_ = json.Unmarshal(data, &def)
	def.Slug, def.Dedup = "sampled-2023", questionnaire.DedupToken
	r := d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"definition": def})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	id := uint64(r.Body["id"].(float64))
	if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/publish", id), nil); r.Status != 200 {
		t.Fatalf("publish: %d", r.Status)
	}
	if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/tokens", id), map[string]any{"count": 0}); r.Status != 422 {
		t.Fatalf("0 tokens: %d", r.Status)
	}
	r = d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/tokens", id), map[string]any{"count": 3})
	var issued struct {
		Tokens []struct{ Token, ShortCode, Link string } `json:"tokens"`
	}
	if r.Status != 201 || json.Unmarshal(r.Raw, &issued) != nil || len(issued.Tokens) != 3 {
		t.Fatalf("tokens: %d %s", r.Status, r.Raw)
	}
	var raw struct {
		Tokens []map[string]string `json:"tokens"`
	}
	_ = json.Unmarshal(r.Raw, &raw)
	tok, short := raw.Tokens[0]["token"], raw.Tokens[1]["short_code"]
	if len(tok) < 26 || len(short) != 8 || !strings.Contains(raw.Tokens[0]["link"], "/s/sampled-2023?t="+tok) {
		t.Fatalf("issued: %v", raw.Tokens[0])
	}
	var stored int64
	in.Store.R.Model(&models.Token{}).Where("hash = ? OR short_hash = ?", tok, short).Count(&stored)
	if stored != 0 {
		t.Fatal("a token is stored in clear")
	}
	endpoint := in.URL + "/api/v1/surveys/sampled-2023/responses"
	answer := func(token string, seed uint64) reply {
		var m map[string]any
		_ = json.Unmarshal(randomBody(t, in, seed), &m)
		if token != "" {
			m["token"] = token
		}
		b, _ := json.Marshal(m)
		return post(t, resident(t, in), endpoint, "application/json", b)
	}
	if r := answer("", 1); r.Status != 403 {
		t.Fatalf("no token: %d", r.Status)
	}
	if r := answer("nosuchtoken", 2); r.Status != 403 {
		t.Fatalf("unknown token: %d", r.Status)
	}
	if r := answer(tok, 3); r.Status != 201 {
		t.Fatalf("token: %d %s", r.Status, r.Raw)
	}
	if r := answer(tok, 4); r.Status != 409 {
		t.Fatalf("token again: %d", r.Status)
	}
	if r := answer(strings.ToLower(short[:4])+"-"+short[4:], 5); r.Status != 201 {
		t.Fatalf("short code typed loosely: %d %s", r.Status, r.Raw)
	}
	r = d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/tokens", id), nil)
	if r.Body["total"] != 3.0 || r.Body["used"] != 2.0 || r.Body["unused"] != 1.0 {
		t.Fatalf("counts: %s", r.Raw)
	}
	qr := d.do(http.MethodGet, "/api/v1/admin/qr?text="+raw.Tokens[2]["link"], nil)
	if qr.Status != 200 || !bytes.HasPrefix(qr.Raw, []byte("\x89PNG")) {
		t.Fatalf("QR: %d", qr.Status)
	}
}

func TestUserManagement(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	a := signIn(t, in, models.RoleAdmin)
	r := a.do(http.MethodPost, "/api/v1/admin/users", map[string]string{"name": "chen", "role": "viewer", "password": "short"})
	if r.Status != 422 {
		t.Fatalf("short password: %d %s", r.Status, r.Raw)
	}
	r = a.do(http.MethodPost, "/api/v1/admin/users", map[string]string{"name": "chen", "role": "viewer", "password": "a-long-password-456"})
	if r.Status != 201 || strings.Contains(string(r.Raw), "password") {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	id := uint64(r.Body["id"].(float64))
	if r := a.do(http.MethodPatch, fmt.Sprintf("/api/v1/admin/users/%d", id), map[string]any{"role": "designer"}); r.Status != 200 || r.Body["role"] != "designer" {
		t.Fatalf("promote: %d %s", r.Status, r.Raw)
	}
	r = a.do(http.MethodGet, "/api/v1/admin/users", nil)
	if !strings.Contains(string(r.Raw), `"name":"chen","role":"designer"`) || strings.Contains(string(r.Raw), "$2a$") {
		t.Fatalf("users: %s", r.Raw)
	}
	r = a.do(http.MethodGet, "/api/v1/admin/audit", nil)
	if !strings.Contains(string(r.Raw), "user.create") || !strings.Contains(string(r.Raw), "chen: role=designer") {
		t.Fatalf("audit: %s", r.Raw)
	}
}

func TestPreviewMayBeFramedBySameOriginOnly(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	d := signIn(t, in, models.RoleViewer)
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	addMember(t, in, p.Survey.ID, d.name, models.MemberReader)
	r := d.do(http.MethodGet, fmt.Sprintf("/admin/surveys/%d/preview", p.Survey.ID), nil)
	if r.Status != 200 || r.Header.Get("X-Frame-Options") != "SAMEORIGIN" ||
		!strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'self'") {
		t.Fatalf("preview: %d, X-Frame-Options %q, CSP %q", r.Status, r.Header.Get("X-Frame-Options"), r.Header.Get("Content-Security-Policy"))
	}
	r = d.do(http.MethodGet, "/admin", nil)
	if r.Header.Get("X-Frame-Options") != "DENY" || !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatal("other staff pages must not be framed")
	}
}

func TestExportResponsesCSV(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			for i := range 5 {
				if r := post(t, resident(t, in), in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", randomBody(t, in, uint64(i))); r.Status != 201 {
					t.Fatalf("submit: %d", r.Status)
				}
			}
			p, _ := in.Svc.Published(slug)
			d := signIn(t, in, models.RoleDesigner)
			addMember(t, in, p.Survey.ID, d.name, models.MemberCollaborator)
			r := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", p.Survey.ID), nil)
			if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(r.Raw, []byte("\xef\xbb\xbf")) {
				t.Fatalf("export: %d %q, BOM %v", r.Status, r.Header.Get("Content-Type"), bytes.HasPrefix(r.Raw, []byte("\xef\xbb\xbf")))
			}
			rows, err := csv.NewReader(bytes.NewReader(r.Raw[3:])).ReadAll()
			if err != nil || len(rows) != 6 {
				t.Fatalf("csv: %d rows, %v", len(rows), err)
			}
			col := map[string]int{}
			for i, h := range rows[0] {
				col[strings.Fields(h)[0]] = i
			}
			for _, row := range rows[1:] {
				level, label := row[col["q01"]], row[col["q01_label"]]
				want := map[string]string{"5": "满意", "4": "比较满意", "3": "一般", "2": "不太满意", "1": "不满意", "dk": "不了解"}[level]
				if want == "" || label != want || row[col["town_label"]] == "" || row[col["response_id"]] == "" {
					t.Fatalf("row: q01=%q label %q town %q", level, label, row[col["town_label"]])
				}
			}
			v := signIn(t, in, models.RoleViewer)
			addMember(t, in, p.Survey.ID, v.name, models.MemberReader)
			if r := v.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", p.Survey.ID), nil); r.Status != 403 {
				t.Fatalf("viewer export: %d", r.Status)
			}
		})
	}
}

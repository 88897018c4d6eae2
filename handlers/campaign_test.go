package handlers_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const campaign = "campaign-2022"

// seedCampaign publishes the built-in campaign on in.
func seedCampaign(t *testing.T, in *instance) *surveys.Published {
	t.Helper()
	if _, err := in.Svc.SeedBuiltin(campaign); err != nil {
		t.Fatal(err)
	}
	p, err := in.Svc.Published(campaign)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// agencyAnswers answers every question an agency's resident is asked.
func agencyAnswers(unit string, extra map[string]string) []byte {
	answers := map[string]string{"overall": "4", "town": "urban", "age": "30-39", "gender": "f"}
	for _, q := range []string{"p01", "p02", "p03", "p04", "p05", "p06"} {
		answers[q] = "5"
	}
	for k, v := range extra {
		answers[k] = v
	}
	b, _ := json.Marshal(map[string]any{"submission_id": uuid.NewString(), "unit": unit, "answers": answers})
	return b
}

// TestCampaignUnitPages: an open link to a campaign shows the picker, a
// unit's page only its category's areas with its own summaries, the API
// the same with ?unit=, and answers are bound to the unit's areas.
func TestCampaignUnitPages(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			p := seedCampaign(t, in)
			agency := p.Compiled.Unit("dept-edu")

			open := get(t, http.DefaultClient, in.URL+"/s/"+campaign)
			body := string(open.Raw)
			if open.Status != 200 || strings.Contains(body, `id="survey"`) || !strings.Contains(body, `id="picker-search"`) {
				t.Fatalf("open link: %d, want the picker and no form", open.Status)
			}
			for _, u := range p.Compiled.Def.Units {
				if !strings.Contains(body, `href="/s/`+campaign+`/u/`+u.Code+`"`) {
					t.Errorf("picker lacks a link to %s", u.Code)
				}
			}
			if strings.Contains(body, html.EscapeString(agency.Summaries["g01"])) {
				t.Error("the picker carries the units' summaries")
			}

			page := get(t, http.DefaultClient, in.URL+"/s/"+campaign+"/u/dept-edu")
			body = string(page.Raw)
			if page.Status != 200 || !strings.Contains(body, agency.Name) || !strings.Contains(body, `name="unit" value="dept-edu"`) {
				t.Fatalf("unit page: %d, want the unit's name and code", page.Status)
			}
			if n := strings.Count(body, `data-area="`); n != 6 {
				t.Errorf("unit page shows %d areas, want the agency's 6", n)
			}
			for code, s := range agency.Summaries {
				if !strings.Contains(body, html.EscapeString(s)) {
					t.Errorf("unit page lacks its own summary of %s", code)
				}
			}
			if strings.Contains(body, `data-area="a01"`) || strings.Contains(body, `<select id="unit"`) {
				t.Error("unit page shows a city area or the unit chooser")
			}
			if r := get(t, http.DefaultClient, in.URL+"/s/"+campaign+"/u/nope"); r.Status != 404 {
				t.Errorf("unknown unit page: %d, want 404", r.Status)
			}

			api := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+campaign+"?unit=dept-edu")
			areas, _ := api.Body["areas"].([]any)
			units, _ := api.Body["units"].([]any)
			if api.Status != 200 || len(areas) != 6 || len(units) != 1 {
				t.Fatalf("API ?unit=: %d, %d areas, %d units; want 6 and 1", api.Status, len(areas), len(units))
			}
			all := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+campaign)
			if all.Status != 200 || strings.Contains(string(all.Raw), `"summaries"`) {
				t.Errorf("API without unit: %d, want no unit summaries", all.Status)
			}
			if r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+campaign+"?unit=nope"); r.Status != 404 {
				t.Errorf("API unknown unit: %d, want 404", r.Status)
			}

			jar, _ := cookiejar.New(nil)
			res := &http.Client{Jar: jar, Timeout: 10 * time.Second}
			get(t, res, in.URL+"/s/"+campaign+"/u/dept-edu")
			endpoint := in.URL + "/api/v1/surveys/" + campaign + "/responses"
			bad := post(t, res, endpoint, "application/json", agencyAnswers("dept-edu", map[string]string{"q07": "5"}))
			if bad.Status != 422 || !strings.Contains(string(bad.Raw), `"q07"`) {
				t.Fatalf("agency answering a city area: %d %s, want 422 naming q07", bad.Status, bad.Raw)
			}
			if ok := post(t, res, endpoint, "application/json", agencyAnswers("dept-edu", nil)); ok.Status != 201 {
				t.Fatalf("agency answers: %d %s", ok.Status, ok.Raw)
			}
			if err := in.Svc.RunTallyPass(context.Background()); err != nil {
				t.Fatal(err)
			}
			r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+campaign+"/results?category=agency")
			var results struct {
				Units []struct {
					Code      string
					Category  string
					Completed int64
					Target    int
					Areas     []json.RawMessage
				}
				Notices []json.RawMessage
			}
			if err := json.Unmarshal(r.Raw, &results); err != nil || r.Status != 200 || len(results.Units) != 4 {
				t.Fatalf("results ?category=agency: %d %v, %d units", r.Status, err, len(results.Units))
			}
			for _, u := range results.Units {
				want := int64(0)
				if u.Code == "dept-edu" {
					want = 1
				}
				if u.Category != "agency" || u.Completed != want || u.Target != 300 || len(u.Areas) != 6 {
					t.Errorf("%s: %+v, want agency, completed %d of 300, 6 areas", u.Code, u, want)
				}
			}
			if r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+campaign+"/results?category=nope"); r.Status != 422 {
				t.Errorf("unknown category: %d, want 422", r.Status)
			}

			// Page weight of a unit's page, as a phone receives it.
			var gz bytes.Buffer
			zw := gzip.NewWriter(&gz)
			zw.Write(page.Raw)
			zw.Close()
			t.Logf("unit page: %d bytes, %d gzipped; open link (picker): %d bytes", len(page.Raw), gz.Len(), len(open.Raw))
		})
	}
}

// TestCampaignTokenLinksCarryTheirUnit: invitation links for a unit open
// the unit's own page.
func TestCampaignTokenLinksCarryTheirUnit(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	d := signIn(t, in, models.RoleDesigner)
	data, _ := questionnaire.Builtin(campaign)
	var def questionnaire.Definition
	_ = json.Unmarshal(data, &def)
	def.Slug, def.Dedup = "campaign-tokens", questionnaire.DedupToken
	r := d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"definition": def})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	id := uint64(r.Body["id"].(float64))
	if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/publish", id), nil); r.Status != 200 {
		t.Fatalf("publish: %d", r.Status)
	}
	r = d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/tokens", id), map[string]any{"count": 2, "unit": "yunxi"})
	var issued struct {
		Tokens []struct{ Token, Unit, Link string } `json:"tokens"`
	}
	if r.Status != 201 || json.Unmarshal(r.Raw, &issued) != nil || len(issued.Tokens) != 2 {
		t.Fatalf("tokens: %d %s", r.Status, r.Raw)
	}
	for _, tk := range issued.Tokens {
		if tk.Unit != "yunxi" || !strings.HasSuffix(tk.Link, "/s/campaign-tokens/u/yunxi?t="+tk.Token) {
			t.Errorf("token %+v: its link does not open the unit's page", tk)
		}
	}
	if page := get(t, http.DefaultClient, issued.Tokens[0].Link); page.Status != 200 || !strings.Contains(string(page.Raw), `value="yunxi"`) {
		t.Errorf("the link's page: %d, want the unit's page", page.Status)
	}
}

// TestCampaignDashboardPages: the campaign dashboard, a unit's dashboard
// page reading that unit's body with its rank in the category, and a
// unit's breakdowns on its areas.
func TestCampaignDashboardPages(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			seedCampaign(t, in)
			if r := get(t, http.DefaultClient, in.URL+"/d/"+campaign); r.Status != 200 || !strings.Contains(string(r.Raw), `id="progress-panel"`) {
				t.Fatalf("campaign dashboard: %d", r.Status)
			}
			page := get(t, http.DefaultClient, in.URL+"/d/"+campaign+"/u/dept-edu")
			body := string(page.Raw)
			if page.Status != 200 || !strings.Contains(body, `data-unit="dept-edu"`) || !strings.Contains(body, "results?unit=dept-edu") {
				t.Fatalf("unit dashboard: %d", page.Status)
			}
			if r := get(t, http.DefaultClient, in.URL+"/d/"+campaign+"/u/nope"); r.Status != 404 {
				t.Errorf("unknown unit dashboard: %d, want 404", r.Status)
			}
			res := &http.Client{Timeout: 10 * time.Second}
			for i := range 3 {
				jar, _ := cookiejar.New(nil)
				res.Jar = jar
				get(t, res, in.URL+"/s/"+campaign+"/u/dept-edu")
				if r := post(t, res, in.URL+"/api/v1/surveys/"+campaign+"/responses", "application/json", agencyAnswers("dept-edu", map[string]string{"gender": []string{"m", "f", "f"}[i]})); r.Status != 201 {
					t.Fatalf("answer: %d %s", r.Status, r.Raw)
				}
			}
			if err := in.Svc.RunTallyPass(context.Background()); err != nil {
				t.Fatal(err)
			}
			r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+campaign+"/results?unit=dept-edu&by=gender")
			var unit struct {
				Areas   []json.RawMessage
				Ranking struct {
					Category  string
					Of        int
					Completed int64
					Target    int
				}
				Breakdown struct {
					Cells []struct {
						Code      string
						Responses int64
						Areas     []json.RawMessage
					}
				}
			}
			if err := json.Unmarshal(r.Raw, &unit); err != nil || r.Status != 200 {
				t.Fatalf("unit results: %d %v %s", r.Status, err, r.Raw)
			}
			if len(unit.Areas) != 6 || unit.Ranking.Category != "agency" || unit.Ranking.Completed != 3 || unit.Ranking.Target != 300 {
				t.Errorf("unit body: %d areas, ranking %+v; want 6 areas, 3 of 300 in agency", len(unit.Areas), unit.Ranking)
			}
			cells := map[string]int64{}
			for _, c := range unit.Breakdown.Cells {
				cells[c.Code] = c.Responses
				if len(c.Areas) != 6 {
					t.Errorf("gender %s cell has %d areas, want 6", c.Code, len(c.Areas))
				}
			}
			if cells["m"] != 1 || cells["f"] != 2 {
				t.Errorf("unit by gender = %v, want m 1, f 2", cells)
			}
		})
	}
}

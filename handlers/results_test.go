package handlers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// smallDefinition is a two-area survey with two units and the three
// demographic questions, small enough to score by hand.
func smallDefinition(slug string, year int, results, previous string) questionnaire.Definition {
	scale := questionnaire.Scale{Levels: []questionnaire.Level{
		{Code: "5", Label: "满意", Score: 100, Class: questionnaire.ClassSatisfied},
		{Code: "4", Label: "比较满意", Score: 80, Class: questionnaire.ClassSatisfied},
		{Code: "3", Label: "一般", Score: 60, Class: questionnaire.ClassNeutral},
		{Code: "2", Label: "不太满意", Score: 30, Class: questionnaire.ClassDissatisfied},
		{Code: "1", Label: "不满意", Score: 0, Class: questionnaire.ClassDissatisfied},
	}, DontKnow: &questionnaire.Option{Code: "dk", Label: "不了解"}}
	single := func(code, role string, opts ...string) questionnaire.Question {
		q := questionnaire.Question{Code: code, Kind: questionnaire.KindSingle, Text: code + "?", Role: role}
		for _, o := range opts {
			q.Options = append(q.Options, questionnaire.Option{Code: o, Label: o + "组"})
		}
		return q
	}
	return questionnaire.Definition{
		Slug: slug, Title: fmt.Sprintf("%d年度测试", year), Year: year, Intro: "测试",
		Units: []questionnaire.Unit{{Code: "u1", Name: "甲区"}, {Code: "u2", Name: "乙区"}},
		Scale: scale,
		Areas: []questionnaire.Area{
			{Code: "A1", Name: "作风建设", Summary: "一", Questions: []questionnaire.Question{{Code: "a1", Kind: questionnaire.KindSatisfaction, Text: "作风？", Required: true}}},
			{Code: "A2", Name: "民生事业", Summary: "二", Questions: []questionnaire.Question{{Code: "a2", Kind: questionnaire.KindSatisfaction, Text: "民生？", Required: true}}},
		},
		Extra: []questionnaire.Question{
			single("town", questionnaire.RoleTown, "t1", "t2"),
			single("age", questionnaire.RoleAge, "y", "o"),
			single("gender", questionnaire.RoleGender, "m", "f"),
		},
		Dedup: questionnaire.DedupDevice, Results: results, Previous: previous,
	}
}

// publishDefinition creates and publishes a survey through the admin API.
func publishDefinition(t *testing.T, d *staffClient, def questionnaire.Definition) uint64 {
	t.Helper()
	r := d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": def.Slug, "title": def.Title, "definition": def})
	if r.Status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", def.Slug, r.Status, r.Raw)
	}
	id := uint64(r.Body["id"].(float64))
	if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/publish", id), nil); r.Status != 200 {
		t.Fatalf("publish %s: %d %s", def.Slug, r.Status, r.Raw)
	}
	return id
}

// answerAs submits one response as a new resident of the survey.
func answerAs(t *testing.T, in *instance, slug string, body map[string]any) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if r := get(t, c, in.URL+"/s/"+slug); r.Status != 200 {
		t.Fatalf("page: %d", r.Status)
	}
	body["submission_id"] = uuid.NewString()
	if _, ok := body["started_at"]; !ok { // as the page sends it: without, it is flagged no_timing
		body["started_at"] = time.Now().Add(-5 * time.Minute).UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(body)
	if r := post(t, c, in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", b); r.Status != 201 {
		t.Fatalf("submit %v: %d %s", body, r.Status, r.Raw)
	}
}

// waitCounted waits until the survey's tallies count n responses.
func waitCounted(t *testing.T, in *instance, slug string, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r, err := in.Svc.UncachedResults(slug, surveys.ResultsQuery{})
		if err == nil && r.Responses == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %+v (%v), want %d responses", slug, r, err, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The four answer patterns of TestResultsByHand, each given three times.
// Scores: a1 100, 60, 0, 80; a2 80, 不了解, 30, 100.
var patterns = []map[string]any{
	{"unit": "u1", "answers": map[string]any{"a1": "5", "a2": "4", "town": "t1", "age": "y", "gender": "m"}},
	{"unit": "u1", "answers": map[string]any{"a1": "3", "a2": "dk", "town": "t1", "age": "o", "gender": "f"}},
	{"unit": "u2", "answers": map[string]any{"a1": "1", "a2": "2", "town": "t2", "age": "o", "gender": "m"}},
	{"unit": "u2", "answers": map[string]any{"a1": "4", "a2": "5", "town": "t2", "age": "y", "gender": "f"}},
}

func near(got *float64, want float64, tol float64) bool {
	return got != nil && math.Abs(*got-want) <= tol
}

func pair(got []float64, lo, hi float64) bool {
	return len(got) == 2 && math.Abs(got[0]-lo) < 0.006 && math.Abs(got[1]-hi) < 0.006
}

// TestResultsByHand scores a small survey through the real app and checks
// every figure against values worked out by hand (t quantiles from tables):
// the whole sample, each unit, a breakdown, the previous year's Δ, the
// timeline, the quality counts and a weighted body.
func TestResultsByHand(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d := signIn(t, in, models.RoleDesigner)
			publishDefinition(t, d, smallDefinition("city-2022", 2022, questionnaire.ResultsPublic, ""))
			id := publishDefinition(t, d, smallDefinition("city-2023", 2023, questionnaire.ResultsStaff, "city-2022"))
			// Last year: a1 100 and 60, a2 80 and 80.
			answerAs(t, in, "city-2022", map[string]any{"unit": "u1", "answers": map[string]any{"a1": "5", "a2": "4"}})
			answerAs(t, in, "city-2022", map[string]any{"unit": "u2", "answers": map[string]any{"a1": "3", "a2": "4"}})
			for range 3 {
				for i, p := range patterns {
					body := map[string]any{"unit": p["unit"], "answers": p["answers"]}
					if i == 1 { // answered in one second: a speeder
						body["started_at"] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)
					}
					answerAs(t, in, "city-2023", body)
				}
			}
			waitCounted(t, in, "city-2022", 2)
			waitCounted(t, in, "city-2023", 12)

			var res stats.Results
			r := d.do(http.MethodGet, "/api/v1/surveys/city-2023/results?units=1", nil)
			if r.Status != 200 || json.Unmarshal(r.Raw, &res) != nil {
				t.Fatalf("results: %d %s", r.Status, r.Raw)
			}
			a1, a2 := res.Areas[0], res.Areas[1]
			checks := []struct {
				name string
				ok   bool
			}{
				{"a1 index 60", near(a1.Index, 60, 0)},
				{"a1 ci95 [35.17, 84.83]", pair(a1.CI95, 35.17, 84.83)},
				{"a1 se 11.282", near(a1.SE, 11.282, 0.001)},
				{"a1 rate 6/12", near(a1.Rate, 0.5, 0)},
				{"a1 rate ci95 Wilson [0.2538, 0.7462]", pair(a1.RateCI95, 0.2538, 0.7462)},
				{"a1 dissatisfied 3/12", near(a1.DissatisfiedRate, 0.25, 0)},
				{"a2 index 70", near(a2.Index, 70, 0)},
				{"a2 ci95 [46, 94]", pair(a2.CI95, 46, 94)},
				{"a2 n 9", a2.N == 9},
				{"a2 rate 6/9", near(a2.Rate, 0.6667, 0)},
				{"a2 don't know 3/12", near(a2.DontKnowRate, 0.25, 0)},
				{"overall 65", near(res.Overall.Index, 65, 0)},
				// (I1 + I2)/2, I1 over 12 answers and I2 over 9: u = ½(x1 − 60)/12 + ½(x2 − 70)/9
				// is 2.2222, 0, −4.7222, 2.5 per pattern; V = 12/11 × 3 × 33.487, SE 10.469.
				{"overall ci95 [41.96, 88.04]", pair(res.Overall.CI95, 41.96, 88.04)},
				{"overall se 10.469", near(res.Overall.SE, 10.469, 0.001)},
				{"year", res.Year == 2023},
				{"as_of now", time.Since(res.AsOf) < time.Minute},
			}
			// Units: u1 scores a1 100, 60; a2 80; u2 a1 0, 80; a2 30, 100.
			if len(res.Units) == 2 {
				u1, u2 := res.Units[0], res.Units[1]
				checks = append(checks, []struct {
					name string
					ok   bool
				}{
					{"u1 responses 6", u1.Responses == 6},
					{"u1 a1 80 [57.01, 100]", near(u1.Areas[0].Index, 80, 0) && pair(u1.Areas[0].CI95, 57.01, 100)},
					{"u1 a2 80, n 3, low sample", near(u1.Areas[1].Index, 80, 0) && u1.Areas[1].N == 3 && u1.Areas[1].Low},
					// u = ±1.6667 (½·20/6): V = 6/5 × 6 × 2.7778 = 20, SE 4.472, t(5) 2.5706.
					{"u1 overall 80 [68.50, 91.50]", near(u1.Overall.Index, 80, 0) && pair(u1.Overall.CI95, 68.50, 91.50)},
					{"u2 a1 40 [0, 85.98]", near(u2.Areas[0].Index, 40, 0) && pair(u2.Areas[0].CI95, 0, 85.98)},
					{"u2 a2 65 [24.76, 100]", near(u2.Areas[1].Index, 65, 0) && pair(u2.Areas[1].CI95, 24.76, 100)},
					{"u2 overall 52.5 [9.39, 95.61]", near(u2.Overall.Index, 52.5, 0) && pair(u2.Overall.CI95, 9.39, 95.61)},
					{"units under n 100 unranked", u1.Rank == nil && u2.Rank == nil},
				}...)
			} else {
				t.Errorf("units: %d, want 2", len(res.Units))
			}
			// Last year: a1 80 (se 20), a2 80 (se 0), overall 80 (se 10).
			if p := res.Previous; p == nil || len(p.Areas) != 2 {
				t.Errorf("previous: %+v", p)
			} else {
				checks = append(checks, []struct {
					name string
					ok   bool
				}{
					{"previous survey", p.Survey == "city-2022" && p.Year == 2022},
					{"Δ a1 −20 ± 22.963", near(p.Areas[0].Delta, -20, 0) && near(p.Areas[0].DeltaSE, 22.963, 0.002) && near(p.Areas[0].SE, 20, 0.001)},
					{"Δ a2 −10 ± 10.408", near(p.Areas[1].Delta, -10, 0) && near(p.Areas[1].DeltaSE, 10.408, 0.002)},
					{"Δ overall −15 ± 14.478", near(p.Overall.Delta, -15, 0) && near(p.Overall.DeltaSE, 14.478, 0.002)},
				}...)
			}
			var hours int64
			for _, h := range res.Timeline {
				hours += h.Responses
			}
			checks = append(checks, []struct {
				name string
				ok   bool
			}{
				{"timeline counts 12", hours == 12 && len(res.Timeline) >= 1 && time.Since(res.Timeline[0].Hour) < 2*time.Hour},
				{"quality: 3 speeders", res.Quality != nil && res.Quality.Flagged == 3 && res.Quality.Reasons[questionnaire.FlagSpeeder] == 3 && res.Flagged == 3},
			}...)
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: wrong in %s", c.name, r.Raw)
				}
			}

			// By gender: men answered a1 100, 0 and a2 80, 30; women a1 60, 80 and a2 100.
			var by stats.Results
			r = d.do(http.MethodGet, "/api/v1/surveys/city-2023/results?by=gender", nil)
			if r.Status != 200 || json.Unmarshal(r.Raw, &by) != nil || by.Breakdown == nil || len(by.Breakdown.Cells) != 2 {
				t.Fatalf("by gender: %d %s", r.Status, r.Raw)
			}
			m, f := by.Breakdown.Cells[0], by.Breakdown.Cells[1]
			if m.Code != "m" || m.Responses != 6 || !near(m.Areas[0].Index, 50, 0) || !near(m.Areas[1].Index, 55, 0) ||
				f.Code != "f" || f.Responses != 6 || !near(f.Areas[0].Index, 70, 0) || !near(f.Areas[1].Index, 100, 0) || !near(f.Areas[1].DontKnowRate, 0.5, 0) {
				t.Errorf("by gender wrong: %s", r.Raw)
			}

			// A review decision is counted.
			list := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/responses?flagged=1", id), nil)
			rows, _ := list.Body["responses"].([]any)
			if len(rows) != 3 {
				t.Fatalf("flagged responses: %s", list.Raw)
			}
			rid := rows[0].(map[string]any)["response_id"].(string)
			if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/responses/%s/review", id, rid), map[string]string{"review": "valid"}); r.Status != 200 {
				t.Fatalf("review: %d %s", r.Status, r.Raw)
			}
			r = d.do(http.MethodGet, "/api/v1/surveys/city-2023/results", nil)
			_ = json.Unmarshal(r.Raw, &res)
			if res.Quality.ReviewedValid != 1 || res.Quality.Flagged != 2 || res.Quality.Reasons[questionnaire.FlagSpeeder] != 3 {
				t.Errorf("after one review: %+v", res.Quality)
			}

			// Weighting: men are 75% of the population, women 25%; the sample
			// is half and half, so men weigh 1.5 and women 0.5.
			if r := d.do(http.MethodGet, "/api/v1/surveys/city-2023/results?weighted=1", nil); r.Status != 422 || errorCode(t, r) != "invalid" {
				t.Fatalf("weighted before weighting is on: %d %s", r.Status, r.Raw)
			}
			wpath := fmt.Sprintf("/api/v1/admin/surveys/%d/weighting", id)
			bad := d.do(http.MethodPut, wpath, map[string]any{"enabled": true, "margins": map[string]any{"gender": map[string]any{"m": 75, "x": 25}}})
			if fields, _ := bad.Body["error"].(map[string]any)["fields"].(map[string]any); bad.Status != 422 || len(fields) == 0 {
				t.Fatalf("margins with an unknown code: %d %s", bad.Status, bad.Raw)
			}
			ok := d.do(http.MethodPut, wpath, map[string]any{"enabled": true, "margins": map[string]any{"gender": map[string]any{"m": 75, "f": 25}}})
			if ok.Status != 200 || ok.Body["enabled"] != true || len(ok.Body["variables"].([]any)) != 3 {
				t.Fatalf("weighting on: %d %s", ok.Status, ok.Raw)
			}
			// The tally worker backfills the joint cells; until then 503 not_ready.
			var w stats.Results
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				r = d.do(http.MethodGet, "/api/v1/surveys/city-2023/results?weighted=1", nil)
				if r.Status != 503 || errorCode(t, r) != "not_ready" || time.Now().After(deadline) {
					break
				}
			}
			if r.Status != 200 || json.Unmarshal(r.Raw, &w) != nil || w.Weighting == nil {
				t.Fatalf("weighted: %d %s", r.Status, r.Raw)
			}
			if st := d.do(http.MethodGet, wpath, nil); st.Body["ready"] != true {
				t.Fatalf("weighting state after the backfill: %s", st.Raw)
			}
			// a1: (1.5·(100+0) + 0.5·(60+80))/4 = 55; a2: (1.5·80 + 1.5·30 + 0.5·100)/3.5;
			// n_eff of a1 = 12² / (6·1.5² + 6·0.5²) = 9.6.
			if !near(w.Areas[0].Index, 55, 0.005) || !near(w.Areas[1].Index, 215/3.5, 0.005) ||
				!near(w.Areas[0].NEff, 9.6, 0.05) || !w.Weighting.Converged || w.Weighting.Trimmed != 0 || w.Areas[0].N != 12 {
				t.Errorf("weighted figures wrong: %s", r.Raw)
			}
			if r := d.do(http.MethodGet, "/api/v1/surveys/city-2023/results?weighted=1&unit=u1", nil); r.Status != 422 {
				t.Errorf("weighted with a unit: %d", r.Status)
			}
			// Responses after weighting is on land in the joint cells too,
			// and reviews move them between the joint cells' flagged twins.
			answerAs(t, in, "city-2023", map[string]any{"unit": "u1", "answers": map[string]any{"a1": "5", "a2": "5", "gender": "m"}})
			waitCounted(t, in, "city-2023", 13)
			rid2 := rows[1].(map[string]any)["response_id"].(string)
			if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/responses/%s/review", id, rid2), map[string]string{"review": "valid"}); r.Status != 200 {
				t.Fatalf("review: %d %s", r.Status, r.Raw)
			}
			if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/responses/%s/review", id, rid), map[string]string{"review": "invalid"}); r.Status != 200 {
				t.Fatalf("review: %d %s", r.Status, r.Raw)
			}
			recount, err := in.Svc.RecountTallies(id)
			if err != nil {
				t.Fatal(err)
			}
			stored, err := in.Svc.TalliesOf(id)
			if err != nil {
				t.Fatal(err)
			}
			if !equalTallies(stored, recount) {
				t.Errorf("tallies with joint cells differ from a recount")
			}
			// Off drops the joint cells; on again backfills a new generation.
			for _, on := range []bool{false, true} {
				if r := d.do(http.MethodPut, wpath, map[string]any{"enabled": on, "margins": map[string]any{"gender": map[string]any{"m": 75, "f": 25}}}); r.Status != 200 {
					t.Fatalf("weighting %t: %d %s", on, r.Status, r.Raw)
				}
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				if st := d.do(http.MethodGet, wpath, nil); st.Body["ready"] == true {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("not ready again: %s", st.Raw)
				}
			}
			if stored, err = in.Svc.TalliesOf(id); err != nil {
				t.Fatal(err)
			}
			if !equalTallies(stored, recount) {
				t.Errorf("tallies after weighting off and on differ from a recount")
			}
			joint := 0
			for k := range stored {
				if strings.HasPrefix(k.Dim, "w:") {
					joint++
				}
			}
			if joint == 0 {
				t.Errorf("no joint cells kept with weighting on")
			}
		})
	}
}

func equalTallies(a, b stats.Tallies) bool {
	for k, v := range a {
		if b[k] != v && v != (stats.TallyValue{}) {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v && v != (stats.TallyValue{}) {
			return false
		}
	}
	return true
}

// TestResultsAccess checks who may read staff-only results: signed-in
// staff who may read the survey (its owner, members and admins), or anyone with a share key until it is revoked; revoking ends the
// live streams the key opened.
func TestResultsAccess(t *testing.T) {
	in := instances(t, handlers.Config{SSEHeartbeat: 100 * time.Millisecond})["sqlite+memory"]
	d := signIn(t, in, models.RoleDesigner)
	id := publishDefinition(t, d, smallDefinition("city-2023", 2023, questionnaire.ResultsStaff, ""))
	base := in.URL + "/api/v1/surveys/city-2023"
	for _, path := range []string{"/results", "/live"} {
		if r := get(t, http.DefaultClient, base+path); r.Status != 403 || errorCode(t, r) != "forbidden" {
			t.Fatalf("%s without access: %d %s", path, r.Status, r.Raw)
		}
	}
	if r := get(t, http.DefaultClient, in.URL+"/d/city-2023"); r.Status != 403 {
		t.Fatalf("dashboard without access: %d", r.Status)
	}
	v := signIn(t, in, models.RoleViewer)
	if r := v.do(http.MethodGet, "/api/v1/surveys/city-2023/results", nil); r.Status != 403 {
		t.Fatalf("viewer who is no reader: %d %s", r.Status, r.Raw)
	}
	// The owner makes the viewer a reader of this survey.
	if r := d.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/members", id),
		map[string]any{"members": []map[string]string{{"name": v.name, "role": "reader"}}}); r.Status != 200 {
		t.Fatalf("members: %d %s", r.Status, r.Raw)
	}
	if r := v.do(http.MethodGet, "/api/v1/surveys/city-2023/results", nil); r.Status != 200 {
		t.Fatalf("reader: %d %s", r.Status, r.Raw)
	}
	if r := v.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/shares", id), map[string]string{"label": "大厅屏幕"}); r.Status != 403 {
		t.Fatalf("a viewer made a share link: %d", r.Status)
	}

	r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/shares", id), map[string]string{"label": "大厅屏幕"})
	key, _ := r.Body["key"].(string)
	if r.Status != 201 || len(key) < 22 || r.Body["url"] != "/d/city-2023?key="+key {
		t.Fatalf("share link: %d %s", r.Status, r.Raw)
	}
	sid := uint64(r.Body["id"].(float64))
	if r := get(t, http.DefaultClient, base+"/results?key="+key); r.Status != 200 {
		t.Fatalf("results with the key: %d %s", r.Status, r.Raw)
	}
	if r := get(t, http.DefaultClient, in.URL+"/d/city-2023?key="+key); r.Status != 200 {
		t.Fatalf("dashboard with the key: %d", r.Status)
	}
	if r := get(t, http.DefaultClient, base+"/results?key="+key+"x"); r.Status != 403 {
		t.Fatalf("a wrong key: %d", r.Status)
	}
	list := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/shares", id), nil)
	if list.Status != 200 || strings.Contains(string(list.Raw), key) || !strings.Contains(string(list.Raw), "大厅屏幕") {
		t.Fatalf("share list shows the key or misses the link: %s", list.Raw)
	}

	// A live stream opened with the key ends within a heartbeat of revoking it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/live?key="+key, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("live with the key: %v %v", resp, err)
	}
	ended := make(chan error, 1)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
		}
		ended <- sc.Err()
	}()
	if r := d.do(http.MethodDelete, fmt.Sprintf("/api/v1/admin/surveys/%d/shares/%d", id, sid), nil); r.Status != 200 || r.Body["revoked_at"] == nil {
		t.Fatalf("revoke: %d %s", r.Status, r.Raw)
	}
	revoked := time.Now()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("stream: %v", err)
		}
		t.Logf("stream ended %v after the revocation", time.Since(revoked))
	case <-ctx.Done():
		t.Fatal("the live stream outlived its revoked key")
	}
	if r := get(t, http.DefaultClient, base+"/results?key="+key); r.Status != 403 {
		t.Fatalf("results with a revoked key: %d", r.Status)
	}
	if r := d.do(http.MethodDelete, fmt.Sprintf("/api/v1/admin/surveys/%d/shares/%d", id, sid+100), nil); r.Status != 404 {
		t.Fatalf("revoke an unknown link: %d", r.Status)
	}
}

// TestWeightingOfADraftLeavesItEditable reads a draft's weighting, edits
// the draft and publishes: residents get the edited version.
func TestWeightingOfADraftLeavesItEditable(t *testing.T) {
	in := instances(t, handlers.Config{})["sqlite+memory"]
	d := signIn(t, in, models.RoleDesigner)
	def := smallDefinition("city-2024", 2024, questionnaire.ResultsPublic, "")
	r := d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": def.Slug, "title": def.Title, "definition": def})
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	id := uint64(r.Body["id"].(float64))
	wpath := fmt.Sprintf("/api/v1/admin/surveys/%d/weighting", id)
	if w := d.do(http.MethodGet, wpath, nil); w.Status != 200 || len(w.Body["variables"].([]any)) != 3 {
		t.Fatalf("weighting of a draft: %d %s", w.Status, w.Raw)
	}
	def.Areas[0].Name = "作风建设（改）"
	if r := d.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/draft", id), def); r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Raw)
	}
	if w := d.do(http.MethodGet, wpath, nil); w.Status != 200 {
		t.Fatalf("weighting of the edited draft: %d", w.Status)
	}
	if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/publish", id), nil); r.Status != 200 {
		t.Fatalf("publish: %d %s", r.Status, r.Raw)
	}
	if r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/city-2024"); !strings.Contains(string(r.Raw), "作风建设（改）") {
		t.Fatalf("published the stale draft: %s", r.Raw)
	}
}

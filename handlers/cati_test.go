package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// catiClock is the time the instances see; tests move it on.
type catiClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *catiClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *catiClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// catiRig is two app instances on one database (and one Redis), as behind
// a load balancer, with a clock the test moves.
type catiRig struct {
	name     string
	a, b     *instance
	clock    *catiClock
	surveyID uint64
	dir      string // the SQLite data directory ("" on MySQL)
	redisKey string // the Redis key prefix ("" without Redis)
}

// catiRigs returns a rig on SQLite (two stores on one file, in-process
// dedup each) and, when configured, one on MySQL with Redis. The clock
// starts at 10:00 in Shanghai, within calling hours.
func catiRigs(t *testing.T) []*catiRig {
	t.Helper()
	start0 := time.Date(2026, 12, 3, 2, 0, 0, 0, time.UTC)
	var rigs []*catiRig
	{
		clock := &catiClock{t: start0}
		dir := t.TempDir()
		open := func() *models.Store {
			s, err := models.OpenSQLite(dir)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(); err != nil {
				t.Fatal(err)
			}
			return s
		}
		s1, s2 := open(), open()
		cfg := func(s *models.Store) handlers.Config {
			return handlers.Config{Clock: clock.Now, Staff: &staff.Service{Store: s, Limiter: allowAll{}, Cost: 4}}
		}
		a := start(t, s1, dedup.NewMemory(), live.NewMemory(), cfg(s1))
		b := start(t, s2, dedup.NewMemory(), live.NewMemory(), cfg(s2))
		rigs = append(rigs, &catiRig{name: "sqlite", a: a, b: b, clock: clock, dir: dir})
	}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		clock := &catiClock{t: start0}
		dsn := surveystest.MySQLDSN(t)
		rdb := surveystest.Redis(t)
		p := surveystest.Prefix()
		mk := func() *instance {
			s := surveystest.OpenMySQL(t, dsn)
			return start(t, s, dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"),
				handlers.Config{Clock: clock.Now, Staff: &staff.Service{Store: s, Limiter: allowAll{}, Cost: 4}})
		}
		rigs = append(rigs, &catiRig{name: "mysql+redis", a: mk(), b: mk(), clock: clock, redisKey: p})
	}
	for _, r := range rigs {
		p, err := r.a.Svc.Published(slug)
		if err != nil {
			t.Fatal(err)
		}
		r.surveyID = p.Survey.ID
	}
	return rigs
}

// interviewers signs n interviewers in, alternately through a and b.
func (r *catiRig) interviewers(t *testing.T, prefix string, n int) []*staffClient {
	t.Helper()
	st := &staff.Service{Store: r.a.Store, Limiter: allowAll{}, Cost: 4}
	out := make([]*staffClient, n)
	for i := range out {
		in := r.a
		if i%2 == 1 {
			in = r.b
		}
		name := fmt.Sprintf("%s%02d", prefix, i)
		if _, err := st.CreateUser(name, models.RoleInterviewer, "a-long-password-123"); err != nil {
			t.Fatal(err)
		}
		jar, _ := cookiejar.New(nil)
		sc := &staffClient{t: t, base: in.URL, c: &http.Client{Jar: jar, Timeout: 60 * time.Second}}
		rep := sc.do(http.MethodPost, "/api/v1/admin/login", map[string]string{"name": name, "password": "a-long-password-123"})
		if rep.Status != 200 {
			t.Fatalf("login %s: %d %s", name, rep.Status, rep.Raw)
		}
		sc.csrf = rep.Body["csrf_token"].(string)
		out[i] = sc
	}
	return out
}

// phones are n distinct mainland mobile numbers for a test sample.
func phones(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("1390571%04d", 1000+i*7)
	}
	return out
}

// upload sends a CSV sample through the designer's API.
func upload(t *testing.T, sc *staffClient, surveyID uint64, numbers []string) map[string]any {
	t.Helper()
	var b strings.Builder
	b.WriteString("\ufeffphone,unit,note\n")
	for _, n := range numbers {
		b.WriteString(n + ",,\n")
	}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/admin/surveys/%d/cati/sample", sc.base, surveyID), strings.NewReader(b.String()))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("X-CSRF-Token", sc.csrf)
	rep := do(t, sc.c, req)
	if rep.Status != 200 {
		t.Fatalf("sample upload: %d %s", rep.Status, rep.Raw)
	}
	return rep.Body
}

func caseID(t *testing.T, rep reply) uint64 {
	t.Helper()
	if rep.Status != 200 {
		t.Fatalf("next: %d %s", rep.Status, rep.Raw)
	}
	return uint64(rep.Body["case_id"].(float64))
}

// TestCatiNextAcrossInstances: 30 interviewers asking for the next case at
// once through two instances each get a different case with its number;
// a 31st gets 204; after the hold lapses 30 others get the same 30 cases
// and the first holders can no longer record on them.
func TestCatiNextAcrossInstances(t *testing.T) {
	for _, r := range catiRigs(t) {
		t.Run(r.name, func(t *testing.T) {
			designer := signIn(t, r.a, models.RoleAdmin) // the demo survey has no owner: admins supervise it
			if rep := designer.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/cati/settings", r.surveyID),
				map[string]any{"config": map[string]any{"hold_minutes": 1}}); rep.Status != 200 {
				t.Fatalf("settings: %d %s", rep.Status, rep.Raw)
			}
			numbers := phones(30)
			res := upload(t, designer, r.surveyID, append(numbers, numbers[0], "12345"))
			if res["added"].(float64) != 30 || res["duplicates"].(float64) != 1 || len(res["invalid"].([]any)) != 1 {
				t.Fatalf("upload: %v", res)
			}
			first := r.interviewers(t, "first", 30)
			got := askAll(t, first, r.surveyID)
			seen := map[uint64]bool{}
			phoneOf := map[uint64]string{}
			for i, rep := range got {
				id := caseID(t, rep)
				if seen[id] {
					t.Fatalf("case %d given twice", id)
				}
				seen[id] = true
				phoneOf[id] = rep.Body["phone"].(string)
				if rep.Body["attempt"].(float64) != 1 {
					t.Fatalf("interviewer %d: attempt %v", i, rep.Body["attempt"])
				}
			}
			for _, n := range numbers {
				found := false
				for _, p := range phoneOf {
					found = found || p == n
				}
				if !found {
					t.Fatalf("number %s was given to nobody", n)
				}
			}
			// Asking again gives the case one holds; nobody else gets anything.
			if rep := first[3].do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil); caseID(t, rep) != caseID(t, got[3]) {
				t.Fatalf("asking again gave another case")
			}
			late := r.interviewers(t, "late", 1)[0]
			if rep := late.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil); rep.Status != 204 {
				t.Fatalf("31st interviewer: %d %s, want 204", rep.Status, rep.Raw)
			}
			// The holds lapse: 30 others take the same cases.
			r.clock.Add(61 * time.Second)
			second := r.interviewers(t, "second", 30)
			again := map[uint64]bool{}
			for _, rep := range askAll(t, second, r.surveyID) {
				id := caseID(t, rep)
				if again[id] || !seen[id] {
					t.Fatalf("case %d: given twice or not one of the lapsed", id)
				}
				again[id] = true
			}
			rep := first[0].do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/outcome", caseID(t, got[0])), map[string]any{"code": "3.13"})
			if rep.Status != http.StatusConflict || errorCode(t, rep) != "not_held" {
				t.Fatalf("outcome on a lapsed hold: %d %s, want 409 not_held", rep.Status, rep.Raw)
			}
		})
	}
}

// askAll has every interviewer ask for the next case at once.
func askAll(t *testing.T, scs []*staffClient, surveyID uint64) []reply {
	t.Helper()
	out := make([]reply, len(scs))
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i, sc := range scs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			out[i] = sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", surveyID), nil)
		}()
	}
	close(gate)
	wg.Wait()
	return out
}

// interviewBody is a random valid questionnaire for the survey with the
// screened town, age and gender answers.
func interviewBody(t *testing.T, in *instance, seed uint64, screened map[string]string, started time.Time) map[string]any {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(seed, 3)), p.Compiled)
	raw, _ := json.Marshal(sub)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	answers := body["answers"].(map[string]any)
	for role, code := range screened {
		answers[p.Compiled.BreakdownQuestion(role).Code] = code
	}
	body["started_at"] = started.UTC().Format(time.RFC3339)
	return body
}

// screening returns the first options of the town, age and gender questions,
// with gender set to g.
func screening(t *testing.T, in *instance, g string) map[string]string {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"town":   p.Compiled.BreakdownQuestion("town").Options[0].Code,
		"age":    p.Compiled.BreakdownQuestion("age").Options[1].Code,
		"gender": g,
	}
}

// TestCatiQuotaExact: a quota cell of 10 and 40 interviewers screening and
// interviewing at once across two instances give exactly 10 completes in
// the cell, 30 quota_full answers closed as 4.8, nothing left reserved,
// and the report and results say so.
func TestCatiQuotaExact(t *testing.T) {
	for _, r := range catiRigs(t) {
		t.Run(r.name, func(t *testing.T) {
			designer := signIn(t, r.a, models.RoleAdmin) // the demo survey has no owner: admins supervise it
			rep := designer.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/cati/settings", r.surveyID), map[string]any{
				"quotas": []map[string]any{{"cell": map[string]string{"gender": "f"}, "target": 10}, {"cell": map[string]string{"gender": "m"}, "target": 100}},
			})
			if rep.Status != 200 {
				t.Fatalf("settings: %d %s", rep.Status, rep.Raw)
			}
			upload(t, designer, r.surveyID, phones(41))
			ivs := r.interviewers(t, "quota", 40)
			scr := screening(t, r.a, "f")
			var mu sync.Mutex
			codes := map[string]int{}
			var wg sync.WaitGroup
			gate := make(chan struct{})
			for i, sc := range ivs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-gate
					id := caseID(t, sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil))
					rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/screen", id), scr)
					key := fmt.Sprint(rep.Status)
					switch rep.Status {
					case 200:
						body := interviewBody(t, r.a, uint64(i), scr, r.clock.Now().Add(-4*time.Minute))
						body["submission_id"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
						if rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/responses", id), body); rep.Status != 201 {
							t.Errorf("interview: %d %s", rep.Status, rep.Raw)
						}
						key = "complete"
					case 409:
						key = errorCode(t, rep)
						if rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/outcome", id), map[string]any{"code": "4.8"}); rep.Status != 200 {
							t.Errorf("outcome 4.8: %d %s", rep.Status, rep.Raw)
						}
					}
					mu.Lock()
					codes[key]++
					mu.Unlock()
				}()
			}
			close(gate)
			wg.Wait()
			if codes["complete"] != 10 || codes["quota_full"] != 30 {
				t.Fatalf("outcomes %v, want 10 complete and 30 quota_full", codes)
			}
			cells, err := r.a.Store.AllQuotaCells(r.surveyID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cells {
				if c.Reserved != 0 || c.CellKey == "gender=f" && c.Filled != 10 || c.CellKey == "gender=m" && c.Filled != 0 {
					t.Fatalf("cell %s: filled %d reserved %d", c.CellKey, c.Filled, c.Reserved)
				}
			}
			// An interview must repeat the screened answers.
			last := r.interviewers(t, "check", 1)[0]
			id := caseID(t, last.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil))
			male := screening(t, r.a, "m")
			if rep := last.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/screen", id), male); rep.Status != 200 {
				t.Fatalf("screen m: %d %s", rep.Status, rep.Raw)
			}
			body := interviewBody(t, r.a, 99, scr, r.clock.Now().Add(-time.Minute))
			body["submission_id"] = "00000000-0000-4000-8000-999999999999"
			if rep := last.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/responses", id), body); rep.Status != 422 {
				t.Fatalf("interview unlike its screening: %d %s, want 422", rep.Status, rep.Raw)
			}
			// The report counts it all.
			rep = designer.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/cati/report", r.surveyID), nil)
			var report struct {
				Dispositions map[string]int
				Rates        struct{ RR1 *float64 }
				Interviewers []struct{ Completes, Calls int }
				Quotas       []struct {
					Key                      string
					Target, Filled, Reserved int
				}
				Channels map[string]int
				Holds    []struct{ CaseID uint64 }
			}
			if rep.Status != 200 || json.Unmarshal(rep.Raw, &report) != nil {
				t.Fatalf("report: %d %s", rep.Status, rep.Raw)
			}
			completes := 0
			for _, iv := range report.Interviewers {
				completes += iv.Completes
			}
			if report.Dispositions["1.1"] != 10 || report.Dispositions["4.8"] != 30 || completes != 10 ||
				report.Channels["cati"] != 10 || report.Rates.RR1 == nil || *report.Rates.RR1 != 10.0/11 || len(report.Holds) != 1 {
				t.Fatalf("report: %s", rep.Raw)
			}
		})
	}
}

// TestCatiNumbersNeverInClear: after a sample is uploaded, worked, screened,
// interviewed and exported, no number of it is in clear in any table, the
// SQLite files (WAL included), Redis, the log or the exports; only the
// interviewer holding a case is given its number.
func TestCatiNumbersNeverInClear(t *testing.T) {
	var logs syncLog
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	for _, r := range catiRigs(t) {
		t.Run(r.name, func(t *testing.T) {
			designer := signIn(t, r.a, models.RoleAdmin) // the demo survey has no owner: admins supervise it
			numbers := phones(6)
			upload(t, designer, r.surveyID, numbers)
			ivs := r.interviewers(t, "priv", 3)
			scr := screening(t, r.a, "f")
			given := 0
			for i, sc := range ivs {
				rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil)
				id := caseID(t, rep)
				given++
				switch i {
				case 0:
					if rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/screen", id), scr); rep.Status != 200 {
						t.Fatalf("screen: %d %s", rep.Status, rep.Raw)
					}
					body := interviewBody(t, r.a, 5, scr, r.clock.Now().Add(-3*time.Minute))
					body["submission_id"] = "00000000-0000-4000-8000-000000000777"
					if rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/responses", id), body); rep.Status != 201 {
						t.Fatalf("interview: %d %s", rep.Status, rep.Raw)
					}
				case 1:
					if rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/outcome", id), map[string]any{"code": "2.11", "do_not_call": true, "note": "不要再打"}); rep.Status != 200 {
						t.Fatalf("refusal: %d %s", rep.Status, rep.Raw)
					}
				}
			}
			// Another interviewer cannot act on a case it does not hold.
			other := r.interviewers(t, "privo", 1)[0]
			if rep := other.do(http.MethodPost, "/api/v1/cati/cases/1/screen", scr); rep.Status != 409 && rep.Status != 404 {
				t.Fatalf("screening another's case: %d %s", rep.Status, rep.Raw)
			}
			var seen strings.Builder
			for _, p := range []string{"/responses.csv", "/cati/report", "/responses"} {
				rep := designer.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d%s", r.surveyID, p), nil)
				if rep.Status != 200 {
					t.Fatalf("GET %s: %d %s", p, rep.Status, rep.Raw)
				}
				seen.Write(rep.Raw)
			}
			for table, rows := range dumpTables(t, r.a.Store) {
				seen.WriteString(table + ":" + strings.Join(rows, "\n"))
			}
			if r.dir != "" {
				entries, _ := os.ReadDir(r.dir)
				for _, e := range entries {
					b, err := os.ReadFile(filepath.Join(r.dir, e.Name()))
					if err != nil {
						t.Fatal(err)
					}
					seen.Write(b)
				}
			}
			if r.redisKey != "" {
				rdb := surveystest.Redis(t)
				ctx := context.Background()
				keys, err := rdb.Keys(ctx, r.redisKey+"*").Result()
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range keys {
					seen.WriteString(k)
					v, _ := rdb.Dump(ctx, k).Result()
					seen.WriteString(v)
				}
			}
			seen.WriteString(logs.String())
			text := seen.String()
			if len(text) < 1000 || !strings.Contains(text, "cati_cases:") || !strings.Contains(text, "phone_sealed=v1:") {
				t.Fatalf("the sealed numbers were not among the %d bytes looked at", len(text))
			}
			for _, n := range numbers {
				if strings.Contains(text, n) || strings.Contains(text, n[3:]) {
					t.Fatalf("number %s found in clear", n)
				}
			}
			if given != 3 {
				t.Fatalf("given %d", given)
			}
		})
	}
}

// syncLog is a log buffer safe for concurrent writers.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCatiScheduling: on a fake clock through the API, a no-answer comes
// back no sooner than the retry gap and in another time slot, an
// appointment is due at its time for the interviewer who booked it, the
// last attempt closes the case with a final code, and nothing is given
// outside the calling hours of the survey's zone (Asia/Shanghai).
func TestCatiScheduling(t *testing.T) {
	r := catiRigs(t)[0]
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	designer := signIn(t, r.a, models.RoleAdmin) // the demo survey has no owner: admins supervise it
	if rep := designer.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/cati/settings", r.surveyID),
		map[string]any{"config": map[string]any{"max_attempts": 3}}); rep.Status != 200 {
		t.Fatalf("settings: %d %s", rep.Status, rep.Raw)
	}
	upload(t, designer, r.surveyID, phones(1))
	ivs := r.interviewers(t, "sched", 2)
	x, y := ivs[0], ivs[1]
	next := func(sc *staffClient) reply {
		return sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil)
	}
	outcome := func(sc *staffClient, id uint64, body map[string]any) reply {
		rep := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/outcome", id), body)
		if rep.Status != 200 {
			t.Fatalf("outcome %v: %d %s", body, rep.Status, rep.Raw)
		}
		return rep
	}
	at := func(hh, mm int) {
		now := r.clock.Now().In(shanghai)
		want := time.Date(now.Year(), now.Month(), now.Day(), hh, mm, 0, 0, shanghai)
		r.clock.Add(want.Sub(now))
	}
	id := caseID(t, next(x))
	rep := outcome(x, id, map[string]any{"code": "3.13"})
	due, _ := time.Parse(time.RFC3339, rep.Body["due_at"].(string))
	if due.Sub(r.clock.Now()) < time.Hour || due.In(shanghai).Hour() < 12 {
		t.Fatalf("no answer at 10:00 due again at %s, want an hour on and in the afternoon", due.In(shanghai))
	}
	if rep := next(x); rep.Status != 204 {
		t.Fatalf("retry given at once: %d", rep.Status)
	}
	at(11, 30)
	if rep := next(y); rep.Status != 204 {
		t.Fatalf("retry given in the same slot: %d", rep.Status)
	}
	at(12, 5)
	rep = next(x)
	if caseID(t, rep) != id || rep.Body["attempt"].(float64) != 2 || len(rep.Body["history"].([]any)) != 1 {
		t.Fatalf("second attempt: %s", rep.Raw)
	}
	now := r.clock.Now().In(shanghai)
	callback := time.Date(now.Year(), now.Month(), now.Day(), 19, 0, 0, 0, shanghai)
	outcome(x, id, map[string]any{"code": "appointment", "callback_at": callback.Format(time.RFC3339), "note": "晚上七点"})
	at(18, 50)
	if rep := next(x); rep.Status != 204 {
		t.Fatalf("appointment given 10 minutes early: %d", rep.Status)
	}
	at(18, 56)
	if rep := next(y); rep.Status != 204 {
		t.Fatalf("appointment given to another interviewer: %d %s", rep.Status, rep.Raw)
	}
	rep = next(x)
	if caseID(t, rep) != id || rep.Body["appointment"] == nil {
		t.Fatalf("appointment not given to who booked it: %s", rep.Raw)
	}
	rep = outcome(x, id, map[string]any{"code": "3.13"})
	if rep.Body["state"] != "closed" || rep.Body["final_code"] == "" {
		t.Fatalf("third and last attempt: %s", rep.Raw)
	}
	// Outside the calling hours nothing is given; the next morning it is.
	at(21, 30)
	upload(t, designer, r.surveyID, []string{"13905719999"})
	if rep := next(y); rep.Status != 204 {
		t.Fatalf("a case given at 21:30: %d", rep.Status)
	}
	r.clock.Add(11*time.Hour + 35*time.Minute) // 09:05 the next day
	if rep := next(y); rep.Status != 200 {
		t.Fatalf("nothing given at 09:05: %d %s", rep.Status, rep.Raw)
	}
}

// TestCatiCampaignQuotas: a campaign's unit targets and quota cells (the
// definition's) are the telephone work's: a sample for a unit brings its
// cells into the quota table, a screening reserves in the unit's cell, and
// the report shows the unit's target.
func TestCatiCampaignQuotas(t *testing.T) {
	r := catiRigs(t)[0]
	sid, err := r.a.Svc.CreateSurvey(surveys.NewSurvey{Slug: "campaign-2022", Template: "campaign-2022"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.a.Svc.Publish(sid); err != nil {
		t.Fatal(err)
	}
	p, err := r.a.Svc.Published("campaign-2022")
	if err != nil {
		t.Fatal(err)
	}
	unit := p.Compiled.Def.Units[0]
	admin := signIn(t, r.a, models.RoleAdmin)
	var b strings.Builder
	b.WriteString("phone,unit\n13905710001," + unit.Code + "\n")
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/admin/surveys/%d/cati/sample", admin.base, p.Survey.ID), strings.NewReader(b.String()))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("X-CSRF-Token", admin.csrf)
	if rep := do(t, admin.c, req); rep.Status != 200 || rep.Body["added"] != 1.0 {
		t.Fatalf("sample: %d %s", rep.Status, rep.Raw)
	}
	iv := r.interviewers(t, "camp", 1)[0]
	rep := iv.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", p.Survey.ID), nil)
	id := caseID(t, rep)
	if rep.Body["unit"] != unit.Code {
		t.Fatalf("case of unit %v", rep.Body["unit"])
	}
	gender := unit.Quotas[0].Cell["gender"]
	scr := map[string]string{"gender": gender}
	for _, role := range []string{"town", "age"} {
		if q := p.Compiled.BreakdownQuestion(role); q != nil {
			scr[role] = q.Options[0].Code
		}
	}
	if rep := iv.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/screen", id), scr); rep.Status != 200 {
		t.Fatalf("screen: %d %s", rep.Status, rep.Raw)
	}
	rep = admin.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/cati/report", p.Survey.ID), nil)
	var report struct {
		Units []struct {
			Unit   string
			Target *int
		}
		Quotas []struct {
			Unit             string
			Key              string
			Target, Reserved int
		}
	}
	if rep.Status != 200 || json.Unmarshal(rep.Raw, &report) != nil {
		t.Fatalf("report: %d %s", rep.Status, rep.Raw)
	}
	reserved, target := 0, 0
	for _, q := range report.Quotas {
		if q.Unit == unit.Code && q.Key == "gender="+gender {
			reserved, target = q.Reserved, q.Target
		}
	}
	unitTarget := 0
	for _, u := range report.Units {
		if u.Unit == unit.Code && u.Target != nil {
			unitTarget = *u.Target
		}
	}
	if reserved != 1 || target != unit.Quotas[0].Target || unitTarget != unit.Target {
		t.Fatalf("unit %s: cell reserved %d target %d, unit target %d: %s", unit.Code, reserved, target, unitTarget, rep.Raw)
	}
}

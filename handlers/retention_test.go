package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// testClock is a settable clock for the app's Config.Clock.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func newTestClock() *testClock           { c := &testClock{}; c.Set(time.Now()); return c }
func (c *testClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// retentionRow reads one survey's entry of GET /api/v1/admin/retention.
func retentionRow(t *testing.T, sc *staffClient, slug string) map[string]any {
	t.Helper()
	r := sc.do(http.MethodGet, "/api/v1/admin/retention", nil)
	list, _ := r.Body["surveys"].([]any)
	if r.Status != http.StatusOK {
		t.Fatalf("retention status: %d %s", r.Status, r.Raw)
	}
	for _, e := range list {
		if m, _ := e.(map[string]any); m["slug"] == slug {
			return m
		}
	}
	t.Fatalf("retention status lists no %s: %s", slug, r.Raw)
	return nil
}

// remaining is the rows count of one kind in a retention status row.
func remaining(row map[string]any, name string) float64 {
	list, _ := row["remaining"].([]any)
	for _, e := range list {
		if m, _ := e.(map[string]any); m["name"] == name {
			n, _ := m["rows"].(float64)
			return n
		}
	}
	return -1
}

// TestRetentionPurge: a phone survey with a telephone sample is closed;
// 29 days later (injected clock) the purge clears nothing; 31 days later
// it clears the sealed numbers, the case notes and the address hashes,
// once however many admins ask at the same moment, and audits it; the
// respondent keys stay, so that after a reopen the same number is still
// a 409 while a new one is accepted.
func TestRetentionPurge(t *testing.T) {
	clock := newTestClock()
	const number = "13912345678"
	for name, in := range instances(t, handlers.Config{Clock: clock.Now}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(time.Now())
			id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
			admin := signIn(t, in, models.RoleAdmin)
			endpoint := in.URL + "/api/v1/surveys/" + phoneSlug + "/responses"
			if r := post(t, modeResident(t, in, phoneSlug), endpoint, "application/json", modeBody(t, in, phoneSlug, "", number, 1)); r.Status != http.StatusCreated {
				t.Fatalf("answer: %d %s", r.Status, r.Raw)
			}
			numbers := phones(5)
			uploadNoted(t, admin, id, numbers, "请找王阿姨")
			// An interviewer's note on a call (as the console stores it).
			var caseID uint64
			if err := in.Store.R.Model(&models.CatiCase{}).Where("survey_id = ?", id).Limit(1).Pluck("id", &caseID).Error; err != nil {
				t.Fatal(err)
			}
			if err := in.Store.W.Create(&models.CatiAttempt{CaseID: caseID, SurveyID: id, StartedAt: time.Now(), Outcome: "callback",
				Note: "王阿姨说晚上六点后再打"}).Error; err != nil {
				t.Fatal(err)
			}
			if r := admin.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/close", id), nil); r.Status != http.StatusNoContent {
				t.Fatalf("close: %d %s", r.Status, r.Raw)
			}
			keys := respondentKeys(t, in.Store, id)
			if len(keys) != 1 || !strings.HasPrefix(keys[0], "p:") {
				t.Fatalf("respondent keys %v, want one phone hash", keys)
			}

			row := retentionRow(t, admin, phoneSlug)
			if row["collects_identity"] != true || row["retention_days"] != float64(30) || row["purged_at"] != nil {
				t.Fatalf("status before: %v", row)
			}
			due, err := time.Parse(time.RFC3339, row["purge_due"].(string))
			if err != nil || due.Sub(time.Now()) < 29*24*time.Hour || due.Sub(time.Now()) > 30*24*time.Hour+time.Minute {
				t.Fatalf("purge_due %v (%v), want 30 days from now", row["purge_due"], err)
			}
			if remaining(row, "cati_numbers") != 5 || remaining(row, "cati_case_notes") != 5 ||
				remaining(row, "cati_call_notes") != 1 || remaining(row, "response_addresses") != 1 {
				t.Fatalf("remaining before: %v", row["remaining"])
			}

			// Not before the period is over.
			clock.Add(29 * 24 * time.Hour)
			if r := admin.do(http.MethodPost, "/api/v1/admin/retention/purge", nil); r.Status != http.StatusOK || len(r.Body["purged"].([]any)) != 0 {
				t.Fatalf("purge at 29 days: %d %s, want nothing purged", r.Status, r.Raw)
			}
			if n := countWhere(t, in.Store, "cati_cases", id, "phone_sealed <> ''"); n != 5 {
				t.Fatalf("%d sealed numbers left at 29 days, want 5", n)
			}

			// After it: three admins' requests at once purge it once.
			clock.Add(2 * 24 * time.Hour)
			var wg sync.WaitGroup
			replies := make([]reply, 3)
			for i := range replies {
				wg.Add(1)
				go func() { defer wg.Done(); replies[i] = admin.do(http.MethodPost, "/api/v1/admin/retention/purge", nil) }()
			}
			wg.Wait()
			purged := 0
			for _, r := range replies {
				if r.Status != http.StatusOK {
					t.Fatalf("purge at 31 days: %d %s", r.Status, r.Raw)
				}
				for _, p := range r.Body["purged"].([]any) {
					purged++
					if p.(map[string]any)["slug"] != phoneSlug {
						t.Fatalf("purged %v, want only %s", p, phoneSlug)
					}
				}
			}
			if purged != 1 {
				t.Fatalf("the survey was purged %d times, want once: %s | %s | %s", purged, replies[0].Raw, replies[1].Raw, replies[2].Raw)
			}
			for _, cond := range []struct{ table, where string }{
				{"cati_cases", "phone_sealed <> ''"}, {"cati_cases", "note <> ''"}, {"cati_attempts", "note <> ''"}, {"responses", "ip_hash <> ''"},
			} {
				if n := countWhere(t, in.Store, cond.table, id, cond.where); n != 0 {
					t.Errorf("%d rows of %s still have %s", n, cond.table, cond.where)
				}
			}
			if n := countWhere(t, in.Store, "cati_cases", id, "phone_hash <> ''"); n != 5 {
				t.Errorf("%d cases keep their number hash, want 5 (the sample stays unique)", n)
			}
			if got := respondentKeys(t, in.Store, id); strings.Join(got, ",") != strings.Join(keys, ",") {
				t.Errorf("respondent keys %v after the purge, want %v", got, keys)
			}
			row = retentionRow(t, admin, phoneSlug)
			if row["purged_at"] == nil || remaining(row, "cati_numbers") != 0 || remaining(row, "response_addresses") != 0 {
				t.Errorf("status after: %v", row)
			}

			// Audited once, under the admin, with what it cleared.
			var audits []models.AuditEntry
			if err := in.Store.R.Where("action = ? AND survey_id = ?", surveys.ActionRetentionPurge, id).Find(&audits).Error; err != nil {
				t.Fatal(err)
			}
			if len(audits) != 1 || audits[0].UserName != admin.name ||
				!strings.Contains(audits[0].Detail, "cati_numbers=5") || !strings.Contains(audits[0].Detail, "response_addresses=1") {
				t.Fatalf("audit entries %+v, want one by %s counting 5 numbers and 1 address", audits, admin.name)
			}

			// The background job finds nothing more to do.
			if res, err := in.Svc.PurgeDue(clock.Now(), nil); err != nil || len(res) != 0 {
				t.Fatalf("a later purge: %v %v, want nothing", res, err)
			}

			// Reopened, the number that answered is still counted once.
			if r := admin.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/reopen", id), nil); r.Status != http.StatusNoContent {
				t.Fatalf("reopen: %d %s", r.Status, r.Raw)
			}
			in.Svc.Forget(phoneSlug)
			again := post(t, modeResident(t, in, phoneSlug), endpoint, "application/json", modeBody(t, in, phoneSlug, "", number, 2))
			if again.Status != http.StatusConflict || errorCode(t, again) != "duplicate" {
				t.Fatalf("the same number after the purge: %d %s, want 409 duplicate", again.Status, again.Raw)
			}
			if r := post(t, modeResident(t, in, phoneSlug), endpoint, "application/json", modeBody(t, in, phoneSlug, "", "13512345678", 3)); r.Status != http.StatusCreated {
				t.Fatalf("a new number after the purge: %d %s", r.Status, r.Raw)
			}
			if row := retentionRow(t, admin, phoneSlug); row["purged_at"] != nil || row["closed_at"] != nil {
				t.Errorf("a reopened survey: %v, want neither closed nor purged", row)
			}
		})
	}
}

// TestRetentionNotBeforeClose: an open survey is never purged, however
// old; a purge of a survey closed by its closing time runs from that time.
func TestRetentionNotBeforeClose(t *testing.T) {
	clock := newTestClock()
	for name, in := range instances(t, handlers.Config{Clock: clock.Now}) {
		t.Run(name, func(t *testing.T) {
			clock.Set(time.Now())
			id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
			if r := post(t, modeResident(t, in, phoneSlug), in.URL+"/api/v1/surveys/"+phoneSlug+"/responses", "application/json",
				modeBody(t, in, phoneSlug, "", "13912345678", 1)); r.Status != http.StatusCreated {
				t.Fatalf("answer: %d %s", r.Status, r.Raw)
			}
			if res, err := in.Svc.PurgeDue(clock.Now().Add(10*365*24*time.Hour), nil); err != nil || len(res) != 0 {
				t.Fatalf("an open survey 10 years on: %v %v, want nothing purged", res, err)
			}
			closes := clock.Now().Add(time.Hour)
			if err := in.Store.W.Model(&models.Survey{}).Where("id = ?", id).Update("closes_at", closes).Error; err != nil {
				t.Fatal(err)
			}
			if res, err := in.Svc.PurgeDue(closes.Add(30*24*time.Hour-time.Minute), nil); err != nil || len(res) != 0 {
				t.Fatalf("a minute before 30 days after closes_at: %v %v, want nothing", res, err)
			}
			res, err := in.Svc.PurgeDue(closes.Add(30*24*time.Hour), nil)
			if err != nil || len(res) != 1 || res[0].SurveyID != id {
				t.Fatalf("30 days after closes_at: %v %v, want the survey purged", res, err)
			}
			if n := countWhere(t, in.Store, "responses", id, "ip_hash <> ''"); n != 0 {
				t.Errorf("%d address hashes left", n)
			}
		})
	}
}

// uploadNoted sends a CSV sample whose every row carries note.
func uploadNoted(t *testing.T, sc *staffClient, surveyID uint64, numbers []string, note string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("phone,unit,note\n")
	for _, n := range numbers {
		b.WriteString(n + ",," + note + "\n")
	}
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/admin/surveys/%d/cati/sample", sc.base, surveyID), strings.NewReader(b.String()))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("X-CSRF-Token", sc.csrf)
	if rep := do(t, sc.c, req); rep.Status != http.StatusOK || rep.Body["added"] != float64(len(numbers)) {
		t.Fatalf("sample upload: %d %s", rep.Status, rep.Raw)
	}
}

func respondentKeys(t *testing.T, store *models.Store, surveyID uint64) []string {
	t.Helper()
	var keys []string
	if err := store.R.Model(&models.Response{}).Where("survey_id = ?", surveyID).Order("id").Pluck("respondent_key", &keys).Error; err != nil {
		t.Fatal(err)
	}
	return keys
}

func countWhere(t *testing.T, store *models.Store, table string, surveyID uint64, where string) int64 {
	t.Helper()
	var n int64
	if err := store.R.Table(table).Where("survey_id = ? AND "+where, surveyID).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRetentionTelephone: on two instances sharing a database, the case an
// interviewer holds carries the notice to read out before the first
// question; after the survey closes and its period is over, both
// instances' purge jobs running at once clear the numbers once: one audit
// entry, and the console's next case can no longer show a number.
func TestRetentionTelephone(t *testing.T) {
	for _, r := range catiRigs(t) {
		t.Run(r.name, func(t *testing.T) {
			admin := signIn(t, r.a, models.RoleAdmin)
			uploadNoted(t, admin, r.surveyID, phones(3), "")
			iv := r.interviewers(t, "notice", 1)[0]
			rep := iv.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil)
			caseID(t, rep)
			n, _ := rep.Body["privacy_notice"].(map[string]any)
			if n["collector"] != "市统计局" || n["retention_days"] != float64(30) {
				t.Fatalf("the case's privacy notice: %v", rep.Body["privacy_notice"])
			}
			for _, k := range []string{"collects", "purpose", "protection", "retention"} {
				if s, _ := n[k].(map[string]any)["zh"].(string); s == "" {
					t.Errorf("privacy_notice.%s has no text: %v", k, n[k])
				}
			}

			if rep := admin.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/close", r.surveyID), nil); rep.Status != http.StatusNoContent {
				t.Fatalf("close: %d %s", rep.Status, rep.Raw)
			}
			// Closed at the store's time; the period is over 31 days later.
			later := time.Now().Add(31 * 24 * time.Hour)
			var wg sync.WaitGroup
			results := make([][]surveys.PurgeResult, 2)
			errs := make([]error, 2)
			for i, in := range []*instance{r.a, r.b} {
				wg.Add(1)
				go func() { defer wg.Done(); results[i], errs[i] = in.Svc.PurgeDue(later, nil) }()
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil || len(results[0])+len(results[1]) != 1 {
				t.Fatalf("two instances purging at once: %v %v / %v %v, want one purge", results[0], errs[0], results[1], errs[1])
			}
			if n := countWhere(t, r.a.Store, "cati_cases", r.surveyID, "phone_sealed <> ''"); n != 0 {
				t.Fatalf("%d sealed numbers left", n)
			}
			var audits int64
			if err := r.a.Store.R.Model(&models.AuditEntry{}).Where("action = ? AND survey_id = ?", surveys.ActionRetentionPurge, r.surveyID).Count(&audits).Error; err != nil || audits != 1 {
				t.Fatalf("%d audit entries (%v), want 1", audits, err)
			}
			// Reopened, the purged cases are not given out: there is no number to call.
			if rep := admin.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/reopen", r.surveyID), nil); rep.Status != http.StatusNoContent {
				t.Fatalf("reopen: %d %s", rep.Status, rep.Raw)
			}
			r.a.Svc.Forget(slug)
			r.clock.Add(time.Hour) // past the first interviewer's hold
			if rep := r.interviewers(t, "after", 1)[0].do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil); rep.Status != http.StatusNoContent {
				t.Fatalf("next case after the purge: %d %s, want 204", rep.Status, rep.Raw)
			}
		})
	}
}

// TestRetentionJob: the background job purges at its first pass, by the
// clock it is given, and stops with its context.
func TestRetentionJob(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
	if r := post(t, modeResident(t, in, phoneSlug), in.URL+"/api/v1/surveys/"+phoneSlug+"/responses", "application/json",
		modeBody(t, in, phoneSlug, "", "13912345678", 1)); r.Status != http.StatusCreated {
		t.Fatalf("answer: %d %s", r.Status, r.Raw)
	}
	if err := in.Svc.SetOpen(id, false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		in.Svc.RunRetention(ctx, time.Hour, func() time.Time { return time.Now().Add(30*24*time.Hour + time.Minute) })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for countWhere(t, in.Store, "responses", id, "ip_hash <> ''") != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the job did not purge within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the job did not stop with its context")
	}
}

package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/sms/smstest"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
)

const inviteSecret = "callback-secret-0123456789"

// adminCall sends one staff request as an admin.
func adminCall(t *testing.T, in *instance, method, path, ctype, body string) reply {
	t.Helper()
	cookie, csrf := staffSession(t, &staff.Service{Store: in.Store, Limiter: limit.NewMemory(), Cost: 4}, models.RoleAdmin)
	req, _ := http.NewRequest(method, in.URL+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("X-CSRF-Token", csrf)
	req.AddCookie(cookie)
	return do(t, http.DefaultClient, req)
}

// waitRun polls the invitations until the survey's run has finished.
func waitRun(t *testing.T, in *instance, id uint64) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := adminCall(t, in, http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/invitations", id), "", "")
		if r.Status != 200 {
			t.Fatalf("invitations: %d %s", r.Status, r.Raw)
		}
		if run, _ := r.Body["run"].(map[string]any); run != nil && run["running"] == false {
			if run["error"] != nil {
				t.Fatalf("the run failed: %s", r.Raw)
			}
			return r.Body
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not end: %s", r.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestInvitationsHTTP texts a token survey's list through the admin API,
// takes delivery reports and an opt-out reply at the callbacks, opens and
// answers links, reminds the non-responders, and reads the funnel: each
// step equals what the fake provider saw.
func TestInvitationsHTTP(t *testing.T) {
	for name, in := range instances(t, handlers.Config{SMSCallbackSecret: inviteSecret}) {
		t.Run(name, func(t *testing.T) {
			f := smstest.NewAliyun(t)
			p, err := sms.New(f.Settings(), sms.Options{})
			if err != nil {
				t.Fatal(err)
			}
			id := modeSurvey(t, in, tokenSlug, questionnaire.DedupToken)
			base := fmt.Sprintf("/api/v1/admin/surveys/%d/invitations", id)
			settings := `{"per_second":200,"from_hour":0,"to_hour":24}`
			wantStatus(t, "sending without a provider", adminCall(t, in, http.MethodPost, base+"/send", "application/json", settings), http.StatusConflict, "sms_off")
			in.Svc.UseSMS(p)

			r := adminCall(t, in, http.MethodPost, base, "text/csv", "手机号\n13900000001\n139 0000 0002\n13900000003\n13900000004\n+8613900000005\n13900000001\n13900000006\n")
			if r.Status != 200 || r.Body["added"] != float64(6) || r.Body["duplicates"] != float64(1) {
				t.Fatalf("upload: %d %s", r.Status, r.Raw)
			}
			if r := adminCall(t, in, http.MethodPost, base, "application/json", `{"phones":["13900000004","1390000"]}`); r.Status != 200 ||
				r.Body["added"] != float64(0) || r.Body["duplicates"] != float64(1) || len(r.Body["invalid"].([]any)) != 1 {
				t.Fatalf("upload as JSON: %d %s", r.Status, r.Raw)
			}
			var stored []models.Invitation
			if err := in.Store.R.Where("survey_id = ?", id).Find(&stored).Error; err != nil || len(stored) != 6 {
				t.Fatalf("stored %d invitations, %v", len(stored), err)
			}
			for _, inv := range stored {
				row := fmt.Sprintf("%+v", inv)
				if strings.Contains(row, "1390000000") || !strings.HasPrefix(inv.PhoneSealed, "v1:") || !strings.HasPrefix(inv.TokenSealed, "v1:") {
					t.Fatalf("an invitation not sealed at rest: %s", row)
				}
			}
			wantStatus(t, "an unknown unit", adminCall(t, in, http.MethodPost, base+"?unit=nope", "text/csv", "13900000009\n"), http.StatusUnprocessableEntity, "invalid")
			if r := adminCall(t, in, http.MethodPost, "/api/v1/admin/do-not-contact", "text/csv", "13900000006\n"); r.Status != 200 || r.Body["added"] != float64(1) {
				t.Fatalf("do-not-contact: %d %s", r.Status, r.Raw)
			}
			wantStatus(t, "no pace", adminCall(t, in, http.MethodPost, base+"/send", "application/json", `{"per_second":0,"from_hour":9,"to_hour":8}`), http.StatusUnprocessableEntity, "invalid")
			wantStatus(t, "send", adminCall(t, in, http.MethodPost, base+"/send", "application/json", settings), http.StatusAccepted, "")
			waitRun(t, in, id)
			sent := f.Sent()
			if len(sent) != 5 {
				t.Fatalf("the fake saw %d invitations, want 5 (one number is not to be contacted)", len(sent))
			}
			for _, s := range sent {
				if s.Phone == "13900000006" {
					t.Fatal("a number on the do-not-contact list was texted")
				}
			}

			// Delivery reports: three delivered, one failed; a wrong secret is 404.
			var ids []string
			if err := in.Store.R.Model(&models.Invitation{}).Where("survey_id = ? AND state = ?", id, models.InviteSent).Order("id").Pluck("provider_id", &ids).Error; err != nil || len(ids) != 5 {
				t.Fatalf("provider ids %v %v", ids, err)
			}
			report := fmt.Sprintf(`[{"biz_id":%q,"success":true},{"biz_id":%q,"success":true},{"sid":%q,"report_status":"SUCCESS"},{"biz_id":%q,"success":false}]`, ids[0], ids[1], ids[2], ids[3])
			wantStatus(t, "a wrong callback secret", post(t, http.DefaultClient, in.URL+"/api/v1/sms/receipts/wrong-secret-0123456789", "application/json", []byte(report)), http.StatusNotFound, "")
			if r := post(t, http.DefaultClient, in.URL+"/api/v1/sms/receipts/"+inviteSecret, "application/json", []byte(report)); r.Status != 200 {
				t.Fatalf("receipts: %d %s", r.Status, r.Raw)
			}
			// The fifth number replies 退订.
			if r := post(t, http.DefaultClient, in.URL+"/api/v1/sms/replies/"+inviteSecret, "application/json",
				[]byte(`[{"phone_number":"13900000005","content":"退订"}]`)); r.Status != 200 {
				t.Fatalf("reply: %d %s", r.Status, r.Raw)
			}

			// Two links opened (one twice), one answered.
			token := func(s smstest.Sent) string {
				u, err := url.Parse(s.Params["link"])
				if err != nil || !strings.HasPrefix(s.Params["link"], in.URL+"/s/"+tokenSlug+"?t=") {
					t.Fatalf("link %q", s.Params["link"])
				}
				return u.Query().Get("t")
			}
			for _, s := range []smstest.Sent{sent[0], sent[1], sent[1]} {
				if r := get(t, http.DefaultClient, in.URL+"/s/"+tokenSlug+"?t="+token(s)); r.Status != 200 {
					t.Fatalf("open: %d", r.Status)
				}
			}
			endpoint := in.URL + "/api/v1/surveys/" + tokenSlug + "/responses"
			wantStatus(t, "answer", post(t, modeResident(t, in, tokenSlug), endpoint, "application/json", modeBody(t, in, tokenSlug, token(sent[0]), "", 3)), http.StatusCreated, "")

			// Reminders: too early nothing; two days on, the three who neither answered nor opted out.
			remind := `{"per_second":200,"from_hour":0,"to_hour":24,"after_days":1,"max_reminders":1}`
			wantStatus(t, "remind", adminCall(t, in, http.MethodPost, base+"/remind", "application/json", remind), http.StatusAccepted, "")
			waitRun(t, in, id)
			if len(f.Sent()) != 5 {
				t.Fatalf("reminded before the interval: %d messages", len(f.Sent()))
			}
			if err := in.Store.W.Model(&models.Invitation{}).Where("survey_id = ?", id).Update("sent_at", time.Now().Add(-49*time.Hour)).Error; err != nil {
				t.Fatal(err)
			}
			wantStatus(t, "remind", adminCall(t, in, http.MethodPost, base+"/remind", "application/json", remind), http.StatusAccepted, "")
			waitRun(t, in, id)
			wantStatus(t, "remind again", adminCall(t, in, http.MethodPost, base+"/remind", "application/json", remind), http.StatusAccepted, "")
			body := waitRun(t, in, id)
			reminders := f.Sent()[5:]
			if len(reminders) != 3 {
				t.Fatalf("%d reminders, want 3", len(reminders))
			}
			for _, s := range reminders {
				if s.Phone == sent[0].Phone || s.Phone == "13900000005" {
					t.Fatalf("%s reminded though it answered or opted out", s.Phone)
				}
			}
			raw, _ := json.Marshal(body["total"])
			want := `{"completed":1,"delivered":3,"failed":0,"listed":6,"opened":2,"opted_out":2,"pending":0,"sent":4,"unit":"*"}` // keys sorted, as a map encodes
			if string(raw) != want {
				t.Fatalf("funnel %s, want %s", raw, want)
			}
		})
	}
}

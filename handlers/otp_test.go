package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// otpClock is the code service's clock, moved by hand.
type otpClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *otpClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *otpClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// otpInbox is an SMS provider that keeps the messages it was given (the
// resident's phone) and fails on demand.
type otpInbox struct {
	mu   sync.Mutex
	msgs []sms.Message
	fail error
}

func (b *otpInbox) Name() string { return "inbox" }

func (b *otpInbox) Send(_ context.Context, m sms.Message) (sms.Receipt, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return sms.Receipt{}, b.fail
	}
	b.msgs = append(b.msgs, m)
	return sms.Receipt{ID: strconv.Itoa(len(b.msgs))}, nil
}

func (b *otpInbox) setFail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fail = err
}

func (b *otpInbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

// code is the last code texted to phone.
func (b *otpInbox) code(t testing.TB, phone string) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.msgs) - 1; i >= 0; i-- {
		if m := b.msgs[i]; m.Phone == phone && m.Template == sms.OTP && len(m.Params) == 1 {
			return m.Params[0].Value
		}
	}
	t.Fatalf("no code was texted to %s", phone)
	return ""
}

// useOTP turns codes on for in, on store, with one inbox and clock.
func useOTP(in *instance, store identity.Store, box sms.Provider, clk *otpClock) *identity.OTP {
	o := identity.NewOTP(store, box, identity.NewHasher(surveystest.Secret))
	o.Now = clk.Now
	in.Svc.UseOTP(o)
	return o
}

type otpApp struct {
	in  *instance
	box *otpInbox
	clk *otpClock
}

// otpInstances are the production pairings with codes on: SQLite with the
// codes in its database, and MySQL with Redis when configured.
func otpInstances(t *testing.T) map[string]otpApp {
	t.Helper()
	mk := func(in *instance, store identity.Store) otpApp {
		a := otpApp{in: in, box: &otpInbox{}, clk: &otpClock{t: time.Now()}}
		useOTP(in, store, a.box, a.clk)
		return a
	}
	db := surveystest.SQLite(t)
	out := map[string]otpApp{
		"sqlite": mk(start(t, db, dedup.NewMemory(), live.NewMemory(), handlers.Config{}), models.NewIdentityStore(db)),
	}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		rdb := surveystest.Redis(t)
		p := surveystest.Prefix()
		rs, err := identity.NewRedis(rdb, p+"id:")
		if err != nil {
			t.Fatal(err)
		}
		out["mysql+redis"] = mk(start(t, surveystest.MySQL(t), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), handlers.Config{}), rs)
	}
	return out
}

// askCode posts a code request for phone to the phone survey of base.
func askCode(t *testing.T, base, slug, phone string) reply {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"phone": phone})
	return post(t, http.DefaultClient, base+"/api/v1/surveys/"+slug+"/otp", "application/json", body)
}

// otpBody is a complete submission to slug from phone with code; id ""
// makes a new submission id.
func otpBody(t *testing.T, in *instance, phone, code, id string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(modeBody(t, in, phoneSlug, "", phone, 5), &m); err != nil {
		t.Fatal(err)
	}
	if id == "" {
		id = uuid.NewString()
	}
	m["submission_id"] = id
	if code != "" {
		m["otp"] = code
	}
	b, _ := json.Marshal(m)
	return b
}

func submitPhone(t *testing.T, in *instance, body []byte) reply {
	t.Helper()
	return post(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+phoneSlug+"/responses", "application/json", body)
}

func wantStatus(t *testing.T, what string, r reply, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d %s, want %d %s", what, r.Status, r.Raw, status, code)
	}
	if code != "" {
		if got := errorCode(t, r); got != code {
			t.Fatalf("%s: code %q (%s), want %q", what, got, r.Raw, code)
		}
	}
}

// wrongOf is a six-digit code other than code.
func wrongOf(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

// TestOTPSubmissions is the resident's flow on both backends: request a
// code, answer with it (201), the same number again (409), wrong, expired
// and reused codes (403 otp_invalid), five wrong codes locking the number
// (429 otp_locked), and the code request's own answers.
func TestOTPSubmissions(t *testing.T) {
	for name, a := range otpInstances(t) {
		t.Run(name, func(t *testing.T) {
			in := a.in
			id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
			modeSurvey(t, in, tokenSlug, questionnaire.DedupToken)

			t.Run("code, then answer, then the same number again", func(t *testing.T) {
				const number = "13912345678"
				r := askCode(t, in.URL, phoneSlug, "+86 139 1234 5678")
				wantStatus(t, "ask a code", r, http.StatusAccepted, "")
				if r.Body["expires_in"] != float64(300) || r.Body["resend_after"] != float64(60) {
					t.Errorf("code request body %s", r.Raw)
				}
				code := a.box.code(t, number)
				sid := uuid.NewString()
				wantStatus(t, "answer with the code", submitPhone(t, in, otpBody(t, in, number, code, sid)), http.StatusCreated, "")
				wantStatus(t, "the page's retry of that submission", submitPhone(t, in, otpBody(t, in, number, code, sid)), http.StatusOK, "")
				wantStatus(t, "the used code for another submission", submitPhone(t, in, otpBody(t, in, number, code, "")), http.StatusForbidden, "otp_invalid")
				// Within the minute: no second code.
				r = askCode(t, in.URL, phoneSlug, number)
				wantStatus(t, "a second code within the minute", r, http.StatusTooManyRequests, "rate_limited")
				if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); ra < 1 || ra > 60 {
					t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
				}
				a.clk.Advance(time.Minute)
				wantStatus(t, "a new code a minute later", askCode(t, in.URL, phoneSlug, number), http.StatusAccepted, "")
				wantStatus(t, "the same number, verified again", submitPhone(t, in, otpBody(t, in, number, a.box.code(t, number), "")), http.StatusConflict, "duplicate")
				if n := modeCount(t, in, id); n != 1 {
					t.Fatalf("%d responses stored, want 1", n)
				}
				// The retry after the code expired is still answered from the row.
				a.clk.Advance(6 * time.Minute)
				wantStatus(t, "a retry after the code expired", submitPhone(t, in, otpBody(t, in, number, code, sid)), http.StatusOK, "")
			})

			t.Run("no code, wrong code, expired code", func(t *testing.T) {
				const number = "13700000001"
				wantStatus(t, "ask a code", askCode(t, in.URL, phoneSlug, number), http.StatusAccepted, "")
				code := a.box.code(t, number)
				r := submitPhone(t, in, otpBody(t, in, number, "", ""))
				wantStatus(t, "no code", r, http.StatusUnprocessableEntity, "invalid")
				if f, _ := r.Body["error"].(map[string]any)["fields"].(map[string]any); f["otp"] == nil {
					t.Errorf("no code: fields %s", r.Raw)
				}
				r = submitPhone(t, in, otpBody(t, in, number, wrongOf(code), ""))
				wantStatus(t, "a wrong code", r, http.StatusForbidden, "otp_invalid")
				if msg := r.Body["error"].(map[string]any)["message"].(string); msg != "验证码错误，还可再试4次 wrong code; 4 tries left" {
					t.Errorf("a wrong code says %q", msg)
				}
				// A questionnaire that does not validate does not spend a try.
				var bad map[string]any
				_ = json.Unmarshal(otpBody(t, in, number, wrongOf(code), ""), &bad)
				delete(bad["answers"].(map[string]any), "q01")
				raw, _ := json.Marshal(bad)
				wantStatus(t, "a missed question", submitPhone(t, in, raw), http.StatusUnprocessableEntity, "invalid")
				r = submitPhone(t, in, otpBody(t, in, number, wrongOf(code), ""))
				if msg := r.Body["error"].(map[string]any)["message"].(string); msg != "验证码错误，还可再试3次 wrong code; 3 tries left" {
					t.Errorf("the second wrong code says %q", msg)
				}
				a.clk.Advance(5*time.Minute + time.Second)
				wantStatus(t, "an expired code", submitPhone(t, in, otpBody(t, in, number, code, "")), http.StatusForbidden, "otp_invalid")
				if n := modeCount(t, in, id); n != 1 {
					t.Fatalf("%d responses stored, want 1", n)
				}
			})

			t.Run("six tries lock the number", func(t *testing.T) {
				const number = "13700000002"
				wantStatus(t, "ask a code", askCode(t, in.URL, phoneSlug, number), http.StatusAccepted, "")
				code := a.box.code(t, number)
				for i := 1; i <= 4; i++ {
					wantStatus(t, fmt.Sprintf("wrong code %d", i), submitPhone(t, in, otpBody(t, in, number, wrongOf(code), "")), http.StatusForbidden, "otp_invalid")
				}
				r := submitPhone(t, in, otpBody(t, in, number, wrongOf(code), ""))
				wantStatus(t, "wrong code 5", r, http.StatusTooManyRequests, "otp_locked")
				r = submitPhone(t, in, otpBody(t, in, number, code, ""))
				wantStatus(t, "the right code, sixth", r, http.StatusTooManyRequests, "otp_locked")
				if ra := r.Header.Get("Retry-After"); ra != "900" {
					t.Errorf("locked: Retry-After %q, want 900", ra)
				}
				wantStatus(t, "a new code while locked", askCode(t, in.URL, phoneSlug, number), http.StatusTooManyRequests, "otp_locked")
				a.clk.Advance(15 * time.Minute)
				wantStatus(t, "a new code after the lock", askCode(t, in.URL, phoneSlug, number), http.StatusAccepted, "")
				wantStatus(t, "answering after the lock", submitPhone(t, in, otpBody(t, in, number, a.box.code(t, number), "")), http.StatusCreated, "")
			})

			t.Run("code requests", func(t *testing.T) {
				for _, bad := range []string{"", "12345", "12912345678", "1391234567x"} {
					r := askCode(t, in.URL, phoneSlug, bad)
					wantStatus(t, "phone "+strconv.Quote(bad), r, http.StatusBadRequest, "invalid_phone")
				}
				wantStatus(t, "a token survey", askCode(t, in.URL, tokenSlug, "13700000003"), http.StatusConflict, "otp_not_used")
				wantStatus(t, "a device survey", askCode(t, in.URL, slug, "13700000003"), http.StatusConflict, "otp_not_used")
				wantStatus(t, "no such survey", askCode(t, in.URL, "no-such-survey", "13700000003"), http.StatusNotFound, "not_found")
				r := post(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+phoneSlug+"/otp", "application/json", []byte(`{"phone":"13700000003","x":1}`))
				wantStatus(t, "an unknown field", r, http.StatusBadRequest, "malformed")
				r = post(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+phoneSlug+"/otp", "text/plain", []byte(`{"phone":"13700000003"}`))
				wantStatus(t, "not JSON", r, http.StatusUnsupportedMediaType, "")
			})

			t.Run("the provider fails", func(t *testing.T) {
				const number = "13700000004"
				a.box.setFail(&sms.Error{Provider: "inbox", Kind: sms.Unavailable, Code: "transport", Err: errors.New("connection refused")})
				r := askCode(t, in.URL, phoneSlug, number)
				a.box.setFail(nil)
				wantStatus(t, "provider down", r, http.StatusServiceUnavailable, "sms_failed")
				if msg := r.Body["error"].(map[string]any)["message"].(string); len(msg) < 10 || msg[:len("短信发送失败，请稍后再试")] != "短信发送失败，请稍后再试" {
					t.Errorf("provider down says %q", msg)
				}
				before := a.box.count()
				wantStatus(t, "asking again at once", askCode(t, in.URL, phoneSlug, number), http.StatusAccepted, "")
				if a.box.count() != before+1 {
					t.Fatal("the second request sent nothing")
				}
			})

			t.Run("storage fails: the same code again", func(t *testing.T) {
				const number = "13700000005"
				wantStatus(t, "ask a code", askCode(t, in.URL, phoneSlug, number), http.StatusAccepted, "")
				code := a.box.code(t, number)
				restore := surveystest.FailWrites(t, in.Store, "responses", errors.New("disk full"))
				r := submitPhone(t, in, otpBody(t, in, number, code, ""))
				restore()
				wantStatus(t, "storage down", r, http.StatusServiceUnavailable, "unavailable")
				// A reload makes a new submission id: the code was given back.
				wantStatus(t, "the same code, a new submission", submitPhone(t, in, otpBody(t, in, number, code, "")), http.StatusCreated, "")
			})

			t.Run("the page and the API say codes are on", func(t *testing.T) {
				r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+phoneSlug)
				if r.Body["verify_phone"] != true {
					t.Errorf("the questionnaire does not say verify_phone: %.200s", r.Raw)
				}
				page := string(get(t, http.DefaultClient, in.URL+"/s/"+phoneSlug).Raw)
				for _, want := range []string{`id="resp-otp"`, `id="otp-send"`, "获取验证码", `data-otp-endpoint="/api/v1/surveys/` + phoneSlug + `/otp"`} {
					if !strings.Contains(page, want) {
						t.Errorf("the phone page lacks %s", want)
					}
				}
			})
		})
	}
}

// TestOTPOffAcceptsTypedNumbers: with no SMS provider, phone mode counts
// the typed number as before, and the page asks for no code.
func TestOTPOffAcceptsTypedNumbers(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
	wantStatus(t, "a code request", askCode(t, in.URL, phoneSlug, "13912345678"), http.StatusConflict, "otp_not_used")
	wantStatus(t, "a typed number", submitPhone(t, in, otpBody(t, in, "13912345678", "", "")), http.StatusCreated, "")
	if page := string(get(t, http.DefaultClient, in.URL+"/s/"+phoneSlug).Raw); strings.Contains(page, `id="resp-otp"`) {
		t.Error("the page asks for a code with codes off")
	}
	if r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+phoneSlug); r.Body["verify_phone"] != nil {
		t.Errorf("verify_phone with codes off: %.200s", r.Raw)
	}
}

// TestOTPTwoInstancesShareLimits runs two instances on one MariaDB and one
// Redis: a code asked for on one is checked on the other, the number's
// minute is shared, and wrong codes spread over both lock the number.
func TestOTPTwoInstancesShareLimits(t *testing.T) {
	requireMySQL(t)
	dsn := surveystest.MySQLDSN(t)
	rdb := surveystest.Redis(t)
	p := surveystest.Prefix()
	twoInstancesShareLimits(t, func() (*instance, identity.Store) {
		in := start(t, surveystest.OpenMySQL(t, dsn), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), handlers.Config{})
		rs, err := identity.NewRedis(rdb, p+"id:")
		if err != nil {
			t.Fatal(err)
		}
		return in, rs
	})
}

// TestOTPTwoInstancesShareLimitsWithoutRedis does the same on one MariaDB
// and no Redis: the codes, the minute and the lock live in the database.
func TestOTPTwoInstancesShareLimitsWithoutRedis(t *testing.T) {
	requireMySQL(t)
	dsn := surveystest.MySQLDSN(t)
	twoInstancesShareLimits(t, func() (*instance, identity.Store) {
		db := surveystest.OpenMySQL(t, dsn)
		return start(t, db, dedup.NewMemory(), live.NewMemory(), handlers.Config{}), models.NewIdentityStore(db)
	})
}

func twoInstancesShareLimits(t *testing.T, newInstance func() (*instance, identity.Store)) {
	t.Helper()
	box, clk := &otpInbox{}, &otpClock{t: time.Now()}
	var apps []*instance
	for range 2 {
		in, store := newInstance()
		useOTP(in, store, box, clk)
		apps = append(apps, in)
	}
	a, b := apps[0], apps[1]
	id := modeSurvey(t, a, phoneSlug, questionnaire.DedupPhone)

	const number = "13800000001"
	wantStatus(t, "a code on A", askCode(t, a.URL, phoneSlug, number), http.StatusAccepted, "")
	wantStatus(t, "a second code on B within the minute", askCode(t, b.URL, phoneSlug, number), http.StatusTooManyRequests, "rate_limited")
	code := box.code(t, number)
	sid := uuid.NewString()
	wantStatus(t, "answered on B", submitPhone(t, b, otpBody(t, b, number, code, sid)), http.StatusCreated, "")
	wantStatus(t, "the code again on A", submitPhone(t, a, otpBody(t, a, number, code, "")), http.StatusForbidden, "otp_invalid")

	const other = "13800000002"
	wantStatus(t, "a code on B", askCode(t, b.URL, phoneSlug, other), http.StatusAccepted, "")
	right := box.code(t, other)
	for i := range 4 {
		wantStatus(t, fmt.Sprintf("wrong code %d", i+1), submitPhone(t, apps[i%2], otpBody(t, apps[i%2], other, wrongOf(right), "")), http.StatusForbidden, "otp_invalid")
	}
	wantStatus(t, "wrong code 5 on B", submitPhone(t, b, otpBody(t, b, other, wrongOf(right), "")), http.StatusTooManyRequests, "otp_locked")
	wantStatus(t, "the right code on A", submitPhone(t, a, otpBody(t, a, other, right, "")), http.StatusTooManyRequests, "otp_locked")
	var n int64
	if err := a.Store.R.Model(&models.Response{}).Where("survey_id = ?", id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d responses stored, want 1", n)
	}
}

// TestOTPLockSurvivesRestart: on the embedded SQLite without Redis, a
// number locked by wrong codes is still locked for a server started again
// on the same data directory, and its minute is still spent.
func TestOTPLockSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() *instance {
		db, err := models.OpenSQLite(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(); err != nil {
			t.Fatal(err)
		}
		return start(t, db, dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	}
	box, clk := &otpInbox{}, &otpClock{t: time.Now()}
	a := open()
	useOTP(a, models.NewIdentityStore(a.Store), box, clk)
	modeSurvey(t, a, phoneSlug, questionnaire.DedupPhone)
	const number = "13800000003"
	wantStatus(t, "a code", askCode(t, a.URL, phoneSlug, number), http.StatusAccepted, "")
	right := box.code(t, number)
	for i := range 4 {
		wantStatus(t, fmt.Sprintf("wrong code %d", i+1), submitPhone(t, a, otpBody(t, a, number, wrongOf(right), "")), http.StatusForbidden, "otp_invalid")
	}
	wantStatus(t, "wrong code 5", submitPhone(t, a, otpBody(t, a, number, wrongOf(right), "")), http.StatusTooManyRequests, "otp_locked")

	b := open() // the server started again: a new process's store on the same file
	useOTP(b, models.NewIdentityStore(b.Store), box, clk)
	wantStatus(t, "the right code after the restart", submitPhone(t, b, otpBody(t, b, number, right, "")), http.StatusTooManyRequests, "otp_locked")
	wantStatus(t, "a new code after the restart", askCode(t, b.URL, phoneSlug, number), http.StatusTooManyRequests, "")
}

// TestOTPAddressAndSurveyLimits: the configurable limits per client
// address and per survey refuse with 429 and Retry-After, and a refused
// request sends nothing.
func TestOTPAddressAndSurveyLimits(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
	box, clk := &otpInbox{}, &otpClock{t: time.Now()}
	o := useOTP(in, identity.NewMemory(), box, clk)
	o.Config.PerAddress = []identity.Rate{{N: 2, Per: 10 * time.Minute}}
	o.Config.PerSurvey = []identity.Rate{{N: 3, Per: time.Hour}}

	wantStatus(t, "first number", askCode(t, in.URL, phoneSlug, "13600000001"), http.StatusAccepted, "")
	wantStatus(t, "second number", askCode(t, in.URL, phoneSlug, "13600000002"), http.StatusAccepted, "")
	r := askCode(t, in.URL, phoneSlug, "13600000003")
	wantStatus(t, "a third number from one address", r, http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") != "600" {
		t.Errorf("address limit: Retry-After %q, want 600", r.Header.Get("Retry-After"))
	}
	clk.Advance(10 * time.Minute)
	wantStatus(t, "ten minutes later", askCode(t, in.URL, phoneSlug, "13600000003"), http.StatusAccepted, "")
	clk.Advance(10 * time.Minute)
	r = askCode(t, in.URL, phoneSlug, "13600000004")
	wantStatus(t, "the survey's fourth code in the hour", r, http.StatusTooManyRequests, "rate_limited")
	if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); ra != 40*60 {
		t.Errorf("survey limit: Retry-After %q, want 2400", r.Header.Get("Retry-After"))
	}
	if box.count() != 3 {
		t.Fatalf("%d messages sent, want 3", box.count())
	}
}

// putRoster uploads a roster CSV as an admin.
func putRoster(t *testing.T, in *instance, id uint64, csv string) reply {
	t.Helper()
	cookie, csrf := staffSession(t, &staff.Service{Store: in.Store, Limiter: limit.NewMemory(), Cost: 4}, models.RoleAdmin)
	req, _ := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/api/v1/admin/surveys/%d/roster", in.URL, id), strings.NewReader(csv))
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("X-CSRF-Token", csrf)
	req.AddCookie(cookie)
	return do(t, http.DefaultClient, req)
}

// TestPhoneRoster restricts a phone survey to an uploaded list: codes go
// only to listed numbers, a number taken off the list is refused at
// submission (its code given back), and an empty upload lifts the list.
func TestPhoneRoster(t *testing.T) {
	for name, a := range otpInstances(t) {
		t.Run(name, func(t *testing.T) {
			in := a.in
			id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
			r := putRoster(t, in, id, "手机号\n13700000011\n137 0000 0012\n12345\n+8613700000011\n\n")
			if r.Status != http.StatusOK || r.Body["numbers"] != float64(2) || r.Body["duplicates"] != float64(1) {
				t.Fatalf("upload: %d %s", r.Status, r.Raw)
			}
			if inv, _ := r.Body["invalid"].([]any); len(inv) != 1 || inv[0].(map[string]any)["line"] != float64(4) {
				t.Fatalf("upload: invalid rows %s", r.Raw)
			}
			wantStatus(t, "a number off the list", askCode(t, in.URL, phoneSlug, "13700000013"), http.StatusForbidden, "not_on_roster")
			if n := a.box.count(); n != 0 {
				t.Fatalf("%d messages sent to numbers off the list", n)
			}
			wantStatus(t, "a listed number", askCode(t, in.URL, phoneSlug, "13700000011"), http.StatusAccepted, "")
			wantStatus(t, "its answer", submitPhone(t, in, otpBody(t, in, "13700000011", a.box.code(t, "13700000011"), "")), http.StatusCreated, "")

			// Taken off the list after the code was sent: refused, the code kept.
			wantStatus(t, "another listed number", askCode(t, in.URL, phoneSlug, "13700000012"), http.StatusAccepted, "")
			code := a.box.code(t, "13700000012")
			if r := putRoster(t, in, id, "13700000011\n"); r.Status != http.StatusOK || r.Body["numbers"] != float64(1) {
				t.Fatalf("second upload: %d %s", r.Status, r.Raw)
			}
			wantStatus(t, "answering after being taken off", submitPhone(t, in, otpBody(t, in, "13700000012", code, "")), http.StatusForbidden, "not_on_roster")
			putRoster(t, in, id, "13700000011\n13700000012\n")
			wantStatus(t, "listed again, the same code", submitPhone(t, in, otpBody(t, in, "13700000012", code, "")), http.StatusCreated, "")

			if r := get(t, adminClient(t, in), fmt.Sprintf("%s/api/v1/admin/surveys/%d/roster", in.URL, id)); r.Status != 200 || r.Body["numbers"] != float64(2) {
				t.Fatalf("roster counts: %d %s", r.Status, r.Raw)
			}
			var hashes []string
			if err := in.Store.R.Raw("SELECT phone_hash FROM phone_rosters WHERE survey_id = ?", id).Scan(&hashes).Error; err != nil || len(hashes) != 2 {
				t.Fatalf("roster rows %v %v", hashes, err)
			}
			for _, h := range hashes {
				if strings.Contains(h, "1370000001") {
					t.Fatalf("a roster number stored in clear: %s", h)
				}
			}
			for _, row := range modeRows(t, in.Store, id) {
				for _, h := range hashes {
					if strings.Contains(row, h) {
						t.Fatalf("a response carries the roster hash %s: %s", h, row)
					}
				}
			}
			if r := putRoster(t, in, id, ""); r.Status != http.StatusOK || r.Body["numbers"] != float64(0) {
				t.Fatalf("empty upload: %d %s", r.Status, r.Raw)
			}
			wantStatus(t, "any number once the list is gone", askCode(t, in.URL, phoneSlug, "13700000013"), http.StatusAccepted, "")
			wantStatus(t, "a roster for a device survey", putRoster(t, in, surveyID(t, in), "13700000011\n"), http.StatusUnprocessableEntity, "invalid")
		})
	}
}

// adminClient is a browser signed in as an admin (GET requests only).
func adminClient(t *testing.T, in *instance) *http.Client {
	t.Helper()
	cookie, _ := staffSession(t, &staff.Service{Store: in.Store, Limiter: limit.NewMemory(), Cost: 4}, models.RoleAdmin)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(in.URL)
	jar.SetCookies(u, []*http.Cookie{cookie})
	return &http.Client{Jar: jar}
}

// TestPhoneRosterWithoutCodes: with codes off, the list still decides
// which typed numbers may answer.
func TestPhoneRosterWithoutCodes(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
	putRoster(t, in, id, "13700000021\n")
	wantStatus(t, "a number off the list", submitPhone(t, in, otpBody(t, in, "13700000022", "", "")), http.StatusForbidden, "not_on_roster")
	wantStatus(t, "a listed number", submitPhone(t, in, otpBody(t, in, "13700000021", "", "")), http.StatusCreated, "")
}

// TestDesignerSaysPhonesAreVerified: with an SMS provider, the designer's
// note on phone mode says numbers are verified (without, that they are
// not: TestDesignerSaysPhonesAreUnverified).
func TestDesignerSaysPhonesAreVerified(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	useOTP(in, identity.NewMemory(), &otpInbox{}, &otpClock{t: time.Now()})
	p, _ := in.Svc.Published(slug)
	d := signIn(t, in, models.RoleDesigner)
	addMember(t, in, p.Survey.ID, d.name, models.MemberCollaborator)
	r := d.do(http.MethodGet, fmt.Sprintf("/admin/surveys/%d", p.Survey.ID), nil)
	page := string(r.Raw)
	if r.Status != 200 || !strings.Contains(page, "以短信验证码核实号码") || !strings.Contains(page, "verifies numbers by text-message code") || strings.Contains(page, "不核实号码") {
		t.Fatalf("designer page %d without the verified phone-mode note", r.Status)
	}
}

// TestPhoneRosterPerUnit: on a campaign, a roster number answers for its
// own unit only; the unit's page names the unit when asking for a code.
func TestPhoneRosterPerUnit(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	box := &otpInbox{}
	useOTP(in, identity.NewMemory(), box, &otpClock{t: time.Now()})
	raw, err := questionnaire.Builtin("campaign-2022")
	if err != nil {
		t.Fatal(err)
	}
	var def questionnaire.Definition
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	const campaign = "campaign-2022-phone"
	def.Slug, def.Dedup = campaign, questionnaire.DedupPhone
	id, err := in.Svc.CreateSurvey(surveys.NewSurvey{Definition: &def})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Svc.Publish(id); err != nil {
		t.Fatal(err)
	}
	p, err := in.Svc.Published(campaign)
	if err != nil {
		t.Fatal(err)
	}
	// bodyFor is a complete answer for unit from phone with code.
	bodyFor := func(unit, phone, code string) []byte {
		for seed := uint64(1); seed < 500; seed++ {
			sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(seed, 3)), p.Compiled)
			if sub.Unit != unit {
				continue
			}
			sub.SubmissionID, sub.Phone, sub.OTP = uuid.NewString(), phone, code
			b, _ := json.Marshal(sub)
			return b
		}
		t.Fatalf("no random submission for unit %s", unit)
		return nil
	}
	if r := putRoster(t, in, id, "13700000031,yunxi\n13700000032,minghu\n13700000031,nosuch\n"); r.Status != 200 || r.Body["numbers"] != float64(2) {
		t.Fatalf("upload: %d %s", r.Status, r.Raw)
	}
	ask := func(phone, unit string) reply {
		body, _ := json.Marshal(map[string]string{"phone": phone, "unit": unit})
		return post(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+campaign+"/otp", "application/json", body)
	}
	wantStatus(t, "a code for another unit", ask("13700000031", "minghu"), http.StatusForbidden, "not_on_roster")
	wantStatus(t, "a code for an unknown unit", ask("13700000031", "nosuch"), http.StatusNotFound, "not_found")
	wantStatus(t, "a code for its unit", ask("13700000031", "yunxi"), http.StatusAccepted, "")
	code := box.code(t, "13700000031")
	submit := func(b []byte) reply {
		return post(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+campaign+"/responses", "application/json", b)
	}
	wantStatus(t, "answering for another unit", submit(bodyFor("minghu", "13700000031", code)), http.StatusForbidden, "not_on_roster")
	wantStatus(t, "answering for its unit, the same code", submit(bodyFor("yunxi", "13700000031", code)), http.StatusCreated, "")
}

// TestRosterGuessingIsSlowed: whether a number is on the roster is worth
// guessing, so numbers off it spend the address's code budget; past it
// every code request waits, listed numbers too.
func TestRosterGuessingIsSlowed(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{CodeFailsPerAddress: 3})
	box := &otpInbox{}
	useOTP(in, identity.NewMemory(), box, &otpClock{t: time.Now()})
	id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
	putRoster(t, in, id, "13700000041\n")
	for i := range 3 {
		wantStatus(t, fmt.Sprintf("guess %d", i+1), askCode(t, in.URL, phoneSlug, fmt.Sprintf("1370000005%d", i)), http.StatusForbidden, "not_on_roster")
	}
	r := askCode(t, in.URL, phoneSlug, "13700000041")
	wantStatus(t, "a listed number past the budget", r, http.StatusTooManyRequests, "rate_limited")
	if r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body["error"].(map[string]any)["message"].(string), "尝试的号码过多") {
		t.Errorf("past the budget: %v %s", r.Header, r.Raw)
	}
	if box.count() != 0 {
		t.Fatalf("%d messages sent", box.count())
	}
}

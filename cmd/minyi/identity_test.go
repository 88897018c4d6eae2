package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestSMSProviderFromEnv builds the provider from MINYI_SMS_* as the server
// does: off when unset, the log provider only in demo mode, every missing
// setting named.
func TestSMSProviderFromEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		want    string // provider name, "" = off
		wantErr []string
	}{
		{"off", nil, "", nil},
		{"log in the embedded demo", map[string]string{"MINYI_SMS_PROVIDER": "log"}, "log", nil},
		{"log with the demo off", map[string]string{"MINYI_SMS_PROVIDER": "log", "MINYI_DEMO": "off"}, "", []string{"MINYI_SMS_PROVIDER", "MINYI_DEMO"}},
		{"log on MySQL", map[string]string{"MINYI_SMS_PROVIDER": "log", "MINYI_MYSQL_DSN": "u@tcp(db)/m"}, "", []string{"MINYI_SMS_PROVIDER", "demo"}},
		{"aliyun without keys", map[string]string{"MINYI_SMS_PROVIDER": "aliyun"}, "", []string{"MINYI_SMS_KEY_ID", "MINYI_SMS_KEY_SECRET", "MINYI_SMS_SIGN_NAME", "MINYI_SMS_TEMPLATE_OTP"}},
		{"aliyun", map[string]string{"MINYI_SMS_PROVIDER": "aliyun", "MINYI_SMS_KEY_ID": "LTAI5t0123456789", "MINYI_SMS_KEY_SECRET": "s",
			"MINYI_SMS_SIGN_NAME": "民意调查", "MINYI_SMS_TEMPLATE_OTP": "SMS_154950909"}, "aliyun", nil},
		{"unknown", map[string]string{"MINYI_SMS_PROVIDER": "carrier-pigeon"}, "", []string{"MINYI_SMS_PROVIDER"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseConfig(nil, func(k string) string { return tc.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			p, err := smsProvider(cfg)
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("provider %v, want a refusal naming %v", p, tc.wantErr)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("the refusal %q does not name %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := smsName(p); tc.want == "" && p != nil || tc.want != "" && got != tc.want {
				t.Fatalf("provider %s, want %q", got, tc.want)
			}
		})
	}
}

// TestOTPRatesFromEnv: the address and survey limits are configurable, and
// a malformed one stops start-up.
func TestOTPRatesFromEnv(t *testing.T) {
	cfg, err := parseConfig(nil, func(k string) string {
		return map[string]string{identity.EnvAddressRate: "3/10m", identity.EnvSurveyRate: "0"}[k]
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.OTP.PerAddress) != 1 || cfg.OTP.PerAddress[0] != (identity.Rate{N: 3, Per: 10 * time.Minute}) || cfg.OTP.PerSurvey != nil ||
		cfg.OTP.CodeTTL != 5*time.Minute || len(cfg.OTP.PerNumber) != 2 {
		t.Fatalf("otp config %+v", cfg.OTP)
	}
	if _, err := parseConfig(nil, func(k string) string {
		return map[string]string{identity.EnvAddressRate: "lots"}[k]
	}, io.Discard); err == nil || !strings.Contains(err.Error(), identity.EnvAddressRate) {
		t.Fatalf("a malformed rate: %v", err)
	}
}

// TestRunRefusesTheLogProviderWithoutDemo: start-up fails, with the reason,
// before anything is opened.
func TestRunRefusesTheLogProviderWithoutDemo(t *testing.T) {
	cfg, err := parseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--demo", "off"},
		func(k string) string { return map[string]string{"MINYI_SMS_PROVIDER": "log"}[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), cfg, nil)
	if err == nil || !strings.Contains(err.Error(), "仅限演示模式") || !strings.Contains(err.Error(), "MINYI_DEMO=on") {
		t.Fatalf("run with the log provider and no demo: %v, want a refusal", err)
	}
}

// TestRunWiresPhoneCodes starts the server as main does, with the log
// provider in demo mode, on each backend: a phone-mode survey answers a
// code request, the code read from the server log is accepted, and the
// start-up line names the provider and where codes live.
func TestRunWiresPhoneCodes(t *testing.T) {
	type backendCfg struct {
		cfg      config
		otpStore string
	}
	env := map[string]string{"MINYI_SMS_PROVIDER": "log"}
	mk := func(args ...string) config {
		cfg, err := parseConfig(append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--demo", "on"}, args...),
			func(k string) string { return env[k] }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	configs := map[string]backendCfg{"sqlite": {mk(), "database"}}
	var rdb *redis.Client
	prefix := surveystest.Prefix() // the codes' keys start with it
	if surveystest.Required() || surveystest.MySQLConfigured() {
		configs["mysql"] = backendCfg{mk("--secret", testSecret, "--mysql-dsn", surveystest.MySQLDSN(t)), "database"}
		rdb = surveystest.Redis(t)
		configs["mysql+redis"] = backendCfg{mk("--secret", testSecret, "--mysql-dsn", surveystest.MySQLDSN(t),
			"--redis-url", os.Getenv(surveystest.EnvRedis), "--redis-prefix", prefix), "redis"}
	}
	logs := &lockedBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	for name, bc := range configs {
		t.Run(name, func(t *testing.T) {
			phoneSurvey(t, bc.cfg, "phone-wired")
			base, stop := serve(t, bc.cfg)
			defer stop()
			// A number of its own: the test Redis keeps a number's limits for an hour.
			number := fmt.Sprintf("135%08d", mrand.IntN(100_000_000))
			resp, err := http.Post(base+"/api/v1/surveys/phone-wired/otp", "application/json", strings.NewReader(`{"phone":"`+number+`"}`))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				t.Fatalf("code request: %d", resp.StatusCode)
			}
			m := regexp.MustCompile(`phone=` + number + ` .*param\.code=(\d{6})`).FindStringSubmatch(logs.String())
			if m == nil {
				t.Fatalf("no code for %s in the log:\n%s", number, logs.tail(2000))
			}
			body := `{"submission_id":"` + uuid.NewString() + `","phone":"` + number + `","otp":"` + m[1] + `","answers":{` +
				`"q01":"5","q02":"5","q03":"5","q04":"5","q05":"5","q06":"5","q07":"5","q08":"5","q09":"5","q10":"5","q11":"5","q12":"5","q13":"4",` +
				`"overall":"5","town":"t02","age":"40-49","gender":"m"}}`
			wrong := strings.Replace(body, `"otp":"`+m[1], `"otp":"`+map[bool]string{true: "000001", false: "000000"}[m[1] == "000000"], 1)
			for _, step := range []struct {
				name, body string
				status     int
			}{{"a wrong code", wrong, http.StatusForbidden}, {"the code from the log", body, http.StatusCreated}} {
				resp, err := http.Post(base+"/api/v1/surveys/phone-wired/responses", "application/json", strings.NewReader(step.body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != step.status {
					t.Fatalf("%s: %d, want %d", step.name, resp.StatusCode, step.status)
				}
			}
			if !regexp.MustCompile(`msg="minyi started".* sms=log otp=` + bc.otpStore).MatchString(logs.String()) {
				t.Errorf("the start-up line does not say sms=log otp=%s:\n%s", bc.otpStore, logs.tail(2000))
			}
			if bc.otpStore == "redis" {
				ctx := context.Background()
				keys, err := rdb.Keys(ctx, prefix+"id:*").Result()
				if err != nil || len(keys) == 0 {
					t.Errorf("no code keys under MINYI_REDIS_PREFIX %q + id: (%v)", prefix, err)
				}
				for _, k := range keys {
					rdb.Del(ctx, k)
				}
			}
		})
	}
}

// phoneSurvey publishes a phone-mode copy of social-2022 under slug in the
// database cfg names, as staff would before the server starts.
func phoneSurvey(t *testing.T, cfg config, slug string) {
	t.Helper()
	publishCopy(t, cfg, slug, questionnaire.DedupPhone)
}

// publishCopy publishes a copy of social-2022 in dedup mode under slug in
// the database cfg names.
func publishCopy(t *testing.T, cfg config, slug, mode string) {
	t.Helper()
	store, secret, err := openData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	raw, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatal(err)
	}
	var def questionnaire.Definition
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	def.Slug, def.Dedup = slug, mode
	svc := surveys.NewService(store, dedup.NewMemory(), live.NewMemory(), secret)
	defer svc.Close()
	id, err := svc.CreateSurvey(surveys.NewSurvey{Definition: &def})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(id); err != nil {
		t.Fatal(err)
	}
}

// TestSMSCallbackSecretFromEnv: the callbacks' secret is read from the
// environment, and a short one refuses to start.
func TestSMSCallbackSecretFromEnv(t *testing.T) {
	env := map[string]string{"MINYI_SMS_CALLBACK_SECRET": "a-callback-secret-of-length"}
	cfg, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard)
	if err != nil || cfg.SMSCallbackSecret != env["MINYI_SMS_CALLBACK_SECRET"] {
		t.Fatalf("config %q, %v", cfg.SMSCallbackSecret, err)
	}
	env["MINYI_SMS_CALLBACK_SECRET"] = "short"
	if _, err := parseConfig(nil, func(k string) string { return env[k] }, io.Discard); err == nil || !strings.Contains(err.Error(), "MINYI_SMS_CALLBACK_SECRET") {
		t.Fatalf("a 5-character secret: %v, want a refusal naming it", err)
	}
}

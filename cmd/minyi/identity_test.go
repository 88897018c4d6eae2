package main

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity"
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

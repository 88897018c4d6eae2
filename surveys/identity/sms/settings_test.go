package sms_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/sms/smstest"
)

func TestSettingsFromEnv(t *testing.T) {
	env := map[string]string{
		sms.EnvProvider:           " Aliyun ",
		sms.EnvKeyID:              "LTAI5t",
		sms.EnvKeySecret:          "secret",
		sms.EnvSignName:           "民意调查",
		sms.EnvTemplateOTP:        "SMS_1",
		sms.EnvTemplateInvitation: "SMS_2",
		sms.EnvRegion:             "cn-shanghai",
		sms.EnvEndpoint:           "http://127.0.0.1:9",
	}
	s := sms.SettingsFromEnv(func(k string) string { return env[k] })
	if s.Provider != "aliyun" || s.KeyID != "LTAI5t" || s.KeySecret != "secret" || s.SignName != "民意调查" ||
		s.Templates[sms.OTP] != "SMS_1" || s.Templates[sms.Invitation] != "SMS_2" || s.Templates[sms.Reminder] != "" ||
		s.Region != "cn-shanghai" || s.Endpoint != "http://127.0.0.1:9" {
		t.Fatalf("settings = %+v", s)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
}

func TestSettingsValidate(t *testing.T) {
	aliyun := smstest.NewAliyun(t).Settings()
	tencent := smstest.NewTencent(t).Settings()
	with := func(s sms.Settings, f func(*sms.Settings)) sms.Settings {
		s.Templates = map[sms.Template]string{sms.OTP: s.Templates[sms.OTP]}
		f(&s)
		return s
	}
	cases := []struct {
		name string
		s    sms.Settings
		want []string // each must appear in the error; none = valid
	}{
		{name: "off", s: sms.Settings{}},
		{name: "aliyun", s: aliyun},
		{name: "tencent", s: tencent},
		{name: "log in demo mode", s: sms.Settings{Provider: "log", Demo: true}},
		{name: "log outside demo mode", s: sms.Settings{Provider: "log"}, want: []string{sms.EnvProvider, "MINYI_DEMO"}},
		{name: "unknown provider", s: sms.Settings{Provider: "twilio"}, want: []string{sms.EnvProvider, `"twilio"`}},
		{name: "aliyun with nothing", s: sms.Settings{Provider: "aliyun"},
			want: []string{sms.EnvKeyID, sms.EnvKeySecret, sms.EnvSignName, sms.EnvTemplateOTP}},
		{name: "tencent without app id", s: with(tencent, func(s *sms.Settings) { s.AppID = "" }), want: []string{sms.EnvAppID}},
		{name: "tencent app id not digits", s: with(tencent, func(s *sms.Settings) { s.AppID = "app-1400" }), want: []string{sms.EnvAppID, "10-digit"}},
		{name: "aliyun template id of tencent's form", s: with(aliyun, func(s *sms.Settings) { s.Templates[sms.OTP] = "1110" }),
			want: []string{sms.EnvTemplateOTP, "SMS_"}},
		{name: "tencent reminder template of aliyun's form", s: with(tencent, func(s *sms.Settings) { s.Templates[sms.Reminder] = "SMS_1" }),
			want: []string{sms.EnvTemplateReminder, "digits"}},
		{name: "sign name with brackets", s: with(aliyun, func(s *sms.Settings) { s.SignName = "【民意】" }), want: []string{sms.EnvSignName}},
		{name: "bad region", s: with(aliyun, func(s *sms.Settings) { s.Region = "Hangzhou" }), want: []string{sms.EnvRegion}},
		{name: "endpoint not a URL", s: with(tencent, func(s *sms.Settings) { s.Endpoint = "127.0.0.1:9000" }), want: []string{sms.EnvEndpoint}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tc.s.KeySecret != "" && strings.Contains(err.Error(), tc.s.KeySecret) {
				t.Errorf("error shows the secret: %v", err)
			}
		})
	}
}

func TestNewRefusesInvalidSettings(t *testing.T) {
	if _, err := sms.New(sms.Settings{}, sms.Options{}); !errors.Is(err, sms.ErrNotConfigured) {
		t.Fatalf("no provider: %v, want ErrNotConfigured", err)
	}
	if _, err := sms.New(sms.Settings{Provider: "log"}, sms.Options{}); err == nil {
		t.Fatal("the log provider was built outside demo mode")
	}
}

func TestLogProviderWritesTheMessage(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	p, err := sms.New(sms.Settings{Provider: "log", Demo: true}, sms.Options{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name() != "log" {
		t.Fatalf("name %q", p.Name())
	}
	rec, err := p.Send(context.Background(), otpMessage("13812345678"))
	if err != nil || rec.ID == "" {
		t.Fatalf("send: %+v %v", rec, err)
	}
	out := buf.String()
	for _, want := range []string{"phone=13812345678", "template=otp", "param.code=042917"} {
		if !strings.Contains(out, want) {
			t.Errorf("log %q lacks %q", out, want)
		}
	}
	if _, err := p.Send(context.Background(), otpMessage("2")); !errors.Is(err, sms.ErrBadNumber) {
		t.Fatalf("bad number: %v", err)
	}
}

func TestSettingsLogValueHidesTheSecret(t *testing.T) {
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("sms", "settings", smstest.NewAliyun(t).Settings())
	if strings.Contains(buf.String(), smstest.AliyunKeySecret) || !strings.Contains(buf.String(), "key_secret_set=true") {
		t.Fatalf("logged %s", buf.String())
	}
}

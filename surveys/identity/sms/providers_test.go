package sms_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/sms/smstest"
)

// fakeProvider is one provider under test with its fake.
type fakeProvider struct {
	settings func() sms.Settings
	fake     interface {
		FailNext(code, message string)
		FailNextRaw(status int, body string)
		Sent() []smstest.Sent
		Requests() int
		Close()
	}
	// codeParam names the OTP template's variable at the fake.
	codeParam string
	// the provider's own codes for each situation
	throttle, throttleMsg string
	throttleWait          time.Duration
	badNumber             string
	badSignature          string
	unknownKey            string
	badSign               string
	clockSkew             string
}

func fakes(t *testing.T) map[string]fakeProvider {
	t.Helper()
	a, tc := smstest.NewAliyun(t), smstest.NewTencent(t)
	return map[string]fakeProvider{
		"aliyun": {
			settings: a.Settings, fake: a, codeParam: "code",
			throttle: "isv.BUSINESS_LIMIT_CONTROL", throttleMsg: "触发分钟级流控Permits:1", throttleWait: time.Minute,
			badNumber: "isv.MOBILE_NUMBER_ILLEGAL", badSignature: "SignatureDoesNotMatch",
			unknownKey: "InvalidAccessKeyId.NotFound", badSign: "isv.SMS_SIGNATURE_ILLEGAL",
			clockSkew: "InvalidTimeStamp.Expired",
		},
		"tencent": {
			settings: tc.Settings, fake: tc, codeParam: "1",
			throttle: "LimitExceeded.PhoneNumberDailyLimit", throttleMsg: "the number reached its daily limit", throttleWait: 24 * time.Hour,
			badNumber: "InvalidParameterValue.IncorrectPhoneNumber", badSignature: "AuthFailure.SignatureFailure",
			unknownKey: "AuthFailure.SecretIdNotFound", badSign: "FailedOperation.SignatureIncorrectOrUnapproved",
			clockSkew: "AuthFailure.SignatureExpire",
		},
	}
}

func newProvider(t *testing.T, s sms.Settings, now func() time.Time) sms.Provider {
	t.Helper()
	p, err := sms.New(s, sms.Options{Now: now, HTTP: &http.Client{Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func otpMessage(phone string) sms.Message {
	return sms.Message{Phone: phone, Template: sms.OTP, Params: []sms.Param{{Name: "code", Value: "042917"}}}
}

func TestProvidersSendThroughFakes(t *testing.T) {
	for name, fp := range fakes(t) {
		t.Run(name, func(t *testing.T) {
			p := newProvider(t, fp.settings(), nil)
			rec, err := p.Send(context.Background(), otpMessage("13812345678"))
			if err != nil {
				t.Fatalf("send: %v", err)
			}
			sent := fp.fake.Sent()
			if len(sent) != 1 {
				t.Fatalf("fake delivered %d messages, want 1", len(sent))
			}
			got := sent[0]
			if got.Phone != "13812345678" || got.SignName != smstest.SignName || got.Params[fp.codeParam] != "042917" {
				t.Fatalf("fake delivered %+v", got)
			}
			if rec.ID == "" {
				t.Fatal("no message id in the receipt")
			}

			// A link with characters the percent-encoding must get right,
			// and a second variable.
			link := "https://minyi.example.cn/s/social-2022?t=a b&c*~é"
			err = sendErr(p.Send(context.Background(), sms.Message{Phone: "15900000001", Template: sms.Invitation,
				Params: []sms.Param{{Name: "title", Value: "2022年社会评价"}, {Name: "link", Value: link}}}))
			if err != nil {
				t.Fatalf("send invitation: %v", err)
			}
			last := fp.fake.Sent()[1]
			want := map[string]string{"title": "2022年社会评价", "link": link}
			if name == "tencent" {
				want = map[string]string{"1": "2022年社会评价", "2": link}
			}
			for k, v := range want {
				if last.Params[k] != v {
					t.Fatalf("param %s = %q, want %q (all: %v)", k, last.Params[k], v, last.Params)
				}
			}
		})
	}
}

func sendErr(_ sms.Receipt, err error) error { return err }

func TestProviderFailures(t *testing.T) {
	ctx := context.Background()
	for name, fp := range fakes(t) {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				name     string
				settings func(*sms.Settings)
				now      func() time.Time
				prepare  func()
				msg      sms.Message
				want     error
				code     string
				wait     time.Duration
				sentNone bool // refused before any request
			}{
				{name: "throttled", prepare: func() { fp.fake.FailNext(fp.throttle, fp.throttleMsg) },
					want: sms.ErrThrottled, code: fp.throttle, wait: fp.throttleWait},
				{name: "number refused by the provider", prepare: func() { fp.fake.FailNext(fp.badNumber, "bad number") },
					want: sms.ErrBadNumber, code: fp.badNumber},
				{name: "number refused locally", msg: otpMessage("12345"), want: sms.ErrBadNumber, code: "local", sentNone: true},
				{name: "wrong secret fails the fake's signature check", settings: func(s *sms.Settings) { s.KeySecret = "not-the-secret" },
					want: sms.ErrBadCredentials, code: fp.badSignature},
				{name: "unknown key", settings: func(s *sms.Settings) { s.KeyID = "LTAI-unknown" },
					want: sms.ErrBadCredentials, code: fp.unknownKey},
				{name: "clock an hour slow", now: func() time.Time { return time.Now().Add(-time.Hour) },
					want: sms.ErrBadCredentials, code: fp.clockSkew},
				{name: "sign name not approved", settings: func(s *sms.Settings) { s.SignName = "别的签名" },
					want: sms.ErrRejected, code: fp.badSign},
				{name: "template not configured", settings: func(s *sms.Settings) { delete(s.Templates, sms.Reminder) },
					msg: sms.Message{Phone: "13812345678", Template: sms.Reminder}, want: sms.ErrRejected, code: "local", sentNone: true},
				{name: "proxy error page", prepare: func() { fp.fake.FailNextRaw(http.StatusBadGateway, "<html>502 Bad Gateway</html>") },
					want: sms.ErrUnavailable, code: "bad_reply"},
				{name: "provider internal error", prepare: func() { fp.fake.FailNext("InternalError", "internal error") },
					want: sms.ErrUnavailable, code: "InternalError"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					s := fp.settings()
					if tc.settings != nil {
						tc.settings(&s)
					}
					p := newProvider(t, s, tc.now)
					if tc.prepare != nil {
						tc.prepare()
					}
					msg := tc.msg
					if msg.Phone == "" {
						msg = otpMessage("13812345678")
					}
					before, sentBefore := fp.fake.Requests(), len(fp.fake.Sent())
					_, err := p.Send(ctx, msg)
					var se *sms.Error
					if !errors.Is(err, tc.want) || !errors.As(err, &se) {
						t.Fatalf("error = %v, want %v", err, tc.want)
					}
					if se.Code != tc.code || se.Provider != name {
						t.Fatalf("error %+v: want code %s from %s", se, tc.code, name)
					}
					if se.RetryAfter != tc.wait {
						t.Fatalf("RetryAfter = %v, want %v", se.RetryAfter, tc.wait)
					}
					if se.StaffHint() == "" {
						t.Fatal("no hint for staff")
					}
					if n := len(fp.fake.Sent()); n != sentBefore {
						t.Fatalf("a failed send was delivered (%d → %d)", sentBefore, n)
					}
					if sent := fp.fake.Requests() - before; tc.sentNone && sent != 0 {
						t.Fatalf("%d requests made for a message refused locally", sent)
					}
				})
			}
		})
	}
}

func TestProviderUnreachable(t *testing.T) {
	for name, fp := range fakes(t) {
		t.Run(name, func(t *testing.T) {
			p := newProvider(t, fp.settings(), nil)
			fp.fake.Close()
			_, err := p.Send(context.Background(), otpMessage("13812345678"))
			var se *sms.Error
			if !errors.Is(err, sms.ErrUnavailable) || !errors.As(err, &se) || se.Err == nil {
				t.Fatalf("error = %v, want unavailable with the transport error", err)
			}
			if strings.Contains(err.Error(), "13812345678") || strings.Contains(err.Error(), "Signature") {
				t.Fatalf("the error shows the request URL: %v", err)
			}
		})
	}
}

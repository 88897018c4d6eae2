package identity_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/sms/smstest"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const phone = "13812345678"

func send(o *identity.OTP, p, addr string) error {
	return o.Send(context.Background(), identity.SendRequest{Scope: "7", Phone: p, Address: addr})
}

func verify(o *identity.OTP, p, code, use string) error {
	return o.Verify(context.Background(), identity.CheckRequest{Scope: "7", Phone: p, Code: code, Use: use})
}

// wrongCode is a six-digit code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

// wantCodeError checks err is a *CodeError with outcome (and left tries, if ≥ 0).
func wantCodeError(t *testing.T, err error, outcome identity.Outcome, left int) {
	t.Helper()
	var ce *identity.CodeError
	if !errors.Is(err, identity.ErrInvalid) || !errors.As(err, &ce) || ce.Outcome != outcome || left >= 0 && ce.Left != left {
		t.Fatalf("error = %v (%+v), want %s with %d left", err, ce, outcome, left)
	}
}

// wantWait checks err is a *WaitError of limit with Retry-After seconds.
func wantWait(t *testing.T, err error, limit string, seconds int) {
	t.Helper()
	var we *identity.WaitError
	if !errors.As(err, &we) || we.Limit != limit || we.RetryAfter() != seconds {
		t.Fatalf("error = %v, want the %s limit with Retry-After %d", err, limit, seconds)
	}
}

func TestCodeIsAcceptedOnce(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := newClock()
			o, box := service(b.new(t), c)
			if err := send(o, "+86 138 1234 5678", "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
			code := box.code(t, phone)
			steps := []struct {
				name string
				do   func() error
				want func(error)
			}{
				{"another survey's scope does not know it", func() error {
					return o.Verify(context.Background(), identity.CheckRequest{Scope: "8", Phone: phone, Code: code, Use: "s1"})
				}, func(err error) { wantCodeError(t, err, identity.Missing, -1) }},
				{"right code, typed in full-width digits", func() error { return verify(o, phone, fullWidth(code), "s1") }, nilError(t)},
				{"the same submission again (a retry)", func() error { return verify(o, phone, code, "s1") }, nilError(t)},
				{"another submission with the used code", func() error { return verify(o, phone, code, "s2") },
					func(err error) { wantCodeError(t, err, identity.Used, -1) }},
				{"a wrong code after use does not count", func() error { return verify(o, phone, wrongCode(code), "s3") },
					func(err error) { wantCodeError(t, err, identity.Used, -1) }},
				{"no use given: never again", func() error { return verify(o, phone, code, "") },
					func(err error) { wantCodeError(t, err, identity.Used, -1) }},
			}
			for _, st := range steps {
				t.Run(st.name, func(t *testing.T) { st.want(st.do()) })
			}
		})
	}
}

func nilError(t *testing.T) func(error) {
	return func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("refused: %v", err)
		}
	}
}

func fullWidth(s string) string {
	out := []rune{}
	for _, r := range s {
		out = append(out, '０'+(r-'0'))
	}
	return string(out)
}

func TestWrongExpiredAndMalformedCodes(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := newClock()
			o, box := service(b.new(t), c)
			if err := verify(o, phone, "123456", "s"); err == nil {
				t.Fatal("a code never sent was accepted")
			} else {
				wantCodeError(t, err, identity.Missing, -1)
			}
			if err := send(o, phone, ""); err != nil {
				t.Fatal(err)
			}
			code := box.code(t, phone)
			wantCodeError(t, verify(o, phone, "12345", "s"), identity.Malformed, -1)
			wantCodeError(t, verify(o, phone, "abcdef", "s"), identity.Malformed, -1)
			// Malformed input is not a try: the first wrong code leaves 4.
			wantCodeError(t, verify(o, phone, wrongCode(code), "s"), identity.Wrong, 4)
			if err := verify(o, "1381234567", code, "s"); !errors.Is(err, identity.ErrBadPhone) {
				t.Fatalf("short number: %v", err)
			}
			const other = "13900000000"
			if err := send(o, other, ""); err != nil {
				t.Fatal(err)
			}
			c.Advance(5*time.Minute - time.Second)
			if err := verify(o, other, box.code(t, other), "s"); err != nil {
				t.Fatalf("a code 4:59 old: %v", err)
			}
			c.Advance(time.Second)
			wantCodeError(t, verify(o, phone, code, "s"), identity.Missing, -1) // expired at 5:00
		})
	}
}

func TestFiveWrongCodesLockTheNumber(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := newClock()
			o, box := service(b.new(t), c)
			if err := send(o, phone, ""); err != nil {
				t.Fatal(err)
			}
			code := box.code(t, phone)
			for left := 4; left >= 1; left-- {
				wantCodeError(t, verify(o, phone, wrongCode(code), "s"), identity.Wrong, left)
				c.Advance(time.Second)
			}
			wantWait(t, verify(o, phone, wrongCode(code), "s"), "locked", 15*60)
			c.Advance(time.Minute)
			err := verify(o, phone, code, "s")
			if !errors.Is(err, identity.ErrLocked) {
				t.Fatalf("right code while locked: %v", err)
			}
			wantWait(t, err, "locked", 14*60)
			wantWait(t, send(o, phone, ""), "locked", 14*60)

			c.Advance(14 * time.Minute)
			if err := send(o, phone, ""); err != nil {
				t.Fatalf("send after the lock: %v", err)
			}
			fresh := box.code(t, phone)
			wantCodeError(t, verify(o, phone, wrongCode(fresh), "s"), identity.Wrong, 4) // tries start over
			if err := verify(o, phone, fresh, "s"); err != nil {
				t.Fatalf("fresh code after the lock: %v", err)
			}
		})
	}
}

func TestWrongCodesCountInTheLockWindow(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := newClock()
			o, box := service(b.new(t), c)
			o.Config.CodeTTL = time.Hour
			if err := send(o, phone, ""); err != nil {
				t.Fatal(err)
			}
			code := box.code(t, phone)
			for left := 4; left >= 1; left-- {
				wantCodeError(t, verify(o, phone, wrongCode(code), "s"), identity.Wrong, left)
			}
			c.Advance(15 * time.Minute) // the window of those four has passed
			wantCodeError(t, verify(o, phone, wrongCode(code), "s"), identity.Wrong, 4)
			if err := verify(o, phone, code, "s"); err != nil {
				t.Fatalf("right code: %v", err)
			}
		})
	}
}

func TestSendLimits(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			cases := []struct {
				name   string
				config func(*identity.Config)
				steps  []sendStep
			}{
				{name: "one a minute, five an hour, per number", steps: []sendStep{
					{phone: phone, ok: true},
					{after: 30 * time.Second, phone: phone, limit: "number", retry: 30},
					{after: 30 * time.Second, phone: phone, ok: true},
					{after: time.Minute, phone: phone, ok: true},
					{after: time.Minute, phone: phone, ok: true},
					{after: time.Minute, phone: phone, ok: true},
					{after: time.Minute, phone: phone, limit: "number", retry: 55 * 60}, // the first send leaves the hour at 60 min
					{after: 55 * time.Minute, phone: phone, ok: true},
					{phone: "13900000001", ok: true}, // another number is not limited
				}},
				{name: "per address, not counting refused requests", config: func(c *identity.Config) {
					c.PerAddress = []identity.Rate{{N: 2, Per: time.Hour}}
				}, steps: []sendStep{
					{phone: "13900000001", addr: "10.0.0.1", ok: true},
					{phone: "13900000001", addr: "10.0.0.1", limit: "number", retry: 60}, // refused: spends nothing
					{phone: "13900000002", addr: "10.0.0.1", ok: true},
					{after: 10 * time.Minute, phone: "13900000003", addr: "10.0.0.1", limit: "address", retry: 50 * 60},
					{phone: "13900000003", addr: "10.0.0.2", ok: true},
				}},
				{name: "per survey", config: func(c *identity.Config) {
					c.PerSurvey = []identity.Rate{{N: 3, Per: 10 * time.Minute}}
				}, steps: []sendStep{
					{phone: "13900000001", addr: "10.0.0.1", ok: true},
					{phone: "13900000002", addr: "10.0.0.2", ok: true},
					{phone: "13900000003", addr: "10.0.0.3", ok: true},
					{after: time.Minute, phone: "13900000004", addr: "10.0.0.4", limit: "survey", retry: 9 * 60},
					{phone: "13900000004", addr: "10.0.0.4", scope: "8", ok: true}, // another survey has its own
					{after: 9 * time.Minute, phone: "13900000005", addr: "10.0.0.5", ok: true},
				}},
				{name: "limits off", config: func(c *identity.Config) { c.PerAddress, c.PerSurvey = nil, nil }, steps: []sendStep{
					{phone: "13900000001", addr: "10.0.0.1", ok: true},
					{phone: "13900000002", addr: "10.0.0.1", ok: true},
				}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c := newClock()
					o, box := service(b.new(t), c)
					if tc.config != nil {
						tc.config(&o.Config)
					}
					for i, st := range tc.steps {
						c.Advance(st.after)
						scope := st.scope
						if scope == "" {
							scope = "7"
						}
						before := box.count()
						err := o.Send(context.Background(), identity.SendRequest{Scope: scope, Phone: st.phone, Address: st.addr})
						if st.ok {
							if err != nil {
								t.Fatalf("step %d: refused: %v", i, err)
							}
							continue
						}
						wantWait(t, err, st.limit, st.retry)
						if !errors.Is(err, identity.ErrLimited) {
							t.Fatalf("step %d: %v is not ErrLimited", i, err)
						}
						if box.count() != before {
							t.Fatalf("step %d: a refused request texted a code", i)
						}
					}
				})
			}
		})
	}
}

type sendStep struct {
	after       time.Duration
	phone, addr string
	scope       string
	ok          bool
	limit       string
	retry       int
}

// TestProviderFailureRefundsTheNumber: a code the provider failed to
// deliver costs the number and the survey nothing, so the resident may ask
// again at once; the address still counts it.
func TestProviderFailureRefundsTheNumber(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := newClock()
			o, box := service(b.new(t), c)
			o.Config.PerAddress = []identity.Rate{{2, time.Hour}}
			o.Config.PerSurvey = []identity.Rate{{1, time.Hour}}
			box.fail = &sms.Error{Provider: "inbox", Kind: sms.Unavailable, Code: "transport"}
			err := send(o, phone, "10.0.0.9")
			if !errors.Is(err, sms.ErrUnavailable) {
				t.Fatalf("send with the provider down: %v", err)
			}
			box.fail = nil
			// The number's minute and the survey's only slot are free again.
			if err := send(o, phone, "10.0.0.9"); err != nil {
				t.Fatalf("asking again after a failed send: %v", err)
			}
			if box.count() != 1 {
				t.Fatalf("%d messages delivered, want 1", box.count())
			}
			// The address counted both requests.
			c.Advance(time.Minute)
			wantWait(t, send(o, "13912345678", "10.0.0.9"), "address", 3540)
		})
	}
}

// TestReleasedCodeIsAcceptedAgain: a code given back (its response was not
// stored) is accepted again, also for another submission, until it expires.
func TestReleasedCodeIsAcceptedAgain(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := newClock()
			o, box := service(b.new(t), c)
			if err := send(o, phone, ""); err != nil {
				t.Fatal(err)
			}
			code := box.code(t, phone)
			release := func(use string) {
				t.Helper()
				if err := o.Release(context.Background(), identity.CheckRequest{Scope: "7", Phone: phone, Code: code, Use: use}); err != nil {
					t.Fatal(err)
				}
			}
			nilError(t)(verify(o, phone, code, "s1"))
			release("s2") // not its use: nothing changes
			wantCodeError(t, verify(o, phone, code, "s2"), identity.Used, -1)
			release("s1")
			nilError(t)(verify(o, phone, code, "s2"))
			wantCodeError(t, verify(o, phone, code, "s1"), identity.Used, -1)
			release("s2")
			c.Advance(5 * time.Minute)
			wantCodeError(t, verify(o, phone, code, "s3"), identity.Missing, -1)
		})
	}
}

func TestBadRequests(t *testing.T) {
	o, _ := service(identity.NewMemory(), newClock())
	for _, p := range []string{"", "12345678901", "1381234567", "138123456789", "+1 138 1234 5678", "1381234567x"} {
		if err := send(o, p, ""); !errors.Is(err, identity.ErrBadPhone) {
			t.Errorf("phone %q: %v", p, err)
		}
	}
	o.SMS = nil
	if err := send(o, phone, ""); !errors.Is(err, sms.ErrNotConfigured) {
		t.Errorf("no provider: %v", err)
	}
}

// Concurrent requests for one number: exactly one code goes out, and one
// right code is accepted for exactly one submission.
func TestConcurrentRequestsForOneNumber(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := newClock()
			store := b.new(t)
			o, box := service(store, c)
			const n = 20
			var sent, accepted atomic.Int32
			var wg sync.WaitGroup
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if send(o, phone, "") == nil {
						sent.Add(1)
					}
				}()
			}
			wg.Wait()
			if sent.Load() != 1 || box.count() != 1 {
				t.Fatalf("%d sends accepted, %d texted; want 1", sent.Load(), box.count())
			}
			code := box.code(t, phone)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if verify(o, phone, code, fmt.Sprint("submission-", i)) == nil {
						accepted.Add(1)
					}
				}()
			}
			wg.Wait()
			if accepted.Load() != 1 {
				t.Fatalf("%d submissions accepted one code; want 1", accepted.Load())
			}
		})
	}
}

// A code goes out through each real provider to its fake, and the code the
// fake delivered is the one accepted.
func TestCodesThroughProviderFakes(t *testing.T) {
	aliyun, tencent := smstest.NewAliyun(t), smstest.NewTencent(t)
	cases := []struct {
		name     string
		settings sms.Settings
		param    string
		last     func(phone, name string) string
	}{
		{"aliyun", aliyun.Settings(), "code", aliyun.LastParam},
		{"tencent", tencent.Settings(), "1", tencent.LastParam},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := sms.New(tc.settings, sms.Options{})
			if err != nil {
				t.Fatal(err)
			}
			o := identity.NewOTP(identity.NewMemory(), p, identity.NewHasher(surveystest.Secret))
			if err := send(o, phone, "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
			code := tc.last(phone, tc.param)
			if len(code) != 6 {
				t.Fatalf("the fake delivered code %q", code)
			}
			if err := verify(o, phone, code, "s"); err != nil {
				t.Fatalf("the delivered code was refused: %v", err)
			}
		})
	}
}

package identity

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity/sms"
)

// Env var names of the code settings.
const (
	EnvAddressRate = "MINYI_OTP_ADDRESS_RATE"
	EnvSurveyRate  = "MINYI_OTP_SURVEY_RATE"
)

// Config holds the one-time code rules.
type Config struct {
	CodeTTL    time.Duration // how long a code is valid
	MaxFails   int           // wrong codes that lock a number…
	LockFor    time.Duration // …for this long (and the window they count in)
	PerNumber  []Rate        // codes sent to one number
	PerAddress []Rate        // codes requested from one IP address
	PerSurvey  []Rate        // codes sent for one survey (a cap on the SMS bill)
}

// DefaultConfig is the issue's rules: 5-minute codes, 5 wrong codes lock
// the number for 15 minutes, a number gets 1 code a minute and 5 an hour;
// an address may ask 30 an hour (carriers and offices share addresses), a
// survey may send 2,000 an hour.
func DefaultConfig() Config {
	return Config{
		CodeTTL:    5 * time.Minute,
		MaxFails:   5,
		LockFor:    15 * time.Minute,
		PerNumber:  []Rate{{1, time.Minute}, {5, time.Hour}},
		PerAddress: []Rate{{30, time.Hour}},
		PerSurvey:  []Rate{{2000, time.Hour}},
	}
}

// ConfigFromEnv is DefaultConfig with the address and survey limits from
// MINYI_OTP_ADDRESS_RATE and MINYI_OTP_SURVEY_RATE when set ("0" = none).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := DefaultConfig()
	for env, dst := range map[string]*[]Rate{EnvAddressRate: &c.PerAddress, EnvSurveyRate: &c.PerSurvey} {
		v := getenv(env)
		if v == "" {
			continue
		}
		rates, err := ParseRates(v)
		if err != nil {
			return c, fmt.Errorf("%s: %w", env, err)
		}
		*dst = rates
	}
	return c, nil
}

// Errors of the code service; a *WaitError or *CodeError matches them with
// errors.Is.
var (
	ErrBadPhone = errors.New("identity: 请填写11位手机号码 enter an 11-digit mainland mobile number")
	ErrLimited  = errors.New("identity: 验证码发送过于频繁，请稍后再试 too many codes asked for, try again later")
	ErrLocked   = errors.New("identity: 验证码错误次数过多，请稍后再试 too many wrong codes for this number, try again later")
	ErrInvalid  = errors.New("identity: 验证码错误、已过期或已使用 the code is wrong, expired or already used")
)

// WaitError refuses a request until Wait has passed.
type WaitError struct {
	Limit string // "number", "address", "survey" or "locked"
	Wait  time.Duration
}

// Error says which limit refused and when to retry.
func (e *WaitError) Error() string {
	if e.Limit == "locked" {
		return fmt.Sprintf("%v (retry after %ds)", ErrLocked, e.RetryAfter())
	}
	return fmt.Sprintf("%v (%s limit; retry after %ds)", ErrLimited, e.Limit, e.RetryAfter())
}

// Is matches ErrLocked for a locked number, ErrLimited otherwise.
func (e *WaitError) Is(target error) bool {
	return target == ErrLocked && e.Limit == "locked" || target == ErrLimited && e.Limit != "locked"
}

// RetryAfter is Wait in whole seconds, rounded up: the Retry-After header.
func (e *WaitError) RetryAfter() int { return max(1, int(math.Ceil(e.Wait.Seconds()))) }

// CodeError is a code that was not accepted.
type CodeError struct {
	Outcome Outcome // Wrong, Missing, Used or Malformed
	Left    int     // for Wrong: tries left before the number is locked
}

// Error is ErrInvalid with the outcome, for logs.
func (e *CodeError) Error() string { return fmt.Sprintf("%v (%s)", ErrInvalid, e.Outcome) }

// Is matches ErrInvalid.
func (e *CodeError) Is(target error) bool { return target == ErrInvalid }

// OTP creates and verifies one-time codes sent by text message.
type OTP struct {
	Store  Store
	SMS    sms.Provider
	Hasher Hasher
	Config Config
	Now    func() time.Time // nil = time.Now
}

// NewOTP returns the code service with the default rules.
func NewOTP(store Store, provider sms.Provider, hasher Hasher) *OTP {
	return &OTP{Store: store, SMS: provider, Hasher: hasher, Config: DefaultConfig()}
}

func (o *OTP) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// SendRequest asks for a code.
type SendRequest struct {
	Scope   string // what the code is for: the survey's id
	Phone   string // as typed
	Address string // the client's IP address
}

// Send creates a code for r.Phone and texts it. The limits of the address,
// the survey and the number are checked in that order; a refused request
// counts against none of them (*WaitError). A provider failure is returned
// wrapped (an *sms.Error) and costs the number and the survey nothing (the
// resident may ask again at once); it still counts against the address, so
// one client cannot hammer a failing provider.
func (o *OTP) Send(ctx context.Context, r SendRequest) error {
	if o.SMS == nil {
		return fmt.Errorf("identity: send: %w", sms.ErrNotConfigured)
	}
	phone, ok := NormalizePhone(r.Phone)
	if !ok {
		return ErrBadPhone
	}
	if r.Scope == "" {
		return errors.New("identity: send: no scope")
	}
	now, token := o.now(), randomToken()
	var taken []string // window keys to refund if a later limit refuses
	refund := func() {
		for _, k := range taken {
			if err := o.Store.Refund(context.WithoutCancel(ctx), k, token); err != nil {
				slog.Warn("identity: refund a refused code request", slog.Any("error", err))
			}
		}
	}
	windows := []struct {
		limit, key string
		rates      []Rate
	}{
		{"address", "a:" + o.Hasher.Hash("address", r.Address), o.Config.PerAddress},
		{"survey", "s:" + r.Scope, o.Config.PerSurvey},
	}
	for _, w := range windows {
		if len(w.rates) == 0 || w.limit == "address" && r.Address == "" {
			continue
		}
		wait, err := o.Store.Take(ctx, w.key, w.rates, token, now)
		if err != nil {
			refund()
			return fmt.Errorf("identity: send: %w", err)
		}
		if wait > 0 {
			refund()
			return &WaitError{Limit: w.limit, Wait: wait}
		}
		taken = append(taken, w.key)
	}

	number := o.Hasher.Hash("phone", phone)
	code := randomCode()
	v, err := o.Store.Issue(ctx, IssueArgs{
		Number: number, Scope: r.Scope, CodeHash: o.codeHash(r.Scope, number, code),
		TTL: o.Config.CodeTTL, Rates: o.Config.PerNumber, Token: token, Now: now,
	})
	if err != nil {
		refund()
		return fmt.Errorf("identity: send: %w", err)
	}
	switch v.Outcome {
	case Limited:
		refund()
		return &WaitError{Limit: "number", Wait: v.Wait}
	case Locked:
		refund()
		return &WaitError{Limit: "locked", Wait: v.Wait}
	}
	if _, err := o.SMS.Send(ctx, sms.Message{Phone: phone, Template: sms.OTP,
		Params: []sms.Param{{Name: "code", Value: code}}}); err != nil {
		// Not delivered: the resident may ask again at once, and the
		// survey's budget is not spent. The address window keeps the
		// request, so one client cannot hammer a failing provider.
		bg := context.WithoutCancel(ctx)
		if uerr := o.Store.Unsend(bg, number, token); uerr != nil {
			slog.Warn("identity: refund the number's slot of an undelivered code", slog.Any("error", uerr))
		}
		for _, k := range taken {
			if strings.HasPrefix(k, "s:") {
				if rerr := o.Store.Refund(bg, k, token); rerr != nil {
					slog.Warn("identity: refund the survey's slot of an undelivered code", slog.Any("error", rerr))
				}
			}
		}
		return fmt.Errorf("identity: send code: %w", err)
	}
	return nil
}

// CheckRequest is a code to check.
type CheckRequest struct {
	Scope string
	Phone string
	Code  string // as typed: full-width digits and spaces are fine
	// Use is what the code is spent on, e.g. the submission id: the same
	// code with the same Use is accepted again (a retried submission),
	// with any other Use it is refused. Empty = never again.
	Use string
}

// Verify accepts r.Code once, or returns a *CodeError (wrong, expired,
// used, malformed), a *WaitError (the number is locked) or ErrBadPhone.
func (o *OTP) Verify(ctx context.Context, r CheckRequest) error {
	phone, ok := NormalizePhone(r.Phone)
	if !ok {
		return ErrBadPhone
	}
	code := asciiDigits(r.Code)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return &CodeError{Outcome: Malformed}
	}
	use := r.Use
	if use == "" {
		use = randomToken()
	}
	number := o.Hasher.Hash("phone", phone)
	v, err := o.Store.Verify(ctx, VerifyArgs{
		Number: number, Scope: r.Scope, CodeHash: o.codeHash(r.Scope, number, code),
		Use: o.Hasher.Hash("otp-use", use), MaxFails: o.Config.MaxFails, LockFor: o.Config.LockFor, Now: o.now(),
	})
	if err != nil {
		return fmt.Errorf("identity: verify: %w", err)
	}
	switch v.Outcome {
	case Accepted, Repeated:
		return nil
	case Locked:
		return &WaitError{Limit: "locked", Wait: v.Wait}
	}
	return &CodeError{Outcome: v.Outcome, Left: v.Left}
}

// Release gives back a code Verify accepted for r.Use, when what it was
// spent on was not kept (the response could not be stored): the same code
// is accepted again, for any use, until it expires.
func (o *OTP) Release(ctx context.Context, r CheckRequest) error {
	phone, ok := NormalizePhone(r.Phone)
	code := asciiDigits(r.Code)
	if !ok || r.Use == "" || len(code) != 6 {
		return nil // nothing Verify could have accepted for a use
	}
	number := o.Hasher.Hash("phone", phone)
	if err := o.Store.Release(ctx, ReleaseArgs{Number: number, Scope: r.Scope,
		CodeHash: o.codeHash(r.Scope, number, code), Use: o.Hasher.Hash("otp-use", r.Use)}); err != nil {
		return fmt.Errorf("identity: release: %w", err)
	}
	return nil
}

// codeHash binds a code to its scope and number.
func (o *OTP) codeHash(scope, number, code string) string {
	return o.Hasher.Hash("otp-code", scope+"\x00"+number+"\x00"+code)
}

// randomCode is six uniformly random digits.
func randomCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("identity: crypto/rand: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	return fmt.Sprintf("%06d", n.Int64())
}

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Package sms sends templated text messages to mainland mobile numbers
// through a provider speaking its real wire protocol: Alibaba Cloud SMS
// (dysmsapi SendSms, RPC signature 1.0), Tencent Cloud SMS (API 3.0
// SendSms, TC3-HMAC-SHA256), or the development provider that writes the
// message to the server log (demo mode only).
//
// Every failure is an *Error of one Kind, keeping the provider's own code
// and message for staff; residents are only ever told ResidentMessage.
package sms

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Template names which of the configured message templates to use.
type Template string

// The templates a deployment configures.
const (
	OTP        Template = "otp"        // a one-time code: one variable, the code
	Invitation Template = "invitation" // a survey invitation with its link
	Reminder   Template = "reminder"   // a reminder to a non-responder
)

// Param is one template variable. Alibaba Cloud fills ${Name}; Tencent Cloud
// fills {1}, {2}, … in the order the params are given.
type Param struct {
	Name, Value string
}

// Message is one templated text message to one number.
type Message struct {
	Phone    string // 11-digit mainland mobile number, e.g. 13812345678
	Template Template
	Params   []Param
}

// Receipt is what the provider said about an accepted message.
type Receipt struct {
	// ID is the provider's id of the message (Alibaba BizId, Tencent
	// SerialNo), which delivery reports refer to.
	ID string
}

// Provider sends one templated message to one number. Implementations are
// safe for concurrent use.
type Provider interface {
	// Send sends m. A failure is an *Error.
	Send(ctx context.Context, m Message) (Receipt, error)
	// Name is "aliyun", "tencent" or "log".
	Name() string
}

// ResidentMessage is all a resident is told when a message could not be
// sent, whatever the reason; staff see the *Error.
const ResidentMessage = "短信发送失败，请稍后再试 the text message could not be sent, please try again later"

// Kind classifies a provider failure by what should be done about it.
type Kind int

// Failure kinds.
const (
	Throttled      Kind = iota + 1 // the provider's own rate limits: wait (RetryAfter when known)
	BadNumber                      // the number is malformed, unassigned or blocked
	BadCredentials                 // keys, signature or permissions are wrong: fix the settings
	Rejected                       // sign name, template, content or balance refused: fix the console
	Unavailable                    // network, timeout or a server error: try again later
)

var kindNames = map[Kind]string{
	Throttled:      "throttled",
	BadNumber:      "rejected number",
	BadCredentials: "bad credentials",
	Rejected:       "rejected",
	Unavailable:    "unavailable",
}

// String names the kind.
func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Sentinels that errors.Is matches an *Error of the same Kind against.
var (
	ErrThrottled      = errors.New("sms: throttled")
	ErrBadNumber      = errors.New("sms: rejected number")
	ErrBadCredentials = errors.New("sms: bad credentials")
	ErrRejected       = errors.New("sms: rejected")
	ErrUnavailable    = errors.New("sms: unavailable")
)

var kindSentinels = map[Kind]error{
	Throttled:      ErrThrottled,
	BadNumber:      ErrBadNumber,
	BadCredentials: ErrBadCredentials,
	Rejected:       ErrRejected,
	Unavailable:    ErrUnavailable,
}

// Error is a failed send: its kind, and the provider's code and message
// as the provider gave them, for staff.
type Error struct {
	Provider   string // "aliyun", "tencent", "log"
	Kind       Kind
	Code       string        // the provider's error code, e.g. isv.BUSINESS_LIMIT_CONTROL
	Message    string        // the provider's message
	Status     int           // the HTTP status, when there was a response
	RetryAfter time.Duration // for Throttled, when the code says how long; else 0
	Err        error         // the underlying transport error, if any
}

// Error gives the provider, kind, code, message and status, for staff.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sms: %s: %s", e.Provider, e.Kind)
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Status != 0 && e.Status != http.StatusOK {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Is matches the sentinel of e's kind.
func (e *Error) Is(target error) bool { return kindSentinels[e.Kind] == target }

// Unwrap returns the transport error, if any.
func (e *Error) Unwrap() error { return e.Err }

// StaffHint says, in Chinese and English, what staff should check.
func (e *Error) StaffHint() string {
	switch e.Kind {
	case Throttled:
		return "服务商限流：稍后再发，或在控制台调整频率限制 the provider is rate limiting: wait, or raise the limits in its console"
	case BadNumber:
		return "号码无效或被服务商拦截 the number is invalid or blocked by the provider"
	case BadCredentials:
		return "检查 MINYI_SMS_KEY_ID、MINYI_SMS_KEY_SECRET、子账号的短信权限和服务器时钟 check the access key, its secret, the sub-account's SMS permission and the server clock"
	case Rejected:
		return "检查签名、模板是否已审核通过、账户余额 check that the sign name and template are approved and the balance is positive"
	case Unavailable:
		return "服务商暂时不可用或网络故障，稍后重试 the provider or the network is down: try again later"
	}
	return ""
}

// mainland is an 11-digit mainland mobile number.
var mainland = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// checkMessage refuses a malformed message before anything is sent.
func checkMessage(provider string, m Message) error {
	if !mainland.MatchString(m.Phone) {
		return &Error{Provider: provider, Kind: BadNumber, Code: "local", Message: "not an 11-digit mainland mobile number"}
	}
	return nil
}

// transportError wraps a failed round trip as Unavailable. A *url.Error
// is unwrapped: its URL carries the phone number and the signature.
func transportError(provider string, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return &Error{Provider: provider, Kind: Unavailable, Code: "transport", Err: err}
}

// Package smstest runs local fakes of the SMS providers for tests: HTTP
// servers that check each request and its signature by the provider's
// documented algorithm (computed here independently of package sms),
// record what would have been delivered, and answer as the provider does:
// success, throttling and error bodies on demand.
package smstest

import (
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Credentials and console settings the fakes accept.
const (
	AliyunKeyID      = "LTAI5tFakeKeyId0123456789"
	AliyunKeySecret  = "fake-aliyun-secret-0123456789abcd"
	AliyunTemplate   = "SMS_154950909"
	TencentSecretID  = "AKIDfakeSecretId0123456789abcdefgh"
	TencentSecretKey = "fake-tencent-secret-key-0123456789"
	TencentAppID     = "1400006666"
	TencentTemplate  = "1110"
	SignName         = "民意调查"
)

// Sent is a message the fake accepted for delivery.
type Sent struct {
	Phone    string // 11 digits
	SignName string
	Template string
	// Params are the template variables: by name for Alibaba Cloud
	// (${code} → "code"), by position for Tencent Cloud ({1} → "1").
	Params map[string]string
	ID     string // the BizId / SerialNo answered
	At     time.Time
}

// reply is a canned answer for the next signed request.
type reply struct {
	status int
	code   string
	msg    string
	raw    string // a raw body instead of the provider's JSON
}

// fake is the state both fakes share.
type fake struct {
	mu       sync.Mutex
	srv      *httptest.Server
	now      func() time.Time
	sent     []Sent
	next     []reply
	requests int
	nonces   map[string]bool
}

// URL is the fake's base URL, for the Endpoint setting.
func (f *fake) URL() string { return f.srv.URL }

// Close stops the fake (also done at the test's cleanup).
func (f *fake) Close() { f.srv.Close() }

// SetClock replaces the fake's clock, which checks request timestamps.
func (f *fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// FailNext makes the next correctly signed request fail with the
// provider's error code and message, in the body and status the provider
// uses for that code.
func (f *fake) FailNext(code, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = append(f.next, reply{code: code, msg: message})
}

// FailNextRaw makes the next correctly signed request answer status with
// body as it is (an HTML error page from a proxy, say).
func (f *fake) FailNextRaw(status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = append(f.next, reply{status: status, raw: body})
}

// Sent returns the messages accepted so far.
func (f *fake) Sent() []Sent {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Sent(nil), f.sent...)
}

// Requests counts every request received, refused ones included.
func (f *fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// LastParam returns a template variable of the last message accepted for
// phone ("" when none): the code a resident would read on the phone.
func (f *fake) LastParam(phone, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.sent) - 1; i >= 0; i-- {
		if f.sent[i].Phone == phone {
			return f.sent[i].Params[name]
		}
	}
	return ""
}

// begin counts a request and reads the clock.
func (f *fake) begin() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests++
	return f.now()
}

// useNonce reports whether nonce is new, remembering it.
func (f *fake) useNonce(nonce string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.nonces[nonce] {
		return false
	}
	f.nonces[nonce] = true
	return true
}

// popReply takes the next canned answer, if any.
func (f *fake) popReply() (reply, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.next) == 0 {
		return reply{}, false
	}
	r := f.next[0]
	f.next = f.next[1:]
	return r, true
}

// deliver records an accepted message and returns its id.
func (f *fake) deliver(s Sent) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	s.ID = randomHex(8)
	s.At = f.now()
	f.sent = append(f.sent, s)
	return s.ID
}

func newFake(t testing.TB) *fake {
	t.Helper()
	return &fake{now: time.Now, nonces: map[string]bool{}}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Package wechattest runs a local fake of WeChat's web OAuth for tests:
// the authorize page (each browser, told apart by a cookie on the fake's
// host, is one WeChat user with a stable openid) and the code → openid
// exchange, with WeChat's error codes for bad, used and expired codes.
package wechattest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity/wechat"
)

// The account the fake knows.
const (
	AppID  = "wx0123456789abcdef"
	Secret = "0123456789abcdef0123456789abcdef"
)

// CodeTTL is how long an unused code stays valid, as at WeChat.
const CodeTTL = 5 * time.Minute

// UserCookie holds the fake user's openid in the browser.
const UserCookie = "fake_wechat_openid"

// Fake is the fake WeChat.
type Fake struct {
	srv *httptest.Server

	mu        sync.Mutex
	now       func() time.Time
	codes     map[string]*code
	next      []failure
	snapshot  bool
	exchanges int
}

type code struct {
	openid string
	issued time.Time
	used   bool
}

type failure struct {
	errcode int
	errmsg  string
}

// New starts the fake, stopped at cleanup.
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{now: time.Now, codes: map[string]*code{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /connect/oauth2/authorize", f.authorize)
	mux.HandleFunc("GET /sns/oauth2/access_token", f.accessToken)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// URL is the fake's base URL.
func (f *Fake) URL() string { return f.srv.URL }

// Close stops the fake.
func (f *Fake) Close() { f.srv.Close() }

// Settings are client settings pointing at the fake.
func (f *Fake) Settings() wechat.Settings {
	return wechat.Settings{AppID: AppID, Secret: Secret, APIBase: f.URL(), OAuthBase: f.URL()}
}

// SetClock replaces the fake's clock, which ages codes.
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// Code mints a code for openid, as the authorize step does.
func (f *Fake) Code(openid string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := "0" + randomHex(15)
	f.codes[c] = &code{openid: openid, issued: f.now()}
	return c
}

// FailNext makes the next exchange answer {"errcode": errcode, "errmsg": errmsg}.
func (f *Fake) FailNext(errcode int, errmsg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = append(f.next, failure{errcode, errmsg})
}

// SnapshotNext makes the next exchange answer for a snapshot-page virtual
// account (is_snapshotuser: 1).
func (f *Fake) SnapshotNext() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.snapshot = true
}

// Exchanges counts code exchanges received.
func (f *Fake) Exchanges() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exchanges
}

var stateChars = regexp.MustCompile(`^[0-9A-Za-z]{0,128}$`)

// authorize is the silent snsapi_base sign-in: it checks the request as
// WeChat does, then redirects to redirect_uri with a code and the state.
func (f *Fake) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	// WeChat requires the documented parameter order.
	var names []string
	for _, kv := range strings.Split(r.URL.RawQuery, "&") {
		name, _, _ := strings.Cut(kv, "=")
		names = append(names, name)
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case strings.Join(names, ",") != "appid,redirect_uri,response_type,scope,state":
		http.Error(w, "参数错误 parameters out of order: "+strings.Join(names, ","), http.StatusBadRequest)
		return
	case q.Get("appid") != AppID:
		http.Error(w, "appid 错误", http.StatusBadRequest)
		return
	case q.Get("response_type") != "code" || q.Get("scope") != "snsapi_base":
		http.Error(w, "scope 参数错误或没有 scope 权限", http.StatusBadRequest)
		return
	case err != nil || (redirect.Scheme != "http" && redirect.Scheme != "https") || redirect.Host == "":
		http.Error(w, "redirect_uri 参数错误", http.StatusBadRequest)
		return
	case !stateChars.MatchString(q.Get("state")):
		http.Error(w, "state 参数错误", http.StatusBadRequest)
		return
	}
	openid := ""
	if ck, err := r.Cookie(UserCookie); err == nil {
		openid = ck.Value
	} else {
		openid = "o" + randomHex(14)[:27]
		http.SetCookie(w, &http.Cookie{Name: UserCookie, Value: openid, Path: "/"})
	}
	rq := redirect.Query()
	rq.Set("code", f.Code(openid))
	rq.Set("state", q.Get("state"))
	redirect.RawQuery = rq.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// accessToken is the code → openid exchange.
func (f *Fake) accessToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fail := func(code int, msg string) {
		writeJSON(w, map[string]any{"errcode": code, "errmsg": msg + ", rid: " + randomHex(12)})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.exchanges++
	switch {
	case q.Get("appid") != AppID:
		fail(40013, "invalid appid")
		return
	case q.Get("secret") != Secret:
		fail(40125, "invalid appsecret")
		return
	case q.Get("grant_type") != "authorization_code":
		fail(40002, "invalid grant_type")
		return
	case q.Get("code") == "":
		fail(41008, "missing code")
		return
	}
	if len(f.next) > 0 {
		n := f.next[0]
		f.next = f.next[1:]
		fail(n.errcode, n.errmsg)
		return
	}
	c := f.codes[q.Get("code")]
	switch {
	case c == nil:
		fail(40029, "invalid code")
		return
	case c.used:
		fail(40163, "code been used")
		return
	case f.now().Sub(c.issued) > CodeTTL:
		fail(42003, "code expired")
		return
	}
	c.used = true
	out := map[string]any{
		"access_token": randomHex(32), "expires_in": 7200, "refresh_token": randomHex(32),
		"openid": c.openid, "scope": "snsapi_base",
	}
	if f.snapshot {
		f.snapshot = false
		out["is_snapshotuser"] = 1
	}
	writeJSON(w, out)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

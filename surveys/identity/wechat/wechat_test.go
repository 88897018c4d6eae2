package wechat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/wechat"
	"github.com/minyi-survey/minyi/surveys/identity/wechat/wechattest"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// setup is a client on the fake sharing one fake clock with it.
func setup(t *testing.T, store identity.Store) (*wechat.Client, *wechattest.Fake, *clock) {
	t.Helper()
	f := wechattest.New(t)
	c := &clock{t: time.Now().Truncate(time.Second)} // states carry whole seconds
	f.SetClock(c.Now)
	cl, err := wechat.New(f.Settings(), store, surveystest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	cl.Now = c.Now
	return cl, f, c
}

// signIn walks one browser (its cookie jar) through the authorize page and
// returns the code and state WeChat redirected back with.
func signIn(t *testing.T, cl *wechat.Client, jar http.CookieJar, state string) (code, gotState string) {
	t.Helper()
	const callback = "https://minyi.example.cn/s/social-2022/wechat?from=qr"
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(strings.TrimSuffix(cl.AuthorizeURL(callback, state), "#wechat_redirect"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), "https://minyi.example.cn/s/social-2022/wechat?") || loc.Query().Get("from") != "qr" {
		t.Fatalf("redirected to %q", resp.Header.Get("Location"))
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func newJar(t *testing.T) http.CookieJar {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return jar
}

func TestAuthorizeURL(t *testing.T) {
	cl, err := wechat.New(wechat.Settings{AppID: wechattest.AppID, Secret: wechattest.Secret}, identity.NewMemory(), surveystest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	got := cl.AuthorizeURL("https://minyi.example.cn/s/social-2022/wechat?u=a b", "1abc")
	want := "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx0123456789abcdef" +
		"&redirect_uri=https%3A%2F%2Fminyi.example.cn%2Fs%2Fsocial-2022%2Fwechat%3Fu%3Da+b" +
		"&response_type=code&scope=snsapi_base&state=1abc#wechat_redirect"
	if got != want {
		t.Fatalf("AuthorizeURL =\n%s\nwant\n%s", got, want)
	}
}

func TestSignInFlow(t *testing.T) {
	cl, fake, _ := setup(t, identity.NewMemory())
	ctx := context.Background()
	ids := map[string]string{}
	jarA, jarB := newJar(t), newJar(t)
	browsers := []struct {
		name string
		jar  http.CookieJar
	}{{"first visit", jarA}, {"same browser again", jarA}, {"another browser", jarB}}
	for _, b := range browsers {
		t.Run(b.name, func(t *testing.T) {
			state := cl.NewState("social-2022", "rid-"+b.name[:4])
			code, back := signIn(t, cl, b.jar, state)
			if back != state {
				t.Fatalf("state came back as %q", back)
			}
			if err := cl.CheckState(ctx, back, "social-2022", "rid-"+b.name[:4]); err != nil {
				t.Fatalf("check state: %v", err)
			}
			id, err := cl.Exchange(ctx, code)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if len(id.OpenID) != 28 {
				t.Fatalf("openid %q", id.OpenID)
			}
			ids[b.name] = id.OpenID
		})
	}
	if ids["first visit"] != ids["same browser again"] || ids["first visit"] == ids["another browser"] {
		t.Fatalf("openids %v: want one per browser", ids)
	}
	if n := fake.Exchanges(); n != 3 {
		t.Fatalf("%d exchanges, want 3", n)
	}
}

func TestExchange(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		prepare func(f *wechattest.Fake, c *clock, cl *wechat.Client) string // returns the code to exchange
		want    error
		errcode int
	}{
		{name: "good code", prepare: func(f *wechattest.Fake, _ *clock, _ *wechat.Client) string { return f.Code("oGood") }},
		{name: "bad code", prepare: func(*wechattest.Fake, *clock, *wechat.Client) string { return "forged-code" },
			want: wechat.ErrCode, errcode: 40029},
		{name: "code used twice", prepare: func(f *wechattest.Fake, _ *clock, cl *wechat.Client) string {
			c := f.Code("oTwice")
			if _, err := cl.Exchange(ctx, c); err != nil {
				t.Fatal(err)
			}
			return c
		}, want: wechat.ErrCode, errcode: 40163},
		{name: "expired code", prepare: func(f *wechattest.Fake, c *clock, _ *wechat.Client) string {
			code := f.Code("oLate")
			c.Advance(wechattest.CodeTTL + time.Second)
			return code
		}, want: wechat.ErrCode, errcode: 42003},
		{name: "no code", prepare: func(*wechattest.Fake, *clock, *wechat.Client) string { return "" },
			want: wechat.ErrCode, errcode: 41008},
		{name: "server not in the IP whitelist", prepare: func(f *wechattest.Fake, _ *clock, _ *wechat.Client) string {
			f.FailNext(40164, "invalid ip 203.0.113.9, not in whitelist")
			return f.Code("oIP")
		}, want: wechat.ErrConfig, errcode: 40164},
		{name: "system busy", prepare: func(f *wechattest.Fake, _ *clock, _ *wechat.Client) string {
			f.FailNext(-1, "system error")
			return f.Code("oBusy")
		}, want: wechat.ErrUnavailable, errcode: -1},
		{name: "snapshot-page virtual account", prepare: func(f *wechattest.Fake, _ *clock, _ *wechat.Client) string {
			f.SnapshotNext()
			return f.Code("oSnap")
		}, want: wechat.ErrSnapshot},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl, f, c := setup(t, identity.NewMemory())
			id, err := cl.Exchange(ctx, tc.prepare(f, c, cl))
			if tc.want == nil {
				if err != nil || id.OpenID != "oGood" {
					t.Fatalf("exchange = %+v, %v", id, err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			var ae *wechat.APIError
			if tc.errcode != 0 && (!errors.As(err, &ae) || ae.Code != tc.errcode) {
				t.Fatalf("error = %v, want errcode %d", err, tc.errcode)
			}
		})
	}
}

func TestExchangeWithWrongSecretOrNoServer(t *testing.T) {
	f := wechattest.New(t)
	s := f.Settings()
	s.Secret = strings.Repeat("x", 32)
	cl, err := wechat.New(s, identity.NewMemory(), surveystest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	var ae *wechat.APIError
	if _, err := cl.Exchange(context.Background(), f.Code("o1")); !errors.Is(err, wechat.ErrConfig) || !errors.As(err, &ae) || ae.Code != 40125 {
		t.Fatalf("wrong secret: %v", err)
	}
	f.Close()
	_, err = cl.Exchange(context.Background(), "some-code")
	if !errors.Is(err, wechat.ErrUnavailable) || strings.Contains(err.Error(), s.Secret) {
		t.Fatalf("no server: %v (must not show the secret)", err)
	}
}

func TestState(t *testing.T) {
	ctx := context.Background()
	cl, _, c := setup(t, identity.NewMemory())
	other, err := wechat.New(wechattest.New(t).Settings(), identity.NewMemory(), []byte("another-server-secret-0123"))
	if err != nil {
		t.Fatal(err)
	}
	other.Now = c.Now
	flip := func(s string) string {
		b := []byte(s)
		if b[40] == 'a' {
			b[40] = 'b'
		} else {
			b[40] = 'a'
		}
		return string(b)
	}
	cases := []struct {
		name  string
		state func() string
		scope string
		bind  string
		after time.Duration
		want  error
	}{
		{name: "fresh", state: func() string { return cl.NewState("s1", "b1") }, scope: "s1", bind: "b1"},
		{name: "fresh, nothing bound", state: func() string { return cl.NewState("s1", "") }, scope: "s1"},
		{name: "replayed", state: func() string {
			s := cl.NewState("s1", "b1")
			if err := cl.CheckState(ctx, s, "s1", "b1"); err != nil {
				t.Fatal(err)
			}
			return s
		}, scope: "s1", bind: "b1", want: wechat.ErrStateUsed},
		{name: "another survey", state: func() string { return cl.NewState("s1", "b1") }, scope: "s2", bind: "b1", want: wechat.ErrStateForged},
		{name: "another browser", state: func() string { return cl.NewState("s1", "b1") }, scope: "s1", bind: "b2", want: wechat.ErrStateForged},
		{name: "one character changed", state: func() string { return flip(cl.NewState("s1", "b1")) }, scope: "s1", bind: "b1", want: wechat.ErrStateForged},
		{name: "signed by another server", state: func() string { return other.NewState("s1", "b1") }, scope: "s1", bind: "b1", want: wechat.ErrStateForged},
		{name: "truncated", state: func() string { return cl.NewState("s1", "b1")[:60] }, scope: "s1", bind: "b1", want: wechat.ErrStateForged},
		{name: "upper case", state: func() string { return strings.ToUpper(cl.NewState("s1", "b1")) }, scope: "s1", bind: "b1", want: wechat.ErrStateForged},
		{name: "empty", state: func() string { return "" }, scope: "s1", want: wechat.ErrStateForged},
		{name: "expired", state: func() string { return cl.NewState("s1", "b1") }, scope: "s1", bind: "b1",
			after: 10*time.Minute + time.Second, want: wechat.ErrStateExpired},
		{name: "just in time", state: func() string { return cl.NewState("s1", "b1") }, scope: "s1", bind: "b1", after: 10 * time.Minute},
		{name: "from the future", state: func() string {
			c.Advance(2 * time.Minute)
			defer c.Advance(-2 * time.Minute)
			return cl.NewState("s1", "b1")
		}, scope: "s1", bind: "b1", want: wechat.ErrStateForged},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.state()
			if len(s) > 128 || strings.Trim(s, "0123456789abcdefABCDEF") != "" {
				t.Fatalf("state %q is not what WeChat carries (a-zA-Z0-9, ≤ 128)", s)
			}
			c.Advance(tc.after)
			defer c.Advance(-tc.after)
			if err := cl.CheckState(ctx, s, tc.scope, tc.bind); !errors.Is(err, tc.want) {
				t.Fatalf("CheckState = %v, want %v", err, tc.want)
			}
		})
	}
}

// A state used on one instance is refused on another sharing the Redis.
func TestStateReplayedOnAnotherInstance(t *testing.T) {
	prefix := surveystest.Prefix()
	newStore := func() identity.Store {
		s, err := identity.NewRedis(surveystest.Redis(t), prefix)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, fake, c := setup(t, newStore())
	b, err := wechat.New(fake.Settings(), newStore(), surveystest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	b.Now = c.Now
	ctx := context.Background()
	state := a.NewState("social-2022", "rid")
	if err := b.CheckState(ctx, state, "social-2022", "rid"); err != nil {
		t.Fatalf("state made on one instance, checked on the other: %v", err)
	}
	if err := a.CheckState(ctx, state, "social-2022", "rid"); !errors.Is(err, wechat.ErrStateUsed) {
		t.Fatalf("replayed on the first instance: %v", err)
	}
}

func TestIsWeChat(t *testing.T) {
	cases := []struct {
		name, ua string
		want     bool
	}{
		{"WeChat on Android", "Mozilla/5.0 (Linux; Android 10; V2001A Build/QP1A.190711.020; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/107.0.5304.141 Mobile Safari/537.36 XWEB/5023 MMWEBSDK/20230303 MMWEBID/1234 MicroMessenger/8.0.34.2340(0x2800225D) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64", true},
		{"WeChat on iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 16_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.33(0x18002129) NetType/WIFI Language/zh_CN", true},
		{"WeCom", "Mozilla/5.0 (Linux; Android 12; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/98.0 Mobile Safari/537.36 wxwork/4.1.0 MicroMessenger/7.0.1 NetType/WIFI Language/zh", false},
		{"Chrome on Android", "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36", false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := wechat.IsWeChat(tc.ua); got != tc.want {
				t.Fatalf("IsWeChat = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSettings(t *testing.T) {
	env := map[string]string{wechat.EnvAppID: " wx0123456789abcdef ", wechat.EnvSecret: wechattest.Secret, wechat.EnvAPIBase: "http://127.0.0.1:9"}
	s := wechat.SettingsFromEnv(func(k string) string { return env[k] })
	if s.AppID != wechattest.AppID || s.Secret != wechattest.Secret || s.APIBase != "http://127.0.0.1:9" || !s.Enabled() {
		t.Fatalf("settings %+v", s)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("valid settings refused: %v", err)
	}
	cases := []struct {
		name string
		s    wechat.Settings
		want []string
	}{
		{"nothing", wechat.Settings{}, []string{wechat.EnvAppID, wechat.EnvSecret}},
		{"an AppID of the wrong form", wechat.Settings{AppID: "wx123", Secret: wechattest.Secret}, []string{wechat.EnvAppID}},
		{"a short secret", wechat.Settings{AppID: wechattest.AppID, Secret: "abc"}, []string{wechat.EnvSecret}},
		{"a base that is not a URL", wechat.Settings{AppID: wechattest.AppID, Secret: wechattest.Secret, OAuthBase: "open.weixin.qq.com"}, []string{wechat.EnvOAuthBase}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate()
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
			if _, err := wechat.New(tc.s, identity.NewMemory(), surveystest.Secret); err == nil {
				t.Fatal("New accepted invalid settings")
			}
		})
	}
}

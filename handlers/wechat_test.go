package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/wechat"
	"github.com/minyi-survey/minyi/surveys/identity/wechat/wechattest"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const (
	wechatSlug = "social-2022-wechat"
	// wechatUA is WeChat's browser on an iPhone.
	wechatUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
	safariUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)

// useWeChat signs residents of in in with WeChat on fake, states kept in store.
func useWeChat(t *testing.T, in *instance, fake *wechattest.Fake, store identity.Store) {
	t.Helper()
	cl, err := wechat.New(fake.Settings(), store, surveystest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	in.Svc.UseWeChat(cl)
}

// uaTransport sends every request with one User-Agent.
type uaTransport struct{ ua string }

func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(r)
}

// wxBrowser is a phone's browser: its cookie jar holds the app's cookies
// and the fake WeChat's user, and it records the redirects it follows.
type wxBrowser struct {
	*http.Client
	mu   sync.Mutex
	hops []string
}

func newWXBrowser(t *testing.T, ua string, jar http.CookieJar) *wxBrowser {
	t.Helper()
	if jar == nil {
		jar, _ = cookiejar.New(nil)
	}
	b := &wxBrowser{}
	b.Client = &http.Client{Jar: jar, Transport: uaTransport{ua}, Timeout: 15 * time.Second,
		CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.hops = append(b.hops, r.URL.String())
			return nil
		}}
	return b
}

// callback is the last callback address the browser followed.
func (b *wxBrowser) callback(t *testing.T) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.hops) - 1; i >= 0; i-- {
		if strings.Contains(b.hops[i], "/wechat/callback") {
			return b.hops[i]
		}
	}
	t.Fatalf("no callback among %v", b.hops)
	return ""
}

// noFollow is b without following redirects.
func (b *wxBrowser) noFollow() *http.Client {
	c := *b.Client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// openSurvey opens the survey page in b and wants the questionnaire.
func openSurvey(t *testing.T, b *wxBrowser, base string) {
	t.Helper()
	r := get(t, b.Client, base+"/s/"+wechatSlug)
	if r.Status != http.StatusOK || strings.Contains(string(r.Raw), "screen-wechat") || !strings.Contains(string(r.Raw), "<form") {
		t.Fatalf("GET /s/%s in WeChat: %d\n%.600s", wechatSlug, r.Status, r.Raw)
	}
}

func submitWeChat(t *testing.T, b *http.Client, in *instance, seed uint64) reply {
	t.Helper()
	return post(t, b, in.URL+"/api/v1/surveys/"+wechatSlug+"/responses", "application/json", modeBody(t, in, wechatSlug, "", "", seed))
}

// TestWeChatSignIn is a resident's flow against the fake: the page in
// WeChat goes through the silent sign-in and back, the answer is
// accepted once per openid, the callback cannot be replayed, and bad or
// expired codes, submissions without sign-in and browsers outside
// WeChat get clear answers.
func TestWeChatSignIn(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	fake := wechattest.New(t)
	var mu sync.Mutex
	fakeNow := time.Now()
	fake.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return fakeNow })
	useWeChat(t, in, fake, identity.NewMemory())
	id := modeSurvey(t, in, wechatSlug, questionnaire.DedupWeChat)

	alice := newWXBrowser(t, wechatUA, nil)
	openSurvey(t, alice, in.URL)
	if fake.Exchanges() != 1 {
		t.Fatalf("%d code exchanges, want 1", fake.Exchanges())
	}
	cb := alice.callback(t)
	wantStatus(t, "alice answers", submitWeChat(t, alice.Client, in, 1), http.StatusCreated, "")
	wantStatus(t, "alice again", submitWeChat(t, alice.Client, in, 2), http.StatusConflict, "duplicate")
	if r := get(t, alice.Client, in.URL+"/s/"+wechatSlug); r.Status != http.StatusOK || !strings.Contains(string(r.Raw), `data-state="answered"`) {
		t.Fatalf("alice's page after answering: %d\n%.600s", r.Status, r.Raw)
	}

	// The cookie carries neither the openid nor anything stored in clear.
	u, _ := url.Parse(in.URL)
	var openid string
	for _, ck := range alice.Jar.Cookies(u) {
		if ck.Name == wechattest.UserCookie {
			openid = ck.Value
		}
	}
	for _, ck := range alice.Jar.Cookies(u) {
		if ck.Name != wechattest.UserCookie && openid != "" && strings.Contains(ck.Value, openid) {
			t.Fatalf("cookie %s carries the openid", ck.Name)
		}
	}
	var keys []string
	if err := in.Store.R.Model(&models.Response{}).Where("survey_id = ?", id).Pluck("respondent_key", &keys).Error; err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "w:") || strings.Contains(keys[0], openid) {
		t.Fatalf("respondent keys %v, want one w: hash", keys)
	}

	t.Run("replayed state", func(t *testing.T) {
		n := fake.Exchanges()
		r := get(t, alice.noFollow(), cb)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Raw), "授权已使用") || !strings.Contains(string(r.Raw), "wechat-retry") {
			t.Fatalf("replayed callback: %d\n%.600s", r.Status, r.Raw)
		}
		if fake.Exchanges() != n {
			t.Fatal("a replayed state reached WeChat")
		}
	})

	// start begins a sign-in without following WeChat's redirect: the
	// authorize address with its state.
	start := func(t *testing.T, b *wxBrowser) *url.URL {
		t.Helper()
		resp, err := b.noFollow().Get(in.URL + "/s/" + wechatSlug)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), fake.URL()+"/connect/oauth2/authorize?") {
			t.Fatalf("GET /s/%s in WeChat without sign-in: %d to %q", wechatSlug, resp.StatusCode, resp.Header.Get("Location"))
		}
		if q := loc.Query(); q.Get("scope") != "snsapi_base" || q.Get("redirect_uri") != in.URL+"/s/"+wechatSlug+"/wechat/callback" {
			t.Fatalf("authorize address %s", loc)
		}
		return loc
	}

	t.Run("bad code", func(t *testing.T) {
		bob := newWXBrowser(t, wechatUA, nil)
		state := start(t, bob).Query().Get("state")
		r := get(t, bob.noFollow(), in.URL+"/s/"+wechatSlug+"/wechat/callback?code=0bogus&state="+state)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Raw), "授权码无效或已过期") {
			t.Fatalf("bad code: %d\n%.600s", r.Status, r.Raw)
		}
		wantStatus(t, "bob without sign-in", submitWeChat(t, bob.Client, in, 3), http.StatusUnauthorized, "wechat_required")
	})

	t.Run("expired code", func(t *testing.T) {
		carol := newWXBrowser(t, wechatUA, nil)
		auth := start(t, carol)
		resp, err := carol.noFollow().Get(auth.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		callback := resp.Header.Get("Location")
		mu.Lock()
		fakeNow = fakeNow.Add(wechattest.CodeTTL + time.Minute)
		mu.Unlock()
		r := get(t, carol.noFollow(), callback)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Raw), "授权码无效或已过期") {
			t.Fatalf("expired code: %d\n%.600s", r.Status, r.Raw)
		}
		// Starting again from the page signs in.
		openSurvey(t, carol, in.URL)
		wantStatus(t, "carol answers", submitWeChat(t, carol.Client, in, 4), http.StatusCreated, "")
	})

	t.Run("state of another browser", func(t *testing.T) {
		dave, eve := newWXBrowser(t, wechatUA, nil), newWXBrowser(t, wechatUA, nil)
		auth := start(t, dave)
		resp, err := dave.noFollow().Get(auth.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		get(t, eve.noFollow(), in.URL+"/s/"+wechatSlug) // eve's own respondent cookie
		r := get(t, eve.noFollow(), resp.Header.Get("Location"))
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Raw), "授权参数无效") {
			t.Fatalf("dave's callback in eve's browser: %d\n%.600s", r.Status, r.Raw)
		}
	})

	t.Run("outside WeChat", func(t *testing.T) {
		b := newWXBrowser(t, safariUA, nil)
		r := get(t, b.noFollow(), in.URL+"/s/"+wechatSlug)
		body := string(r.Raw)
		if r.Status != http.StatusOK || !strings.Contains(body, "请在微信中打开") || !strings.Contains(body, `src="data:image/png;base64,`) ||
			!strings.Contains(body, in.URL+"/s/"+wechatSlug) || strings.Contains(body, "<form") {
			t.Fatalf("outside WeChat: %d\n%.800s", r.Status, body)
		}
		wantStatus(t, "a submission from outside WeChat", submitWeChat(t, b.Client, in, 5), http.StatusUnauthorized, "wechat_required")
	})

	var n int64
	if err := in.Store.R.Model(&models.Response{}).Where("survey_id = ?", id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d responses stored, want 2 (alice, carol)", n)
	}
}

// TestWeChatNotConfigured: without MINYI_WECHAT_* a wechat-mode survey
// publishes, but its page says it cannot be answered and submissions get
// 503 wechat_unavailable.
func TestWeChatNotConfigured(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	modeSurvey(t, in, wechatSlug, questionnaire.DedupWeChat)
	b := newWXBrowser(t, wechatUA, nil)
	r := get(t, b.Client, in.URL+"/s/"+wechatSlug)
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Raw), "暂时无法作答") || strings.Contains(string(r.Raw), "<form") {
		t.Fatalf("page without WeChat configured: %d\n%.600s", r.Status, r.Raw)
	}
	wantStatus(t, "a submission", submitWeChat(t, b.Client, in, 1), http.StatusServiceUnavailable, "wechat_unavailable")
}

// TestWeChatTwoInstances runs two instances on one MariaDB and one Redis
// with one WeChat account: a resident signed in and answered on A is
// refused on B, signed in again from another browser session, and a
// callback used on A cannot be replayed on B.
func TestWeChatTwoInstances(t *testing.T) {
	requireMySQL(t)
	dsn := surveystest.MySQLDSN(t)
	rdb := surveystest.Redis(t)
	p := surveystest.Prefix()
	fake := wechattest.New(t)
	var apps []*instance
	for range 2 {
		in := start(t, surveystest.OpenMySQL(t, dsn), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), handlers.Config{})
		rs, err := identity.NewRedis(rdb, p+"id:")
		if err != nil {
			t.Fatal(err)
		}
		useWeChat(t, in, fake, rs)
		apps = append(apps, in)
	}
	a, b := apps[0], apps[1]
	id := modeSurvey(t, a, wechatSlug, questionnaire.DedupWeChat)

	first := newWXBrowser(t, wechatUA, nil)
	openSurvey(t, first, a.URL)
	wantStatus(t, "answered on A", submitWeChat(t, first.Client, a, 1), http.StatusCreated, "")
	r := get(t, first.noFollow(), strings.Replace(first.callback(t), a.URL, b.URL, 1))
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Raw), "授权已使用") {
		t.Fatalf("A's callback replayed on B: %d\n%.600s", r.Status, r.Raw)
	}

	// The same WeChat user in a fresh browser session (only WeChat's own
	// cookie kept) signs in on B: the same openid, refused.
	u, _ := url.Parse(fake.URL())
	jar, _ := cookiejar.New(nil)
	for _, ck := range first.Jar.Cookies(u) {
		if ck.Name == wechattest.UserCookie {
			jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
		}
	}
	again := newWXBrowser(t, wechatUA, jar)
	if r := get(t, again.Client, b.URL+"/s/"+wechatSlug); r.Status != http.StatusOK || !strings.Contains(string(r.Raw), `data-state="answered"`) {
		t.Fatalf("the same openid's page on B: %d\n%.600s", r.Status, r.Raw)
	}
	wantStatus(t, "the same openid on B", submitWeChat(t, again.Client, b, 2), http.StatusConflict, "duplicate")

	other := newWXBrowser(t, wechatUA, nil)
	openSurvey(t, other, b.URL)
	wantStatus(t, "another openid on B", submitWeChat(t, other.Client, b, 3), http.StatusCreated, "")

	var n int64
	if err := a.Store.R.Model(&models.Response{}).Where("survey_id = ?", id).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("%d responses stored, want 2", n)
	}
}

// TestWeChatUnitPage: a unit's page of a wechat-mode campaign comes back
// to the unit's page after signing in, and takes the unit's answers.
func TestWeChatUnitPage(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	useWeChat(t, in, wechattest.New(t), identity.NewMemory())
	raw, err := questionnaire.Builtin(campaign)
	if err != nil {
		t.Fatal(err)
	}
	var def questionnaire.Definition
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	const slug = "campaign-wechat"
	def.Slug, def.Dedup, def.Previous = slug, questionnaire.DedupWeChat, ""
	id, err := in.Svc.CreateSurvey(surveys.NewSurvey{Definition: &def})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Svc.Publish(id); err != nil {
		t.Fatal(err)
	}
	const unit = "dept-edu" // an agency: agencyAnswers
	b := newWXBrowser(t, wechatUA, nil)
	resp, err := b.Get(in.URL + "/s/" + slug + "/u/" + unit)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/s/"+slug+"/u/"+unit {
		t.Fatalf("the unit's page in WeChat: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if cb, _ := url.Parse(b.callback(t)); cb.Query().Get("u") != unit {
		t.Fatalf("callback %s does not name the unit", cb)
	}
	r := post(t, b.Client, in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", agencyAnswers(unit, nil))
	wantStatus(t, "the unit's answers", r, http.StatusCreated, "")
}

// TestDesignerOffersWeChat: the designer offers the wechat mode and says
// whether this server can take answers in it.
func TestDesignerOffersWeChat(t *testing.T) {
	for _, on := range []bool{false, true} {
		in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
		if on {
			useWeChat(t, in, wechattest.New(t), identity.NewMemory())
		}
		p, _ := in.Svc.Published(slug)
		d := signIn(t, in, models.RoleDesigner)
		addMember(t, in, p.Survey.ID, d.name, models.MemberCollaborator)
		r := d.do(http.MethodGet, fmt.Sprintf("/admin/surveys/%d", p.Survey.ID), nil)
		page := string(r.Raw)
		want := map[bool]string{false: "需要服务器配置公众号", true: "静默授权"}[on]
		if r.Status != 200 || !strings.Contains(page, `<option value="wechat">`) || !strings.Contains(page, want) {
			t.Fatalf("designer page (WeChat configured: %t) %d without the wechat mode and %q", on, r.Status, want)
		}
	}
}

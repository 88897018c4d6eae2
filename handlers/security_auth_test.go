package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// Reproductions of the sign-in and secret findings of the security
// review, each now failing to succeed.

// authBackend is an app whose sign-ins are throttled as in production: in
// memory with SQLite, in Redis with MySQL.
type authBackend struct {
	in     *instance
	st     *staff.Service
	rdb    *redis.Client // nil with the in-process limiter
	prefix string
}

func authBackends(t *testing.T) map[string]authBackend {
	t.Helper()
	out := map[string]authBackend{}
	mem := limit.NewMemory()
	store := surveystest.SQLite(t)
	st := &staff.Service{Store: store, Limiter: mem, Cost: 4}
	out["sqlite+memory"] = authBackend{in: start(t, store, dedup.NewMemory(), live.NewMemory(), handlers.Config{Limiter: mem, Staff: st}), st: st}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		rdb := surveystest.Redis(t)
		p := surveystest.Prefix()
		rl := limit.NewRedis(rdb, p+"rate:")
		store := surveystest.MySQL(t)
		st := &staff.Service{Store: store, Limiter: rl, Cost: 4}
		in := start(t, store, dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), handlers.Config{Limiter: rl, Staff: st})
		out["mysql+redis"] = authBackend{in: in, st: st, rdb: rdb, prefix: p}
	}
	return out
}

// rss is the process's resident memory in bytes after a full collection
// handed what it could back to the system.
func rss(t *testing.T) int64 {
	t.Helper()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm: cannot read the resident memory here")
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

// heapInUse is the Go heap in use after a full collection.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

func redisUsed(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatal("no used_memory in INFO memory")
	return 0
}

// TestLongSignInNamesCannotExhaustMemory sends 300 sign-ins whose names
// are 1 MB each. They used to key the limiter (300 MB held for the
// window; on Redis 1 MB a request): now they are refused before they are
// counted, and limiter keys are bounded whatever the caller keys on.
func TestLongSignInNamesCannotExhaustMemory(t *testing.T) {
	const n, mb = 300, 1 << 20
	for name, b := range authBackends(t) {
		t.Run(name, func(t *testing.T) {
			prefix := strings.Repeat("a", mb-200)
			beforeRSS, beforeHeap := rss(t), heapInUse()
			var beforeRedis int64
			if b.rdb != nil {
				beforeRedis = redisUsed(t, b.rdb)
			}
			c := &http.Client{}
			for i := range n {
				body := []byte(fmt.Sprintf(`{"name":"%s%06d","password":"whatever-password"}`, prefix, i))
				r := post(t, c, b.in.URL+"/api/v1/admin/login", "application/json", body)
				if r.Status != http.StatusUnauthorized && r.Status != http.StatusTooManyRequests {
					t.Fatalf("sign-in %d with a 1 MB name: %d %s", i, r.Status, limitBody(r.Raw))
				}
			}
			grown, heap := rss(t)-beforeRSS, heapInUse()-beforeHeap
			t.Logf("%d sign-ins with 1 MB names: resident memory %+.1f MB, Go heap in use %+.1f MB", n, float64(grown)/mb, float64(heap)/mb)
			if heap > 8*mb {
				t.Errorf("the Go heap in use grew by %.0f MB after %d sign-ins with 1 MB names, want a few MB", float64(heap)/mb, n)
			}
			if grown > 16*mb && !raceDetector { // the race detector's shadow memory is not given back
				t.Errorf("resident memory grew by %.0f MB after %d sign-ins with 1 MB names, want a few MB", float64(grown)/mb, n)
			}
			if b.rdb != nil {
				used := redisUsed(t, b.rdb) - beforeRedis
				t.Logf("Redis memory %+.1f MB", float64(used)/mb)
				if used > 4*mb {
					t.Errorf("Redis memory grew by %.1f MB, want under 4 MB", float64(used)/mb)
				}
				keys, _ := b.rdb.Keys(context.Background(), b.prefix+"*").Result()
				for _, k := range keys {
					if len(k) > 200 {
						t.Errorf("Redis holds a %d-byte key", len(k))
					}
				}
			}
			// The audit log did not take them either.
			entries, err := b.st.AuditLog(0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if len(e.Detail) > 400 {
					t.Errorf("audit row %s with a %d-byte detail", e.Action, len(e.Detail))
				}
			}
		})
	}
}

// TestAdminClearsASignInLockout: a name guessed at from many addresses is
// locked; an admin clears it from the users page's endpoint and the owner
// signs in at once.
func TestAdminClearsASignInLockout(t *testing.T) {
	for name, b := range authBackends(t) {
		t.Run(name, func(t *testing.T) {
			u, err := b.st.CreateUser("locked.out", models.RoleDesigner, "a-long-password-123")
			if err != nil {
				t.Fatal(err)
			}
			for i := range 120 { // from 12 addresses, 10 each
				b.st.Login(context.Background(), "locked.out", "wrong-password-"+strconv.Itoa(i), "198.51.100."+strconv.Itoa(i%12))
			}
			login := func() int {
				body := []byte(`{"name":"locked.out","password":"a-long-password-123"}`)
				return post(t, &http.Client{}, b.in.URL+"/api/v1/admin/login", "application/json", body).Status
			}
			if got := login(); got != http.StatusTooManyRequests {
				t.Fatalf("sign-in of a name guessed at 120 times: %d, want 429", got)
			}
			sc := signIn(t, b.in, models.RoleAdmin)
			if r := sc.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/users/%d/unlock", u.ID), nil); r.Status != http.StatusOK {
				t.Fatalf("unlock: %d %s", r.Status, r.Raw)
			}
			if got := login(); got != http.StatusOK {
				t.Fatalf("sign-in after the unlock: %d, want 200", got)
			}
			if r := sc.do(http.MethodPost, "/api/v1/admin/users/987654/unlock", nil); r.Status != http.StatusNotFound {
				t.Fatalf("unlock of no user: %d", r.Status)
			}
			entries, _ := b.st.AuditLog(0, 1000)
			var actions []string
			for _, e := range entries {
				actions = append(actions, e.Action)
			}
			if !strings.Contains(strings.Join(actions, " "), "user.unlock") {
				t.Errorf("the unlock is not in the audit log: %v", actions)
			}
		})
	}
}

// TestThrottledSignInFloodIsAuditedInAggregate: a client hammering the
// sign-in used to write an audit row per attempt (~1,150 rows/s). Now the
// log holds the few checked attempts and one row per name and address.
func TestThrottledSignInFloodIsAuditedInAggregate(t *testing.T) {
	for name, b := range authBackends(t) {
		t.Run(name, func(t *testing.T) {
			c := &http.Client{}
			for i := range 400 {
				body := []byte(`{"name":"admin","password":"guess-` + strconv.Itoa(i) + `-xxxxxx"}`)
				post(t, c, b.in.URL+"/api/v1/admin/login", "application/json", body)
			}
			entries, err := b.st.AuditLog(0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, e := range entries {
				count[e.Action]++
			}
			if count["login.failed"] > 10 || count["login.throttled"] > 2 || len(entries) > 12 {
				t.Fatalf("400 sign-in attempts from one address left %d audit rows (%v), want at most 12", len(entries), count)
			}
		})
	}
}

// offSiteNexts are next values a browser reads as another host, or that
// carry what a browser drops or rewrites before reading a URL.
var offSiteNexts = []string{
	"/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\\evil.example", "/\\/evil.example",
	"//evil.example", "///evil.example", "https://evil.example/", "javascript:alert(1)", " /admin",
	"/ /evil.example", "\t//evil.example", "", "admin", "/%09/evil.example\x00",
}

// TestSignInRedirectStaysOnSite: /admin/login?next=/%09/evil.example passed
// the server and page checks, and a browser read it as //evil.example.
func TestSignInRedirectStaysOnSite(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	c := &http.Client{}
	for _, next := range offSiteNexts {
		r := get(t, c, in.URL+"/admin/login?next="+url.QueryEscape(next))
		if r.Status != http.StatusOK || !strings.Contains(string(r.Raw), `data-next="/admin"`) {
			t.Errorf("next=%q: %d, page does not fall back to /admin", next, r.Status)
		}
	}
	for _, next := range []string{"/admin/users", "/admin/surveys/3?tab=results#q2", "/admin/%2F%2Fx"} {
		r := get(t, c, in.URL+"/admin/login?next="+url.QueryEscape(next))
		if want := `data-next="` + html.EscapeString(next) + `"`; !strings.Contains(string(r.Raw), want) {
			t.Errorf("next=%q: the page lost a path on this site (want %s)", next, want)
		}
	}
	// The redirect to the sign-in page carries the whole path, escaped,
	// so its own query cannot add a next of its own.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	r := get(t, noFollow, in.URL+"/admin/users?x=1&next=//evil.example")
	if loc := r.Header.Get("Location"); loc != "/admin/login?next="+url.QueryEscape("/admin/users?x=1&next=//evil.example") {
		t.Errorf("redirect to the sign-in page: %q", loc)
	}
}

// TestBrowserSignInRedirectStaysOnSite runs the page script in Chromium with
// each off-site next forced into the page (as if the server let it
// through): after signing in, the browser must still be on this site.
func TestBrowserSignInRedirectStaysOnSite(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{Limiter: allowAll{}})
	uiUser(t, in, "designer1", models.RoleDesigner)
	site, _ := url.Parse(in.URL)
	// The attack as the browser sees it: this is why the checks are needed.
	if err := chromedp.Do(ctx, chromedp.Navigate(in.URL+"/admin/login")); err != nil {
		t.Fatal(err)
	}
	escaped, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new URL('/\t/evil.example', location.href).host`))
	if err != nil || escaped != "evil.example" {
		t.Fatalf("the browser reads /<tab>/evil.example as host %q (%v); the test's premise is wrong", escaped, err)
	}
	cases := append([]string{"/admin/users?x=1#top"}, offSiteNexts[:9]...)
	for _, next := range cases {
		js, _ := json.Marshal(next)
		err := chromedp.Do(ctx,
			chromedp.Navigate(in.URL+"/admin/login"),
			chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
			chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := chromedp.Evaluate[bool](`document.body.setAttribute('data-next', `+string(js)+`), true`)(ctx, tg)
				return err
			}),
			uiSetField(`#login-name`, "designer1"),
			uiSetField(`#login-password`, uiPassword),
			chromedp.Click(chromedp.CSS(`#login-submit`)),
		)
		if err != nil {
			t.Fatalf("next=%q: %v", next, err)
		}
		// Asked again while the page navigates away.
		var href string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			h, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
			if err == nil && !strings.HasSuffix(h, "/admin/login") {
				href = h
				break
			}
		}
		if href == "" {
			t.Fatalf("next=%q: the page did not leave the sign-in page", next)
		}
		u, _ := url.Parse(href)
		want := "/admin"
		if next == cases[0] {
			want = "/admin/users"
		}
		if u == nil || u.Host != site.Host || u.Path != want {
			t.Errorf("next=%q: after signing in the browser is at %q, want %s on this site", next, href, want)
		}
	}
}

// TestPasswordChangeIsThrottled: a stolen session used to allow unlimited
// guesses at the account's password through the old-password check.
func TestPasswordChangeIsThrottled(t *testing.T) {
	b := authBackends(t)["sqlite+memory"]
	sc := signIn(t, b.in, models.RoleViewer)
	var last reply
	for i := range 6 {
		last = sc.do(http.MethodPost, "/api/v1/admin/password", map[string]string{"old": fmt.Sprintf("guess-%04d-xxxx", i), "new": "another-long-password"})
	}
	if last.Status != http.StatusTooManyRequests {
		t.Fatalf("6th wrong old password: %d %s, want 429", last.Status, last.Raw)
	}
	r := sc.do(http.MethodPost, "/api/v1/admin/password", map[string]string{"old": "a-long-password-123", "new": strings.Repeat(" ", 12)})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("the right old password while throttled: %d", r.Status)
	}
	// A new account with ten spaces or a common password is refused.
	admin := signIn(t, b.in, models.RoleAdmin)
	for _, pw := range []string{strings.Repeat(" ", 10), "1234567890", "QWERTYUIOP"} {
		r := admin.do(http.MethodPost, "/api/v1/admin/users", map[string]string{"name": "weak.pw", "role": "viewer", "password": pw})
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("new user with password %q: %d, want 422", pw, r.Status)
		}
	}
}

// TestRequestIDIsTokenShaped: a client's X-Request-Id was echoed and
// logged at any length (100 kB tested).
func TestRequestIDIsTokenShaped(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	ask := func(rid string) string {
		req, _ := http.NewRequest(http.MethodGet, in.URL+"/api/v1/surveys/no-such-survey", nil)
		req.Header.Set("X-Request-Id", rid)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("X-Request-Id")
	}
	for _, rid := range []string{"abc-123", "9f1c2e7a-4b3d-4c5e-8f90-1a2b3c4d5e6f", "trace:42.a_b"} {
		if got := ask(rid); got != rid {
			t.Errorf("a token-shaped id %q came back as %q", rid, got)
		}
	}
	for _, rid := range []string{strings.Repeat("x", 100_000), strings.Repeat("y", 65), "a b", "<script>", "é", `"quoted"`, "id=1;evil"} {
		got := ask(rid)
		if got == rid || got == "" || len(got) > 64 || !regexp.MustCompile(`^[A-Za-z0-9]+$`).MatchString(got) {
			t.Errorf("id %.20q… came back as %.80q, want a generated one", rid, got)
		}
	}
}

// TestHSTSOverTLS: Strict-Transport-Security is sent when the app is
// served over TLS, and not over plain HTTP, where it means nothing.
func TestHSTSOverTLS(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	st := &staff.Service{Store: in.Store, Limiter: limit.NewMemory()}
	app, err := handlers.New(handlers.Config{Secret: surveystest.Secret, Staff: st}, in.Svc, live.NewHub(in.Svc.RenderLive))
	if err != nil {
		t.Fatal(err)
	}
	tls := httptest.NewTLSServer(app.Echo())
	defer tls.Close()
	resp, err := tls.Client().Get(tls.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=31536000") || strings.Contains(h, "includeSubDomains") {
		t.Errorf("over TLS: Strict-Transport-Security %q, want max-age=31536000 without subdomains", h)
	}
	if h := get(t, &http.Client{}, in.URL+"/healthz").Header.Get("Strict-Transport-Security"); h != "" {
		t.Errorf("over plain HTTP: Strict-Transport-Security %q, want none", h)
	}
}

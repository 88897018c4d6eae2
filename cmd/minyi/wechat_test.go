package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/surveys/identity/wechat/wechattest"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// wechatBrowser is WeChat's browser.
type wechatBrowser struct{}

func (wechatBrowser) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 MicroMessenger/8.0.47.2560(0x28002F35) NetType/WIFI Language/zh_CN")
	return http.DefaultTransport.RoundTrip(r)
}

// TestRunWiresWeChat starts the server with MINYI_WECHAT_* pointing at the
// fake: a wechat-mode survey signs the resident in through it and takes one
// answer per openid, with the sign-in states in Redis when there is one.
func TestRunWiresWeChat(t *testing.T) {
	fake := wechattest.New(t)
	env := map[string]string{
		"MINYI_WECHAT_APPID": wechattest.AppID, "MINYI_WECHAT_SECRET": wechattest.Secret,
		"MINYI_WECHAT_API_BASE": fake.URL(), "MINYI_WECHAT_OAUTH_BASE": fake.URL(),
	}
	mk := func(args ...string) config {
		cfg, err := parseConfig(append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--demo", "on"}, args...),
			func(k string) string { return env[k] }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	configs := map[string]config{"sqlite": mk()}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		surveystest.Redis(t)
		configs["mysql+redis"] = mk("--secret", testSecret, "--mysql-dsn", surveystest.MySQLDSN(t),
			"--redis-url", os.Getenv(surveystest.EnvRedis))
	}
	logs := &lockedBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			slug := "wechat-wired-" + uuid.NewString()[:8]
			publishCopy(t, cfg, slug, questionnaire.DedupWeChat)
			base, stop := serve(t, cfg)
			defer stop()
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar, Transport: wechatBrowser{}}
			resp, err := browser.Get(base + "/s/" + slug)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/s/"+slug || !strings.Contains(string(page), "<form") {
				t.Fatalf("the page in WeChat: %d at %s", resp.StatusCode, resp.Request.URL)
			}
			if fake.Exchanges() == 0 {
				t.Fatal("the page did not sign in through the fake")
			}
			for _, want := range []int{http.StatusCreated, http.StatusConflict} {
				body := `{"submission_id":"` + uuid.NewString() + `","answers":{` +
					`"q01":"5","q02":"5","q03":"5","q04":"5","q05":"5","q06":"5","q07":"5","q08":"5","q09":"5","q10":"5","q11":"5","q12":"5","q13":"4",` +
					`"overall":"5","town":"t02","age":"40-49","gender":"m"}}`
				resp, err := browser.Post(base+"/api/v1/surveys/"+slug+"/responses", "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Fatalf("submission: %d, want %d", resp.StatusCode, want)
				}
			}
			if !regexp.MustCompile(`msg="minyi started".* wechat=true`).MatchString(logs.String()) {
				t.Errorf("the start-up line does not say wechat=true:\n%s", logs.tail(2000))
			}
			if strings.Contains(logs.String(), wechattest.Secret) {
				t.Error("the AppSecret is in the log")
			}
		})
	}
}

// TestWeChatSettingsChecked: a half-configured account stops the server
// at start-up, naming the setting.
func TestWeChatSettingsChecked(t *testing.T) {
	env := map[string]string{"MINYI_WECHAT_APPID": wechattest.AppID}
	_, err := parseConfig([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "MINYI_WECHAT_SECRET") {
		t.Fatalf("AppID without AppSecret: %v", err)
	}
}

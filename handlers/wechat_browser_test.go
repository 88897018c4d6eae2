package handlers_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/wechat/wechattest"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// wxCookies are the names of the browser's cookies for the app's address.
func wxCookies(t *testing.T, ctx context.Context, base string) string {
	t.Helper()
	var names []string
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{base}})
		if err != nil {
			return err
		}
		for _, c := range r.Cookies {
			names = append(names, c.Name)
		}
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, ",")
}

// acrossLoads polls a JavaScript predicate while the tab may still be
// going through redirects: a poll cut short by a new document is tried
// again in the next one.
func acrossLoads(ctx context.Context, expr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		err := uiWait(ctx, expr, time.Until(deadline))
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserWeChatSignsInAgain answers a wechat-mode survey in WeChat's
// browser on a 390×844 phone against the local fake: the page goes through
// the silent sign-in and back to the form; the resident answers, and the
// sign-in cookie lapses before submitting (deleted, as at its expiry); the
// submission is refused, the page reloads by itself, signs in again and
// brings the answers back from its draft; submit again, thank-you, one
// response stored.
func TestBrowserWeChatSignsInAgain(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	fake := wechattest.New(t)
	useWeChat(t, in, fake, identity.NewMemory())
	id := modeSurvey(t, in, wechatSlug, questionnaire.DedupWeChat)
	page := in.URL + "/s/" + wechatSlug

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			uiShot(t, ctx, "failed-wechat-"+strings.ReplaceAll(name, " ", "-")+".png")
			t.Fatalf("%s: %v", name, err)
		}
	}
	exchanges := func(n int) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); fake.Exchanges() < n; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				uiShot(t, ctx, "failed-wechat-sign-in.png")
				loc, _ := chromedp.Run(ctx, chromedp.Location())
				t.Fatalf("%d sign-ins with the fake, want %d; the page is at %s", fake.Exchanges(), n, loc)
			}
		}
	}
	atPage := func(what string) {
		t.Helper()
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if u, _ := url.Parse(loc); err != nil || u == nil || u.Path != "/s/"+wechatSlug || u.RawQuery != "" {
			t.Fatalf("%s: at %q (%v), want the survey's page", what, loc, err)
		}
	}

	wxUA := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: wechatUA})
		return err
	})
	step("open in WeChat", append([]chromedp.Action[chromedp.Void]{wxUA}, modeOpen(page)...)...)
	exchanges(1)
	atPage("after signing in")
	if names := wxCookies(t, ctx, in.URL); !strings.Contains(names, "minyi_wx") {
		t.Fatalf("no sign-in cookie after the callback: %s", names)
	}
	step("answer", modeAnswerAll()...)

	// The sign-in lapses while the resident answers.
	step("the sign-in lapses", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.DeleteCookies, network.DeleteCookiesParams{Name: "minyi_wx", URL: in.URL})
		return err
	}))
	if names := wxCookies(t, ctx, in.URL); strings.Contains(names, "minyi_wx") {
		t.Fatalf("the sign-in cookie is still there: %s", names)
	}
	// A mark on this page's window: a reload leaves it behind.
	step("mark the page", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(function () { window.__beforeReload = true; return true; })()`)(ctx, tg)
		return err
	}), chromedp.Tap(chromedp.CSS(`#submit`)))
	exchanges(2)
	if err := acrossLoads(ctx, `!window.__beforeReload && !!document.getElementById('survey') && !document.getElementById('survey').hidden
  && !document.getElementById('submit').disabled`, 10*time.Second); err != nil {
		uiShot(t, ctx, "failed-wechat-reload.png")
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('status') || {}).textContent || ''`))
		t.Fatalf("the page did not come back signed in: %v; status %q", err, status)
	}
	atPage("after signing in again")
	if n := modeCount(t, in, id); n != 0 {
		t.Fatalf("stored %d responses without a sign-in", n)
	}
	if names := wxCookies(t, ctx, in.URL); !strings.Contains(names, "minyi_wx") {
		t.Fatalf("no sign-in cookie after signing in again: %s", names)
	}
	// The draft brought every answer back: 13 areas, overall, town, age, gender, the comment.
	restored, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(function () {
  var ok = document.querySelectorAll('#survey input:checked').length === 17
    && document.querySelector('#q-q01 input[value="4"]').checked
    && document.querySelector('#q-q06 input[value="5"]').checked
    && document.querySelector('#q-town input[value="t05"]').checked
    && document.querySelector('#q-comment textarea').value === '希望多修路';
  return ok ? 'ok' : document.getElementById('progress-count').textContent + ' answered';
})()`))
	if err != nil || restored != "ok" {
		uiShot(t, ctx, "failed-wechat-restored.png")
		t.Fatalf("the answers after signing in again: %s %v", restored, err)
	}
	uiShot(t, ctx, "wechat-restored.png")

	step("submit again",
		chromedp.Tap(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#screen-thanks`)),
	)
	uiShot(t, ctx, "wechat-thanks.png")
	if n := modeCount(t, in, id); n != 1 {
		t.Fatalf("stored responses = %d, want 1", n)
	}
	if exchanges := fake.Exchanges(); exchanges != 2 {
		t.Errorf("%d sign-ins with the fake, want 2", exchanges)
	}
}

package handlers_test

import (
	"bytes"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// smsLog is the log the development provider writes its messages to.
type smsLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *smsLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

var loggedCode = regexp.MustCompile(`phone=(\d{11}) .*param\.code=(\d{6})`)

// codes lists the codes logged for phone, oldest first.
func (l *smsLog) codes(phone string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range loggedCode.FindAllStringSubmatch(l.buf.String(), -1) {
		if m[1] == phone {
			out = append(out, m[2])
		}
	}
	return out
}

// waitCode waits for the n-th code logged for phone.
func (l *smsLog) waitCode(t *testing.T, phone string, n int) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c := l.codes(phone); len(c) >= n {
			return c[n-1]
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no code %d for %s in the log:\n%s", n, phone, l.buf.String())
	return ""
}

// TestBrowserPhoneCode answers a phone survey with codes on a 390×844
// phone, the code read from the development (log) provider: number, 获取验证码,
// a wrong code refused next to the field, the right one, thank-you; then
// the page again with the same number is "already answered".
func TestBrowserPhoneCode(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	id := modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)
	logs := &smsLog{}
	provider, err := sms.New(sms.Settings{Provider: sms.ProviderLog, Demo: true}, sms.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	clk := &otpClock{t: time.Now()}
	useOTP(in, identity.NewMemory(), provider, clk)
	const number = "13912345678"
	page := in.URL + "/s/" + phoneSlug

	tasks := append(modeOpen(page), chromedp.WaitVisible(chromedp.CSS(`#otp-send`)))
	tasks = append(tasks, modeAnswerAll()...)
	tasks = append(tasks,
		chromedp.SendKeys(chromedp.CSS(`#resp-phone`), number),
		chromedp.Tap(chromedp.CSS(`#otp-send`)),
		chromedp.WaitVisible(chromedp.CSS(`#otp-sent`)),
	)
	if err := chromedp.Do(ctx, tasks...); err != nil {
		t.Fatalf("asking for a code: %v", err)
	}
	code := logs.waitCode(t, number, 1)
	if label, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#otp-send`))); !strings.Contains(label, "重新获取") {
		t.Errorf("the button after sending says %q, want a countdown", label)
	}
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "phone-code-sent.png", shot)
	}

	// A wrong code: refused next to the field, nothing stored.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#resp-otp`), wrongOf(code)),
		chromedp.Tap(chromedp.CSS(`#submit`)),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById('fe-otp').textContent.indexOf('验证码错误') >= 0`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#fe-otp`)))
		t.Fatalf("a wrong code shows %q: %v", msg, err)
	}
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "phone-code-wrong.png", shot)
	}
	if n := modeCount(t, in, id); n != 0 {
		t.Fatal("a wrong code was stored")
	}

	// The right code.
	if err := chromedp.Do(ctx,
		chromedp.Func(modeClear(`resp-otp`)),
		chromedp.SendKeys(chromedp.CSS(`#resp-otp`), code),
		chromedp.Tap(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#screen-thanks`)),
	); err != nil {
		t.Fatalf("the right code: %v", err)
	}
	if n := modeCount(t, in, id); n != 1 {
		t.Fatalf("stored responses = %d, want 1", n)
	}
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "phone-code-thanks.png", shot)
	}
	if left, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify(localStorage)`)); strings.Contains(left, number) || strings.Contains(left, code) {
		t.Errorf("the number or code is still kept in the browser: %s", left)
	}

	// Reload: another person may use this phone, so the form; the same
	// number, verified again, is already answered.
	clk.Advance(time.Minute)
	tasks = append(modeOpen(page), modeAnswerAll()...)
	tasks = append(tasks,
		chromedp.SendKeys(chromedp.CSS(`#resp-phone`), number),
		chromedp.Tap(chromedp.CSS(`#otp-send`)),
		chromedp.WaitVisible(chromedp.CSS(`#otp-sent`)),
	)
	if err := chromedp.Do(ctx, tasks...); err != nil {
		t.Fatalf("reloading and asking again: %v", err)
	}
	again := logs.waitCode(t, number, 2)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#resp-otp`), again),
		chromedp.Tap(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#screen-answered`)),
	); err != nil {
		t.Fatalf("the same number again: %v", err)
	}
	if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		saveShot(t, "phone-code-answered.png", shot)
	}
	if n := modeCount(t, in, id); n != 1 {
		t.Fatalf("stored responses = %d, want 1", n)
	}
}

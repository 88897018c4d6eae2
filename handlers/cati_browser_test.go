package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/minyi-survey/minyi/models"
)

// TestBrowserCatiConsole: an interviewer signs in at /cati, takes a case,
// screens and answers the whole questionnaire with the keyboard only and
// submits; the designer's telephone panel, left open in another tab,
// shows the complete and the quota cell move without a reload.
func TestBrowserCatiConsole(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	r := catiRigs(t)[0]
	designer := signIn(t, r.a, models.RoleAdmin) // the demo survey has no owner: admins supervise it
	p, err := r.a.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	gender := p.Compiled.BreakdownQuestion("gender").Options[0].Code
	if rep := designer.do(http.MethodPut, fmt.Sprintf("/api/v1/admin/surveys/%d/cati/settings", r.surveyID),
		map[string]any{"quotas": []map[string]any{{"cell": map[string]string{"gender": gender}, "target": 5}}}); rep.Status != 200 {
		t.Fatalf("settings: %d %s", rep.Status, rep.Raw)
	}
	upload(t, designer, r.surveyID, phones(3))
	uiUser(t, r.a, "caller1", models.RoleInterviewer)
	uiUser(t, r.a, "super1", models.RoleAdmin)

	step := func(ctx context.Context, name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			uiShot(t, ctx, "failed-cati-"+strings.ReplaceAll(name, " ", "-")+".png")
			t.Fatalf("%s: %v", name, err)
		}
	}
	// The supervisor's tab, on another host name so its cookies are its own.
	super, cancel := chromedp.NewContext(ctx)
	defer cancel()
	superURL := strings.Replace(r.a.URL, "127.0.0.1", "localhost", 1)
	step(super, "supervisor signs in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(fmt.Sprintf("%s/admin/surveys/%d", superURL, r.surveyID)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "super1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#cati-quotas .quota-cell`)),
	)
	if err := uiWait(super, `document.querySelector('#cati-quotas .quota-count').textContent === '0 / 5'`, 10*time.Second); err != nil {
		t.Fatalf("quota grid before: %v", err)
	}

	// The interviewer, keyboard only after signing in.
	step(ctx, "interviewer signs in",
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(r.a.URL+"/cati"),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "caller1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword+"\r"),
		chromedp.WaitVisible(chromedp.CSS(`#next`)),
	)
	if err := uiWait(ctx, `document.querySelectorAll('#survey option').length > 0`, 10*time.Second); err != nil {
		t.Fatalf("no survey to call: %v", err)
	}
	began := time.Now()
	keys := 1
	step(ctx, "take a case", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`#tel`)))
	tel, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('tel').getAttribute('href')`))
	if err != nil || !strings.HasPrefix(tel, "tel:1390571") {
		t.Fatalf("tel link %q, %v", tel, err)
	}
	uiShot(t, ctx, "cati-dial.png")
	// Connected: Enter starts screening; town 1, age 2, gender 1, then
	// Backspace back to the age to make it 3, and on.
	step(ctx, "screen", chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`#questions .question`)),
		chromedp.KeyEvent("1"), chromedp.KeyEvent("\r"),
		chromedp.KeyEvent("2"), chromedp.KeyEvent("\r"),
		chromedp.KeyEvent("1"), chromedp.KeyEvent(kb.Backspace), chromedp.KeyEvent("3"), chromedp.KeyEvent("\r"), chromedp.KeyEvent("\r"))
	if err := uiWait(ctx, `document.querySelector('.step-no') && document.querySelector('.step-no').textContent.indexOf('问题') === 0`, 10*time.Second); err != nil {
		t.Fatalf("screening not accepted: %v", err)
	}
	uiShot(t, ctx, "cati-question.png")
	for i := 0; i < 40; i++ {
		done, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById('call').hidden`))
		if done {
			break
		}
		isText, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.getElementById('answer-text')`))
		keys += 2
		press := []chromedp.Action[chromedp.Void]{}
		if isText {
			press = append(press, chromedp.SendKeys(chromedp.CSS(`#answer-text`), "电话里说路灯坏了"))
		} else if i%5 == 4 {
			press = append(press, chromedp.KeyEvent("9")) // 不了解, not read aloud
		} else {
			press = append(press, chromedp.KeyEvent("4"))
		}
		press = append(press, chromedp.KeyEvent("\r"))
		step(ctx, fmt.Sprintf("answer %d", i), press...)
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("scripted keyboard interview: %v from taking the case to the stored response, %d key strokes besides the screening",
		time.Since(began).Round(time.Millisecond), keys)
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#msg`)))
	if !strings.Contains(msg, "访问完成") {
		uiShot(t, ctx, "failed-cati-submit.png")
		t.Fatalf("after the last question: %q", msg)
	}
	// The supervisor's panel moves by itself.
	if err := uiWait(super, `document.querySelector('#cati-quotas .quota-count').textContent === '1 / 5' &&
		document.getElementById('cati-rates').textContent.indexOf('电话 cati 1') >= 0`, 15*time.Second); err != nil {
		uiShot(t, super, "failed-cati-panel.png")
		t.Fatalf("supervisor panel did not show the complete: %v", err)
	}
	uiFullShot(t, super, "cati-panel.png")
	n, err := r.a.Svc.ChannelCounts(r.surveyID)
	if err != nil || n["cati"] != 1 {
		t.Fatalf("cati responses %v, %v", n, err)
	}
}

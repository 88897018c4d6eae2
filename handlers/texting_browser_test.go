package handlers_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/sms/smstest"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestBrowserTextedInvitations is an admin in the invitations panel of a
// token survey, texts sent through the fake Alibaba Cloud: three numbers
// pasted (one with spaces, one with +86) and added, the funnel lists them;
// invitations started from the panel, one a second at any hour; the panel
// shows the run going and, left open, follows it until the funnel shows
// the three sent and the run finished; the fake got one link for each.
func TestBrowserTextedInvitations(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	f := smstest.NewAliyun(t)
	p, err := sms.New(f.Settings(), sms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in.Svc.UseSMS(p)
	id := modeSurvey(t, in, tokenSlug, questionnaire.DedupToken)
	uiUser(t, in, "admin1", "admin")

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			uiShot(t, ctx, "failed-texting-"+strings.ReplaceAll(name, " ", "-")+".png")
			t.Fatalf("%s: %v", name, err)
		}
	}
	wait := func(what, expr string, within time.Duration) {
		t.Helper()
		if err := uiWait(ctx, expr, within); err != nil {
			uiShot(t, ctx, "failed-texting-"+strings.ReplaceAll(what, " ", "-")+".png")
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('sec-tokens').innerText.slice(0, 2000)`))
			t.Fatalf("%s: %v\npanel: %s", what, err, state)
		}
	}
	// total is a cell of the funnel's total row: 1 listed, 2 sent, … 7 failed.
	total := func(col int) string {
		return fmt.Sprintf(`(function () { var r = document.querySelector('#sx-rows tr:last-child');
  return r ? r.cells[%d].textContent : ''; })()`, col)
	}

	step("sign in",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(fmt.Sprintf("%s/admin/surveys/%d", in.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "admin1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#sec-tokens`)),
	)
	wait("the empty funnel", `document.querySelector('#sx-rows tr:last-child') !== null
  && document.querySelector('#sx-rows tr:last-child').cells[0].textContent === '合计 total'
  && `+total(1)+` === '0'`, 10*time.Second)

	numbers := []string{"13900000011", "139 0000 0012", "+8613900000013"}
	step("add three numbers",
		center(`#sx-form`),
		uiSetField(`#sx-phones`, strings.Join(numbers, "\n")+"\n"),
		chromedp.Click(chromedp.CSS(`#sx-add`)),
	)
	wait("three listed", total(1)+` === '3' && `+total(2)+` === '0'
  && document.getElementById('sx-phones').value === '' && document.getElementById('sx-error').hidden`, 10*time.Second)
	if n := len(f.Sent()); n != 0 {
		t.Fatalf("adding numbers texted %d of them", n)
	}

	step("send",
		center(`#sx-send`),
		uiSetField(`#sx-rate`, "1"),
		uiSetField(`#sx-from`, "0"),
		uiSetField(`#sx-to`, "24"),
		chromedp.Click(chromedp.CSS(`#sx-go`)),
	)
	// One a second: the panel shows the run going, then follows it by
	// itself, sooner than the designer's 15-second refresh of the survey.
	wait("sending", `document.getElementById('sx-run').textContent.indexOf('发送中 sending') >= 0
  && document.getElementById('sx-error').hidden`, 5*time.Second)
	wait("three sent", total(1)+` === '3' && `+total(2)+` === '3' && `+total(7)+` === '0'
  && document.getElementById('sx-run').textContent.indexOf('已结束 finished 3 条已发 sent') >= 0`, 8*time.Second)
	uiShot(t, ctx, "texting-sent.png")

	sent := f.Sent()
	var phones []string
	for _, s := range sent {
		phones = append(phones, s.Phone)
		if !strings.HasPrefix(s.Params["link"], in.URL+"/s/"+tokenSlug+"?t=") {
			t.Errorf("the invitation to %s links to %q", s.Phone, s.Params["link"])
		}
	}
	sort.Strings(phones)
	if got := strings.Join(phones, ","); got != "13900000011,13900000012,13900000013" {
		t.Fatalf("the fake was sent to %s, want the three numbers once each", got)
	}
}

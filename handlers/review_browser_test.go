package handlers_test

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestBrowserReviewFlagged is a designer reviewing flagged responses in
// the designer's data-quality panel: a page of speeders and "More" for the
// rest, with the counts in the panel's head; marking one valid updates its
// row in place and the results that leave flagged responses out count it;
// Undo takes it back out. The full list shows clean responses too, and a
// viewer is offered no review buttons.
func TestBrowserReviewFlagged(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	uiUser(t, in, "designer1", "designer")
	uiUser(t, in, "viewer1", "viewer")
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	addMember(t, in, p.Survey.ID, "designer1", models.MemberCollaborator)
	addMember(t, in, p.Survey.ID, "viewer1", models.MemberReader)

	// 102 speeders (5 s for 18 questions), the first 35 from one address
	// (so the later of those are also flagged shared_address), then two
	// careful residents, who are not flagged.
	const hasty = 102
	rng := mrand.New(mrand.NewPCG(21, 22))
	base := time.Now().Add(-time.Hour)
	var ids []string
	send := func(i int, took time.Duration, ip string) {
		t.Helper()
		sub := surveystest.RandomSubmission(rng, p.Compiled)
		now := base.Add(time.Duration(i) * 10 * time.Second)
		started := now.Add(-took)
		sub.StartedAt = &started
		res, err := in.Svc.Submit(context.Background(), surveys.SubmitInput{
			Slug: slug, Submission: sub, DeviceID: fmt.Sprintf("device-%d", i), ClientIP: ip, Now: now,
		})
		if err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
		ids = append(ids, res.ResponseID)
	}
	for i := range hasty {
		ip := "203.0.113.9"
		if i >= 35 {
			ip = fmt.Sprintf("198.51.100.%d", i)
		}
		send(i, 5*time.Second, ip)
	}
	send(hasty, 10*time.Minute, "192.0.2.1")
	send(hasty+1, 12*time.Minute, "192.0.2.2")
	if err := in.Svc.RunTallyPass(context.Background()); err != nil {
		t.Fatal(err)
	}

	results := func(flagged string) (responses, nFlagged float64) {
		t.Helper()
		r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results?flagged="+flagged)
		if r.Status != http.StatusOK {
			t.Fatalf("results?flagged=%s: %d %s", flagged, r.Status, r.Raw)
		}
		responses, _ = r.Body["responses"].(float64)
		nFlagged, _ = r.Body["flagged"].(float64)
		return responses, nFlagged
	}
	clean, _ := results("exclude")
	all, nFlagged := results("include")
	if clean != 2 || all != hasty+2 || nFlagged != hasty {
		t.Fatalf("before review: %v clean, %v in all with %v flagged; want 2, %d, %d", clean, all, nFlagged, hasty+2, hasty)
	}
	// excludedCountReaches polls the results without flagged responses.
	excludedCountReaches := func(want float64) {
		t.Helper()
		var n float64
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if n, _ = results("exclude"); n == want {
				return
			}
		}
		t.Fatalf("results?flagged=exclude counts %v responses, want %v", n, want)
	}

	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			uiShot(t, ctx, "failed-review-"+strings.ReplaceAll(name, " ", "-")+".png")
			t.Fatalf("%s: %v", name, err)
		}
	}
	wait := func(what, expr string) {
		t.Helper()
		if err := uiWait(ctx, expr, 5*time.Second); err != nil {
			uiShot(t, ctx, "failed-review-"+strings.ReplaceAll(what, " ", "-")+".png")
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('sec-quality').innerText.slice(0, 1500)`))
			t.Fatalf("%s: %v\npanel: %s", what, err, state)
		}
	}
	// center scrolls an element to the middle of the window, clear of the
	// designer's sticky toolbar, before a click.
	center := func(sel string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(function () { document.querySelector('`+sel+`').scrollIntoView({block: 'center'}); return true; })()`)(ctx, tg)
			return err
		})
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	designer := fmt.Sprintf("/admin/surveys/%d", p.Survey.ID)
	step("sign in",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(in.URL+designer),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "designer1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#q-rows tr`)),
	)

	// The first page: the newest 100 flagged, "More" for the rest.
	wait("the first page", `document.querySelectorAll('#q-rows tr').length === 100 && !document.getElementById('q-more').hidden
  && document.getElementById('q-n-flagged').textContent === '100+'`)
	newest := `#q-rows tr[data-response="` + ids[hasty-1] + `"]`
	if first, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#q-rows tr').getAttribute('data-response')`)); first != ids[hasty-1] {
		t.Errorf("the first row is %q, want the newest flagged response %q", first, ids[hasty-1])
	}
	if s := text(newest + ` .q-flags`); !strings.Contains(s, "答题过快") || !strings.Contains(s, "Too fast") {
		t.Errorf("the newest row's flags read %q, want 答题过快 Too fast", s)
	}
	if s := text(newest + ` .q-took`); s != "00:05" {
		t.Errorf("the newest row took %q, want 00:05", s)
	}
	if s := text(newest + ` .q-state`); !strings.Contains(s, "待审核") {
		t.Errorf("the newest row's state is %q, want 待审核", s)
	}
	if s := text(`#q-results`); s != "/api/v1/surveys/"+slug+"/results?flagged=exclude" {
		t.Errorf("the results link reads %q", s)
	}

	step("more", center(`#q-more`), chromedp.Click(chromedp.CSS(`#q-more`)))
	wait("the second page", `document.querySelectorAll('#q-rows tr').length === 102 && document.getElementById('q-more').hidden
  && document.getElementById('q-n-flagged').textContent === '102' && document.getElementById('q-n-pending').textContent === '102'
  && document.getElementById('q-n-reviewed').textContent === '0'`)
	if s := text(`#q-rows tr[data-response="` + ids[34] + `"] .q-flags`); !strings.Contains(s, "同一网络地址多次") {
		t.Errorf("the 35th response from one address reads %q, want 同一网络地址多次", s)
	}
	if s := text(`#q-rows tr[data-response="` + ids[0] + `"] .q-flags`); strings.Contains(s, "同一网络地址多次") {
		t.Errorf("the first response from an address is flagged shared: %q", s)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__notReloaded = true`)); err != nil {
		t.Fatal(err)
	}

	// Valid: the row changes in place and the clean results count it.
	step("mark valid",
		center(newest),
		chromedp.Click(chromedp.CSS(newest+` button[data-review="valid"]`)),
	)
	wait("the row marked valid", `(function () {
  var tr = document.querySelector('`+newest+`');
  return tr.getAttribute('data-review-state') === 'valid' && tr.querySelector('.q-state').textContent.indexOf('有效') >= 0
    && !tr.querySelector('button[data-review=""]').hidden && tr.querySelector('button[data-review="valid"]').getAttribute('aria-pressed') === 'true'
    && document.activeElement === tr.querySelector('button[data-review="valid"]')
    && document.getElementById('q-n-reviewed').textContent === '1' && document.getElementById('q-n-pending').textContent === '101';
})()`)
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__notReloaded === true`)); err != nil || !ok {
		t.Fatalf("the page was reloaded (%v)", err)
	}
	excludedCountReaches(clean + 1)
	c, _ := uiSignIn(t, in, "designer1")
	r := get(t, c, in.URL+"/api/v1/admin/surveys/"+fmt.Sprint(p.Survey.ID)+"/responses?flagged=1")
	list, _ := r.Body["responses"].([]any)
	if len(list) == 0 {
		t.Fatalf("responses?flagged=1: %d %s", r.Status, r.Raw)
	}
	if row, _ := list[0].(map[string]any); row["response_id"] != ids[hasty-1] || row["review"] != "valid" {
		t.Errorf("on the server the newest flagged response is %v", row)
	}
	uiShot(t, ctx, "staff-review.png")

	// Undo: back to be reviewed, and out of the clean results again.
	step("undo", center(newest), chromedp.Click(chromedp.CSS(newest+` button[data-review=""]`)))
	wait("the row undone", `(function () {
  var tr = document.querySelector('`+newest+`');
  return tr.getAttribute('data-review-state') === 'pending' && tr.querySelector('.q-state').textContent.indexOf('待审核') >= 0
    && tr.querySelector('button[data-review=""]').hidden && tr.querySelector('button[data-review="valid"]').getAttribute('aria-pressed') === 'false'
    && document.activeElement === tr.querySelector('button[data-review="valid"]')
    && document.getElementById('q-n-reviewed').textContent === '0' && document.getElementById('q-n-pending').textContent === '102';
})()`)
	excludedCountReaches(clean)

	// Invalid on a flagged response: marked, still out of the clean results.
	second := `#q-rows tr[data-response="` + ids[hasty-2] + `"]`
	step("mark invalid", center(second), chromedp.Click(chromedp.CSS(second+` button[data-review="invalid"]`)))
	wait("the row marked invalid", `document.querySelector('`+second+`').getAttribute('data-review-state') === 'invalid'
  && document.querySelector('`+second+` .q-state').textContent.indexOf('无效') >= 0 && document.getElementById('q-n-reviewed').textContent === '1'`)
	if n, _ := results("exclude"); n != clean {
		t.Errorf("after marking a flagged response invalid the clean results count %v, want %v", n, clean)
	}

	// All responses: the careful ones come first, not flagged.
	step("list all", center(`#q-all`), chromedp.Click(chromedp.CSS(`#q-all`)))
	wait("the full list", `document.querySelectorAll('#q-rows tr').length === 100 && !document.getElementById('q-more').hidden
  && document.querySelector('#q-rows tr').getAttribute('data-response') === '`+ids[hasty+1]+`'
  && document.querySelector('#q-rows tr').getAttribute('data-review-state') === 'clean'
  && document.getElementById('q-n-reviewed').textContent === '1'`)
	if s := text(`#q-rows tr .q-flags`); !strings.Contains(s, "无") {
		t.Errorf("a clean response's flags read %q, want 无 none", s)
	}
	step("flagged only again", center(`#q-all`), chromedp.Click(chromedp.CSS(`#q-all`)))
	wait("the flagged list", `document.querySelectorAll('#q-rows tr').length === 100
  && document.querySelector('#q-rows tr').getAttribute('data-response') === '`+ids[hasty-1]+`'`)

	// A viewer: the panel, read-only, with no review buttons.
	step("sign out", chromedp.Click(chromedp.CSS(`#logout`)), chromedp.WaitVisible(chromedp.CSS(`#login-form`)))
	step("viewer",
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "viewer1"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#survey-rows tr`)),
		chromedp.Navigate(in.URL+designer),
		chromedp.WaitVisible(chromedp.CSS(`#sec-quality`)),
	)
	wait("the viewer's panel", `document.getElementById('q-loading').hidden && !document.getElementById('q-readonly').hidden
  && document.querySelectorAll('#sec-quality button[data-review]').length === 0`)
	step("scroll", center(`#sec-quality`))
	uiShot(t, ctx, "staff-review-viewer.png")
}

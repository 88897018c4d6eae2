package handlers_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestBrowserCampaignUnitOnAPhone: the campaign dashboard shows an
// agency's progress; a resident opens the agency's own link on a phone,
// sees its 6 areas with its own summaries and nothing of the cities,
// answers, and the dashboard's progress for that agency rises live.
func TestBrowserCampaignUnitOnAPhone(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	p := seedCampaign(t, in)
	agency := p.Compiled.Unit("dept-edu")
	row := `#progress-rows tr[data-unit="dept-edu"]`

	dashWatch(t, ctx)
	if err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(in.URL+"/d/"+campaign),
		chromedp.WaitVisible(chromedp.CSS(row)),
	); err != nil {
		t.Fatalf("campaign dashboard: %v", err)
	}
	dashWait(t, ctx, "the stream is live", `document.getElementById('conn').classList.contains('conn-live')`, 15*time.Second)
	if got := dashEval[string](t, ctx, `document.querySelector('`+row+`').getAttribute('data-completed')`); got != "0" {
		t.Fatalf("completed before answering = %q, want 0", got)
	}
	if n := dashEval[int](t, ctx, `document.querySelectorAll('#notice-list .notice-cat').length`); n != 2 {
		t.Errorf("notice blocks = %d, want one per category", n)
	}

	phone, cancel := chromedp.NewContext(ctx)
	defer cancel()
	if err := chromedp.Do(phone,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulateScale(2)),
		chromedp.Navigate(in.URL+"/s/"+campaign+"/u/dept-edu"),
		chromedp.WaitVisible(chromedp.CSS(`#survey`)),
		chromedp.WaitEnabled(chromedp.CSS(`#submit`)),
	); err != nil {
		uiShot(t, phone, "failed-campaign-phone.png")
		t.Fatalf("opening the agency's page: %v", err)
	}
	shown := dashEval[string](t, phone, `JSON.stringify(Array.from(document.querySelectorAll('section.area')).map(function (s) {
  return [s.querySelector('h2').textContent, s.querySelector('.summary').textContent];
}))`)
	var areas [][2]string
	if err := json.Unmarshal([]byte(shown), &areas); err != nil {
		t.Fatal(err)
	}
	want := []string{"作风建设", "履职尽责", "能力建设", "为民办实事", "依法行政", "廉洁自律"}
	if len(areas) != len(want) {
		t.Fatalf("the phone shows %d areas %v, want the agency's 6", len(areas), areas)
	}
	for i, a := range areas {
		code := fmt.Sprintf("g%02d", i+1)
		if !strings.HasSuffix(a[0], want[i]) || a[1] != agency.Summaries[code] {
			t.Errorf("area %d = %q %q, want %s with the agency's own summary", i+1, a[0], a[1], want[i])
		}
	}
	if name := dashEval[string](t, phone, `document.querySelector('.masthead-unit').textContent`); name != agency.Name {
		t.Errorf("the page names %q, want %q", name, agency.Name)
	}
	if total := dashEval[string](t, phone, `document.getElementById('progress-total').textContent`); total != "11" {
		t.Errorf("questions to answer = %s, want 11 (6 areas, 5 extra)", total)
	}
	tasks := []chromedp.Action[chromedp.Void]{}
	for i := 1; i <= 6; i++ {
		tasks = append(tasks, chromedp.Tap(chromedp.CSS(fmt.Sprintf(`#q-p%02d input[value="%s"]`, i, []string{"5", "4", "3"}[i%3]))))
	}
	tasks = append(tasks,
		chromedp.Tap(chromedp.CSS(`#q-overall input[value="4"]`)),
		chromedp.Tap(chromedp.CSS(`#q-town input[value="rural"]`)),
		chromedp.Tap(chromedp.CSS(`#q-age input[value="60-69"]`)),
		chromedp.Tap(chromedp.CSS(`#q-gender input[value="f"]`)),
		chromedp.Tap(chromedp.CSS(`#submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#screen-thanks`)),
	)
	if err := chromedp.Do(phone, tasks...); err != nil {
		uiShot(t, phone, "failed-campaign-answer.png")
		t.Fatalf("answering on the phone: %v", err)
	}
	uiShot(t, phone, "campaign-thanks.png")

	dashWait(t, ctx, "the agency's progress rises", `document.querySelector('`+row+`').getAttribute('data-completed') === '1'`, 20*time.Second)
	dashShot(t, ctx, "campaign-dashboard.png", true)
	dashCSP(t, ctx)
}

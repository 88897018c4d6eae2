package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
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

// TestBrowserDesignerCampaign edits the built-in campaign in the designer:
// the categories with their areas, units pasted as CSV keeping their
// summaries, a unit's summary typed in its own block, the search and the
// count of units still missing a summary; the saved draft holds it all.
func TestBrowserDesignerCampaign(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	uiUser(t, in, "camp", "designer")
	c, csrf := uiSignIn(t, in, "camp")
	d := &staffClient{t: t, base: in.URL, c: c, csrf: csrf}
	data, _ := questionnaire.Builtin(campaign)
	var def questionnaire.Definition
	if err := json.Unmarshal(data, &def); err != nil {
		t.Fatal(err)
	}
	def.Slug = "campaign-2023"
	id := publishDefinition(t, d, def)
	ui := &designerUI{t: t, ctx: ctx, in: in, id: id, api: d}
	watchConsole(t, ctx, true)
	ui.step("sign in",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(fmt.Sprintf("%s/admin/surveys/%d", in.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "camp"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#area-0 summary`)),
	)
	ui.wait("the categories", "sec-categories", `document.querySelectorAll('#categories-list .cat-item').length === 2
  && document.querySelectorAll('#categories-list .cat-item')[1].querySelectorAll('input.cat-area:checked').length === 6`)
	ui.wait("every unit's summaries are there", "sec-summaries", `document.querySelectorAll('#summ-units details.summ-unit').length === 8
  && document.getElementById('summ-missing').getAttribute('data-missing') === '0'`)

	// A new agency pasted as a CSV line: it keeps the others' summaries and misses its own.
	ui.step("paste a unit", center(`#units-text`), run(`(function () { var ta = document.getElementById('units-text');
  ta.value = ta.value + '\ndept-new,省示例新设局（虚构）,agency,200';
  ta.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`))
	ui.wait("one unit missing its summaries", "sec-summaries", `document.querySelectorAll('#summ-units details.summ-unit').length === 9
  && document.getElementById('summ-missing').getAttribute('data-missing') === '1'
  && document.querySelector('#summ-u-8 .item-meta').textContent.indexOf('0 / 6') === 0`)
	ui.step("search", center(`#summ-search`), chromedp.SendKeys(chromedp.CSS(`#summ-search`), "新设"))
	ui.wait("the search finds it alone", "sec-summaries", `Array.from(document.querySelectorAll('#summ-units details.summ-unit')).filter(function (d) { return !d.hidden; }).map(function (d) { return d.id; }).join() === 'summ-u-8'`)
	ui.step("open its block", chromedp.Click(chromedp.CSS(`#summ-u-8 summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#summ-u-8 textarea[data-path="units[8].summaries.g01"]`)))
	if n := ui.eval(`String(document.querySelectorAll('#summ-u-8 textarea').length)`); n != "6" {
		t.Fatalf("the agency's block has %s fields, want its 6 areas", n)
	}
	for i := 1; i <= 6; i++ {
		ui.step("type a summary", chromedp.SendKeys(chromedp.CSS(fmt.Sprintf(`#summ-u-8 textarea[data-path="units[8].summaries.g%02d"]`, i)), fmt.Sprintf("本局第%d项工作概述。", i)))
	}
	ui.wait("nothing missing", "sec-summaries", `document.getElementById('summ-missing').getAttribute('data-missing') === '0'`)
	ui.step("save", chromedp.Click(chromedp.CSS(`#save`)))
	ui.wait("saved", "sec-summaries", `document.getElementById('save-state').textContent.indexOf('draft saved') >= 0`)
	det, _ := d.detail(id)
	if det.DraftDefinition == nil || len(det.DraftDefinition.Units) != 9 {
		t.Fatalf("saved draft: %+v", det.DraftDefinition)
	}
	u := det.DraftDefinition.Units[8]
	if u.Code != "dept-new" || u.Category != "agency" || u.Target != 200 || u.Summaries["g03"] != "本局第3项工作概述。" || len(u.Summaries) != 6 {
		t.Errorf("the new unit saved as %+v", u)
	}
	if s := det.DraftDefinition.Units[4].Summaries["g01"]; s != def.Units[4].Summaries["g01"] {
		t.Errorf("an existing unit's summary changed to %q", s)
	}
	uiFullShot(t, ctx, "designer-campaign.png")
}

// run evaluates a page expression as a step.
func run(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](expr)(ctx, tg)
		return err
	})
}

package handlers_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestBrowserDesignerImportsUnitsXLSX: the designer picks a workbook; an
// existing unit is renamed keeping its summaries, a unit whose name holds
// a comma is added, the bad row is listed by line, and the saved draft
// holds the merge.
func TestBrowserDesignerImportsUnitsXLSX(t *testing.T) {
	ctx := browser(t)
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	uiUser(t, in, "imp", "designer")
	c, csrf := uiSignIn(t, in, "imp")
	d := &staffClient{t: t, base: in.URL, c: c, csrf: csrf}
	data, _ := questionnaire.Builtin(campaign)
	var def questionnaire.Definition
	if err := json.Unmarshal(data, &def); err != nil {
		t.Fatal(err)
	}
	def.Slug = "campaign-import"
	id := publishDefinition(t, d, def)
	old := def.Units[4]

	f := excelize.NewFile()
	rows := [][]any{{"代码", "名称", "类别", "样本量"}, {old.Code, "改名后的单位", old.Category, 321}, {"dept-x", "新区, 东片（虚构）", "agency", 90}, {"", "没有代码", "agency", 5}}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "units.xlsx")
	if err := f.SaveAs(file); err != nil {
		t.Fatal(err)
	}

	ui := &designerUI{t: t, ctx: ctx, in: in, id: id, api: d}
	watchConsole(t, ctx, true)
	ui.step("sign in",
		chromedp.EmulateViewport(1366, 900),
		chromedp.Navigate(fmt.Sprintf("%s/admin/surveys/%d", in.URL, id)),
		chromedp.WaitVisible(chromedp.CSS(`#login-name`)),
		chromedp.SendKeys(chromedp.CSS(`#login-name`), "imp"),
		chromedp.SendKeys(chromedp.CSS(`#login-password`), uiPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#area-0 summary`)),
	)
	ui.step("pick the workbook", chromedp.SetUploadFiles(chromedp.CSS(`#units-file`), []string{file}))
	ui.wait("the bad row listed by line", "sec-units", `!document.getElementById('units-problems').hidden
  && document.querySelectorAll('#units-problems li').length === 1
  && document.querySelector('#units-problems li').textContent.indexOf('line 4') >= 0`)
	ui.wait("9 units", "sec-summaries", `document.querySelectorAll('#summ-units details.summ-unit').length === 9`)
	ui.step("save", chromedp.Click(chromedp.CSS(`#save`)))
	ui.wait("saved", "sec-units", `document.getElementById('save-state').textContent.indexOf('draft saved') >= 0`)
	det, _ := d.detail(id)
	if det.DraftDefinition == nil || len(det.DraftDefinition.Units) != 9 {
		t.Fatalf("saved draft: %+v", det.DraftDefinition)
	}
	u := det.DraftDefinition.Units[4]
	if u.Code != old.Code || u.Name != "改名后的单位" || u.Target != 321 || u.Summaries["g01"] != old.Summaries["g01"] || len(u.Summaries) != len(old.Summaries) {
		t.Errorf("the renamed unit saved as %+v, want its summaries kept", u)
	}
	if n := det.DraftDefinition.Units[8]; n.Code != "dept-x" || n.Name != "新区, 东片（虚构）" || n.Target != 90 {
		t.Errorf("the new unit saved as %+v", n)
	}
	if got := ui.eval(`document.getElementById('units-text').value.split('\n')[8]`); got != `dept-x,"新区, 东片（虚构）",agency,90` {
		t.Errorf("units text line: %q, want the name quoted", got)
	}
}

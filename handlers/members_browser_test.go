package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDesignerMembers is a survey's owner in the designer's members
// panel: an unknown name and a viewer as collaborator are refused with the
// server's reason; a designer is added as collaborator and a viewer as
// reader; the collaborator is made a reader with the row's select; the
// reader is removed after a confirmation. The server keeps each change;
// the collaborator's designer page has no members panel.
func TestBrowserDesignerMembers(t *testing.T) {
	ctx := browser(t)
	uiWatch(t, ctx)
	ui := openDesigner(t, ctx, "owner1")
	uiUser(t, ui.in, "bo1", "designer")
	uiUser(t, ui.in, "cai1", "viewer")
	add := func(name, role string) {
		t.Helper()
		ui.step("add "+name,
			center(`#m-form`),
			uiSetField(`#m-name`, name),
			uiSetField(`#m-role`, role),
			chromedp.Click(chromedp.CSS(`#m-add`)),
		)
	}
	ui.wait("the empty panel", "sec-members", `!document.getElementById('m-empty').hidden
  && document.getElementById('m-owner').textContent === 'owner1'`)

	add("nobody", "reader")
	ui.wait("an unknown name refused", "sec-members", `!document.getElementById('m-error').hidden
  && document.getElementById('m-error').textContent.indexOf('no such user') >= 0`)
	add("cai1", "collaborator")
	ui.wait("a viewer as collaborator refused", "sec-members", `document.getElementById('m-error').textContent.indexOf('viewer account can only be a reader') >= 0
  && document.querySelectorAll('#m-rows tr').length === 0`)

	add("bo1", "collaborator")
	ui.wait("the collaborator", "sec-members", `document.querySelectorAll('#m-rows tr').length === 1
  && document.getElementById('m-error').hidden && document.getElementById('m-name').value === ''`)
	add("cai1", "reader")
	ui.wait("the reader", "sec-members", `document.querySelectorAll('#m-rows tr').length === 2`)
	members := func() string {
		t.Helper()
		r := ui.api.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/members", ui.id), nil)
		return string(r.Raw)
	}
	if m := members(); !strings.Contains(m, `"name":"bo1","role":"collaborator"`) || !strings.Contains(m, `"name":"cai1","role":"reader"`) {
		t.Fatalf("on the server: %s", m)
	}
	bo, _ := uiSignIn(t, ui.in, "bo1")
	if html := string(get(t, bo, fmt.Sprintf("%s/admin/surveys/%d", ui.in.URL, ui.id)).Raw); !strings.Contains(html, `id="save"`) || strings.Contains(html, `id="sec-members"`) {
		t.Error("the collaborator's designer page lacks the save button or shows the members panel")
	}

	boRow := `#m-rows tr:first-child`
	if ui.eval(`document.querySelector('`+boRow+` th').textContent`) != "bo1" {
		t.Fatalf("first row: %s", ui.eval(`document.getElementById('m-rows').innerText`))
	}
	// The panel draws its rows anew from the server's answer: mark the old one.
	ui.eval(`(function () { document.querySelector('` + boRow + `').setAttribute('data-old', '1'); return ''; })()`)
	ui.step("make bo1 a reader", center(boRow), uiSetField(boRow+` select`, "reader"))
	ui.wait("bo1 a reader", "sec-members", `!document.querySelector('`+boRow+`').hasAttribute('data-old')
  && document.querySelector('`+boRow+` select').value === 'reader' && document.getElementById('m-error').hidden`)
	if m := members(); !strings.Contains(m, `"name":"bo1","role":"reader"`) {
		t.Fatalf("on the server after the role change: %s", m)
	}
	caiRow := `#m-rows tr:nth-child(2)`
	ui.step("remove cai1",
		center(caiRow),
		chromedp.Click(chromedp.CSS(caiRow+` button[data-remove]`)),
		chromedp.WaitVisible(chromedp.CSS(`#confirm-dialog`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)),
	)
	ui.wait("cai1 removed", "sec-members", `document.querySelectorAll('#m-rows tr').length === 1`)
	ui.shot("designer-members.png")
	if m := members(); strings.Contains(m, "cai1") {
		t.Fatalf("on the server after the removal: %s", m)
	}
}

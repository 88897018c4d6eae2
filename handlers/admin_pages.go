package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// AdminPage is the data of the staff page templates (admin-*.html). The
// pages are shells: their script reads and changes everything through the
// JSON admin API, so nothing needs a reload.
type AdminPage struct {
	User     *models.User // nil on the sign-in page
	CSRF     string
	SurveyID uint64
	CanEdit  bool // designer or admin; on one survey's page, its collaborators too
	// CanManage: the survey's owner or an admin, who set its members.
	CanManage bool
	IsAdmin   bool
	Next      string // where the sign-in page goes afterwards
	// VerifyPhone: an SMS provider is configured, so phone mode verifies
	// numbers by text-message code (the designer says which).
	VerifyPhone bool
	// WeChat: a WeChat account is configured, so wechat-mode surveys can
	// be answered (the designer says which).
	WeChat bool
}

func (a *App) adminPage(c echo.Context, name string, surveyID uint64) error {
	s := current(c)
	c.Response().Header().Set("Cache-Control", "no-store")
	p := AdminPage{
		User:        &s.User,
		CSRF:        s.CSRF,
		SurveyID:    surveyID,
		CanEdit:     staff.RoleAtLeast(s.User.Role, models.RoleDesigner),
		IsAdmin:     s.User.Role == models.RoleAdmin,
		VerifyPhone: a.svc.OTPOn(),
		WeChat:      a.svc.WeChatOn(),
	}
	if surveyID != 0 {
		acc := surveyAccess(c)
		p.CanEdit, p.CanManage = p.CanEdit && acc >= surveys.AccessEdit, acc >= surveys.AccessManage
	}
	return a.render(c, http.StatusOK, name, p)
}

// GetLoginPage handles GET /admin/login.
func (a *App) GetLoginPage(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-store")
	return a.render(c, http.StatusOK, "admin-login.html", AdminPage{Next: localPath(c.QueryParam("next"))})
}

// localPath returns next when a browser reads it as a path on this site,
// else "/admin": no open redirect after signing in. Browsers drop tabs and
// line breaks inside a URL and take "\" for "/", so "/\t/evil.example" and
// "/\evil.example" both mean "//evil.example", another host; anything
// with those, a space, a scheme or a host is refused.
func localPath(next string) string {
	const home = "/admin"
	if len(next) == 0 || len(next) > 2048 || next[0] != '/' || strings.HasPrefix(next, "//") {
		return home
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' || unicode.IsSpace(r) || r == utf8.RuneError {
			return home
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return home
	}
	return next
}

// GetAdminPage handles GET /admin: the survey list.
func (a *App) GetAdminPage(c echo.Context) error { return a.adminPage(c, "admin-list.html", 0) }

// GetDesignerPage handles GET /admin/surveys/:id: the questionnaire designer.
func (a *App) GetDesignerPage(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if _, err := a.svc.SurveyDetail(id); err != nil {
		return err
	}
	return a.adminPage(c, "admin-designer.html", id)
}

// GetTokenSheetPage handles GET /admin/surveys/:id/sheet: a printable A4
// sheet of the invitations just generated (the page reads them from the
// browser's session storage; the server keeps only hashes).
func (a *App) GetTokenSheetPage(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return a.adminPage(c, "admin-sheet.html", id)
}

// GetUsersPage handles GET /admin/users.
func (a *App) GetUsersPage(c echo.Context) error { return a.adminPage(c, "admin-users.html", 0) }

// GetAuditPage handles GET /admin/audit.
func (a *App) GetAuditPage(c echo.Context) error { return a.adminPage(c, "admin-audit.html", 0) }

// GetPreviewPage handles GET /admin/surveys/:id/preview[?version=published][&unit=CODE]:
// the respondent page exactly as residents see it, for the draft (or the
// published version), with submitting turned off.
func (a *App) GetPreviewPage(c echo.Context) error {
	_, def, err := a.requestedDefinition(c)
	if err != nil {
		return err
	}
	comp, err := questionnaire.Compile(def)
	if err != nil {
		return err
	}
	page := SurveyPage{
		Def: comp.Def, Slug: def.Slug, State: "preview", Endpoint: "",
		Scale: comp.ScaleOptions(), Total: comp.QuestionCount(), Privacy: comp.Def.PrivacyNotice(),
		// The code field as residents will see it; its button sends nothing here.
		VerifyPhone: a.svc.OTPOn() && comp.Def.Dedup == questionnaire.DedupPhone,
	}
	// ?unit= previews the page of one unit, as its residents see it.
	if u := comp.Unit(c.QueryParam("unit")); u != nil {
		page.Def = comp.ForUnit(u.Code)
		page.Unit = &page.Def.Units[0]
		page.Total = page.Def.QuestionCount()
	}
	var b bytes.Buffer
	err = a.templates.ExecuteTemplate(&b, "survey.html", page)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	// The designer shows this page in a phone-shaped frame of its own.
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", strings.Replace(h.Get("Content-Security-Policy"), "frame-ancestors 'none'", "frame-ancestors 'self'", 1))
	return c.HTMLBlob(http.StatusOK, b.Bytes())
}

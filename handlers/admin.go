package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// staffCookie holds a staff session's secret.
const staffCookie = "minyi_staff"

// csrfHeader carries the session's CSRF token on every state-changing request.
const csrfHeader = "X-CSRF-Token"

// RouteRole is a staff route with the least role it needs ("" = anyone).
type RouteRole struct {
	Method, Path, Role string
}

type staffRoute struct {
	RouteRole
	h echo.HandlerFunc
}

// staffRoutes is the route table of the staff side. Every route under
// /admin and /api/v1/admin must be here: the authorization matrix test
// checks the app's routes against it.
func (a *App) staffRoutes() []staffRoute {
	const (
		anyone   = ""
		viewer   = models.RoleViewer
		designer = models.RoleDesigner
		admin    = models.RoleAdmin
	)
	r := func(method, path, role string, h echo.HandlerFunc) staffRoute {
		return staffRoute{RouteRole{method, path, role}, h}
	}
	return []staffRoute{
		r(http.MethodGet, "/admin/login", anyone, a.GetLoginPage),
		r(http.MethodGet, "/admin", viewer, a.GetAdminPage),
		r(http.MethodGet, "/admin/surveys/:id", viewer, a.GetDesignerPage),
		r(http.MethodGet, "/admin/surveys/:id/preview", viewer, a.GetPreviewPage),
		r(http.MethodGet, "/admin/surveys/:id/sheet", designer, a.GetTokenSheetPage),
		r(http.MethodGet, "/admin/users", admin, a.GetUsersPage),
		r(http.MethodGet, "/admin/audit", admin, a.GetAuditPage),

		r(http.MethodPost, "/api/v1/admin/login", anyone, a.PostLogin),
		r(http.MethodPost, "/api/v1/admin/logout", viewer, a.PostLogout),
		r(http.MethodGet, "/api/v1/admin/me", viewer, a.GetMe),
		r(http.MethodPost, "/api/v1/admin/password", viewer, a.PostPassword),
		r(http.MethodGet, "/api/v1/admin/surveys", viewer, a.GetAdminSurveys),
		r(http.MethodPost, "/api/v1/admin/surveys", designer, a.PostAdminSurvey),
		r(http.MethodGet, "/api/v1/admin/surveys/:id", viewer, a.GetAdminSurvey),
		r(http.MethodPut, "/api/v1/admin/surveys/:id/draft", designer, a.PutDraft),
		r(http.MethodPost, "/api/v1/admin/surveys/:id/publish", designer, a.PostPublish),
		r(http.MethodPost, "/api/v1/admin/surveys/:id/close", designer, a.PostClose),
		r(http.MethodPost, "/api/v1/admin/surveys/:id/reopen", designer, a.PostReopen),
		r(http.MethodGet, "/api/v1/admin/surveys/:id/definition", designer, a.GetDefinitionExport),
		r(http.MethodGet, "/api/v1/admin/surveys/:id/tokens", viewer, a.GetTokenCounts),
		r(http.MethodPost, "/api/v1/admin/surveys/:id/tokens", designer, a.PostTokens),
		r(http.MethodGet, "/api/v1/admin/surveys/:id/responses", designer, a.GetResponses),
		r(http.MethodGet, "/api/v1/admin/surveys/:id/responses.csv", designer, a.GetResponsesCSV),
		r(http.MethodGet, "/api/v1/admin/surveys/:id/responses.xlsx", designer, a.GetResponsesXLSX),
		r(http.MethodPost, "/api/v1/admin/surveys/:id/responses/:rid/review", designer, a.PostReview),
		r(http.MethodGet, "/api/v1/admin/surveys/:id/shares", viewer, a.GetShareLinks),
		r(http.MethodPost, "/api/v1/admin/surveys/:id/shares", designer, a.PostShareLink),
		r(http.MethodDelete, "/api/v1/admin/surveys/:id/shares/:sid", designer, a.DeleteShareLink),
		r(http.MethodGet, "/api/v1/admin/surveys/:id/weighting", viewer, a.GetWeighting),
		r(http.MethodPut, "/api/v1/admin/surveys/:id/weighting", designer, a.PutWeighting),
		r(http.MethodGet, "/api/v1/admin/qr", designer, a.GetQR),
		r(http.MethodGet, "/api/v1/admin/users", admin, a.GetUsers),
		r(http.MethodPost, "/api/v1/admin/users", admin, a.PostUser),
		r(http.MethodPatch, "/api/v1/admin/users/:id", admin, a.PatchUser),
		r(http.MethodGet, "/api/v1/admin/audit", admin, a.GetAudit),
	}
}

// StaffRoutes lists the staff routes with their least roles, for tests.
func (a *App) StaffRoutes() []RouteRole {
	var out []RouteRole
	for _, r := range a.staffRoutes() {
		out = append(out, r.RouteRole)
	}
	return out
}

// Errors of the staff side.
var (
	errSignIn    = &apiError{http.StatusUnauthorized, "unauthorized", "请先登录 sign in first"}
	errBadLogin  = &apiError{http.StatusUnauthorized, "unauthorized", "用户名或密码错误 wrong name or password"}
	errThrottled = &apiError{http.StatusTooManyRequests, "rate_limited", "登录尝试过多，请5分钟后再试 too many sign-in attempts; try again in 5 minutes"}
	errRole      = &apiError{http.StatusForbidden, "forbidden", "您的角色无权执行此操作 your role may not do this"}
	errCSRF      = &apiError{http.StatusForbidden, "forbidden", "请求缺少有效的CSRF令牌，请刷新页面 missing or wrong CSRF token; reload the page"}
	errBadID     = &apiError{http.StatusNotFound, "not_found", "没有找到 not found"}
)

// staffAuth requires a signed-in user with at least role; a page without
// one is sent to the sign-in page. State-changing requests must carry the
// session's CSRF token in the X-CSRF-Token header.
func (a *App) staffAuth(role string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			sess, err := a.session(c)
			if err != nil {
				if errors.Is(err, staff.ErrNoSession) && !strings.HasPrefix(c.Path(), "/api/") {
					return c.Redirect(http.StatusSeeOther, "/admin/login?next="+c.Request().URL.Path)
				}
				return err
			}
			if !staff.RoleAtLeast(sess.User.Role, role) {
				return errRole
			}
			if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead &&
				c.Request().Header.Get(csrfHeader) != sess.CSRF {
				return errCSRF
			}
			c.Set("session", sess)
			return next(c)
		}
	}
}

// session returns the request's staff session.
func (a *App) session(c echo.Context) (*staff.Session, error) {
	if s, ok := c.Get("session").(*staff.Session); ok {
		return s, nil
	}
	ck, err := c.Cookie(staffCookie)
	if err != nil {
		return nil, staff.ErrNoSession
	}
	return a.staff.Authenticate(ck.Value)
}

func current(c echo.Context) *staff.Session {
	s, _ := c.Get("session").(*staff.Session)
	return s
}

func (a *App) audit(c echo.Context, action string, surveyID, versionID *uint64, detail string) {
	if err := a.staff.Audit(current(c), action, surveyID, versionID, detail); err != nil {
		c.Logger().Errorf("audit %s: %v", action, err)
	}
}

func idParam(c echo.Context) (uint64, error) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 64)
	if err != nil {
		return 0, errBadID
	}
	return id, nil
}

// bindJSON decodes a JSON body strictly. Requiring the JSON media type also
// keeps cross-site forms out: a browser cannot send it without CORS.
func bindJSON(c echo.Context, into any) error {
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return errUnsupportedMedia
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge
		}
		return &apiError{http.StatusBadRequest, "malformed", "请求内容不是有效的JSON: " + limitText(err.Error()) + " the body is not the JSON expected"}
	}
	return nil
}

func limitText(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// loginBody is the body of POST /api/v1/admin/login.
type loginBody struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

// meBody describes the signed-in user.
type meBody struct {
	Name string `json:"name"`
	Role string `json:"role"`
	CSRF string `json:"csrf_token"`
}

// PostLogin handles POST /api/v1/admin/login: it starts a session cookie.
func (a *App) PostLogin(c echo.Context) error {
	var in loginBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	sess, err := a.staff.Login(c.Request().Context(), in.Name, in.Password, c.RealIP())
	if err != nil {
		a.staff.Audit(nil, "login.failed", nil, nil, "name="+limitText(in.Name))
		return err
	}
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: sess.Token, Path: "/", HttpOnly: true,
		Secure: c.IsTLS() || c.Scheme() == "https", SameSite: http.SameSiteLaxMode,
		MaxAge: int(staff.SessionTTL.Seconds())})
	c.Set("session", sess)
	a.audit(c, "login", nil, nil, "")
	return c.JSON(http.StatusOK, meBody{sess.User.Name, sess.User.Role, sess.CSRF})
}

// PostLogout handles POST /api/v1/admin/logout.
func (a *App) PostLogout(c echo.Context) error {
	if err := a.staff.Logout(current(c)); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	a.audit(c, "logout", nil, nil, "")
	return c.NoContent(http.StatusNoContent)
}

// GetMe handles GET /api/v1/admin/me.
func (a *App) GetMe(c echo.Context) error {
	s := current(c)
	return c.JSON(http.StatusOK, meBody{s.User.Name, s.User.Role, s.CSRF})
}

// PostPassword handles POST /api/v1/admin/password: {old, new}.
func (a *App) PostPassword(c echo.Context) error {
	var in struct {
		Old string `json:"old"`
		New string `json:"new"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	err := a.staff.ChangePassword(current(c), in.Old, in.New)
	if errors.Is(err, staff.ErrBadLogin) {
		// Not 401: the session is fine, only the old password is wrong.
		return &questionnaire.InvalidError{Fields: map[string]string{"old": "原密码不正确 the current password is wrong"}}
	}
	if err != nil {
		return err
	}
	a.audit(c, "password", nil, nil, "")
	return c.NoContent(http.StatusNoContent)
}

// GetAdminSurveys handles GET /api/v1/admin/surveys: every survey with its
// status and response count.
func (a *App) GetAdminSurveys(c echo.Context) error {
	list, err := a.svc.SurveyList()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"surveys": list})
}

// PostAdminSurvey handles POST /api/v1/admin/surveys: a new survey from a
// template, a copy of another survey, or an imported definition.
func (a *App) PostAdminSurvey(c echo.Context) error {
	var in surveys.NewSurvey
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	id, err := a.svc.CreateSurvey(in)
	if err != nil {
		return err
	}
	from := "template " + in.Template
	switch {
	case in.Definition != nil:
		from = "import"
	case in.CopyOf != 0:
		from = fmt.Sprintf("copy of survey %d", in.CopyOf)
	}
	a.audit(c, "survey.create", &id, nil, from)
	return c.JSON(http.StatusCreated, map[string]uint64{"id": id})
}

// GetAdminSurvey handles GET /api/v1/admin/surveys/:id.
func (a *App) GetAdminSurvey(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d, err := a.svc.SurveyDetail(id)
	if err != nil {
		return err
	}
	total, used, err := a.svc.TokenCounts(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"survey": d, "tokens": tokenCounts{total, used, total - used}})
}

// PutDraft handles PUT /api/v1/admin/surveys/:id/draft: the whole draft
// definition; refused whole (422 with a reason per field path) when invalid.
func (a *App) PutDraft(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var def questionnaire.Definition
	if err := bindJSON(c, &def); err != nil {
		return err
	}
	v, err := a.svc.SaveDraft(id, &def)
	if err != nil {
		return err
	}
	a.audit(c, "survey.edit", &id, &v, "")
	return c.JSON(http.StatusOK, map[string]uint64{"draft_version": v})
}

// PostPublish handles POST /api/v1/admin/surveys/:id/publish.
func (a *App) PostPublish(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	v, err := a.svc.Publish(id)
	if err != nil {
		return err
	}
	a.audit(c, "survey.publish", &id, &v, "")
	return c.JSON(http.StatusOK, map[string]uint64{"published_version": v})
}

// PostClose handles POST /api/v1/admin/surveys/:id/close.
func (a *App) PostClose(c echo.Context) error { return a.setOpen(c, false) }

// PostReopen handles POST /api/v1/admin/surveys/:id/reopen.
func (a *App) PostReopen(c echo.Context) error { return a.setOpen(c, true) }

func (a *App) setOpen(c echo.Context, open bool) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := a.svc.SetOpen(id, open); err != nil {
		return err
	}
	action := "survey.close"
	if open {
		action = "survey.reopen"
	}
	a.audit(c, action, &id, nil, "")
	return c.NoContent(http.StatusNoContent)
}

// GetDefinitionExport handles GET /api/v1/admin/surveys/:id/definition
// [?version=draft|published]: the definition as a JSON file, the same
// format POST /api/v1/admin/surveys takes as "definition".
func (a *App) GetDefinitionExport(c echo.Context) error {
	id, def, err := a.requestedDefinition(c)
	if err != nil {
		return err
	}
	a.audit(c, "survey.export", &id, nil, "definition")
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.json"`, def.Slug))
	return c.JSONPretty(http.StatusOK, def, "  ")
}

// requestedDefinition returns the survey id of the route and its draft
// definition, or its published one with ?version=published (or when there
// is no draft).
func (a *App) requestedDefinition(c echo.Context) (uint64, *questionnaire.Definition, error) {
	id, err := idParam(c)
	if err != nil {
		return 0, nil, err
	}
	d, err := a.svc.SurveyDetail(id)
	if err != nil {
		return 0, nil, err
	}
	def := d.DraftDefinition
	if c.QueryParam("version") == "published" || def == nil {
		def = d.PublishedDefinition
	}
	if def == nil {
		return 0, nil, errBadID
	}
	return id, def, nil
}

type tokenCounts struct {
	Total  int64 `json:"total"`
	Used   int64 `json:"used"`
	Unused int64 `json:"unused"`
}

// GetTokenCounts handles GET /api/v1/admin/surveys/:id/tokens.
func (a *App) GetTokenCounts(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	total, used, err := a.svc.TokenCounts(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenCounts{total, used, total - used})
}

// PostTokens handles POST /api/v1/admin/surveys/:id/tokens: {count, unit}.
// The tokens are in this answer only: the server keeps their hashes.
func (a *App) PostTokens(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in struct {
		Count int    `json:"count"`
		Unit  string `json:"unit"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	d, err := a.svc.SurveyDetail(id)
	if err != nil {
		return err
	}
	issued, err := a.svc.CreateTokens(id, in.Count, in.Unit)
	if err != nil {
		return err
	}
	base := c.Scheme() + "://" + c.Request().Host + "/s/" + d.Slug + "?t="
	type tokenOut struct {
		surveys.IssuedToken
		Link string `json:"link"`
	}
	out := make([]tokenOut, len(issued))
	for i, t := range issued {
		out[i] = tokenOut{t, base + t.Token}
	}
	a.audit(c, "tokens.create", &id, nil, fmt.Sprintf("count=%d unit=%s", in.Count, in.Unit))
	return c.JSON(http.StatusCreated, map[string]any{"tokens": out, "survey_link": c.Scheme() + "://" + c.Request().Host + "/s/" + d.Slug})
}

// GetQR handles GET /api/v1/admin/qr?text=...&size=N: a QR code PNG of a link.
func (a *App) GetQR(c echo.Context) error {
	text := c.QueryParam("text")
	size, _ := strconv.Atoi(c.QueryParam("size"))
	if size == 0 {
		size = 256
	}
	if text == "" || len(text) > 1024 || size < 64 || size > 1024 {
		return &questionnaire.InvalidError{Fields: map[string]string{"text": "须为1-1024字节的链接，size 64-1024 text must be 1-1024 bytes, size 64-1024"}}
	}
	png, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		return &questionnaire.InvalidError{Fields: map[string]string{"text": "无法生成二维码 cannot encode this text"}}
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", png)
}

// userBody is a user as the API shows it (never the password hash).
type userBody struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

func userOut(u models.User) userBody { return userBody{u.ID, u.Name, u.Role, u.Disabled, u.CreatedAt} }

// GetUsers handles GET /api/v1/admin/users.
func (a *App) GetUsers(c echo.Context) error {
	us, err := a.svc.Store.Users()
	if err != nil {
		return err
	}
	out := make([]userBody, len(us))
	for i, u := range us {
		out[i] = userOut(u)
	}
	return c.JSON(http.StatusOK, map[string]any{"users": out})
}

// PostUser handles POST /api/v1/admin/users: {name, role, password}.
func (a *App) PostUser(c echo.Context) error {
	var in struct {
		Name     string `json:"name"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := a.staff.CreateUser(in.Name, in.Role, in.Password)
	if err != nil {
		return err
	}
	a.audit(c, "user.create", nil, nil, fmt.Sprintf("%s (%s)", u.Name, u.Role))
	return c.JSON(http.StatusCreated, userOut(*u))
}

// PatchUser handles PATCH /api/v1/admin/users/:id: {role, disabled, password}.
func (a *App) PatchUser(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var ch staff.UserChange
	if err := bindJSON(c, &ch); err != nil {
		return err
	}
	u, err := a.staff.UpdateUser(id, ch)
	if err != nil {
		return err
	}
	var what []string
	if ch.Role != nil {
		what = append(what, "role="+*ch.Role)
	}
	if ch.Disabled != nil {
		what = append(what, fmt.Sprintf("disabled=%t", *ch.Disabled))
	}
	if ch.Password != nil {
		what = append(what, "password reset")
	}
	a.audit(c, "user.update", nil, nil, u.Name+": "+strings.Join(what, ", "))
	return c.JSON(http.StatusOK, userOut(*u))
}

// GetAudit handles GET /api/v1/admin/audit[?before=ID]: newest first, 200 a page.
func (a *App) GetAudit(c echo.Context) error {
	before, _ := strconv.ParseUint(c.QueryParam("before"), 10, 64)
	es, err := a.svc.Store.AuditLog(before, 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": es})
}

// GetResponses handles GET /api/v1/admin/surveys/:id/responses
// [?flagged=1][&before=RESPONSE_ID]: responses for review, newest first,
// 100 a page, without their answers.
func (a *App) GetResponses(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	rows, err := a.svc.ResponseList(id, c.QueryParam("flagged") == "1", c.QueryParam("before"), 100)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"responses": rows})
}

// PostReview handles POST /api/v1/admin/surveys/:id/responses/:rid/review:
// {"review": "valid"|"invalid"|""}. Audited.
func (a *App) PostReview(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in struct {
		Review string `json:"review"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	r, err := a.svc.ReviewResponse(c.Request().Context(), id, c.Param("rid"), in.Review)
	if err != nil {
		return err
	}
	a.audit(c, "response.review", &id, &r.VersionID, fmt.Sprintf("%s: %q (flags %q)", r.PublicID, in.Review, r.Flags))
	return c.JSON(http.StatusOK, map[string]string{"response_id": r.PublicID, "review": r.Review, "flags": r.Flags})
}

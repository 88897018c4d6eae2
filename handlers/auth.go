package handlers

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// staffCookie holds a staff session's secret.
const staffCookie = "minyi_staff"

// csrfHeader carries the session's CSRF token on every state-changing request.
const csrfHeader = "X-CSRF-Token"

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
	sess, err := a.staff.Login(c.Request().Context(), in.Name, in.Password, clientAddress(c))
	if err != nil {
		// Throttled attempts are audited by the service, one row per name
		// and address per window; a name no account can have is not.
		if errors.Is(err, staff.ErrBadLogin) && staff.ValidName(in.Name) {
			a.staff.Audit(nil, "login.failed", nil, nil, "name="+in.Name+" address="+c.RealIP())
		}
		return err
	}
	c.SetCookie(&http.Cookie{Name: staffCookie, Value: sess.Token, Path: "/", HttpOnly: true,
		Secure: a.secure(c), SameSite: http.SameSiteLaxMode,
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
	err := a.staff.ChangePassword(c.Request().Context(), current(c), in.Old, in.New)
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

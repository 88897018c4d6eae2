package handlers

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys/staff"
)

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

// current is the session staffAuth put on the request (nil on public routes).
func current(c echo.Context) *staff.Session {
	s, _ := c.Get("session").(*staff.Session)
	return s
}

// audit records an action of the request's staff user; a failure is logged.
func (a *App) audit(c echo.Context, action string, surveyID, versionID *uint64, detail string) {
	if err := a.staff.Audit(current(c), action, surveyID, versionID, detail); err != nil {
		c.Logger().Errorf("audit %s: %v", action, err)
	}
}

// idParam is the route's numeric :id; any other is not found.
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

// limitText cuts a text to echo back (an error, a name) to 200 bytes.
func limitText(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

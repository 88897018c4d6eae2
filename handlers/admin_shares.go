package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
)

// GetShareLinks handles GET /api/v1/admin/surveys/:id/shares: the survey's
// dashboard share links, newest first, without their keys.
func (a *App) GetShareLinks(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ls, err := a.svc.ShareLinks(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"shares": ls})
}

// PostShareLink handles POST /api/v1/admin/surveys/:id/shares: {"label"}.
// The key is in this answer only: the server keeps its hash. Audited.
func (a *App) PostShareLink(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in struct {
		Label string `json:"label"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	l, err := a.svc.CreateShareLink(id, in.Label, current(c).User.Name)
	if err != nil {
		return err
	}
	a.audit(c, "share.create", &id, nil, fmt.Sprintf("link %d %q", l.ID, l.Label))
	return c.JSON(http.StatusCreated, l)
}

// DeleteShareLink handles DELETE /api/v1/admin/surveys/:id/shares/:sid: it
// revokes the link; streams it opened end within a heartbeat. Audited.
func (a *App) DeleteShareLink(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	sid, err := strconv.ParseUint(c.Param("sid"), 10, 64)
	if err != nil {
		return errBadID
	}
	l, err := a.svc.RevokeShareLink(id, sid)
	if err != nil {
		return err
	}
	a.audit(c, "share.revoke", &id, nil, fmt.Sprintf("link %d %q", l.ID, l.Label))
	return c.JSON(http.StatusOK, l)
}

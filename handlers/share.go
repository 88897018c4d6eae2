package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
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

// GetWeighting handles GET /api/v1/admin/surveys/:id/weighting: whether
// results may be raked, the population margins and the raking variables.
func (a *App) GetWeighting(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	w, err := a.svc.Weighting(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w)
}

// PutWeighting handles PUT /api/v1/admin/surveys/:id/weighting:
// {"enabled", "margins"}. Turning weighting on or off recounts the
// survey's tallies. Audited.
func (a *App) PutWeighting(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in struct {
		Enabled bool            `json:"enabled"`
		Margins surveys.Margins `json:"margins"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	w, err := a.svc.SetWeighting(c.Request().Context(), id, in.Enabled, in.Margins)
	if err != nil {
		return err
	}
	a.audit(c, "survey.weighting", &id, nil, fmt.Sprintf("enabled=%t variables=%d", in.Enabled, len(in.Margins)))
	return c.JSON(http.StatusOK, w)
}

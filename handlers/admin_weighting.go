package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys/stats"
)

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
		Enabled bool          `json:"enabled"`
		Margins stats.Margins `json:"margins"`
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

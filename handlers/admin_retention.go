package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/models"
)

// GetRetention handles GET /api/v1/admin/retention: every published
// survey's retention period (when it closed, when its identifying data is
// due to be purged, whether it was) and the rows still holding such data.
func (a *App) GetRetention(c echo.Context) error {
	st, err := a.svc.RetentionStatuses(a.cfg.Clock())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"surveys": st})
}

// PostRetentionPurge handles POST /api/v1/admin/retention/purge: run the
// retention purge now (what the background job does every hour) and say
// what it cleared. Only surveys whose period is over are purged; each
// purge is audited under the admin who asked.
func (a *App) PostRetentionPurge(c echo.Context) error {
	var by *models.User
	if s := current(c); s != nil {
		by = &s.User
	}
	res, err := a.svc.PurgeDue(a.cfg.Clock(), by)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"purged": res})
}

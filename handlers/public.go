package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// GetHealth handles GET /healthz: the backends in use, and 503 when the
// database does not answer.
func (a *App) GetHealth(c echo.Context) error {
	body := map[string]string{"status": "ok", "database": a.cfg.Database, "dedup": a.cfg.Dedup}
	if err := a.svc.Ping(); err != nil {
		body["status"] = "unavailable"
		return c.JSON(http.StatusServiceUnavailable, body)
	}
	return c.JSON(http.StatusOK, body)
}

// GetHome handles GET /: it sends visitors to the demo survey.
func (a *App) GetHome(c echo.Context) error {
	return c.Redirect(http.StatusFound, "/s/social-2022")
}

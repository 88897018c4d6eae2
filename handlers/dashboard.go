package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// DashboardPage is the data of the live results page template.
type DashboardPage struct {
	Slug, Title string
	Results     string // URL of the results endpoint
	Live        string // URL of the live endpoint
	Survey      string // URL of /s/{slug}
}

// GetDashboardPage handles GET /d/:slug, the live results page.
func (a *App) GetDashboardPage(c echo.Context) error {
	p, err := a.publicResults(c)
	if err != nil {
		return err
	}
	slug := url.PathEscape(p.Survey.Slug)
	c.Response().Header().Set("Cache-Control", "no-store")
	return a.render(c, http.StatusOK, "dashboard.html", DashboardPage{
		Slug:    p.Survey.Slug,
		Title:   p.Compiled.Def.Title,
		Results: "/api/v1/surveys/" + slug + "/results",
		Live:    "/api/v1/surveys/" + slug + "/live",
		Survey:  "/s/" + slug,
	})
}

package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// DashboardPage is the data of the live results page template.
type DashboardPage struct {
	Slug, Title string
	TitleEn     string // the English title, shown when the page is in English
	Results     string // URL of the results endpoint (with the share key)
	Live        string // URL of the live endpoint (with the share key)
	Survey      string // URL of /s/{slug}
	// LowSample and RankMinN are the survey's thresholds (greyed cells,
	// ranked units), stated in the page's fixed texts.
	LowSample, RankMinN float64
}

// GetDashboardPage handles GET /d/:slug[?key=SHAREKEY], the live results
// page. A share key in the address is passed on to the data URLs the page
// reads, so that a staff-only survey's link works for whoever holds it.
func (a *App) GetDashboardPage(c echo.Context) error {
	p, err := a.publicResults(c)
	if err != nil {
		return err
	}
	slug := url.PathEscape(p.Survey.Slug)
	query := ""
	if key := c.QueryParam("key"); key != "" {
		query = "?" + url.Values{"key": {key}}.Encode()
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return a.render(c, http.StatusOK, "dashboard.html", DashboardPage{
		Slug:    p.Survey.Slug,
		Title:   p.Compiled.Def.Title,
		TitleEn: p.Compiled.Def.TitleEn,
		Results: "/api/v1/surveys/" + slug + "/results" + query,
		Live:    "/api/v1/surveys/" + slug + "/live" + query,
		Survey:  "/s/" + slug,

		LowSample: p.Compiled.Def.LowSample(),
		RankMinN:  p.Compiled.Def.RankMinN(),
	})
}

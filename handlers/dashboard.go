package handlers

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
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
	// Unit and UnitName are set on a unit's page (/d/{slug}/u/{unit}):
	// Results then asks for that unit's body.
	Unit, UnitName string
	// Dashboard is the URL of the whole survey's dashboard (with the share key).
	Dashboard string
}

// GetDashboardPage handles GET /d/:slug[?key=SHAREKEY], the live results
// page. A share key in the address is passed on to the data URLs the page
// reads, so that a staff-only survey's link works for whoever holds it.
func (a *App) GetDashboardPage(c echo.Context) error {
	p, err := a.publicResults(c)
	if err != nil {
		return err
	}
	return a.dashboardPage(c, p, nil)
}

// GetUnitDashboardPage handles GET /d/:slug/u/:unit[?key=SHAREKEY]: one
// unit's results, on its category's areas, with its rank range in the
// category and its breakdowns.
func (a *App) GetUnitDashboardPage(c echo.Context) error {
	p, err := a.publicResults(c)
	if err != nil {
		return err
	}
	u := p.Compiled.Unit(c.Param("unit"))
	if u == nil {
		return surveys.ErrUnknownUnit
	}
	return a.dashboardPage(c, p, u)
}

func (a *App) dashboardPage(c echo.Context, p *surveys.Published, unit *questionnaire.Unit) error {
	slug := url.PathEscape(p.Survey.Slug)
	params := url.Values{}
	if key := c.QueryParam("key"); key != "" {
		params.Set("key", key)
	}
	query := ""
	if len(params) > 0 {
		query = "?" + params.Encode()
	}
	page := DashboardPage{
		Slug:      p.Survey.Slug,
		Title:     p.Compiled.Def.Title,
		TitleEn:   p.Compiled.Def.TitleEn,
		Results:   "/api/v1/surveys/" + slug + "/results" + query,
		Live:      "/api/v1/surveys/" + slug + "/live" + query,
		Survey:    "/s/" + slug,
		Dashboard: "/d/" + slug + query,
		LowSample: p.Compiled.Def.LowSample(),
		RankMinN:  p.Compiled.Def.RankMinN(),
	}
	if unit != nil {
		params.Set("unit", unit.Code)
		page.Unit, page.UnitName = unit.Code, unit.Name
		page.Results = "/api/v1/surveys/" + slug + "/results?" + params.Encode()
		page.Survey = "/s/" + slug + "/u/" + url.PathEscape(unit.Code)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return a.render(c, http.StatusOK, "dashboard.html", page)
}

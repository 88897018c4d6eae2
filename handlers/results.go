package handlers

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// GetResults handles GET /api/v1/surveys/:slug/results[?unit=CODE]
// [&units=1][&flagged=include|exclude][&by=town|age|gender][&weighted=1]
// [&channel=web|cati] (one channel's responses, counted from the raw rows)
// [&key=SHARE]. The per-unit blocks come only with units=1 (or one unit's
// figures with unit=CODE); the previous year's Δ only when the reader may
// read that survey too.
func (a *App) GetResults(c echo.Context) error {
	p, err := a.publicResults(c)
	if err != nil {
		return err
	}
	var exclude bool
	switch c.QueryParam("flagged") {
	case "", "include":
	case "exclude":
		exclude = true
	default:
		return &questionnaire.InvalidError{Fields: map[string]string{
			"flagged": "须为 include 或 exclude must be include or exclude",
		}}
	}
	q := surveys.ResultsQuery{Unit: c.QueryParam("unit"), By: c.QueryParam("by"), ExcludeFlagged: exclude, Category: c.QueryParam("category"), Channel: c.QueryParam("channel")}
	if q.Weighted, err = flagParam(c, "weighted"); err != nil {
		return err
	}
	view, err := a.resultsView(c, p)
	if err != nil {
		return err
	}
	// A category's body is its units' ranking: it carries them unasked.
	view.Units = view.Units || q.Category != ""
	r, err := a.svc.Results(p.Survey.Slug, q)
	if err != nil {
		return err
	}
	return a.serveResults(c, resultsKey(p.Survey.Slug, q), r, view)
}

// resultsKey names a query's results among the encoded bodies.
func resultsKey(slug string, q surveys.ResultsQuery) string {
	return fmt.Sprintf("%s|%s|%s|%s|%t|%t|%s", slug, q.Unit, q.By, q.Category, q.ExcludeFlagged, q.Weighted, q.Channel)
}

// flagParam reads an on/off query parameter: 1/true, or 0/false/absent.
func flagParam(c echo.Context, name string) (bool, error) {
	switch c.QueryParam(name) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, &questionnaire.InvalidError{Fields: map[string]string{
		name: "须为 1 或 0 must be 1 or 0",
	}}
}

// resultsView says what of p's results this request gets: the per-unit
// blocks when it asks for them with units=1, and the comparison with the
// previous year's survey when the reader may read that survey's results
// too (a share key opens one survey only).
func (a *App) resultsView(c echo.Context, p *surveys.Published) (surveys.ResultsView, error) {
	var v surveys.ResultsView
	var err error
	if v.Units, err = flagParam(c, "units"); err != nil {
		return v, err
	}
	if prev := p.Compiled.Def.Previous; prev != "" {
		if pp, err := a.svc.Published(prev); err == nil {
			v.Previous = a.mayReadResults(c, pp, false) == nil
		}
	}
	return v, nil
}

// publicResults returns the survey when the request may see its results:
// anyone when they are public; for staff-only results, a signed-in staff
// user who may read that survey (an admin, its owner or a member) or a
// valid, unrevoked share key in ?key=.
func (a *App) publicResults(c echo.Context) (*surveys.Published, error) {
	p, err := a.published(c)
	if err != nil {
		return nil, err
	}
	if err := a.mayReadResults(c, p, true); err != nil {
		return nil, err
	}
	return p, nil
}

// mayReadResults says whether the request may see p's results: anyone
// when they are public; for staff-only results, a signed-in staff user
// who may read that survey (an admin, its owner or a member) or, when
// withKey, a valid, unrevoked share key in ?key=.
func (a *App) mayReadResults(c echo.Context, p *surveys.Published, withKey bool) error {
	if p.Compiled.Def.Results == questionnaire.ResultsPublic {
		return nil
	}
	key := c.QueryParam("key")
	if !withKey {
		key = ""
	}
	if key != "" {
		ok, err := a.svc.ShareKeyValid(p.Survey.ID, key)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	if sess, err := a.session(c); err == nil && staff.RoleAtLeast(sess.User.Role, models.RoleViewer) {
		// Staff read staff-only results of the surveys they are readers of or more.
		acc, err := a.svc.SurveyAccess(sess.User, p.Survey.ID)
		if err != nil {
			return err
		}
		if acc >= surveys.AccessRead {
			return nil
		}
		if key == "" {
			return errResultsMembers
		}
	}
	if key != "" {
		return errShareKey
	}
	return errResultsPrivate
}

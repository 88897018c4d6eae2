package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// GetResults handles GET /api/v1/surveys/:slug/results[?unit=CODE]
// [&flagged=include|exclude][&by=town|age|gender][&weighted=1][&key=SHARE].
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
	q := surveys.ResultsQuery{Unit: c.QueryParam("unit"), By: c.QueryParam("by"), ExcludeFlagged: exclude, Category: c.QueryParam("category")}
	switch c.QueryParam("weighted") {
	case "", "0", "false":
	case "1", "true":
		q.Weighted = true
	default:
		return &questionnaire.InvalidError{Fields: map[string]string{
			"weighted": "须为 1 或 0 must be 1 or 0",
		}}
	}
	r, err := a.svc.Results(p.Survey.Slug, q)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, r)
}

// publicResults returns the survey when the request may see its results:
// anyone when they are public; for staff-only results, a signed-in staff
// user (viewer and up) or a valid, unrevoked share key in ?key=.
func (a *App) publicResults(c echo.Context) (*surveys.Published, error) {
	p, err := a.published(c)
	if err != nil {
		return nil, err
	}
	if p.Compiled.Def.Results == questionnaire.ResultsPublic {
		return p, nil
	}
	key := c.QueryParam("key")
	if key != "" {
		ok, err := a.svc.ShareKeyValid(p.Survey.ID, key)
		if err != nil {
			return nil, err
		}
		if ok {
			return p, nil
		}
	}
	if sess, err := a.session(c); err == nil && staff.RoleAtLeast(sess.User.Role, models.RoleViewer) {
		return p, nil
	}
	if key != "" {
		return nil, errShareKey
	}
	return nil, errResultsPrivate
}

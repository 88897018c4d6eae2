package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// GetAdminSurveys handles GET /api/v1/admin/surveys: the surveys the user
// may see (all for an admin) with status, response count, owner and access.
func (a *App) GetAdminSurveys(c echo.Context) error {
	list, err := a.svc.SurveyListFor(current(c).User)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"surveys": list})
}

// PostAdminSurvey handles POST /api/v1/admin/surveys: a new survey from a
// template, a copy of another survey, or an imported definition.
func (a *App) PostAdminSurvey(c echo.Context) error {
	var in surveys.NewSurvey
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.CopyOf != 0 {
		// Only a survey the user may read can be copied.
		if err := a.requireSurvey(c, in.CopyOf, surveys.AccessRead); err != nil {
			return err
		}
	}
	in.Owner = current(c).User.ID
	id, err := a.svc.CreateSurvey(in)
	if err != nil {
		return err
	}
	from := "template " + in.Template
	switch {
	case in.Definition != nil:
		from = "import"
	case in.CopyOf != 0:
		from = fmt.Sprintf("copy of survey %d", in.CopyOf)
	}
	a.audit(c, "survey.create", &id, nil, from)
	return c.JSON(http.StatusCreated, map[string]uint64{"id": id})
}

// GetAdminSurvey handles GET /api/v1/admin/surveys/:id.
func (a *App) GetAdminSurvey(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d, err := a.svc.SurveyDetail(id)
	if err != nil {
		return err
	}
	d.Access = surveyAccess(c).For(current(c).User)
	total, used, err := a.svc.TokenCounts(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"survey": d, "tokens": tokenCounts{total, used, total - used}})
}

// PutDraft handles PUT /api/v1/admin/surveys/:id/draft: the whole draft
// definition; refused whole (422 with a reason per field path) when invalid.
func (a *App) PutDraft(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var def questionnaire.Definition
	if err := bindJSON(c, &def); err != nil {
		return err
	}
	v, err := a.svc.SaveDraft(id, &def)
	if err != nil {
		return err
	}
	a.audit(c, "survey.edit", &id, &v, "")
	return c.JSON(http.StatusOK, map[string]uint64{"draft_version": v})
}

// PostPublish handles POST /api/v1/admin/surveys/:id/publish.
func (a *App) PostPublish(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	v, err := a.svc.Publish(id)
	if err != nil {
		return err
	}
	a.audit(c, "survey.publish", &id, &v, "")
	return c.JSON(http.StatusOK, map[string]uint64{"published_version": v})
}

// PostClose handles POST /api/v1/admin/surveys/:id/close.
func (a *App) PostClose(c echo.Context) error { return a.setOpen(c, false) }

// PostReopen handles POST /api/v1/admin/surveys/:id/reopen.
func (a *App) PostReopen(c echo.Context) error { return a.setOpen(c, true) }

func (a *App) setOpen(c echo.Context, open bool) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := a.svc.SetOpen(id, open); err != nil {
		return err
	}
	action := "survey.close"
	if open {
		action = "survey.reopen"
	}
	a.audit(c, action, &id, nil, "")
	return c.NoContent(http.StatusNoContent)
}

// GetDefinitionExport handles GET /api/v1/admin/surveys/:id/definition
// [?version=draft|published]: the definition as a JSON file, the same
// format POST /api/v1/admin/surveys takes as "definition".
func (a *App) GetDefinitionExport(c echo.Context) error {
	id, def, err := a.requestedDefinition(c)
	if err != nil {
		return err
	}
	a.audit(c, "survey.export", &id, nil, "definition")
	c.Response().Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.json"`, def.Slug))
	return c.JSONPretty(http.StatusOK, def, "  ")
}

// requestedDefinition returns the survey id of the route and its draft
// definition, or its published one with ?version=published (or when there
// is no draft).
func (a *App) requestedDefinition(c echo.Context) (uint64, *questionnaire.Definition, error) {
	id, err := idParam(c)
	if err != nil {
		return 0, nil, err
	}
	d, err := a.svc.SurveyDetail(id)
	if err != nil {
		return 0, nil, err
	}
	def := d.DraftDefinition
	if c.QueryParam("version") == "published" || def == nil {
		def = d.PublishedDefinition
	}
	if def == nil {
		return 0, nil, errBadID
	}
	return id, def, nil
}

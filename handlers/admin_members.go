package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
)

// GetMembers handles GET /api/v1/admin/surveys/:id/members: the survey's
// owner and its collaborators and readers (owner or admin only).
func (a *App) GetMembers(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	m, err := a.svc.SurveyMembers(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

// PutMembers handles PUT /api/v1/admin/surveys/:id/members: {"members":
// [{"user_id" or "name", "role": "collaborator"|"reader"}], "owner"?: {...}}
// replaces the whole list (and hands the survey over when "owner" is
// given); refused whole (422 per entry) when an entry is wrong. Audited.
func (a *App) PutMembers(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in surveys.MembersChange
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	m, err := a.svc.SetSurveyMembers(id, in)
	if err != nil {
		return err
	}
	var b strings.Builder
	if m.Owner != nil {
		b.WriteString("owner=" + m.Owner.Name)
	}
	for _, e := range m.Members {
		b.WriteString(" " + e.Role + "=" + e.Name)
	}
	a.audit(c, "survey.members", &id, nil, limitText(strings.TrimSpace(b.String())))
	return c.JSON(http.StatusOK, m)
}

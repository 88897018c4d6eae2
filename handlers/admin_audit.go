package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/models"
)

// auditBody is an audit log entry as the API shows it.
type auditBody struct {
	ID        uint64    `json:"id"`
	At        time.Time `json:"at"`
	UserID    *uint64   `json:"user_id"`
	UserName  string    `json:"user_name"`
	Action    string    `json:"action"`
	SurveyID  *uint64   `json:"survey_id"`
	VersionID *uint64   `json:"version_id"`
	Detail    string    `json:"detail"`
}

func auditOut(e models.AuditEntry) auditBody {
	return auditBody{e.ID, e.At, e.UserID, e.UserName, e.Action, e.SurveyID, e.VersionID, e.Detail}
}

// GetAudit handles GET /api/v1/admin/audit[?before=ID]: newest first, 200 a page.
func (a *App) GetAudit(c echo.Context) error {
	before, _ := strconv.ParseUint(c.QueryParam("before"), 10, 64)
	es, err := a.staff.AuditLog(before, 200)
	if err != nil {
		return err
	}
	out := make([]auditBody, len(es))
	for i, e := range es {
		out[i] = auditOut(e)
	}
	return c.JSON(http.StatusOK, map[string]any{"entries": out})
}

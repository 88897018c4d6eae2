package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// GetResponsesCSV handles GET /api/v1/admin/surveys/:id/responses.csv: every
// raw response as CSV (UTF-8 with BOM), streamed. Audited.
func (a *App) GetResponsesCSV(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	d, err := a.svc.SurveyDetail(id)
	if err != nil {
		return err
	}
	a.audit(c, "survey.export", &id, nil, "responses csv")
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-responses.csv"`, d.Slug))
	w.Header().Set("Cache-Control", "no-store")
	// A large export outlasts the server's write timeout; it streams as it reads.
	_ = http.NewResponseController(w.Writer).SetWriteDeadline(time.Time{})
	w.WriteHeader(http.StatusOK)
	if err := a.svc.ExportCSV(w, id); err != nil {
		// The status is sent; all that is left is to say so in the log and
		// cut the body short, so the download shows as failed.
		c.Logger().Errorf("export survey %d: %v", id, err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// GetResponsesXLSX handles GET /api/v1/admin/surveys/:id/responses.xlsx.
func (a *App) GetResponsesXLSX(c echo.Context) error {
	return echo.NewHTTPError(http.StatusNotImplemented)
}

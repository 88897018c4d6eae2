package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"
)

// MaxRosterBytes bounds a roster upload (500,000 numbers with unit codes).
const MaxRosterBytes = 16 << 20

// GetRoster handles GET /api/v1/admin/surveys/:id/roster: how many numbers
// the phone roster holds, in all and per unit ({"numbers", "units"}).
func (a *App) GetRoster(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	res, err := a.svc.Roster(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// PutRoster handles PUT /api/v1/admin/surveys/:id/roster: a CSV file
// (phone[,unit] a line; text/csv) that becomes the published phone-mode
// survey's whole roster; an empty file removes it. → {"numbers", "units",
// "duplicates", "invalid": [{"line", "error"}]}.
func (a *App) PutRoster(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != "text/csv" && mt != "text/plain" && mt != "application/vnd.ms-excel" {
		return &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "请以 text/csv 上传名单 send the roster as text/csv"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxRosterBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &apiError{http.StatusRequestEntityTooLarge, "too_large", "名单文件超过16MB the roster is larger than 16 MB"}
	case err != nil:
		return errMalformedBody
	}
	res, err := a.svc.ReplaceRoster(id, bytes.NewReader(body))
	if err != nil {
		return err
	}
	a.audit(c, "phone.roster", &id, nil, "")
	return c.JSON(http.StatusOK, res)
}

package handlers

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// MaxSampleBytes is the largest sample file accepted (200,000 rows with notes).
const MaxSampleBytes = 32 << 20

// GetCatiPage handles GET /cati, the interviewer's console.
func (a *App) GetCatiPage(c echo.Context) error {
	return a.adminPage(c, "cati.html", 0)
}

// GetCatiSurveys handles GET /api/v1/cati/surveys: the surveys open for
// telephone work.
func (a *App) GetCatiSurveys(c echo.Context) error {
	list, err := a.svc.CatiSurveys(a.cfg.Clock())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"surveys": list})
}

// PostCatiSample handles POST /api/v1/admin/surveys/:id/cati/sample: a CSV
// file (phone,unit[,note]; text/csv) or {"rdd": {"prefixes", "count",
// "unit"}} (application/json) → {"added", "duplicates", "do_not_call",
// "invalid": [{"line", "error"}]}.
func (a *App) PostCatiSample(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationJSON && mt != "text/csv" && mt != "text/plain" && mt != "application/vnd.ms-excel" {
		return &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "请以 text/csv 上传样本文件，或以 application/json 提交随机拨号 send the sample as text/csv, or random dialling as application/json"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxSampleBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &apiError{http.StatusRequestEntityTooLarge, "too_large", "样本文件超过32MB，请分批上传 the sample is larger than 32 MB; upload it in parts"}
	case err != nil:
		return errMalformedBody
	}
	now := a.cfg.Clock()
	var res surveys.SampleResult
	if mt == echo.MIMEApplicationJSON {
		rdd, _ := surveys.ParseSampleBody(body)
		if rdd == nil || len(rdd.Prefixes) == 0 {
			return &questionnaire.InvalidError{Fields: map[string]string{"rdd": "请给出 rdd.prefixes 与 rdd.count give rdd.prefixes and rdd.count"}}
		}
		res, err = a.svc.AddRDD(id, *rdd, now)
	} else {
		res, err = a.svc.AddSample(id, strings.NewReader(string(body)), now)
	}
	if err != nil {
		return err
	}
	a.audit(c, "cati.sample", &id, nil, "")
	return c.JSON(http.StatusOK, res)
}

// GetCatiSettings handles GET /api/v1/admin/surveys/:id/cati/settings.
func (a *App) GetCatiSettings(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if _, err := a.svc.SurveyDetail(id); err != nil {
		return err
	}
	st, _, err := a.svc.CatiSettingsOf(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}

// PutCatiSettings handles PUT /api/v1/admin/surveys/:id/cati/settings:
// {"config": {...}, "targets": {unit: n}, "quotas": [{"unit", "cell", "target"}]}.
func (a *App) PutCatiSettings(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in surveys.CatiSettings
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := a.svc.PutCatiSettings(id, in); err != nil {
		return err
	}
	a.audit(c, "cati.settings", &id, nil, "")
	return c.JSON(http.StatusOK, in)
}

// GetCatiReport handles GET /api/v1/admin/surveys/:id/cati/report.
func (a *App) GetCatiReport(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := a.svc.FieldworkReport(id, a.cfg.Clock())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, r)
}

// PostCatiNext handles POST /api/v1/cati/surveys/:id/next: 200 with the
// case held for the interviewer, or 204 when none is due.
func (a *App) PostCatiNext(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	cs, err := a.svc.NextCase(id, current(c).User.ID, a.cfg.Clock())
	if errors.Is(err, surveys.ErrNoCase) {
		return c.NoContent(http.StatusNoContent)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, cs)
}

// PostCatiScreen handles POST /api/v1/cati/cases/:id/screen {"town", "age",
// "gender"}: 200 with the slots reserved, 409 quota_full.
func (a *App) PostCatiScreen(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in map[string]string
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if err := a.svc.Screen(id, current(c).User.ID, in, a.cfg.Clock()); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"case_id": id, "status": "screened"})
}

// PostCatiResponse handles POST /api/v1/cati/cases/:id/responses: the web
// submission body → 201 (200 for a retry of the same submission_id).
func (a *App) PostCatiResponse(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	sub, err := readSubmission(c)
	if err != nil {
		return err
	}
	res, err := a.svc.Interview(c.Request().Context(), id, current(c).User.ID, sub, a.cfg.Clock())
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Replay {
		status = http.StatusOK
	}
	return c.JSON(status, map[string]string{"response_id": res.ResponseID, "status": "accepted"})
}

// PostCatiOutcome handles POST /api/v1/cati/cases/:id/outcome {"code",
// "callback_at"?, "note"?, "started_at"?, "do_not_call"?}.
func (a *App) PostCatiOutcome(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in surveys.CallOutcome
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	out, err := a.svc.RecordOutcome(id, current(c).User.ID, in, a.cfg.Clock())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

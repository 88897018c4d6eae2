package handlers

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys/export"
)

// MIMEXLSX is the media type of an Excel workbook.
const MIMEXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// GetResponsesCSV handles GET /api/v1/admin/surveys/:id/responses.csv: every
// raw response as CSV (UTF-8 with BOM), streamed. Audited.
func (a *App) GetResponsesCSV(c echo.Context) error {
	return a.exportResponses(c, "csv", "text/csv; charset=utf-8", (*export.Export).WriteCSV)
}

// GetResponsesXLSX handles GET /api/v1/admin/surveys/:id/responses.xlsx:
// every raw response and the survey's results by area and by unit as an
// Excel workbook. Audited.
func (a *App) GetResponsesXLSX(c echo.Context) error {
	// A workbook of 10^6 responses takes minutes, ~50 MB and a temporary
	// file of ~2.3 GB while it is built: a few at a time per instance.
	select {
	case a.workbooks <- struct{}{}:
		defer func() { <-a.workbooks }()
	default:
		c.Response().Header().Set("Retry-After", "60")
		return errWorkbooksBusy
	}
	return a.exportResponses(c, "xlsx", MIMEXLSX, (*export.Export).WriteXLSX)
}

// maxWorkbooks is how many workbook exports an instance builds at once.
const maxWorkbooks = 2

var errWorkbooksBusy = &apiError{http.StatusTooManyRequests, "rate_limited", "正在生成的Excel文件过多，请一分钟后再试，或改用CSV too many workbooks are being built; try again in a minute, or export CSV"}

// exportResponses sends a survey's responses as a file attachment written
// by write. The status and headers go out with the first byte, so a
// failure before it is an ordinary JSON error; after it, the body is cut
// short so that the download shows as failed.
func (a *App) exportResponses(c echo.Context, ext, ctype string,
	write func(*export.Export, context.Context, io.Writer) error) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	e, err := a.svc.NewExport(id)
	if err != nil {
		return err
	}
	a.audit(c, "survey.export", &id, nil, "responses "+ext)
	w := c.Response()
	// A large export outlasts the server's write timeout; a reader that
	// stops taking bytes for ExportStall is cut off instead, so that it
	// does not hold an export slot and a connection for ever.
	att := &attachment{w: w, ctype: ctype, filename: fmt.Sprintf("%s-responses.%s", e.Slug, ext),
		rc: http.NewResponseController(w.Writer), stall: a.cfg.ExportStall}
	att.extend()
	if err := write(e, c.Request().Context(), att); err != nil {
		if c.Request().Context().Err() != nil {
			return nil // the client went away: no one to tell
		}
		if !w.Committed {
			return err
		}
		c.Logger().Errorf("export survey %d as %s: %v", id, ext, err)
		panic(http.ErrAbortHandler)
	}
	if !w.Committed {
		att.start()
	}
	return nil
}

// attachment is a download's body: its first write sends the status and
// the headers.
type attachment struct {
	w               *echo.Response
	ctype, filename string
	rc              *http.ResponseController
	stall           time.Duration
	deadline        time.Time // the write deadline set last
}

// extend moves the write deadline to stall from now, at most every tenth
// of stall: each write may wait that long for the reader.
func (a *attachment) extend() {
	now := time.Now()
	if now.Add(a.stall).Sub(a.deadline) < a.stall/10 {
		return
	}
	a.deadline = now.Add(a.stall)
	_ = a.rc.SetWriteDeadline(a.deadline)
}

func (a *attachment) start() {
	h := a.w.Header()
	h.Set(echo.HeaderContentType, a.ctype)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, a.filename))
	h.Set("Cache-Control", "no-store")
	a.w.WriteHeader(http.StatusOK)
}

// Write implements io.Writer.
func (a *attachment) Write(p []byte) (int, error) {
	if !a.w.Committed {
		a.start()
	}
	a.extend()
	return a.w.Write(p)
}

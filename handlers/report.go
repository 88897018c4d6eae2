package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/report"
)

// MIMEDOCX is the media type of a Word document.
const MIMEDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// reportRenderers hold the report's page template and its PDF writer (with
// the font, ~2.4 MB once decompressed), made on first use.
type reportRenderers struct {
	once sync.Once
	html *report.HTML
	pdf  *report.PDF
	err  error
}

func (r *reportRenderers) get() (*report.HTML, *report.PDF, error) {
	r.once.Do(func() {
		if r.html, r.err = report.NewHTML(); r.err == nil {
			r.pdf, r.err = report.NewPDF()
		}
	})
	return r.html, r.pdf, r.err
}

// reportQuery reads the report's choices: ?lang=zh|en, and flagged and
// weighted as /results takes them.
func reportQuery(c echo.Context) (surveys.ReportQuery, error) {
	var q surveys.ReportQuery
	switch c.QueryParam("lang") {
	case "", "zh":
		q.Lang = report.ZH
	case "en":
		q.Lang = report.EN
	default:
		return q, &questionnaire.InvalidError{Fields: map[string]string{"lang": "须为 zh 或 en must be zh or en"}}
	}
	switch c.QueryParam("flagged") {
	case "", "include":
	case "exclude":
		q.ExcludeFlagged = true
	default:
		return q, &questionnaire.InvalidError{Fields: map[string]string{
			"flagged": "须为 include 或 exclude must be include or exclude",
		}}
	}
	var err error
	q.Weighted, err = flagParam(c, "weighted")
	return q, err
}

// GetReportPage handles GET /r/:slug[?lang=en][&flagged=exclude]
// [&weighted=1][&key=SHARE]: the published report (公报) as a printable
// page. Public when the results are; staff or a share key otherwise; not
// found when the report is internal only.
func (a *App) GetReportPage(c echo.Context) error {
	p, err := a.published(c)
	if err != nil {
		return err
	}
	if p.ReportInternal() {
		return surveys.ErrNotFound
	}
	if err := a.mayReadResults(c, p, true); err != nil {
		return err
	}
	q, err := reportQuery(c)
	if err != nil {
		return err
	}
	view, err := a.resultsView(c, p)
	if err != nil {
		return err
	}
	q.Previous = view.Previous
	doc, err := a.svc.ReportOf(c.Request().Context(), p, q)
	if err != nil {
		return err
	}
	html, _, err := a.reports.get()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := html.Render(&buf, doc, a.assets["report.css"]); err != nil {
		return err
	}
	if p.Compiled.Def.Results != questionnaire.ResultsPublic {
		c.Response().Header().Set(echo.HeaderCacheControl, "private, no-store")
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

// GetReportPDF handles GET /api/v1/admin/surveys/:id/report.pdf[?lang=en]
// [&flagged=exclude][&weighted=1]: the report as PDF. Audited.
func (a *App) GetReportPDF(c echo.Context) error {
	return a.adminReport(c, "pdf", "application/pdf", func(d *report.Document, buf *bytes.Buffer) error {
		_, pdf, err := a.reports.get()
		if err != nil {
			return err
		}
		return pdf.Render(buf, d)
	})
}

// GetReportDOCX handles GET /api/v1/admin/surveys/:id/report.docx[?lang=en]
// [&flagged=exclude][&weighted=1]: the report as a Word document for staff
// to edit before release. Audited.
func (a *App) GetReportDOCX(c echo.Context) error {
	return a.adminReport(c, "docx", MIMEDOCX, func(d *report.Document, buf *bytes.Buffer) error {
		return report.DOCX(buf, d)
	})
}

// adminReport builds survey :id's report and sends it as an attachment
// written by render (whole, so that a failure is an ordinary error).
func (a *App) adminReport(c echo.Context, ext, ctype string, render func(*report.Document, *bytes.Buffer) error) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	q, err := reportQuery(c)
	if err != nil {
		return err
	}
	q.Previous = true // staff read every survey's results
	doc, err := a.svc.Report(c.Request().Context(), id, q)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := render(doc, &buf); err != nil {
		return err
	}
	a.audit(c, "survey.report", &id, nil, ext+" "+string(q.Lang))
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="report-%d-%s.%s"`, id, q.Lang, ext))
	h.Set(echo.HeaderCacheControl, "private, no-store")
	return c.Blob(http.StatusOK, ctype, buf.Bytes())
}

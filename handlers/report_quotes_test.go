package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// TestReportQuotes: the designer's report.quotes are refused with the
// path of the bad quote, and once saved are printed in "what residents
// said" of the HTML page, the PDF and the Word file; the residents'
// comments themselves never are.
func TestReportQuotes(t *testing.T) {
	quotes := []string{"小区门口的路灯修好了，晚上出门安心多了。", "希望社区医院周末也能开门看病。"}
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d := signIn(t, in, models.RoleDesigner)
			bad := reportDefinition("quotes-2023", questionnaire.ResultsStaff, false)
			bad.Report.Quotes = []string{quotes[0], strings.Repeat("长", questionnaire.MaxReportQuoteChars+1)}
			rep := d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"slug": bad.Slug, "title": bad.Title, "definition": bad})
			if rep.Status != 422 || !strings.Contains(string(rep.Raw), "report.quotes[1]") {
				t.Fatalf("an over-long quote: %d %s, want 422 naming report.quotes[1]", rep.Status, rep.Raw)
			}
			def := reportDefinition("quotes-2023", questionnaire.ResultsStaff, false)
			def.Report.Quotes = quotes
			id := publishDefinition(t, d, def)
			answerReportSurvey(t, in, "quotes-2023")
			page := d.do(http.MethodGet, "/r/quotes-2023", nil)
			pdf := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/report.pdf", id), nil)
			docx := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/report.docx", id), nil)
			for _, r := range []reply{page, pdf, docx} {
				if r.Status != 200 {
					t.Fatalf("report: %d %s", r.Status, r.Raw)
				}
			}
			formats := map[string][]string{"html": htmlRows(page.Raw), "docx": docxRows(t, docx.Raw), "pdf": pdfRows(t, pdf.Raw)}
			for format, rows := range formats {
				text := strings.Join(strings.Fields(strings.Join(rows, "")), "")
				for _, q := range append([]string{"以下意见由调查工作人员选录"}, quotes...) {
					if !strings.Contains(text, q) {
						t.Errorf("%s: no quote %q in\n%s", format, q, text)
					}
				}
				if strings.Contains(text, "希望多建停车位") {
					t.Errorf("%s: a resident's comment printed", format)
				}
			}
		})
	}
}

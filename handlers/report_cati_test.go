package handlers_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// TestReportTelephoneRates: a survey with telephone completes and other
// dispositions — the report's methods box in HTML, PDF and DOCX states the
// web and telephone shares and the AAPOR rates of /results.
func TestReportTelephoneRates(t *testing.T) {
	for _, r := range catiRigs(t) {
		t.Run(r.name, func(t *testing.T) {
			before, err := r.a.Svc.UncachedResults(slug, surveys.ResultsQuery{})
			if err != nil {
				t.Fatal(err)
			}
			admin := signIn(t, r.a, models.RoleAdmin) // the demo survey has no owner: admins supervise it
			upload(t, admin, r.surveyID, phones(7))
			iv := r.interviewers(t, "rate", 1)[0]
			scr := screening(t, r.a, "f")
			// Three completes, a refusal, a non-working number, a no answer and one not yet called.
			for i, code := range []string{"1.1", "1.1", "1.1", "2.11", "4.3", "3.13"} {
				id := caseID(t, iv.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/surveys/%d/next", r.surveyID), nil))
				if code != "1.1" {
					if rep := iv.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/outcome", id), map[string]any{"code": code}); rep.Status != 200 {
						t.Fatalf("outcome %s: %d %s", code, rep.Status, rep.Raw)
					}
					continue
				}
				if rep := iv.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/screen", id), scr); rep.Status != 200 {
					t.Fatalf("screen: %d %s", rep.Status, rep.Raw)
				}
				body := interviewBody(t, r.a, uint64(100+i), scr, r.clock.Now().Add(-4*time.Minute))
				body["submission_id"] = fmt.Sprintf("00000000-0000-4000-8000-%012d", 500+i)
				if rep := iv.do(http.MethodPost, fmt.Sprintf("/api/v1/cati/cases/%d/responses", id), body); rep.Status != 201 {
					t.Fatalf("interview: %d %s", rep.Status, rep.Raw)
				}
			}
			waitCounted(t, r.a, slug, before.Responses+3)
			var res stats.Results
			rep := admin.do(http.MethodGet, "/api/v1/surveys/"+slug+"/results", nil)
			if rep.Status != 200 || json.Unmarshal(rep.Raw, &res) != nil {
				t.Fatalf("results: %d %s", rep.Status, rep.Raw)
			}
			if res.Channels["cati"] != 3 || res.ResponseRates["rr1"] == nil {
				t.Fatalf("results channels %v rates %v", res.Channels, res.ResponseRates)
			}
			pct := func(k string) string { return fmt.Sprintf("%s %.1f%%", strings.ToUpper(k), *res.ResponseRates[k]*100) }
			total := int64(res.Channels["web"] + res.Channels["cati"])
			want := []string{
				fmt.Sprintf("网络问卷 %.1f%%（%d）", float64(res.Channels["web"])*100/float64(total), res.Channels["web"]),
				fmt.Sprintf("电话调查 %.1f%%（3）", 300/float64(total)),
				pct("rr1"), pct("rr3"), pct("coop1"), pct("ref1"), pct("con1"),
				fmt.Sprintf("按比例法估计为 %.3f", *res.ResponseRates["e"]),
			}
			page := admin.do(http.MethodGet, "/r/"+slug, nil)
			pdf := admin.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/report.pdf", r.surveyID), nil)
			docx := admin.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/report.docx", r.surveyID), nil)
			for _, r := range []reply{page, pdf, docx} {
				if r.Status != 200 {
					t.Fatalf("report: %d %s", r.Status, r.Raw)
				}
			}
			formats := map[string][]string{"html": htmlRows(page.Raw), "docx": docxRows(t, docx.Raw), "pdf": pdfRows(t, pdf.Raw)}
			for format, rows := range formats {
				// The PDF wraps long lines: look in its text as one string.
				text := strings.Join(rows, "")
				text = strings.Join(strings.Fields(text), " ")
				for _, w := range want {
					if !strings.Contains(strings.ReplaceAll(text, " ", ""), strings.ReplaceAll(w, " ", "")) {
						t.Errorf("%s: no %q in\n%s", format, w, text)
					}
				}
			}
		})
	}
}

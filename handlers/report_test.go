package handlers_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// reportDefinition is smallDefinition with a third town (潭门, for a cell
// under k), a comment question and a suppression threshold of 3.
func reportDefinition(slug, results string, internal bool) questionnaire.Definition {
	def := smallDefinition(slug, 2023, results, "")
	def.Extra[0].Options = append(def.Extra[0].Options, questionnaire.Option{Code: "t3", Label: "t3组"})
	def.Extra = append(def.Extra, questionnaire.Question{Code: "comment", Kind: questionnaire.KindText, Text: "意见？", Role: questionnaire.RoleComment})
	def.Report = &questionnaire.ReportOptions{SuppressK: 3, Internal: internal, Issuer: "测试市统计局"}
	return def
}

// answerReportSurvey gives the twelve responses of TestResultsByHand
// (pattern 1 a speeder, so flagged), each with a comment, and two more
// from town t3.
func answerReportSurvey(t *testing.T, in *instance, slug string) {
	t.Helper()
	for range 3 {
		for i, p := range patterns {
			answers := map[string]any{"comment": "希望多建停车位"}
			for k, v := range p["answers"].(map[string]any) {
				answers[k] = v
			}
			body := map[string]any{"unit": p["unit"], "answers": answers}
			if i == 1 {
				body["started_at"] = time.Now().Add(-time.Second).UTC().Format(time.RFC3339Nano)
			}
			answerAs(t, in, slug, body)
		}
	}
	for range 2 {
		answerAs(t, in, slug, map[string]any{"unit": "u2", "answers": map[string]any{"a1": "5", "a2": "5", "town": "t3", "age": "y", "gender": "m"}})
	}
	waitCounted(t, in, slug, 14)
}

var (
	tagPattern   = regexp.MustCompile(`<[^>]*>`)
	spacePattern = regexp.MustCompile(`\s+`)
)

// rowsText normalises table rows: cells joined by one space, marks of
// withheld cells (—a) dropped.
func rowsText(rows []string) []string {
	var out []string
	for _, r := range rows {
		r = strings.TrimSpace(spacePattern.ReplaceAllString(r, " "))
		r = strings.ReplaceAll(r, "—a", "—")
		r = strings.ReplaceAll(r, "— a", "—")
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

// htmlRows are the table rows and text of a report page.
func htmlRows(page []byte) []string {
	s := strings.ReplaceAll(string(page), "</td>", " </td>")
	s = strings.ReplaceAll(s, "</th>", " </th>")
	var rows []string
	for _, r := range strings.Split(s, "</tr>") {
		rows = append(rows, tagPattern.ReplaceAllString(r, " "))
	}
	return rowsText(rows)
}

// docxRows are the table rows and paragraphs of a DOCX's document.xml.
func docxRows(t *testing.T, b []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("docx: %v", err)
	}
	f, err := zr.Open("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	x, _ := io.ReadAll(f)
	s := docxRowPattern.ReplaceAllStringFunc(string(x), func(row string) string {
		row = strings.ReplaceAll(row, "</w:p>", " </w:p>")
		return tagPattern.ReplaceAllString(row, "") + "\n"
	})
	s = strings.ReplaceAll(s, "</w:p>", "\n")
	return rowsText(strings.Split(tagPattern.ReplaceAllString(s, ""), "\n"))
}

var docxRowPattern = regexp.MustCompile(`(?s)<w:tr[ >].*?</w:tr>`)

// pdfRows are the lines of a PDF as pdftotext -layout reads them (skipped
// when it is not installed, failed under MINYI_TEST_REQUIRE=1).
func pdfRows(t *testing.T, b []byte) []string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("MINYI_TEST_REQUIRE") == "1" {
			t.Fatal("pdftotext is required (Debian: poppler-utils)")
		}
		t.Skip("pdftotext not installed (Debian: poppler-utils)")
	}
	p := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", p, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return rowsText(strings.Split(string(out), "\n"))
}

// expectedRows are the report's rows for results body res: each area's
// row (with its Δ on last year, * when |Δ| > 1.96 SE_Δ), each unit's and
// the town breakdown's withheld cell. Without a comparison (last year
// is not weighted) there is no Δ column.
func expectedRows(t *testing.T, res *stats.Results, previous bool) []string {
	pct := func(v *float64) string { return fmt.Sprintf("%.2f%%", *v*100) }
	var want []string
	if previous && (res.Previous == nil || len(res.Previous.Areas) != len(res.Areas)) {
		t.Fatalf("results without last year: %+v", res.Previous)
	}
	for i, a := range res.Areas {
		delta := ""
		if previous {
			p := res.Previous.Areas[i]
			delta = fmt.Sprintf("%+.2f", *p.Delta)
			if p.DeltaSE != nil && *p.DeltaSE > 0 && math.Abs(*p.Delta) > 1.96**p.DeltaSE {
				delta += "*"
			}
		}
		want = append(want, strings.TrimSpace(fmt.Sprintf("%s %.2f %.2f–%.2f %s %s %s %d %s", a.Name, *a.Index, a.CI95[0], a.CI95[1],
			pct(a.Rate), pct(a.DissatisfiedRate), pct(a.DontKnowRate), a.N, delta)))
	}
	for _, u := range res.Units {
		want = append(want, fmt.Sprintf("未排名 %s %.2f %.2f–%.2f %d", u.Name, *u.Overall.Index, u.Overall.CI95[0], u.Overall.CI95[1], u.Responses))
	}
	return append(want, "t3组 — — —")
}

// weightedProfileRows are, per town label, the row the weighted report
// shows for it unless it is withheld: the unweighted count of responses
// and the weighting report's share of the town.
func weightedProfileRows(t *testing.T, d *staffClient, slug string, w *stats.WeightingReport) map[string]string {
	t.Helper()
	shares := w.Profile["town"]
	if shares == nil {
		t.Fatalf("weighting report without town shares: %+v", w)
	}
	var br stats.Results
	r := d.do(http.MethodGet, "/api/v1/surveys/"+slug+"/results?by=town", nil)
	if r.Status != 200 || json.Unmarshal(r.Raw, &br) != nil || br.Breakdown == nil {
		t.Fatalf("results by town: %d %s", r.Status, r.Raw)
	}
	rows := map[string]string{}
	var differs bool
	for _, c := range br.Breakdown.Cells {
		weighted, unweighted := fmt.Sprintf("%.1f%%", shares[c.Code]*100), fmt.Sprintf("%.1f%%", float64(c.Responses)*100/float64(br.Responses))
		rows[c.Label] = fmt.Sprintf("%s %d %s", c.Label, c.Responses, weighted)
		differs = differs || c.Responses >= 3 && weighted != unweighted
	}
	if !differs {
		t.Fatalf("weighted town shares %v are the unweighted ones: the check would mean nothing", shares)
	}
	return rows
}

func hasRow(rows []string, want string) bool {
	for _, r := range rows {
		if strings.Contains(r, want) {
			return true
		}
	}
	return false
}

// TestReportFiguresMatchResults: every figure of the report — HTML, PDF
// and DOCX — is the /results body's for the same flagged choice, the town
// under k and its complement show "—" in all three, and the report states
// when it was scored and from how many responses.
func TestReportFiguresMatchResults(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d := signIn(t, in, models.RoleDesigner)
			publishDefinition(t, d, smallDefinition("town-2022", 2022, questionnaire.ResultsPublic, ""))
			def := reportDefinition("town-2023", questionnaire.ResultsStaff, false)
			def.Previous = "town-2022"
			id := publishDefinition(t, d, def)
			// Last year: a1 100 and 60, a2 80 and 80.
			answerAs(t, in, "town-2022", map[string]any{"unit": "u1", "answers": map[string]any{"a1": "5", "a2": "4"}})
			answerAs(t, in, "town-2022", map[string]any{"unit": "u2", "answers": map[string]any{"a1": "3", "a2": "4"}})
			waitCounted(t, in, "town-2022", 2)
			answerReportSurvey(t, in, "town-2023")
			check := func(t *testing.T, choice string, previous bool) {
				var res stats.Results
				r := d.do(http.MethodGet, "/api/v1/surveys/town-2023/results?units=1&"+choice, nil)
				if r.Status != 200 || json.Unmarshal(r.Raw, &res) != nil {
					t.Fatalf("results: %d %s", r.Status, r.Raw)
				}
				page := d.do(http.MethodGet, "/r/town-2023?"+choice, nil)
				pdf := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/report.pdf?%s", id, choice), nil)
				docx := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/report.docx?%s", id, choice), nil)
				for _, r := range []reply{page, pdf, docx} {
					if r.Status != 200 {
						t.Fatalf("report: %d %s", r.Status, r.Raw)
					}
				}
				formats := map[string][]string{"html": htmlRows(page.Raw), "docx": docxRows(t, docx.Raw), "pdf": pdfRows(t, pdf.Raw)}
				want := expectedRows(t, &res, previous)
				want = append(want, fmt.Sprintf("%.2f", *res.Overall.Index), fmt.Sprintf("%d 份有效答卷", res.Responses),
					fmt.Sprintf("网络问卷 100.0%%（%d）", res.Responses), // every response came by the web
					fmt.Sprintf("共有 %d 位受访者留言", res.Responses-2))   // all but the two from t3 wrote
				if res.Weighting != nil {
					want = append(want, fmt.Sprintf("有效样本量 n_eff = %.1f", res.Weighting.NEff))
				}
				var profile map[string]string
				if res.Weighting != nil {
					profile = weightedProfileRows(t, d, "town-2023", res.Weighting)
				}
				for format, rows := range formats {
					for _, w := range want {
						if !hasRow(rows, w) {
							t.Errorf("%s: no %q in\n%s", format, w, strings.Join(rows, "\n"))
						}
					}
					for label, w := range profile { // a town not withheld shows its weighted share
						if !hasRow(rows, label+" — — —") && !hasRow(rows, w) {
							t.Errorf("%s: no %q (weighted share) in\n%s", format, w, strings.Join(rows, "\n"))
						}
					}
					// 潭门 (2) is withheld, and so is one of the other towns, else 14 − t1 − t2 gives it away.
					if hasRow(rows, "t1组 — — —") == hasRow(rows, "t2组 — — —") {
						t.Errorf("%s: want exactly one complementary town withheld", format)
					}
				}
			}
			t.Run("flagged included", func(t *testing.T) { check(t, "flagged=include", true) })
			t.Run("flagged excluded", func(t *testing.T) { check(t, "flagged=exclude", true) })
			// Weighted: men are 75% of the population (as in TestResultsByHand).
			wpath := fmt.Sprintf("/api/v1/admin/surveys/%d/weighting", id)
			if ok := d.do(http.MethodPut, wpath, map[string]any{"enabled": true, "margins": map[string]any{"gender": map[string]any{"m": 75, "f": 25}}}); ok.Status != 200 {
				t.Fatalf("weighting on: %d %s", ok.Status, ok.Raw)
			}
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
				if st := d.do(http.MethodGet, wpath, nil); st.Body["ready"] == true {
					break
				} else if time.Now().After(deadline) {
					t.Fatalf("weighting not ready: %s", st.Raw)
				}
			}
			t.Run("weighted", func(t *testing.T) { check(t, "weighted=1", false) })
		})
	}
}

// TestReportAccess: /r/ is public when the results are, for staff or a
// share key otherwise, and not found when the report is internal only;
// the PDF is for viewers and up, the DOCX for designers; the internal
// report carries 内部资料; the same inputs give the same bytes; ?lang=en
// writes the same report in English.
func TestReportAccess(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d := signIn(t, in, models.RoleDesigner)
			v := signIn(t, in, models.RoleViewer)
			staffID := publishDefinition(t, d, reportDefinition("staff-2023", questionnaire.ResultsStaff, false))
			internalID := publishDefinition(t, d, reportDefinition("inner-2023", questionnaire.ResultsPublic, true))
			addMember(t, in, staffID, v.name, models.MemberReader)
			addMember(t, in, internalID, v.name, models.MemberReader)
			answerReportSurvey(t, in, "staff-2023")
			anon := &http.Client{Timeout: 10 * time.Second}
			share := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/shares", staffID), map[string]any{"label": "领导"})
			key, _ := share.Body["key"].(string)
			if share.Status != http.StatusCreated || key == "" {
				t.Fatalf("share: %d %s", share.Status, share.Raw)
			}
			pdfURL := func(id uint64, q string) string { return fmt.Sprintf("/api/v1/admin/surveys/%d/report.pdf%s", id, q) }
			docxURL := func(id uint64) string { return fmt.Sprintf("/api/v1/admin/surveys/%d/report.docx", id) }
			cases := []struct {
				name string
				got  reply
				want int
			}{
				{"public report, anonymous", get(t, anon, in.URL+"/r/"+slug), 200},
				{"staff-only report, anonymous", get(t, anon, in.URL+"/r/staff-2023"), 403},
				{"staff-only report, share key", get(t, anon, in.URL+"/r/staff-2023?key="+key), 200},
				{"staff-only report, wrong key", get(t, anon, in.URL+"/r/staff-2023?key="+otherKey(key)), 403},
				{"staff-only report, viewer", v.do(http.MethodGet, "/r/staff-2023", nil), 200},
				{"internal report, anonymous", get(t, anon, in.URL+"/r/inner-2023"), 404},
				{"internal report, designer", d.do(http.MethodGet, "/r/inner-2023", nil), 404},
				{"unknown language", d.do(http.MethodGet, "/r/staff-2023?lang=fr", nil), 422},
				{"pdf, anonymous", get(t, anon, in.URL+pdfURL(staffID, "")), 401},
				{"pdf, viewer", v.do(http.MethodGet, pdfURL(staffID, ""), nil), 200},
				{"docx, viewer", v.do(http.MethodGet, docxURL(staffID), nil), 403},
				{"docx, designer", d.do(http.MethodGet, docxURL(staffID), nil), 200},
			}
			for _, c := range cases {
				if c.got.Status != c.want {
					t.Errorf("%s: %d, want %d (%.200s)", c.name, c.got.Status, c.want, c.got.Raw)
				}
			}

			// The designer page links the report; the Word file only for designers.
			dp, vp := d.do(http.MethodGet, fmt.Sprintf("/admin/surveys/%d", staffID), nil), v.do(http.MethodGet, fmt.Sprintf("/admin/surveys/%d", staffID), nil)
			if !bytes.Contains(dp.Raw, []byte(docxURL(staffID))) || !bytes.Contains(vp.Raw, []byte(pdfURL(staffID, ""))) || bytes.Contains(vp.Raw, []byte(docxURL(staffID))) {
				t.Errorf("designer page links: designer %d docx %t; viewer %d pdf %t docx %t", dp.Status, bytes.Contains(dp.Raw, []byte(docxURL(staffID))),
					vp.Status, bytes.Contains(vp.Raw, []byte(pdfURL(staffID, ""))), bytes.Contains(vp.Raw, []byte(docxURL(staffID))))
			}

			// Internal only: every format says so.
			inner := pdfRows(t, d.do(http.MethodGet, pdfURL(internalID, ""), nil).Raw)
			innerDocx := docxRows(t, d.do(http.MethodGet, docxURL(internalID), nil).Raw)
			if !hasRow(inner, "内部资料") || !hasRow(innerDocx, "内部资料") {
				t.Errorf("internal report without 内部资料: pdf %t, docx %t", hasRow(inner, "内部资料"), hasRow(innerDocx, "内部资料"))
			}
			if hasRow(pdfRows(t, v.do(http.MethodGet, pdfURL(staffID, ""), nil).Raw), "内部资料") {
				t.Error("a public report is marked 内部资料")
			}

			// Same inputs, same bytes.
			for _, u := range []string{pdfURL(staffID, "?lang=en"), docxURL(staffID)} {
				a, b := d.do(http.MethodGet, u, nil), d.do(http.MethodGet, u, nil)
				if a.Status != 200 || !bytes.Equal(a.Raw, b.Raw) {
					t.Errorf("%s: %d, %d bytes then %d: not the same", u, a.Status, len(a.Raw), len(b.Raw))
				}
			}

			// English: the same figures in English.
			en := htmlRows(d.do(http.MethodGet, "/r/staff-2023?lang=en", nil).Raw)
			for _, w := range []string{"1. Overview", "Overall index", "14 responses", "Table 1 Satisfaction by area", "t3组 — — —"} {
				if !hasRow(en, w) {
					t.Errorf("english: no %q in\n%s", w, strings.Join(en, "\n"))
				}
			}
		})
	}
}

// otherKey is a share key that differs from key in its first character.
func otherKey(key string) string {
	if key[0] == 'x' {
		return "y" + key[1:]
	}
	return "x" + key[1:]
}

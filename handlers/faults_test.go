package handlers_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// Fault injection through the HTTP contract, on MariaDB/MySQL and Redis:
// Redis dies and comes back in the middle of a stream of submissions, the
// database connection is cut and restored, and two instances race for one
// respondent. Redis is a process of the test's own and the database is
// reached through a proxy that the test cuts, so the shared services that
// other packages test against at the same time are never disturbed.

// requireMySQL skips the test without the test MySQL (fails under CI).
func requireMySQL(t *testing.T) {
	t.Helper()
	if !surveystest.Required() && !surveystest.MySQLConfigured() {
		surveystest.Missing(t, "MySQL ("+surveystest.EnvMySQL+")")
	}
}

// ownRedis starts a Redis of the test's own and returns a client on it, so
// that the claims the test commits (kept 400 days) stay out of the shared
// test Redis. query is appended to its URL (client options).
func ownRedis(t *testing.T, query string) (*surveystest.RedisServer, *redis.Client) {
	t.Helper()
	rs := surveystest.StartRedis(t)
	opts, err := redis.ParseURL(rs.URL() + query)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	return rs, rdb
}

// phone is a resident's browser over a shared transport, so that a stream
// of residents does not open a connection each.
func phone(tr http.RoundTripper) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: tr, Timeout: 15 * time.Second}
}

// openPage fetches the survey page, which sets the respondent cookie. Unlike
// resident it reports a failure instead of ending the test, so goroutines
// can call it.
func openPage(c *http.Client, base string) error {
	resp, err := c.Get(base + "/s/" + slug)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET page: %d", resp.StatusCode)
	}
	return nil
}

// send posts a submission. Unlike post it reports a failure instead of
// ending the test, so goroutines can call it.
func send(c *http.Client, base string, body []byte) (reply, error) {
	resp, err := c.Post(base+"/api/v1/surveys/"+slug+"/responses", "application/json", bytes.NewReader(body))
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("status %d, body cut short: %w", resp.StatusCode, err)
	}
	r := reply{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &r.Body)
	return r, nil
}

// code is the error code of a reply, "" when it has none.
func code(r reply) string {
	e, _ := r.Body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func responseID(r reply) string {
	id, _ := r.Body["response_id"].(string)
	return id
}

// submission is a random complete body and its submission id.
type submission struct {
	ID   string
	Body []byte
}

// submissions makes random bodies for in's demo survey; the returned func
// is safe to call from goroutines with their own rng.
func submissions(t *testing.T, in *instance) func(*mrand.Rand) submission {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	return func(rng *mrand.Rand) submission {
		s := p.Compiled.RandomSubmission(rng)
		body, err := json.Marshal(s)
		if err != nil {
			panic(err)
		}
		return submission{s.SubmissionID, body}
	}
}

// deviceOf is the device id of the client's respondent cookie.
func deviceOf(t *testing.T, c *http.Client, base string) string {
	t.Helper()
	u, _ := http.NewRequest(http.MethodGet, base, nil)
	for _, ck := range c.Jar.Cookies(u.URL) {
		if ck.Name == "minyi_rid" {
			id, _, _ := strings.Cut(ck.Value, ".")
			return id
		}
	}
	t.Fatal("no respondent cookie")
	return ""
}

// storedBy maps submission id → public response id of every response of
// the survey, read from the database directly.
func storedBy(t *testing.T, store *models.Store, surveyID uint64) map[string][]string {
	t.Helper()
	var rows []models.Response
	if err := store.R.Select("public_id", "submission_id").Where("survey_id = ?", surveyID).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.SubmissionID] = append(out[r.SubmissionID], r.PublicID)
	}
	return out
}

// checkTallies runs a tally pass, then checks the incremental counters
// against a recount of the raw rows and the stored response count.
func checkTallies(t *testing.T, svc *surveys.Service, surveyID uint64, want int) {
	t.Helper()
	if err := svc.RunTallyPass(context.Background()); err != nil {
		t.Fatal(err)
	}
	incremental, err := svc.TalliesOf(surveyID)
	if err != nil {
		t.Fatal(err)
	}
	recount, err := svc.RecountTallies(surveyID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(incremental, recount) {
		t.Errorf("incremental tallies (%d counters) differ from the recount (%d counters)", len(incremental), len(recount))
	}
	if got := incremental[stats.TallyID{Key: stats.KeyResponses}].N; got != int64(want) {
		t.Errorf("tallied responses = %d, want %d", got, want)
	}
	if d, err := svc.SurveyDetail(surveyID); err != nil {
		t.Errorf("stored responses: %v", err)
	} else if d.Responses != int64(want) {
		t.Errorf("stored responses = %d, want %d", d.Responses, want)
	}
}

func surveyID(t *testing.T, in *instance) uint64 {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	return p.Survey.ID
}

// sent is one submission of a stream and its answer.
type sent struct {
	client         *http.Client
	sub            submission
	dup            bool  // a second questionnaire from an accepted resident
	before, after  int32 // the fault phase when it was sent and when it was answered
	status         int
	code, response string
	err            error
	took           time.Duration
}

// stream is a stream of submissions to an instance from 8 workers: mostly
// new residents, every fourth a second questionnaire from a resident
// already accepted. The test moves Phase on as it breaks and mends things.
type stream struct {
	Phase atomic.Int32

	mu       sync.Mutex
	accepted []*sent
	all      []*sent
	stop     chan struct{}
	wg       sync.WaitGroup
}

const streamWorkers = 8

// startStream starts the workers; End stops them.
func startStream(in *instance, next func(*mrand.Rand) submission, tr http.RoundTripper) *stream {
	st := &stream{stop: make(chan struct{})}
	for w := range streamWorkers {
		st.wg.Add(1)
		go func() {
			defer st.wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(w), 42))
			for i := 0; ; i++ {
				select {
				case <-st.stop:
					return
				default:
				}
				s := &sent{sub: next(rng)}
				if i%4 == 3 {
					st.mu.Lock()
					if len(st.accepted) > 0 {
						s.client, s.dup = st.accepted[rng.IntN(len(st.accepted))].client, true
					}
					st.mu.Unlock()
				}
				if !s.dup {
					s.client = phone(tr)
					s.err = openPage(s.client, in.URL)
				}
				if s.err == nil {
					s.before = st.Phase.Load()
					t0 := time.Now()
					r, err := send(s.client, in.URL, s.sub.Body)
					s.took, s.after = time.Since(t0), st.Phase.Load()
					s.status, s.code, s.response, s.err = r.Status, code(r), responseID(r), err
				}
				st.mu.Lock()
				st.all = append(st.all, s)
				if s.status == http.StatusCreated {
					st.accepted = append(st.accepted, s)
				}
				st.mu.Unlock()
				if s.err != nil {
					return
				}
			}
		}()
	}
	return st
}

// phaseStats is what a stream saw within one phase.
type phaseStats struct {
	Newcomers, Dups int           // answered correctly, sent and answered within the phase
	Slowest         time.Duration // of those
	SlowestSent     time.Duration // of every submission sent in the phase
}

// End stops the workers and checks every answer: 201 for a new resident,
// 409 duplicate for a second questionnaire, whatever the phase. It returns
// what each phase saw.
func (st *stream) End(t *testing.T, phases int) []phaseStats {
	t.Helper()
	close(st.stop)
	st.wg.Wait()
	out := make([]phaseStats, phases)
	bad := 0
	for _, s := range st.all {
		want, wantCode := http.StatusCreated, ""
		if s.dup {
			want, wantCode = http.StatusConflict, "duplicate"
		}
		if s.err != nil || s.status != want || s.code != wantCode {
			if bad++; bad <= 10 {
				t.Errorf("dup=%v sent in phase %d, answered in %d after %v: %d %q %v, want %d %q",
					s.dup, s.before, s.after, s.took, s.status, s.code, s.err, want, wantCode)
			}
			continue
		}
		out[s.before].SlowestSent = max(out[s.before].SlowestSent, s.took)
		if s.before == s.after {
			p := &out[s.before]
			if s.dup {
				p.Dups++
			} else {
				p.Newcomers++
			}
			p.Slowest = max(p.Slowest, s.took)
		}
	}
	if bad > 0 {
		t.Fatalf("%d of %d submissions answered wrongly", bad, len(st.all))
	}
	return out
}

// Redis phases of TestRedisOutageMidStream.
const (
	redisUp = iota
	redisStopping
	redisDown // from the moment redis-server is dead until it is started again
	redisStarting
	redisBack
)

// TestRedisOutageMidStream kills the claims' Redis in the middle of a
// stream of submissions and starts it again, empty. While it is down every
// new resident is still accepted and every duplicate still refused, by the
// database's unique index; once it is back the claim fast path works again,
// the live stream resumes, and every accepted answer is stored and counted
// exactly once.
func TestRedisOutageMidStream(t *testing.T) {
	requireMySQL(t)
	// Short timeouts, so that a dead Redis fails fast.
	rs, rdb := ownRedis(t, "?dial_timeout=200ms&read_timeout=200ms&write_timeout=200ms")
	const dedupPrefix = "minyi:dedup:" // the server is the test's own: production names
	in := start(t, surveystest.MySQL(t), dedup.NewRedis(rdb, dedupPrefix), live.NewRedis(rdb, "minyi:tally"), handlers.Config{})
	id := surveyID(t, in)
	next := submissions(t, in)
	liveCh, stopEvents := events(t, in.URL+"/api/v1/surveys/"+slug+"/live")
	defer stopEvents()
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()

	st := startStream(in, next, tr)
	time.Sleep(500 * time.Millisecond)
	st.Phase.Store(redisStopping)
	rs.Stop()
	st.Phase.Store(redisDown)
	// Long enough to outlast go-redis's retries of the requests in flight
	// when Redis died, which all wait them out: 5 dial attempts 100 ms
	// apart, 4 times over, for the claim and again for its commit (3.6 s).
	time.Sleep(5 * time.Second)
	st.Phase.Store(redisStarting)
	rs.Start()
	restarted := time.Now()
	st.Phase.Store(redisBack)
	time.Sleep(500 * time.Millisecond)
	stats := st.End(t, redisBack+1)
	for _, i := range []int{redisUp, redisDown, redisBack} {
		t.Logf("%s: %d new residents accepted and %d duplicates refused within the phase, slowest %v; slowest of those sent in it %v",
			[]string{"Redis up", "", "Redis down", "", "Redis back"}[i], stats[i].Newcomers, stats[i].Dups, stats[i].Slowest, stats[i].SlowestSent)
	}
	if d := stats[redisDown]; d.Newcomers < 4 || d.Dups < 1 {
		t.Fatalf("only %d new residents and %d duplicates were answered while Redis was down: the outage was not exercised", d.Newcomers, d.Dups)
	}
	accepted, all := st.accepted, st.all

	ctx := context.Background()
	claimOf := func(c *http.Client) string {
		return fmt.Sprintf("%s%d:d:%s", dedupPrefix, id, deviceOf(t, c, in.URL))
	}
	rng := mrand.New(mrand.NewPCG(99, 42))
	// A client of the test's own, free of the app client's memory of the outage.
	check := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer check.Close()
	t.Run("claims work again", func(t *testing.T) {
		// go-redis stops dialling a server that refused it many times and
		// probes it once a second: the fast path is back within about that.
		var x *http.Client
		for {
			x = phone(tr)
			if err := openPage(x, in.URL); err != nil {
				t.Fatal(err)
			}
			sub := next(rng)
			r, err := send(x, in.URL, sub.Body)
			if err != nil || r.Status != http.StatusCreated {
				t.Fatalf("new resident after the restart: %d %s %v", r.Status, r.Raw, err)
			}
			accepted = append(accepted, &sent{client: x, sub: sub, status: http.StatusCreated, response: responseID(r)})
			if v, _ := check.Get(ctx, claimOf(x)).Result(); v == "c:"+sub.ID {
				t.Logf("claims are committed in Redis again %v after it restarted", time.Since(restarted).Round(time.Millisecond))
				break
			}
			if time.Since(restarted) > 5*time.Second {
				t.Fatalf("5 s after Redis restarted, a new resident's claim is still not committed in it")
			}
			time.Sleep(50 * time.Millisecond)
		}
		if r, err := send(x, in.URL, next(rng).Body); err != nil || r.Status != http.StatusConflict || code(r) != "duplicate" {
			t.Fatalf("duplicate after the restart: %d %s %v, want 409 duplicate", r.Status, r.Raw, err)
		}
	})
	t.Run("the database refuses what the empty Redis forgot", func(t *testing.T) {
		for _, when := range []int32{redisUp, redisDown} {
			i := slices.IndexFunc(accepted, func(s *sent) bool { return s.before == when && s.after == when })
			if i < 0 {
				t.Fatalf("no resident accepted in phase %d", when)
			}
			s := accepted[i]
			if v := check.Get(ctx, claimOf(s.client)).Val(); v == "c:"+s.sub.ID {
				t.Fatalf("phase %d resident: the restarted Redis still has the committed claim", when)
			}
			if r, err := send(s.client, in.URL, next(rng).Body); err != nil || r.Status != http.StatusConflict {
				t.Fatalf("phase %d resident's second questionnaire: %d %s %v, want 409", when, r.Status, r.Raw, err)
			}
			if r, err := send(s.client, in.URL, s.sub.Body); err != nil || r.Status != http.StatusOK || responseID(r) != s.response {
				t.Fatalf("phase %d resident's retry: %d %s %v, want 200 with %s", when, r.Status, r.Raw, err, s.response)
			}
		}
	})

	// Stored and counted exactly once.
	stored := storedBy(t, in.Store, id)
	for _, s := range accepted {
		if got := stored[s.sub.ID]; len(got) != 1 || (s.response != "" && got[0] != s.response) {
			t.Errorf("submission %s answered 201 %s; stored as %v", s.sub.ID, s.response, got)
		}
	}
	if len(stored) != len(accepted) {
		t.Errorf("%d responses stored, %d answered 201", len(stored), len(accepted))
	}
	checkTallies(t, in.Svc, id, len(accepted))
	t.Logf("%d submissions in the stream, %d accepted in all", len(all), len(accepted))

	// The live stream resubscribed by itself and shows the final count.
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e := <-liveCh:
			if e["responses"].(float64) == float64(len(accepted)) {
				return
			}
		case <-deadline:
			t.Fatalf("no live event with %d responses within 5 s of the end", len(accepted))
		}
	}
}

// TestMySQLOutage cuts the database connection under the app. Submissions
// answer 503 with Retry-After and the contract's error body, and /healthz
// answers 503; once the connection is back the page's retry of the same
// submission is accepted, and each answer is stored exactly once, also when
// the connection dropped while a commit was under way.
func TestMySQLOutage(t *testing.T) {
	requireMySQL(t)
	dsn := surveystest.MySQLDSN(t)
	px := surveystest.MySQLProxy(t, dsn)
	direct := surveystest.OpenMySQL(t, dsn) // the test's own view, around the proxy
	_, rdb := ownRedis(t, "")
	in := start(t, surveystest.OpenMySQL(t, px.DSN()), dedup.NewRedis(rdb, "minyi:dedup:"), live.NewRedis(rdb, "minyi:tally"), handlers.Config{})
	id := surveyID(t, in)
	next := submissions(t, in)
	tr := &http.Transport{MaxIdleConnsPerHost: 32}
	defer tr.CloseIdleConnections()
	total := 0 // responses accepted so far

	t.Run("cut between submissions", func(t *testing.T) {
		const n = 6
		clients := make([]*http.Client, n)
		subs := make([]submission, n)
		rng := mrand.New(mrand.NewPCG(1, 1))
		for i := range n {
			clients[i], subs[i] = phone(tr), next(rng)
			if err := openPage(clients[i], in.URL); err != nil {
				t.Fatal(err)
			}
		}
		all := func() []reply {
			out := make([]reply, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := send(clients[i], in.URL, subs[i].Body)
					if err != nil {
						t.Errorf("resident %d: %v", i, err)
					}
					out[i] = r
				}()
			}
			wg.Wait()
			return out
		}

		px.Cut()
		t0 := time.Now()
		for i, r := range all() {
			if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
				t.Fatalf("resident %d during the cut: %d (Retry-After %q) %s, want 503 with Retry-After",
					i, r.Status, r.Header.Get("Retry-After"), r.Raw)
			}
			if c := errorCode(t, r); c != "unavailable" {
				t.Fatalf("resident %d during the cut: code %q, want unavailable", i, c)
			}
		}
		t.Logf("%d submissions answered 503 within %v of the cut", n, time.Since(t0))
		if h := get(t, http.DefaultClient, in.URL+"/healthz"); h.Status != http.StatusServiceUnavailable || h.Body["status"] != "unavailable" {
			t.Fatalf("healthz during the cut: %d %s, want 503 unavailable", h.Status, h.Raw)
		}
		stored := storedBy(t, direct, id)
		for _, s := range subs {
			if len(stored[s.ID]) != 0 {
				t.Fatalf("submission %s answered 503 but was stored", s.ID)
			}
		}

		px.Restore()
		for i, r := range all() {
			if r.Status != http.StatusCreated {
				t.Fatalf("resident %d's retry after the restore: %d %s, want 201", i, r.Status, r.Raw)
			}
			if got := storedBy(t, direct, id)[subs[i].ID]; len(got) != 1 || got[0] != responseID(r) {
				t.Fatalf("resident %d: stored as %v, answered %s", i, got, responseID(r))
			}
		}
		total += n
		if h := get(t, http.DefaultClient, in.URL+"/healthz"); h.Status != http.StatusOK {
			t.Fatalf("healthz after the restore: %d %s", h.Status, h.Raw)
		}
	})

	t.Run("cut in the middle of a stream", func(t *testing.T) {
		// Residents submit like the page does: a 503 is retried with the
		// same body until the answer is 201, or 200 when an attempt that
		// seemed to fail had in fact been stored. The server retries a lost
		// connection itself for a few seconds, so a short cut is mostly
		// ridden out with no 503 at all; what counts is that submissions
		// were in flight while the database was cut off.
		const workers = 8
		type tracked struct {
			sub              submission
			statuses         []int
			response, failed string
		}
		var cut atomic.Bool
		var unavailable, duringCut, metCut atomic.Int32
		var cutFrom, cutTo atomic.Int64 // unix ns
		done := make([][]*tracked, workers)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := mrand.New(mrand.NewPCG(uint64(w), 2))
				for {
					select {
					case <-stop:
						return
					default:
					}
					c, r := phone(tr), &tracked{sub: next(rng)}
					done[w] = append(done[w], r)
					giveUp := time.Now().Add(15 * time.Second)
					for openPage(c, in.URL) != nil {
						if time.Now().After(giveUp) {
							r.failed = "the page never opened"
							return
						}
						time.Sleep(50 * time.Millisecond)
					}
					for r.response == "" && r.failed == "" {
						sentAt := time.Now().UnixNano()
						a, err := send(c, in.URL, r.sub.Body)
						if from := cutFrom.Load(); from != 0 && sentAt < cmp.Or(cutTo.Load(), math.MaxInt64) && time.Now().UnixNano() > from {
							metCut.Add(1)
						}
						r.statuses = append(r.statuses, a.Status)
						switch {
						case err != nil:
							r.failed = err.Error()
						case a.Status == http.StatusCreated || a.Status == http.StatusOK:
							r.response = responseID(a)
						case a.Status == http.StatusServiceUnavailable && code(a) == "unavailable" && a.Header.Get("Retry-After") != "":
							unavailable.Add(1)
							if cut.Load() {
								duringCut.Add(1)
							}
							if time.Now().After(giveUp) {
								r.failed = "503 for 15 s"
							}
							time.Sleep(50 * time.Millisecond)
						default:
							r.failed = fmt.Sprintf("%d %s", a.Status, a.Raw)
						}
					}
					if r.failed != "" {
						return
					}
				}
			}()
		}
		time.Sleep(400 * time.Millisecond)
		cut.Store(true)
		cutFrom.Store(time.Now().UnixNano())
		px.Cut()
		time.Sleep(1000 * time.Millisecond)
		px.Restore()
		cutTo.Store(time.Now().UnixNano())
		cut.Store(false)
		time.Sleep(400 * time.Millisecond)
		close(stop)
		wg.Wait()

		stored := storedBy(t, direct, id)
		residents, retried, replayed := 0, 0, 0
		for _, l := range done {
			for _, r := range l {
				residents++
				if r.failed != "" {
					t.Errorf("resident %s: %s (statuses %v)", r.sub.ID, r.failed, r.statuses)
					continue
				}
				if len(r.statuses) > 1 {
					retried++
				}
				final := r.statuses[len(r.statuses)-1]
				if final == http.StatusOK {
					replayed++
					if len(r.statuses) == 1 {
						t.Errorf("resident %s: 200 on a first attempt", r.sub.ID)
					}
				}
				if got := stored[r.sub.ID]; len(got) != 1 || got[0] != r.response {
					t.Errorf("resident %s answered %d %s; stored as %v", r.sub.ID, final, r.response, got)
				}
			}
		}
		total += residents
		t.Logf("%d residents, %d submissions in flight during the cut, %d answered 503 at least once (%d 503s, %d during the cut), %d accepted on a retry with 200 (stored although told 503)",
			residents, metCut.Load(), retried, unavailable.Load(), duringCut.Load(), replayed)
		if metCut.Load() < workers/2 {
			t.Fatalf("only %d submissions met the cut: the outage was not exercised", metCut.Load())
		}
		if len(stored) != total {
			t.Errorf("%d responses stored, %d residents accepted", len(stored), total)
		}
	})

	checkTallies(t, in.Svc, id, total)
}

// TestOneRespondentAcrossInstances sends 50 questionnaires of one
// respondent at once, spread over two instances on one MySQL and one Redis:
// exactly one is accepted. Then 50 simultaneous retries of one submission:
// every one answers the same response, stored once.
func TestOneRespondentAcrossInstances(t *testing.T) {
	requireMySQL(t)
	dsn := surveystest.MySQLDSN(t)
	_, rdb := ownRedis(t, "")
	a := start(t, surveystest.OpenMySQL(t, dsn), dedup.NewRedis(rdb, "minyi:dedup:"), live.NewRedis(rdb, "minyi:tally"), handlers.Config{})
	b := start(t, surveystest.OpenMySQL(t, dsn), dedup.NewRedis(rdb, "minyi:dedup:"), live.NewRedis(rdb, "minyi:tally"), handlers.Config{})
	apps := []*instance{a, b}
	id := surveyID(t, a)
	next := submissions(t, a)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	rng := mrand.New(mrand.NewPCG(3, 3))
	const n, rounds = 50, 3
	accepted := 0

	// burst sends body(i) to instance i%2 from n goroutines released at once.
	burst := func(c *http.Client, body func(i int) []byte) []reply {
		out := make([]reply, n)
		ready := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-ready
				r, err := send(c, apps[i%2].URL, body(i))
				if err != nil {
					t.Errorf("request %d: %v", i, err)
				}
				out[i] = r
			}()
		}
		close(ready)
		wg.Wait()
		return out
	}
	countOf := func(c *http.Client) int64 {
		var k int64
		if err := a.Store.R.Model(&models.Response{}).Where("survey_id = ? AND respondent_key = ?",
			id, "d:"+deviceOf(t, c, a.URL)).Count(&k).Error; err != nil {
			t.Fatal(err)
		}
		return k
	}

	t.Run("50 questionnaires from one respondent", func(t *testing.T) {
		for round := range rounds {
			c := phone(tr) // the cookie is the host's: both instances see it
			if err := openPage(c, a.URL); err != nil {
				t.Fatal(err)
			}
			subs := make([]submission, n)
			for i := range subs {
				subs[i] = next(rng)
			}
			statuses := map[int]int{}
			for _, r := range burst(c, func(i int) []byte { return subs[i].Body }) {
				statuses[r.Status]++
				if r.Status == http.StatusConflict && code(r) != "duplicate" {
					t.Errorf("409 with code %q", code(r))
				}
			}
			if statuses[http.StatusCreated] != 1 || statuses[http.StatusConflict] != n-1 {
				t.Errorf("round %d: statuses %v, want one 201 and %d × 409", round, statuses, n-1)
			}
			if k := countOf(c); k != 1 {
				t.Errorf("round %d: %d responses stored for the respondent, want 1", round, k)
			}
			accepted++
		}
	})
	t.Run("50 retries of one submission", func(t *testing.T) {
		for round := range rounds {
			c := phone(tr)
			if err := openPage(c, b.URL); err != nil {
				t.Fatal(err)
			}
			sub := next(rng)
			statuses, ids := map[int]int{}, map[string]int{}
			for _, r := range burst(c, func(int) []byte { return sub.Body }) {
				statuses[r.Status]++
				if r.Status == http.StatusCreated || r.Status == http.StatusOK {
					ids[responseID(r)]++
				}
			}
			if statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != n-1 || len(ids) != 1 {
				t.Errorf("round %d: statuses %v, response ids %v; want one 201, %d × 200, one id", round, statuses, ids, n-1)
			}
			if got := storedBy(t, a.Store, id)[sub.ID]; len(got) != 1 || ids[got[0]] != n {
				t.Errorf("round %d: stored as %v, answered %v", round, got, ids)
			}
			if k := countOf(c); k != 1 {
				t.Errorf("round %d: %d responses stored for the respondent, want 1", round, k)
			}
			accepted++
		}
	})
	checkTallies(t, a.Svc, id, accepted)
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// Crash and shutdown tests of the real binary under load: SIGKILL in the
// middle of a stream of submissions must lose no accepted answer and count
// none twice; SIGTERM must answer every request it took in completely.
// The binary is built once per test run; SQLite runs always, MySQL with a
// Redis of the test's own when configured.

const demoSlug = "social-2022"

// killSecret is the binary's MINYI_SECRET, the same across restarts so
// that residents' cookies stay valid.
const killSecret = "kill-test-secret-0123456789abcdefghij"

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds ./cmd/minyi once and returns the executable's path.
func binary(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: cannot build the minyi binary for the crash tests")
	}
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "minyi-bin-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "minyi")
		if out, err := exec.Command(goBin, "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// backend is where the binary keeps its data: its env and a way for the
// test to open the same database.
type backend struct {
	name string
	env  []string
	open func() (*models.Store, error)
}

// backends returns SQLite in a temp dir, and a fresh MySQL database with a
// Redis of the test's own when MySQL is configured (always under CI).
func backends() []func(*testing.T) backend {
	out := []func(*testing.T) backend{func(t *testing.T) backend {
		dir := t.TempDir()
		return backend{"sqlite", []string{"MINYI_DATA_DIR=" + dir}, func() (*models.Store, error) { return models.OpenSQLite(dir) }}
	}}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		out = append(out, func(t *testing.T) backend {
			dsn := surveystest.MySQLDSN(t)
			// The test's own Redis: claims committed for 400 days stay out
			// of the shared one.
			rs := surveystest.StartRedis(t)
			return backend{"mysql+redis", []string{"MINYI_DATA_DIR=" + t.TempDir(), "MINYI_MYSQL_DSN=" + dsn, "MINYI_REDIS_URL=" + rs.URL()},
				func() (*models.Store, error) { return models.OpenMySQL(dsn) }}
		})
	}
	return out
}

// runBackends runs test as a subtest per backend.
func runBackends(t *testing.T, test func(*testing.T, backend)) {
	for _, mk := range backends() {
		b := mk(t)
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// proc is the minyi binary running as a child process.
type proc struct {
	cmd    *exec.Cmd
	URL    string
	out    *lockedBuffer
	exited chan struct{}
	err    error // the exit status, once exited is closed
}

// startProc starts the binary on a free loopback port with the backend's
// env and waits until it listens.
func startProc(t *testing.T, b backend) *proc {
	t.Helper()
	cmd := exec.Command(binary(t))
	env := []string{"MINYI_ADDR=127.0.0.1:0", "MINYI_DEMO=on", "MINYI_SUBMIT_RATE=0", "MINYI_SURVEY_RATE=0", "MINYI_SECRET=" + killSecret}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MINYI_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, b.env...)
	p := &proc{cmd: cmd, out: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	surveystest.KillWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.signal(os.Kill)
		<-p.exited
		if t.Failed() {
			t.Logf("minyi output:\n%s", p.out.tail(4000))
		}
	})
	running := regexp.MustCompile(`running at (http://\S+)`)
	deadline := time.After(30 * time.Second)
	for {
		if m := running.FindStringSubmatch(p.out.String()); m != nil {
			p.URL = m[1]
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("minyi exited at start (%v):\n%s", p.err, p.out.String())
		case <-deadline:
			t.Fatalf("minyi did not start within 30 s:\n%s", p.out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (p *proc) signal(sig os.Signal) {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Signal(sig)
	}
}

// wait waits for the process to exit and returns its exit status.
func (p *proc) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-p.exited:
		return p.err
	case <-time.After(within):
		t.Fatalf("minyi did not exit within %v", within)
		return nil
	}
}

// attempt is one resident's submission and what came back.
type attempt struct {
	client   *http.Client
	sub      string
	body     []byte
	status   int
	response string
	err      error // no answer, or an answer cut short
	sentAt   time.Time
	took     time.Duration
	retries  int // 503s the resident sent the same answer again after (retrying loads only)
}

// load is residents submitting from 16 workers, each a new resident
// (cookie from the page, then one questionnaire), until stopped or until
// the server stops answering them.
type load struct {
	mu       sync.Mutex
	attempts []*attempt
	stop     chan struct{}
	wg       sync.WaitGroup
	tr       *http.Transport
	// retry makes each resident do what the page does with a 503 and its
	// Retry-After: send the same answer again, for up to 20 s.
	retry bool
}

func startLoad(t *testing.T, base string) *load {
	t.Helper()
	return startLoadN(t, base, 16)
}

// startLoadN is startLoad with the given number of workers.
func startLoadN(t *testing.T, base string, workers int) *load {
	t.Helper()
	return startLoadWith(t, base, workers, false)
}

// startLoadRetrying is startLoadN with residents that send their answer
// again after a 503, as the page does.
func startLoadRetrying(t *testing.T, base string, workers int) *load {
	t.Helper()
	return startLoadWith(t, base, workers, true)
}

func startLoadWith(t *testing.T, base string, workers int, retry bool) *load {
	t.Helper()
	def, err := questionnaire.Builtin(demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	c, err := questionnaire.CompileJSON(def)
	if err != nil {
		t.Fatal(err)
	}
	l := &load{stop: make(chan struct{}), tr: &http.Transport{MaxIdleConnsPerHost: 32}, retry: retry}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				jar, _ := cookiejar.New(nil)
				a := &attempt{client: &http.Client{Jar: jar, Transport: l.tr, Timeout: 20 * time.Second}}
				for page := time.Now(); ; {
					resp, err := a.client.Get(base + "/s/" + demoSlug)
					if err != nil {
						return // the server is gone
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if !l.retry || resp.StatusCode != http.StatusServiceUnavailable || time.Since(page) > 20*time.Second {
						break
					}
					time.Sleep(200 * time.Millisecond)
				}
				s := c.RandomSubmission(rng)
				a.sub = s.SubmissionID
				a.body, _ = json.Marshal(s)
				a.sentAt = time.Now()
				a.status, a.response, a.err = submitTo(a.client, base, a.body)
				// The page keeps an unsent answer and retries with backoff for as
				// long as it stays open; on a loaded machine a node's rejoin by
				// state transfer (which blocks its donor) has taken 36 s.
				for l.retry && a.err == nil && a.status == http.StatusServiceUnavailable && time.Since(a.sentAt) < 90*time.Second {
					time.Sleep(200 * time.Millisecond)
					a.retries++
					a.status, a.response, a.err = submitTo(a.client, base, a.body)
				}
				a.took = time.Since(a.sentAt)
				l.mu.Lock()
				l.attempts = append(l.attempts, a)
				l.mu.Unlock()
				if a.err != nil {
					return
				}
			}
		}()
	}
	return l
}

// end stops the workers and returns every attempt.
func (l *load) end() []*attempt {
	close(l.stop)
	l.wg.Wait()
	l.tr.CloseIdleConnections()
	return l.attempts
}

// submitTo posts a body and reads the whole answer: an error is no answer,
// or one cut short.
func submitTo(c *http.Client, base string, body []byte) (int, string, error) {
	resp, err := c.Post(base+"/api/v1/surveys/"+demoSlug+"/responses", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, "", fmt.Errorf("status %d, body cut short: %w", resp.StatusCode, err)
	}
	var ok struct {
		ResponseID string `json:"response_id"`
		Error      *struct{ Code string }
	}
	if err := json.Unmarshal(raw, &ok); err != nil {
		return resp.StatusCode, "", fmt.Errorf("status %d, body not JSON: %q", resp.StatusCode, raw)
	}
	return resp.StatusCode, ok.ResponseID, nil
}

// stored reads submission id → public ids of every response of the demo
// survey straight from the database, while no server runs.
func stored(t *testing.T, b backend) (map[string][]string, uint64) {
	t.Helper()
	store, err := b.open()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	sv, err := store.SurveyBySlug(demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	var rows []models.Response
	if err := store.R.Select("public_id", "submission_id").Where("survey_id = ?", sv.ID).Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.SubmissionID] = append(out[r.SubmissionID], r.PublicID)
	}
	return out, sv.ID
}

// checkAccepted checks that every 201 is stored exactly once under its
// response id and that nothing is stored that no attempt sent. It returns
// the number of rows.
func checkAccepted(t *testing.T, attempts []*attempt, rows map[string][]string) int {
	t.Helper()
	sent := map[string]bool{}
	for _, a := range attempts {
		sent[a.sub] = true
		if a.err == nil && a.status == http.StatusCreated {
			if got := rows[a.sub]; len(got) != 1 || got[0] != a.response {
				t.Errorf("submission %s answered 201 %s; stored as %v", a.sub, a.response, got)
			}
		}
	}
	n := 0
	for sub, ids := range rows {
		n += len(ids)
		if !sent[sub] {
			t.Errorf("response %v stored for submission %s, which nobody sent", ids, sub)
		}
		if len(ids) != 1 {
			t.Errorf("submission %s stored %d times", sub, len(ids))
		}
	}
	return n
}

// checkTallies opens a service on the stopped server's database: nothing
// is left to count, the counters equal a recount of the raw rows, and they
// count every row.
func checkTallies(t *testing.T, b backend, surveyID uint64, rows int) {
	t.Helper()
	store, err := b.open()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := surveys.NewService(store, dedup.NewMemory(), live.NewMemory(), []byte(killSecret))
	defer svc.Close()
	if n, err := store.CountUntallied(); err != nil || n != 0 {
		t.Errorf("%d responses left untallied after the server stopped (%v)", n, err)
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
		t.Errorf("stored tallies (%d counters) differ from a recount of the rows (%d counters)", len(incremental), len(recount))
	}
	if got := incremental[stats.TallyID{Key: stats.KeyResponses}].N; got != int64(rows) {
		t.Errorf("tallied responses = %d, stored %d", got, rows)
	}
}

// waitResults polls the results until they count want responses.
func waitResults(t *testing.T, base string, want int) {
	t.Helper()
	var got struct{ Responses int }
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/api/v1/surveys/" + demoSlug + "/results")
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&got)
			resp.Body.Close()
		}
		if err == nil && got.Responses == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("results count %d responses (%v) 10 s after the restart, want %d", got.Responses, err, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// loadFor is how long residents submit before the fault.
func loadFor() time.Duration {
	if testing.Short() {
		return time.Second
	}
	return 2 * time.Second
}

// TestKillUnderLoad kills the binary with SIGKILL while 16 residents
// submit. Every answer acknowledged with 201 survives, once; nothing is
// stored that nobody sent; a resident whose request was in flight retries
// the same submission after the restart and gets 200 with the stored
// response, or 201 if it had not been stored; and the restarted server's
// tallies count every row exactly once.
func TestKillUnderLoad(t *testing.T) {
	runBackends(t, func(t *testing.T, b backend) {
		srv := startProc(t, b)
		l := startLoad(t, srv.URL)
		time.Sleep(loadFor())
		srv.signal(os.Kill)
		_ = srv.wait(t, 10*time.Second)
		attempts := l.end()

		rows, surveyID := stored(t, b)
		n := checkAccepted(t, attempts, rows)
		var accepted int
		var inFlight []*attempt
		lost := 0
		for _, a := range attempts {
			switch {
			case a.err == nil && a.status == http.StatusCreated:
				accepted++
			case a.err == nil:
				t.Errorf("submission %s: status %d before the kill, want 201", a.sub, a.status)
			default:
				inFlight = append(inFlight, a)
				if len(rows[a.sub]) > 0 {
					lost++
				}
			}
		}
		t.Logf("%s: %d submissions, %d answered 201, %d without an answer at the kill (%d of them stored: committed, answer lost); %d rows",
			b.name, len(attempts), accepted, len(inFlight), lost, n)
		if accepted < 20 {
			t.Fatalf("only %d submissions accepted before the kill: the load did not run", accepted)
		}

		// Restarted: the residents whose requests were in flight retry.
		srv = startProc(t, b)
		retried := 0
		for _, a := range inFlight {
			status, id, err := submitTo(a.client, srv.URL, a.body)
			want, wantID := http.StatusCreated, ""
			if prev := rows[a.sub]; len(prev) == 1 {
				want, wantID = http.StatusOK, prev[0]
			}
			if err != nil || status != want || (wantID != "" && id != wantID) {
				t.Errorf("retry of in-flight submission %s: %d %s %v; want %d %s", a.sub, status, id, err, want, wantID)
				continue
			}
			a.status, a.response, a.err = http.StatusCreated, id, nil
			retried++
			// And the resident cannot answer twice.
			other := bytes.Replace(a.body, []byte(a.sub), []byte("00000000-0000-4000-8000-"+a.sub[24:]), 1)
			if status, _, err := submitTo(a.client, srv.URL, other); err != nil || status != http.StatusConflict {
				t.Errorf("second questionnaire of in-flight resident %s: %d %v, want 409", a.sub, status, err)
			}
		}
		waitResults(t, srv.URL, n+retried-lost)
		srv.signal(syscall.SIGTERM)
		if err := srv.wait(t, 30*time.Second); err != nil {
			t.Errorf("restarted minyi exited with %v after SIGTERM", err)
		}
		rows, _ = stored(t, b)
		n = checkAccepted(t, attempts, rows)
		checkTallies(t, b, surveyID, n)
	})
}

// TestGracefulShutdownUnderLoad stops the binary with SIGTERM while 16
// residents submit. Every request it took in gets a complete answer (a
// refused connection after the listener closed is fine, an answer cut
// short or a stored response whose answer never came is not), it exits 0
// after a last tally pass that leaves nothing uncounted, and the residents
// refused at the door are accepted after the restart.
func TestGracefulShutdownUnderLoad(t *testing.T) {
	runBackends(t, func(t *testing.T, b backend) {
		srv := startProc(t, b)
		l := startLoad(t, srv.URL)
		time.Sleep(loadFor())
		stopping := time.Now()
		srv.signal(syscall.SIGTERM)
		if err := srv.wait(t, 30*time.Second); err != nil {
			t.Errorf("minyi exited with %v after SIGTERM, want 0", err)
		}
		t.Logf("%s: exited %v after SIGTERM", b.name, time.Since(stopping).Round(time.Millisecond))
		attempts := l.end()

		rows, surveyID := stored(t, b)
		n := checkAccepted(t, attempts, rows)
		accepted, refused := 0, map[string]int{}
		var unanswered []*attempt
		for _, a := range attempts {
			switch {
			case a.err == nil && a.status == http.StatusCreated && a.response != "":
				accepted++
			case a.err == nil:
				t.Errorf("submission %s: %d during the shutdown, want 201", a.sub, a.status)
			case strings.Contains(a.err.Error(), "cut short"):
				t.Errorf("submission %s: %v", a.sub, a.err)
			case len(rows[a.sub]) > 0:
				t.Errorf("submission %s was stored, but its answer never came: %v", a.sub, a.err)
			default:
				unanswered = append(unanswered, a)
				refused[errorKind(a.err)]++
			}
		}
		t.Logf("%s: %d submissions, %d answered 201, %d refused unread %v; %d rows", b.name, len(attempts), accepted, len(unanswered), refused, n)
		if accepted < 20 {
			t.Fatalf("only %d submissions accepted before the shutdown: the load did not run", accepted)
		}
		checkTallies(t, b, surveyID, n) // the last tally pass counted everything

		srv = startProc(t, b)
		for _, a := range unanswered {
			if status, _, err := submitTo(a.client, srv.URL, a.body); err != nil || status != http.StatusCreated {
				t.Errorf("resident %s refused at the shutdown, after the restart: %d %v, want 201", a.sub, status, err)
			}
		}
		waitResults(t, srv.URL, n+len(unanswered))
	})
}

// errorKind names a client error for the log.
func errorKind(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "reset"
	case errors.Is(err, io.EOF), strings.Contains(err.Error(), "server closed idle connection"):
		return "closed idle"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return err.Error()
}

// lockedBuffer collects a process's output for the test to read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) tail(n int) string {
	s := l.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

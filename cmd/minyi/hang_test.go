package main

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestRedisHangDoesNotStallSubmissions hangs Redis under the binary while
// 16 residents submit: connections stay open and nothing answers, as with
// a stalled server or a black-holed link. The binary gets a plain
// MINYI_REDIS_URL, so its Redis client has the options main gives it, and
// the per-IP rate limiter (on Redis) is on but never reached. Claims and
// rate limits are only fast paths, so residents must still be answered,
// correctly and within a second, while Redis hangs; and no answer may be
// lost or counted twice.
func TestRedisHangDoesNotStallSubmissions(t *testing.T) {
	if !surveystest.Required() && !surveystest.MySQLConfigured() {
		surveystest.Missing(t, "MySQL ("+surveystest.EnvMySQL+")")
	}
	dsn := surveystest.MySQLDSN(t)
	rs := surveystest.StartRedis(t)
	px := surveystest.NewProxy(t, rs.Addr())
	b := backend{"mysql+redis", []string{"MINYI_DATA_DIR=" + t.TempDir(), "MINYI_MYSQL_DSN=" + dsn,
		"MINYI_REDIS_URL=redis://" + px.Addr() + "/0", "MINYI_SUBMIT_RATE=100000"},
		func() (*models.Store, error) { return models.OpenMySQL(dsn) }}
	srv := startProc(t, b)
	l := startLoad(t, srv.URL)

	const hang = 2500 * time.Millisecond
	time.Sleep(500 * time.Millisecond)
	hungAt := time.Now()
	px.Hang()
	time.Sleep(hang)
	px.Restore()
	time.Sleep(300 * time.Millisecond)
	attempts := l.end()

	// Before the hang an answer takes milliseconds; every one must still
	// come within a second, those in flight when Redis hung included.
	var during int
	var slowest time.Duration
	for _, a := range attempts {
		if a.err != nil || a.status != http.StatusCreated {
			t.Errorf("submission %s sent %v after the hang began: %d %v, want 201",
				a.sub, a.sentAt.Sub(hungAt).Round(time.Millisecond), a.status, a.err)
			continue
		}
		slowest = max(slowest, a.took)
		if a.sentAt.Before(hungAt.Add(hang)) && a.sentAt.Add(a.took).After(hungAt) {
			during++
		}
	}
	t.Logf("%d submissions, %d of them in flight while Redis hung for %v; slowest answer %v", len(attempts), during, hang, slowest)
	if slowest > time.Second {
		t.Errorf("while Redis hung, a resident waited %v for the answer: a stalled Redis must not stall submissions "+
			"(bound every claim, claim commit and rate-limit call to Redis by a short deadline)", slowest)
	}

	srv.signal(os.Interrupt)
	if err := srv.wait(t, 30*time.Second); err != nil {
		t.Errorf("minyi exited with %v after SIGINT", err)
	}
	rows, surveyID := stored(t, b)
	n := checkAccepted(t, attempts, rows)
	checkTallies(t, b, surveyID, n)
}

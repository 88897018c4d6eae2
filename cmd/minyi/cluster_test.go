package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// Scale-out tests: instances of the real binary on one MySQL database and a
// 6-node Redis Cluster of the test's own. Under steady load, and with a
// Redis primary killed in the middle of it, nothing accepted is lost,
// nothing is stored twice, the tallies equal a recount, and a resident
// racing through several instances is accepted once. They need MySQL (the
// instances share it) and redis-server/redis-cli; MINYI_TEST_CLUSTER=1
// makes a missing one a failure.

// clusterBackend is a fresh MySQL database and a Redis Cluster.
func clusterBackend(t *testing.T) (backend, *surveystest.RedisCluster) {
	t.Helper()
	if !surveystest.MySQLConfigured() {
		if surveystest.Required() {
			t.Fatalf("%s is required", surveystest.EnvMySQL)
		}
		surveystest.MissingCluster(t, "MySQL ("+surveystest.EnvMySQL+", shared by the instances)")
	}
	rc := surveystest.StartRedisCluster(t)
	dsn := surveystest.MySQLDSN(t)
	return backend{"mysql+redis-cluster",
		[]string{"MINYI_DATA_DIR=" + t.TempDir(), "MINYI_MYSQL_DSN=" + dsn, "MINYI_REDIS_URL=" + rc.URL()},
		func() (*models.Store, error) { return models.OpenMySQL(dsn) }}, rc
}

// with returns b with more env (later values win).
func (b backend) with(env ...string) backend {
	b.env = append(slices.Clone(b.env), env...)
	return b
}

// liveWatch follows an instance's live stream and records when each tally
// event came and how many responses it counted.
type liveWatch struct {
	mu     sync.Mutex
	events []liveEvent
	resp   *http.Response
}

type liveEvent struct {
	at        time.Time
	responses int
}

func watchLive(t *testing.T, base string) *liveWatch {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/surveys/" + demoSlug + "/live")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("live stream: %v %v", resp, err)
	}
	w := &liveWatch{resp: resp}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<16), 1<<22)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var body struct{ Responses int }
			_ = json.Unmarshal([]byte(data), &body)
			w.mu.Lock()
			w.events = append(w.events, liveEvent{time.Now(), body.Responses})
			w.mu.Unlock()
		}
	}()
	return w
}

// since returns the events after t.
func (w *liveWatch) since(t time.Time) []liveEvent {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []liveEvent
	for _, e := range w.events {
		if e.at.After(t) {
			out = append(out, e)
		}
	}
	return out
}

// resident is a new respondent: a cookie from the page at base.
func resident(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	resp, err := c.Get(base + "/s/" + demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// The cookie is the instance's host's; the others are on the same host.
	return c
}

// race sends one resident's questionnaire, under a different submission id
// each, to every instance at once, for n residents. Exactly one of each
// resident's must be accepted and the others refused as duplicates.
func race(t *testing.T, bases []string, n int, rng *mrand.Rand, c *questionnaire.Compiled) []*attempt {
	t.Helper()
	var all []*attempt
	for range n {
		client := resident(t, bases[0])
		var wg sync.WaitGroup
		tries := make([]*attempt, len(bases))
		for i, base := range bases {
			s := c.RandomSubmission(rng)
			body, _ := json.Marshal(s)
			a := &attempt{client: client, sub: s.SubmissionID, body: body}
			tries[i] = a
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.sentAt = time.Now()
				a.status, a.response, a.err = submitTo(client, base, body)
				a.took = time.Since(a.sentAt)
			}()
		}
		wg.Wait()
		won, refused := 0, 0
		for _, a := range tries {
			switch {
			case a.err != nil:
				t.Errorf("racing submission %s: %v", a.sub, a.err)
			case a.status == http.StatusCreated:
				won++
			case a.status == http.StatusConflict:
				refused++
			default:
				t.Errorf("racing submission %s: status %d", a.sub, a.status)
			}
		}
		if won != 1 || refused != len(bases)-1 {
			t.Errorf("one resident racing across %d instances: %d accepted, %d refused; want 1 and %d", len(bases), won, refused, len(bases)-1)
		}
		all = append(all, tries...)
	}
	return all
}

// figures are a load's accepted/s, p99 and errors, for the log and README.
func figures(attempts []*attempt, over time.Duration) string {
	var took []time.Duration
	errs := map[string]int{}
	for _, a := range attempts {
		switch {
		case a.err != nil:
			errs[errorKind(a.err)]++
		case a.status == http.StatusCreated:
			took = append(took, a.took)
		default:
			errs[fmt.Sprint(a.status)]++
		}
	}
	slices.Sort(took)
	p := func(q float64) time.Duration {
		if len(took) == 0 {
			return 0
		}
		return took[min(len(took)-1, int(q*float64(len(took))))].Round(time.Millisecond)
	}
	return fmt.Sprintf("%d accepted in %v (%.0f/s), p50 %v, p99 %v, errors %v",
		len(took), over.Round(time.Millisecond), float64(len(took))/over.Seconds(), p(0.50), p(0.99), errs)
}

// claimed checks that the claim of every given accepted submission is in
// the cluster, committed: claims went on through Redis, not only through
// the database.
func claimed(t *testing.T, b backend, rdb redis.UniversalClient, attempts []*attempt) {
	t.Helper()
	store, err := b.open()
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	missing, checked := 0, 0
	for _, a := range attempts {
		if a.err != nil || a.status != http.StatusCreated {
			continue
		}
		var r models.Response
		if err := store.R.Select("survey_id", "respondent_key").Where("submission_id = ?", a.sub).Take(&r).Error; err != nil {
			t.Fatalf("submission %s: %v", a.sub, err)
		}
		v, err := rdb.Get(t.Context(), fmt.Sprintf("minyi:dedup:%d:%s", r.SurveyID, r.RespondentKey)).Result()
		checked++
		if err != nil || !strings.Contains(v, a.sub) {
			missing++
		}
	}
	if missing > 0 || checked == 0 {
		t.Errorf("%d of %d accepted submissions have no committed claim in the Redis Cluster", missing, checked)
	}
}

// duplicatesRefused sends each accepted resident a second questionnaire
// (a new submission id) through base: every one must be refused.
func duplicatesRefused(t *testing.T, base string, attempts []*attempt) int {
	t.Helper()
	n := 0
	for _, a := range attempts {
		if a.err != nil || a.status != http.StatusCreated {
			continue
		}
		other := bytes.Replace(a.body, []byte(a.sub), []byte("00000000-0000-4000-8000-"+a.sub[24:]), 1)
		if status, _, err := submitTo(a.client, base, other); err != nil || status != http.StatusConflict {
			t.Errorf("second questionnaire of resident %s: %d %v, want 409", a.sub, status, err)
		}
		n++
	}
	return n
}

// stopAll stops every instance with SIGTERM (a last tally pass each).
func stopAll(t *testing.T, procs ...*proc) {
	t.Helper()
	for _, p := range procs {
		p.signal(syscall.SIGTERM)
	}
	for _, p := range procs {
		if err := p.wait(t, 30*time.Second); err != nil {
			t.Errorf("minyi exited with %v after SIGTERM", err)
		}
	}
}

func compiledDemo(t *testing.T) *questionnaire.Compiled {
	t.Helper()
	def, err := questionnaire.Builtin(demoSlug)
	if err != nil {
		t.Fatal(err)
	}
	c, err := questionnaire.CompileJSON(def)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRedisClusterInstances runs three instances on one database and the
// Redis Cluster: two take steady load, the third serves a live view (whose
// events can only come through the cluster's sharded Pub/Sub), and
// residents race one questionnaire each through all three.
func TestRedisClusterInstances(t *testing.T) {
	b, rc := clusterBackend(t)
	procs := []*proc{startProc(t, b), startProc(t, b), startProc(t, b)}
	if !strings.Contains(procs[0].out.String(), "redis=redis-cluster") {
		t.Fatalf("the instance did not say it runs on the cluster:\n%s", procs[0].out.tail(2000))
	}
	bases := []string{procs[0].URL, procs[1].URL, procs[2].URL}
	watch := watchLive(t, bases[2])
	c := compiledDemo(t)
	rng := mrand.New(mrand.NewPCG(16, uint64(time.Now().UnixNano())))

	began := time.Now()
	loads := []*load{startLoadN(t, bases[0], 8), startLoadN(t, bases[1], 8)}
	time.Sleep(time.Second)
	raced := race(t, bases, 15, rng, c)
	time.Sleep(time.Second)
	var attempts []*attempt
	for _, l := range loads {
		attempts = append(attempts, l.end()...)
	}
	over := time.Since(began)
	t.Logf("steady load on 2 of 3 instances: %s", figures(attempts, over))

	rows, surveyID := stored(t, b)
	n := checkAccepted(t, append(slices.Clone(attempts), raced...), rows)
	if n < 20 {
		t.Fatalf("only %d responses stored: the load did not run", n)
	}
	waitResults(t, bases[2], n)
	if ev := watch.since(began); len(ev) == 0 || ev[len(ev)-1].responses == 0 {
		t.Errorf("the live view on the third instance got %d events during the load: fan-out through the cluster failed", len(ev))
	}
	// The live channel is a shard channel on the primary of its slot.
	node := redis.NewClient(&redis.Options{Addr: rc.PrimaryOf(clusterLiveChannel())})
	defer node.Close()
	ch, err := node.PubSubShardChannels(t.Context(), "minyi:*").Result()
	if err != nil || !slices.Contains(ch, clusterLiveChannel()) {
		t.Errorf("shard channels on the live channel's primary: %v %v; want %s", ch, err, clusterLiveChannel())
	}
	claimed(t, b, rc.Client(), attempts)
	duplicatesRefused(t, bases[1], attempts[:min(20, len(attempts))])

	stopAll(t, procs...)
	rows, _ = stored(t, b)
	checkTallies(t, b, surveyID, checkAccepted(t, append(attempts, raced...), rows))
}

// clusterLiveChannel is the live channel of the binary on a cluster.
func clusterLiveChannel() string {
	return redisConfig{Kind: redisCluster, Cluster: &redis.ClusterOptions{}}.names(DefaultRedisPrefix).Live
}

// TestRedisClusterPrimaryKilled kills (SIGKILL) the Redis primary that
// holds the live channel's slot, and a third of the claims, while two
// instances take load. A replica takes over; submissions go on without an
// error; claims are committed on the new primary; a third instance's rate
// limit still refuses a flood; the live view goes on; duplicates are
// refused; and the tallies equal a recount.
func TestRedisClusterPrimaryKilled(t *testing.T) {
	b, rc := clusterBackend(t)
	procs := []*proc{startProc(t, b), startProc(t, b), startProc(t, b.with("MINYI_SUBMIT_RATE=3"))}
	bases := []string{procs[0].URL, procs[1].URL}
	watch := watchLive(t, bases[1])
	rdb := rc.Client()

	began := time.Now()
	loads := []*load{startLoadN(t, bases[0], 8), startLoadN(t, bases[1], 8)}
	time.Sleep(2 * time.Second)
	dead := rc.PrimaryOf(clusterLiveChannel())
	killed := time.Now()
	rc.Kill(dead)
	took, err := rc.WaitPromoted(dead, 30*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, rc.Logs())
	}
	promoted := time.Now()
	// Within 2 s every instance has reloaded its map of the cluster
	// (clusterReload); the test does not wait longer, so a slower reload fails it.
	settled := promoted.Add(2 * time.Second)
	time.Sleep(5 * time.Second)
	var attempts []*attempt
	for _, l := range loads {
		attempts = append(attempts, l.end()...)
	}
	over := time.Since(began)
	t.Logf("primary %s killed %v into the load; replica promoted %v later", dead, killed.Sub(began).Round(time.Millisecond), took.Round(time.Millisecond))
	t.Logf("whole load: %s", figures(attempts, over))
	var before, during, after []*attempt
	for _, a := range attempts {
		switch {
		case a.sentAt.Before(killed):
			before = append(before, a)
		case a.sentAt.Before(settled):
			during = append(during, a)
		default:
			after = append(after, a)
		}
	}
	t.Logf("before the kill: %s", figures(before, killed.Sub(began)))
	t.Logf("from the kill to the new map: %s", figures(during, settled.Sub(killed)))
	t.Logf("after: %s", figures(after, time.Since(settled)))
	for _, a := range attempts {
		if a.err != nil || a.status != http.StatusCreated {
			t.Errorf("submission %s: %d %v, want 201 throughout the failover", a.sub, a.status, a.err)
		}
	}
	if len(after) < 10 {
		t.Fatalf("only %d submissions after the failover: the load stalled", len(after))
	}

	// Claims go on through the new primary, duplicates are refused.
	claimed(t, b, rdb, after)
	duplicatesRefused(t, bases[0], before[:min(10, len(before))])
	duplicatesRefused(t, bases[1], after[:min(10, len(after))])
	// The live view on the second instance went on after the failover.
	if ev := watch.since(promoted.Add(time.Second)); len(ev) == 0 {
		t.Errorf("no live event on the second instance after the failover")
	}
	// The rate limit is shared through the cluster: a flood from one
	// address is refused in part.
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	c := compiledDemo(t)
	rng := mrand.New(mrand.NewPCG(3, 3))
	for range 20 {
		client := resident(t, procs[2].URL)
		body, _ := json.Marshal(c.RandomSubmission(rng))
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _, _ := submitTo(client, procs[2].URL, body)
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[http.StatusTooManyRequests] == 0 || statuses[http.StatusCreated] == 0 {
		t.Errorf("20 submissions at once from one address, 3/s allowed, after the failover: %v; want some 201 and some 429", statuses)
	}

	stopAll(t, procs...)
	rows, surveyID := stored(t, b)
	// The flood's accepted rows were sent too: count them as sent.
	n := 0
	for _, ids := range rows {
		n += len(ids)
	}
	flood := statuses[http.StatusCreated]
	if got := checkAccepted(t, attempts, withoutFlood(rows, attempts)); got != n-flood {
		t.Errorf("%d rows besides the flood's %d, of %d", got, flood, n)
	}
	checkTallies(t, b, surveyID, n)
}

// withoutFlood keeps the rows of the load's submissions only.
func withoutFlood(rows map[string][]string, attempts []*attempt) map[string][]string {
	sent := map[string]bool{}
	for _, a := range attempts {
		sent[a.sub] = true
	}
	out := map[string][]string{}
	for sub, ids := range rows {
		if sent[sub] {
			out[sub] = ids
		}
	}
	return out
}

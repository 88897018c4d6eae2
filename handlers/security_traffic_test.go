package handlers_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// campaignDefinition is the largest survey a designer may publish: 1,000
// units and 100 areas of one satisfaction question each (~75 KB of JSON),
// whose full results body is ~17 MB.
func campaignDefinition(t testing.TB, slug string) *questionnaire.Definition {
	t.Helper()
	d := builtinDefinition(t)
	d.Slug = slug
	d.Previous = ""
	d.Results = questionnaire.ResultsPublic
	d.Units = make([]questionnaire.Unit, questionnaire.MaxUnits)
	for i := range d.Units {
		d.Units[i] = questionnaire.Unit{Code: fmt.Sprintf("u%04d", i), Name: fmt.Sprintf("单位%d", i)}
	}
	first := d.Areas[0]
	d.Areas = make([]questionnaire.Area, questionnaire.MaxAreas)
	for i := range d.Areas {
		q := first.Questions[0]
		q.Code = fmt.Sprintf("a%03d", i)
		d.Areas[i] = questionnaire.Area{Code: fmt.Sprintf("A%03d", i), Name: fmt.Sprintf("领域%d", i),
			Summary: "工作概述", Questions: []questionnaire.Question{q}}
	}
	return d
}

// rss is the resident set of this process (server and clients) in bytes.
func rss(t testing.TB) int64 {
	t.Helper()
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status on this system")
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS in /proc/self/status")
	return 0
}

// submitter sends random submissions to a survey, each as a new resident,
// and times them.
type submitter struct {
	t    *testing.T
	in   *instance
	slug string
	c    *questionnaire.Compiled
	mu   sync.Mutex // guards rng
	rng  *mrand.Rand
}

func newSubmitter(t *testing.T, in *instance, slug string) *submitter {
	t.Helper()
	p, err := in.Svc.Published(slug)
	if err != nil {
		t.Fatal(err)
	}
	return &submitter{t: t, in: in, slug: slug, c: p.Compiled, rng: mrand.New(mrand.NewPCG(3, 12))}
}

// one submits once and returns how long the POST took.
func (s *submitter) one() time.Duration {
	s.t.Helper()
	d, err := s.try()
	if err != nil {
		s.t.Fatal(err)
	}
	return d
}

// try is one without failing the test, for other goroutines.
func (s *submitter) try() (time.Duration, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(s.in.URL + "/api/v1/surveys/" + s.slug)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.mu.Lock()
	body, _ := json.Marshal(s.c.RandomSubmission(s.rng))
	s.mu.Unlock()
	start := time.Now()
	resp, err = c.Post(s.in.URL+"/api/v1/surveys/"+s.slug+"/responses", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return 0, fmt.Errorf("submit to %s: %d %s", s.slug, resp.StatusCode, raw)
	}
	return time.Since(start), nil
}

// p99 submits n times, one after another, and returns the 99th percentile.
func (s *submitter) p99(n int) time.Duration {
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = s.one()
	}
	slices.Sort(d)
	return d[n*99/100]
}

// readStream reads a live stream to the end, counting its bytes; it reports
// the status it got on started.
func readStream(ctx context.Context, url string, started chan<- int, read *atomic.Int64) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stream:", err)
		started <- 0
		return
	}
	defer resp.Body.Close()
	started <- resp.StatusCode
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	buf := make([]byte, 64<<10)
	for {
		n, err := br.Read(buf)
		read.Add(int64(n))
		if err != nil {
			return
		}
	}
}

// TestResultsAndLiveAmplification publishes the largest survey a designer
// may, opens 50 live streams and keeps 8 readers fetching its results,
// while residents submit: the process stays under 300 MB and a
// submission's p99 within twice its idle value. Before, 8 readers took the
// process past 1 GB and 50 streams to ~5 GB.
func TestResultsAndLiveAmplification(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const streams, readers, maxRSS = 50, 8, 300 << 20
	cfg := handlers.Config{LiveMaxPerAddr: streams + 10, ResultsRate: 10}
	backends := map[string]func(t *testing.T) (*instance, live.Broker){
		"sqlite+memory": func(t *testing.T) (*instance, live.Broker) {
			b := live.NewMemory()
			return start(t, surveystest.SQLite(t), dedup.NewMemory(), b, cfg), b
		},
	}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		backends["mysql+redis"] = func(t *testing.T) (*instance, live.Broker) {
			rdb, p := surveystest.Redis(t), surveystest.Prefix()
			b := live.NewRedis(rdb, p+"tally")
			return start(t, surveystest.MySQL(t), dedup.NewRedis(rdb, p+"dedup:"), b, cfg), b
		}
	}
	for name, open := range backends {
		t.Run(name, func(t *testing.T) {
			debug.FreeOSMemory() // what an earlier case left counts against neither
			in, b := open(t)
			const big = "campaign-1000"
			d := campaignDefinition(t, big)
			raw, _ := json.Marshal(d)
			t.Logf("definition: %d bytes", len(raw))
			publish(t, in, d)
			// Residents answer social-2022 (timed); the campaign's results
			// change every half second (a change notice, as each tally pass
			// sends), so that its live events and re-scorings flow without
			// its tally passes, which take the SQLite writer for a while,
			// blurring the timings.
			s, campaign := newSubmitter(t, in, slug), newSubmitter(t, in, big)
			for range 30 { // some units with data, the caches filled
				campaign.one()
				s.one()
			}
			id := campaign.c.Def.Slug
			p, err := in.Svc.Published(id)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
			defer cancel()
			go func() {
				for ctx.Err() == nil {
					_ = b.Publish(ctx, p.Survey.ID)
					time.Sleep(500 * time.Millisecond)
				}
			}()
			idle := s.p99(300)
			base := rss(t)
			t.Logf("idle: p99 %v, RSS %d MB", idle, base>>20)

			var wg sync.WaitGroup
			var read, served, limited atomic.Int64
			started := make(chan int, streams)
			for range streams {
				wg.Add(1)
				go func() { defer wg.Done(); readStream(ctx, in.URL+"/api/v1/surveys/"+big+"/live", started, &read) }()
			}
			for range streams {
				if st := <-started; st != http.StatusOK {
					t.Fatalf("stream refused: %d", st)
				}
			}
			for i := range readers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// Half the readers ask for every unit, as the dashboard does.
					u := in.URL + "/api/v1/surveys/" + big + "/results"
					if i%2 == 0 {
						u += "?units=1"
					}
					for ctx.Err() == nil {
						req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							return
						}
						n, _ := io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						read.Add(n)
						if resp.StatusCode == http.StatusTooManyRequests {
							limited.Add(1)
							time.Sleep(100 * time.Millisecond)
						} else {
							served.Add(1)
						}
					}
				}()
			}
			var peak atomic.Int64
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					if r := rss(t); r > peak.Load() {
						peak.Store(r)
					}
					if peak.Load() > 3*maxRSS {
						cancel() // far over already: stop before the machine suffers
					}
					time.Sleep(50 * time.Millisecond)
				}
			}()
			time.Sleep(3 * time.Second) // the streams and readers in their stride
			loaded := s.p99(300)
			cancel()
			wg.Wait()
			t.Logf("under %d streams and %d readers: p99 %v (idle %v), peak RSS %d MB (idle %d MB); %d results served, %d limited, %d MB read",
				streams, readers, loaded, idle, peak.Load()>>20, base>>20, served.Load(), limited.Load(), read.Load()>>20)
			if peak.Load() > maxRSS {
				t.Errorf("peak RSS %d MB, want under %d MB", peak.Load()>>20, maxRSS>>20)
			}
			// Idle p99 under 5 ms counts as 5 ms: on a shared machine a
			// millisecond's jitter is no amplification.
			if limit := 2 * max(idle, 5*time.Millisecond); loaded > limit {
				t.Errorf("submission p99 %v under load, want within %v (2× idle %v)", loaded, limit, idle)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/time/rate"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

const userAgent = "minyi-load/1"

// Endpoints as the status table names them.
const (
	epSurvey  = "GET survey"
	epPost    = "POST responses"
	epResults = "GET results"
	epLive    = "GET live"
)

var endpoints = []string{epSurvey, epPost, epResults, epLive}

// Waits of the run's set-up and wind-down.
const (
	firstEventWait = 5 * time.Second        // for the live stream's first event
	settleWait     = 600 * time.Millisecond // between start counts: longer than a tally tick
	countPoll      = 200 * time.Millisecond
	countWait      = 15 * time.Second
	liveCatchUp    = 3 * time.Second // for an event showing the final count
	errorPause     = 100 * time.Millisecond
	progressEvery  = 5 * time.Second
)

// loader holds what the workers share.
type loader struct {
	cfg       config
	transport *http.Transport
	plain     *http.Client // no cookie jar: set-up reads and probes
	gen       *generator
	limiter   *rate.Limiter // nil = unlimited
	notes     *notes

	surveyURL, postURL, resultsURL, liveURL string

	reqCtx   context.Context // requests: they finish even when the run ends
	loadCtx  context.Context // ends at -duration, at -max or on Ctrl-C
	stopLoad context.CancelFunc

	next     atomic.Int64    // POST slots taken
	lat      []time.Duration // POST latency by slot; 0 = slot unused
	accepted atomic.Int64    // for progress lines
}

// run drives the load described by cfg, prints the report on out and
// returns it. The error is for a run that could not start (no
// questionnaire, no results); problems during the run are in the report.
func run(ctx context.Context, cfg config, out io.Writer) (report, error) {
	if err := cfg.validate(); err != nil {
		return report{}, err
	}
	l := newLoader(ctx, cfg)
	defer l.transport.CloseIdleConnections()
	setup := newStats()

	// The questionnaire, compiled once for every resident's answers.
	compiled, err := l.questionnaire(setup)
	if err != nil {
		return report{}, err
	}
	l.gen = newGenerator(compiled)

	// Follow the live stream from before the first submission, until the
	// count check is done.
	liveCtx, stopLive := context.WithCancel(l.reqCtx)
	defer stopLive()
	w := newWatcher(l.liveURL, &http.Client{Transport: l.transport, CheckRedirect: noRedirect}, l.notes)
	liveDone := make(chan struct{})
	go func() { defer close(liveDone); w.run(liveCtx) }()
	select {
	case <-w.first:
	case <-time.After(firstEventWait):
		l.notes.add("GET live: no event within %s", firstEventWait)
	case <-ctx.Done():
	}

	start, err := l.settledCount(ctx, setup)
	if err != nil {
		stopLive()
		<-liveDone
		return report{}, err
	}

	// CPU time of the watched processes, from here until the count check:
	// the tally passes that count the run's responses are part of its cost.
	watch, _ := parsePids(cfg.Pids) // validated above
	cpuBefore, err := cpuSnapshot(watch)
	if err != nil {
		stopLive()
		<-liveDone
		return report{}, err
	}

	// The load: workers, the results probe and progress lines.
	l.loadCtx, l.stopLoad = context.WithTimeout(ctx, cfg.Duration)
	defer l.stopLoad()
	begin := time.Now()
	var workers, helpers sync.WaitGroup
	per := make([]*stats, cfg.Concurrency)
	for i := range per {
		per[i] = newStats()
		workers.Go(func() { l.worker(i, per[i]) })
	}
	probe := newStats()
	helpers.Go(func() { l.probe(probe) })
	if !cfg.JSON {
		helpers.Go(func() { l.progress(out, begin) })
	}
	workers.Wait()
	elapsed := time.Since(begin)
	stoppedBy := "duration"
	switch {
	case ctx.Err() != nil:
		stoppedBy = "interrupt"
	case l.next.Load() >= int64(cfg.Max):
		stoppedBy = "max"
	}
	l.stopLoad()
	helpers.Wait()

	total := newStats()
	for _, s := range per {
		total.merge(s)
	}
	total.merge(probe)
	created := int64(total.status[epPost][http.StatusCreated])

	// The count check, then a moment for the live stream to show the end.
	final, ok := l.awaitCount(start+created, setup)
	cpuAfter, cpuErr := cpuSnapshot(watch)
	for t := time.Now(); final >= 0 && w.latest.Load() < final && time.Since(t) < liveCatchUp; {
		time.Sleep(50 * time.Millisecond)
	}
	stopLive()
	<-liveDone
	total.merge(setup)
	total.merge(w.st)

	rep := l.report(total, w, elapsed, stoppedBy, countCheck{Start: start, Created: created, Expected: start + created, Final: final, OK: ok})
	if cpuErr != nil {
		rep.Problems = append(rep.Problems, fmt.Sprintf("CPU time at the end: %v", cpuErr))
		rep.OK = false
	} else if len(watch) > 0 {
		rep.CPU = cpuUses(watch, cpuBefore, cpuAfter, rep.Accepted)
	}
	if err := rep.print(out, cfg.JSON); err != nil {
		return rep, err
	}
	return rep, nil
}

func newLoader(ctx context.Context, cfg config) *loader {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		MaxIdleConns:          2*cfg.Concurrency + 16,
		MaxIdleConnsPerHost:   cfg.Concurrency + 16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	base := strings.TrimRight(cfg.URL, "/") + "/api/v1/surveys/" + url.PathEscape(cfg.Survey)
	l := &loader{
		cfg:        cfg,
		transport:  tr,
		plain:      &http.Client{Transport: tr, Timeout: cfg.Timeout, CheckRedirect: noRedirect},
		notes:      &notes{},
		surveyURL:  base,
		postURL:    base + "/responses",
		resultsURL: base + "/results",
		liveURL:    base + "/live",
		reqCtx:     context.WithoutCancel(ctx),
		lat:        make([]time.Duration, cfg.Max),
	}
	if cfg.Rate > 0 {
		l.limiter = rate.NewLimiter(rate.Limit(cfg.Rate), 1)
	}
	return l
}

// loopbackOnly is the dialer's last word: whatever a name resolved to, only
// loopback addresses are dialled.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("refusing to connect to %s: not a loopback address", address)
	}
	return nil
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// do sends one request and reads the whole answer into buf. The duration
// runs from sending to the last byte of the body.
func (l *loader) do(c *http.Client, method, url string, body []byte, buf *bytes.Buffer) (int, time.Duration, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(l.reqCtx, method, url, r)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	buf.Reset()
	t := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return 0, time.Since(t), err
	}
	_, err = buf.ReadFrom(resp.Body)
	resp.Body.Close()
	d := max(time.Since(t), 1)
	if err != nil {
		return 0, d, err
	}
	return resp.StatusCode, d, nil
}

// questionnaire reads the published definition and compiles it.
func (l *loader) questionnaire(st *stats) (*questionnaire.Compiled, error) {
	var buf bytes.Buffer
	status, _, err := l.do(l.plain, http.MethodGet, l.surveyURL, nil, &buf)
	st.count(epSurvey, status)
	if err != nil {
		return nil, fmt.Errorf("open the questionnaire: %w", err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: status %d: %s%s", l.surveyURL, status, excerpt(buf.Bytes()), hint(status))
	}
	var p struct {
		questionnaire.Definition
		Open bool `json:"open"`
	}
	if err := json.Unmarshal(buf.Bytes(), &p); err != nil {
		return nil, fmt.Errorf("decode the questionnaire: %w", err)
	}
	c, err := questionnaire.Compile(&p.Definition)
	switch {
	case err != nil:
		return nil, fmt.Errorf("compile the questionnaire: %w", err)
	case !p.Open:
		return nil, fmt.Errorf("survey %s is closed", l.cfg.Survey)
	case p.Definition.Dedup != questionnaire.DedupDevice:
		return nil, fmt.Errorf("survey %s recognises respondents by %s; minyi-load plays devices (dedup \"device\") only", l.cfg.Survey, p.Definition.Dedup)
	case p.Definition.Results != questionnaire.ResultsPublic:
		return nil, fmt.Errorf("results of survey %s are not public: the probe and the count check need them", l.cfg.Survey)
	}
	return c, nil
}

// responses reads the survey's response count from the results endpoint.
func (l *loader) responses(st *stats, buf *bytes.Buffer) (int64, time.Duration, error) {
	status, d, err := l.do(l.plain, http.MethodGet, l.resultsURL, nil, buf)
	st.count(epResults, status)
	if err != nil {
		st.errors++
		return 0, d, err
	}
	if status != http.StatusOK {
		st.other++
		return 0, d, fmt.Errorf("GET results: status %d: %s%s", status, excerpt(buf.Bytes()), hint(status))
	}
	var body struct {
		Responses *int64 `json:"responses"`
	}
	if err := json.Unmarshal(buf.Bytes(), &body); err != nil || body.Responses == nil {
		st.errors++
		return 0, d, fmt.Errorf("GET results: no response count in %s", excerpt(buf.Bytes()))
	}
	return *body.Responses, d, nil
}

// settledCount reads the response count until two reads a tally tick apart
// agree, so responses from before the run are not mistaken for its own.
func (l *loader) settledCount(ctx context.Context, st *stats) (int64, error) {
	var buf bytes.Buffer
	n, _, err := l.responses(st, &buf)
	if err != nil {
		return 0, err
	}
	for range 10 {
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("interrupted before the load started")
		case <-time.After(settleWait):
		}
		m, _, err := l.responses(st, &buf)
		if err != nil {
			return 0, err
		}
		if m == n {
			return n, nil
		}
		n = m
	}
	return 0, fmt.Errorf("the response count keeps changing (%d): is another client submitting?", n)
}

// awaitCount polls the response count until it equals want or countWait
// passes. It returns the last count read (-1 if none) and whether it matched.
func (l *loader) awaitCount(want int64, st *stats) (int64, bool) {
	var buf bytes.Buffer
	last := int64(-1)
	for deadline := time.Now().Add(countWait); ; {
		n, _, err := l.responses(st, &buf)
		if err != nil {
			l.notes.add("%v", err)
		} else {
			last = n
			if n == want {
				return n, true
			}
		}
		if time.Now().After(deadline) {
			return last, false
		}
		time.Sleep(countPoll)
	}
}

// take claims a POST slot, waiting for the rate limiter. It reports false
// when the run is over: -duration passed, -max slots were taken, or Ctrl-C.
func (l *loader) take() (int64, bool) {
	if l.loadCtx.Err() != nil {
		return 0, false
	}
	i := l.next.Add(1) - 1
	if i >= int64(len(l.lat)) {
		l.stopLoad()
		return 0, false
	}
	if l.limiter != nil && l.limiter.Wait(l.loadCtx) != nil {
		return 0, false
	}
	return i, true
}

// pause waits d, or less when the run ends.
func (l *loader) pause(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-l.loadCtx.Done():
	case <-t.C:
	}
}

// worker plays one resident after another until the run ends.
func (l *loader) worker(id int, st *stats) {
	rng := mrand.New(mrand.NewPCG(uint64(id), uint64(time.Now().UnixNano())))
	var buf bytes.Buffer
	for l.loadCtx.Err() == nil {
		if !l.resident(rng, st, &buf) {
			l.pause(errorPause) // do not spin against a failing server
		}
	}
}

// probe reads the results every -probe while the load runs, as a
// dashboard would, and records how long each read took.
func (l *loader) probe(st *stats) {
	if l.cfg.Probe <= 0 {
		return
	}
	var buf bytes.Buffer
	t := time.NewTicker(l.cfg.Probe)
	defer t.Stop()
	for {
		select {
		case <-l.loadCtx.Done():
			return
		case <-t.C:
		}
		if _, d, err := l.responses(st, &buf); err != nil {
			l.notes.add("%v", err)
		} else {
			st.probes = append(st.probes, d)
		}
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// liveEvent is one "tally" event: when it arrived and the response count it carried.
type liveEvent struct {
	at        time.Time
	responses int64
}

// watcher follows the survey's live stream like a dashboard does, and
// records every tally event. It reconnects after the stream ends, as an
// EventSource would.
type watcher struct {
	url    string
	client *http.Client // no timeout: the stream is long-lived
	st     *stats
	notes  *notes

	events  []liveEvent   // read only after run returns
	latest  atomic.Int64  // responses in the latest event; -1 before the first
	first   chan struct{} // closed at the first event, or when watching gives up
	onFirst sync.Once
}

func newWatcher(url string, client *http.Client, n *notes) *watcher {
	w := &watcher{url: url, client: client, st: newStats(), notes: n, first: make(chan struct{})}
	w.latest.Store(-1)
	return w
}

// run follows the stream until ctx ends.
func (w *watcher) run(ctx context.Context) {
	defer w.onFirst.Do(func() { close(w.first) })
	for ctx.Err() == nil {
		status, err := w.stream(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case err != nil:
			w.st.count(epLive, 0)
			w.st.errors++
			w.notes.add("GET live: %v", err)
		case status != http.StatusOK:
			w.st.other++
			w.notes.add("GET live: status %d", status)
			return // a refusal will not change by asking again
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// stream reads one connection's events until it ends. A clean end of the
// stream (the server's lifetime limit) returns 200 and no error.
func (w *watcher) stream(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", userAgent)
	resp, err := w.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	w.st.count(epLive, resp.StatusCode)
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var event string
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 { // a blank line dispatches the event
			if event == "tally" {
				if err := w.record(data); err != nil {
					return resp.StatusCode, err
				}
			}
			event, data = "", data[:0]
			continue
		}
		if line[0] == ':' {
			continue // comment: heartbeat
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			event = string(value)
		case "data":
			if len(data) > 0 {
				data = append(data, '\n')
			}
			data = append(data, value...)
		}
	}
	return resp.StatusCode, sc.Err()
}

func (w *watcher) record(data []byte) error {
	at := time.Now()
	var body struct {
		Responses *int64 `json:"responses"`
	}
	if err := json.Unmarshal(data, &body); err != nil || body.Responses == nil {
		return fmt.Errorf("tally event without a response count: %.80s", data)
	}
	w.events = append(w.events, liveEvent{at: at, responses: *body.Responses})
	w.latest.Store(*body.Responses)
	w.onFirst.Do(func() { close(w.first) })
	return nil
}

// liveLag measures how soon accepted submissions show up on the live
// stream. accepted holds the arrival times of this run's 201s, sorted; base
// is the response count before the run. An event carrying count n includes
// this run's first n-base accepted responses; the first event whose count
// reaches rank k is the first to show the k-th accepted response. For each
// event that shows responses no earlier event showed, the lag is the age of
// the oldest of them: the event's arrival minus that 201's arrival. Ranking
// by 201 arrival stands in for the server's commit order, so a lag may come
// out slightly short; one below zero (the event overtook the 201) counts as
// zero. It returns the lags and how many accepted responses were shown.
func liveLag(events []liveEvent, base int64, accepted []time.Time) (lags []time.Duration, shown int) {
	lags, _, shown = liveLags(events, base, accepted)
	return lags, shown
}

// liveLags is liveLag that also returns every shown response's own lag:
// the first event that shows it minus its 201's arrival. That is how long
// one resident's answer takes to reach a dashboard.
func liveLags(events []liveEvent, base int64, accepted []time.Time) (oldest, each []time.Duration, shown int) {
	for _, e := range events {
		k := int(min(max(e.responses-base, 0), int64(len(accepted))))
		if k <= shown {
			continue
		}
		oldest = append(oldest, max(e.at.Sub(accepted[shown]), 0))
		for _, at := range accepted[shown:k] {
			each = append(each, max(e.at.Sub(at), 0))
		}
		shown = k
	}
	return oldest, each, shown
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is what a run measured and checked. Times are in milliseconds.
type report struct {
	URL         string  `json:"url"`
	Survey      string  `json:"survey"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate"`
	Seconds     float64 `json:"seconds"`
	StoppedBy   string  `json:"stopped_by"` // "duration", "max" or "interrupt"

	Sent       int `json:"sent"`       // POSTs made: submissions, retries, duplicates
	Accepted   int `json:"accepted"`   // 201 to a new submission
	Retries    int `json:"retries"`    // 200 with the original response_id to a retry
	Mismatched int `json:"mismatched"` // 200 to a retry with another response_id
	Duplicates int `json:"duplicates"` // 409 "duplicate" to a second questionnaire
	Other      int `json:"other"`      // any unexpected status, on any endpoint
	Errors     int `json:"errors"`     // transport errors and answers that break the contract

	AcceptedPerSec float64    `json:"accepted_per_s"`
	Latency        spread     `json:"post_latency_ms"`
	Probe          spread     `json:"results_latency_ms"`
	Live           liveReport `json:"live"`
	CPU            []cpuUse   `json:"cpu,omitempty"` // -pids, from the load's start to the count check

	// Status counts every answer by endpoint and status ("error" = no answer).
	Status map[string]map[string]int `json:"status"`
	Count  countCheck                `json:"count"`

	Samples  []string `json:"samples,omitempty"` // the first few errors, verbatim
	Problems []string `json:"problems"`
	OK       bool     `json:"ok"`
}

// spread summarises durations: exact percentiles of every sample.
type spread struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

type liveReport struct {
	Events      int     `json:"events"`     // tally events received
	Updates     int     `json:"updates"`    // events that included responses no earlier event did
	LagP95      float64 `json:"lag_p95_ms"` // over updates; see liveLag
	LagMax      float64 `json:"lag_max_ms"`
	EachP50     float64 `json:"response_lag_p50_ms"` // over shown responses; see liveLags
	EachP95     float64 `json:"response_lag_p95_ms"`
	Unreflected int     `json:"unreflected"` // 201s no event had included by the end
}

type countCheck struct {
	Start    int64 `json:"start"`    // responses before the run
	Created  int64 `json:"created"`  // 201s seen
	Expected int64 `json:"expected"` // start + created
	Final    int64 `json:"final"`    // responses at the end (-1 = unreadable)
	OK       bool  `json:"ok"`
}

// percentile returns the nearest-rank p-th percentile (0-100) of sorted
// durations: the smallest value with at least p % of the samples at or
// below it. It is 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// spreadOf sorts d in place and summarises it.
func spreadOf(d []time.Duration) spread {
	slices.Sort(d)
	return spread{
		N:   len(d),
		P50: ms(percentile(d, 50)),
		P95: ms(percentile(d, 95)),
		P99: ms(percentile(d, 99)),
		Max: ms(percentile(d, 100)),
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// print writes the report as compact text, or as JSON.
func (r *report) print(out io.Writer, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	rate := "unlimited"
	if r.Rate > 0 {
		rate = group(int64(r.Rate)) + "/s"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "minyi-load  %s  survey %s  c=%d  rate %s  %.1fs (stopped by %s)\n",
		r.URL, r.Survey, r.Concurrency, rate, r.Seconds, r.StoppedBy)
	fmt.Fprintf(&b, "submissions  %s sent: %s accepted (201), %s retries (200), %s duplicates (409), %s other, %s errors\n",
		group(r.Sent), group(r.Accepted), group(r.Retries), group(r.Duplicates), group(r.Other), group(r.Errors))
	fmt.Fprintf(&b, "accepted/s   %s\n", group(int64(math.Round(r.AcceptedPerSec))))
	fmt.Fprintf(&b, "POST         p50 %s  p95 %s  p99 %s  max %s  (%s requests)\n",
		msText(r.Latency.P50), msText(r.Latency.P95), msText(r.Latency.P99), msText(r.Latency.Max), group(r.Latency.N))
	if r.Probe.N > 0 {
		fmt.Fprintf(&b, "results      p50 %s  p99 %s  max %s  (%s probes)\n",
			msText(r.Probe.P50), msText(r.Probe.P99), msText(r.Probe.Max), group(r.Probe.N))
	} else {
		fmt.Fprintf(&b, "results      not probed\n")
	}
	fmt.Fprintf(&b, "live         per response p50 %s  p95 %s; oldest per event p95 %s  max %s  (%s events, %s with new responses",
		msText(r.Live.EachP50), msText(r.Live.EachP95), msText(r.Live.LagP95), msText(r.Live.LagMax), group(r.Live.Events), group(r.Live.Updates))
	if r.Live.Unreflected > 0 {
		fmt.Fprintf(&b, "; %s accepted never shown", group(r.Live.Unreflected))
	}
	b.WriteString(")\n")
	if len(r.CPU) > 0 {
		parts := make([]string, 0, len(r.CPU))
		for _, c := range r.CPU {
			parts = append(parts, fmt.Sprintf("%s %.3f", c.Name, c.PerAccepted))
		}
		fmt.Fprintf(&b, "CPU-ms/201   %s  (user+system per accepted response, load start to count check)\n", strings.Join(parts, "  "))
	}
	label := "status       "
	for _, ep := range endpoints {
		codes := r.Status[ep]
		if len(codes) == 0 {
			continue
		}
		keys := make([]string, 0, len(codes))
		for k := range codes {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			parts = append(parts, k+" ×"+group(codes[k]))
		}
		fmt.Fprintf(&b, "%s%-15s %s\n", label, ep, strings.Join(parts, "  "))
		label = "             "
	}
	verdict := "OK"
	if !r.Count.OK {
		verdict = fmt.Sprintf("MISMATCH (%+d)", r.Count.Final-r.Count.Expected)
		if r.Count.Final < 0 {
			verdict = "unreadable"
		}
	}
	fmt.Fprintf(&b, "count        %s → %s responses; expected %s + %s (201s): %s\n",
		group(r.Count.Start), group(r.Count.Final), group(r.Count.Start), group(r.Count.Created), verdict)
	for _, s := range r.Samples {
		fmt.Fprintf(&b, "  e.g. %s\n", s)
	}
	if r.OK {
		b.WriteString("OK\n")
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "FAIL: %s\n", p)
	}
	_, err := io.WriteString(out, b.String())
	return err
}

// msText formats milliseconds compactly: 0.84ms, 12.3ms, 1.02s.
func msText(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + "s"
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	default:
		return strconv.FormatFloat(v, 'f', 2, 64) + "ms"
	}
}

// group writes an integer with thousands separators: 1,234,567.
func group[T int | int64](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// progress prints the accepted count and rate every few seconds.
func (l *loader) progress(out io.Writer, begin time.Time) {
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	var last int64
	for {
		select {
		case <-l.loadCtx.Done():
			return
		case now := <-t.C:
			n := l.accepted.Load()
			fmt.Fprintf(out, "  %3.0fs  %s accepted  %s/s\n", now.Sub(begin).Seconds(),
				group(n), group((n-last)*int64(time.Second)/int64(progressEvery)))
			last = n
		}
	}
}

// report turns the merged counts into the report and its verdict.
func (l *loader) report(total *stats, w *watcher, elapsed time.Duration, stoppedBy string, count countCheck) report {
	cfg := l.cfg
	r := report{
		URL: cfg.URL, Survey: cfg.Survey, Concurrency: cfg.Concurrency, Rate: cfg.Rate,
		Seconds:    elapsed.Seconds(),
		StoppedBy:  stoppedBy,
		Sent:       total.sent,
		Accepted:   total.accepted,
		Retries:    total.retries,
		Mismatched: total.mismatched,
		Duplicates: total.duplicates,
		Other:      total.other,
		Errors:     total.errors,
		Count:      count,
		Status:     map[string]map[string]int{},
		Problems:   []string{},
	}
	if elapsed > 0 {
		r.AcceptedPerSec = float64(total.accepted) / elapsed.Seconds()
	}

	// Latencies: the slots that were used.
	used := l.lat[:min(l.next.Load(), int64(len(l.lat)))]
	r.Latency = spreadOf(slices.DeleteFunc(used, func(d time.Duration) bool { return d == 0 }))
	r.Probe = spreadOf(total.probes)

	slices.SortFunc(total.acceptedAt, time.Time.Compare)
	lags, each, shown := liveLags(w.events, count.Start, total.acceptedAt)
	slices.Sort(lags)
	slices.Sort(each)
	r.Live = liveReport{
		Events:      len(w.events),
		Updates:     len(lags),
		LagP95:      ms(percentile(lags, 95)),
		LagMax:      ms(percentile(lags, 100)),
		EachP50:     ms(percentile(each, 50)),
		EachP95:     ms(percentile(each, 95)),
		Unreflected: len(total.acceptedAt) - shown,
	}

	throttled := false
	for ep, m := range total.status {
		r.Status[ep] = map[string]int{}
		for code, n := range m {
			key := strconv.Itoa(code)
			if code == 0 {
				key = "error"
			}
			r.Status[ep][key] = n
			throttled = throttled || code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable
		}
	}

	r.Samples = l.notes.samples()

	if r.Errors > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d errors (no answer, or an answer that breaks the contract)", r.Errors))
	}
	if r.Other > 0 {
		r.Problems = append(r.Problems, fmt.Sprintf("%d unexpected statuses", r.Other))
	}
	if throttled {
		r.Problems = append(r.Problems, "the server answered 429 or 503: start the server with MINYI_SUBMIT_RATE=0 for load tests")
	}
	if !count.OK {
		r.Problems = append(r.Problems, fmt.Sprintf("the response count did not reach %d within %s: it is %d", count.Expected, countWait, count.Final))
	}
	r.OK = len(r.Problems) == 0
	return r
}

// excerpt shortens an answer body for a message.
func excerpt(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func hint(status int) string {
	if status == http.StatusTooManyRequests {
		return " (start the server with MINYI_SUBMIT_RATE=0 for load tests)"
	}
	return ""
}

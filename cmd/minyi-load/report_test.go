package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no samples", nil, 50, 0},
		{"one sample, p50", ms(7), 50, 7 * time.Millisecond},
		{"one sample, p99", ms(7), 99, 7 * time.Millisecond},
		{"1..100 p50", ms(hundred...), 50, 50 * time.Millisecond},
		{"1..100 p95", ms(hundred...), 95, 95 * time.Millisecond},
		{"1..100 p99", ms(hundred...), 99, 99 * time.Millisecond},
		{"1..100 max", ms(hundred...), 100, 100 * time.Millisecond},
		{"four, p50 is the 2nd", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"four, p51 is the 3rd", ms(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{"four, p95 is the 4th", ms(1, 2, 3, 4), 95, 4 * time.Millisecond},
		{"four, p0 is the 1st", ms(1, 2, 3, 4), 0, 1 * time.Millisecond},
		{"ten with an outlier, p90", ms(1, 1, 1, 1, 1, 1, 1, 1, 1, 500), 90, 1 * time.Millisecond},
		{"ten with an outlier, p99", ms(1, 1, 1, 1, 1, 1, 1, 1, 1, 500), 99, 500 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Fatalf("percentile(p%g) = %s, want %s", tc.p, got, tc.want)
			}
		})
	}
}

func TestLiveLag(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	accepted := []time.Time{at(0), at(100), at(200), at(900), at(1000)}
	cases := []struct {
		name   string
		events []liveEvent
		lags   []time.Duration
		shown  int
	}{
		{"no events", nil, nil, 0},
		{"only the count before the run", []liveEvent{{at(-50), 40}}, nil, 0},
		{"two updates", []liveEvent{{at(-50), 40}, {at(700), 43}, {at(1500), 45}},
			[]time.Duration{700 * time.Millisecond, 600 * time.Millisecond}, 5},
		{"a repeated count is no update", []liveEvent{{at(700), 43}, {at(800), 43}},
			[]time.Duration{700 * time.Millisecond}, 3},
		{"one event shows all", []liveEvent{{at(950), 45}},
			[]time.Duration{950 * time.Millisecond}, 5},
		{"an event that overtook the 201 counts zero", []liveEvent{{at(150), 42}, {at(160), 43}},
			[]time.Duration{150 * time.Millisecond, 0}, 3},
		{"responses from others are capped", []liveEvent{{at(1200), 99}},
			[]time.Duration{1200 * time.Millisecond}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lags, shown := liveLag(tc.events, 40, accepted)
			if shown != tc.shown || len(lags) != len(tc.lags) {
				t.Fatalf("liveLag = %v, %d shown; want %v, %d", lags, shown, tc.lags, tc.shown)
			}
			for i := range lags {
				if lags[i] != tc.lags[i] {
					t.Fatalf("lag %d = %s, want %s", i, lags[i], tc.lags[i])
				}
			}
		})
	}
}

func TestLiveLagsPerResponse(t *testing.T) {
	t0 := time.Now()
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	accepted := []time.Time{at(0), at(100), at(200), at(900), at(1000)}
	// The event at 700 shows the first three (lags 700, 600, 500); the one
	// at 1500 shows the last two (600, 500).
	_, each, shown := liveLags([]liveEvent{{at(700), 43}, {at(1500), 45}}, 40, accepted)
	want := []time.Duration{700, 600, 500, 600, 500}
	if shown != 5 || len(each) != len(want) {
		t.Fatalf("each = %v, shown %d", each, shown)
	}
	for i := range want {
		if each[i] != want[i]*time.Millisecond {
			t.Fatalf("response %d lag = %s, want %dms", i, each[i], want[i])
		}
	}
}

func TestGroup(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := group(n); got != want {
			t.Errorf("group(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestReportPrint(t *testing.T) {
	r := report{URL: "http://127.0.0.1:8080", Survey: "social-2022", Concurrency: 64, Seconds: 60, StoppedBy: "duration",
		Sent: 1200, Accepted: 1000, Retries: 50, Duplicates: 20, AcceptedPerSec: 16.7,
		Latency: spread{N: 1070, P50: 1.5, P95: 9, P99: 20, Max: 1200},
		Status:  map[string]map[string]int{epPost: {"201": 1000, "200": 50, "409": 20}, epSurvey: {"200": 1000}},
		Count:   countCheck{Start: 5, Created: 1000, Expected: 1005, Final: 1005, OK: true}, Problems: []string{}, OK: true}
	var text bytes.Buffer
	if err := r.print(&text, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"1,000 accepted (201)", "p99 20.0ms", "max 1.20s", "201 ×1,000", "5 → 1,005 responses", ": OK\n", "\nOK\n"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	var js bytes.Buffer
	if err := r.print(&js, true); err != nil {
		t.Fatal(err)
	}
	var back report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Accepted != 1000 || !back.OK {
		t.Fatalf("JSON report = %v, %+v", err, back)
	}
}

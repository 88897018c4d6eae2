package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// server runs a real app on SQLite with in-process dedup and fan-out, its
// tally worker and broker, allowing submitRate submissions a second from
// one IP (0 = no limit).
func server(t *testing.T, submitRate int) string {
	t.Helper()
	store := surveystest.SQLite(t)
	broker := live.NewMemory()
	svc := surveystest.ServiceWith(t, store, dedup.NewMemory(), broker)
	hub := live.NewHub(svc.RenderLive)
	limiter := limit.NewMemory()
	app, err := handlers.New(handlers.Config{Secret: surveystest.Secret, Database: "sqlite", Dedup: "memory", SubmitRate: submitRate,
		Limiter: limiter, Staff: &staff.Service{Store: store, Limiter: limiter}}, svc, hub)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go svc.RunFanout(ctx, hub)
	go svc.RunTallier(ctx)
	srv := httptest.NewServer(app.Echo())
	t.Cleanup(func() { hub.Close(); srv.Close(); cancel() })
	return srv.URL
}

func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs load for a few seconds")
	}
	url := server(t, 0)
	base := config{URL: url, Survey: "social-2022", Concurrency: 4, Max: 100_000,
		Timeout: 10 * time.Second, Probe: 100 * time.Millisecond}

	t.Run("for a duration, with retries and duplicates", func(t *testing.T) {
		cfg := base
		cfg.Duration, cfg.Retry, cfg.Dup = 2*time.Second, 0.2, 0.1
		cfg.Pids = "app=" + strconv.Itoa(os.Getpid()) // the server runs in this process
		var out bytes.Buffer
		rep, err := run(t.Context(), cfg, &out)
		t.Logf("\n%s", out.String())
		if err != nil {
			t.Fatal(err)
		}
		checks := []struct {
			what string
			ok   bool
		}{
			{"the run is OK", rep.OK},
			{"stopped by the duration", rep.StoppedBy == "duration"},
			{"accepted > 0", rep.Accepted > 0},
			{"retries > 0", rep.Retries > 0},
			{"every retry matched", rep.Mismatched == 0 && rep.Status[epPost]["200"] == rep.Retries},
			{"duplicates > 0", rep.Duplicates > 0 && rep.Status[epPost]["409"] == rep.Duplicates},
			{"no errors or other statuses", rep.Errors == 0 && rep.Other == 0},
			{"every POST timed", rep.Latency.N == rep.Sent && rep.Sent == rep.Accepted+rep.Retries+rep.Duplicates},
			{"the count check passed", rep.Count.OK && rep.Count.Final == rep.Count.Start+int64(rep.Accepted)},
			{"live events, some with new responses", rep.Live.Events > 0 && rep.Live.Updates > 0},
			{"the results were probed", rep.Probe.N > 0},
			{"the app's CPU per 201 measured", len(rep.CPU) == 1 && rep.CPU[0].Name == "app" && rep.CPU[0].MS > 0 &&
				rep.CPU[0].PerAccepted == rep.CPU[0].MS/float64(rep.Accepted)},
			{"and printed", strings.Contains(out.String(), "CPU-ms/201   app ")},
			{"latencies are ordered", 0 < rep.Latency.P50 && rep.Latency.P50 <= rep.Latency.P99 && rep.Latency.P99 <= rep.Latency.Max},
		}
		for _, c := range checks {
			if !c.ok {
				t.Errorf("%s: no (%+v)", c.what, rep)
			}
		}
	})

	t.Run("bounded by -max", func(t *testing.T) {
		cfg := base
		cfg.Duration, cfg.Max, cfg.Probe = time.Minute, 25, 0
		var out bytes.Buffer
		begin := time.Now()
		rep, err := run(t.Context(), cfg, &out)
		t.Logf("\n%s", out.String())
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || rep.StoppedBy != "max" || rep.Sent != 25 || rep.Accepted != 25 || rep.Probe.N != 0 {
			t.Fatalf("report = %+v, want 25 accepted, stopped by max", rep)
		}
		if time.Since(begin) > 20*time.Second {
			t.Fatalf("a 25-submission run took %s", time.Since(begin))
		}
	})

	t.Run("interrupted", func(t *testing.T) {
		cfg := base
		cfg.Duration = time.Minute
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(1500*time.Millisecond, cancel)
		var out bytes.Buffer
		rep, err := run(ctx, cfg, &out)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || rep.StoppedBy != "interrupt" || rep.Accepted == 0 || !rep.Count.OK {
			t.Fatalf("report = %+v\n%s", rep, out.String())
		}
	})

	t.Run("capped by -rate", func(t *testing.T) {
		cfg := base
		cfg.Duration, cfg.Rate, cfg.Retry, cfg.Dup = time.Second, 20, 0, 0
		rep, err := run(t.Context(), cfg, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		if limit := int(cfg.Rate*rep.Seconds) + 2; !rep.OK || rep.Sent == 0 || rep.Sent > limit {
			t.Fatalf("at 20/s for %.2fs sent %d, want 1-%d (report %+v)", rep.Seconds, rep.Sent, limit, rep)
		}
	})
}

func TestRunRefuses(t *testing.T) {
	cases := []struct {
		name string
		cfg  config
	}{
		{"a remote host", config{URL: "http://192.168.1.1:8080"}},
		{"an unknown survey", config{URL: server(t, 0), Survey: "nope"}},
		{"a process that is not there", config{URL: server(t, 0), Pids: "app=1073741824"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config{Survey: "social-2022", Concurrency: 1, Duration: time.Second, Max: 10, Timeout: time.Second}
			cfg.URL = tc.cfg.URL
			if tc.cfg.Survey != "" {
				cfg.Survey = tc.cfg.Survey
			}
			cfg.Pids = tc.cfg.Pids
			if _, err := run(t.Context(), cfg, &bytes.Buffer{}); err == nil {
				t.Fatal("run started")
			}
		})
	}
}

func TestRunRateLimited(t *testing.T) {
	cfg := config{URL: server(t, 1), Survey: "social-2022", Concurrency: 2, Duration: time.Second, Max: 1000, Timeout: 10 * time.Second}
	var out bytes.Buffer
	rep, err := run(t.Context(), cfg, &out)
	t.Logf("\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK || rep.Status[epPost]["429"] == 0 || !strings.Contains(out.String(), "MINYI_SUBMIT_RATE=0") {
		t.Fatalf("a throttled run should fail with the hint:\n%s", out.String())
	}
	if !rep.Count.OK {
		t.Fatalf("the count check should still pass:\n%s", out.String())
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

func TestParseConfig(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(config) bool
		wantErr bool
	}{
		{"defaults", nil, nil, func(c config) bool {
			return c.Addr == "127.0.0.1:8080" && c.DataDir == "./minyi-data" && c.MySQLDSN == "" && c.demo() && c.SubmitRate == handlers.DefaultSubmitRate
		}, false},
		{"env", nil, map[string]string{"MINYI_ADDR": ":9000", "MINYI_MYSQL_DSN": "u@tcp(db)/m", "MINYI_REDIS_URL": "redis://r:6379/0"},
			func(c config) bool { return c.Addr == ":9000" && c.MySQLDSN != "" && c.RedisURL != "" && !c.demo() }, false},
		{"flag beats env", []string{"--addr", ":7000", "--demo", "on"}, map[string]string{"MINYI_ADDR": ":9000", "MINYI_MYSQL_DSN": "x"},
			func(c config) bool { return c.Addr == ":7000" && c.demo() }, false},
		{"demo off on SQLite", nil, map[string]string{"MINYI_DEMO": "off"}, func(c config) bool { return !c.demo() }, false},
		{"bad demo", nil, map[string]string{"MINYI_DEMO": "maybe"}, nil, true},
		{"bad rate", nil, map[string]string{"MINYI_SUBMIT_RATE": "fast"}, nil, true},
		{"traffic limits", []string{"--live-max-per-addr", "5"}, map[string]string{"MINYI_RESULTS_RATE": "0", "MINYI_LIVE_MAX_STREAMS": "300"},
			func(c config) bool { return c.ResultsRate == 0 && c.LiveMaxStreams == 300 && c.LiveMaxPerAddr == 5 }, false},
		{"traffic defaults", nil, nil, func(c config) bool { return c.ResultsRate == 20 && c.LiveMaxStreams == 1000 && c.LiveMaxPerAddr == 20 }, false},
		{"no live streams", nil, map[string]string{"MINYI_LIVE_MAX_STREAMS": "0"}, nil, true},
		{"stray argument", []string{"serve-please"}, nil, nil, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseConfig(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err == nil && !tc.want(cfg) {
				t.Fatalf("config = %+v", cfg)
			}
		})
	}
	t.Run("help names every variable", func(t *testing.T) {
		var out bytes.Buffer
		_, err := parseConfig([]string{"--help"}, func(string) string { return "" }, &out)
		if !errors.Is(err, flag.ErrHelp) {
			t.Fatalf("err = %v", err)
		}
		for _, v := range []string{"MINYI_ADDR", "MINYI_MYSQL_DSN", "MINYI_DATA_DIR", "MINYI_REDIS_URL", "MINYI_SECRET", "MINYI_DEMO"} {
			if !strings.Contains(out.String(), v) {
				t.Errorf("--help does not mention %s", v)
			}
		}
	})
}

// serve runs the binary's run() until the returned stop is called.
func serve(t *testing.T, cfg config) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, ready) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("graceful shutdown took over 30 s")
		}
	}
	t.Cleanup(stop)
	return "http://" + addr, stop
}

func TestRunServesRestartsAndDrains(t *testing.T) {
	configs := map[string]config{"sqlite": {Addr: "127.0.0.1:0", DataDir: t.TempDir()}}
	if surveystest.Required() || surveystest.MySQLConfigured() {
		surveystest.Redis(t)
		configs["mysql+redis"] = config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Demo: "on", Secret: testSecret,
			MySQLDSN: surveystest.MySQLDSN(t), RedisURL: os.Getenv(surveystest.EnvRedis)}
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			base, stop := serve(t, cfg)
			var health map[string]string
			getJSON(t, base+"/healthz", &health)
			if health["status"] != "ok" || health["database"] != strings.Split(name, "+")[0] {
				t.Fatalf("healthz = %v", health)
			}
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			if resp, err := c.Get(base + "/s/social-2022"); err != nil || resp.StatusCode != 200 {
				t.Fatalf("demo survey page: %v %v", resp, err)
			}
			body := `{"submission_id":"1d9b9c8e-5b2a-4f2e-8d7c-3a4b5c6d7e8f","answers":{` +
				`"q01":"5","q02":"5","q03":"5","q04":"5","q05":"5","q06":"5","q07":"5","q08":"5","q09":"5","q10":"5","q11":"5","q12":"5","q13":"4",` +
				`"overall":"5","town":"t02","age":"40-49","gender":"m"}}`
			resp, err := c.Post(base+"/api/v1/surveys/social-2022/responses", "application/json", strings.NewReader(body))
			if err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("submit: %v %v", resp, err)
			}
			// A live stream left open must not hold up the shutdown.
			live, err := http.Get(base + "/api/v1/surveys/social-2022/live")
			if err != nil {
				t.Fatal(err)
			}
			defer live.Body.Close()
			stop()

			// Restarted on the same data, the response is counted once and
			// the demo is not seeded again.
			base, _ = serve(t, cfg)
			var results struct{ Responses int }
			getJSON(t, base+"/api/v1/surveys/social-2022/results", &results)
			if results.Responses != 1 {
				t.Fatalf("responses after restart = %d, want 1", results.Responses)
			}
		})
	}
}

func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

func TestHealthcheckCommand(t *testing.T) {
	base, _ := serve(t, config{Addr: "127.0.0.1:0", DataDir: t.TempDir()})
	if code := healthcheck([]string{"--url", base + "/healthz"}, io.Discard); code != 0 {
		t.Fatalf("healthy server: exit %d", code)
	}
	if code := healthcheck([]string{"--url", base + "/nope"}, io.Discard); code != 1 {
		t.Fatalf("404: exit %d, want 1", code)
	}
	if code := healthcheck([]string{"--url", "http://127.0.0.1:1/healthz"}, io.Discard); code != 1 {
		t.Fatalf("nothing listening: exit %d, want 1", code)
	}
}

func TestSeedAndRebuildCommands(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"MINYI_DATA_DIR": dir}[k] }
	var out bytes.Buffer
	if err := dataCommand(context.Background(), "seed", []string{"--responses", "2500"}, env, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "stored 2500 responses") || !strings.Contains(out.String(), "from 2500 responses") {
		t.Fatalf("seed output:\n%s", out.String())
	}
	out.Reset()
	if err := dataCommand(context.Background(), "rebuild", nil, env, &out); err != nil {
		t.Fatal(err)
	}
	base, _ := serve(t, config{Addr: "127.0.0.1:0", DataDir: dir})
	var results struct{ Responses int }
	getJSON(t, base+"/api/v1/surveys/social-2022/results", &results)
	if results.Responses != 2500 {
		t.Fatalf("results after seeding 2500: %d", results.Responses)
	}
	if err := dataCommand(context.Background(), "rebuild", []string{"--survey", "nope"}, env, io.Discard); err == nil {
		t.Fatal("rebuilding an unknown survey should fail")
	}
}

func TestAdminCreateCommand(t *testing.T) {
	dir := t.TempDir()
	env := func(k string) string { return map[string]string{"MINYI_DATA_DIR": dir}[k] }
	var out bytes.Buffer
	err := adminCommand([]string{"create", "--user", "li.ming", "--role", "designer"}, env, strings.NewReader("a-long-password-789\n"), &out)
	if err != nil || !strings.Contains(out.String(), "created li.ming (designer)") {
		t.Fatalf("admin create: %v, %q", err, out.String())
	}
	if err := adminCommand([]string{"create", "--user", "li.ming", "--role", "designer"}, env, strings.NewReader("a-long-password-789\n"), io.Discard); err == nil {
		t.Fatal("the same name twice was accepted")
	}
	if err := adminCommand([]string{"create", "--user", "wang", "--role", "designer"}, env, strings.NewReader("short\n"), io.Discard); err == nil {
		t.Fatal("a short password was accepted")
	}
	if err := adminCommand([]string{"delete"}, env, strings.NewReader(""), io.Discard); err == nil {
		t.Fatal("an unknown sub-command was accepted")
	}
	// The new account signs in on the server.
	base, _ := serve(t, config{Addr: "127.0.0.1:0", DataDir: dir})
	resp, err := http.Post(base+"/api/v1/admin/login", "application/json", strings.NewReader(`{"name":"li.ming","password":"a-long-password-789"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in as the created user: %v %v", resp, err)
	}
}

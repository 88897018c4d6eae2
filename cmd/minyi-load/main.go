// Command minyi-load drives realistic resident traffic against a running
// Minyi server on this machine, and checks that every accepted submission
// was counted once.
//
// Each virtual resident opens the questionnaire (GET /api/v1/surveys/{slug},
// which sets its respondent cookie) and submits complete random answers;
// a share of them re-send the same submission (expecting 200 and the same
// response_id) and a share send a second, different questionnaire from the
// same cookie (expecting 409 "duplicate"). Meanwhile it probes the results
// endpoint and follows the live stream. At the end it prints accepted/s, the
// submit latency percentiles, the results latency, the live lag and the
// statuses seen, and checks that the server's response count grew by
// exactly the number of 201s. It only ever connects to loopback addresses.
//
//	go run ./cmd/minyi-load -url http://127.0.0.1:8080 -c 64 -duration 60s
//
// Start the server with MINYI_SUBMIT_RATE=0: every virtual resident comes
// from 127.0.0.1, which the per-IP submit limit would otherwise throttle.
//
// Exit status: 0 when the run is clean, 1 when a request failed, a status
// was unexpected or the count check failed, 2 for bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// maxSlots bounds -max: one latency slot (8 bytes) is preallocated per
// allowed submission.
const maxSlots = 20_000_000

// config is the load run's settings, from flags.
type config struct {
	URL         string
	Survey      string
	Concurrency int
	Rate        float64 // submissions per second across all workers; 0 = unlimited
	Duration    time.Duration
	Max         int
	Retry       float64 // share of accepted submissions re-sent as is
	Dup         float64 // share of accepted respondents who submit a second questionnaire
	Timeout     time.Duration
	Probe       time.Duration // results probe interval; 0 = off
	JSON        bool
	Pids        string // -pids: NAME=PID,… whose CPU time is measured
}

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "minyi-load:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C ends the process at once
	}()
	rep, err := run(ctx, cfg, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "minyi-load:", err)
		os.Exit(1)
	}
	if !rep.OK {
		os.Exit(1)
	}
}

// parseFlags reads and validates the command line.
func parseFlags(args []string, out io.Writer) (config, error) {
	var cfg config
	fs := flag.NewFlagSet("minyi-load", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(out, "minyi-load — drive resident traffic against a Minyi server on this machine\n\nUsage: minyi-load [flags]\n\nStart the server with MINYI_SUBMIT_RATE=0. Only loopback addresses are allowed.")
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "base URL of the server (loopback only)")
	fs.StringVar(&cfg.Survey, "survey", "social-2022", "survey slug")
	fs.IntVar(&cfg.Concurrency, "c", 64, "concurrent virtual residents")
	fs.Float64Var(&cfg.Rate, "rate", 0, "target submissions per second across all workers; 0 = as fast as they go")
	fs.DurationVar(&cfg.Duration, "duration", 60*time.Second, "how long to send submissions")
	fs.IntVar(&cfg.Max, "max", 1_000_000, "at most this many submissions (retries and duplicates included)")
	fs.Float64Var(&cfg.Retry, "retry", 0.05, "share of accepted submissions re-sent with the same submission_id (0-1)")
	fs.Float64Var(&cfg.Dup, "dup", 0.02, "share of respondents who then send a second questionnaire (0-1)")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "per-request timeout")
	fs.DurationVar(&cfg.Probe, "probe", 100*time.Millisecond, "interval of results probes during the run; 0 = off")
	fs.BoolVar(&cfg.JSON, "json", false, "print the report as JSON")
	fs.StringVar(&cfg.Pids, "pids", "", "processes whose CPU time (utime+stime from /proc) to report per accepted response, as NAME=PID,… e.g. app=$(pidof minyi),db=$(pidof mariadbd)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (see -help)", fs.Arg(0))
	}
	return cfg, cfg.validate()
}

// validate checks the settings' ranges and that the URL is loopback.
func (c config) validate() error {
	switch {
	case c.Concurrency < 1:
		return fmt.Errorf("-c must be at least 1, got %d", c.Concurrency)
	case c.Rate < 0:
		return fmt.Errorf("-rate must not be negative, got %g", c.Rate)
	case c.Duration <= 0:
		return fmt.Errorf("-duration must be positive, got %s", c.Duration)
	case c.Max < 1 || c.Max > maxSlots:
		return fmt.Errorf("-max must be 1-%d, got %d", maxSlots, c.Max)
	case !(c.Retry >= 0 && c.Retry <= 1): // also refuses NaN
		return fmt.Errorf("-retry is a share between 0 and 1, got %g", c.Retry)
	case !(c.Dup >= 0 && c.Dup <= 1):
		return fmt.Errorf("-dup is a share between 0 and 1, got %g", c.Dup)
	case c.Timeout <= 0:
		return fmt.Errorf("-timeout must be positive, got %s", c.Timeout)
	case c.Probe < 0:
		return fmt.Errorf("-probe must not be negative, got %s", c.Probe)
	case c.Survey == "" || strings.ContainsAny(c.Survey, "/?#"):
		return fmt.Errorf("-survey must be a survey slug, got %q", c.Survey)
	}
	if _, err := parsePids(c.Pids); err != nil {
		return err
	}
	return checkLoopback(c.URL)
}

// checkLoopback refuses a base URL whose host is not a loopback address
// (127.0.0.0/8, ::1) or localhost: load may only be driven against this
// machine. The dialer checks the resolved address again (loopbackOnly).
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("-url must be http:// or https://, got %q", raw)
	}
	host := u.Hostname()
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing %q: load may only target loopback (127.0.0.0/8, ::1, localhost)", host)
}

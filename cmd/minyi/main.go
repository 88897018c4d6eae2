// Command minyi serves Minyi (民意), the social-evaluation survey platform:
// the respondent pages, the JSON API, live results and the tally worker.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/term"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/wechat"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// config is the server's configuration, from env vars and matching flags.
type config struct {
	Addr     string
	MySQLDSN string
	DataDir  string
	RedisURL string
	// RedisPrefix starts every Redis key and the live channel's name.
	RedisPrefix string
	Secret      string
	Demo        string
	SubmitRate  int
	SurveyRate  int
	PprofAddr   string
	// TrustedProxies are the CIDRs whose X-Forwarded-For is believed.
	TrustedProxies string
	// SecretPrevious is the secret before a rotation, still accepted for
	// verifying respondent cookies.
	SecretPrevious string
	// Traffic limits of results readers and live streams.
	ResultsRate    int
	LiveMaxStreams int
	LiveMaxPerAddr int
	// SMS is the text-message provider's settings (MINYI_SMS_*, env only:
	// keys do not belong on a command line); OTP the one-time code rules
	// (MINYI_OTP_*).
	SMS sms.Settings
	OTP identity.Config
	// WeChat is the official account of WeChat sign-in (MINYI_WECHAT_*,
	// env only), for wechat-mode surveys; off when unset.
	WeChat wechat.Settings
	// SMSCallbackSecret is the secret path segment of the providers'
	// delivery-report and reply callbacks (MINYI_SMS_CALLBACK_SECRET).
	SMSCallbackSecret string
}

// defaultGOGC is the collector's target unless GOGC says otherwise: the
// server's live heap is small (tens of MB under load), and at Go's 100 the
// collector took a tenth of its CPU per accepted response; at 200 it runs
// half as often for a heap at most three times the live one.
const defaultGOGC = 200

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGOGC)
	}
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "healthcheck":
			os.Exit(healthcheck(os.Args[2:], os.Stderr))
		case "admin":
			if err := adminCommand(os.Args[2:], os.Getenv, os.Stdin, os.Stdout); err != nil && !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(os.Stderr, "minyi:", err)
				os.Exit(1)
			}
			return
		case "seed", "rebuild":
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			err := dataCommand(ctx, os.Args[1], os.Args[2:], os.Getenv, os.Stdout)
			stop()
			if err != nil && !errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(os.Stderr, "minyi:", err)
				os.Exit(1)
			}
			return
		}
	}
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "minyi:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, nil); err != nil {
		slog.Error("minyi stopped", slog.Any("error", err))
		os.Exit(1)
	}
}

// healthcheck is the sub-command "minyi healthcheck [--url URL]" for
// container health checks in images without curl: exit 0 when /healthz says ok.
func healthcheck(args []string, out io.Writer) int {
	fs := flag.NewFlagSet("minyi healthcheck", flag.ContinueOnError)
	fs.SetOutput(out)
	url := fs.String("url", "http://127.0.0.1:8080/healthz", "the health endpoint to ask")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(*url)
	if err != nil {
		fmt.Fprintln(out, "unhealthy:", err)
		return 1
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintln(out, "unhealthy: status", resp.StatusCode)
		return 1
	}
	return 0
}

// parseConfig reads flags, each defaulting to its env var.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	return parseFlags("minyi", args, getenv, out, nil)
}

// parseFlags reads the server's flags, and a sub-command's own when extra
// registers them.
func parseFlags(name string, args []string, getenv func(string) string, out io.Writer, extra func(*flag.FlagSet)) (config, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var cfg config
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintln(out, "minyi (民意) — social-evaluation survey server\n\n"+
			"Usage: minyi [flags]                     serve\n"+
			"       minyi seed [flags] [--survey S] [--responses N]   store N synthetic responses, then rebuild tallies\n"+
			"       minyi rebuild [flags] [--survey S]                rebuild a survey's tallies from its raw responses\n"+
			"       minyi admin create --user NAME --role ROLE      add a staff account (password from a prompt or stdin)\n"+
			"       minyi healthcheck [--url URL]\n\n"+
			"Every flag defaults to the env var named in its description.")
		fs.PrintDefaults()
	}
	if extra != nil {
		extra(fs)
	}
	fs.StringVar(&cfg.Addr, "addr", env("MINYI_ADDR", "127.0.0.1:8080"), "listen address (MINYI_ADDR)")
	fs.StringVar(&cfg.MySQLDSN, "mysql-dsn", env("MINYI_MYSQL_DSN", ""), "MySQL DSN, e.g. user:pass@tcp(host:3306)/minyi; empty = embedded SQLite (MINYI_MYSQL_DSN)")
	fs.StringVar(&cfg.DataDir, "data-dir", env("MINYI_DATA_DIR", "./minyi-data"), "where the SQLite file lives (MINYI_DATA_DIR)")
	fs.StringVar(&cfg.RedisURL, "redis-url", env("MINYI_REDIS_URL", ""), "redis://host:port/db, redis+cluster://h1:p1,h2:p2,… or redis+sentinel://h1:p1,h2:p2/primary[/db]; empty = in-process dedup and fan-out (MINYI_REDIS_URL)")
	fs.StringVar(&cfg.RedisPrefix, "redis-prefix", env("MINYI_REDIS_PREFIX", DefaultRedisPrefix), "start of every Redis key and of the live channel's name: deployments sharing one Redis database need different ones (MINYI_REDIS_PREFIX)")
	fs.StringVar(&cfg.Secret, "secret", env("MINYI_SECRET", ""), "key for signing cookies and hashing phone numbers and IPs, at least 32 bytes (openssl rand -hex 32); required with MySQL; empty with SQLite = generated once and kept in the database (MINYI_SECRET)")
	fs.StringVar(&cfg.SecretPrevious, "secret-previous", env("MINYI_SECRET_PREVIOUS", ""), "the secret before a rotation: respondent cookies signed with it stay valid (MINYI_SECRET_PREVIOUS)")
	fs.StringVar(&cfg.Demo, "demo", env("MINYI_DEMO", ""), "seed the built-in social-2022 survey when absent: on|off; empty = on for SQLite, off for MySQL (MINYI_DEMO)")
	rateDef, err := strconv.Atoi(env("MINYI_SUBMIT_RATE", strconv.Itoa(handlers.DefaultSubmitRate)))
	if err != nil || rateDef < 0 {
		return cfg, fmt.Errorf("MINYI_SUBMIT_RATE must be a whole number ≥ 0, got %q", getenv("MINYI_SUBMIT_RATE"))
	}
	fs.IntVar(&cfg.SubmitRate, "submit-rate", rateDef, "submissions per second allowed from one IP address; 0 = no limit (MINYI_SUBMIT_RATE)")
	surveyDef, err := strconv.Atoi(env("MINYI_SURVEY_RATE", "0"))
	if err != nil || surveyDef < 0 {
		return cfg, fmt.Errorf("MINYI_SURVEY_RATE must be a whole number ≥ 0, got %q", getenv("MINYI_SURVEY_RATE"))
	}
	fs.IntVar(&cfg.SurveyRate, "survey-rate", surveyDef, "submissions per second allowed to one survey across all instances; 0 = no limit (MINYI_SURVEY_RATE)")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", env("MINYI_TRUSTED_PROXIES", ""), "CIDRs of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed, comma-separated; empty = the client is the direct peer (MINYI_TRUSTED_PROXIES)")
	for _, n := range []struct {
		to                   *int
		env, flag, def, what string
		least                int
	}{
		{&cfg.ResultsRate, "MINYI_RESULTS_RATE", "results-rate", "20", "results requests per second allowed from one client address (IPv6: its /64); 0 = no limit", 0},
		{&cfg.LiveMaxStreams, "MINYI_LIVE_MAX_STREAMS", "live-max-streams", "1000", "live streams one instance holds open; one more gets 429", 1},
		{&cfg.LiveMaxPerAddr, "MINYI_LIVE_MAX_PER_ADDR", "live-max-per-addr", "20", "live streams one client address (IPv6: its /64) holds open on an instance; one more gets 429", 1},
	} {
		def, err := strconv.Atoi(env(n.env, n.def))
		if err != nil || def < n.least {
			return cfg, fmt.Errorf("%s must be a whole number ≥ %d, got %q", n.env, n.least, getenv(n.env))
		}
		fs.IntVar(n.to, n.flag, def, n.what+" ("+n.env+")")
	}
	fs.StringVar(&cfg.PprofAddr, "pprof-addr", env("MINYI_PPROF_ADDR", ""), "serve Go's profiler (net/http/pprof) on this address, e.g. 127.0.0.1:6060; empty = off (MINYI_PPROF_ADDR)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	cfg.SMS = sms.SettingsFromEnv(getenv)
	cfg.SMSCallbackSecret = getenv("MINYI_SMS_CALLBACK_SECRET")
	if s := cfg.SMSCallbackSecret; s != "" && len(s) < 16 {
		return cfg, fmt.Errorf("MINYI_SMS_CALLBACK_SECRET must have at least 16 characters")
	}
	if cfg.OTP, err = identity.ConfigFromEnv(getenv); err != nil {
		return cfg, err
	}
	cfg.WeChat = wechat.SettingsFromEnv(getenv)
	if cfg.WeChat.Enabled() {
		if err := cfg.WeChat.Validate(); err != nil {
			return cfg, fmt.Errorf("WeChat sign-in (MINYI_WECHAT_*): %w", err)
		}
	}
	if _, err := handlers.ParseTrustedProxies(cfg.TrustedProxies); err != nil {
		return cfg, err
	}
	if err := checkRedisPrefix(cfg.RedisPrefix); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (see %s --help)", fs.Arg(0), name)
	}
	switch strings.ToLower(cfg.Demo) {
	case "", "on", "off", "true", "false", "1", "0", "yes", "no":
	default:
		return cfg, fmt.Errorf("MINYI_DEMO must be on or off, got %q", cfg.Demo)
	}
	return cfg, nil
}

func (c config) demo() bool {
	switch strings.ToLower(c.Demo) {
	case "on", "true", "1", "yes":
		return true
	case "off", "false", "0", "no":
		return false
	}
	return c.MySQLDSN == ""
}

// run serves until ctx ends, then drains in-flight requests. When ready is
// not nil it receives the listening address.
func run(ctx context.Context, cfg config, ready chan<- string) error {
	provider, err := smsProvider(cfg)
	if err != nil {
		return err
	}
	store, secret, err := openData(cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	previous, err := previousSecret(cfg, secret)
	if err != nil {
		return err
	}

	var claimer dedup.Claimer = dedup.NewMemory()
	var broker live.Broker = live.NewMemory()
	var limiter limit.Limiter = limit.NewMemory()
	var codeFailures limit.Failures = limit.NewMemoryFailures()
	redisKind := "none"
	var rdb redis.UniversalClient
	var names redisNames
	if cfg.RedisURL != "" {
		var rc redisConfig
		if rdb, rc, err = openRedis(ctx, cfg.RedisURL); err != nil {
			return err
		}
		defer rdb.Close()
		redisKind = rc.Kind
		names = rc.names(cfg.RedisPrefix)
		claimer = dedup.NewRedis(rdb, names.Dedup)
		broker = live.NewRedis(rdb, names.Live)
		limiter = limit.NewRedis(rdb, names.Rate)
		codeFailures = limit.NewRedisFailures(rdb, names.CodeFail)
	}

	svc := surveys.NewService(store, claimer, broker, secret)
	otp, otpStore, err := otpService(cfg, provider, store, rdb, names.Identity, secret)
	if err != nil {
		return err
	}
	if otp != nil {
		svc.UseOTP(otp)
	}
	wx, err := wechatClient(cfg, store, rdb, names.Identity, secret)
	if err != nil {
		return err
	}
	if wx != nil {
		svc.UseWeChat(wx)
	}
	if provider != nil {
		svc.UseSMS(provider) // invitations and reminders of token-mode surveys
	}
	if cfg.demo() {
		for _, name := range []string{"social-2022", "campaign-2022"} {
			seeded, err := svc.SeedBuiltin(name)
			if err != nil {
				return fmt.Errorf("seed the demo survey %s: %w", name, err)
			}
			if seeded {
				slog.Info("seeded the demo survey", slog.String("slug", name))
			}
		}
	}
	st := &staff.Service{Store: store, Limiter: limiter}
	firstPassword := ""
	if store.Dialect == models.DialectSQLite {
		// The embedded default is a demo on one machine: give it an admin.
		if firstPassword, err = st.EnsureFirstAdmin(); err != nil {
			return fmt.Errorf("create the first admin: %w", err)
		}
	}
	hub := live.NewHub(svc.RenderLive)
	proxies, _ := handlers.ParseTrustedProxies(cfg.TrustedProxies) // checked by parseFlags
	app, err := handlers.New(handlers.Config{
		Secret: secret, SecretPrevious: previous, Database: store.Dialect, Dedup: claimer.Name(),
		SubmitRate: cfg.SubmitRate, SurveyRate: cfg.SurveyRate, Limiter: limiter, Staff: st,
		TrustedProxies: proxies, CodeFailures: codeFailures,
		ResultsRate: cfg.ResultsRate, LiveMaxStreams: cfg.LiveMaxStreams, LiveMaxPerAddr: cfg.LiveMaxPerAddr,
		SMSCallbackSecret: cfg.SMSCallbackSecret,
	}, svc, hub)
	if err != nil {
		return err
	}

	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	go svc.RunFanout(workCtx, hub)
	go st.RunSessionPurge(workCtx, time.Hour)
	go svc.RunReservationSweep(workCtx, time.Minute)
	go svc.RunRetention(workCtx, time.Hour, time.Now)
	tallierDone := make(chan struct{})
	go func() { defer close(tallierDone); svc.RunTallier(workCtx) }()

	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr)
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           app.Echo(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second, // live streams extend their own deadline
		IdleTimeout:       120 * time.Second,
	}
	srv.RegisterOnShutdown(hub.Close)
	database := "sqlite (" + cfg.DataDir + ")"
	if store.Dialect == models.DialectMySQL {
		database = "mysql"
	}
	slog.Info("minyi started", slog.String("addr", ln.Addr().String()), slog.String("database", database),
		slog.String("dedup", claimer.Name()), slog.String("fanout", broker.Name()), slog.String("redis", redisKind),
		slog.String("sms", smsName(provider)), slog.String("otp", otpStore), slog.Bool("wechat", wx != nil))
	if otp == nil {
		slog.Info("no SMS provider (MINYI_SMS_PROVIDER): phone-mode surveys count typed numbers without verifying them")
	}
	if wx == nil {
		slog.Info("no WeChat account (MINYI_WECHAT_APPID, MINYI_WECHAT_SECRET): wechat-mode surveys cannot be answered")
	} else if rdb == nil && store.Dialect == models.DialectMySQL {
		slog.Warn("WeChat sign-in states are kept in this process: run several instances only with MINYI_REDIS_URL, or a sign-in begun on one fails on another")
	}
	printURLs(ln.Addr().String(), cfg.demo())
	if firstPassword != "" {
		if err := showFirstPassword(os.Stdout, term.IsTerminal(int(os.Stdout.Fd())), cfg.DataDir,
			"http://"+displayAddr(ln.Addr().String()), firstPassword); err != nil {
			return err
		}
	}
	if ready != nil {
		ready <- ln.Addr().String()
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down: draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		slog.Warn("shutdown incomplete", slog.Any("error", err))
	}
	svc.Close()
	stopWork()
	<-tallierDone
	// Count what the last requests stored, so results are current on restart.
	if err := svc.RunTallyPass(shutdownCtx); err != nil {
		slog.Warn("final tally pass failed", slog.Any("error", err))
	}
	return nil
}

// servePprof serves the profiler on its own listener, never on the public one.
func servePprof(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	slog.Info("profiler listening", slog.String("addr", addr))
	if err := http.ListenAndServe(addr, mux); err != nil {
		slog.Error("profiler stopped", slog.Any("error", err))
	}
}

// openData opens and migrates the configured database and loads the secret:
// what the server and the data sub-commands all start with.
func openData(cfg config) (*models.Store, []byte, error) {
	store, err := openStore(cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := store.Migrate(); err != nil {
		store.Close()
		return nil, nil, err
	}
	secret, err := loadSecret(cfg, store)
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	return store, secret, nil
}

func openStore(cfg config) (*models.Store, error) {
	if cfg.MySQLDSN != "" {
		return models.OpenMySQL(cfg.MySQLDSN)
	}
	return models.OpenSQLite(cfg.DataDir)
}

// displayAddr is a listening address as a browser on this machine reaches it.
func displayAddr(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

func printURLs(addr string, demo bool) {
	base := "http://" + displayAddr(addr)
	fmt.Printf("\n  民意 Minyi is running at %s\n", base)
	if demo {
		fmt.Printf("  问卷 survey:     %s/s/social-2022\n", base)
		fmt.Printf("  看板 dashboard:  %s/d/social-2022\n", base)
		fmt.Printf("  结果 results:    %s/api/v1/surveys/social-2022/results\n", base)
		fmt.Printf("  考核 campaign:   %s/s/campaign-2022 · %s/d/campaign-2022\n\n", base, base)
	}
}

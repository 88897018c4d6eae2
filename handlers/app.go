// Package handlers is Minyi's HTTP layer: the one route table (routes.go),
// thin handlers in a file per resource (respondent pages and API, results,
// dashboard, live stream; admin_* for the staff side), their middleware
// and helpers, the respondent cookie, page rendering, and the one error
// handler that turns domain errors into the API's error body.
//
// It may import package surveys and its sub-packages, models (constants
// and the rows templates show), static and Echo; handlers call the
// services, never the store.
package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net"
	"path"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/minyi-survey/minyi/static"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// MaxBodyBytes is the largest submission body accepted.
const MaxBodyBytes = 1 << 20

// DefaultSubmitRate is the default limit of submissions per second from
// one client address. Carrier-grade NAT puts a county's mobile residents
// behind a handful of public addresses: a WeChat push of 2,000 residents
// over 2 minutes from 5 addresses peaks at 26 in one second at the busiest
// one (TestCGNATPushIsNeitherFlaggedNorRefused), over the old 20; 50
// leaves twice that margin and still cuts a flood from one client to
// what the database shrugs off. The page retries a 429 after Retry-After.
const DefaultSubmitRate = 50

// Config holds what the HTTP layer needs besides the service.
type Config struct {
	Secret   []byte
	Database string // "sqlite" or "mysql", for /healthz
	Dedup    string // "memory" or "redis", for /healthz
	// SubmitRate is the submissions per second allowed from one IP address;
	// 0 turns the limit off. SurveyRate is the same for one survey.
	SubmitRate int
	SurveyRate int
	// Limiter counts requests for the rate limits: Redis-backed so that
	// every instance shares the counts, or in memory (the default).
	Limiter limit.Limiter
	// Staff signs staff in, manages users and keeps the audit log; required.
	Staff *staff.Service
	// SSELifetime ends a live stream after this long; the browser reconnects.
	SSELifetime time.Duration
	// SSEHeartbeat is the time between heartbeat comments on a live
	// stream (15 s when zero); a stream opened with a share key checks at
	// each that the key is still valid.
	SSEHeartbeat time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (MINYI_TRUSTED_PROXIES); none by
	// default, so the client is the direct peer (clientaddr.go).
	TrustedProxies []*net.IPNet
	// CodeFailures counts wrong invitation codes per address and per
	// survey (codes.go); in memory when nil. CodeFailsPerAddress and
	// CodeFailsPerSurvey are the budgets per 10 minutes (defaults when 0).
	CodeFailures        limit.Failures
	CodeFailsPerAddress int
	CodeFailsPerSurvey  int
	// Clock is the time submissions are received at (time.Now when nil);
	// tests replay traffic on a fake one.
	Clock func() time.Time
	// SecretPrevious is the secret before a rotation: respondent cookies
	// signed with it stay valid and are signed again with Secret.
	SecretPrevious []byte
	// LiveMaxStreams caps the live streams this instance holds open (1,000
	// when zero), LiveMaxPerAddr those of one client address (20 when zero);
	// one more is refused with 429.
	LiveMaxStreams int
	LiveMaxPerAddr int
	// ResultsRate is the results requests per second allowed from one
	// client address; 0 turns the limit off.
	ResultsRate int
	// ExportStall cuts off a download (CSV, workbook) whose reader takes no
	// bytes for this long (60 s when zero), so it does not hold its slot.
	ExportStall time.Duration
	// SMSCallbackSecret is the secret path segment of the providers'
	// delivery-report and reply callbacks (MINYI_SMS_CALLBACK_SECRET);
	// empty turns the callbacks off (404).
	SMSCallbackSecret string
}

// App holds the handlers' dependencies.
type App struct {
	cfg       Config
	svc       *surveys.Service
	staff     *staff.Service
	hub       *live.Hub
	templates *template.Template
	assets    map[string]string // name → content-hashed URL
	assetFS   fs.FS
	byHash    map[string]string // hashed path → name
	bodies    bodyCache
	encoded   resultsBodies // results bodies, encoded once per scoring
	streams   streamSlots   // live streams open, for their caps
	workbooks chan struct{} // slots for workbook exports being built
	reports   reportRenderers
	invites   inviteRuns // text-message sending runs (admin_invitations.go)
}

// New builds the HTTP app.
func New(cfg Config, svc *surveys.Service, hub *live.Hub) (*App, error) {
	if cfg.SSELifetime == 0 {
		cfg.SSELifetime = 30 * time.Minute
	}
	if cfg.SSEHeartbeat == 0 {
		cfg.SSEHeartbeat = 15 * time.Second
	}
	if cfg.Limiter == nil {
		cfg.Limiter = limit.NewMemory()
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.CodeFailures == nil {
		cfg.CodeFailures = limit.NewMemoryFailures()
	}
	if cfg.CodeFailsPerAddress <= 0 {
		cfg.CodeFailsPerAddress = defaultCodeFailsPerAddress
	}
	if cfg.CodeFailsPerSurvey <= 0 {
		cfg.CodeFailsPerSurvey = defaultCodeFailsPerSurvey
	}
	if cfg.LiveMaxStreams == 0 {
		cfg.LiveMaxStreams = defaultLiveMaxStreams
	}
	if cfg.LiveMaxPerAddr == 0 {
		cfg.LiveMaxPerAddr = defaultLiveMaxPerAddr
	}
	if cfg.ExportStall == 0 {
		cfg.ExportStall = defaultExportStall
	}
	if cfg.Staff == nil {
		return nil, errors.New("handlers: Config.Staff is required")
	}
	a := &App{cfg: cfg, svc: svc, staff: cfg.Staff, hub: hub, assets: map[string]string{}, byHash: map[string]string{},
		workbooks: make(chan struct{}, maxWorkbooks)}
	sub, err := static.Assets()
	if err != nil {
		return nil, err
	}
	a.assetFS = sub
	entries, err := fs.ReadDir(sub, ".")
	if err != nil {
		return nil, fmt.Errorf("handlers: read assets: %w", err)
	}
	for _, e := range entries {
		data, err := fs.ReadFile(sub, e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		hashed := hex.EncodeToString(sum[:5]) + "/" + e.Name()
		a.assets[e.Name()] = "/static/" + hashed
		a.byHash[hashed] = e.Name()
	}
	funcs := template.FuncMap{
		"asset": func(name string) (string, error) {
			if u, ok := a.assets[name]; ok {
				return u, nil
			}
			return "", fmt.Errorf("no asset %q", name)
		},
		"add": func(x, y int) int { return x + y },
	}
	a.templates, err = template.New("").Funcs(funcs).ParseFS(static.FS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("handlers: parse templates: %w", err)
	}
	return a, nil
}

// Echo returns the configured Echo instance with every route.
func (a *App) Echo() *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = a.handleError
	e.IPExtractor = ipExtractor(a.cfg.TrustedProxies)
	e.Use(clientRequestID, middleware.RequestID())
	e.Use(middleware.Recover())
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
		HSTSMaxAge:            365 * 24 * 3600, // sent over TLS only: browsers ignore it over plain HTTP
		HSTSExcludeSubdomains: true,            // subdomains may be other services of the bureau
	}))
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		// The API's answers are small or precompressed, and the live stream
		// must not be buffered: preparing a compressor per request cost more
		// CPU under load than the bytes it saved.
		Skipper: func(c echo.Context) bool {
			return strings.HasPrefix(c.Path(), "/api/") || precompressed[c.Path()]
		},
		MinLength: 1024,
	}))
	a.routes(e)
	return e
}

// GetAsset handles GET /static/:hash/:name, the content-hashed assets.
func (a *App) GetAsset(c echo.Context) error {
	name, ok := a.byHash[c.Param("hash")+"/"+c.Param("name")]
	if !ok {
		return echo.ErrNotFound
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = echo.MIMEOctetStream
	}
	// Compressed once: the vendored chart library alone is 1.1 MB.
	return a.bodies.serve(c, "asset/"+name, ctype, func() ([]byte, error) {
		return fs.ReadFile(a.assetFS, name)
	})
}

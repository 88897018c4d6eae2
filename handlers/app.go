// Package handlers is Minyi's HTTP layer: one Echo route table, thin
// handlers, the respondent cookie, page rendering, the live event stream and
// the one error handler that turns domain errors into the API's error body.
package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
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
	// Staff signs staff in; made from the service's store when nil.
	Staff *staff.Service
	// SSELifetime ends a live stream after this long; the browser reconnects.
	SSELifetime time.Duration
	// SSEHeartbeat is the time between heartbeat comments on a live
	// stream (15 s when zero); a stream opened with a share key checks at
	// each that the key is still valid.
	SSEHeartbeat time.Duration
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
	workbooks chan struct{} // slots for workbook exports being built
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
	if cfg.Staff == nil {
		cfg.Staff = &staff.Service{Store: svc.Store, Limiter: cfg.Limiter}
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
	e.IPExtractor = echo.ExtractIPFromXFFHeader() // trusts proxies on private networks only
	e.Use(middleware.RequestID())
	e.Use(middleware.Recover())
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
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

// routes is the one route table.
func (a *App) routes(e *echo.Echo) {
	e.GET("/", a.GetHome)
	e.GET("/healthz", a.GetHealth)
	e.GET("/static/:hash/:name", a.GetAsset)
	e.GET("/s/:slug", a.GetSurveyPage)
	e.GET("/d/:slug", a.GetDashboardPage)

	v1 := e.Group("/api/v1")
	v1.GET("/surveys/:slug", a.GetSurvey)
	v1.POST("/surveys/:slug/responses", a.PostResponse, a.rateLimit)
	v1.GET("/surveys/:slug/results", a.GetResults)
	v1.GET("/surveys/:slug/live", a.GetLive)

	for _, r := range a.staffRoutes() {
		var mw []echo.MiddlewareFunc
		if r.Role != "" {
			mw = append(mw, a.staffAuth(r.Role))
		}
		e.Add(r.Method, r.Path, r.h, mw...)
	}
}

// rateLimit refuses a submission with 429 when its IP address or its survey
// is over its per-second limit. A failing limiter lets requests through.
func (a *App) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		slug := c.Param("slug")
		for _, l := range []struct {
			key   string
			limit int
		}{{"ip:" + c.RealIP(), a.cfg.SubmitRate}, {"survey:" + slug, a.cfg.SurveyRate}} {
			// A malformed slug answers 404 later; never key a counter on it.
			if l.limit <= 0 || strings.HasPrefix(l.key, "survey:") && !surveys.ValidSlug(slug) {
				continue
			}
			ok, err := a.cfg.Limiter.Allow(ctx, l.key, l.limit, time.Second)
			if err != nil {
				slog.Warn("rate limiter unavailable, letting the request through", slog.Any("error", err))
			}
			if !ok {
				c.Response().Header().Set("Retry-After", "1")
				return errRateLimited
			}
		}
		return next(c)
	}
}

// GetHealth handles GET /healthz: the backends in use, and 503 when the
// database does not answer.
func (a *App) GetHealth(c echo.Context) error {
	body := map[string]string{"status": "ok", "database": a.cfg.Database, "dedup": a.cfg.Dedup}
	if err := a.svc.Store.Ping(); err != nil {
		body["status"] = "unavailable"
		return c.JSON(http.StatusServiceUnavailable, body)
	}
	return c.JSON(http.StatusOK, body)
}

// GetHome handles GET /: it sends visitors to the demo survey.
func (a *App) GetHome(c echo.Context) error {
	return c.Redirect(http.StatusFound, "/s/social-2022")
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

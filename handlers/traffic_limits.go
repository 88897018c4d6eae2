package handlers

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Defaults of the traffic limits (Config).
const (
	defaultLiveMaxStreams = 1000
	defaultLiveMaxPerAddr = 20
	defaultExportStall    = 60 * time.Second
)

var errTooManyStreams = &apiError{http.StatusTooManyRequests, "rate_limited",
	"实时连接过多，请稍后再试，或刷新页面 too many live connections; try again shortly, or reload the page"}

// streamSlots counts this instance's live streams, in all and per client
// address, so that neither one client nor a crowd can hold more than the
// configured number open.
type streamSlots struct {
	mu     sync.Mutex
	total  int
	byAddr map[string]int
}

// take claims a slot for addr; false when the instance or the address is
// at its limit.
func (s *streamSlots) take(addr string, maxTotal, maxPerAddr int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total >= maxTotal || s.byAddr[addr] >= maxPerAddr {
		return false
	}
	if s.byAddr == nil {
		s.byAddr = map[string]int{}
	}
	s.total++
	s.byAddr[addr]++
	return true
}

// give returns addr's slot.
func (s *streamSlots) give(addr string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.byAddr[addr]--; s.byAddr[addr] <= 0 {
		delete(s.byAddr, addr)
	}
}

// clientKey is the client's address as limits count it: an IPv6 client
// holds a whole /64, so its limits are the /64's.
func clientKey(c echo.Context) string {
	ip := net.ParseIP(c.RealIP())
	if ip == nil {
		return c.RealIP()
	}
	if ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip.String()
}

// resultsRateLimit refuses a results request with 429 when its client
// address is over Config.ResultsRate requests a second. A failing limiter
// lets requests through.
func (a *App) resultsRateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if a.cfg.ResultsRate > 0 {
			ok, err := a.cfg.Limiter.Allow(c.Request().Context(), "results:"+clientKey(c), a.cfg.ResultsRate, time.Second)
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

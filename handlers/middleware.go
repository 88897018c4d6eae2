package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// staffAuth requires a signed-in user with at least role; a page without
// one is sent to the sign-in page. State-changing requests must carry the
// session's CSRF token in the X-CSRF-Token header.
func (a *App) staffAuth(role string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			sess, err := a.session(c)
			if err != nil {
				if errors.Is(err, staff.ErrNoSession) && !strings.HasPrefix(c.Path(), "/api/") {
					return c.Redirect(http.StatusSeeOther, "/admin/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
				}
				return err
			}
			if !staff.RoleAtLeast(sess.User.Role, role) {
				return errRole
			}
			if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead &&
				c.Request().Header.Get(csrfHeader) != sess.CSRF {
				return errCSRF
			}
			c.Set("session", sess)
			return next(c)
		}
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
		}{{"ip:" + clientAddress(c), a.cfg.SubmitRate}, {"survey:" + slug, a.cfg.SurveyRate}} {
			// A malformed slug answers 404 later; never key a counter on it.
			if l.limit <= 0 || strings.HasPrefix(l.key, "survey:") && !questionnaire.ValidSlug(slug) {
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

// clientRequestID keeps a client's X-Request-Id only when it is a short
// token (1-64 letters, digits or ._:-), so that it can be echoed and
// logged as it is; anything else is dropped and middleware.RequestID,
// next, makes one.
func clientRequestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		if v := h.Get(echo.HeaderXRequestID); v != "" && !tokenShaped(v) {
			h.Del(echo.HeaderXRequestID)
		}
		return next(c)
	}
}

// tokenShaped reports whether s is 1-64 ASCII letters, digits or ._:-.
func tokenShaped(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '.', b == '_', b == ':', b == '-':
		default:
			return false
		}
	}
	return true
}

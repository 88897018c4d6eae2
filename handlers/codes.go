package handlers

import (
	"context"
	"log/slog"
	"math"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// Invitation short codes have 40 bits: a guesser is slowed down by a
// budget of failed codes per client address and per survey in each
// window, past which every code attempt is refused with 429 until the
// window ends, right or wrong.
const (
	codeWindow = 10 * time.Minute
	// defaultCodeFailsPerAddress leaves room for residents behind one
	// carrier address who mistype their code now and then.
	defaultCodeFailsPerAddress = 20
	// defaultCodeFailsPerSurvey bounds guessing from many addresses at
	// once; typing mistakes of a busy survey stay well under it.
	defaultCodeFailsPerSurvey = 300
)

// maxShortCodeInput is the length from which a typed invitation is no
// short code (8 characters, with spaces or dashes) but a link token (26).
const maxShortCodeInput = 20

// errCodeGuessing answers a code attempt past the budget.
var errCodeGuessing = &apiError{429, "rate_limited", "邀请码错误次数过多，请稍后再试 too many wrong invitation codes, try again later"}

// codeBudgets are the failure counters a code attempt is checked against.
func (a *App) codeBudgets(c echo.Context, slug string) []struct {
	key    string
	budget int
} {
	return []struct {
		key    string
		budget int
	}{
		{"code:ip:" + clientAddress(c), a.cfg.CodeFailsPerAddress},
		{"code:survey:" + slug, a.cfg.CodeFailsPerSurvey},
	}
}

// checkCodeBudget refuses a code attempt when its address or its survey
// already failed too often in this window. A failing counter lets the
// attempt through.
func (a *App) checkCodeBudget(c echo.Context, slug string) error {
	ctx := c.Request().Context()
	for _, b := range a.codeBudgets(c, slug) {
		over, left, err := a.cfg.CodeFailures.Exhausted(ctx, b.key, b.budget, codeWindow)
		if err != nil {
			slog.Warn("code failure counter unavailable, letting the attempt through", slog.Any("error", err))
		}
		if over {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(left.Seconds()))))
			return errCodeGuessing
		}
	}
	return nil
}

// countCodeFailure counts a wrong code against its address and survey.
func (a *App) countCodeFailure(c echo.Context, slug string) {
	ctx := context.WithoutCancel(c.Request().Context())
	for _, b := range a.codeBudgets(c, slug) {
		if err := a.cfg.CodeFailures.Fail(ctx, b.key, codeWindow); err != nil {
			slog.Warn("code failure counter unavailable", slog.Any("error", err))
		}
	}
}

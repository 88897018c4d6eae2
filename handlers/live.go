package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
)

const sseWriteTimeout = 10 * time.Second

// stillAllowed says whether a live stream may go on: revoking its share
// key, or signing its staff user out, ends it within a heartbeat.
func (a *App) stillAllowed(c echo.Context) bool {
	_, err := a.publicResults(c)
	var api *apiError
	return !errors.As(err, &api) // a database hiccup does not cut the stream
}

// GetLive handles GET /api/v1/surveys/:slug/live: a text/event-stream of
// "tally" events carrying the results body, one on connect and then at most
// about once a second after changes, with heartbeat comments between.
func (a *App) GetLive(c echo.Context) error {
	p, err := a.publicResults(c)
	if err != nil {
		return err
	}
	first, err := a.svc.Results(p.Survey.Slug, surveys.ResultsQuery{})
	if err != nil {
		return err
	}
	payload, err := json.Marshal(first)
	if err != nil {
		return err
	}
	sub := a.hub.Subscribe(p.Survey.ID)
	defer a.hub.Unsubscribe(sub)

	w := c.Response()
	h := w.Header()
	h.Set(echo.HeaderContentType, "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w.Writer)
	send := func(format string, args ...any) error {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		if _, err := fmt.Fprintf(w, format, args...); err != nil {
			return err
		}
		return rc.Flush()
	}
	if err := send("retry: 3000\nevent: tally\ndata: %s\n\n", payload); err != nil {
		return nil
	}
	ctx := c.Request().Context()
	heartbeat := time.NewTicker(a.cfg.SSEHeartbeat)
	defer heartbeat.Stop()
	lifetime := time.NewTimer(a.cfg.SSELifetime)
	defer lifetime.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-a.hub.Done():
			return nil
		case <-lifetime.C:
			return nil // the browser's EventSource reconnects
		case <-heartbeat.C:
			if !a.stillAllowed(c) {
				return nil // a revoked share key ends the stream; reconnecting gets 403
			}
			if err := send(": ping\n\n"); err != nil {
				return nil
			}
		case payload := <-sub.C:
			if err := send("event: tally\ndata: %s\n\n", payload); err != nil {
				return nil
			}
		}
	}
}

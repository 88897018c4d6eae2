package handlers

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

const sseWriteTimeout = 10 * time.Second

// stillAllowed says whether a live stream may go on: revoking its share
// key, or signing its staff user out, ends it within a heartbeat.
func (a *App) stillAllowed(c echo.Context) bool {
	_, err := a.publicResults(c)
	var api *apiError
	return !errors.As(err, &api) // a database hiccup does not cut the stream
}

// GetLive handles GET /api/v1/surveys/:slug/live[?units=1][&key=SHARE]:
// a text/event-stream of "tally" events carrying the results body (in the
// view GetResults gives the same reader), one on connect and then at most
// about once a second after changes, with heartbeat comments between. Each
// body is encoded once and the same bytes go to every stream; an instance
// holds at most Config.LiveMaxStreams streams, Config.LiveMaxPerAddr of
// one client address (429 beyond).
func (a *App) GetLive(c echo.Context) error {
	p, err := a.publicResults(c)
	if err != nil {
		return err
	}
	if c.QueryParam("unit") != "" {
		return &questionnaire.InvalidError{Fields: map[string]string{
			"unit": "实时推送针对全部样本，单个单位的结果请用 results?unit= live events are for the whole survey; ask /results?unit= for one unit",
		}}
	}
	view, err := a.resultsView(c, p)
	if err != nil {
		return err
	}
	addr := clientKey(c)
	if !a.streams.take(addr, a.cfg.LiveMaxStreams, a.cfg.LiveMaxPerAddr) {
		c.Response().Header().Set("Retry-After", "10")
		return errTooManyStreams
	}
	defer a.streams.give(addr)
	var q surveys.ResultsQuery
	first, err := a.svc.Results(p.Survey.Slug, q)
	if err != nil {
		return err
	}
	payload, err := a.encoded.getPlain(resultsKey(p.Survey.Slug, q), first, view)
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
	// send writes the parts of one event as they are: a payload is shared
	// by every stream, never copied into a buffer of its own.
	send := func(parts ...[]byte) error {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		for _, part := range parts {
			if _, err := w.Write(part); err != nil {
				return err
			}
		}
		return rc.Flush()
	}
	if err := send(sseFirst, payload, sseEnd); err != nil {
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
			if err := send(ssePing); err != nil {
				return nil
			}
		case next := <-sub.C:
			body, err := next.Bytes(view.Key())
			if err != nil {
				slog.Error("live: encode results", slog.String("survey", p.Survey.Slug), slog.Any("error", err))
				continue
			}
			if err := send(sseTally, body, sseEnd); err != nil {
				return nil
			}
		}
	}
}

// The fixed parts of live events.
var (
	sseFirst = []byte("retry: 3000\nevent: tally\ndata: ")
	sseTally = []byte("event: tally\ndata: ")
	sseEnd   = []byte("\n\n")
	ssePing  = []byte(": ping\n\n")
)

package handlers

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// gzipMinBytes is the smallest results body sent gzipped to a client that
// accepts it: below a few kilobytes compressing saves too little.
const gzipMinBytes = 4 << 10

// maxEncodedBodies bounds the encoded results kept (per survey, query and
// view); past it the cache starts over.
const maxEncodedBodies = 1024

// resultsBodies keeps results bodies encoded for as long as the service
// hands out the same scored results (until the tallies change): a thousand
// readers of a survey cost one encoding and one compression, not a
// thousand. A body with units (17 MB for a 1,000-unit campaign) is kept
// gzipped only, compressed as it is encoded, so the plain body never sits
// in memory; the rare client without gzip gets it inflated as it is sent.
type resultsBodies struct {
	mu sync.Mutex
	m  map[string]*encodedResults
}

// encodedResults is one body; mu is held while it is encoded, so that
// readers arriving meanwhile wait for those bytes instead of encoding again.
type encodedResults struct {
	mu        sync.Mutex
	src       *stats.Results
	plain, gz []byte
}

// entry returns the body kept under key, made empty when new.
func (b *resultsBodies) entry(key string) *encodedResults {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil || len(b.m) >= maxEncodedBodies && b.m[key] == nil {
		b.m = map[string]*encodedResults{}
	}
	e := b.m[key]
	if e == nil {
		e = &encodedResults{}
		b.m[key] = e
	}
	return e
}

// get returns the body of r under key in view for a results reply: plain,
// gzipped when large, or gzipped only when it has units. It encodes when r
// is not the results the body was last encoded from. The bytes are
// shared, never written.
func (b *resultsBodies) get(key string, r *stats.Results, view surveys.ResultsView) (plain, gz []byte, err error) {
	e := b.entry(key + "|" + view.Key())
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.src == r {
		return e.plain, e.gz, nil
	}
	if view.Units && len(r.Units) > 0 {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // bodies change every second
		if err := view.EncodeTo(zw, r); err != nil {
			return nil, nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, nil, err
		}
		e.src, e.plain, e.gz = r, nil, buf.Bytes()
		return e.plain, e.gz, nil
	}
	plain, err = view.Encode(r)
	if err != nil {
		return nil, nil, err
	}
	if len(plain) >= gzipMinBytes {
		gz = gzipped(plain, gzip.BestSpeed)
	}
	e.src, e.plain, e.gz = r, plain, gz
	return plain, gz, nil
}

// getPlain returns the plain body of r under key in view, for a live
// stream's first event.
func (b *resultsBodies) getPlain(key string, r *stats.Results, view surveys.ResultsView) ([]byte, error) {
	e := b.entry(key + "|" + view.Key() + "|plain")
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.src != r {
		plain, err := view.Encode(r)
		if err != nil {
			return nil, err
		}
		e.src, e.plain = r, plain
	}
	return e.plain, nil
}

// serveResults answers with the body of r under key in view, gzipped when
// it is large and the client accepts gzip.
func (a *App) serveResults(c echo.Context, key string, r *stats.Results, view surveys.ResultsView) error {
	plain, gz, err := a.encoded.get(key, r, view)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	if plain == nil && !strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			return err
		}
		c.Response().Header().Add("Vary", "Accept-Encoding")
		return c.Stream(http.StatusOK, echo.MIMEApplicationJSON, zr)
	}
	return serveEncoded(c, echo.MIMEApplicationJSON, plain, gz)
}

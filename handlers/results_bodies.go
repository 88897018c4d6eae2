package handlers

import (
	"compress/gzip"
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

// resultsBodies keeps results bodies encoded, plain and gzipped, for as
// long as the service hands out the same scored results (until the tallies
// change): a thousand readers of a survey cost one encoding and one
// compression, not a thousand.
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

// get returns the body of r under key in view, encoding it when r is not
// the results it was last encoded from. The bytes are shared, never written.
func (b *resultsBodies) get(key string, r *stats.Results, view surveys.ResultsView) (plain, gz []byte, err error) {
	key += "|" + view.Key()
	b.mu.Lock()
	if b.m == nil || len(b.m) >= maxEncodedBodies && b.m[key] == nil {
		b.m = map[string]*encodedResults{}
	}
	e := b.m[key]
	if e == nil {
		e = &encodedResults{}
		b.m[key] = e
	}
	b.mu.Unlock()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.src != r {
		plain, err := view.Encode(r)
		if err != nil {
			return nil, nil, err
		}
		var gz []byte
		if len(plain) >= gzipMinBytes {
			gz = gzipped(plain, gzip.BestSpeed) // bodies change every second
		}
		e.src, e.plain, e.gz = r, plain, gz
	}
	return e.plain, e.gz, nil
}

// serveResults answers with the body of r under key in view, gzipped when
// it is large and the client accepts gzip.
func (a *App) serveResults(c echo.Context, key string, r *stats.Results, view surveys.ResultsView) error {
	plain, gz, err := a.encoded.get(key, r, view)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return serveEncoded(c, echo.MIMEApplicationJSON, plain, gz)
}

package handlers

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// bodyCache keeps rendered bodies that depend only on an immutable survey
// version (and a state), with their gzip form, so that a city-wide push of
// the link does not render and compress the same bytes for every resident.
type bodyCache struct {
	mu      sync.Mutex
	entries map[string]*cachedBody
}

type cachedBody struct {
	plain, gz []byte
}

// serve answers from the cache entry key, rendering it with render on a miss.
func (bc *bodyCache) serve(c echo.Context, key, contentType string, render func() ([]byte, error)) error {
	bc.mu.Lock()
	e := bc.entries[key]
	bc.mu.Unlock()
	if e == nil {
		plain, err := render()
		if err != nil {
			return err
		}
		e = &cachedBody{plain: plain, gz: gzipped(plain, gzip.BestCompression)}
		bc.mu.Lock()
		if bc.entries == nil {
			bc.entries = map[string]*cachedBody{}
		}
		bc.entries[key] = e
		bc.mu.Unlock()
	}
	return serveEncoded(c, contentType, e.plain, e.gz)
}

// gzipped is plain compressed at level.
func gzipped(plain []byte, level int) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, level)
	_, _ = zw.Write(plain)
	_ = zw.Close()
	return buf.Bytes()
}

// serveEncoded answers with a body encoded beforehand: gz (when there is
// one) to a client that accepts gzip, plain to others.
func serveEncoded(c echo.Context, contentType string, plain, gz []byte) error {
	h := c.Response().Header()
	h.Add("Vary", "Accept-Encoding")
	body := plain
	if gz != nil && strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = gz
	}
	return c.Blob(http.StatusOK, contentType, body)
}

// precompressed lists the routes whose handlers compress for themselves.
var precompressed = map[string]bool{
	"/s/:slug":              true,
	"/s/:slug/u/:unit":      true,
	"/api/v1/surveys/:slug": true,
	"/static/:hash/:name":   true,
}

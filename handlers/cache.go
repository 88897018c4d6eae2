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
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(plain)
		zw.Close()
		e = &cachedBody{plain: plain, gz: buf.Bytes()}
		bc.mu.Lock()
		if bc.entries == nil {
			bc.entries = map[string]*cachedBody{}
		}
		bc.entries[key] = e
		bc.mu.Unlock()
	}
	h := c.Response().Header()
	h.Add("Vary", "Accept-Encoding")
	body := e.plain
	if strings.Contains(c.Request().Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = e.gz
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

package handlers_test

import (
	"bytes"
	"encoding/json"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"testing"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// BenchmarkSubmitOneClient measures one resident's submit round trip through
// the real HTTP stack: page cookie, JSON body, validation, dedup claim, one
// durable transaction. Each iteration is a new resident.
//
//	go test -run '^$' -bench SubmitOneClient -benchtime 2000x ./handlers/
func BenchmarkSubmitOneClient(b *testing.B) {
	backends := map[string]func() *instance{
		"sqlite+memory": func() *instance {
			return start(b, surveystest.SQLite(b), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
		},
	}
	if surveystest.MySQLConfigured() {
		backends["mysql+redis"] = func() *instance {
			rdb := surveystest.Redis(b)
			p := surveystest.Prefix()
			return start(b, surveystest.MySQL(b), dedup.NewRedis(rdb, p+"dedup:"), live.NewRedis(rdb, p+"tally"), handlers.Config{})
		}
	}
	for name, mk := range backends {
		b.Run(name, func(b *testing.B) {
			in := mk()
			p, _ := in.Svc.Published(slug)
			rng := mrand.New(mrand.NewPCG(5, 6))
			endpoint := in.URL + "/api/v1/surveys/" + slug + "/responses"
			bodies := make([][]byte, b.N)
			for i := range bodies {
				body, err := json.Marshal(surveystest.RandomSubmission(rng, p.Compiled))
				if err != nil {
					b.Fatal(err)
				}
				bodies[i] = body
			}
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				jar, _ := cookiejar.New(nil)
				c := &http.Client{Jar: jar}
				resp, err := c.Get(in.URL + "/api/v1/surveys/" + slug)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				b.StartTimer()
				resp, err = c.Post(endpoint, "application/json", bytes.NewReader(bodies[i]))
				if err != nil || resp.StatusCode != http.StatusCreated {
					b.Fatalf("submit %d: %v %v", i, resp, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
}

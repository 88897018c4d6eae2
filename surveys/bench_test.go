package surveys_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// go test -run '^$' -bench . -benchmem ./surveys/

func builtin(b *testing.B) ([]byte, *questionnaire.Compiled) {
	b.Helper()
	data, err := questionnaire.Builtin("social-2022")
	if err != nil {
		b.Fatal(err)
	}
	c, err := questionnaire.CompileJSON(data)
	if err != nil {
		b.Fatal(err)
	}
	return data, c
}

// BenchmarkCompile decodes and validates the built-in definition.
func BenchmarkCompile(b *testing.B) {
	data, _ := builtin(b)
	for b.Loop() {
		if _, err := questionnaire.CompileJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeAndCheck is a submission body's way through the validator.
func BenchmarkDecodeAndCheck(b *testing.B) {
	_, c := builtin(b)
	body, _ := json.Marshal(c.RandomSubmission(rand.New(rand.NewPCG(1, 2))))
	for b.Loop() {
		sub, err := questionnaire.DecodeSubmission(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Check(sub); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCount folds one response into the dense counters.
func BenchmarkCount(b *testing.B) {
	_, c := builtin(b)
	rng := rand.New(rand.NewPCG(3, 4))
	rs := make([]stats.Accepted, 1024)
	for i := range rs {
		rs[i] = stats.Accepted{Answers: c.RandomAnswers(rng)}
	}
	k := stats.NewCounter(c)
	i := 0
	for b.Loop() {
		k.Add(rs[i%len(rs)])
		i++
	}
}

// BenchmarkScore scores results from the counters of 10,000 responses.
func BenchmarkScore(b *testing.B) {
	_, c := builtin(b)
	rng := rand.New(rand.NewPCG(5, 6))
	t := stats.Tallies{}
	k := stats.NewCounter(c)
	for range 10_000 {
		k.Add(stats.Accepted{Answers: c.RandomAnswers(rng)})
	}
	k.AddTo(t)
	for b.Loop() {
		r := stats.Score(c, t, "", false)
		if r.Responses != 10_000 {
			b.Fatal(r.Responses)
		}
	}
}

// BenchmarkSubmit is the in-process submit path on each backend, one
// resident after another: validation, claim, one durable insert.
func BenchmarkSubmit(b *testing.B) {
	backends := []struct {
		name string
		svc  func() *surveys.Service
	}{
		{"sqlite+memory", func() *surveys.Service { return surveystest.Service(b, surveystest.SQLite(b)) }},
	}
	if surveystest.MySQLConfigured() && surveystest.RedisConfigured() {
		backends = append(backends, struct {
			name string
			svc  func() *surveys.Service
		}{"mysql+redis", func() *surveys.Service {
			return surveystest.ServiceWith(b, surveystest.MySQL(b),
				dedup.NewRedis(surveystest.Redis(b), surveystest.Prefix()), live.NewMemory())
		}})
	}
	for _, be := range backends {
		b.Run(be.name, func(b *testing.B) {
			svc := be.svc()
			p, err := svc.Published("social-2022")
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(7, 8))
			i := 0
			for b.Loop() {
				_, err := svc.Submit(context.Background(), surveys.SubmitInput{
					Slug: "social-2022", Submission: p.Compiled.RandomSubmission(rng),
					DeviceID: fmt.Sprintf("bench-%d", i), Now: time.Now(),
				})
				if err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

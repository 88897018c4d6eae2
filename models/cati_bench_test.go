package models_test

import (
	"errors"
	"flag"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/cati"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// callers is how many interviewers ask at once in the latency benchmarks
// (-cati.callers=1 gives the latency of one caller alone).
var callers = flag.Int("cati.callers", 50, "interviewers asking at once in the telephone benchmarks")

// latencies collects call times from many goroutines.
type latencies struct {
	mu   sync.Mutex
	d    []time.Duration
	wall time.Duration // from the first call to the last answer
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// report adds p50, p95 and p99 in milliseconds and the calls a second to
// the benchmark's output.
func (l *latencies) report(b *testing.B) {
	slices.Sort(l.d)
	q := func(p float64) float64 {
		if len(l.d) == 0 {
			return 0
		}
		return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.95), "p95-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(len(l.d))/l.wall.Seconds(), "calls/s")
	b.ReportMetric(0, "ns/op") // the percentiles are the figure, not the mean
}

// benchPairs are instancePairs and, for the embedded default as it runs
// (one instance), one SQLite store on its own.
func benchPairs(b *testing.B) []pair {
	prs := instancePairs(b)
	one := surveystest.SQLite(b)
	return append(prs, pair{"sqlite-one-instance", one, one})
}

// runCallers runs b.N calls of call over callers goroutines, alternating
// the two stores; call returns how long its timed part took.
func runCallers(b *testing.B, pr pair, call func(s *models.Store, who uint64, i int) (time.Duration, error)) *latencies {
	var l latencies
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for g := range *callers {
		s := pr.a
		if g%2 == 1 {
			s = pr.b
		}
		who := uint64(g + 1)
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				d, err := call(s, who, i)
				if err != nil {
					b.Error(err)
					return
				}
				l.add(d)
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	l.wall = time.Since(start)
	return &l
}

// BenchmarkNextCase50 times NextCase with 50 interviewers asking at once
// through two instances (and through one, on SQLite), each recording a no answer (untimed) after each
// case, on a sample of 20,000 numbers.
//
//	go test -run '^$' -bench NextCase50 -benchtime 3000x ./models/
func BenchmarkNextCase50(b *testing.B) {
	v := testVault(b)
	p := cati.DefaultPolicy()
	for _, pr := range benchPairs(b) {
		b.Run(pr.name, func(b *testing.B) {
			survey := uint64(time.Now().UnixNano())
			if _, err := pr.a.AddCases(sample(b, v, survey, "", 0, max(b.N+*callers, 20000), t0)); err != nil {
				b.Fatal(err)
			}
			l := runCallers(b, pr, func(s *models.Store, who uint64, _ int) (time.Duration, error) {
				start := time.Now()
				h, err := s.NextCase(models.Pick{SurveyID: survey, Interviewer: who, Now: t0, Hold: p.Hold, InHours: true})
				d := time.Since(start)
				if err != nil {
					return d, err
				}
				// The outcome is part of the load, not of the figure.
				_, err = record(s, p, h.Case.ID, who, "3.13", t0, nil)
				return d, err
			})
			l.report(b)
		})
	}
}

// BenchmarkReserveQuota50 times ReserveQuota with 50 interviewers
// screening at once through two instances (and through one, on SQLite), every screening in the same two
// cells (the worst case: one unit's gender and age cells), each case held
// by its own interviewer.
//
//	go test -run '^$' -bench ReserveQuota50 -benchtime 3000x ./models/
func BenchmarkReserveQuota50(b *testing.B) {
	v := testVault(b)
	p := cati.DefaultPolicy()
	for _, pr := range benchPairs(b) {
		b.Run(pr.name, func(b *testing.B) {
			survey := uint64(time.Now().UnixNano())
			cells := make([]uint64, 0, 2)
			if err := pr.a.UpsertQuotaCells([]models.CatiQuotaCell{
				{SurveyID: survey, Unit: "u01", CellKey: "gender=f", Target: 1 << 30},
				{SurveyID: survey, Unit: "u01", CellKey: "age=a2", Target: 1 << 30},
			}); err != nil {
				b.Fatal(err)
			}
			cs, _ := pr.a.QuotaCells(survey, "u01")
			for _, c := range cs {
				cells = append(cells, c.ID)
			}
			if _, err := pr.a.AddCases(sample(b, v, survey, "u01", 0, b.N, t0)); err != nil {
				b.Fatal(err)
			}
			// Case i held by interviewer 1000+i.
			held := make([]uint64, b.N)
			for i := range held {
				h, err := pr.a.NextCase(models.Pick{SurveyID: survey, Interviewer: uint64(1000 + i), Now: t0, Hold: p.Hold, InHours: true})
				if errors.Is(err, models.ErrNoCase) {
					b.Fatalf("only %d cases", i)
				}
				if err != nil {
					b.Fatal(err)
				}
				held[i] = h.Case.ID
			}
			l := runCallers(b, pr, func(s *models.Store, _ uint64, i int) (time.Duration, error) {
				start := time.Now()
				err := s.ReserveQuota(models.Reserve{CaseID: held[i], Interviewer: uint64(1000 + i), CellIDs: cells, Now: t0, Until: t0.Add(p.Hold)})
				return time.Since(start), err
			})
			l.report(b)
		})
	}
}

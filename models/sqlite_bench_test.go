package models_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// BenchmarkSQLiteBind times one multi-row INSERT of n one-column rows on
// the embedded SQLite: a driver that binds each parameter in time
// proportional to the statement's count costs n² (ns/param grows with n).
func BenchmarkSQLiteBind(b *testing.B) {
	s := surveystest.SQLite(b)
	if err := s.W.Exec("CREATE TABLE bind_bench (x INTEGER)").Error; err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			q := "INSERT INTO bind_bench (x) VALUES " + strings.TrimSuffix(strings.Repeat("(?),", n), ",")
			args := make([]any, n)
			for i := range args {
				args[i] = i
			}
			for b.Loop() {
				if err := s.W.Exec(q, args...).Error; err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/param")
		})
	}
}

// BenchmarkSQLiteInsertResponses500 stores 500 responses in one
// transaction: one INSERT of 7,500 parameters.
func BenchmarkSQLiteInsertResponses500(b *testing.B) {
	s := surveystest.SQLite(b)
	sv := &models.Survey{Slug: "bench", Results: "public"}
	if err := s.CreatePublished(sv, `{"slug":"bench"}`, models.Catalogue{}); err != nil {
		b.Fatal(err)
	}
	next := 0
	for b.Loop() {
		rs := make([]*models.Response, 500)
		for i := range rs {
			next++
			rs[i] = &models.Response{PublicID: fmt.Sprintf("p%d", next), SurveyID: sv.ID, VersionID: *sv.PublishedVersionID,
				RespondentKey: fmt.Sprintf("d:%d", next), SubmissionID: fmt.Sprintf("s%d", next), SubmittedAt: time.Now(),
				Choices: "q01=5,q02=4,q03=dk,q04=3,q05=5,q06=4,q07=5,q08=2,q09=5,q10=4,q11=5,q12=4,q13=5,town=t03,age=40-49,gender=f"}
		}
		if err := s.InsertResponses(rs); err != nil {
			b.Fatal(err)
		}
	}
}

package models_test

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// purgeRows is how many responses with an address hash the purge
// benchmark clears in its one transaction.
var purgeRows = flag.Int("purge.rows", 200000, "responses the retention purge benchmark clears")

// BenchmarkPurgeSurvey measures the retention purge of one closed survey
// of -purge.rows responses on each backend: one transaction holding the
// retention lock (and, on SQLite, the one writer) for the whole of it.
func BenchmarkPurgeSurvey(b *testing.B) {
	for _, be := range surveystest.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			s := be.Store
			for i := range b.N {
				slug := fmt.Sprintf("big-%d", i)
				sv := &models.Survey{Slug: slug, Results: "public"}
				if err := s.CreatePublished(sv, `{"slug":"`+slug+`"}`, models.Catalogue{}); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				insertAddressed(b, s, sv, *purgeRows)
				b.StartTimer()
				counts, err := s.PurgeSurvey(sv.ID, time.Now(), models.AuditEntry{Action: "retention.purge"}, func([]models.PurgeCount) string { return "" })
				if err != nil || counts[len(counts)-1].Rows != int64(*purgeRows) {
					b.Fatalf("purge: %v %v", counts, err)
				}
			}
			b.ReportMetric(float64(*purgeRows), "rows/op")
		})
	}
}

// insertAddressed stores n responses of sv, each with an address hash.
func insertAddressed(b *testing.B, s *models.Store, sv *models.Survey, n int) {
	b.Helper()
	const chunk = 500
	for i := 0; i < n; i += chunk {
		var q strings.Builder
		var args []any
		q.WriteString("INSERT INTO responses (public_id, survey_id, version_id, respondent_key, submission_id, submitted_at, ip_hash, choices, texts, tallied) VALUES ")
		for j := i; j < min(i+chunk, n); j++ {
			if j > i {
				q.WriteString(",")
			}
			q.WriteString("(?,?,?,?,?,?,?,?,?,?)")
			args = append(args, fmt.Sprintf("%d-%d", sv.ID, j), sv.ID, *sv.PublishedVersionID, fmt.Sprintf("p:%032d", j),
				fmt.Sprintf("s%d", j), time.Now(), fmt.Sprintf("%032x", j), "q01=5", "{}", true)
		}
		if err := s.W.Exec(q.String(), args...).Error; err != nil {
			b.Fatal(err)
		}
	}
}

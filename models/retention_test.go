package models_test

import (
	"errors"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
)

// TestMigrateRetention: a survey closed before closing times were kept
// gets its last change as its closing time; the purge lock exists; closing
// and reopening set and clear the closing time and the purge mark.
func TestMigrateRetention(t *testing.T) {
	for name, s := range rawStores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.MigrateTo(13); err != nil {
				t.Fatal(err)
			}
			sv := &models.Survey{Slug: "closed-2021", Results: "public"}
			if err := s.CreatePublished(sv, `{"slug":"closed-2021"}`, models.Catalogue{}); err != nil {
				t.Fatal(err)
			}
			changed := time.Date(2022, 1, 15, 8, 0, 0, 0, time.UTC)
			if err := s.W.Exec("UPDATE surveys SET status = ?, updated_at = ?, closed_at = NULL WHERE id = ?", models.StatusClosed, changed, sv.ID).Error; err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(); err != nil {
				t.Fatal(err)
			}
			got, err := s.SurveyByID(sv.ID)
			if err != nil || got.ClosedAt == nil || !got.ClosedAt.Equal(changed) {
				t.Fatalf("closed_at after the migration: %v %v, want %v", got.ClosedAt, err, changed)
			}
			counts, err := s.PurgeSurvey(sv.ID, time.Now(), models.AuditEntry{Action: "retention.purge"}, func([]models.PurgeCount) string { return "test" })
			if err != nil || len(counts) != len(models.Purgers()) {
				t.Fatalf("purge: %v %v", counts, err)
			}
			if _, err := s.PurgeSurvey(sv.ID, time.Now(), models.AuditEntry{Action: "retention.purge"}, func([]models.PurgeCount) string { return "test" }); !errors.Is(err, models.ErrPurged) {
				t.Fatalf("a second purge: %v, want ErrPurged", err)
			}
			if err := s.SetStatus(sv.ID, models.StatusPublished); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.SurveyByID(sv.ID); got.ClosedAt != nil || got.PurgedAt != nil {
				t.Fatalf("reopened: closed_at %v purged_at %v, want neither", got.ClosedAt, got.PurgedAt)
			}
			if err := s.SetStatus(sv.ID, models.StatusClosed); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.SurveyByID(sv.ID); got.ClosedAt == nil || time.Since(*got.ClosedAt) > time.Minute {
				t.Fatalf("closed again: closed_at %v, want now", got.ClosedAt)
			}
		})
	}
}

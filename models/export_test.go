package models_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestEachExportRow stores the responses of two surveys interleaved and
// walks one of them in batches of every size around its count.
func TestEachExportRow(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Store
			var surveys [2]*models.Survey
			for i := range surveys {
				surveys[i] = &models.Survey{Slug: fmt.Sprint("export-", i), Results: "public"}
				if err := s.CreatePublished(surveys[i], `{}`, models.Catalogue{}); err != nil {
					t.Fatal(err)
				}
			}
			at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
			var want []models.ExportRow
			for i := range 9 {
				sv := surveys[i%2]
				r := &models.Response{PublicID: fmt.Sprint("e", i), SurveyID: sv.ID, VersionID: *sv.PublishedVersionID,
					RespondentKey: fmt.Sprint("d:", i), SubmissionID: fmt.Sprint("s", i), Channel: "web",
					SubmittedAt: at.Add(time.Duration(i) * time.Minute), IPHash: "hash", Choices: fmt.Sprint("q01=", i%5+1)}
				if i%3 == 0 {
					started, ms := r.SubmittedAt.Add(-90*time.Second), int64(90_000)
					r.StartedAt, r.DurationMS = &started, &ms
					r.UnitCode, r.Flags, r.Texts = "u1", "speeder", `{"comment":"路灯坏了"}`
				}
				if err := s.InsertResponse(r); err != nil {
					t.Fatal(err)
				}
				if sv == surveys[0] {
					want = append(want, models.ExportRow{PublicID: r.PublicID, VersionID: r.VersionID, UnitCode: r.UnitCode,
						Channel: r.Channel, StartedAt: r.StartedAt, SubmittedAt: r.SubmittedAt, DurationMS: r.DurationMS,
						Flags: r.Flags, Choices: r.Choices, Texts: r.Texts})
				}
			}
			for _, batch := range []int{1, 2, 4, 5, 6, 0} {
				t.Run(fmt.Sprint("batch ", batch), func(t *testing.T) {
					var got []models.ExportRow
					var last uint64
					err := s.EachExportRow(t.Context(), surveys[0].ID, batch, func(r *models.ExportRow) error {
						if r.ID <= last {
							t.Errorf("response %d after %d: not in id order", r.ID, last)
						}
						last = r.ID
						c := *r
						c.ID = 0
						if c.StartedAt != nil {
							started := c.StartedAt.UTC()
							c.StartedAt = &started
						}
						c.SubmittedAt = c.SubmittedAt.UTC()
						got = append(got, c)
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("walked\n%+v\nwant\n%+v", got, want)
					}
				})
			}
			t.Run("stops at fn's error", func(t *testing.T) {
				stop := errors.New("stop")
				n := 0
				err := s.EachExportRow(t.Context(), surveys[0].ID, 2, func(*models.ExportRow) error { n++; return stop })
				if !errors.Is(err, stop) || n != 1 {
					t.Fatalf("err %v after %d rows", err, n)
				}
			})
			t.Run("stops when the context ends", func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				n := 0
				err := s.EachExportRow(ctx, surveys[0].ID, 1, func(*models.ExportRow) error { n++; cancel(); return nil })
				if !errors.Is(err, context.Canceled) || n != 1 {
					t.Fatalf("err %v after %d rows", err, n)
				}
			})
		})
	}
}

package surveys

import (
	"context"
	"errors"
	"fmt"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/export"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// NewExport prepares the export of a survey's responses (see package
// export): its columns follow the published version, else the draft.
func (s *Service) NewExport(surveyID uint64) (*export.Export, error) {
	sv, err := s.store.SurveyByID(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	vid := sv.PublishedVersionID
	if vid == nil {
		vid = sv.DraftVersionID
	}
	if vid == nil {
		return nil, fmt.Errorf("surveys: survey %d has no version", surveyID)
	}
	cur, err := s.version(*vid)
	if err != nil {
		return nil, err
	}
	return export.New(sv.Slug, cur, &exportSource{svc: s, survey: sv.ID, slug: sv.Slug}), nil
}

// exportSource reads a survey's responses for an export (export.Source).
type exportSource struct {
	svc    *Service
	survey uint64
	slug   string
	row    export.Row
}

// EachRow implements export.Source: a walk of the primary key, a batch
// per query, that holds no statement open while the file is written.
func (x *exportSource) EachRow(ctx context.Context, fn func(*export.Row) error) error {
	return x.svc.store.EachExportRow(ctx, x.survey, models.ExportBatch, func(r *models.ExportRow) error {
		x.row = export.Row{PublicID: r.PublicID, VersionID: r.VersionID, UnitCode: r.UnitCode, Channel: r.Channel,
			StartedAt: r.StartedAt, SubmittedAt: r.SubmittedAt, DurationMS: r.DurationMS, Flags: r.Flags,
			Review: r.Review, Choices: r.Choices, Texts: r.Texts}
		return fn(&x.row)
	})
}

// Version implements export.Source.
func (x *exportSource) Version(id uint64) (*questionnaire.Compiled, error) { return x.svc.version(id) }

// Results implements export.Source: the results as they are now, bypassing
// the cache; nil for a survey never published.
func (x *exportSource) Results() (*stats.Results, error) {
	r, err := x.svc.UncachedResults(x.slug, ResultsQuery{})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return r, err
}

package surveys

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// SeedBuiltin stores a built-in template as a published survey with public
// results, unless a survey with its slug exists. It reports whether it did.
func (s *Service) SeedBuiltin(name string) (bool, error) {
	data, err := questionnaire.Builtin(name)
	if err != nil {
		return false, err
	}
	c, err := questionnaire.CompileJSON(data)
	if err != nil {
		return false, err
	}
	if _, err := s.store.SurveyBySlug(c.Def.Slug); err == nil {
		return false, nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return false, err
	}
	sv := &models.Survey{Slug: c.Def.Slug, Title: c.Def.Title, Results: c.Def.Results}
	err = s.store.CreatePublished(sv, string(data), Catalogue(c))
	if errors.Is(err, models.ErrDuplicate) {
		return false, nil // another instance seeded it first
	}
	return err == nil, err
}

// SeedResponses stores n synthetic responses to a published survey through
// the bulk path (the same rows a submission makes, written a few thousand
// per transaction), for performance measurements. They are tallied by the
// next tally pass or rebuild. progress, when not nil, is called after each batch.
func (s *Service) SeedResponses(ctx context.Context, slug string, n int, rng *rand.Rand, progress func(done int)) error {
	p, err := s.Published(slug)
	if err != nil {
		return err
	}
	const batch = 2000
	now := time.Now()
	started := now.Add(-10 * time.Minute)
	rs := make([]*models.Response, 0, batch)
	for done := 0; done < n; {
		if err := ctx.Err(); err != nil {
			return err
		}
		rs = rs[:0]
		for i := 0; i < batch && done+i < n; i++ {
			sub := &questionnaire.Submission{SubmissionID: fmt.Sprintf("seed-%d-%d", now.UnixNano(), done+i), StartedAt: &started}
			if p.Compiled.HasUnits() {
				sub.Unit = p.Compiled.Def.Units[rng.IntN(len(p.Compiled.Def.Units))].Code
			}
			in := SubmitInput{Submission: sub, ClientIP: fmt.Sprintf("198.51.100.%d", rng.IntN(256)), Channel: "seed", Now: now}
			key := fmt.Sprintf("seed:%d:%d", now.UnixNano(), done+i)
			rs = append(rs, s.newResponse(p, in, key, p.Compiled.RandomAnswersFor(rng, sub.Unit)))
		}
		if err := s.store.InsertResponses(rs); err != nil {
			return storeErr(fmt.Errorf("seed responses: %w", err))
		}
		done += len(rs)
		if progress != nil {
			progress(done)
		}
	}
	return nil
}

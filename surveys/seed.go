package surveys

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

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
			rs = append(rs, s.newResponse(p, in, key, p.Compiled.RandomAnswers(rng)))
		}
		if err := s.Store.InsertResponses(rs); err != nil {
			return fmt.Errorf("%w: seed responses: %v", ErrUnavailable, err)
		}
		done += len(rs)
		if progress != nil {
			progress(done)
		}
	}
	return nil
}

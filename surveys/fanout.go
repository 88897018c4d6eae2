package surveys

import (
	"context"
	"log/slog"

	"github.com/minyi-survey/minyi/surveys/live"
)

// RunFanout follows the broker's change notices until ctx ends: each drops
// the survey's scored results and wakes its live subscribers on this instance.
func (s *Service) RunFanout(ctx context.Context, hub *live.Hub) {
	s.broker.Run(ctx, func(id uint64) {
		ids := []uint64{id}
		if id == live.AllSurveys {
			// Notices were lost while the broker was away: bring this
			// instance's live subscribers up to date (other cached results
			// expire by their age).
			ids = hub.Surveys()
		}
		for _, id := range ids {
			s.talliesChanged(id)
			hub.Notify(id)
		}
	})
}

// RenderLive renders the live event payload of a survey (live.Renderer):
// the results scored once, encoded once in each view a stream asks for
// (ResultsView.Key). They are the results readers of the survey get too:
// the change notice that woke the hub dropped the cached ones first (see
// RunFanout), so one scoring per change serves streams and readers.
func (s *Service) RenderLive(_ context.Context, surveyID uint64) (*live.Payload, error) {
	slug, err := s.slugOf(surveyID)
	if err != nil {
		return nil, err
	}
	r, err := s.Results(slug, ResultsQuery{})
	if err != nil {
		return nil, err
	}
	return live.NewPayload(func(view string) ([]byte, error) {
		return viewOf(view).Encode(r)
	}), nil
}

// publish tells every instance that a survey's results changed. A failure
// is logged and the survey kept for the next tally pass to send again:
// the last change of a fieldwork may have no later one to catch up with.
func (s *Service) publish(ctx context.Context, surveyID uint64) {
	if err := s.broker.Publish(ctx, surveyID); err != nil {
		slog.Warn("live: publish failed", slog.Uint64("survey", surveyID), slog.Any("error", err))
		s.unpublishedMu.Lock()
		if s.unpublished == nil {
			s.unpublished = map[uint64]bool{}
		}
		s.unpublished[surveyID] = true
		s.unpublishedMu.Unlock()
	}
}

// takeUnpublished adds to changed the surveys whose notice failed, and
// forgets them (publish keeps any that fail again).
func (s *Service) takeUnpublished(changed map[uint64]bool) {
	s.unpublishedMu.Lock()
	defer s.unpublishedMu.Unlock()
	for id := range s.unpublished {
		changed[id] = true
	}
	clear(s.unpublished)
}

package surveys

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// tallySpacing is the least time between the starts of two tally passes of
// an instance. A pass writes every counter its responses touched (some
// 5,000 for social-2022 with its breakdowns) whether it counts 5 responses
// or 500, so under a flood passes are spaced to count many at once; alone,
// a response is counted at once. It is the live interval (live.Hub): live
// events come at most once a second, and passes more often than that only
// rewrote counters no event had shown yet (on MariaDB, 2.5 passes a second
// under load made the counters most of the database's work per response).
const tallySpacing = time.Second

// tallyBatch is how many responses one transaction of a pass counts: a
// second's worth at a few thousand a second, so that a pass writes its
// counters once, not once per thousand responses.
const tallyBatch = 5000

// backfillBatch responses are read and counted without a lock and their
// counts written in one short transaction: about 14,000 joint counters for
// social-2022 however many responses, so fewer, larger batches hold the
// writer less in all.
const backfillBatch = 100000

// wakeTallier wakes the tally worker after a response was stored.
func (s *Service) wakeTallier() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// RunTallier counts stored responses into the tallies until ctx ends, then
// publishes which surveys changed. Every instance runs one; a lock row in
// the database makes their passes take turns. Beside it runs the backfill
// of joint cells for surveys whose weighting was turned on.
func (s *Service) RunTallier(ctx context.Context) {
	backfill := make(chan struct{})
	go func() { defer close(backfill); s.runBackfill(ctx) }()
	defer func() { <-backfill }()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-tick.C:
		}
		if wait := tallySpacing - time.Since(last); wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		last = time.Now()
		if err := s.RunTallyPass(ctx); err != nil {
			slog.Error("tally pass failed", slog.Any("error", err))
		}
	}
}

// RunTallyPass counts every response not yet tallied, a batch per
// transaction, and publishes the surveys whose results changed. The tally
// worker runs one after each wake-up; shutdown runs a last one.
func (s *Service) RunTallyPass(ctx context.Context) error {
	changed := map[uint64]bool{}
	for ctx.Err() == nil {
		ids, n, err := s.store.TallyBatch(tallyBatch, func() models.Counter { return s.newCounter() })
		if err != nil {
			return err
		}
		for _, id := range ids {
			changed[id] = true
		}
		if n < tallyBatch {
			break
		}
	}
	// Publish even when ctx just ended: the counts are committed. Notices
	// the broker refused before go again.
	publish := maps.Clone(changed)
	s.takeUnpublished(publish)
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	for id := range publish {
		s.publish(pctx, id)
	}
	if ctx.Err() == nil {
		s.reevaluateChanged(ctx, changed)
	}
	return nil
}

// runBackfill backfills joint cells beside the tally passes (which it
// never holds up) until ctx ends, looking for work every second.
func (s *Service) runBackfill(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if err := s.backfillJoint(ctx); err != nil {
			slog.Error("joint cells backfill failed", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// backfillJoint counts responses tallied before weighting was turned on
// into the joint cells, batch by batch, until none are left or it must
// wait for a tally pass, and tells live views of a survey whose cells
// became ready.
func (s *Service) backfillJoint(ctx context.Context) error {
	for ctx.Err() == nil {
		finished, more, err := s.store.BackfillJoint(backfillBatch, s.newCounter())
		if err != nil {
			return err
		}
		if finished != 0 {
			if slug, err := s.slugOf(finished); err == nil {
				s.Forget(slug) // its cached row still says "not ready"
			}
			s.results.drop(finished)
			s.publish(context.WithoutCancel(ctx), finished)
		}
		if !more {
			return nil
		}
	}
	return nil
}

// TalliesOf returns a survey's stored counters.
func (s *Service) TalliesOf(surveyID uint64) (stats.Tallies, error) {
	rows, err := s.store.Tallies(surveyID)
	if err != nil {
		return nil, storeErr(fmt.Errorf("read tallies: %w", err))
	}
	return fromRows(rows), nil
}

// RecountTallies recomputes a survey's counters from its raw responses
// without storing them, to check the stored ones against (tests, and
// anyone who doubts them).
func (s *Service) RecountTallies(surveyID uint64) (stats.Tallies, error) {
	rows, err := s.store.ComputeTallies(surveyID, s.newCounter())
	if err != nil {
		return nil, err
	}
	return fromRows(rows), nil
}

// RebuildTallies replaces a survey's counters with a recount of its raw responses.
func (s *Service) RebuildTallies(ctx context.Context, surveyID uint64) error {
	if err := s.store.RebuildTallies(surveyID, s.newCounter()); err != nil {
		return err
	}
	return s.broker.Publish(ctx, surveyID)
}

// fromRows reads stored counters; a counter back at zero (a reviewed
// response moved out of a cell) is the same as none.
func fromRows(rows []models.Tally) stats.Tallies {
	t := make(stats.Tallies, len(rows))
	for _, r := range rows {
		if r.N != 0 || r.ScoreSum != 0 || r.ScoreSq != 0 {
			t.Add(stats.TallyID{Unit: r.Unit, Dim: r.Dim, Key: r.Metric}, stats.TallyValue{N: r.N, Sum: r.ScoreSum, SumSq: r.ScoreSq})
		}
	}
	return t
}

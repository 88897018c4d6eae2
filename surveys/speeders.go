package surveys

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// speederChecks spaces the tally worker's re-evaluations of each survey's
// speeder flags: at most one per medianTTL.
type speederChecks struct {
	mu   sync.Mutex
	last map[uint64]time.Time
}

// due reports whether surveyID's speeders may be evaluated again now, and
// if so notes that they are.
func (c *speederChecks) due(surveyID uint64, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		c.last = map[uint64]time.Time{}
	}
	if at, ok := c.last[surveyID]; ok && now.Sub(at) < medianTTL {
		return false
	}
	c.last[surveyID] = now
	return true
}

// ReevaluateSpeeders evaluates the speeder flags of a survey's responses
// again against its median completion time now, once it has
// questionnaire.SpeederMedianMin responses with a time and the median has
// moved by more than models.SpeederMove since the last evaluation, so that
// a flag does not depend on when the response arrived. Responses staff
// reviewed keep their flags; the counters move with the others in the
// same transaction. It returns how many responses changed.
func (s *Service) ReevaluateSpeeders(ctx context.Context, surveyID uint64) (int, error) {
	m := s.quality.refreshMedian(surveyID)
	if m.n < questionnaire.SpeederMedianMin || m.median <= 0 {
		return 0, nil
	}
	changed, err := s.store.ReflagSpeeders(surveyID, m.median.Milliseconds(), func(r *models.Response) string {
		return s.speederFlags(r, m.median)
	}, s.reviewDelta)
	if err != nil {
		return 0, storeErr(fmt.Errorf("re-evaluate speeders: %w", err))
	}
	if changed > 0 {
		s.talliesChanged(surveyID)
		s.publish(context.WithoutCancel(ctx), surveyID)
	}
	return changed, nil
}

// speederFlags is r's flags with the speeder flag as the rule gives it
// against median (questionnaire.Compiled.Flags): under 2 s per question of
// its version, or under half the median. Other flags stay, in their order.
func (s *Service) speederFlags(r *models.Response, median time.Duration) string {
	c, err := s.version(r.VersionID)
	if err != nil || r.DurationMS == nil {
		return r.Flags
	}
	d := time.Duration(*r.DurationMS) * time.Millisecond
	speeder := d > 0 && (d < time.Duration(c.QuestionCount())*questionnaire.SpeederFloorPerItem || d < median/2)
	var flags []string
	if r.Flags != "" {
		flags = strings.Split(r.Flags, ",")
	}
	had := slices.Contains(flags, questionnaire.FlagSpeeder)
	switch {
	case speeder && !had:
		// Flags lists straight_liner, speeder, shared_address in that order.
		at := 0
		if len(flags) > 0 && flags[0] == questionnaire.FlagStraightLiner {
			at = 1
		}
		flags = slices.Insert(flags, at, questionnaire.FlagSpeeder)
	case !speeder && had:
		flags = slices.DeleteFunc(flags, func(f string) bool { return f == questionnaire.FlagSpeeder })
	}
	return strings.Join(flags, ",")
}

// reevaluateChanged re-evaluates the speeders of surveys a tally pass
// changed, each at most once per medianTTL.
func (s *Service) reevaluateChanged(ctx context.Context, changed map[uint64]bool) {
	now := time.Now()
	for id := range changed {
		if !s.speeders.due(id, now) {
			continue
		}
		if _, err := s.ReevaluateSpeeders(ctx, id); err != nil {
			slog.Warn("quality: re-evaluating speeders", slog.Uint64("survey", id), slog.Any("error", err))
		}
	}
}

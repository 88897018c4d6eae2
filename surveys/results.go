package surveys

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// resultsMaxAge bounds how long scored results are reused when no change
// notice arrives (a notice lost while Redis reconnected, say).
const resultsMaxAge = 5 * time.Second

// ResultsQuery says which results to score: for one unit or all (""),
// with a breakdown by a demographic role, without flagged responses, or
// raked to the survey's population margins. Unit, By and Weighted exclude
// one another.
type ResultsQuery struct {
	Unit           string
	By             string
	ExcludeFlagged bool
	Weighted       bool
	// Category limits the body to one category of a campaign's units.
	Category string
	// Channel scores the responses of one channel only ("web" or "cati"),
	// counted from the raw responses; "" is every channel.
	Channel string
	// alone leaves the previous year's comparison out: a survey scored as
	// another's previous year is not compared further back (nor in a cycle).
	alone bool
}

func (q ResultsQuery) check() error {
	fields := map[string]string{}
	if q.Channel != "" && q.Channel != "web" && q.Channel != ChannelCati {
		fields["channel"] = "须为 web 或 cati must be web or cati"
	}
	if q.Channel != "" && (q.Weighted || q.By != "") {
		fields["channel"] = "按渠道的结果不能与 by 或 weighted 同用 results of one channel are not broken down or weighted"
	}
	if q.Weighted && (q.Unit != "" || q.By != "") {
		fields["weighted"] = "加权结果针对全部样本，不能与 unit 或 by 同用 weighted results are for the whole sample, not with unit or by"
	}
	if q.Category != "" && (q.Unit != "" || q.By != "" || q.Weighted) {
		fields["category"] = "类别结果不能与 unit、by 或 weighted 同用 category is not used with unit, by or weighted"
	}
	if len(fields) > 0 {
		return &questionnaire.InvalidError{Fields: fields}
	}
	return nil
}

// key names the query in the results cache.
func (q ResultsQuery) key() string {
	return fmt.Sprintf("%s/%t/%s/%t/%t/%s/%s", q.Unit, q.ExcludeFlagged, q.By, q.Weighted, q.alone, q.Category, q.Channel)
}

// Results scores the results q asks for of a published survey from its
// tallies. Scored results are reused until the survey's tallies change
// (every instance hears of it through the broker, see RunFanout), so
// readers never wait for the database under a flood of submissions.
func (s *Service) Results(slug string, q ResultsQuery) (*stats.Results, error) {
	p, err := s.Published(slug)
	if err != nil {
		return nil, err
	}
	if err := q.check(); err != nil {
		return nil, err
	}
	key := q.key()
	if r, ok := s.results.get(p.Survey.ID, key, p.Version, resultsMaxAge); ok {
		return r, nil
	}
	// Readers arriving together wait for one scoring, and one query of a
	// survey is scored once at a time: a campaign of 1,000 units takes a
	// while to score, fifty live streams connecting at once must not score
	// it fifty times, nor must change notices every 200 ms on a busy
	// machine start a scoring each while the last is still running. A
	// reader gets results scored after the last change it knew of: one
	// that joined a scoring begun before that change waits for the next.
	arrived := s.results.epoch(p.Survey.ID)
	for {
		v, err, _ := s.results.flight.Do(fmt.Sprintf("%d/%d/%s", p.Survey.ID, p.Version, key), func() (any, error) {
			epoch := s.results.epoch(p.Survey.ID)
			if r, ok := s.results.get(p.Survey.ID, key, p.Version, resultsMaxAge); ok {
				return scored{r, epoch}, nil
			}
			r, err := s.resultsOf(p, q)
			if err != nil {
				return nil, err
			}
			s.results.put(p.Survey.ID, key, epoch, cachedResults{r, p.Version, time.Now(), q.Weighted})
			return scored{r, epoch}, nil
		})
		if err != nil {
			return nil, err
		}
		if sc := v.(scored); sc.epoch >= arrived || q.Weighted {
			return sc.r, nil
		}
	}
}

// scored is results with the epoch their scoring began in.
type scored struct {
	r     *stats.Results
	epoch uint64
}

// UncachedResults is Results scored from the tallies as they are now,
// neither read from the cache nor kept in it: for live events and exports.
func (s *Service) UncachedResults(slug string, q ResultsQuery) (*stats.Results, error) {
	p, err := s.Published(slug)
	if err != nil {
		return nil, err
	}
	if err := q.check(); err != nil {
		return nil, err
	}
	return s.resultsOf(p, q)
}

// talliesChanged drops a survey's scored results; every instance calls it
// for each change notice from the broker. Weighted results are kept for up
// to resultsMaxAge: raking reads some 14,000 joint counters (~0.2 s), too
// much to redo after every tally pass of a busy survey, and they move slowly.
func (s *Service) talliesChanged(surveyID uint64) { s.results.changed(surveyID, resultsMaxAge) }

// resultsOf scores the results q asks for of p from its stored counters.
func (s *Service) resultsOf(p *Published, q ResultsQuery) (*stats.Results, error) {
	if q.Unit != "" {
		if _, ok := p.Compiled.UnitName(q.Unit); !ok {
			return nil, ErrUnknownUnit
		}
	}
	dims := []string{"", stats.DimFlagged}
	if q.By != "" {
		dims = stats.BreakdownDims(p.Compiled, q.By)
		if len(dims) == 0 {
			return nil, &questionnaire.InvalidError{Fields: map[string]string{"by": "本调查没有这个分组 this survey has no such breakdown (town, age, gender)"}}
		}
		dims = append(dims, "", stats.DimFlagged)
	}
	var margins stats.Margins
	if q.Weighted {
		if !p.Survey.Weighted || p.Survey.Margins == "" {
			return nil, &questionnaire.InvalidError{Fields: map[string]string{"weighted": "本调查未启用加权 weighting is not on for this survey"}}
		}
		if !p.Survey.JointReady {
			return nil, ErrWeightingNotReady
		}
		if err := json.Unmarshal([]byte(p.Survey.Margins), &margins); err != nil {
			return nil, fmt.Errorf("surveys: stored margins of %s: %w", p.Survey.Slug, err)
		}
		if problems := stats.ValidateMargins(p.Compiled, margins); len(problems) > 0 {
			return nil, &questionnaire.InvalidError{Fields: map[string]string{"weighted": "人口边际与当前问卷不符，请在设计页更新 the population margins no longer fit the published questionnaire; update them on the designer page"}}
		}
	}
	var rows []models.Tally
	var err error
	if q.Channel != "" {
		rows, err = s.channelTallies(p.Survey.ID, q.Channel)
	} else if q.Unit != "" {
		rows, err = s.store.TalliesOfUnitCells(p.Survey.ID, q.Unit, dims...)
	} else {
		rows, err = s.store.TalliesOfCells(p.Survey.ID, dims...)
	}
	if err != nil {
		return nil, storeErr(fmt.Errorf("read tallies: %w", err))
	}
	t := fromRows(rows)
	var r stats.Results
	if q.Weighted {
		joint, err := s.store.TalliesWithDimPrefix(p.Survey.ID, stats.JointDimPrefixes()...)
		if err != nil {
			return nil, storeErr(fmt.Errorf("read tallies: %w", err))
		}
		t.Merge(fromRows(joint))
		if r, err = stats.ScoreWeighted(p.Compiled, t, margins, q.ExcludeFlagged); err != nil {
			return nil, err
		}
	} else if q.Category != "" {
		var ok bool
		if r, ok = stats.ScoreCategory(p.Compiled, t, q.Category, q.ExcludeFlagged); !ok {
			return nil, &questionnaire.InvalidError{Fields: map[string]string{"category": "本调查没有这个类别 this survey has no such category"}}
		}
	} else {
		r = stats.Score(p.Compiled, t, q.Unit, q.ExcludeFlagged)
	}
	if q.By != "" {
		r.Breakdown = stats.ScoreUnitBreakdown(p.Compiled, t, q.Unit, q.By, q.ExcludeFlagged)
	}
	if q.Unit != "" && !q.alone {
		// Where the unit stands in its category, from the (cached) body of all units.
		if all, err := s.Results(p.Survey.Slug, ResultsQuery{ExcludeFlagged: q.ExcludeFlagged}); err == nil {
			r.Ranking = stats.RankingOf(p.Compiled, all, q.Unit)
		}
	}
	r.AsOf = time.Now().UTC().Truncate(time.Second)
	if q.Unit == "" {
		r.Timeline = t.Timeline()
		r.Quality = t.Quality()
	}
	if err := s.addChannels(p, &r, q); err != nil {
		return nil, err
	}
	if prev := p.Compiled.Def.Previous; prev != "" && q.Unit == "" && !q.alone && q.Channel == "" {
		r.Previous = s.compareWith(prev, q, &r)
		if len(r.Notices) > 0 {
			s.markRepeatNotices(prev, q, &r)
		}
	}
	return &r, nil
}

// compareWith compares whole-sample results r with the previous year's
// survey scored the same way (flagged responses in or out, weighted or
// not); nil when that survey is not published or cannot be scored so.
func (s *Service) compareWith(slug string, q ResultsQuery, r *stats.Results) *stats.Comparison {
	prevQ := ResultsQuery{ExcludeFlagged: q.ExcludeFlagged, Weighted: q.Weighted, alone: true}
	prev, err := s.Results(slug, prevQ)
	if err != nil {
		var invalid *questionnaire.InvalidError
		if !errors.Is(err, ErrNotFound) && !errors.As(err, &invalid) {
			slog.Warn("results: previous year's survey", slog.String("survey", slug), slog.Any("error", err))
		}
		return nil
	}
	return stats.Compare(r, prev)
}

// markRepeatNotices marks the units of r's notices that were in the bottom
// of their category in the previous year's survey too.
func (s *Service) markRepeatNotices(slug string, q ResultsQuery, r *stats.Results) {
	prev, err := s.Results(slug, ResultsQuery{ExcludeFlagged: q.ExcludeFlagged, alone: true})
	if err == nil {
		stats.MarkRepeatNotices(r, prev)
	}
}

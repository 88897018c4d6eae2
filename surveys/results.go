package surveys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// ErrUnknownUnit is a results request for a unit the survey does not have.
var ErrUnknownUnit = errors.New("surveys: unknown unit")

// ErrWeightingNotReady is a weighted results request while the tally
// worker is still counting earlier responses into the joint cells.
var ErrWeightingNotReady = errors.New("surveys: weighting is being prepared")

// Kick wakes the tally worker after a response was stored.
func (s *Service) Kick() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// tallySpacing is the least time between two tally passes of an instance.
// A pass writes every counter its responses touched (thousands with
// breakdowns) whether it counts 5 responses or 500, so under a flood passes
// are spaced to count many at once; alone, a response is counted at once.
const tallySpacing = 200 * time.Millisecond

// RunTallier counts stored responses into the tallies until ctx ends, then
// publishes which surveys changed. Every instance runs one; a lock row in
// the database makes their passes take turns.
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
		if err := s.TallyPending(ctx); err != nil {
			slog.Error("tally pass failed", slog.Any("error", err))
		}
	}
}

// TallyPending counts every response not yet tallied and publishes the
// surveys whose results changed.
func (s *Service) TallyPending(ctx context.Context) error {
	const batch = 1000
	changed := map[uint64]bool{}
	for ctx.Err() == nil {
		ids, n, err := s.Store.TallyPending(batch, s.newCounter())
		if err != nil {
			return err
		}
		for _, id := range ids {
			changed[id] = true
		}
		if n < batch {
			break
		}
	}
	// Publish even when ctx just ended: the counts are committed.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	for id := range changed {
		if err := s.Broker.Publish(pctx, id); err != nil {
			slog.Warn("live: publish failed", slog.Uint64("survey", id), slog.Any("error", err))
		}
	}
	return nil
}

// backfillBatch responses are read and counted without a lock and their
// counts written in one short transaction: about 14,000 joint counters for
// social-2022 however many responses, so fewer, larger batches hold the
// writer less in all.
const backfillBatch = 100000

// runBackfill backfills joint cells beside the tally passes (which it
// never holds up) until ctx ends, looking for work every second.
func (s *Service) runBackfill(ctx context.Context) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		if err := s.BackfillJoint(ctx); err != nil {
			slog.Error("joint cells backfill failed", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// BackfillJoint counts responses tallied before weighting was turned on
// into the joint cells, batch by batch, until none are left or it must
// wait for a tally pass, and tells live views of a survey whose cells
// became ready.
func (s *Service) BackfillJoint(ctx context.Context) error {
	for ctx.Err() == nil {
		finished, more, err := s.Store.BackfillJoint(backfillBatch, s.newCounter())
		if err != nil {
			return err
		}
		if finished != 0 {
			if slug, err := s.surveyByID(finished); err == nil {
				s.Forget(slug) // its cached row still says "not ready"
			}
			s.dropResults(finished)
			if err := s.Broker.Publish(context.WithoutCancel(ctx), finished); err != nil {
				slog.Warn("live: publish failed", slog.Uint64("survey", finished), slog.Any("error", err))
			}
		}
		if !more {
			return nil
		}
	}
	return nil
}

// counter accumulates stored responses of any surveys and versions into
// tally rows (models.Counter).
type counter struct {
	svc       *Service
	versions  map[uint64]*versionCount
	jointFrom map[uint64]uint64
	jointOnly bool
}

type versionCount struct {
	survey uint64
	*stats.Counter
}

func (s *Service) newCounter() *counter {
	return &counter{svc: s, versions: map[uint64]*versionCount{}}
}

// Joint implements models.Counter.
func (c *counter) Joint(from map[uint64]uint64) { c.jointFrom = from }

// JointOnly implements models.Counter.
func (c *counter) JointOnly() { c.jointOnly = true }

// Add implements models.Counter.
func (c *counter) Add(r *models.Response) error {
	vc := c.versions[r.VersionID]
	if vc == nil {
		comp, err := c.svc.Version(r.VersionID)
		if err != nil {
			return err
		}
		vc = &versionCount{r.SurveyID, stats.NewCounter(comp)}
		c.versions[r.VersionID] = vc
	}
	answers, err := questionnaire.DecodeChoices(r.Choices)
	if err != nil {
		return fmt.Errorf("response %d: %w", r.ID, err)
	}
	var flags []string
	if r.Flags != "" {
		flags = strings.Split(r.Flags, ",")
	}
	vc.Add(stats.Accepted{Unit: r.UnitCode, Flagged: r.Flagged(), Answers: answers,
		At: r.SubmittedAt, Flags: flags, Review: r.Review, Joint: c.joint(r), JointOnly: c.jointOnly})
	return nil
}

// joint says whether r goes into its survey's joint cells too.
func (c *counter) joint(r *models.Response) bool {
	from, on := c.jointFrom[r.SurveyID]
	return on && r.ID > from
}

// Rows implements models.Counter.
func (c *counter) Rows() []models.Tally {
	bySurvey := map[uint64]stats.Tallies{}
	for _, vc := range c.versions {
		t := bySurvey[vc.survey]
		if t == nil {
			t = stats.Tallies{}
			bySurvey[vc.survey] = t
		}
		vc.AddTo(t)
	}
	var rows []models.Tally
	for survey, t := range bySurvey {
		for id, v := range t {
			rows = append(rows, models.Tally{SurveyID: survey, Unit: id.Unit, Dim: id.Dim,
				Metric: id.Key, N: v.N, ScoreSum: v.Sum, ScoreSq: v.SumSq})
		}
	}
	return rows
}

// TalliesOf returns a survey's stored counters.
func (s *Service) TalliesOf(surveyID uint64) (stats.Tallies, error) {
	rows, err := s.Store.Tallies(surveyID)
	if err != nil {
		return nil, fmt.Errorf("%w: read tallies: %v", ErrUnavailable, err)
	}
	return fromRows(rows), nil
}

// RecountTallies recomputes a survey's counters from its raw responses
// without storing them.
func (s *Service) RecountTallies(surveyID uint64) (stats.Tallies, error) {
	rows, err := s.Store.ComputeTallies(surveyID, s.newCounter())
	if err != nil {
		return nil, err
	}
	return fromRows(rows), nil
}

// RebuildTallies replaces a survey's counters with a recount of its raw responses.
func (s *Service) RebuildTallies(ctx context.Context, surveyID uint64) error {
	if err := s.Store.RebuildTallies(surveyID, s.newCounter()); err != nil {
		return err
	}
	return s.Broker.Publish(ctx, surveyID)
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

// resultsMaxAge bounds how long scored results are reused when no change
// notice arrives (a notice lost while Redis reconnected, say).
const resultsMaxAge = 5 * time.Second

type cachedResults struct {
	r        *stats.Results
	version  uint64
	at       time.Time
	weighted bool
}

// ResultsQuery says which results to score: for one unit or all (""),
// with a breakdown by a demographic role, without flagged responses, or
// raked to the survey's population margins. Unit, By and Weighted exclude
// one another.
type ResultsQuery struct {
	Unit           string
	By             string
	ExcludeFlagged bool
	Weighted       bool
	// alone leaves the previous year's comparison out: a survey scored as
	// another's previous year is not compared further back (nor in a cycle).
	alone bool
}

func (q ResultsQuery) check() error {
	fields := map[string]string{}
	if q.By != "" && q.Unit != "" {
		fields["by"] = "分组结果针对全部样本，不能与 unit 同用 breakdowns are for the whole sample, not with unit"
	}
	if q.Weighted && (q.Unit != "" || q.By != "") {
		fields["weighted"] = "加权结果针对全部样本，不能与 unit 或 by 同用 weighted results are for the whole sample, not with unit or by"
	}
	if len(fields) > 0 {
		return &questionnaire.InvalidError{Fields: fields}
	}
	return nil
}

// Results scores a published survey from its tallies, for one unit or all
// (""). Scored results are reused until the survey's tallies change
// (TalliesChanged), so readers never wait for the database under a flood
// of submissions.
func (s *Service) Results(slug, unit string, excludeFlagged bool) (*stats.Results, error) {
	return s.ResultsFor(slug, ResultsQuery{Unit: unit, ExcludeFlagged: excludeFlagged})
}

// ResultsFor scores the results q asks for, reusing scored results until
// the survey's tallies change.
func (s *Service) ResultsFor(slug string, q ResultsQuery) (*stats.Results, error) {
	p, err := s.Published(slug)
	if err != nil {
		return nil, err
	}
	if err := q.check(); err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%s/%t/%s/%t/%t", q.Unit, q.ExcludeFlagged, q.By, q.Weighted, q.alone)
	s.mu.Lock()
	c, ok := s.results[p.Survey.ID][key]
	s.mu.Unlock()
	if ok && c.version == p.Version && time.Since(c.at) < resultsMaxAge {
		return c.r, nil
	}
	r, err := s.resultsOf(p, q)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.results[p.Survey.ID] == nil {
		s.results[p.Survey.ID] = map[string]cachedResults{}
	}
	s.results[p.Survey.ID][key] = cachedResults{r, p.Version, time.Now(), q.Weighted}
	s.mu.Unlock()
	return r, nil
}

// RunFanout follows the broker's change notices until ctx ends: each drops
// the survey's scored results and wakes its live subscribers on this instance.
func (s *Service) RunFanout(ctx context.Context, hub *live.Hub) {
	s.Broker.Run(ctx, func(id uint64) {
		s.TalliesChanged(id)
		hub.Notify(id)
	})
}

// TalliesChanged drops a survey's scored results; every instance calls it
// for each change notice from the broker. Weighted results are kept for up
// to resultsMaxAge: raking reads some 14,000 joint counters (~0.2 s), too
// much to redo after every tally pass of a busy survey, and they move slowly.
func (s *Service) TalliesChanged(surveyID uint64) {
	s.mu.Lock()
	for key, c := range s.results[surveyID] {
		if !c.weighted || time.Since(c.at) >= resultsMaxAge {
			delete(s.results[surveyID], key)
		}
	}
	s.mu.Unlock()
}

// dropResults drops all of a survey's scored results, weighted included.
func (s *Service) dropResults(surveyID uint64) {
	s.mu.Lock()
	delete(s.results, surveyID)
	s.mu.Unlock()
}

// FreshResults scores from the tallies as they are now, bypassing the cache.
func (s *Service) FreshResults(slug, unit string) (*stats.Results, error) {
	return s.FreshResultsWith(slug, unit, false)
}

// FreshResultsWith is FreshResults with the choice to leave flagged
// responses out.
func (s *Service) FreshResultsWith(slug, unit string, excludeFlagged bool) (*stats.Results, error) {
	p, err := s.Published(slug)
	if err != nil {
		return nil, err
	}
	return s.resultsOf(p, ResultsQuery{Unit: unit, ExcludeFlagged: excludeFlagged})
}

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
	rows, err := s.Store.TalliesOfCells(p.Survey.ID, dims...)
	if err != nil {
		return nil, fmt.Errorf("%w: read tallies: %v", ErrUnavailable, err)
	}
	t := fromRows(rows)
	var r stats.Results
	if q.Weighted {
		joint, err := s.Store.TalliesOfJointCells(p.Survey.ID)
		if err != nil {
			return nil, fmt.Errorf("%w: read tallies: %v", ErrUnavailable, err)
		}
		t.Merge(fromRows(joint))
		if r, err = stats.ScoreWeighted(p.Compiled, t, margins, q.ExcludeFlagged); err != nil {
			return nil, err
		}
	} else {
		r = stats.Score(p.Compiled, t, q.Unit, q.ExcludeFlagged)
	}
	if q.By != "" {
		r.Breakdown = stats.ScoreBreakdown(p.Compiled, t, q.By)
	}
	r.AsOf = time.Now().UTC().Truncate(time.Second)
	if q.Unit == "" {
		r.Timeline = t.Timeline()
		r.Quality = t.Quality()
	}
	if prev := p.Compiled.Def.Previous; prev != "" && q.Unit == "" && !q.alone {
		r.Previous = s.compareWith(prev, q, &r)
	}
	return &r, nil
}

// compareWith compares whole-sample results r with the previous year's
// survey scored the same way (flagged responses in or out, weighted or
// not); nil when that survey is not published or cannot be scored so.
func (s *Service) compareWith(slug string, q ResultsQuery, r *stats.Results) *stats.Comparison {
	prevQ := ResultsQuery{ExcludeFlagged: q.ExcludeFlagged, Weighted: q.Weighted, alone: true}
	prev, err := s.ResultsFor(slug, prevQ)
	if err != nil {
		var invalid *questionnaire.InvalidError
		if !errors.Is(err, ErrNotFound) && !errors.As(err, &invalid) {
			slog.Warn("results: previous year's survey", slog.String("survey", slug), slog.Any("error", err))
		}
		return nil
	}
	return stats.Compare(r, prev)
}

// RenderLive renders the live event payload of a survey (live.Renderer).
func (s *Service) RenderLive(_ context.Context, surveyID uint64) ([]byte, error) {
	sv, err := s.surveyByID(surveyID)
	if err != nil {
		return nil, err
	}
	r, err := s.FreshResults(sv, "")
	if err != nil {
		return nil, err
	}
	return json.Marshal(r)
}

// surveyByID finds a survey's slug, from the cache when it is there.
func (s *Service) surveyByID(id uint64) (string, error) {
	s.mu.Lock()
	for slug, c := range s.bySlug {
		if c.p.Survey.ID == id {
			s.mu.Unlock()
			return slug, nil
		}
	}
	s.mu.Unlock()
	sv, err := s.Store.SurveyByID(id)
	if errors.Is(err, models.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return sv.Slug, nil
}

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
	if _, err := s.Store.SurveyBySlug(c.Def.Slug); err == nil {
		return false, nil
	} else if !errors.Is(err, models.ErrNotFound) {
		return false, err
	}
	sv := &models.Survey{Slug: c.Def.Slug, Title: c.Def.Title, Results: c.Def.Results}
	err = s.Store.CreatePublished(sv, string(data), Catalogue(c))
	if errors.Is(err, models.ErrDuplicate) {
		return false, nil // another instance seeded it first
	}
	return err == nil, err
}

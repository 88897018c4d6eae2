package surveys

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Errors of the submission service; the HTTP layer maps them to statuses.
var (
	ErrNotFound    = errors.New("surveys: survey not found")
	ErrClosed      = errors.New("surveys: survey closed")
	ErrDuplicate   = errors.New("surveys: respondent already answered")
	ErrForbidden   = errors.New("surveys: respondent not recognised")
	ErrUnavailable = errors.New("surveys: storage unavailable")
)

// claimTTL is how long a committed claim is kept when a survey has no close
// date: past any annual campaign.
const claimTTL = 400 * 24 * time.Hour

// surveyCacheTTL bounds how stale a survey's status (e.g. closed) can be on
// an instance that did not make the change.
const surveyCacheTTL = 2 * time.Second

var phonePattern = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// Service is the submission and results service.
type Service struct {
	Store  *models.Store
	Dedup  dedup.Claimer
	Broker live.Broker
	Secret []byte

	kick     chan struct{}
	writer   *writer
	mu       sync.Mutex
	versions map[uint64]*questionnaire.Compiled
	bySlug   map[string]cachedSurvey
	results  map[uint64]map[string]cachedResults // survey → unit → scored results
	medians  map[uint64]cachedMedian
	shared   map[string]bool // survey:address known to be shared
}

type cachedSurvey struct {
	p       *Published
	fetched time.Time
}

// Published is a survey with its published version, compiled.
type Published struct {
	Survey   models.Survey
	Version  uint64
	Compiled *questionnaire.Compiled
}

// Open reports whether the survey takes responses at t.
func (p *Published) Open(t time.Time) bool {
	if p.Survey.Status != models.StatusPublished {
		return false
	}
	return p.Survey.ClosesAt == nil || t.Before(*p.Survey.ClosesAt)
}

// NewService wires a service.
func NewService(store *models.Store, claimer dedup.Claimer, broker live.Broker, secret []byte) *Service {
	return &Service{
		Store:    store,
		Dedup:    claimer,
		Broker:   broker,
		Secret:   secret,
		kick:     make(chan struct{}, 1),
		writer:   newWriter(store, claimer, writers(store)),
		versions: map[uint64]*questionnaire.Compiled{},
		bySlug:   map[string]cachedSurvey{},
		results:  map[uint64]map[string]cachedResults{},
		medians:  map[uint64]cachedMedian{},
		shared:   map[string]bool{},
	}
}

// writers is how many transactions write submissions at once: SQLite has
// one writer anyway; MySQL overlaps a few batches.
func writers(store *models.Store) int {
	if store.Dialect == models.DialectMySQL {
		return 4
	}
	return 1
}

// Close stops the submission writers. Call it after the HTTP server has
// stopped taking requests.
func (s *Service) Close() { s.writer.close() }

// Published returns the survey with its published version. Closed surveys
// are returned too (check Open); drafts are ErrNotFound.
func (s *Service) Published(slug string) (*Published, error) {
	s.mu.Lock()
	c, ok := s.bySlug[slug]
	s.mu.Unlock()
	if ok && time.Since(c.fetched) < surveyCacheTTL {
		return c.p, nil
	}
	sv, err := s.Store.SurveyBySlug(slug)
	// The exact slug only: MySQL's comparison ignores trailing spaces and,
	// under a case-insensitive collation, case.
	if errors.Is(err, models.ErrNotFound) || (err == nil && (sv.PublishedVersionID == nil || sv.Slug != slug)) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	comp, err := s.Version(*sv.PublishedVersionID)
	if err != nil {
		return nil, err
	}
	p := &Published{Survey: *sv, Version: *sv.PublishedVersionID, Compiled: comp}
	s.mu.Lock()
	s.bySlug[slug] = cachedSurvey{p, time.Now()}
	s.mu.Unlock()
	return p, nil
}

// Version returns a compiled survey version; versions never change, so
// they are cached for the life of the process.
func (s *Service) Version(id uint64) (*questionnaire.Compiled, error) {
	s.mu.Lock()
	c := s.versions[id]
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	v, err := s.Store.Version(id)
	if err != nil {
		return nil, fmt.Errorf("%w: version %d: %v", ErrUnavailable, id, err)
	}
	c, err = questionnaire.CompileJSON([]byte(v.Definition))
	if err != nil {
		return nil, fmt.Errorf("surveys: stored version %d: %w", id, err)
	}
	s.mu.Lock()
	s.versions[id] = c
	s.mu.Unlock()
	return c, nil
}

// Forget drops a survey from the cache after this instance changed it.
func (s *Service) Forget(slug string) {
	s.mu.Lock()
	delete(s.bySlug, slug)
	s.mu.Unlock()
}

// SubmitInput is a submission with what the HTTP layer knows of its sender.
type SubmitInput struct {
	Slug       string
	Submission *questionnaire.Submission
	DeviceID   string // from the verified respondent cookie; "" if none
	ClientIP   string
	Channel    string
	Now        time.Time
}

// SubmitResult is an accepted submission.
type SubmitResult struct {
	ResponseID string
	Replay     bool // the submission id had already been accepted: a retry
}

// Submit validates and stores a response, exactly once per respondent.
func (s *Service) Submit(ctx context.Context, in SubmitInput) (SubmitResult, error) {
	p, err := s.Published(in.Slug)
	if err != nil {
		return SubmitResult{}, err
	}
	if !p.Open(in.Now) {
		return SubmitResult{}, ErrClosed
	}
	sub := in.Submission
	answers, err := p.Compiled.Check(sub)
	if err != nil {
		return SubmitResult{}, err
	}
	key, err := s.respondentKey(p, in)
	if err != nil {
		return SubmitResult{}, err
	}
	claimKey := fmt.Sprintf("%d:%s", p.Survey.ID, key)

	// Fast path: the claim. Its failure never blocks a resident; the
	// database's unique index decides then.
	claim, err := s.Dedup.Claim(ctx, claimKey, sub.SubmissionID)
	if err != nil {
		slog.Warn("dedup unavailable, relying on the database", slog.Any("error", err))
		claim = dedup.Result{State: dedup.Pending}
	}
	switch {
	case claim.State == dedup.Committed && claim.Holder != sub.SubmissionID:
		return SubmitResult{}, ErrDuplicate
	case claim.State != dedup.Won:
		// A retry, a concurrent duplicate, or a claim left by a crash:
		// the database knows which.
		if r, err := s.Store.ResponseBySubmission(p.Survey.ID, sub.SubmissionID); err == nil {
			return s.replay(r, key)
		}
	}

	r := s.newResponse(p, in, key, answers)
	ttl := claimTTL
	if p.Survey.ClosesAt != nil {
		ttl = max(time.Until(*p.Survey.ClosesAt)+7*24*time.Hour, time.Hour)
	}
	err = s.writer.write(ctx, r, dedup.Commit{Key: claimKey, Submission: sub.SubmissionID, TTL: ttl})
	switch {
	case err == nil:
		s.Kick()
		return SubmitResult{ResponseID: r.PublicID}, nil
	case errors.Is(err, models.ErrDuplicate):
		if prev, err := s.Store.ResponseBySubmission(p.Survey.ID, sub.SubmissionID); err == nil {
			return s.replay(prev, key)
		}
		return SubmitResult{}, ErrDuplicate
	default:
		if claim.State == dedup.Won {
			if err := s.Dedup.Release(context.WithoutCancel(ctx), claimKey, sub.SubmissionID); err != nil {
				slog.Warn("dedup release failed", slog.Any("error", err))
			}
		}
		return SubmitResult{}, fmt.Errorf("%w: store response: %v", ErrUnavailable, err)
	}
}

// replay answers a retried submission with the response it created, unless
// the submission id is somebody else's.
func (s *Service) replay(r *models.Response, key string) (SubmitResult, error) {
	if r.RespondentKey != key {
		return SubmitResult{}, &questionnaire.InvalidError{Fields: map[string]string{
			"submission_id": "此提交编号已被使用，请刷新页面 submission_id already used; reload the page",
		}}
	}
	return SubmitResult{ResponseID: r.PublicID, Replay: true}, nil
}

func (s *Service) respondentKey(p *Published, in SubmitInput) (string, error) {
	switch p.Compiled.Def.Dedup {
	case questionnaire.DedupPhone:
		phone := strings.TrimSpace(in.Submission.Phone)
		if !phonePattern.MatchString(phone) {
			return "", &questionnaire.InvalidError{Fields: map[string]string{
				"phone": "请填写11位手机号码 enter an 11-digit mainland mobile number",
			}}
		}
		// Keyed per survey, so the same person cannot be linked across surveys.
		return "p:" + s.hash("phone", fmt.Sprintf("%d:%s", p.Survey.ID, phone)), nil
	case questionnaire.DedupToken:
		tok := strings.TrimSpace(in.Submission.Token)
		if tok == "" || len(tok) > 64 {
			return "", ErrForbidden
		}
		t, err := s.Store.TokenByHash(p.Survey.ID, s.hash("token", strings.ToLower(tok)), s.hash("token", normalizeShort(tok)))
		if errors.Is(err, models.ErrNotFound) {
			return "", ErrForbidden
		} else if err != nil {
			return "", fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		if t.UnitCode != "" && t.UnitCode != in.Submission.Unit {
			return "", &questionnaire.InvalidError{Fields: map[string]string{"unit": "此邀请码属于另一个单位 this invitation is for another unit"}}
		}
		return fmt.Sprintf("t:%d", t.ID), nil
	default:
		if in.DeviceID == "" {
			return "", ErrForbidden
		}
		return "d:" + in.DeviceID, nil
	}
}

func (s *Service) newResponse(p *Published, in SubmitInput, key string, answers []questionnaire.Answer) *models.Response {
	r := &models.Response{
		PublicID:      uuid.NewString(),
		SurveyID:      p.Survey.ID,
		VersionID:     p.Version,
		UnitCode:      in.Submission.Unit,
		RespondentKey: key,
		SubmissionID:  strings.ToLower(in.Submission.SubmissionID),
		Channel:       in.Channel,
		SubmittedAt:   in.Now.UTC(),
	}
	if in.ClientIP != "" {
		r.IPHash = s.hash("ip", in.ClientIP)
	}
	var duration time.Duration
	if st := in.Submission.StartedAt; st != nil && st.Before(in.Now) && in.Now.Sub(*st) < 30*24*time.Hour {
		started := st.UTC()
		r.StartedAt = &started
		duration = in.Now.Sub(started)
		ms := duration.Milliseconds()
		r.DurationMS = &ms
	}
	r.Flags = strings.Join(p.Compiled.Flags(answers, duration, s.qualityContext(p.Survey.ID, r.IPHash)), ",")
	r.Choices, r.Texts = questionnaire.EncodeAnswers(answers)
	return r
}

// medianTTL is how long a survey's median completion time is reused.
const medianTTL = 30 * time.Second

type cachedMedian struct {
	median     time.Duration
	n          int64
	at         time.Time
	refreshing bool
}

// qualityContext gathers what the flags need from the survey's other
// responses. It never fails a submission: on a read error the flags that
// need it are skipped.
func (s *Service) qualityContext(surveyID uint64, ipHash string) questionnaire.FlagContext {
	var ctx questionnaire.FlagContext
	m := s.median(surveyID)
	ctx.Median, ctx.WithDuration = m.median, m.n
	if ipHash != "" {
		ctx.SharedAddress = s.sharedAddress(surveyID, ipHash)
	}
	return ctx
}

// maxSharedKnown bounds the memory of addresses known to be shared.
const maxSharedKnown = 100_000

// sharedAddress reports whether an address already sent SharedAddressMin
// responses to the survey. An address once shared stays shared, so those
// are remembered and not asked again (a flood from one address then costs
// no query at all).
func (s *Service) sharedAddress(surveyID uint64, ipHash string) bool {
	key := fmt.Sprintf("%d:%s", surveyID, ipHash)
	s.mu.Lock()
	known := s.shared[key]
	s.mu.Unlock()
	if known {
		return true
	}
	shared, err := s.Store.AddressHasAtLeast(surveyID, ipHash, questionnaire.SharedAddressMin)
	if err != nil {
		slog.Warn("quality: responses per address", slog.Any("error", err))
	}
	if shared {
		s.mu.Lock()
		if len(s.shared) >= maxSharedKnown {
			clear(s.shared)
		}
		s.shared[key] = true
		s.mu.Unlock()
	}
	return shared
}

// median returns the survey's median completion time. Until the median
// rule applies the count is small and cheap to read each time; after that
// one request at a time refreshes it in the background every medianTTL
// (finding the middle of a million rows takes a while) and the others use
// the value they have.
func (s *Service) median(surveyID uint64) cachedMedian {
	s.mu.Lock()
	m, ok := s.medians[surveyID]
	fresh := time.Since(m.at) < medianTTL
	switch {
	case ok && (m.refreshing || m.n >= questionnaire.SpeederMedianMin && fresh):
		s.mu.Unlock()
		return m
	case ok && m.n >= questionnaire.SpeederMedianMin:
		m.refreshing = true
		s.medians[surveyID] = m
		s.mu.Unlock()
		go s.refreshMedian(surveyID)
		return m
	}
	// Not known yet, or still few: read it now, one request at a time
	// (the others go on without the median rule meanwhile).
	m.refreshing = true
	s.medians[surveyID] = m
	s.mu.Unlock()
	return s.refreshMedian(surveyID)
}

func (s *Service) refreshMedian(surveyID uint64) cachedMedian {
	ms, n, err := s.Store.MedianDuration(surveyID)
	if err != nil {
		slog.Warn("quality: median completion time", slog.Any("error", err))
	}
	m := cachedMedian{median: time.Duration(ms) * time.Millisecond, n: n, at: time.Now()}
	s.mu.Lock()
	s.medians[surveyID] = m
	s.mu.Unlock()
	return m
}

// hash is a keyed HMAC, so phone numbers and addresses are never stored in clear.
func (s *Service) hash(kind, value string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte(kind + ":" + value))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

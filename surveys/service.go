// Package surveys is the service of Minyi's domain: it turns requests into
// work on the store and answers with domain types. It owns the survey and
// results caches, the submission path (Submit, the group-commit writer,
// respondent keys), the tally worker and its backfill with the adapter
// that counts stored responses (models.Counter), results (the query, the
// cache, the previous year's comparison), the fan-out of changes, seeding,
// the catalogue, the staff operations on surveys (list, drafts,
// publishing, tokens, share links, review, weighting settings) and the
// glue of exports. Every error value of the package is in errors.go.
//
// What a questionnaire is lives in sub-package questionnaire, the
// arithmetic of results in stats (pure: no database, clock or network),
// file formats in export; dedup, live and limit have Redis and in-memory
// implementations; staff holds accounts, sessions and the audit log.
// New capabilities arrive as sub-packages, each saying in its package
// comment what it owns and may import.
//
// It may import models, questionnaire, stats, export, dedup and live; it
// never imports echo or net/http.
package surveys

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/wechat"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// surveyCacheTTL bounds how stale a survey's status (e.g. closed) can be on
// an instance that did not make the change.
const surveyCacheTTL = 2 * time.Second

// Service is the submission, results and staff service on one store.
type Service struct {
	store   *models.Store
	claimer dedup.Claimer // the fast path of counting each respondent once
	broker  live.Broker   // tells every instance of changed results
	secret  []byte        // keys the hashes of phones, addresses and tokens
	kick    chan struct{} // wakes the tally worker

	// unpublished holds the surveys whose change notice the broker
	// refused (Redis away): the next tally pass sends them again.
	unpublishedMu sync.Mutex
	unpublished   map[uint64]bool
	writer        *writer

	surveys  *surveyCache
	versions *versionCache
	results  *resultsCache
	quality  *qualityStats
	speeders speederChecks

	reportFacts reportFactsCache

	otp *identity.OTP  // text-message codes for phone mode (otp.go); nil = off
	wx  *wechat.Client // WeChat sign-in for wechat mode (wechat.go); nil = off
	sms sms.Provider   // text-message invitations (invitations.go); nil = off
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
		store:    store,
		claimer:  claimer,
		broker:   broker,
		secret:   secret,
		kick:     make(chan struct{}, 1),
		writer:   newWriter(store, claimer, writers(store)),
		surveys:  newSurveyCache(),
		versions: newVersionCache(),
		results:  newResultsCache(),
		quality:  newQualityStats(store),
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

// Ping checks that the database answers.
func (s *Service) Ping() error { return s.store.Ping() }

// Published returns the survey with its published version. Closed surveys
// are returned too (check Open); drafts are ErrNotFound.
func (s *Service) Published(slug string) (*Published, error) {
	if p, ok := s.surveys.get(slug, surveyCacheTTL); ok {
		return p, nil
	}
	sv, err := s.store.SurveyBySlug(slug)
	// The exact slug only: MySQL's comparison ignores trailing spaces and,
	// under a case-insensitive collation, case.
	if errors.Is(err, models.ErrNotFound) || (err == nil && (sv.PublishedVersionID == nil || sv.Slug != slug)) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, storeErr(err)
	}
	comp, err := s.version(*sv.PublishedVersionID)
	if err != nil {
		return nil, err
	}
	p := &Published{Survey: *sv, Version: *sv.PublishedVersionID, Compiled: comp}
	s.surveys.put(slug, p)
	return p, nil
}

// version returns a compiled survey version; versions never change, so
// they are cached for the life of the process.
func (s *Service) version(id uint64) (*questionnaire.Compiled, error) {
	if c := s.versions.get(id); c != nil {
		return c, nil
	}
	v, err := s.store.Version(id)
	if err != nil { // even not found: the survey row names it, so the store is at fault
		return nil, fmt.Errorf("%w: version %d: %v", ErrUnavailable, id, err)
	}
	c, err := questionnaire.CompileJSON([]byte(v.Definition))
	if err != nil {
		return nil, fmt.Errorf("surveys: stored version %d: %w", id, err)
	}
	s.versions.put(id, c)
	return c, nil
}

// Forget drops a survey from the cache after this instance changed it.
func (s *Service) Forget(slug string) { s.surveys.forget(slug) }

// slugOf finds a survey's slug, from the cache when it is there.
func (s *Service) slugOf(id uint64) (string, error) {
	if slug, ok := s.surveys.slug(id); ok {
		return slug, nil
	}
	sv, err := s.store.SurveyByID(id)
	if err != nil {
		return "", storeErr(err)
	}
	return sv.Slug, nil
}

// hash is a keyed HMAC, so phone numbers and addresses are never stored in clear.
func (s *Service) hash(kind, value string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(kind + ":" + value))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

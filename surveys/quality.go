package surveys

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// medianTTL is how long a survey's median completion time is reused.
const medianTTL = 30 * time.Second

// maxSharedKnown bounds the memory of addresses known to be shared.
const maxSharedKnown = 100_000

// qualityStats is what the quality flags of a new response need from the
// survey's other responses (questionnaire.FlagContext), kept so that
// submissions rarely ask the database: each survey's median completion
// time, and the addresses known to be shared.
type qualityStats struct {
	store *models.Store

	mu      sync.Mutex
	medians map[uint64]cachedMedian
	shared  map[string]bool // survey:address known to be shared
}

type cachedMedian struct {
	median     time.Duration
	n          int64
	at         time.Time
	refreshing bool
}

func newQualityStats(store *models.Store) *qualityStats {
	return &qualityStats{store: store, medians: map[uint64]cachedMedian{}, shared: map[string]bool{}}
}

// flagContext gathers what the flags need from the survey's other
// responses. It never fails a submission: on a read error the flags that
// need it are skipped.
func (q *qualityStats) flagContext(surveyID uint64, ipHash string) questionnaire.FlagContext {
	var ctx questionnaire.FlagContext
	m := q.median(surveyID)
	ctx.Median, ctx.WithDuration = m.median, m.n
	if ipHash != "" {
		ctx.SharedAddress = q.sharedAddress(surveyID, ipHash)
	}
	return ctx
}

// sharedAddress reports whether an address already sent SharedAddressMin
// responses to the survey. An address once shared stays shared, so those
// are remembered and not asked again (a flood from one address then costs
// no query at all).
func (q *qualityStats) sharedAddress(surveyID uint64, ipHash string) bool {
	key := fmt.Sprintf("%d:%s", surveyID, ipHash)
	q.mu.Lock()
	known := q.shared[key]
	q.mu.Unlock()
	if known {
		return true
	}
	shared, err := q.store.AddressHasAtLeast(surveyID, ipHash, questionnaire.SharedAddressMin)
	if err != nil {
		slog.Warn("quality: responses per address", slog.Any("error", err))
	}
	if shared {
		q.mu.Lock()
		if len(q.shared) >= maxSharedKnown {
			clear(q.shared)
		}
		q.shared[key] = true
		q.mu.Unlock()
	}
	return shared
}

// median returns the survey's median completion time. Until the median
// rule applies the count is small and cheap to read each time; after that
// one request at a time refreshes it in the background every medianTTL
// (finding the middle of a million rows takes a while) and the others use
// the value they have.
func (q *qualityStats) median(surveyID uint64) cachedMedian {
	q.mu.Lock()
	m, ok := q.medians[surveyID]
	fresh := time.Since(m.at) < medianTTL
	switch {
	case ok && (m.refreshing || m.n >= questionnaire.SpeederMedianMin && fresh):
		q.mu.Unlock()
		return m
	case ok && m.n >= questionnaire.SpeederMedianMin:
		m.refreshing = true
		q.medians[surveyID] = m
		q.mu.Unlock()
		go q.refreshMedian(surveyID)
		return m
	}
	// Not known yet, or still few: read it now, one request at a time
	// (the others go on without the median rule meanwhile).
	m.refreshing = true
	q.medians[surveyID] = m
	q.mu.Unlock()
	return q.refreshMedian(surveyID)
}

func (q *qualityStats) refreshMedian(surveyID uint64) cachedMedian {
	ms, n, err := q.store.MedianDuration(surveyID)
	if err != nil {
		slog.Warn("quality: median completion time", slog.Any("error", err))
	}
	m := cachedMedian{median: time.Duration(ms) * time.Millisecond, n: n, at: time.Now()}
	q.mu.Lock()
	q.medians[surveyID] = m
	q.mu.Unlock()
	return m
}

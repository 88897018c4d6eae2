package surveys

import (
	"log/slog"
	"sync"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// medianTTL is how long a survey's median completion time is reused.
const medianTTL = 30 * time.Second

// qualityStats is what the quality flags of a new response need from the
// survey's other responses (questionnaire.FlagContext), kept so that
// submissions rarely ask the database: each survey's median completion
// time, and its recent responses per address, network and device.
type qualityStats struct {
	store  *models.Store
	bursts *burstTracker

	mu      sync.Mutex
	medians map[uint64]cachedMedian
}

type cachedMedian struct {
	median     time.Duration
	n          int64
	at         time.Time
	refreshing bool
}

func newQualityStats(store *models.Store) *qualityStats {
	return &qualityStats{store: store, bursts: newBurstTracker(), medians: map[uint64]cachedMedian{}}
}

// flagContext gathers what the flags of a response from address (and, in
// phone mode, device) at t need from the survey's other responses. It
// never fails a submission: on a read error the flags that need it are
// skipped.
func (q *qualityStats) flagContext(surveyID uint64, t time.Time, address, device string, phone bool) questionnaire.FlagContext {
	var ctx questionnaire.FlagContext
	m := q.median(surveyID)
	ctx.Median, ctx.WithDuration = m.median, m.n
	if !phone {
		device = ""
	}
	n := q.bursts.count(surveyID, t, address, device)
	ctx.SharedAddress = address != "" && questionnaire.Burst(n.all, n.address, n.network)
	ctx.ManyPhones = phone && questionnaire.ManyPhones(n.all, n.address, n.device)
	return ctx
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

package surveys

import (
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// surveyCache keeps published surveys by slug for a short while, with an
// index by id, so that a flood of residents does not read the survey row
// for every request.
type surveyCache struct {
	mu     sync.Mutex
	bySlug map[string]cachedSurvey
	byID   map[uint64]string // survey id → slug, for what bySlug holds
}

type cachedSurvey struct {
	p       *Published
	fetched time.Time
}

func newSurveyCache() *surveyCache {
	return &surveyCache{bySlug: map[string]cachedSurvey{}, byID: map[uint64]string{}}
}

// get returns the survey cached under slug if it was fetched less than
// ttl ago.
func (c *surveyCache) get(slug string, ttl time.Duration) (*Published, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.bySlug[slug]
	if !ok || time.Since(e.fetched) >= ttl {
		return nil, false
	}
	return e.p, true
}

// put caches a survey just read.
func (c *surveyCache) put(slug string, p *Published) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.bySlug[slug] = cachedSurvey{p, time.Now()}
	c.byID[p.Survey.ID] = slug
}

// forget drops a survey.
func (c *surveyCache) forget(slug string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.bySlug[slug]; ok {
		delete(c.byID, e.p.Survey.ID)
	}
	delete(c.bySlug, slug)
}

// slug returns the slug of a survey the cache holds, however old.
func (c *surveyCache) slug(id uint64) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	slug, ok := c.byID[id]
	return slug, ok
}

// versionCache keeps compiled survey versions for the life of the
// process: a published version never changes.
type versionCache struct {
	mu sync.Mutex
	m  map[uint64]*questionnaire.Compiled
}

func newVersionCache() *versionCache {
	return &versionCache{m: map[uint64]*questionnaire.Compiled{}}
}

func (c *versionCache) get(id uint64) *questionnaire.Compiled {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *versionCache) put(id uint64, v *questionnaire.Compiled) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[id] = v
}

// resultsCache keeps scored results per survey and query until the
// survey's tallies change, so that readers never wait for the database
// under a flood of submissions.
type resultsCache struct {
	mu     sync.Mutex
	m      map[uint64]map[string]cachedResults // survey → query key → results
	epochs map[uint64]uint64                   // survey → number of changes seen
	flight singleflight.Group                  // scorings under way, by survey, epoch, version and query
}

type cachedResults struct {
	r        *stats.Results
	version  uint64
	at       time.Time
	weighted bool
}

func newResultsCache() *resultsCache {
	return &resultsCache{m: map[uint64]map[string]cachedResults{}, epochs: map[uint64]uint64{}}
}

// epoch counts the changes of a survey's tallies seen: results scored in
// an earlier epoch may miss the latest change.
func (c *resultsCache) epoch(survey uint64) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epochs[survey]
}

// get returns the results cached for the survey's query key when they
// were scored from version less than maxAge ago.
func (c *resultsCache) get(survey uint64, key string, version uint64, maxAge time.Duration) (*stats.Results, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[survey][key]
	if !ok || e.version != version || time.Since(e.at) >= maxAge {
		return nil, false
	}
	return e.r, true
}

// put keeps results scored in epoch, unless the tallies changed meanwhile
// (a scoring that began before a change notice may have read the tallies
// before the change; weighted results may lag anyway, see changed).
func (c *resultsCache) put(survey uint64, key string, epoch uint64, e cachedResults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if epoch != c.epochs[survey] && !e.weighted {
		return
	}
	if c.m[survey] == nil {
		c.m[survey] = map[string]cachedResults{}
	}
	c.m[survey][key] = e
}

// changed drops a survey's results after its tallies changed, except
// weighted results younger than maxAge.
func (c *resultsCache) changed(survey uint64, maxAge time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epochs[survey]++
	for key, e := range c.m[survey] {
		if !e.weighted || time.Since(e.at) >= maxAge {
			delete(c.m[survey], key)
		}
	}
}

// drop drops all of a survey's results.
func (c *resultsCache) drop(survey uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epochs[survey]++
	delete(c.m, survey)
}

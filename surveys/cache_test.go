package surveys

import (
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// TestResultsScoredBeforeAChangeAreNotKept: a scoring that began before a
// change notice may have read the tallies before the change, so its
// results are not cached (a live event rendered after the notice would
// otherwise show them); weighted results may lag, as documented.
func TestResultsScoredBeforeAChangeAreNotKept(t *testing.T) {
	c := newResultsCache()
	const survey, version = 7, 3
	epoch := c.epoch(survey)     // a scoring begins
	c.changed(survey, time.Hour) // a change notice arrives meanwhile
	c.put(survey, "k", epoch, cachedResults{&stats.Results{}, version, time.Now(), false})
	if _, ok := c.get(survey, "k", version, time.Hour); ok {
		t.Fatal("results scored before the change were cached")
	}
	c.put(survey, "k", c.epoch(survey), cachedResults{&stats.Results{}, version, time.Now(), false})
	if _, ok := c.get(survey, "k", version, time.Hour); !ok {
		t.Fatal("results scored after the change were not cached")
	}
	c.put(survey, "w", epoch, cachedResults{&stats.Results{}, version, time.Now(), true})
	if _, ok := c.get(survey, "w", version, time.Hour); !ok {
		t.Fatal("weighted results were not cached")
	}
}

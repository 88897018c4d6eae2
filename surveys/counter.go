package surveys

import (
	"fmt"
	"strings"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

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
		comp, err := c.svc.version(r.VersionID)
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

package surveys

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// Weighting is a survey's post-stratification settings as staff see and
// edit them: whether results may be raked, the population margins, and the
// questions that can be raked to.
type Weighting struct {
	Enabled bool `json:"enabled"`
	// Ready says the joint cells count every response: weighted results
	// answer 503 until the tally worker has backfilled them.
	Ready     bool             `json:"ready"`
	Margins   stats.Margins    `json:"margins"`
	Variables []WeightVariable `json:"variables"`
}

// WeightVariable is a demographic question results can be raked on.
type WeightVariable struct {
	Role     string                 `json:"role"`
	Question string                 `json:"question"`
	Text     string                 `json:"text"`
	Options  []questionnaire.Option `json:"options"`
}

// Weighting returns a survey's weighting settings, with the variables of
// its published version (its draft before it is published).
func (s *Service) Weighting(id uint64) (*Weighting, error) {
	sv, comp, err := s.weightingVersion(id)
	if err != nil {
		return nil, err
	}
	w := &Weighting{Enabled: sv.Weighted, Ready: sv.Weighted && sv.JointReady, Margins: stats.Margins{}}
	if sv.Margins != "" {
		if err := json.Unmarshal([]byte(sv.Margins), &w.Margins); err != nil {
			return nil, fmt.Errorf("surveys: stored margins of survey %d: %w", id, err)
		}
	}
	for _, q := range comp.BreakdownQuestions() {
		w.Variables = append(w.Variables, WeightVariable{Role: q.Role, Question: q.Code, Text: q.Text, Options: q.Options})
	}
	return w, nil
}

// SetWeighting stores a survey's margins and turns weighting on or off.
// The margins must cover every option of each raked question. Turning
// weighting on or off recounts the survey's tallies, since only surveys
// with weighting on keep the joint demographic cells raking reads.
func (s *Service) SetWeighting(ctx context.Context, id uint64, enabled bool, m stats.Margins) (*Weighting, error) {
	sv, comp, err := s.weightingVersion(id)
	if err != nil {
		return nil, err
	}
	if m == nil {
		m = stats.Margins{}
	}
	if len(m) > 0 || enabled {
		if problems := stats.ValidateMargins(comp, m); len(problems) > 0 {
			return nil, &questionnaire.InvalidError{Fields: problems}
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if err := s.store.SetWeighting(id, enabled, string(data), stats.JointDimPrefixes()...); err != nil {
		return nil, storeErr(err)
	}
	s.Forget(sv.Slug)
	s.wakeTallier() // the tally worker backfills the joint cells
	s.results.drop(id)
	s.publish(ctx, id)
	return s.Weighting(id)
}

// weightingVersion returns a survey and the version its margins refer to.
func (s *Service) weightingVersion(id uint64) (*models.Survey, *questionnaire.Compiled, error) {
	sv, err := s.store.SurveyByID(id)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	if sv.PublishedVersionID != nil {
		comp, err := s.version(*sv.PublishedVersionID)
		if err != nil {
			return nil, nil, err
		}
		return sv, comp, nil
	}
	if sv.DraftVersionID == nil {
		return nil, nil, ErrNotFound
	}
	// A draft is saved in place: compile it afresh, never through the
	// cache of immutable published versions.
	v, err := s.store.Version(*sv.DraftVersionID)
	if err != nil {
		return nil, nil, storeErr(err)
	}
	comp, err := questionnaire.CompileJSON([]byte(v.Definition))
	if err != nil {
		return nil, nil, fmt.Errorf("surveys: draft of survey %d: %w", id, err)
	}
	return sv, comp, nil
}

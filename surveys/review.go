package surveys

import (
	"context"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// ResponseSummary is a response as staff review it, without its answers.
type ResponseSummary struct {
	PublicID    string     `json:"response_id"`
	VersionID   uint64     `json:"version"`
	UnitCode    string     `json:"unit,omitempty"`
	Channel     string     `json:"channel"`
	SubmittedAt time.Time  `json:"submitted_at"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	DurationMS  *int64     `json:"duration_ms,omitempty"`
	Flags       string     `json:"flags"`
	Review      string     `json:"review"`
}

// ResponseList returns a survey's responses for staff review, newest
// first: all, or only those flagged or already reviewed.
func (s *Service) ResponseList(surveyID uint64, flaggedOnly bool, before string, limit int) ([]ResponseSummary, error) {
	rows, err := s.store.ResponseRows(surveyID, flaggedOnly, before, limit)
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]ResponseSummary, len(rows))
	for i, r := range rows {
		out[i] = ResponseSummary(r)
	}
	return out, nil
}

// ReviewResponse records staff's decision on a response: "valid" counts it
// even when flagged, "invalid" treats it as flagged, "" undoes the
// decision. The tallies move with it in the same transaction.
func (s *Service) ReviewResponse(ctx context.Context, surveyID uint64, responseID, review string) (*models.Response, error) {
	switch review {
	case "", models.ReviewValid, models.ReviewInvalid:
	default:
		return nil, &questionnaire.InvalidError{Fields: map[string]string{"review": "须为 valid、invalid 或空 must be valid, invalid or empty"}}
	}
	r, err := s.store.Review(surveyID, responseID, review, s.reviewDelta)
	if err != nil {
		return nil, storeErr(err)
	}
	s.talliesChanged(surveyID)
	if err := s.broker.Publish(ctx, surveyID); err != nil {
		return r, nil // the counters are committed; live views catch up with the next change
	}
	return r, nil
}

// reviewDelta is what changes in the counters when a counted response
// changes from before to after: the difference of counting each alone.
func (s *Service) reviewDelta(before, after *models.Response, joint bool) ([]models.Tally, error) {
	was, is := s.newCounter(), s.newCounter()
	if joint {
		all := map[uint64]uint64{before.SurveyID: 0}
		was.Joint(all)
		is.Joint(all)
	}
	if err := was.Add(before); err != nil {
		return nil, err
	}
	if err := is.Add(after); err != nil {
		return nil, err
	}
	type id struct {
		survey            uint64
		unit, dim, metric string
	}
	diff := map[id]models.Tally{}
	for _, t := range is.Rows() {
		diff[id{t.SurveyID, t.Unit, t.Dim, t.Metric}] = t
	}
	for _, t := range was.Rows() {
		k := id{t.SurveyID, t.Unit, t.Dim, t.Metric}
		d := diff[k]
		d.SurveyID, d.Unit, d.Dim, d.Metric = t.SurveyID, t.Unit, t.Dim, t.Metric
		d.N -= t.N
		d.ScoreSum -= t.ScoreSum
		d.ScoreSq -= t.ScoreSq
		diff[k] = d
	}
	var out []models.Tally
	for _, d := range diff {
		if d.N != 0 || d.ScoreSum != 0 || d.ScoreSq != 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

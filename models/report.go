package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// ChannelCount is how many of a survey's responses came in by one channel.
type ChannelCount struct {
	Channel   string
	Responses int64
}

// notFlagged is the SQL of Response.Flagged, negated.
const notFlagged = "NOT (COALESCE(review, '') = 'invalid' OR (COALESCE(flags, '') <> '' AND COALESCE(review, '') <> 'valid'))"

// ResponseChannels counts a survey's responses by channel, flagged ones
// left out when excludeFlagged (as Response.Flagged says), most first.
func (s *Store) ResponseChannels(surveyID uint64, excludeFlagged bool) ([]ChannelCount, error) {
	q := s.R.Model(&Response{}).Select("COALESCE(channel, '') AS channel, COUNT(*) AS responses").
		Where("survey_id = ?", surveyID)
	if excludeFlagged {
		q = q.Where(notFlagged)
	}
	var out []ChannelCount
	err := q.Group("COALESCE(channel, '')").Order("responses DESC, channel").Scan(&out).Error
	return out, err
}

// Fieldwork is the submission time of a survey's first and last responses
// by id (ids follow submission order); zero times when it has none.
func (s *Store) Fieldwork(surveyID uint64) (first, last time.Time, err error) {
	for i, order := range []string{"id", "id DESC"} {
		var r Response
		err := s.R.Select("submitted_at").Where("survey_id = ?", surveyID).Order(order).Take(&r).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return time.Time{}, time.Time{}, nil
		}
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		if i == 0 {
			first = r.SubmittedAt
		} else {
			last = r.SubmittedAt
		}
	}
	return first, last, nil
}

// EachTexts calls fn for every response of a survey with text answers, in
// id order, batch at a time, reading only its public id, flags, review and
// texts.
func (s *Store) EachTexts(ctx context.Context, surveyID uint64, batch int, fn func(*Response) error) error {
	if batch <= 0 {
		batch = ExportBatch
	}
	q := s.byID(s.R.WithContext(ctx)).Select("id, public_id, flags, review, texts").Where("texts <> ''")
	if err := eachResponse(q, surveyID, batch, fn); err != nil {
		return fmt.Errorf("models: texts of survey %d: %w", surveyID, err)
	}
	return nil
}

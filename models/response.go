package models

import (
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// InsertResponse stores a response with its answers (one row, one
// statement, committed before it returns). It returns ErrDuplicate when the
// respondent or the submission id is already stored for the survey.
func (s *Store) InsertResponse(r *Response) error {
	return translate(retryTransient(func() error { return insertResponses(s.W, []*Response{r}) }))
}

// ResponseBySubmission returns the response a submission id created.
func (s *Store) ResponseBySubmission(surveyID uint64, submissionID string) (*Response, error) {
	var r Response
	err := retryTransient(func() error {
		return s.W.Where("survey_id = ? AND submission_id = ?", surveyID, submissionID).Take(&r).Error
	})
	if err != nil {
		return nil, translate(err)
	}
	return &r, nil
}

// RespondentStored reports whether a respondent key has a stored response,
// read from the primary (HasResponded reads a replica): what decides that
// a unique-index conflict was this respondent's earlier answer.
func (s *Store) RespondentStored(surveyID uint64, respondentKey string) (bool, error) {
	var n int64
	err := retryTransient(func() error {
		return s.W.Model(&Response{}).Where("survey_id = ? AND respondent_key = ?", surveyID, respondentKey).Limit(1).Count(&n).Error
	})
	return n > 0, err
}

// HasResponded reports whether a respondent key already answered a survey.
func (s *Store) HasResponded(surveyID uint64, respondentKey string) (bool, error) {
	var r Response
	err := s.R.Select("id").Where("survey_id = ? AND respondent_key = ?", surveyID, respondentKey).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return err == nil, err
}

// CountResponses counts a survey's stored responses.
func (s *Store) CountResponses(surveyID uint64) (int64, error) {
	var n int64
	err := s.R.Model(&Response{}).Where("survey_id = ?", surveyID).Count(&n).Error
	return n, err
}

// tallyColumns are what counting needs of a response.
const tallyColumns = "id, survey_id, version_id, unit_code, submitted_at, flags, review, choices, tallied"

// EachResponse calls fn for every response of a survey, in id order,
// reading batch responses at a time (the columns counting needs only).
func (s *Store) EachResponse(db *gorm.DB, surveyID uint64, batch int, fn func(*Response) error) error {
	return eachResponse(s.byID(db).Select(tallyColumns), surveyID, batch, fn)
}

// byID reads responses along the primary key: for "survey_id = ? AND id >
// ? ORDER BY id" the planners otherwise pick a survey index and sort all of
// the survey's responses for every batch.
func (s *Store) byID(db *gorm.DB) *gorm.DB { return db.Table(s.responsesByID()) }

// responsesByID names the responses table with the hint that keeps the
// planner on the primary key.
func (s *Store) responsesByID() string {
	if s.Dialect == DialectMySQL {
		return "responses FORCE INDEX (PRIMARY)"
	}
	return "responses NOT INDEXED"
}

// eachResponse walks a survey's responses in id order, batch at a time,
// with the columns q selects.
func eachResponse(q *gorm.DB, surveyID uint64, batch int, fn func(*Response) error) error {
	var last uint64
	for {
		var rs []Response
		err := q.Session(&gorm.Session{}).Where("survey_id = ? AND id > ?", surveyID, last).Order("id").Limit(batch).Find(&rs).Error
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return nil
		}
		for i := range rs {
			if err := fn(&rs[i]); err != nil {
				return err
			}
		}
		last = rs[len(rs)-1].ID
	}
}

// InsertResponses stores many responses in one transaction with multi-row
// INSERTs (no RETURNING: callers know responses by PublicID). One duplicate
// fails all, with ErrDuplicate. A transaction rolled back by a conflict
// or a lost connection runs again (retryTransient): a retry of rows that
// did commit fails on the unique indexes, as a duplicate.
func (s *Store) InsertResponses(rs []*Response) error {
	return translate(retryTransient(func() error {
		return s.W.Transaction(func(tx *gorm.DB) error {
			return insertResponses(tx, rs)
		})
	}))
}

const responseColumns = 15

func insertResponses(tx *gorm.DB, rs []*Response) error {
	const chunk = 500 // 15 placeholders a row, under SQLite's and MySQL's limits
	var b strings.Builder
	args := make([]any, 0, responseColumns*min(chunk, len(rs)))
	for len(rs) > 0 {
		part := rs[:min(chunk, len(rs))]
		rs = rs[len(part):]
		b.Reset()
		args = args[:0]
		b.WriteString("INSERT INTO responses (public_id, survey_id, version_id, unit_code, respondent_key," +
			" submission_id, channel, started_at, submitted_at, duration_ms, ip_hash, flags, tallied, choices, texts) VALUES ")
		for i, r := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
			args = append(args, r.PublicID, r.SurveyID, r.VersionID, r.UnitCode, r.RespondentKey,
				r.SubmissionID, r.Channel, r.StartedAt, r.SubmittedAt, r.DurationMS, r.IPHash, r.Flags,
				r.Tallied, r.Choices, r.Texts)
		}
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// MedianDuration returns the median completion time of a survey's responses
// that have one (for an even count the mean of the two middle ones,
// rounded down to the millisecond), and how many have one.
func (s *Store) MedianDuration(surveyID uint64) (median int64, n int64, err error) {
	q := s.R.Model(&Response{}).Where("survey_id = ? AND duration_ms IS NOT NULL", surveyID)
	if err := q.Count(&n).Error; err != nil || n == 0 {
		return 0, n, err
	}
	from, take := n/2, 1
	if n%2 == 0 {
		from, take = n/2-1, 2
	}
	var ms []int64
	err = s.R.Model(&Response{}).Where("survey_id = ? AND duration_ms IS NOT NULL", surveyID).
		Order("duration_ms").Offset(int(from)).Limit(take).Pluck("duration_ms", &ms).Error
	if err != nil || len(ms) != take {
		return 0, n, err
	}
	if take == 2 {
		return ms[0] + (ms[1]-ms[0])/2, n, nil
	}
	return ms[0], n, nil
}

// ResponseRow is a response as staff review it (no answers).
type ResponseRow struct {
	PublicID    string
	VersionID   uint64
	UnitCode    string
	Channel     string
	SubmittedAt time.Time
	StartedAt   *time.Time
	DurationMS  *int64
	Flags       string
	Review      string
}

// ResponseRows lists a survey's responses newest first, only the flagged
// or reviewed ones when flaggedOnly, up to limit, older than before (a
// response's public id; "" = newest).
func (s *Store) ResponseRows(surveyID uint64, flaggedOnly bool, before string, limit int) ([]ResponseRow, error) {
	q := s.R.Model(&Response{}).Where("survey_id = ?", surveyID)
	if flaggedOnly {
		q = q.Where("flags <> '' OR review <> ''")
	}
	if before != "" {
		var r Response
		if err := s.R.Select("id").Where("survey_id = ? AND public_id = ?", surveyID, before).Take(&r).Error; err != nil {
			return nil, translate(err)
		}
		q = q.Where("id < ?", r.ID)
	}
	var rows []ResponseRow
	err := q.Order("id DESC").Limit(limit).Select("public_id, version_id, unit_code, channel, submitted_at, started_at, duration_ms, flags, review").Scan(&rows).Error
	return rows, err
}

// Review records staff's decision on a response and, when the response is
// already counted, moves it between the flagged and the clean counters in
// the same transaction (delta is called with the response before and after).
func (s *Store) Review(surveyID uint64, publicID, review string, delta func(before, after *Response, joint bool) ([]Tally, error)) (*Response, error) {
	var r Response
	err := s.W.Transaction(func(tx *gorm.DB) error {
		if err := lockTally(tx); err != nil {
			return err
		}
		if err := tx.Select(tallyColumns+", public_id").Where("survey_id = ? AND public_id = ?", surveyID, publicID).Take(&r).Error; err != nil {
			return err
		}
		before := r
		r.Review = review
		if err := tx.Model(&Response{}).Where("id = ?", r.ID).Update("review", review).Error; err != nil {
			return err
		}
		if err := tx.Model(&Survey{}).Where("id = ?", surveyID).UpdateColumn("review_seq", gorm.Expr("review_seq + 1")).Error; err != nil {
			return err
		}
		if !r.Tallied || before.Review == r.Review {
			return nil // the next tally pass counts it as it is now
		}
		ws, err := weightedSurveys(tx)
		if err != nil {
			return err
		}
		// Its joint cells move only if they count it already; otherwise
		// the backfill counts it as it is now.
		rows, err := delta(&before, &r, ws[surveyID].counts(r.ID))
		if err != nil {
			return err
		}
		return s.upsertTallies(tx, rows)
	})
	if err != nil {
		return nil, translate(err)
	}
	return &r, nil
}

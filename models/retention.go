package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// LockRetention is the lock row that lets one instance at a time purge a
// survey's identifying data.
const LockRetention = "retention"

// Purger clears one kind of identifying data of a survey whose retention
// period is over. Purge runs inside the purge's transaction and must be
// idempotent (it changes only rows still holding the data); Remaining
// counts those rows. Neither touches the respondent keys, which keep each
// respondent counted once after the purge.
type Purger struct {
	Name      string
	Purge     func(tx *gorm.DB, surveyID uint64) (int64, error)
	Remaining func(db *gorm.DB, surveyID uint64) (int64, error)
}

// Purgers is every kind of identifying data the retention purge clears, in
// the order it runs them. A table that holds more (such as invitation
// phone lists) adds its Purger here, in one line.
func Purgers() []Purger {
	return []Purger{
		columnPurger("cati_numbers", &CatiCase{}, "phone_sealed"),
		columnPurger("cati_case_notes", &CatiCase{}, "note"),
		columnPurger("cati_call_notes", &CatiAttempt{}, "note"),
		columnPurger("response_addresses", &Response{}, "ip_hash"),
		columnPurger("invitation_numbers", &Invitation{}, "phone_sealed"),
	}
}

// columnPurger empties column of model's rows of the survey: a sealed
// number, a free-text note or an address hash. A telephone case keeps its
// keyed number hash (phone_hash), which holds no number: it keeps a number
// from entering the sample twice should the survey reopen, as the
// do-not-call list, which holds the same hashes, keeps it from being called.
func columnPurger(name string, model any, column string) Purger {
	where := "survey_id = ? AND " + column + " <> ''"
	return Purger{
		Name: name,
		Purge: func(tx *gorm.DB, surveyID uint64) (int64, error) {
			res := tx.Model(model).Where(where, surveyID).UpdateColumn(column, "")
			return res.RowsAffected, res.Error
		},
		Remaining: func(db *gorm.DB, surveyID uint64) (int64, error) {
			var n int64
			err := db.Model(model).Where(where, surveyID).Count(&n).Error
			return n, err
		},
	}
}

// PurgeCount is how many rows one purger changed or would change.
type PurgeCount struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// ErrPurged is a purge of a survey that is already purged (by another
// instance a moment before).
var ErrPurged = errors.New("models: survey already purged")

// RetentionSurveys returns the published surveys not purged since they
// last closed: the ones whose identifying data the purge may still have to
// clear. Drafts never took a response.
func (s *Store) RetentionSurveys() ([]Survey, error) {
	var svs []Survey
	err := s.R.Where("published_version_id IS NOT NULL").Order("id").Find(&svs).Error
	return svs, err
}

// PurgeSurvey runs every purger on the survey in one transaction that
// holds the retention lock, marks the survey purged at at and appends
// audit (its survey and time set here) with the counts in its detail
// made by detail. A survey purged since it last closed is ErrPurged, so
// two instances purging together purge and audit it once.
func (s *Store) PurgeSurvey(surveyID uint64, at time.Time, audit AuditEntry, detail func([]PurgeCount) string) ([]PurgeCount, error) {
	var counts []PurgeCount
	err := s.W.Transaction(func(tx *gorm.DB) error {
		counts = nil
		if err := tx.Model(&Lock{}).Where("name = ?", LockRetention).Update("n", gorm.Expr("n + 1")).Error; err != nil {
			return fmt.Errorf("take the retention lock: %w", err)
		}
		res := tx.Model(&Survey{}).Where("id = ? AND purged_at IS NULL", surveyID).UpdateColumn("purged_at", at.UTC())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return ErrPurged
		}
		for _, p := range Purgers() {
			n, err := p.Purge(tx, surveyID)
			if err != nil {
				return fmt.Errorf("purge %s: %w", p.Name, err)
			}
			counts = append(counts, PurgeCount{p.Name, n})
		}
		id := surveyID
		audit.SurveyID, audit.At, audit.Detail = &id, at.UTC(), detail(counts)
		return tx.Create(&audit).Error
	})
	if errors.Is(err, ErrPurged) {
		return nil, ErrPurged
	}
	if err != nil {
		return nil, fmt.Errorf("models: purge survey %d: %w", surveyID, translate(err))
	}
	return counts, nil
}

// RetentionRemaining counts, per purger, the survey's rows still holding
// identifying data.
func (s *Store) RetentionRemaining(surveyID uint64) ([]PurgeCount, error) {
	var out []PurgeCount
	for _, p := range Purgers() {
		n, err := p.Remaining(s.R, surveyID)
		if err != nil {
			return nil, fmt.Errorf("models: count %s of survey %d: %w", p.Name, surveyID, err)
		}
		out = append(out, PurgeCount{p.Name, n})
	}
	return out, nil
}

package models

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Pick is an interviewer asking for the next case of a survey.
type Pick struct {
	SurveyID    uint64
	Interviewer uint64
	Now         time.Time
	// Hold is how long the case is held for the interviewer.
	Hold time.Duration
	// InHours is whether the survey's calling hours are open at Now.
	// Outside them only appointments within Slack of their time are given.
	InHours bool
	Slack   time.Duration
	// Units limits the cases to these units (those that still need
	// interviews); nil means every unit, an empty list none.
	Units []string
}

// HeldCase is the case given to an interviewer, with its earlier calls.
type HeldCase struct {
	Case    CatiCase
	History []CatiAttempt
}

// NextCase gives the interviewer the next callable case of the survey and
// holds it for them until Now + Hold, atomically across instances: no case
// is ever held by two interviewers at once. An interviewer who already
// holds a case gets that case again. A case is callable when it is queued
// and due, not held (a hold past its time has lapsed), not kept for
// another interviewer's appointment, not on the do-not-call list, of one
// of Units, and Now is within calling hours or within Slack of its
// appointment — the rules of cati.Policy.Callable. Appointments come
// first, then cases already tried, then fresh ones, by due time.
// ErrNoCase when none is.
//
// On MySQL the candidate row is taken with SELECT … FOR UPDATE SKIP LOCKED
// (MySQL 8, MariaDB 10.6+), so concurrent callers take different rows
// without waiting; on SQLite the write transaction is the single writer.
// The hold itself is a conditional UPDATE that repeats the whole queue
// condition and must affect one row, which is the guarantee on any engine.
func (s *Store) NextCase(p Pick) (*HeldCase, error) {
	if p.Hold <= 0 {
		return nil, errors.New("models: next case: the hold must be positive")
	}
	if p.Units != nil && len(p.Units) == 0 {
		return nil, ErrNoCase
	}
	now := p.Now.UTC()
	until := now.Add(p.Hold)
	var held CatiCase
	err := retry(func() error {
		return s.W.Transaction(func(tx *gorm.DB) error {
			// A case this interviewer still holds comes back to them.
			err := tx.Where("survey_id = ? AND state = ? AND holder = ? AND held_until > ?",
				p.SurveyID, CaseQueued, p.Interviewer, now).Order("id").Take(&held).Error
			if err == nil || !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
			// Each pass either holds a case or finds that someone else took
			// the one it read; only without SKIP LOCKED does that happen.
			for range 100 {
				var found []CatiCase
				q := s.queue(tx, p, now).Order("priority, due_at, id").Limit(1)
				if s.Dialect == DialectMySQL {
					q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
				}
				if err := q.Find(&found).Error; err != nil {
					return err
				}
				if len(found) == 0 {
					return ErrNoCase
				}
				id := found[0].ID
				// The whole queue condition again, so that a case taken and
				// moved on between the read and this update is not taken.
				r := s.queue(tx, p, now).Where("id = ?", id).
					Updates(map[string]any{"holder": p.Interviewer, "held_until": until, "updated_at": now})
				if r.Error != nil {
					return r.Error
				}
				if r.RowsAffected == 1 {
					held = found[0]
					held.Holder, held.HeldUntil, held.UpdatedAt = &p.Interviewer, &until, now
					return nil
				}
				// Taken between the read and the update (an engine without
				// SKIP LOCKED, or an SQLite reader's older snapshot): try
				// the next one.
			}
			return ErrNoCase
		}, s.queueTx())
	})
	if err != nil {
		if errors.Is(err, ErrNoCase) {
			return nil, err
		}
		return nil, fmt.Errorf("models: next case: %w", err)
	}
	out := &HeldCase{Case: held, History: []CatiAttempt{}}
	if held.Attempts > 0 {
		if out.History, err = s.catiHistory(s.W, held.ID); err != nil {
			return nil, fmt.Errorf("models: next case history: %w", err)
		}
	}
	return out, nil
}

// queue selects the cases p may be given at now.
func (s *Store) queue(tx *gorm.DB, p Pick, now time.Time) *gorm.DB {
	q := tx.Model(&CatiCase{}).
		Where("survey_id = ? AND state = ? AND due_at <= ?", p.SurveyID, CaseQueued, now).
		Where("holder IS NULL OR held_until <= ?", now).
		Where("preferred_by IS NULL OR preferred_by = ? OR prefer_until <= ?", p.Interviewer, now).
		Where("NOT EXISTS (SELECT 1 FROM cati_do_not_calls d WHERE d.phone_hash = cati_cases.phone_hash)").
		Where("phone_sealed <> ''") // a number purged after the retention period (retention.go) cannot be called
	if p.Units != nil {
		q = q.Where("unit IN ?", p.Units)
	}
	if !p.InHours {
		q = q.Where("appointment BETWEEN ? AND ?", now.Add(-p.Slack), now.Add(p.Slack))
	}
	return q
}

// queueTx reads committed rows only on MySQL, so that the locking read
// takes no gap locks and skips rows others hold.
func (s *Store) queueTx() *sql.TxOptions {
	if s.Dialect == DialectMySQL {
		return &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	return nil
}

func (s *Store) catiHistory(db *gorm.DB, caseID uint64) ([]CatiAttempt, error) {
	var as []CatiAttempt
	err := db.Where("case_id = ?", caseID).Order("id").Find(&as).Error
	return as, err
}

// lockCase reads a case for update: on MySQL the row is locked until the
// transaction ends; SQLite's write transaction already excludes others.
func (s *Store) lockCase(tx *gorm.DB, caseID uint64) (*CatiCase, error) {
	q := tx.Where("id = ?", caseID)
	if s.Dialect == DialectMySQL {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var c CatiCase
	if err := q.Take(&c).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// Outcome is the end of a call an interviewer made on a case they hold.
type Outcome struct {
	CaseID      uint64
	Interviewer uint64
	StartedAt   time.Time
	Seconds     int
	Code        string
	CallbackAt  *time.Time
	Note        string
	Now         time.Time
}

// CaseNext is what becomes of a case after an outcome (cati.Policy.After).
type CaseNext struct {
	Final       string // closes the case when set
	Disposition string
	Due         time.Time
	Appointment *time.Time
	PreferredBy *uint64
	PreferUntil *time.Time
	// FillQuota turns the case's quota reservations into filled slots (a
	// completed interview); otherwise they are released.
	FillQuota bool
}

// Decide works out what becomes of a case from its earlier calls; it runs
// inside the transaction that records the outcome.
type Decide func(c *CatiCase, history []CatiAttempt) (CaseNext, error)

// RecordOutcome records the call o on a case its interviewer holds and
// moves the case on as decide says, in one transaction: the call is
// stored, the hold released, the case closed or queued again, and its
// quota reservations filled (a complete) or released. ErrNotHeld when
// another interviewer holds the case now (this one's hold lapsed and it
// was taken), ErrClosed when it is closed.
func (s *Store) RecordOutcome(o Outcome, decide Decide) (*CatiCase, error) {
	now := o.Now.UTC()
	var out *CatiCase
	err := retry(func() error {
		return s.W.Transaction(func(tx *gorm.DB) error {
			c, err := s.lockCase(tx, o.CaseID)
			if err != nil {
				return err
			}
			switch {
			case c.State != CaseQueued:
				return ErrClosed
			case c.Holder == nil || *c.Holder != o.Interviewer:
				return ErrNotHeld
			}
			hist, err := s.catiHistory(tx, c.ID)
			if err != nil {
				return err
			}
			next, err := decide(c, hist)
			if err != nil {
				return err
			}
			a := CatiAttempt{CaseID: c.ID, SurveyID: c.SurveyID, Interviewer: o.Interviewer,
				StartedAt: o.StartedAt.UTC(), Seconds: o.Seconds, Outcome: o.Code, CallbackAt: utcPtr(o.CallbackAt),
				Note: o.Note, CreatedAt: now}
			if err := tx.Create(&a).Error; err != nil {
				return err
			}
			up := map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_outcome": o.Code,
				"disposition": next.Disposition, "holder": nil, "held_until": nil, "updated_at": now,
				"appointment": nil, "preferred_by": nil, "prefer_until": nil}
			switch {
			case next.Final != "":
				up["state"], up["final_code"], up["disposition"] = CaseClosed, next.Final, next.Final
			case next.Appointment != nil:
				up["due_at"], up["priority"] = next.Due.UTC(), PriorityAppointment
				up["appointment"], up["preferred_by"], up["prefer_until"] = next.Appointment.UTC(), next.PreferredBy, utcPtr(next.PreferUntil)
			default:
				up["due_at"], up["priority"] = next.Due.UTC(), PriorityRetry
			}
			if err := tx.Model(&CatiCase{}).Where("id = ?", c.ID).Updates(up).Error; err != nil {
				return err
			}
			if err := s.settleReservations(tx, c.ID, next.FillQuota); err != nil {
				return err
			}
			out = &CatiCase{}
			return tx.Where("id = ?", c.ID).Take(out).Error
		})
	})
	if err != nil {
		if errors.Is(err, ErrNotHeld) || errors.Is(err, ErrClosed) || errors.Is(err, ErrNotFound) {
			return nil, err
		}
		return nil, fmt.Errorf("models: record outcome: %w", err)
	}
	return out, nil
}

// ExtendHold keeps a case held by its interviewer until until, and its
// quota reservations with it (the console calls it while an interview
// goes on). ErrNotHeld when the hold lapsed and another interviewer took
// the case.
func (s *Store) ExtendHold(caseID, interviewer uint64, until time.Time) error {
	until = until.UTC()
	err := retry(func() error {
		return s.W.Transaction(func(tx *gorm.DB) error {
			c, err := s.lockCase(tx, caseID)
			if err != nil {
				return err
			}
			switch {
			case c.State != CaseQueued:
				return ErrClosed
			case c.Holder == nil || *c.Holder != interviewer:
				return ErrNotHeld
			}
			cells, err := s.reservedCells(tx, caseID)
			if err != nil {
				return err
			}
			if err := s.lockCells(tx, cells); err != nil {
				return err
			}
			if err := tx.Model(&CatiCase{}).Where("id = ?", caseID).Update("held_until", until).Error; err != nil {
				return err
			}
			return tx.Model(&CatiReservation{}).Where("case_id = ?", caseID).Update("until", until).Error
		})
	})
	switch {
	case err == nil, errors.Is(err, ErrNotHeld), errors.Is(err, ErrClosed), errors.Is(err, ErrNotFound):
		return err
	}
	return fmt.Errorf("models: extend hold: %w", err)
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

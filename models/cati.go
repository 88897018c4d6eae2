package models

import (
	"errors"
	"fmt"
	"strings"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Telephone case states.
const (
	CaseQueued = "queued" // in the queue: callable when due
	CaseClosed = "closed" // a final disposition: never called again
)

// Queue priorities: appointments first, then cases already tried (a
// started sample is worked through before fresh numbers are opened, as
// AAPOR's response rates assume), then fresh numbers; by due time within.
const (
	PriorityAppointment = 0
	PriorityRetry       = 1
	PriorityFresh       = 2
)

// Errors of the telephone store.
var (
	ErrNoCase    = errors.New("models: no case is due")
	ErrNotHeld   = errors.New("models: the case is not held by this interviewer")
	ErrClosed    = errors.New("models: the case is closed")
	ErrQuotaFull = errors.New("models: quota cell full")
)

// QuotaFullError says which cell was full; errors.Is(err, ErrQuotaFull).
type QuotaFullError struct{ CellID uint64 }

func (e *QuotaFullError) Error() string { return fmt.Sprintf("models: quota cell %d full", e.CellID) }

// Unwrap makes it an ErrQuotaFull.
func (e *QuotaFullError) Unwrap() error { return ErrQuotaFull }

// CatiCase is one telephone number of a survey's sample. The number is
// stored only sealed (AES-GCM) and as a keyed hash; (SurveyID, PhoneHash)
// is unique, so a number is in a survey's sample once.
type CatiCase struct {
	ID          uint64    `gorm:"primaryKey"`
	SurveyID    uint64    `gorm:"uniqueIndex:idx_cati_case_phone,priority:1;index:idx_cati_case_queue,priority:1"`
	Unit        string    `gorm:"size:64"`
	PhoneSealed string    `gorm:"size:96"`
	PhoneHash   string    `gorm:"size:64;uniqueIndex:idx_cati_case_phone,priority:2;index:idx_cati_case_hash"`
	Note        string    `gorm:"size:800"`
	State       string    `gorm:"size:16;index:idx_cati_case_queue,priority:2"`
	Priority    int       `gorm:"index:idx_cati_case_queue,priority:3"`
	DueAt       time.Time `gorm:"index:idx_cati_case_queue,priority:4"`
	Attempts    int
	// Holder is the interviewer holding the case until HeldUntil; a hold
	// past its time has lapsed and the case is back in the queue.
	Holder    *uint64 `gorm:"index"`
	HeldUntil *time.Time
	// Appointment is a callback; until PreferUntil the case is kept for
	// PreferredBy, the interviewer who booked it.
	Appointment *time.Time
	PreferredBy *uint64
	PreferUntil *time.Time
	LastOutcome string `gorm:"size:16"`
	// Screened holds the screening answers ({"town","age","gender"} option
	// codes, JSON) the case's quota slots were reserved for; the interview
	// must give the same answers.
	Screened string `gorm:"size:240"`
	// Disposition is what the case counts as in the outcome rates now (the
	// final code once closed); FinalCode is set when it is closed.
	Disposition string `gorm:"size:16"`
	FinalCode   string `gorm:"size:16"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// CatiAttempt is one call of a case and its outcome.
type CatiAttempt struct {
	ID          uint64    `gorm:"primaryKey"`
	CaseID      uint64    `gorm:"index"`
	SurveyID    uint64    `gorm:"index:idx_cati_attempt_survey,priority:1"`
	Interviewer uint64    `gorm:"index:idx_cati_attempt_survey,priority:2"`
	StartedAt   time.Time `gorm:"index:idx_cati_attempt_survey,priority:3"`
	Seconds     int       // the call's length
	Outcome     string    `gorm:"size:16"`
	CallbackAt  *time.Time
	Note        string `gorm:"size:800"`
	CreatedAt   time.Time
}

// CatiDoNotCall is a number (its keyed hash) never to be called, in any survey.
type CatiDoNotCall struct {
	PhoneHash string `gorm:"primaryKey;size:64"`
	CreatedAt time.Time
}

// CatiQuotaCell is a quota cell of a survey (Unit "" for the survey's own
// quotas) with its target and how many completes filled it and how many
// screened cases hold a slot in it. Filled + Reserved never exceeds
// Target.
type CatiQuotaCell struct {
	ID        uint64 `gorm:"primaryKey"`
	SurveyID  uint64 `gorm:"uniqueIndex:idx_cati_cell,priority:1"`
	Unit      string `gorm:"size:64;uniqueIndex:idx_cati_cell,priority:2"`
	CellKey   string `gorm:"size:240;uniqueIndex:idx_cati_cell,priority:3"`
	Target    int
	Filled    int
	Reserved  int
	UpdatedAt time.Time
}

// CatiReservation is a slot a screened case holds in a quota cell until
// Until (its hold).
type CatiReservation struct {
	ID     uint64    `gorm:"primaryKey"`
	CaseID uint64    `gorm:"uniqueIndex:idx_cati_reservation,priority:1"`
	CellID uint64    `gorm:"uniqueIndex:idx_cati_reservation,priority:2;index:idx_cati_reservation_cell,priority:1"`
	Until  time.Time `gorm:"index:idx_cati_reservation_cell,priority:2"`
}

// catiTables are the telephone tables, for the migration.
func catiTables() []any {
	return []any{&catiCaseV8{}, &CatiAttempt{}, &CatiDoNotCall{}, &CatiQuotaCell{}, &CatiReservation{}}
}

// AddResult counts what AddCases did with the numbers it was given.
type AddResult struct {
	Added      int `json:"added"`
	Duplicates int `json:"duplicates"`  // already in the survey's sample (or twice in the batch)
	DoNotCall  int `json:"do_not_call"` // on the do-not-call list, not added
}

// AddCases adds numbers to a survey's sample: each case needs SurveyID,
// Unit, PhoneSealed, PhoneHash, Note, DueAt. A number already in the
// sample is counted as a duplicate and one on the do-not-call list is
// left out; the rest are queued as fresh cases, disposition 3.11 (not yet
// attempted).
func (s *Store) AddCases(cases []CatiCase) (AddResult, error) {
	var res AddResult
	// 12 placeholders a row; the pure-Go SQLite driver binds a statement of
	// n parameters in n² time, so smaller statements there.
	chunk := 400
	if s.Dialect == DialectSQLite {
		chunk = 30
	}
	conflict := " ON CONFLICT(survey_id, phone_hash) DO NOTHING"
	if s.Dialect == DialectMySQL {
		conflict = " ON DUPLICATE KEY UPDATE id = id"
	}
	now := time.Now().UTC()
	for len(cases) > 0 {
		part := cases[:min(chunk, len(cases))]
		cases = cases[len(part):]
		err := s.W.Transaction(func(tx *gorm.DB) error {
			hashes := make([]string, len(part))
			for i := range part {
				hashes[i] = part[i].PhoneHash
			}
			var blocked []string
			if err := tx.Model(&CatiDoNotCall{}).Where("phone_hash IN ?", hashes).Pluck("phone_hash", &blocked).Error; err != nil {
				return err
			}
			skip := map[string]bool{}
			for _, h := range blocked {
				skip[h] = true
			}
			var b strings.Builder
			b.WriteString("INSERT INTO cati_cases (survey_id, unit, phone_sealed, phone_hash, note, state, priority, due_at, attempts, disposition, created_at, updated_at) VALUES ")
			args := make([]any, 0, 12*len(part))
			rows := 0
			for _, c := range part {
				if skip[c.PhoneHash] {
					res.DoNotCall++
					continue
				}
				if rows > 0 {
					b.WriteByte(',')
				}
				rows++
				b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?)")
				args = append(args, c.SurveyID, c.Unit, c.PhoneSealed, c.PhoneHash, c.Note, CaseQueued,
					PriorityFresh, c.DueAt.UTC(), 0, "3.11", now, now)
			}
			if rows == 0 {
				return nil
			}
			r := tx.Exec(b.String()+conflict, args...)
			if r.Error != nil {
				return r.Error
			}
			res.Added += int(r.RowsAffected)
			res.Duplicates += rows - int(r.RowsAffected)
			return nil
		})
		if err != nil {
			return res, fmt.Errorf("models: add cases: %w", err)
		}
	}
	return res, nil
}

// AddDoNotCall puts numbers (their keyed hashes) on the do-not-call list;
// ones already on it are left as they are.
func (s *Store) AddDoNotCall(hashes ...string) error {
	now := time.Now().UTC()
	for _, h := range hashes {
		err := s.W.Clauses(clause.OnConflict{DoNothing: true}).Create(&CatiDoNotCall{PhoneHash: h, CreatedAt: now}).Error
		if err != nil {
			return fmt.Errorf("models: do-not-call: %w", err)
		}
	}
	return nil
}

// OnDoNotCall reports whether a number (its keyed hash) is on the list.
func (s *Store) OnDoNotCall(hash string) (bool, error) {
	var n int64
	err := s.R.Model(&CatiDoNotCall{}).Where("phone_hash = ?", hash).Count(&n).Error
	return n > 0, err
}

// CatiCaseByID returns a case of a survey.
func (s *Store) CatiCaseByID(surveyID, caseID uint64) (*CatiCase, error) {
	var c CatiCase
	if err := s.R.Where("survey_id = ? AND id = ?", surveyID, caseID).Take(&c).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// CatiHistory returns a case's calls in order.
func (s *Store) CatiHistory(caseID uint64) ([]CatiAttempt, error) {
	var as []CatiAttempt
	err := s.R.Where("case_id = ?", caseID).Order("id").Find(&as).Error
	return as, err
}

// DispositionCounts counts a survey's cases by the disposition they count
// as now, for the outcome rates.
func (s *Store) DispositionCounts(surveyID uint64) (map[string]int, error) {
	var rows []struct {
		Disposition string
		N           int
	}
	err := s.R.Model(&CatiCase{}).Select("disposition, COUNT(*) AS n").Where("survey_id = ?", surveyID).
		Group("disposition").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Disposition] = r.N
	}
	return out, nil
}

// retryable reports a MySQL deadlock or lock wait timeout, after which the
// transaction is rolled back and can simply run again.
func retryable(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// retry runs fn again after a deadlock, a few times.
func retry(fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); !retryable(err) {
			return err
		}
	}
	return err
}

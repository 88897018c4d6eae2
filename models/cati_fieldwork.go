package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CatiSetting is a survey's telephone settings as JSON (the calling
// policy, unit targets and quota cells as staff wrote them).
type CatiSetting struct {
	SurveyID  uint64 `gorm:"primaryKey;autoIncrement:false"`
	Settings  string `gorm:"size:16777215"`
	UpdatedAt time.Time
}

// catiCaseV8 is CatiCase as migration 8 created it (before Screened).
type catiCaseV8 struct {
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
	Holder      *uint64 `gorm:"index"`
	HeldUntil   *time.Time
	Appointment *time.Time
	PreferredBy *uint64
	PreferUntil *time.Time
	LastOutcome string `gorm:"size:16"`
	Disposition string `gorm:"size:16"`
	FinalCode   string `gorm:"size:16"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

func (catiCaseV8) TableName() string { return "cati_cases" }

// CatiSettingsJSON returns a survey's telephone settings ("" when none).
func (s *Store) CatiSettingsJSON(surveyID uint64) (string, error) {
	var st CatiSetting
	err := s.R.Where("survey_id = ?", surveyID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return st.Settings, err
}

// PutCatiSettingsJSON stores a survey's telephone settings.
func (s *Store) PutCatiSettingsJSON(surveyID uint64, settings string) error {
	st := CatiSetting{SurveyID: surveyID, Settings: settings, UpdatedAt: time.Now().UTC()}
	err := s.W.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "survey_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"settings", "updated_at"}),
	}).Create(&st).Error
	if err != nil {
		return fmt.Errorf("models: telephone settings: %w", err)
	}
	return nil
}

// CatiCase returns a case by id, whatever its survey.
func (s *Store) CatiCase(caseID uint64) (*CatiCase, error) {
	var c CatiCase
	if err := s.W.Where("id = ?", caseID).Take(&c).Error; err != nil {
		return nil, translate(err)
	}
	return &c, nil
}

// AllQuotaCells returns every quota cell of a survey, by unit then id.
func (s *Store) AllQuotaCells(surveyID uint64) ([]CatiQuotaCell, error) {
	var cs []CatiQuotaCell
	err := s.R.Where("survey_id = ?", surveyID).Order("unit, id").Find(&cs).Error
	return cs, err
}

// UnitCaseCount is how many cases of a unit are in one state and
// disposition, and how many of them are held now.
type UnitCaseCount struct {
	Unit        string
	State       string
	Disposition string
	N           int
	Held        int
}

// CatiUnitCounts counts a survey's cases by unit, state and disposition.
func (s *Store) CatiUnitCounts(surveyID uint64, now time.Time) ([]UnitCaseCount, error) {
	var rows []UnitCaseCount
	err := s.R.Model(&CatiCase{}).
		Select("unit, state, disposition, COUNT(*) AS n, SUM(CASE WHEN holder IS NOT NULL AND held_until > ? THEN 1 ELSE 0 END) AS held", now.UTC()).
		Where("survey_id = ?", surveyID).Group("unit, state, disposition").Order("unit").Scan(&rows).Error
	return rows, err
}

// CatiCompletesByUnit counts a survey's completed interviews per unit.
func (s *Store) CatiCompletesByUnit(surveyID uint64) (map[string]int, error) {
	var rows []struct {
		Unit string
		N    int
	}
	err := s.R.Model(&CatiCase{}).Select("unit, COUNT(*) AS n").
		Where("survey_id = ? AND final_code = ?", surveyID, "1.1").Group("unit").Scan(&rows).Error
	out := map[string]int{}
	for _, r := range rows {
		out[r.Unit] = r.N
	}
	return out, err
}

// CatiAttempts returns a survey's calls (no notes), in call order.
func (s *Store) CatiAttempts(surveyID uint64) ([]CatiAttempt, error) {
	var as []CatiAttempt
	err := s.R.Select("id, case_id, interviewer, started_at, seconds, outcome").
		Where("survey_id = ?", surveyID).Order("id").Find(&as).Error
	return as, err
}

// CatiHold is a case an interviewer holds now.
type CatiHold struct {
	CaseID      uint64
	Unit        string
	Interviewer uint64
	HeldUntil   time.Time
	Attempts    int
	Screened    string
}

// CatiHolds lists the cases of a survey held now.
func (s *Store) CatiHolds(surveyID uint64, now time.Time) ([]CatiHold, error) {
	var rows []CatiHold
	err := s.R.Model(&CatiCase{}).Select("id AS case_id, unit, holder AS interviewer, held_until, attempts, screened").
		Where("survey_id = ? AND state = ? AND holder IS NOT NULL AND held_until > ?", surveyID, CaseQueued, now.UTC()).
		Order("holder").Scan(&rows).Error
	return rows, err
}

// ResponsesByChannel counts a survey's responses per channel ("" counted
// as web: responses stored before channels were recorded).
func (s *Store) ResponsesByChannel(surveyID uint64) (map[string]int, error) {
	var rows []struct {
		Channel string
		N       int
	}
	err := s.R.Model(&Response{}).Select("channel, COUNT(*) AS n").Where("survey_id = ?", surveyID).
		Group("channel").Scan(&rows).Error
	out := map[string]int{}
	for _, r := range rows {
		out[r.Channel] += r.N
	}
	return out, err
}

// UserNames returns the names of users by id.
func (s *Store) UserNames(ids []uint64) (map[uint64]string, error) {
	out := map[uint64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var us []User
	if err := s.R.Select("id, name").Where("id IN ?", ids).Find(&us).Error; err != nil {
		return nil, err
	}
	for _, u := range us {
		out[u.ID] = u.Name
	}
	return out, nil
}

// EachChannelResponse calls fn for a survey's responses of one channel
// ("web" includes those stored before channels were recorded), in id
// order, with the columns counting needs.
func (s *Store) EachChannelResponse(surveyID uint64, channel string, batch int, fn func(*Response) error) error {
	q := s.byID(s.R).Select(tallyColumns)
	if channel == "web" {
		q = q.Where("channel IN ?", []string{"web", ""})
	} else {
		q = q.Where("channel = ?", channel)
	}
	return eachResponse(q, surveyID, batch, fn)
}

package models

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// PhoneRoster is one number allowed to answer a phone-mode survey for a
// unit ("" when the survey has none), kept only as a keyed hash.
type PhoneRoster struct {
	ID        uint64 `gorm:"primaryKey"`
	SurveyID  uint64 `gorm:"uniqueIndex:idx_phone_roster,priority:1"`
	UnitCode  string `gorm:"size:64;uniqueIndex:idx_phone_roster,priority:3"`
	PhoneHash string `gorm:"size:64;uniqueIndex:idx_phone_roster,priority:2"`
}

// ReplaceRoster makes rows the survey's whole roster (none: no roster), in
// one transaction.
func (s *Store) ReplaceRoster(surveyID uint64, rows []PhoneRoster) error {
	chunk := 500
	if s.Dialect == DialectSQLite {
		chunk = 100 // 3 placeholders a row; see AddCases
	}
	err := s.W.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("survey_id = ?", surveyID).Delete(&PhoneRoster{}).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		return tx.CreateInBatches(rows, chunk).Error
	})
	if err != nil {
		return fmt.Errorf("models: replace roster: %w", err)
	}
	return nil
}

// RosterCounts counts a survey's roster numbers per unit.
func (s *Store) RosterCounts(surveyID uint64) (map[string]int, error) {
	var rows []struct {
		UnitCode string
		N        int
	}
	if err := s.R.Model(&PhoneRoster{}).Select("unit_code, COUNT(*) AS n").Where("survey_id = ?", surveyID).
		Group("unit_code").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("models: roster counts: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.UnitCode] = r.N
	}
	return out, nil
}

// OnRoster reports whether the survey has a roster at all, and whether the
// number's hash is on it: for unit, or for any unit when anyUnit.
func (s *Store) OnRoster(surveyID uint64, unit, hash string, anyUnit bool) (hasRoster, listed bool, err error) {
	var r PhoneRoster
	err = s.R.Select("id").Where("survey_id = ?", surveyID).Take(&r).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return false, false, nil
	case err != nil:
		return false, false, fmt.Errorf("models: roster: %w", err)
	}
	q := s.R.Model(&PhoneRoster{}).Where("survey_id = ? AND phone_hash = ?", surveyID, hash)
	if !anyUnit {
		q = q.Where("unit_code = ?", unit)
	}
	var n int64
	if err := q.Limit(1).Count(&n).Error; err != nil {
		return true, false, fmt.Errorf("models: roster: %w", err)
	}
	return true, n > 0, nil
}

package models

import (
	"time"

	"gorm.io/gorm"
)

// Roles a staff user can hold on one survey, besides its owner.
const (
	MemberCollaborator = "collaborator" // designer rights on the survey
	MemberReader       = "reader"       // viewer rights on the survey
)

// SurveyMember gives a staff user a role on one survey. (SurveyID,
// UserID) is unique: a user holds one role per survey.
type SurveyMember struct {
	ID        uint64 `gorm:"primaryKey"`
	SurveyID  uint64 `gorm:"uniqueIndex:idx_member_survey_user,priority:1"`
	UserID    uint64 `gorm:"uniqueIndex:idx_member_survey_user,priority:2;index"`
	Role      string `gorm:"size:16"`
	CreatedAt time.Time
}

// MemberRow is a member with the user's name, role and state.
type MemberRow struct {
	SurveyMember
	Name     string
	UserRole string
	Disabled bool
}

// SurveyMembership returns a survey's owner (nil when it has none) and the
// role the user holds on it ("" when none).
// One query: every survey route asks it.
func (s *Store) SurveyMembership(surveyID, userID uint64) (owner *uint64, role string, err error) {
	var rows []struct {
		OwnerID *uint64
		Role    *string
	}
	err = s.R.Raw("SELECT s.owner_id, m.role FROM surveys s LEFT JOIN survey_members m ON m.survey_id = s.id AND m.user_id = ? WHERE s.id = ?",
		userID, surveyID).Scan(&rows).Error
	switch {
	case err != nil:
		return nil, "", err
	case len(rows) == 0:
		return nil, "", ErrNotFound
	}
	if rows[0].Role != nil {
		role = *rows[0].Role
	}
	return rows[0].OwnerID, role, nil
}

// SurveyMembers lists a survey's members by name.
func (s *Store) SurveyMembers(surveyID uint64) ([]MemberRow, error) {
	var rows []MemberRow
	err := s.R.Table("survey_members AS m").
		Select("m.id, m.survey_id, m.user_id, m.role, m.created_at, u.name, u.role AS user_role, u.disabled").
		Joins("JOIN users AS u ON u.id = m.user_id").
		Where("m.survey_id = ?", surveyID).Order("u.name").Scan(&rows).Error
	return rows, err
}

// SetSurveyMembers replaces a survey's owner and members in one
// transaction; members keep the date they were first added.
func (s *Store) SetSurveyMembers(surveyID uint64, owner *uint64, members []SurveyMember) error {
	return translate(s.W.Transaction(func(tx *gorm.DB) error {
		var sv Survey
		if err := tx.Select("id").Take(&sv, surveyID).Error; err != nil {
			return err
		}
		if err := tx.Model(&Survey{}).Where("id = ?", surveyID).Update("owner_id", owner).Error; err != nil {
			return err
		}
		var old []SurveyMember
		if err := tx.Where("survey_id = ?", surveyID).Find(&old).Error; err != nil {
			return err
		}
		since := map[uint64]time.Time{}
		for _, m := range old {
			since[m.UserID] = m.CreatedAt
		}
		if err := tx.Where("survey_id = ?", surveyID).Delete(&SurveyMember{}).Error; err != nil {
			return err
		}
		if len(members) == 0 {
			return nil
		}
		rows := make([]SurveyMember, len(members))
		for i, m := range members {
			rows[i] = SurveyMember{SurveyID: surveyID, UserID: m.UserID, Role: m.Role, CreatedAt: since[m.UserID]}
			if rows[i].CreatedAt.IsZero() {
				rows[i].CreatedAt = time.Now().UTC()
			}
		}
		return tx.Create(&rows).Error
	}))
}

// SurveyRowsFor lists the surveys a user owns or is a member of, newest
// first, with response counts.
func (s *Store) SurveyRowsFor(userID uint64) ([]SurveyRow, error) {
	member := s.R.Model(&SurveyMember{}).Select("survey_id").Where("user_id = ?", userID)
	return s.surveyRows(s.R.Where("owner_id = ? OR id IN (?)", userID, member))
}

// MemberRoles returns the role a user holds on each survey it is a member of.
func (s *Store) MemberRoles(userID uint64) (map[uint64]string, error) {
	var ms []SurveyMember
	if err := s.R.Where("user_id = ?", userID).Find(&ms).Error; err != nil {
		return nil, err
	}
	out := make(map[uint64]string, len(ms))
	for _, m := range ms {
		out[m.SurveyID] = m.Role
	}
	return out, nil
}

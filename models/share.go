package models

import (
	"time"

	"gorm.io/gorm"
)

// ShareLink is a revocable read-only key to a survey's results and live
// dashboard, for a public screen. Only a hash of the key is stored.
type ShareLink struct {
	ID        uint64 `gorm:"primaryKey"`
	SurveyID  uint64 `gorm:"index"`
	KeyHash   string `gorm:"size:64;uniqueIndex"`
	Label     string `gorm:"size:100"`
	CreatedBy string `gorm:"size:64"`
	CreatedAt time.Time
	RevokedAt *time.Time
}

// CreateShareLink stores a new share link.
func (s *Store) CreateShareLink(l *ShareLink) error {
	return translate(s.W.Create(l).Error)
}

// ShareLinks lists a survey's share links, newest first.
func (s *Store) ShareLinks(surveyID uint64) ([]ShareLink, error) {
	var ls []ShareLink
	err := s.R.Where("survey_id = ?", surveyID).Order("id DESC").Find(&ls).Error
	return ls, err
}

// ShareLinkByHash finds an unrevoked share link of a survey by its key's hash.
func (s *Store) ShareLinkByHash(surveyID uint64, keyHash string) (*ShareLink, error) {
	var l ShareLink
	err := s.R.Where("survey_id = ? AND key_hash = ? AND revoked_at IS NULL", surveyID, keyHash).Take(&l).Error
	if err != nil {
		return nil, translate(err)
	}
	return &l, nil
}

// RevokeShareLink revokes a survey's share link; revoking twice keeps the
// first time.
func (s *Store) RevokeShareLink(surveyID, id uint64, at time.Time) (*ShareLink, error) {
	var l ShareLink
	err := s.W.Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("survey_id = ? AND id = ?", surveyID, id).Take(&l).Error; err != nil {
			return err
		}
		if l.RevokedAt != nil {
			return nil
		}
		l.RevokedAt = &at
		return tx.Model(&l).Update("revoked_at", at).Error
	})
	if err != nil {
		return nil, translate(err)
	}
	return &l, nil
}

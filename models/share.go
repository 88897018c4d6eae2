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

// SetWeighting stores a survey's population margins (JSON) and whether its
// results may be weighted. Turning weighting on starts a new generation of
// joint cells for the tally worker to backfill (BackfillJoint); turning it
// off drops them. It takes the tally lock, so no pass counts in between.
func (s *Store) SetWeighting(surveyID uint64, enabled bool, margins string) error {
	return translate(s.W.Transaction(func(tx *gorm.DB) error {
		if err := lockTally(tx); err != nil {
			return err
		}
		var sv Survey
		if err := tx.Select("id, weighted, joint_gen").Where("id = ?", surveyID).Take(&sv).Error; err != nil {
			return err
		}
		set := map[string]any{"weighted": enabled, "margins": margins}
		if enabled != sv.Weighted {
			if err := deleteJointCells(tx, surveyID); err != nil {
				return err
			}
			set["joint_ready"] = false
			set["joint_cursor"] = 0
			if enabled {
				set["joint_gen"] = sv.JointGen + 1
			}
		}
		return tx.Model(&Survey{}).Where("id = ?", surveyID).Updates(set).Error
	}))
}

// WeightingState reports whether a survey's joint cells count every
// response yet, and how far the backfill walked (the last response id).
func (s *Store) WeightingState(surveyID uint64) (ready bool, cursor uint64, err error) {
	var sv Survey
	err = s.R.Select("joint_ready, joint_cursor").Where("id = ?", surveyID).Take(&sv).Error
	return sv.JointReady, sv.JointCursor, translate(err)
}

func deleteJointCells(tx *gorm.DB, surveyID uint64) error {
	return tx.Where("survey_id = ? AND unit = ? AND (dim LIKE ? OR dim LIKE ?)", surveyID, "", "w:%", "wf:%").Delete(&Tally{}).Error
}

// weightedSurveys returns the surveys with weighting on and their joint
// generations.
func weightedSurveys(db *gorm.DB) (map[uint64]int64, error) {
	var svs []Survey
	if err := db.Select("id, joint_gen").Where("weighted = ?", true).Find(&svs).Error; err != nil {
		return nil, err
	}
	gens := make(map[uint64]int64, len(svs))
	for _, sv := range svs {
		gens[sv.ID] = sv.JointGen
	}
	return gens, nil
}

// jointSet is the set of surveys whose responses a counter counts in
// joint cells too.
func jointSet(gens map[uint64]int64) map[uint64]bool {
	set := make(map[uint64]bool, len(gens))
	for id := range gens {
		set[id] = true
	}
	return set
}

package models

import (
	"time"

	"gorm.io/gorm"
)

// Token is a one-time invitation of a sampled survey. Only keyed hashes of
// the token and its short code are stored; a response made with it has a
// respondent key naming the token's id, which the unique index lets answer
// once.
type Token struct {
	ID        uint64 `gorm:"primaryKey"`
	SurveyID  uint64 `gorm:"uniqueIndex:idx_token_hash,priority:1;uniqueIndex:idx_token_short,priority:1"`
	Hash      string `gorm:"size:64;uniqueIndex:idx_token_hash,priority:2"`
	ShortHash string `gorm:"size:64;uniqueIndex:idx_token_short,priority:2"`
	UnitCode  string `gorm:"size:64"`
	Batch     uint64 `gorm:"index"`
	CreatedAt time.Time
}

// CreateTokens stores a batch of tokens in one transaction.
func (s *Store) CreateTokens(ts []Token) error {
	return translate(s.W.Transaction(func(tx *gorm.DB) error {
		return tx.CreateInBatches(ts, 500).Error
	}))
}

// TokenByHash finds a survey's token by the hash of the token or of its short code.
func (s *Store) TokenByHash(surveyID uint64, tokenHash, shortHash string) (*Token, error) {
	var t Token
	err := s.R.Where("survey_id = ? AND (hash = ? OR short_hash = ?)", surveyID, tokenHash, shortHash).Take(&t).Error
	if err != nil {
		return nil, translate(err)
	}
	return &t, nil
}

// TokenCounts returns how many tokens a survey has and how many answered:
// the responses whose respondent key starts with usedKeyPrefix (the
// service owns the keys' format; the prefix holds no LIKE wildcards).
func (s *Store) TokenCounts(surveyID uint64, usedKeyPrefix string) (total, used int64, err error) {
	if err = s.R.Model(&Token{}).Where("survey_id = ?", surveyID).Count(&total).Error; err != nil {
		return
	}
	err = s.R.Model(&Response{}).Where("survey_id = ? AND respondent_key LIKE ?", surveyID, usedKeyPrefix+"%").Count(&used).Error
	return
}

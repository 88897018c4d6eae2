package surveys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// ShareLink is a revocable read-only key to a survey's results, for a
// public screen. Key is set only when the link is made: only its hash is kept.
type ShareLink struct {
	ID        uint64     `json:"id"`
	Label     string     `json:"label"`
	Key       string     `json:"key,omitempty"`
	URL       string     `json:"url,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
}

// maxShareLabel bounds a share link's label, in characters.
const maxShareLabel = 100

// CreateShareLink makes a share link to a survey's dashboard: 128 random
// bits, URL-safe.
func (s *Service) CreateShareLink(surveyID uint64, label, by string) (*ShareLink, error) {
	if utf8.RuneCountInString(label) > maxShareLabel {
		return nil, &questionnaire.InvalidError{Fields: map[string]string{"label": fmt.Sprintf("最多%d个字 at most %d characters", maxShareLabel, maxShareLabel)}}
	}
	sv, err := s.store.SurveyByID(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return nil, fmt.Errorf("surveys: share key: %w", err)
	}
	key := base64.RawURLEncoding.EncodeToString(raw)
	l := &models.ShareLink{SurveyID: surveyID, KeyHash: shareHash(key), Label: label, CreatedBy: by, CreatedAt: time.Now().UTC()}
	if err := s.store.CreateShareLink(l); err != nil {
		return nil, storeErr(err)
	}
	out := shareOut(*l)
	out.Key = key
	out.URL = "/d/" + sv.Slug + "?key=" + key
	return &out, nil
}

// ShareLinks lists a survey's share links, newest first, without keys.
func (s *Service) ShareLinks(surveyID uint64) ([]ShareLink, error) {
	if _, err := s.store.SurveyByID(surveyID); errors.Is(err, models.ErrNotFound) {
		return nil, ErrNotFound
	}
	ls, err := s.store.ShareLinks(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]ShareLink, 0, len(ls))
	for _, l := range ls {
		out = append(out, shareOut(l))
	}
	return out, nil
}

// RevokeShareLink revokes a share link at once, on every instance: keys
// are checked against the database, not cached.
func (s *Service) RevokeShareLink(surveyID, id uint64) (*ShareLink, error) {
	l, err := s.store.RevokeShareLink(surveyID, id, time.Now().UTC())
	if err != nil {
		return nil, storeErr(err)
	}
	out := shareOut(*l)
	return &out, nil
}

// ShareKeyValid says whether key opens the results of the survey.
func (s *Service) ShareKeyValid(surveyID uint64, key string) (bool, error) {
	if key == "" || len(key) > 64 {
		return false, nil
	}
	_, err := s.store.ShareLinkByHash(surveyID, shareHash(key))
	if errors.Is(err, models.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, storeErr(err)
	}
	return true, nil
}

func shareHash(key string) string {
	sum := sha256.Sum256([]byte("minyi share key\x00" + key))
	return hex.EncodeToString(sum[:])
}

func shareOut(l models.ShareLink) ShareLink {
	return ShareLink{ID: l.ID, Label: l.Label, CreatedBy: l.CreatedBy, CreatedAt: l.CreatedAt, RevokedAt: l.RevokedAt}
}

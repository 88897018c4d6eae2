package models

import (
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Catalogue is a version's units, areas, questions and options, copied out
// of its definition at publication so that SQL exports can join on them.
type Catalogue struct {
	Units     []Unit
	Areas     []Area
	Questions []CatalogueQuestion
}

// CatalogueQuestion is a question with its options.
type CatalogueQuestion struct {
	Question
	Options []Option
}

// SurveyBySlug returns the survey with that slug.
func (s *Store) SurveyBySlug(slug string) (*Survey, error) {
	var sv Survey
	if err := s.R.Where("slug = ?", slug).Take(&sv).Error; err != nil {
		return nil, translate(err)
	}
	return &sv, nil
}

// SurveyByID returns the survey with that id.
func (s *Store) SurveyByID(id uint64) (*Survey, error) {
	var sv Survey
	if err := s.R.Take(&sv, id).Error; err != nil {
		return nil, translate(err)
	}
	return &sv, nil
}

// Version returns one survey version.
func (s *Store) Version(id uint64) (*SurveyVersion, error) {
	var v SurveyVersion
	if err := s.R.Take(&v, id).Error; err != nil {
		return nil, translate(err)
	}
	return &v, nil
}

// SurveyRow is a survey in the staff list, with its response count.
type SurveyRow struct {
	Survey
	Responses int64
}

// SurveyRows lists every survey, newest first, with response counts.
func (s *Store) SurveyRows() ([]SurveyRow, error) { return s.surveyRows(s.R) }

// surveyRows lists the surveys q selects, newest first, with their counts.
func (s *Store) surveyRows(q *gorm.DB) ([]SurveyRow, error) {
	var svs []Survey
	if err := q.Order("id DESC").Find(&svs).Error; err != nil {
		return nil, err
	}
	if len(svs) == 0 {
		return nil, nil
	}
	ids := make([]uint64, len(svs))
	for i, sv := range svs {
		ids[i] = sv.ID
	}
	var counts []struct {
		SurveyID uint64
		N        int64
	}
	err := s.R.Model(&Response{}).Select("survey_id, COUNT(*) AS n").Where("survey_id IN ?", ids).Group("survey_id").Scan(&counts).Error
	if err != nil {
		return nil, err
	}
	n := map[uint64]int64{}
	for _, c := range counts {
		n[c.SurveyID] = c.N
	}
	rows := make([]SurveyRow, len(svs))
	for i, sv := range svs {
		rows[i] = SurveyRow{sv, n[sv.ID]}
	}
	return rows, nil
}

// Versions lists a survey's versions, newest first.
func (s *Store) Versions(surveyID uint64) ([]SurveyVersion, error) {
	var vs []SurveyVersion
	err := s.R.Where("survey_id = ?", surveyID).Order("number DESC").Find(&vs).Error
	return vs, err
}

// CreateDraft stores a new survey whose first version is a draft.
func (s *Store) CreateDraft(sv *Survey, definition string) error {
	return translate(s.W.Transaction(func(tx *gorm.DB) error {
		sv.Status = StatusDraft
		if err := tx.Create(sv).Error; err != nil {
			return err
		}
		v := &SurveyVersion{SurveyID: sv.ID, Number: 1, Definition: definition}
		if err := tx.Create(v).Error; err != nil {
			return err
		}
		sv.DraftVersionID = &v.ID
		return tx.Model(sv).Update("draft_version_id", v.ID).Error
	}))
}

// SaveDraft stores a survey's draft definition: it changes the open draft
// version, or starts a new version when the survey has none (a published
// version never changes). It returns the draft version.
func (s *Store) SaveDraft(surveyID uint64, title, definition string) (*SurveyVersion, error) {
	var v SurveyVersion
	err := s.W.Transaction(func(tx *gorm.DB) error {
		var sv Survey
		if err := tx.Take(&sv, surveyID).Error; err != nil {
			return err
		}
		if sv.DraftVersionID != nil {
			if err := tx.Take(&v, *sv.DraftVersionID).Error; err != nil {
				return err
			}
			v.Definition = definition
			if err := tx.Model(&v).Update("definition", definition).Error; err != nil {
				return err
			}
		} else {
			var last int
			if err := tx.Model(&SurveyVersion{}).Where("survey_id = ?", surveyID).Select("COALESCE(MAX(number), 0)").Scan(&last).Error; err != nil {
				return err
			}
			v = SurveyVersion{SurveyID: surveyID, Number: last + 1, Definition: definition}
			if err := tx.Create(&v).Error; err != nil {
				return err
			}
		}
		return tx.Model(&sv).Updates(map[string]any{"draft_version_id": v.ID, "title": title}).Error
	})
	if err != nil {
		return nil, translate(err)
	}
	return &v, nil
}

// Publish makes the survey's draft version its published one, with its
// catalogue, and opens the survey. It returns the published version.
func (s *Store) Publish(surveyID uint64, cat Catalogue) (*SurveyVersion, error) {
	var v SurveyVersion
	err := s.W.Transaction(func(tx *gorm.DB) error {
		var sv Survey
		if err := tx.Take(&sv, surveyID).Error; err != nil {
			return err
		}
		if sv.DraftVersionID == nil {
			return ErrNoDraft
		}
		if err := tx.Take(&v, *sv.DraftVersionID).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		v.PublishedAt = &now
		if err := tx.Model(&v).Update("published_at", now).Error; err != nil {
			return err
		}
		if err := saveCatalogue(tx, v.ID, cat); err != nil {
			return err
		}
		return tx.Model(&sv).Updates(map[string]any{
			"published_version_id": v.ID, "draft_version_id": nil, "status": StatusPublished,
			"closed_at": nil, "purged_at": nil,
		}).Error
	})
	if err != nil {
		return nil, translate(err)
	}
	return &v, nil
}

// ErrNoDraft is a publish request for a survey with no draft version.
var ErrNoDraft = errors.New("models: no draft to publish")

// CreatePublished stores a new survey with its first version, published,
// and that version's catalogue, in one transaction.
func (s *Store) CreatePublished(sv *Survey, definition string, cat Catalogue) error {
	return translate(s.W.Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		sv.Status = StatusPublished
		if err := tx.Create(sv).Error; err != nil {
			return err
		}
		v := &SurveyVersion{SurveyID: sv.ID, Number: 1, Definition: definition, PublishedAt: &now}
		if err := tx.Create(v).Error; err != nil {
			return err
		}
		if err := saveCatalogue(tx, v.ID, cat); err != nil {
			return err
		}
		sv.PublishedVersionID = &v.ID
		return tx.Model(sv).Update("published_version_id", v.ID).Error
	}))
}

func saveCatalogue(tx *gorm.DB, versionID uint64, cat Catalogue) error {
	for i := range cat.Units {
		cat.Units[i].VersionID = versionID
	}
	for i := range cat.Areas {
		cat.Areas[i].VersionID = versionID
	}
	if len(cat.Units) > 0 {
		if err := tx.Create(&cat.Units).Error; err != nil {
			return fmt.Errorf("units: %w", err)
		}
	}
	if len(cat.Areas) > 0 {
		if err := tx.Create(&cat.Areas).Error; err != nil {
			return fmt.Errorf("areas: %w", err)
		}
	}
	for _, q := range cat.Questions {
		q.VersionID = versionID
		if err := tx.Create(&q.Question).Error; err != nil {
			return fmt.Errorf("questions: %w", err)
		}
		for i := range q.Options {
			q.Options[i].QuestionID = q.ID
		}
		if len(q.Options) > 0 {
			if err := tx.Create(&q.Options).Error; err != nil {
				return fmt.Errorf("options: %w", err)
			}
		}
	}
	return nil
}

// SetStatus changes a survey's status (published, closed). Closing
// records when (the retention period runs from then); reopening forgets
// it and any purge, so that what is collected next is purged after the
// next close.
func (s *Store) SetStatus(surveyID uint64, status string) error {
	set := map[string]any{"status": status, "closed_at": nil, "purged_at": nil}
	if status == StatusClosed {
		set = map[string]any{"status": status, "closed_at": gorm.Expr("COALESCE(closed_at, ?)", time.Now().UTC())}
	}
	res := s.W.Model(&Survey{}).Where("id = ?", surveyID).Updates(set)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// Setting returns a shared setting, creating it with make() when absent.
// Instances that start together all end up with the first one stored.
func (s *Store) Setting(name string, make func() (string, error)) (string, error) {
	var st Setting
	err := s.W.Where("name = ?", name).Take(&st).Error
	if err == nil {
		return st.Value, nil
	}
	if translate(err) != ErrNotFound {
		return "", err
	}
	v, err := make()
	if err != nil {
		return "", err
	}
	if err := s.W.Create(&Setting{Name: name, Value: v}).Error; err != nil && translate(err) == err {
		return "", err
	}
	if err := s.W.Where("name = ?", name).Take(&st).Error; err != nil {
		return "", translate(err)
	}
	return st.Value, nil
}

package models

import (
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

// SetStatus changes a survey's status (published, closed).
func (s *Store) SetStatus(surveyID uint64, status string) error {
	res := s.W.Model(&Survey{}).Where("id = ?", surveyID).Update("status", status)
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

package surveys

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// SurveySummary is a survey in the staff list.
type SurveySummary struct {
	ID        uint64     `json:"id"`
	Slug      string     `json:"slug"`
	Title     string     `json:"title"`
	Status    string     `json:"status"`
	Results   string     `json:"results"`
	Responses int64      `json:"responses"`
	Published *uint64    `json:"published_version"`
	Draft     *uint64    `json:"draft_version"`
	ClosesAt  *time.Time `json:"closes_at,omitempty"`
	UpdatedAt time.Time  `json:"updated_at"`
	// Owner is the owner's name ("" when the survey has none); Access is
	// what the user asking may do with it (reader, collaborator, owner or
	// admin).
	Owner  string `json:"owner"`
	Access string `json:"access,omitempty"`
}

func summary(r models.SurveyRow) SurveySummary {
	return SurveySummary{ID: r.ID, Slug: r.Slug, Title: r.Title, Status: r.Status, Results: r.Results,
		Responses: r.Responses, Published: r.PublishedVersionID, Draft: r.DraftVersionID,
		ClosesAt: r.ClosesAt, UpdatedAt: r.UpdatedAt}
}

// SurveyList lists every survey for staff, newest first.
func (s *Service) SurveyList() ([]SurveySummary, error) {
	rows, err := s.store.SurveyRows()
	if err != nil {
		return nil, storeErr(err)
	}
	out := make([]SurveySummary, len(rows))
	for i, r := range rows {
		out[i] = summary(r)
	}
	return out, nil
}

// SurveyListFor lists the surveys user may see, newest first: every one
// for an admin, else those the user owns or is a member of, each with the
// owner's name and the user's access.
func (s *Service) SurveyListFor(user models.User) ([]SurveySummary, error) {
	var rows []models.SurveyRow
	var err error
	if user.Role == models.RoleAdmin {
		rows, err = s.store.SurveyRows()
	} else {
		rows, err = s.store.SurveyRowsFor(user.ID)
	}
	if err != nil {
		return nil, storeErr(err)
	}
	users, err := s.store.Users()
	if err != nil {
		return nil, storeErr(err)
	}
	roles, err := s.store.MemberRoles(user.ID)
	if err != nil {
		return nil, storeErr(err)
	}
	names := make(map[uint64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	out := make([]SurveySummary, len(rows))
	for i, r := range rows {
		out[i] = summary(r)
		if r.OwnerID != nil {
			out[i].Owner = names[*r.OwnerID]
		}
		out[i].Access = accessOf(user, r.OwnerID, roles[r.ID]).For(user)
	}
	return out, nil
}

// VersionInfo describes one version of a survey.
type VersionInfo struct {
	ID          uint64     `json:"id"`
	Number      int        `json:"number"`
	PublishedAt *time.Time `json:"published_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

// SurveyDetail is one survey for the designer: its summary, the draft
// (what the designer edits) and the published definition, and its versions.
type SurveyDetail struct {
	SurveySummary
	DraftDefinition     *questionnaire.Definition `json:"draft,omitempty"`
	PublishedDefinition *questionnaire.Definition `json:"published,omitempty"`
	Versions            []VersionInfo             `json:"versions"`
}

// SurveyDetail returns a survey for staff.
func (s *Service) SurveyDetail(id uint64) (*SurveyDetail, error) {
	sv, err := s.store.SurveyByID(id)
	if err != nil {
		return nil, storeErr(err)
	}
	n, err := s.store.CountResponses(id)
	if err != nil {
		return nil, storeErr(err)
	}
	d := &SurveyDetail{SurveySummary: summary(models.SurveyRow{Survey: *sv, Responses: n})}
	if sv.OwnerID != nil {
		if u, err := s.store.UserByID(*sv.OwnerID); err == nil {
			d.Owner = u.Name
		}
	}
	vs, err := s.store.Versions(id)
	if err != nil {
		return nil, storeErr(err)
	}
	for _, v := range vs {
		d.Versions = append(d.Versions, VersionInfo{v.ID, v.Number, v.PublishedAt, v.CreatedAt})
		var def questionnaire.Definition
		if sv.DraftVersionID != nil && v.ID == *sv.DraftVersionID || sv.PublishedVersionID != nil && v.ID == *sv.PublishedVersionID {
			if err := json.Unmarshal([]byte(v.Definition), &def); err != nil {
				return nil, fmt.Errorf("surveys: stored version %d: %w", v.ID, err)
			}
		}
		if sv.DraftVersionID != nil && v.ID == *sv.DraftVersionID {
			d.DraftDefinition = &def
		}
		if sv.PublishedVersionID != nil && v.ID == *sv.PublishedVersionID {
			d.PublishedDefinition = &def
		}
	}
	return d, nil
}

// NewSurvey says where a new survey's first draft comes from: a built-in
// template, a copy of another survey (its draft, else its published
// version), or an imported definition. Slug and title override the source's.
type NewSurvey struct {
	Slug       string                    `json:"slug"`
	Title      string                    `json:"title"`
	Template   string                    `json:"template,omitempty"`
	CopyOf     uint64                    `json:"copy_of,omitempty"`
	Definition *questionnaire.Definition `json:"definition,omitempty"`
	// Owner is the staff user creating the survey (0: none, admins only).
	Owner uint64 `json:"-"`
}

// CreateSurvey stores a new survey with a valid draft and returns its id.
func (s *Service) CreateSurvey(in NewSurvey) (uint64, error) {
	var def questionnaire.Definition
	switch {
	case in.Definition != nil:
		def = *in.Definition
	case in.CopyOf != 0:
		src, err := s.SurveyDetail(in.CopyOf)
		if err != nil {
			return 0, err
		}
		switch {
		case src.DraftDefinition != nil:
			def = *src.DraftDefinition
		case src.PublishedDefinition != nil:
			def = *src.PublishedDefinition
		default:
			return 0, ErrNotFound
		}
	default:
		name := in.Template
		if name == "" {
			name = "social-2022"
		}
		data, err := questionnaire.Builtin(name)
		if err != nil {
			return 0, &questionnaire.DefinitionError{Problems: []questionnaire.Problem{{Path: "template", Reason: "没有这个模板 no such template"}}}
		}
		if err := json.Unmarshal(data, &def); err != nil {
			return 0, err
		}
	}
	if in.Slug != "" {
		def.Slug = in.Slug
	}
	if in.Title != "" {
		def.Title = in.Title
	}
	raw, err := s.checkDefinition(&def)
	if err != nil {
		return 0, err
	}
	sv := &models.Survey{Slug: def.Slug, Title: def.Title, Results: def.Results}
	if in.Owner != 0 {
		sv.OwnerID = &in.Owner
	}
	if err := s.store.CreateDraft(sv, raw); errors.Is(err, models.ErrDuplicate) {
		return 0, ErrSlugTaken
	} else if err != nil {
		return 0, storeErr(err)
	}
	return sv.ID, nil
}

// checkDefinition validates a definition and returns its stored form.
func (s *Service) checkDefinition(def *questionnaire.Definition) (string, error) {
	if err := def.Validate(); err != nil {
		return "", err
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(def); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// SaveDraft replaces a survey's draft with def, or starts a new draft
// version when the survey only has published ones. The slug cannot change.
// An invalid definition is refused whole (*DefinitionError), nothing saved.
func (s *Service) SaveDraft(id uint64, def *questionnaire.Definition) (uint64, error) {
	sv, err := s.store.SurveyByID(id)
	if err != nil {
		return 0, storeErr(err)
	}
	if def.Slug != sv.Slug {
		return 0, &questionnaire.DefinitionError{Problems: []questionnaire.Problem{{Path: "slug", Reason: "问卷发布后链接不能更改 the slug of a survey cannot change (" + sv.Slug + ")"}}}
	}
	raw, err := s.checkDefinition(def)
	if err != nil {
		return 0, err
	}
	v, err := s.store.SaveDraft(id, def.Title, raw)
	if err != nil {
		return 0, storeErr(err)
	}
	return v.ID, nil
}

// Publish publishes a survey's draft: from now on residents answer it, and
// it never changes. It returns the published version id.
func (s *Service) Publish(id uint64) (uint64, error) {
	d, err := s.SurveyDetail(id)
	if err != nil {
		return 0, err
	}
	if d.DraftDefinition == nil {
		return 0, ErrNoDraft
	}
	c, err := questionnaire.Compile(d.DraftDefinition)
	if err != nil {
		return 0, err
	}
	if err := rescoreCheck(d, c); err != nil {
		return 0, err
	}
	v, err := s.store.Publish(id, Catalogue(c))
	if errors.Is(err, models.ErrNoDraft) {
		return 0, ErrNoDraft
	} else if err != nil {
		return 0, storeErr(err)
	}
	s.Forget(d.Slug)
	return v.ID, nil
}

// rescoreCheck refuses a draft that would score the stored responses
// differently (questionnaire.ScoringChanges): their area, composite and
// item-pair counters keep the scoring they were counted with, so the area
// and overall intervals would no longer match the indexes. A survey
// without responses may change anything.
func rescoreCheck(d *SurveyDetail, next *questionnaire.Compiled) error {
	if d.Responses == 0 || d.PublishedDefinition == nil {
		return nil
	}
	cur, err := questionnaire.Compile(d.PublishedDefinition)
	if err != nil {
		return nil // a published version that no longer validates scores nothing new
	}
	problems := questionnaire.ScoringChanges(cur, next)
	if len(problems) == 0 {
		return nil
	}
	problems = append(problems, questionnaire.Problem{Path: "scoring", Reason: fmt.Sprintf(
		"本调查已有%d份回答：新版本不能改变已有回答的计分（分值、权重、领域归属）；如需按其他计分重新计算，请另建调查 "+
			"this survey has %d responses: a new version cannot change how they are scored (scores, weights, area membership); "+
			"to score them another way, create a new survey", d.Responses, d.Responses)})
	return &questionnaire.DefinitionError{Problems: problems}
}

// SetOpen closes (open=false) or reopens a published survey.
func (s *Service) SetOpen(id uint64, open bool) error {
	sv, err := s.store.SurveyByID(id)
	if err != nil {
		return storeErr(err)
	}
	if sv.PublishedVersionID == nil {
		return ErrNotOpenable
	}
	status := models.StatusClosed
	if open {
		status = models.StatusPublished
	}
	if err := s.store.SetStatus(id, status); err != nil {
		return storeErr(err)
	}
	s.Forget(sv.Slug)
	return nil
}

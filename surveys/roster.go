package surveys

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// A phone roster restricts a phone-mode survey to a list of numbers, per
// unit: a bureau's sample of residents, each of whom may answer for their
// unit. The numbers are kept only as keyed hashes under their own key
// (not the respondent key's), so the list cannot be joined to answers.

// ErrNotOnRoster: the survey has a roster and the number is not on it
// (for the unit answered).
var ErrNotOnRoster = errors.New("surveys: the number is not on the survey's roster")

// MaxRosterNumbers bounds one roster upload.
const MaxRosterNumbers = 500_000

// RosterResult is a survey's roster, or what an upload made of it.
type RosterResult struct {
	Numbers    int              `json:"numbers"`
	Units      map[string]int   `json:"units"` // numbers per unit code ("" = the survey without units)
	Duplicates int              `json:"duplicates,omitempty"`
	Invalid    []SampleRowError `json:"invalid,omitempty"`
}

// rosterHash is a number's keyed hash on the survey's roster.
func (s *Service) rosterHash(surveyID uint64, phone string) string {
	return s.hash("roster", fmt.Sprintf("%d:%s", surveyID, phone))
}

// ReplaceRoster makes the CSV file ("phone[,unit]" a line; a header line
// is skipped) the published survey's whole roster; an empty file removes
// it. Rows that do not validate are listed and left out; the rest are
// stored even so.
func (s *Service) ReplaceRoster(surveyID uint64, file io.Reader) (RosterResult, error) {
	p, err := s.publishedByID(surveyID)
	if err != nil {
		return RosterResult{}, err
	}
	if p.Compiled.Def.Dedup != questionnaire.DedupPhone {
		return RosterResult{}, &questionnaire.InvalidError{Fields: map[string]string{
			"dedup": "名单只用于手机号模式的调查 a roster is for phone-mode surveys only"}}
	}
	raw, err := io.ReadAll(file)
	if err != nil {
		return RosterResult{}, fmt.Errorf("%w: read the file: %v", ErrSample, err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte{0xEF, 0xBB, 0xBF})))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	res := RosterResult{Units: map[string]int{}}
	seen := map[string]bool{}
	var rows []models.PhoneRoster
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return RosterResult{}, fmt.Errorf("%w: 第%d行无法读取 line %d: %v", ErrSample, line, line, err)
		}
		if len(rec) == 0 || len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		phone, ok := identity.NormalizePhone(rec[0])
		if !ok {
			if line == 1 { // a header
				continue
			}
			res.Invalid = append(res.Invalid, SampleRowError{line, "不是11位手机号码 not an 11-digit mainland mobile number"})
			continue
		}
		unit := ""
		if len(rec) > 1 {
			unit = strings.TrimSpace(rec[1])
		}
		switch {
		case unit == "" && p.Compiled.HasUnits():
			res.Invalid = append(res.Invalid, SampleRowError{line, "请填写单位代码 give the unit's code"})
			continue
		case unit != "" && !unitOf(p, unit):
			res.Invalid = append(res.Invalid, SampleRowError{line, fmt.Sprintf("本调查没有单位 %q no such unit in this survey", unit)})
			continue
		}
		if seen[unit+"\x00"+phone] {
			res.Duplicates++
			continue
		}
		if len(rows) == MaxRosterNumbers {
			return RosterResult{}, fmt.Errorf("%w: 名单超过%d个号码 a roster holds at most %d numbers", ErrSample, MaxRosterNumbers, MaxRosterNumbers)
		}
		seen[unit+"\x00"+phone] = true
		rows = append(rows, models.PhoneRoster{SurveyID: surveyID, UnitCode: unit, PhoneHash: s.rosterHash(surveyID, phone)})
		res.Units[unit]++
	}
	if err := s.store.ReplaceRoster(surveyID, rows); err != nil {
		return RosterResult{}, storeErr(err)
	}
	res.Numbers = len(rows)
	return res, nil
}

// Roster counts the survey's roster numbers per unit.
func (s *Service) Roster(surveyID uint64) (RosterResult, error) {
	if _, err := s.SurveyDetail(surveyID); err != nil {
		return RosterResult{}, err
	}
	units, err := s.store.RosterCounts(surveyID)
	if err != nil {
		return RosterResult{}, storeErr(err)
	}
	res := RosterResult{Units: units}
	for _, n := range units {
		res.Numbers += n
	}
	return res, nil
}

// checkRoster refuses a number the survey's roster does not hold, for
// unit, or for any unit when anyUnit (a code request, before the unit is
// known). A survey without a roster takes every number.
func (s *Service) checkRoster(p *Published, phone, unit string, anyUnit bool) error {
	number, ok := identity.NormalizePhone(phone)
	if !ok {
		return nil // refused as malformed elsewhere
	}
	has, listed, err := s.store.OnRoster(p.Survey.ID, unit, s.rosterHash(p.Survey.ID, number), anyUnit)
	switch {
	case err != nil:
		return storeErr(err)
	case has && !listed:
		return ErrNotOnRoster
	}
	return nil
}

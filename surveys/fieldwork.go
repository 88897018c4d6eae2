package surveys

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/cati"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Errors of telephone fieldwork.
var (
	// ErrQuotaFull: a quota cell the screening matches is full.
	ErrQuotaFull = errors.New("surveys: quota cell full")
	// ErrNotHeld: the interviewer does not hold the case (its hold lapsed
	// and it went to another, or it never was theirs).
	ErrNotHeld = errors.New("surveys: case not held by this interviewer")
	// ErrCaseClosed: the case has its final disposition.
	ErrCaseClosed = errors.New("surveys: case closed")
	// ErrNotScreened: an interview sent before the case was screened.
	ErrNotScreened = errors.New("surveys: case not screened")
	// ErrNoCase: no case of the survey is due now.
	ErrNoCase = errors.New("surveys: no case due")
	// ErrCaseNotFound: no such telephone case.
	ErrCaseNotFound = errors.New("surveys: no such case")
)

// CatiSurvey is a published survey an interviewer may work.
type CatiSurvey struct {
	ID    uint64 `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// CatiSurveys lists the published, open surveys, for the console.
func (s *Service) CatiSurveys(now time.Time) ([]CatiSurvey, error) {
	list, err := s.SurveyList()
	if err != nil {
		return nil, err
	}
	out := []CatiSurvey{}
	for _, sv := range list {
		p, err := s.Published(sv.Slug)
		if err != nil || !p.Open(now) {
			continue
		}
		out = append(out, CatiSurvey{p.Survey.ID, p.Survey.Slug, p.Survey.Title})
	}
	return out, nil
}

// CatiSettings are a survey's telephone settings: the calling policy, the
// interviews planned per unit ("" for a survey without units) and the
// quota cells.
type CatiSettings struct {
	Config  cati.Config    `json:"config"`
	Targets map[string]int `json:"targets,omitempty"`
	Quotas  []CatiQuota    `json:"quotas,omitempty"`
}

// CatiQuota is a quota cell of a unit ("" for the survey's own) with its
// target.
type CatiQuota struct {
	Unit   string    `json:"unit,omitempty"`
	Cell   cati.Cell `json:"cell"`
	Target int       `json:"target"`
}

// vault seals and hashes phone numbers with keys derived from the secret.
func (s *Service) vault() (*cati.Vault, error) { return cati.NewVault(s.secret) }

// publishedByID is a survey's published version, by id.
func (s *Service) publishedByID(id uint64) (*Published, error) {
	sv, err := s.store.SurveyByID(id)
	if err != nil {
		return nil, storeErr(err)
	}
	return s.Published(sv.Slug)
}

// CatiSettingsOf returns a survey's telephone settings (the defaults when
// none were set).
func (s *Service) CatiSettingsOf(surveyID uint64) (CatiSettings, cati.Policy, error) {
	var st CatiSettings
	raw, err := s.store.CatiSettingsJSON(surveyID)
	if err != nil {
		return st, cati.Policy{}, storeErr(err)
	}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			return st, cati.Policy{}, fmt.Errorf("surveys: stored telephone settings of %d: %w", surveyID, err)
		}
	}
	p, err := st.Config.Policy()
	if err != nil {
		return st, cati.Policy{}, fmt.Errorf("surveys: stored telephone settings of %d: %w", surveyID, err)
	}
	return st, p, nil
}

// PutCatiSettings checks and stores a survey's telephone settings and sets
// the targets of its quota cells (cells left out keep their counts and
// targets).
func (s *Service) PutCatiSettings(surveyID uint64, st CatiSettings) error {
	p, err := s.publishedByID(surveyID)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	if _, err := st.Config.Policy(); err != nil {
		var ce *cati.ConfigError
		if errors.As(err, &ce) {
			fields["config."+ce.Field] = ce.Message
		} else {
			fields["config"] = err.Error()
		}
	}
	for unit, n := range st.Targets {
		if !unitOf(p, unit) {
			fields["targets."+unit] = "本调查没有这个单位 no such unit in this survey"
		} else if n < 0 {
			fields["targets."+unit] = "样本量不能为负 a target cannot be negative"
		}
	}
	cells := make([]models.CatiQuotaCell, 0, len(st.Quotas))
	for i, q := range st.Quotas {
		at := fmt.Sprintf("quotas.%d", i)
		switch {
		case !unitOf(p, q.Unit):
			fields[at+".unit"] = "本调查没有这个单位 no such unit in this survey"
		case q.Target < 0:
			fields[at+".target"] = "配额不能为负 a target cannot be negative"
		case q.Cell.Validate() != nil:
			fields[at+".cell"] = q.Cell.Validate().Error()
		default:
			if reason := cellCodes(p.Compiled, q.Cell); reason != "" {
				fields[at+".cell"] = reason
				continue
			}
			cells = append(cells, models.CatiQuotaCell{SurveyID: surveyID, Unit: q.Unit, CellKey: q.Cell.Key(), Target: q.Target})
		}
	}
	if len(fields) > 0 {
		return &questionnaire.InvalidError{Fields: fields}
	}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	if err := s.store.UpsertQuotaCells(cells); err != nil {
		return storeErr(err)
	}
	return storeErr(s.store.PutCatiSettingsJSON(surveyID, string(raw)))
}

// unitOf reports whether code is a unit of the survey ("" when it has none
// or for the survey's own quotas).
func unitOf(p *Published, code string) bool {
	if code == "" {
		return true
	}
	_, ok := p.Compiled.UnitName(code)
	return ok
}

// cellCodes checks that a cell's codes are options of the survey's
// demographic questions; "" when they are.
func cellCodes(c *questionnaire.Compiled, cell cati.Cell) string {
	for role, code := range cell {
		q := c.BreakdownQuestion(role)
		if q == nil {
			return fmt.Sprintf("问卷没有 %s 题 the questionnaire has no %s question", role, role)
		}
		if !q.HasOption(code) {
			return fmt.Sprintf("%s 题没有选项 %q the %s question has no option %q", role, code, role, code)
		}
	}
	return ""
}

// SampleResult is what a sample upload did.
type SampleResult struct {
	Added      int              `json:"added"`
	Duplicates int              `json:"duplicates"`
	DoNotCall  int              `json:"do_not_call"`
	Invalid    []SampleRowError `json:"invalid"`
}

// SampleRowError is a refused row of a sample file.
type SampleRowError struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// RDD asks for random numbers on 7-digit mobile blocks.
type RDD struct {
	Prefixes []string `json:"prefixes"`
	Count    int      `json:"count"`
	Unit     string   `json:"unit"`
}

// ErrSample refuses a whole sample upload; the message says why.
var ErrSample = errors.New("surveys: invalid sample")

// AddSample adds a CSV sample file ("phone,unit[,note]") to a survey's
// telephone sample; numbers are sealed and hashed, never stored in clear.
func (s *Service) AddSample(surveyID uint64, csvFile io.Reader, now time.Time) (SampleResult, error) {
	p, err := s.publishedByID(surveyID)
	if err != nil {
		return SampleResult{}, err
	}
	sample, err := cati.ParseSample(csvFile, cati.SampleOptions{Unit: func(code string) bool {
		return unitOf(p, code) && (code != "" || !p.Compiled.HasUnits())
	}})
	if err != nil {
		return SampleResult{}, fmt.Errorf("%w: %v", ErrSample, err)
	}
	if err := s.syncDefinitionQuotas(p); err != nil {
		return SampleResult{}, err
	}
	res := SampleResult{Duplicates: sample.Duplicates, Invalid: []SampleRowError{}}
	for _, e := range sample.Invalid {
		res.Invalid = append(res.Invalid, SampleRowError{e.Line, e.Reason})
	}
	return s.addNumbers(surveyID, sample.Rows, res, now)
}

// AddRDD adds random mobile numbers on the given blocks to a unit's sample.
func (s *Service) AddRDD(surveyID uint64, r RDD, now time.Time) (SampleResult, error) {
	p, err := s.publishedByID(surveyID)
	if err != nil {
		return SampleResult{}, err
	}
	if !unitOf(p, r.Unit) || r.Unit == "" && p.Compiled.HasUnits() {
		return SampleResult{}, &questionnaire.InvalidError{Fields: map[string]string{"rdd.unit": "请选择本调查的单位 choose a unit of this survey"}}
	}
	if r.Count < 1 || r.Count > 100000 {
		return SampleResult{}, &questionnaire.InvalidError{Fields: map[string]string{"rdd.count": "数量应在 1 到 100000 之间 count must be 1 to 100000"}}
	}
	if err := s.syncDefinitionQuotas(p); err != nil {
		return SampleResult{}, err
	}
	numbers, err := cati.RandomNumbers(r.Prefixes, r.Count, rand.Reader)
	if err != nil {
		return SampleResult{}, &questionnaire.InvalidError{Fields: map[string]string{"rdd.prefixes": err.Error()}}
	}
	rows := make([]cati.SampleRow, len(numbers))
	for i, n := range numbers {
		rows[i] = cati.SampleRow{Line: i + 1, Phone: n, Unit: r.Unit}
	}
	return s.addNumbers(surveyID, rows, SampleResult{Invalid: []SampleRowError{}}, now)
}

func (s *Service) addNumbers(surveyID uint64, rows []cati.SampleRow, res SampleResult, now time.Time) (SampleResult, error) {
	_, policy, err := s.CatiSettingsOf(surveyID)
	if err != nil {
		return res, err
	}
	v, err := s.vault()
	if err != nil {
		return res, err
	}
	due := policy.FirstDue(now)
	cases := make([]models.CatiCase, 0, len(rows))
	for _, r := range rows {
		sealed, err := v.Seal(r.Phone)
		if err != nil {
			return res, err
		}
		hash, err := v.Hash(r.Phone)
		if err != nil {
			return res, err
		}
		cases = append(cases, models.CatiCase{SurveyID: surveyID, Unit: r.Unit, PhoneSealed: sealed, PhoneHash: hash, Note: r.Note, DueAt: due})
	}
	added, err := s.store.AddCases(cases)
	if err != nil {
		return res, storeErr(err)
	}
	res.Added, res.Duplicates, res.DoNotCall = added.Added, res.Duplicates+added.Duplicates, added.DoNotCall
	return res, nil
}

// ParseSampleBody tells a JSON RDD request from a CSV file by its first
// non-blank byte.
func ParseSampleBody(body []byte) (*RDD, bool) {
	trim := bytes.TrimLeft(bytes.TrimPrefix(body, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n")
	if len(trim) == 0 || trim[0] != '{' {
		return nil, false
	}
	var in struct {
		RDD *RDD `json:"rdd"`
	}
	if json.Unmarshal(body, &in) != nil || in.RDD == nil {
		return &RDD{}, true
	}
	return in.RDD, true
}

// CaseForCall is the case given to an interviewer: the number in clear
// (for them only), the unit and the calls made so far.
type CaseForCall struct {
	CaseID      uint64       `json:"case_id"`
	Survey      string       `json:"survey"`
	Phone       string       `json:"phone"`
	Unit        string       `json:"unit"`
	UnitName    string       `json:"unit_name,omitempty"`
	Attempt     int          `json:"attempt"`
	Appointment *time.Time   `json:"appointment"`
	HeldUntil   time.Time    `json:"held_until"`
	Note        string       `json:"note,omitempty"`
	History     []CallRecord `json:"history"`
	// PrivacyNotice is what the interviewer reads out before the first
	// question: who calls, why, how the number is kept and for how long.
	PrivacyNotice *questionnaire.PrivacyNotice `json:"privacy_notice"`
}

// CallRecord is one earlier call of a case.
type CallRecord struct {
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
	Seconds int       `json:"seconds"`
	Note    string    `json:"note,omitempty"`
}

// NextCase holds the next due case of a survey for an interviewer: within
// the survey's calling hours (or near an appointment), of a unit that
// still needs interviews. ErrNoCase when none is due.
func (s *Service) NextCase(surveyID, interviewer uint64, now time.Time) (*CaseForCall, error) {
	p, err := s.publishedByID(surveyID)
	if err != nil {
		return nil, err
	}
	st, policy, err := s.CatiSettingsOf(surveyID)
	if err != nil {
		return nil, err
	}
	units, err := s.unitsInNeed(surveyID, withDefinitionTargets(p, st))
	if err != nil {
		return nil, err
	}
	held, err := s.store.NextCase(models.Pick{SurveyID: surveyID, Interviewer: interviewer, Now: now,
		Hold: policy.Hold, InHours: policy.InHours(now), Slack: policy.Slack, Units: units})
	if errors.Is(err, models.ErrNoCase) {
		return nil, ErrNoCase
	}
	if err != nil {
		return nil, storeErr(err)
	}
	return s.caseForCall(p, held)
}

// syncDefinitionQuotas sets the quota cells of the published definition
// (the campaign's units' quotas, or the survey's) in the telephone quota
// table, where screenings reserve their slots; cells set in the telephone
// settings are kept as they are.
func (s *Service) syncDefinitionQuotas(p *Published) error {
	var cells []models.CatiQuotaCell
	add := func(unit string, qs []questionnaire.Quota) {
		for _, q := range qs {
			cell := cati.Cell(q.Cell)
			if cell.Validate() == nil {
				cells = append(cells, models.CatiQuotaCell{SurveyID: p.Survey.ID, Unit: unit, CellKey: cell.Key(), Target: q.Target})
			}
		}
	}
	add("", p.Compiled.Def.Quotas)
	for _, u := range p.Compiled.Def.Units {
		add(u.Code, u.Quotas)
	}
	if len(cells) == 0 {
		return nil
	}
	st, _, err := s.CatiSettingsOf(p.Survey.ID)
	if err != nil {
		return err
	}
	own := map[string]bool{}
	for _, q := range st.Quotas {
		own[q.Unit+"|"+q.Cell.Key()] = true
	}
	keep := cells[:0]
	for _, c := range cells {
		if !own[c.Unit+"|"+c.CellKey] {
			keep = append(keep, c)
		}
	}
	return storeErr(s.store.UpsertQuotaCells(keep))
}

// withDefinitionTargets adds the campaign's unit targets to the settings'
// (a target set in the telephone settings wins).
func withDefinitionTargets(p *Published, st CatiSettings) CatiSettings {
	for _, u := range p.Compiled.Def.Units {
		if u.Target <= 0 {
			continue
		}
		if _, ok := st.Targets[u.Code]; ok {
			continue
		}
		if st.Targets == nil {
			st.Targets = map[string]int{}
		}
		st.Targets[u.Code] = u.Target
	}
	return st
}

// unitsInNeed are the units whose completed interviews are below their
// target; nil (every unit) when no target is set.
func (s *Service) unitsInNeed(surveyID uint64, st CatiSettings) ([]string, error) {
	if len(st.Targets) == 0 {
		return nil, nil
	}
	done, err := s.store.CatiCompletesByUnit(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	units := []string{}
	for u, target := range st.Targets {
		if done[u] < target {
			units = append(units, u)
		}
	}
	sort.Strings(units)
	return units, nil
}

func (s *Service) caseForCall(p *Published, held *models.HeldCase) (*CaseForCall, error) {
	v, err := s.vault()
	if err != nil {
		return nil, err
	}
	phone, err := v.Open(held.Case.PhoneSealed)
	if err != nil {
		return nil, fmt.Errorf("surveys: open case %d: %w", held.Case.ID, err)
	}
	out := &CaseForCall{CaseID: held.Case.ID, Survey: p.Survey.Slug, Phone: phone, Unit: held.Case.Unit,
		Attempt: held.Case.Attempts + 1, Appointment: held.Case.Appointment, Note: held.Case.Note, History: []CallRecord{},
		PrivacyNotice: p.Compiled.Def.TelephoneNotice()}
	out.UnitName, _ = p.Compiled.UnitName(held.Case.Unit)
	if held.Case.HeldUntil != nil {
		out.HeldUntil = *held.Case.HeldUntil
	}
	for _, a := range held.History {
		out.History = append(out.History, CallRecord{a.StartedAt, a.Outcome, a.Seconds, a.Note})
	}
	return out, nil
}

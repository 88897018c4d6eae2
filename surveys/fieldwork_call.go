package surveys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/cati"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// ChannelCati is the channel of responses taken by telephone.
const ChannelCati = "cati"

// screenRoles are the roles a screening answers, in order.
var screenRoles = []string{cati.RoleTown, cati.RoleAge, cati.RoleGender}

// heldCase is a case the interviewer holds, with its survey.
func (s *Service) heldCase(caseID, interviewer uint64, now time.Time) (*models.CatiCase, *Published, error) {
	c, err := s.store.CatiCase(caseID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil, ErrCaseNotFound
	}
	if err != nil {
		return nil, nil, storeErr(err)
	}
	switch {
	case c.State != models.CaseQueued:
		return c, nil, ErrCaseClosed
	case c.Holder == nil || *c.Holder != interviewer || c.HeldUntil == nil || !c.HeldUntil.After(now):
		return c, nil, ErrNotHeld
	}
	p, err := s.publishedByID(c.SurveyID)
	return c, p, err
}

// modelErr turns the telephone store's errors into the service's.
func modelErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, models.ErrQuotaFull):
		return ErrQuotaFull
	case errors.Is(err, models.ErrNotHeld):
		return ErrNotHeld
	case errors.Is(err, models.ErrClosed):
		return ErrCaseClosed
	}
	return storeErr(err)
}

// Screen checks a held case's screening answers (option codes of the
// town, age and gender questions) and reserves a slot in every quota cell
// they match — the unit's and the survey's — or in none: ErrQuotaFull.
func (s *Service) Screen(caseID, interviewer uint64, screening map[string]string, now time.Time) error {
	c, p, err := s.heldCase(caseID, interviewer, now)
	if err != nil {
		return err
	}
	fields := map[string]string{}
	clean := map[string]string{}
	for _, role := range screenRoles {
		code := screening[role]
		q := p.Compiled.BreakdownQuestion(role)
		switch {
		case code == "":
			continue
		case q == nil:
			fields[role] = "问卷没有这道题 the questionnaire has no such question"
		case !q.HasOption(code):
			fields[role] = "不是这道题的选项 not an option of this question"
		default:
			clean[role] = code
		}
	}
	for role := range screening {
		if role != cati.RoleTown && role != cati.RoleAge && role != cati.RoleGender {
			fields[role] = "甄别只问镇街、年龄、性别 screening asks town, age and gender only"
		}
	}
	if len(fields) > 0 {
		return &questionnaire.InvalidError{Fields: fields}
	}
	cells, err := s.matchingCells(c, clean)
	if err != nil {
		return err
	}
	_, policy, err := s.CatiSettingsOf(c.SurveyID)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(clean)
	return modelErr(s.store.ReserveQuota(models.Reserve{CaseID: c.ID, Interviewer: interviewer, CellIDs: cells,
		Now: now, Until: now.Add(policy.Hold), Screened: string(raw)}))
}

// matchingCells are the ids of the quota cells of the case's unit and of
// the survey that a screening is in.
func (s *Service) matchingCells(c *models.CatiCase, screening map[string]string) ([]uint64, error) {
	var rows []models.CatiQuotaCell
	for _, unit := range []string{c.Unit, ""} {
		cs, err := s.store.QuotaCells(c.SurveyID, unit)
		if err != nil {
			return nil, storeErr(err)
		}
		rows = append(rows, cs...)
		if c.Unit == "" {
			break
		}
	}
	cells := make([]cati.Cell, len(rows))
	for i, r := range rows {
		cell, err := cati.ParseCellKey(r.CellKey)
		if err != nil {
			return nil, fmt.Errorf("surveys: stored quota cell %d: %w", r.ID, err)
		}
		cells[i] = cell
	}
	idx, err := cati.Matching(cells, screening)
	if err != nil {
		return nil, &questionnaire.InvalidError{Fields: map[string]string{"screening": err.Error()}}
	}
	ids := make([]uint64, len(idx))
	for i, j := range idx {
		ids[i] = rows[j].ID
	}
	return ids, nil
}

// Interview stores the questionnaire a held, screened case answered by
// telephone through the web submission path (same validation, same
// submission_id idempotency), with channel cati and the call's start and
// length, and closes the case as a complete, its quota slots filled. Its
// town, age and gender answers must be the screened ones.
func (s *Service) Interview(ctx context.Context, caseID, interviewer uint64, sub *questionnaire.Submission, now time.Time) (SubmitResult, error) {
	c, p, err := s.heldCase(caseID, interviewer, now)
	if errors.Is(err, ErrCaseClosed) && c.FinalCode == cati.CodeComplete {
		// A retry after the interview was stored: the stored one again.
		if r, err := s.store.ResponseBySubmission(c.SurveyID, sub.SubmissionID); err == nil {
			return s.replay(r, caseKey(c.ID))
		}
	}
	if err != nil {
		return SubmitResult{}, err
	}
	if c.Screened == "" {
		return SubmitResult{}, ErrNotScreened
	}
	var screened map[string]string
	if err := json.Unmarshal([]byte(c.Screened), &screened); err != nil {
		return SubmitResult{}, fmt.Errorf("surveys: case %d screening: %w", c.ID, err)
	}
	fields := map[string]string{}
	for role, code := range screened {
		q := p.Compiled.BreakdownQuestion(role)
		var got string
		if q != nil {
			_ = json.Unmarshal(sub.Answers[q.Code], &got)
		}
		if q != nil && got != code {
			fields[q.Code] = "与甄别时的回答不一致 differs from the screening answer"
		}
	}
	if len(fields) > 0 {
		return SubmitResult{}, &questionnaire.InvalidError{Fields: fields}
	}
	_, policy, err := s.CatiSettingsOf(c.SurveyID)
	if err != nil {
		return SubmitResult{}, err
	}
	// Keep the case and its slots while the interview is stored; slots
	// released meanwhile (a lapsed hold) are taken again or the cell is full.
	if err := modelErr(s.store.ExtendHold(c.ID, interviewer, now.Add(policy.Hold))); err != nil {
		return SubmitResult{}, err
	}
	if err := s.keepSlots(c, interviewer, screened, now, policy); err != nil {
		return SubmitResult{}, err
	}
	sub.Unit = c.Unit
	started := now
	if sub.StartedAt != nil && sub.StartedAt.Before(now) {
		started = *sub.StartedAt
	}
	res, err := s.Submit(ctx, SubmitInput{Slug: p.Survey.Slug, Submission: sub, Channel: ChannelCati,
		CaseKey: caseKey(c.ID), Now: now})
	if err != nil {
		return res, err
	}
	_, err = s.store.RecordOutcome(models.Outcome{CaseID: c.ID, Interviewer: interviewer, StartedAt: started,
		Seconds: int(now.Sub(started).Seconds()), Code: cati.CodeComplete, Now: now},
		func(cs *models.CatiCase, _ []models.CatiAttempt) (models.CaseNext, error) {
			return models.CaseNext{Final: cati.CodeComplete, Disposition: cati.CodeComplete, FillQuota: true}, nil
		})
	return res, modelErr(err)
}

// keepSlots makes sure the case still holds a slot in every cell its
// screening matches, reserving again those released.
func (s *Service) keepSlots(c *models.CatiCase, interviewer uint64, screened map[string]string, now time.Time, policy cati.Policy) error {
	want, err := s.matchingCells(c, screened)
	if err != nil {
		return err
	}
	have, err := s.store.CaseReservations(c.ID)
	if err != nil {
		return storeErr(err)
	}
	if len(have) == len(want) {
		return nil
	}
	return modelErr(s.store.ReserveQuota(models.Reserve{CaseID: c.ID, Interviewer: interviewer, CellIDs: want,
		Now: now, Until: now.Add(policy.Hold), Screened: c.Screened}))
}

// caseKey is the respondent key of a telephone case: one interview each.
func caseKey(caseID uint64) string { return "cati:" + strconv.FormatUint(caseID, 10) }

// CallOutcome is the end of a call other than a completed interview.
type CallOutcome struct {
	Code       string     `json:"code"`
	CallbackAt *time.Time `json:"callback_at,omitempty"`
	Note       string     `json:"note,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	// DoNotCall puts the number on the do-not-call list (a refusal that
	// asks never to be called again).
	DoNotCall bool `json:"do_not_call,omitempty"`
}

// OutcomeResult is what became of the case.
type OutcomeResult struct {
	CaseID      uint64     `json:"case_id"`
	State       string     `json:"state"`
	Disposition string     `json:"disposition"`
	FinalCode   string     `json:"final_code,omitempty"`
	DueAt       *time.Time `json:"due_at,omitempty"`
	Appointment *time.Time `json:"appointment,omitempty"`
}

// RecordOutcome records an AAPOR disposition for a call on a held case and
// schedules it by the survey's policy: retries spaced into another time
// slot, appointments at their time for the same interviewer first, a final
// code after the last attempt. Its quota slots are released.
func (s *Service) RecordOutcome(caseID, interviewer uint64, o CallOutcome, now time.Time) (*OutcomeResult, error) {
	c, _, err := s.heldCase(caseID, interviewer, now)
	if err != nil {
		return nil, err
	}
	if d, ok := cati.Lookup(o.Code); ok && d.Code == cati.CodeComplete {
		return nil, &questionnaire.InvalidError{Fields: map[string]string{"code": "完成访问请提交问卷 a complete is recorded by submitting the interview"}}
	}
	_, policy, err := s.CatiSettingsOf(c.SurveyID)
	if err != nil {
		return nil, err
	}
	started := now
	if o.StartedAt != nil && o.StartedAt.Before(now) && now.Sub(*o.StartedAt) < 24*time.Hour {
		started = *o.StartedAt
	}
	if len([]rune(o.Note)) > 200 {
		return nil, &questionnaire.InvalidError{Fields: map[string]string{"note": "备注不超过200字 at most 200 characters"}}
	}
	code := o.Code
	if d, ok := cati.Lookup(o.Code); ok {
		code = d.Code
	}
	var decideErr error
	out, err := s.store.RecordOutcome(models.Outcome{CaseID: c.ID, Interviewer: interviewer, StartedAt: started,
		Seconds: int(now.Sub(started).Seconds()), Code: code, CallbackAt: o.CallbackAt, Note: o.Note, Now: now},
		func(cs *models.CatiCase, hist []models.CatiAttempt) (models.CaseNext, error) {
			prev := make([]cati.Attempt, len(hist))
			for i, a := range hist {
				prev[i] = cati.Attempt{At: a.StartedAt, Interviewer: a.Interviewer, Code: a.Outcome, Callback: a.CallbackAt}
			}
			n, err := policy.After(prev, cati.Attempt{At: started, Interviewer: interviewer, Code: code, Callback: o.CallbackAt})
			if err != nil {
				decideErr = err
				return models.CaseNext{}, err
			}
			next := models.CaseNext{Final: n.Final, Disposition: n.Disposition, Due: n.Due, Appointment: n.Appointment, PreferUntil: n.PreferUntil}
			if n.PreferredBy != 0 {
				by := n.PreferredBy
				next.PreferredBy = &by
			}
			return next, nil
		})
	if decideErr != nil {
		field := "code"
		if errors.Is(decideErr, cati.ErrCallback) {
			field = "callback_at"
		}
		return nil, &questionnaire.InvalidError{Fields: map[string]string{field: decideErr.Error()}}
	}
	if err != nil {
		return nil, modelErr(err)
	}
	if o.DoNotCall {
		if err := s.store.AddDoNotCall(c.PhoneHash); err != nil {
			return nil, storeErr(err)
		}
	}
	r := &OutcomeResult{CaseID: out.ID, State: out.State, Disposition: out.Disposition, FinalCode: out.FinalCode, Appointment: out.Appointment}
	if out.State == models.CaseQueued {
		due := out.DueAt
		r.DueAt = &due
	}
	return r, nil
}

// RunReservationSweep releases quota slots whose hold lapsed every
// interval until ctx ends, so that the supervisor's grid shows what is
// really reserved (a full-looking cell also releases its own when asked).
func (s *Service) RunReservationSweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := s.store.SweepReservations(time.Now()); err != nil {
			slog.Warn("sweep lapsed quota reservations", slog.Any("error", err))
		} else if n > 0 {
			slog.Info("released lapsed quota reservations", slog.Int("reservations", n))
		}
	}
}

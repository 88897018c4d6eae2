package surveys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// claimTTL is how long a committed claim is kept when a survey has no close
// date: past any annual campaign.
const claimTTL = 400 * 24 * time.Hour

// SubmitInput is a submission with what the HTTP layer knows of its sender.
type SubmitInput struct {
	Slug       string
	Submission *questionnaire.Submission
	DeviceID   string // from the verified respondent cookie; "" if none
	ClientIP   string
	Channel    string
	// CaseKey is the respondent key of a telephone case (fieldwork_call.go):
	// set, it replaces the survey's dedup mode, one interview per case.
	CaseKey string
	// WeChatKey is the per-survey hash of the resident's openid, from the
	// signed WeChat sign-in cookie (WeChatSignIn); "" if none.
	WeChatKey string
	Now       time.Time
}

// SubmitResult is an accepted submission.
type SubmitResult struct {
	ResponseID string
	Replay     bool // the submission id had already been accepted: a retry
}

// Submit validates and stores a response, exactly once per respondent.
func (s *Service) Submit(ctx context.Context, in SubmitInput) (SubmitResult, error) {
	p, err := s.Published(in.Slug)
	if err != nil {
		return SubmitResult{}, err
	}
	if !p.Open(in.Now) {
		return SubmitResult{}, ErrClosed
	}
	sub := in.Submission
	answers, err := p.Compiled.Check(sub)
	if err != nil {
		return SubmitResult{}, err
	}
	key, err := s.respondentKey(p, in)
	if err != nil {
		return SubmitResult{}, err
	}
	if in.CaseKey != "" || p.Compiled.Def.Dedup != questionnaire.DedupPhone {
		return s.storeResponse(ctx, p, in, key, answers)
	}
	if !s.OTPRequired(p) {
		if err := s.checkRoster(p, sub.Phone, sub.Unit, false); err != nil {
			return SubmitResult{}, err
		}
		return s.storeResponse(ctx, p, in, key, answers)
	}
	// Phone mode with codes: the number must be the one the code was sent to.
	if err := s.checkOTP(ctx, p, sub); err != nil {
		// A retry of a submission already stored, after its code expired
		// or was locked: answered from the row, as any retry is.
		if errors.Is(err, identity.ErrInvalid) || errors.Is(err, identity.ErrLocked) {
			if prev, lerr := s.store.ResponseBySubmission(p.Survey.ID, strings.ToLower(sub.SubmissionID)); lerr == nil {
				return s.replay(prev, key)
			}
		}
		return SubmitResult{}, err
	}
	// The roster only after the code: only a verified number learns
	// whether it is on the list.
	err = s.checkRoster(p, sub.Phone, sub.Unit, false)
	var res SubmitResult
	if err == nil {
		res, err = s.storeResponse(ctx, p, in, key, answers)
	}
	if err != nil {
		s.releaseOTP(ctx, p, sub)
	}
	return res, err
}

// storeResponse stores a checked submission of respondent key, exactly once.
func (s *Service) storeResponse(ctx context.Context, p *Published, in SubmitInput, key string, answers []questionnaire.Answer) (SubmitResult, error) {
	sub := in.Submission
	claimKey := fmt.Sprintf("%d:%s", p.Survey.ID, key)

	// Fast path: the claim. Its failure never blocks a resident; the
	// database's unique index decides then.
	claim, err := s.claimer.Claim(ctx, claimKey, sub.SubmissionID)
	if err != nil {
		slog.Warn("dedup unavailable, relying on the database", slog.Any("error", err))
		claim = dedup.Result{State: dedup.Pending}
	}
	switch {
	case claim.State == dedup.Committed && claim.Holder != sub.SubmissionID:
		return SubmitResult{}, ErrDuplicate
	case claim.State != dedup.Won:
		// A retry, a concurrent duplicate, or a claim left by a crash:
		// the database knows which.
		if r, err := s.store.ResponseBySubmission(p.Survey.ID, sub.SubmissionID); err == nil {
			return s.replay(r, key)
		}
	}

	r := s.newResponse(p, in, key, answers)
	ttl := claimTTL
	if p.Survey.ClosesAt != nil {
		ttl = max(time.Until(*p.Survey.ClosesAt)+7*24*time.Hour, time.Hour)
	}
	err = s.writer.write(ctx, r, dedup.Commit{Key: claimKey, Submission: sub.SubmissionID, TTL: ttl})
	switch {
	case err == nil:
		s.wakeTallier()
		return SubmitResult{ResponseID: r.PublicID}, nil
	case errors.Is(err, models.ErrDuplicate):
		prev, err := s.store.ResponseBySubmission(p.Survey.ID, sub.SubmissionID)
		switch {
		case err == nil && prev.PublicID == r.PublicID:
			// This very insert committed, but its acknowledgement was
			// lost (a dropped connection, a failed-over node) and the
			// retry met the row: the response is new, not a replay.
			s.commitClaim(ctx, dedup.Commit{Key: claimKey, Submission: sub.SubmissionID, TTL: ttl})
			s.wakeTallier()
			return SubmitResult{ResponseID: r.PublicID}, nil
		case err == nil:
			return s.replay(prev, key)
		case !errors.Is(err, models.ErrNotFound):
			return SubmitResult{}, storeErr(fmt.Errorf("look up a duplicate submission: %w", err))
		}
		// Not this submission id: the respondent's, unless the row the
		// unique index met is not yet visible where this read ran (a
		// cluster node still applying it). Then the resident's page sends
		// the same submission again, and is answered from the row.
		taken, err := s.store.RespondentStored(p.Survey.ID, key)
		switch {
		case err != nil:
			return SubmitResult{}, storeErr(fmt.Errorf("look up a duplicate respondent: %w", err))
		case !taken:
			return SubmitResult{}, fmt.Errorf("%w: a duplicate row not visible yet", ErrUnavailable)
		}
		return SubmitResult{}, ErrDuplicate
	default:
		if claim.State == dedup.Won {
			if err := s.claimer.Release(context.WithoutCancel(ctx), claimKey, sub.SubmissionID); err != nil {
				slog.Warn("dedup release failed", slog.Any("error", err))
			}
		}
		return SubmitResult{}, storeErr(fmt.Errorf("store response: %w", err))
	}
}

// commitClaim marks a claim committed; the database still refuses
// duplicates when Redis does not answer.
func (s *Service) commitClaim(ctx context.Context, c dedup.Commit) {
	if err := s.claimer.CommitMany(context.WithoutCancel(ctx), []dedup.Commit{c}); err != nil {
		slog.Warn("dedup commit failed; the database still refuses duplicates", slog.Any("error", err))
	}
}

// replay answers a retried submission with the response it created, unless
// the submission id is somebody else's.
func (s *Service) replay(r *models.Response, key string) (SubmitResult, error) {
	if r.RespondentKey != key {
		return SubmitResult{}, &questionnaire.InvalidError{Fields: map[string]string{
			"submission_id": "此提交编号已被使用，请刷新页面 submission_id already used; reload the page",
		}}
	}
	return SubmitResult{ResponseID: r.PublicID, Replay: true}, nil
}

// respondentKey is who answers, by the survey's dedup mode (see
// respondent.go for the format).
func (s *Service) respondentKey(p *Published, in SubmitInput) (string, error) {
	if in.CaseKey != "" {
		return in.CaseKey, nil
	}
	switch p.Compiled.Def.Dedup {
	case questionnaire.DedupPhone:
		phone, ok := identity.NormalizePhone(in.Submission.Phone)
		if !ok {
			return "", &questionnaire.InvalidError{Fields: map[string]string{
				"phone": "请填写11位手机号码 enter an 11-digit mainland mobile number",
			}}
		}
		// Keyed per survey, so the same person cannot be linked across surveys.
		return phoneKey(s.hash("phone", fmt.Sprintf("%d:%s", p.Survey.ID, phone))), nil
	case questionnaire.DedupWeChat:
		return s.wechatRespondent(in.WeChatKey)
	case questionnaire.DedupToken:
		tok := strings.TrimSpace(in.Submission.Token)
		if tok == "" || len(tok) > 64 {
			return "", ErrForbidden
		}
		t, err := s.store.TokenByHash(p.Survey.ID, s.hash("token", strings.ToLower(tok)), s.hash("token", normalizeShort(tok)))
		if errors.Is(err, models.ErrNotFound) {
			return "", ErrForbidden
		} else if err != nil {
			return "", storeErr(err)
		}
		if t.UnitCode != "" && t.UnitCode != in.Submission.Unit {
			return "", &questionnaire.InvalidError{Fields: map[string]string{"unit": "此邀请码属于另一个单位 this invitation is for another unit"}}
		}
		return tokenKey(t.ID), nil
	default:
		if in.DeviceID == "" {
			return "", ErrForbidden
		}
		return deviceKey(in.DeviceID), nil
	}
}

func (s *Service) newResponse(p *Published, in SubmitInput, key string, answers []questionnaire.Answer) *models.Response {
	r := &models.Response{
		PublicID:      uuid.NewString(),
		SurveyID:      p.Survey.ID,
		VersionID:     p.Version,
		UnitCode:      in.Submission.Unit,
		RespondentKey: key,
		SubmissionID:  strings.ToLower(in.Submission.SubmissionID),
		Channel:       in.Channel,
		SubmittedAt:   in.Now.UTC(),
	}
	if in.ClientIP != "" {
		// Keyed by survey too, so two surveys' rows cannot be joined on
		// the address; the quality flags compare within one survey only.
		r.IPHash = s.hash("ip", fmt.Sprintf("%d:%s", p.Survey.ID, in.ClientIP))
	}
	var duration time.Duration
	if st := in.Submission.StartedAt; st != nil && st.Before(in.Now) && in.Now.Sub(*st) < 30*24*time.Hour {
		started := st.UTC()
		r.StartedAt = &started
		duration = in.Now.Sub(started)
		ms := duration.Milliseconds()
		r.DurationMS = &ms
	}
	fc := s.quality.flagContext(p.Survey.ID, in.Now, in.ClientIP, in.DeviceID, p.Compiled.Def.Dedup == questionnaire.DedupPhone)
	fc.Untimed = r.StartedAt == nil
	r.Flags = strings.Join(p.Compiled.Flags(answers, duration, fc), ",")
	r.Choices, r.Texts = questionnaire.EncodeAnswers(answers)
	return r
}

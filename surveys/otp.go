package surveys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Text-message codes for phone mode. With codes on (UseOTP: an SMS
// provider is configured), a phone-mode submission must carry a code sent
// to its number: the number is verified, not merely typed. With codes off,
// phone mode counts typed numbers, as before codes existed.
//
// A code is checked only after the questionnaire validates (a resident
// fixing a missed question does not spend it), and given back when the
// response is not stored, so a resident answered 503 sends again with the
// same code. It is bound to the submission id it was accepted for: the
// page's retries of one submission are accepted, another submission with
// the same code is not.

// Errors of the code flow; the identity package's (ErrBadPhone, a
// *identity.WaitError, a *identity.CodeError) reach the caller as they are.
var (
	// ErrNoOTP: the survey does not use text-message codes (not phone
	// mode, or no SMS provider configured).
	ErrNoOTP = errors.New("surveys: this survey does not use text-message codes")
	// ErrSMSFailed: the provider did not take the message; the error text
	// carries the provider's code and a hint for staff.
	ErrSMSFailed = errors.New("surveys: the text message could not be sent")
)

// UseOTP turns text-message codes on for phone-mode surveys.
func (s *Service) UseOTP(o *identity.OTP) { s.otp = o }

// OTPConfig is the code rules in force (the zero Config when codes are off).
func (s *Service) OTPConfig() identity.Config {
	if s.otp == nil {
		return identity.Config{}
	}
	return s.otp.Config
}

// OTPOn reports whether text-message codes are on: phone-mode surveys
// then verify every number.
func (s *Service) OTPOn() bool { return s.otp != nil }

// OTPRequired reports whether submissions to p must carry a code.
func (s *Service) OTPRequired(p *Published) bool {
	return s.otp != nil && p.Compiled.Def.Dedup == questionnaire.DedupPhone
}

// otpScope is what a survey's codes are for: a code sent for one survey is
// unknown to every other.
func otpScope(p *Published) string { return strconv.FormatUint(p.Survey.ID, 10) }

// SendOTP texts a code for the published survey slug to phone, asked for
// from the client address addr for unit ("" = not said). A survey with a
// roster texts only the numbers on it (for unit, when given):
// ErrNotOnRoster.
func (s *Service) SendOTP(ctx context.Context, slug, phone, unit, addr string, now time.Time) error {
	p, err := s.Published(slug)
	if err != nil {
		return err
	}
	if !p.Open(now) {
		return ErrClosed
	}
	if !s.OTPRequired(p) {
		return ErrNoOTP
	}
	if unit != "" && !unitOf(p, unit) {
		return ErrUnknownUnit
	}
	if err := s.checkRoster(p, phone, unit, unit == ""); err != nil {
		return err
	}
	err = s.otp.Send(ctx, identity.SendRequest{Scope: otpScope(p), Phone: phone, Address: addr})
	var smsErr *sms.Error
	var wait *identity.WaitError
	switch {
	case err == nil, errors.Is(err, identity.ErrBadPhone), errors.As(err, &wait):
		return err
	case errors.As(err, &smsErr):
		return fmt.Errorf("%w: survey %s: %v; %s", ErrSMSFailed, slug, err, smsErr.StaffHint())
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// checkOTP verifies the code of a phone-mode submission, spending it on
// the submission id. A code missing or not six digits is an invalid
// field; the store failing is ErrUnavailable.
func (s *Service) checkOTP(ctx context.Context, p *Published, sub *questionnaire.Submission) error {
	err := s.otp.Verify(ctx, s.otpCheck(p, sub))
	var ce *identity.CodeError
	var wait *identity.WaitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ce) && ce.Outcome == identity.Malformed:
		return &questionnaire.InvalidError{Fields: map[string]string{
			"otp": "请填写短信中的6位验证码 enter the 6-digit code from the text message",
		}}
	case errors.As(err, &ce), errors.As(err, &wait):
		return err
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// releaseOTP gives a submission's code back: its response was not stored.
func (s *Service) releaseOTP(ctx context.Context, p *Published, sub *questionnaire.Submission) {
	if err := s.otp.Release(context.WithoutCancel(ctx), s.otpCheck(p, sub)); err != nil {
		// The code stays spent on this submission id, whose retries the
		// page sends with the same id: they are still accepted.
		slog.Warn("surveys: give back a text-message code", slog.Any("error", err))
	}
}

func (s *Service) otpCheck(p *Published, sub *questionnaire.Submission) identity.CheckRequest {
	return identity.CheckRequest{Scope: otpScope(p), Phone: sub.Phone, Code: sub.OTP, Use: strings.ToLower(sub.SubmissionID)}
}

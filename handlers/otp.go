package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// maxOTPBody bounds a code request's body: one phone number.
const maxOTPBody = 1 << 10

// Errors of the text-message code flow (classifyOTP).
var (
	errBadPhone = &apiError{http.StatusBadRequest, "invalid_phone", "请填写11位手机号码 enter an 11-digit mainland mobile number"}
	errNoOTP    = &apiError{http.StatusConflict, "otp_not_used", "本调查不使用短信验证码 this survey does not use text-message codes"}
	// errRosterGuessing: past the budget of numbers off the roster (and
	// wrong invitation codes) from this address or for this survey.
	errRosterGuessing = &apiError{http.StatusTooManyRequests, "rate_limited", "尝试的号码过多，请稍后再试 too many numbers tried; try again later"}
)

// smsFailedMessage is all a resident is told when the provider failed;
// the log has the provider's code and what staff should check.
const smsFailedMessage = "短信发送失败，请稍后再试 the text message could not be sent; try again later"

// otpRequest is the body of a code request.
type otpRequest struct {
	Phone string `json:"phone"`
	Unit  string `json:"unit,omitempty"` // the unit's page; checked against the roster
}

// otpSentBody answers a code request: the code is on its way.
type otpSentBody struct {
	Status      string `json:"status"`       // "sent"
	ExpiresIn   int    `json:"expires_in"`   // seconds the code is valid
	ResendAfter int    `json:"resend_after"` // seconds before another may be asked for
}

// PostOTP handles POST /api/v1/surveys/:slug/otp {"phone"}: texts a
// six-digit code to the number, for a phone-mode survey with codes on.
// 202 sent · 400 malformed number · 403 not_on_roster · 404 unknown
// survey or unit · 409 otp_not_used · 410 closed · 429 beyond a limit
// (Retry-After) · 503 the provider failed.
func (a *App) PostOTP(c echo.Context) error {
	now := a.cfg.Clock()
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return errUnsupportedMedia
	}
	raw, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, maxOTPBody))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return &apiError{http.StatusRequestEntityTooLarge, "too_large", "提交内容过大 the body is too large"}
	case err != nil:
		return errMalformedBody
	}
	var req otpRequest
	if err := decodeStrict(raw, &req); err != nil {
		return errMalformedBody
	}
	if !questionnaire.ValidSlug(c.Param("slug")) {
		return surveys.ErrNotFound
	}
	// A number off the roster counts against the guessing budget of
	// invitation codes: the answer tells whether a number is on the list.
	slug := c.Param("slug")
	if err := a.checkCodeBudget(c, slug); err != nil {
		if err == errCodeGuessing {
			return errRosterGuessing
		}
		return err
	}
	err = a.svc.SendOTP(c.Request().Context(), slug, req.Phone, req.Unit, clientKey(c), now)
	if errors.Is(err, surveys.ErrNotOnRoster) {
		a.countCodeFailure(c, slug)
	}
	if err != nil {
		return err
	}
	o := a.svc.OTPConfig()
	resend := 0
	for _, r := range o.PerNumber {
		if r.N == 1 {
			resend = max(resend, int(r.Per.Seconds()))
		}
	}
	return c.JSON(http.StatusAccepted, otpSentBody{Status: "sent", ExpiresIn: int(o.CodeTTL.Seconds()), ResendAfter: resend})
}

// decodeStrict reads one JSON object into v: no unknown fields, nothing after.
func decodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// classifyOTP maps the errors of the code flow; ok is false for others.
func classifyOTP(err error) (status int, detail errorDetail, ok bool) {
	var wait *identity.WaitError
	var ce *identity.CodeError
	switch {
	case errors.Is(err, identity.ErrBadPhone):
		return errBadPhone.Status, errorDetail{Code: errBadPhone.Code, Message: errBadPhone.Message,
			Fields: map[string]string{"phone": errBadPhone.Message}}, true
	case errors.As(err, &wait) && wait.Limit == "locked":
		return http.StatusTooManyRequests, errorDetail{Code: "otp_locked", Message: fmt.Sprintf(
			"验证码错误次数过多，请%d分钟后再试 too many wrong codes for this number; try again in %d minutes",
			(wait.RetryAfter()+59)/60, (wait.RetryAfter()+59)/60)}, true
	case errors.As(err, &wait):
		return http.StatusTooManyRequests, errorDetail{Code: "rate_limited", Message: fmt.Sprintf(
			"获取验证码过于频繁，请%d秒后再试 too many codes asked for; try again in %d seconds", wait.RetryAfter(), wait.RetryAfter())}, true
	case errors.As(err, &ce) && ce.Outcome == identity.Wrong:
		return http.StatusForbidden, errorDetail{Code: "otp_invalid", Message: fmt.Sprintf(
			"验证码错误，还可再试%d次 wrong code; %d tries left", ce.Left, ce.Left)}, true
	case errors.As(err, &ce):
		return http.StatusForbidden, errorDetail{Code: "otp_invalid",
			Message: "验证码已过期或已使用，请重新获取 the code has expired or was already used; ask for a new one"}, true
	case errors.Is(err, surveys.ErrSMSFailed):
		return http.StatusServiceUnavailable, errorDetail{Code: "sms_failed", Message: smsFailedMessage}, true
	case errors.Is(err, surveys.ErrNotOnRoster):
		return http.StatusForbidden, errorDetail{Code: "not_on_roster",
			Message: "此号码不在本次调查的名单中，请使用接到邀请的手机号 this number is not on the survey's list; use the number that was invited"}, true
	case errors.Is(err, surveys.ErrNoOTP):
		return errNoOTP.Status, errorDetail{Code: errNoOTP.Code, Message: errNoOTP.Message}, true
	}
	return 0, errorDetail{}, false
}

// retryAfterOf is the Retry-After a limit error asks for, or 0.
func retryAfterOf(err error) int {
	var wait *identity.WaitError
	if errors.As(err, &wait) {
		return wait.RetryAfter()
	}
	return 0
}

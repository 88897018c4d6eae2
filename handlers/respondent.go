package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// SurveyPage is the data of the respondent page template.
type SurveyPage struct {
	Def      *questionnaire.Definition
	Slug     string
	Version  int64
	State    string // "open", "answered", "closed" or "preview" (staff; submitting off)
	Endpoint string
	Scale    []questionnaire.Option
	Total    int
	// Dedup is the survey's dedup mode (device, token, phone or wechat); the
	// template falls back to Def.Dedup when it is empty.
	Dedup string
	// Token is an invitation token to put into the page (data-token on the
	// form), trimmed and at most 64 characters. The respondent page leaves
	// it empty: its body is cached and shared by every resident, so the
	// script reads the token from the address (?t=) instead.
	Token string
	// HasToken says the address carries an invitation (?t=): the page then
	// starts with the code card hidden. It is part of the cache key.
	HasToken bool
	// Unit is the unit a unit's page (/s/{slug}/u/{unit}) is bound to; Def
	// then holds only its areas, with its own summaries.
	Unit *questionnaire.Unit
	// Picker lists a campaign's units by category on an open link without
	// a unit, each linking to its own page.
	Picker []PickerGroup
	// VerifyPhone says a phone-mode survey verifies the number with a
	// text-message code (an SMS provider is configured): the page shows
	// the code field and the 获取验证码 button, posting to OTPEndpoint.
	VerifyPhone bool
	OTPEndpoint string
	// Privacy is the notice shown before the first question when the
	// survey collects a phone number or openid (nil: none).
	Privacy *questionnaire.PrivacyNotice
}

// GetSurveyPage handles GET /s/:slug[?t=TOKEN], the respondent page. An
// open link to a campaign shows the picker of its units instead.
func (a *App) GetSurveyPage(c echo.Context) error {
	p, err := a.published(c)
	if err != nil {
		return err
	}
	return a.surveyPage(c, p, nil)
}

// surveyPage renders the respondent page of p, for one unit when unit is
// set (its areas and summaries, the answers bound to it).
func (a *App) surveyPage(c echo.Context, p *surveys.Published, unit *questionnaire.Unit) error {
	device := a.ensureDevice(c) // every mode issues the cookie
	mode := p.Compiled.Def.Dedup
	if mode == "" {
		mode = questionnaire.DedupDevice
	}
	state := "open"
	if !p.Open(time.Now()) {
		state = "closed"
	} else if mode == questionnaire.DedupWeChat {
		if done, err := a.wechatGate(c, p, device); done {
			return err
		}
		if answered, err := a.svc.WeChatAnswered(p, a.wechatSignedIn(c, p)); err == nil && answered {
			state = "answered"
		}
	} else if mode == questionnaire.DedupDevice {
		// Only the device is known before submitting: token and phone
		// surveys learn who answered from the submission itself.
		answered, err := a.svc.DeviceAnswered(p, device)
		if err == nil && answered {
			state = "answered"
		}
	}
	// The invitation of the address: ?t= as printed in invitation links (or
	// the older ?token=), trimmed; longer than any token (64) is none, as in
	// the script.
	token := strings.TrimSpace(c.QueryParam("t"))
	if token == "" {
		token = strings.TrimSpace(c.QueryParam("token"))
	}
	hasToken := mode == questionnaire.DedupToken && state == "open" && token != "" && len(token) <= 64
	if hasToken {
		// The funnel's "opened" step: the first visit of a texted link.
		if err := a.svc.InvitationOpened(p.Survey.ID, token, a.cfg.Clock()); err != nil {
			c.Logger().Errorf("invitation opened: %v", err)
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	// The body is cached per version, state, unit and, for token surveys,
	// whether the address has a token; the token itself never enters the body.
	page := SurveyPage{
		Def:      p.Compiled.Def,
		Slug:     p.Survey.Slug,
		Version:  int64(p.Version),
		State:    state,
		Endpoint: "/api/v1/surveys/" + p.Survey.Slug + "/responses",
		Scale:    p.Compiled.ScaleOptions(),
		Total:    p.Compiled.QuestionCount(),
		Dedup:    mode,
		HasToken: hasToken,
		Privacy:  p.Compiled.Def.PrivacyNotice(),
	}
	if a.svc.OTPRequired(p) {
		page.VerifyPhone = true
		page.OTPEndpoint = "/api/v1/surveys/" + p.Survey.Slug + "/otp"
	}
	unitKey := ""
	switch {
	case unit != nil:
		unitKey = unit.Code
		page.Def = p.Compiled.ForUnit(unit.Code)
		page.Unit = &page.Def.Units[0]
		page.Total = page.Def.QuestionCount()
	case p.Compiled.IsCampaign():
		unitKey = "*"
		page.Def = p.Compiled.Directory()
		page.Picker = pickerGroups(p.Compiled)
	}
	key := fmt.Sprintf("page/%d/%s/%t/%s/%t", p.Version, state, hasToken, unitKey, page.VerifyPhone)
	return a.bodies.serve(c, key, echo.MIMETextHTMLCharsetUTF8, func() ([]byte, error) {
		var b bytes.Buffer
		err := a.templates.ExecuteTemplate(&b, "survey.html", page)
		return b.Bytes(), err
	})
}

// surveyBody is the published questionnaire as the API returns it.
type surveyBody struct {
	*questionnaire.Definition
	Version uint64 `json:"version"`
	Open    bool   `json:"open"`
	// VerifyPhone: submissions carry "otp", a code asked for at
	// POST /api/v1/surveys/{slug}/otp (phone mode, SMS configured).
	VerifyPhone bool `json:"verify_phone,omitempty"`
	// PrivacyNotice is what the page shows before the first question
	// when the survey collects a phone number or openid.
	PrivacyNotice *questionnaire.PrivacyNotice `json:"privacy_notice,omitempty"`
}

// GetSurvey handles GET /api/v1/surveys/:slug[?unit=CODE]: the published
// questionnaire; with ?unit= as that unit's residents see it (its areas,
// its summaries), and without, for a campaign, the units without their
// summaries. It also sets the respondent cookie, for clients that skip the page.
func (a *App) GetSurvey(c echo.Context) error {
	p, err := a.published(c)
	if err != nil {
		return err
	}
	unit := c.QueryParam("unit")
	def := p.Compiled.Def
	switch {
	case unit != "":
		if p.Compiled.Unit(unit) == nil {
			return surveys.ErrUnknownUnit
		}
		def = p.Compiled.ForUnit(unit)
	case p.Compiled.IsCampaign():
		def = p.Compiled.Directory()
	}
	a.ensureDevice(c)
	c.Response().Header().Set("Cache-Control", "no-store")
	open := p.Open(time.Now())
	verify := a.svc.OTPRequired(p)
	key := fmt.Sprintf("survey/%d/%t/%s/%t", p.Version, open, unit, verify)
	return a.bodies.serve(c, key, echo.MIMEApplicationJSON, func() ([]byte, error) {
		return json.Marshal(surveyBody{def, p.Version, open, verify, def.PrivacyNotice()})
	})
}

// acceptedBody answers an accepted submission.
type acceptedBody struct {
	ResponseID string `json:"response_id"`
	Status     string `json:"status"`
}

// readSubmission reads a submission body: JSON of at most MaxBodyBytes,
// decoded strictly (the web page's and the telephone console's alike).
func readSubmission(c echo.Context) (*questionnaire.Submission, error) {
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); err != nil || mt != echo.MIMEApplicationJSON {
		return nil, errUnsupportedMedia
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, errTooLarge
	case err != nil:
		return nil, errMalformedBody
	}
	return questionnaire.DecodeSubmission(body)
}

// PostResponse handles POST /api/v1/surveys/:slug/responses.
func (a *App) PostResponse(c echo.Context) error {
	now := a.cfg.Clock()
	p, err := a.published(c)
	if err != nil {
		return err
	}
	if !p.Open(now) {
		return surveys.ErrClosed
	}
	sub, err := readSubmission(c)
	if err != nil {
		return err
	}
	device := a.deviceID(c)
	if p.Compiled.Def.Dedup == questionnaire.DedupDevice && device == "" {
		return errNoCookie
	}
	wechatKey := ""
	if wechatMode(p) {
		wechatKey = a.wechatSignedIn(c, p)
	}
	// Short codes (40 bits) are guessable in principle: a budget of wrong
	// ones. Link tokens (128 bits, 26 characters) are not, and skip it, so
	// that spending a survey's budget does not stop residents with links.
	byCode := p.Compiled.Def.Dedup == questionnaire.DedupToken && len(strings.TrimSpace(sub.Token)) < maxShortCodeInput
	if byCode {
		if err := a.checkCodeBudget(c, p.Survey.Slug); err != nil {
			return err
		}
	}
	res, err := a.svc.Submit(c.Request().Context(), surveys.SubmitInput{
		Slug:       p.Survey.Slug,
		Submission: sub,
		DeviceID:   device,
		ClientIP:   clientAddress(c),
		Channel:    "web",
		WeChatKey:  wechatKey,
		Now:        now,
	})
	if byCode && errors.Is(err, surveys.ErrForbidden) {
		a.countCodeFailure(c, p.Survey.Slug)
	}
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if res.Replay {
		status = http.StatusOK
	}
	return c.JSON(status, acceptedBody{ResponseID: res.ResponseID, Status: "accepted"})
}

// published returns the published survey the route's :slug names. A slug
// that cannot be one is not looked up: MySQL's collations would match
// "social-2022 " or "SOCIAL-2022" to "social-2022" and serve it under that name.
func (a *App) published(c echo.Context) (*surveys.Published, error) {
	slug := c.Param("slug")
	if !questionnaire.ValidSlug(slug) {
		return nil, surveys.ErrNotFound
	}
	p, err := a.svc.Published(slug)
	var stale *questionnaire.DefinitionError
	if errors.As(err, &stale) {
		// A stored version the validator refuses is the server's fault: a
		// 500, logged in full, not a 422 listing the definition to residents.
		return nil, fmt.Errorf("handlers: published version of %s: %v", slug, err)
	}
	return p, err
}

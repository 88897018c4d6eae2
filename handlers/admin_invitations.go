package handlers

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
)

// MaxInvitationBytes bounds an uploaded invitation or do-not-contact list.
const MaxInvitationBytes = 2 << 20

// inviteRuns are this instance's sending runs, one per survey at a time.
// Runs on other instances are kept apart by the claims of each number
// (surveys/invitations.go), so a number is texted once either way.
type inviteRuns struct {
	mu   sync.Mutex
	runs map[uint64]*inviteRun
}

// inviteRun is the state of a survey's latest run, as GET shows it.
type inviteRun struct {
	Kind     string          `json:"kind"` // "send" or "remind"
	Running  bool            `json:"running"`
	Started  time.Time       `json:"started"`
	Finished *time.Time      `json:"finished,omitempty"`
	Result   surveys.SendRun `json:"result"`
	Error    string          `json:"error,omitempty"`
}

func (r *inviteRuns) get(id uint64) *inviteRun {
	r.mu.Lock()
	defer r.mu.Unlock()
	if run, ok := r.runs[id]; ok {
		cp := *run
		return &cp
	}
	return nil
}

// start runs f for survey id unless a run of it is going.
func (r *inviteRuns) start(id uint64, kind string, f func(context.Context) (surveys.SendRun, error)) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs == nil {
		r.runs = map[uint64]*inviteRun{}
	}
	if run, ok := r.runs[id]; ok && run.Running {
		return false
	}
	run := &inviteRun{Kind: kind, Running: true, Started: time.Now().UTC()}
	r.runs[id] = run
	go func() {
		res, err := f(context.Background())
		r.mu.Lock()
		defer r.mu.Unlock()
		now := time.Now().UTC()
		run.Running, run.Finished, run.Result = false, &now, res
		if err != nil {
			run.Error = err.Error()
			slog.Warn("invitation run stopped", slog.Uint64("survey", id), slog.String("kind", kind), slog.Any("error", err))
		}
	}()
	return true
}

// readList reads an uploaded list of numbers: one a line, or the first
// column of a CSV file (text/csv or text/plain), or {"phones": [...]}.
func readList(c echo.Context) ([]string, error) {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	if mt == echo.MIMEApplicationJSON { // the designer's page: {"phones": [...]}
		var in struct {
			Phones []string `json:"phones"`
		}
		if err := bindJSON(c, &in); err != nil {
			return nil, err
		}
		return in.Phones, nil
	}
	if mt != "text/csv" && mt != "text/plain" && mt != "application/vnd.ms-excel" {
		return nil, &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "请以 text/csv 上传号码 send the numbers as text/csv"}
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxInvitationBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &apiError{http.StatusRequestEntityTooLarge, "too_large", "号码文件超过2MB the list is larger than 2 MB"}
	case err != nil:
		return nil, errMalformedBody
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := strings.TrimPrefix(sc.Text(), "\ufeff")
		first, _, _ := strings.Cut(line, ",")
		out = append(out, strings.Trim(strings.TrimSpace(first), `"`))
	}
	return out, nil
}

// invitationsBody is GET …/invitations: the funnel per unit, the total
// ("unit": "*") and this instance's latest run.
type invitationsBody struct {
	Units []surveys.FunnelStep `json:"units"`
	Total surveys.FunnelStep   `json:"total"`
	Run   *inviteRun           `json:"run,omitempty"`
}

// GetInvitations handles GET /api/v1/admin/surveys/:id/invitations.
func (a *App) GetInvitations(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	f, err := a.svc.InvitationFunnel(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, invitationsBody{Units: f[:len(f)-1], Total: f[len(f)-1], Run: a.invites.get(id)})
}

// PostInvitations handles POST /api/v1/admin/surveys/:id/invitations[?unit=CODE]:
// a list of numbers (text/csv, one a line) added to the token-mode survey's
// invitation list for the unit → {"added", "duplicates", "invalid"}.
func (a *App) PostInvitations(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	phones, err := readList(c)
	if err != nil {
		return err
	}
	res, err := a.svc.AddInvitations(id, c.QueryParam("unit"), phones)
	if err != nil {
		return err
	}
	a.audit(c, "invitation.upload", &id, nil, c.QueryParam("unit"))
	return c.JSON(http.StatusOK, res)
}

var errNoSMS = &apiError{http.StatusConflict, "sms_off", "未配置短信服务 text messages are not configured (MINYI_SMS_PROVIDER)"}

// PostInvitationSend handles POST /api/v1/admin/surveys/:id/invitations/send
// ({"per_second", "from_hour", "to_hour"}) and …/remind (also
// "after_days", "max_reminders"): the run starts in the background (202);
// GET …/invitations shows how it goes. 409 while a run of the survey goes.
func (a *App) PostInvitationSend(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	remind := strings.HasSuffix(c.Path(), "/remind")
	var o surveys.SendOptions
	if err := bindJSON(c, &o); err != nil {
		return err
	}
	if err := o.Validate(remind); err != nil {
		return err
	}
	if !a.svc.SMSOn() {
		return errNoSMS
	}
	if _, err := a.svc.SurveyDetail(id); err != nil {
		return err
	}
	o.LinkBase = c.Scheme() + "://" + c.Request().Host
	kind, f := "send", a.svc.SendInvitations
	if remind {
		kind, f = "remind", a.svc.RemindInvitations
	}
	if !a.invites.start(id, kind, func(ctx context.Context) (surveys.SendRun, error) { return f(ctx, id, o) }) {
		return &apiError{http.StatusConflict, "running", "本调查的短信正在发送 this survey's messages are being sent"}
	}
	a.audit(c, "invitation."+kind, &id, nil, "")
	return c.JSON(http.StatusAccepted, map[string]any{"started": kind})
}

// PostDoNotContact handles POST /api/v1/admin/do-not-contact: numbers
// (text/csv) never texted again by any survey → {"added"}.
func (a *App) PostDoNotContact(c echo.Context) error {
	phones, err := readList(c)
	if err != nil {
		return err
	}
	n, err := a.svc.AddDoNotContact(phones, "admin")
	if err != nil {
		return err
	}
	a.audit(c, "invitation.do_not_contact", nil, nil, "")
	return c.JSON(http.StatusOK, map[string]int{"added": n})
}

// smsCallback checks the secret in the callback's address
// (MINYI_SMS_CALLBACK_SECRET); without one configured the endpoints are 404.
func (a *App) smsCallback(c echo.Context) error {
	want := a.cfg.SMSCallbackSecret
	if want == "" || subtle.ConstantTimeCompare([]byte(c.Param("secret")), []byte(want)) != 1 {
		return echo.ErrNotFound
	}
	return nil
}

// smsReport is one delivery report or reply, as Alibaba Cloud (SmsReport,
// SmsUp) or Tencent Cloud (callback of status, reply) post it.
type smsReport struct {
	BizID   string `json:"biz_id"`        // Alibaba
	Success *bool  `json:"success"`       // Alibaba
	SID     string `json:"sid"`           // Tencent
	Status  string `json:"report_status"` // Tencent: SUCCESS or FAIL
	Phone   string `json:"phone_number"`  // Alibaba reply
	Mobile  string `json:"mobile"`        // Tencent reply
	Content string `json:"content"`       // Alibaba reply
	Text    string `json:"text"`          // Tencent reply
}

// readReports reads a callback body: an array of reports or one report.
func readReports(c echo.Context) ([]smsReport, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxBodyBytes))
	if err != nil {
		return nil, errMalformedBody
	}
	var list []smsReport
	if err := json.Unmarshal(body, &list); err != nil {
		var one smsReport
		if err := json.Unmarshal(body, &one); err != nil {
			return nil, errMalformedBody
		}
		list = []smsReport{one}
	}
	return list, nil
}

// callbackOK is the answer both providers take as received.
var callbackOK = map[string]any{"code": 0, "msg": "成功", "result": 0, "errmsg": "OK"}

// PostSMSReceipts handles POST /api/v1/sms/receipts/:secret, the
// providers' delivery reports: each message id's delivered or failed.
func (a *App) PostSMSReceipts(c echo.Context) error {
	if err := a.smsCallback(c); err != nil {
		return err
	}
	list, err := readReports(c)
	if err != nil {
		return err
	}
	for _, r := range list {
		id, ok := r.BizID, r.Success != nil && *r.Success
		if id == "" {
			id, ok = r.SID, r.Status == "SUCCESS"
		}
		if id == "" {
			continue
		}
		if _, err := a.svc.RecordDelivery(id, ok); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, callbackOK)
}

// PostSMSReplies handles POST /api/v1/sms/replies/:secret, residents'
// replies: 退订, TD or T puts the number on the do-not-contact list.
func (a *App) PostSMSReplies(c echo.Context) error {
	if err := a.smsCallback(c); err != nil {
		return err
	}
	list, err := readReports(c)
	if err != nil {
		return err
	}
	for _, r := range list {
		phone, text := r.Phone, r.Content
		if phone == "" {
			phone, text = r.Mobile, r.Text
		}
		if phone != "" && surveys.IsOptOutReply(text) {
			if _, err := a.svc.AddDoNotContact([]string{phone}, "reply"); err != nil {
				return err
			}
		}
	}
	return c.JSON(http.StatusOK, callbackOK)
}

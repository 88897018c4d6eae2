package surveys

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/cati"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// The sending runs of text-message invitations (invitations.go): paced,
// within the allowed hours, at most once per number.

// SendOptions say how fast, when and with what link invitations go out.
type SendOptions struct {
	// PerSecond paces the messages (at most this many a second).
	PerSecond float64 `json:"per_second"`
	// FromHour and ToHour bound the sending hours, China time: a message
	// goes out only when FromHour <= hour < ToHour.
	FromHour int `json:"from_hour"`
	ToHour   int `json:"to_hour"`
	// AfterDays is how long after the last message a non-responder is
	// reminded; MaxReminders how many reminders a number gets at most.
	AfterDays    float64 `json:"after_days"`
	MaxReminders int     `json:"max_reminders"`
	// LinkBase is the site's address, e.g. https://minyi.example.cn; the
	// link is LinkBase/s/{slug}?t=TOKEN.
	LinkBase string `json:"-"`
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time `json:"-"`
}

// Validate checks the options, with every problem per field.
func (o *SendOptions) Validate(reminders bool) error {
	fields := map[string]string{}
	if o.PerSecond <= 0 || o.PerSecond > 1000 {
		fields["per_second"] = "每秒0-1000条 between 0 and 1000 messages a second"
	}
	if o.FromHour < 0 || o.ToHour > 24 || o.FromHour >= o.ToHour {
		fields["from_hour"] = "允许时段须为0≤开始<结束≤24（北京时间）allowed hours must satisfy 0 <= from_hour < to_hour <= 24, China time"
	}
	if reminders {
		if o.AfterDays <= 0 || o.AfterDays > 60 {
			fields["after_days"] = "提醒间隔须为0-60天 the reminder interval must be between 0 and 60 days"
		}
		if o.MaxReminders < 1 || o.MaxReminders > 5 {
			fields["max_reminders"] = "提醒次数须为1-5次 between 1 and 5 reminders"
		}
	}
	if len(fields) > 0 {
		return &questionnaire.InvalidError{Fields: fields}
	}
	return nil
}

// ErrNoSMS refuses sending when no text-message provider is configured.
var ErrNoSMS = errors.New("未配置短信服务 text messages are not configured (MINYI_SMS_PROVIDER)")

// ErrOutsideHours stops sending outside the allowed hours; what is left is
// sent by a later run.
var ErrOutsideHours = errors.New("不在允许的发送时段 outside the allowed sending hours")

// SendRun is what one sending run did.
type SendRun struct {
	Sent       int   `json:"sent"`
	Failed     int   `json:"failed"`
	OptedOut   int   `json:"opted_out"`
	Answered   int   `json:"answered,omitempty"` // reminders not sent: the token had answered
	Reconciled int64 `json:"reconciled"`         // claims of an interrupted run, marked unknown
}

func (o *SendOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *SendOptions) inHours() bool {
	h := o.now().In(chinaTime).Hour()
	return h >= o.FromHour && h < o.ToHour
}

type inviteSender struct {
	s    *Service
	slug string
	o    SendOptions
	v    *cati.Vault
	pace *rate.Limiter // PerSecond messages a second, the first at once
}

func (s *Service) newInviteSender(id uint64, o SendOptions, reminders bool) (*inviteSender, error) {
	if s.sms == nil {
		return nil, ErrNoSMS
	}
	if err := o.Validate(reminders); err != nil {
		return nil, err
	}
	d, err := s.SurveyDetail(id)
	if err != nil {
		return nil, err
	}
	v, err := s.vault()
	if err != nil {
		return nil, err
	}
	return &inviteSender{s: s, slug: d.Slug, o: o, v: v, pace: rate.NewLimiter(rate.Limit(o.PerSecond), 1)}, nil
}

// message opens a row's number and link; ok false when purged.
func (w *inviteSender) message(inv models.Invitation, t sms.Template) (sms.Message, bool) {
	phone, err := w.v.Open(inv.PhoneSealed)
	if err != nil {
		return sms.Message{}, false
	}
	tok, err := w.v.OpenLink(inv.TokenSealed)
	if err != nil {
		return sms.Message{}, false
	}
	link := strings.TrimRight(w.o.LinkBase, "/") + "/s/" + w.slug
	if inv.UnitCode != "" { // the unit's own page, as the links of PostTokens
		link += "/u/" + url.PathEscape(inv.UnitCode)
	}
	link += "?t=" + tok
	return sms.Message{Phone: phone, Template: t, Params: []sms.Param{{Name: "link", Value: link}}}, true
}

// blocked says whether the row's number is on the do-not-contact list.
func (w *inviteSender) blocked(inv models.Invitation) (bool, error) {
	has, err := w.s.store.DoNotContactHas(inv.PhoneHash)
	return has, storeErr(err)
}

// SendInvitations texts every number of the survey's list not yet sent,
// paced, within the allowed hours, skipping the do-not-contact list. It
// stops when ctx ends (what is left goes out on the next run) or outside
// the allowed hours (ErrOutsideHours, with what was done).
func (s *Service) SendInvitations(ctx context.Context, id uint64, o SendOptions) (SendRun, error) {
	var run SendRun
	w, err := s.newInviteSender(id, o, false)
	if err != nil {
		return run, err
	}
	if run.Reconciled, err = s.store.ReconcileInvitations(id); err != nil {
		return run, storeErr(err)
	}
	for {
		rows, err := s.store.NextPending(id, 200)
		if err != nil {
			return run, storeErr(err)
		}
		if len(rows) == 0 {
			return run, nil
		}
		for _, inv := range rows {
			if err := ctx.Err(); err != nil {
				return run, err
			}
			if !o.inHours() {
				return run, ErrOutsideHours
			}
			if no, err := w.blocked(inv); err != nil {
				return run, err
			} else if no {
				if _, err := s.store.ClaimInvitation(inv.ID, models.InvitePending, models.InviteOptOut); err != nil {
					return run, storeErr(err)
				}
				run.OptedOut++
				continue
			}
			m, ok := w.message(inv, sms.Invitation)
			if !ok { // purged after the survey closed
				if _, err := s.store.ClaimInvitation(inv.ID, models.InvitePending, models.InviteFailed); err != nil {
					return run, storeErr(err)
				}
				run.Failed++
				continue
			}
			if err := w.pace.Wait(ctx); err != nil {
				return run, err
			}
			won, err := s.store.ClaimInvitation(inv.ID, models.InvitePending, models.InviteSending)
			if err != nil {
				return run, storeErr(err)
			}
			if !won { // another instance's sender has it
				continue
			}
			rc, sendErr := s.sms.Send(ctx, m)
			if sendErr != nil && ctx.Err() != nil {
				// Stopped mid-call: the provider may have the message.
				// The row stays "sending" and becomes "unknown" next run.
				return run, ctx.Err()
			}
			if refusedAll(sendErr) {
				// The provider sent nothing and will send nothing until
				// the rate passes or the settings are fixed: the number
				// goes back to the list and the run stops.
				if _, err := s.store.ClaimInvitation(inv.ID, models.InviteSending, models.InvitePending); err != nil {
					return run, storeErr(err)
				}
				return run, sendErr
			}
			state := models.InviteSent
			if sendErr != nil { // a bad number, or a call that may have reached the provider
				state = models.InviteFailed
				run.Failed++
			} else {
				run.Sent++
			}
			if err := s.store.SettleInvitation(inv.ID, state, rc.ID, o.now()); err != nil {
				return run, storeErr(err)
			}
		}
	}
}

// refusedAll says whether a send failed for every number alike — the
// provider's rate limit, the keys, the sign name or template — so that
// nothing was sent and the run should stop rather than use up the list.
func refusedAll(err error) bool {
	return errors.Is(err, sms.ErrThrottled) || errors.Is(err, sms.ErrBadCredentials) || errors.Is(err, sms.ErrRejected)
}

// RemindInvitations texts a reminder to every sent number whose token has
// not answered, whose last message is AfterDays old and that had fewer than
// MaxReminders, paced and within the allowed hours. A reminder is counted
// before it is sent: at most once, as the invitations.
func (s *Service) RemindInvitations(ctx context.Context, id uint64, o SendOptions) (SendRun, error) {
	var run SendRun
	w, err := s.newInviteSender(id, o, true)
	if err != nil {
		return run, err
	}
	before := o.now().Add(-time.Duration(o.AfterDays * float64(24*time.Hour)))
	var after uint64
	for {
		rows, err := s.store.ReminderCandidates(id, o.MaxReminders, before, after, 200)
		if err != nil {
			return run, storeErr(err)
		}
		if len(rows) == 0 {
			return run, nil
		}
		// Read per batch: a resident who answers during a long run is not reminded.
		answered, err := s.store.UsedRespondentKeys(id, tokenKeyPrefix)
		if err != nil {
			return run, storeErr(err)
		}
		for _, inv := range rows {
			after = inv.ID
			if err := ctx.Err(); err != nil {
				return run, err
			}
			if !o.inHours() {
				return run, ErrOutsideHours
			}
			if answered[tokenKey(inv.TokenID)] {
				run.Answered++
				continue
			}
			if no, err := w.blocked(inv); err != nil {
				return run, err
			} else if no {
				if _, err := s.store.ClaimInvitation(inv.ID, models.InviteSent, models.InviteOptOut); err != nil {
					return run, storeErr(err)
				}
				run.OptedOut++
				continue
			}
			m, ok := w.message(inv, sms.Reminder)
			if !ok {
				continue
			}
			if err := w.pace.Wait(ctx); err != nil {
				return run, err
			}
			won, err := s.store.ClaimReminder(inv.ID, inv.Reminders, o.now())
			if err != nil {
				return run, storeErr(err)
			}
			if !won {
				continue
			}
			rc, sendErr := s.sms.Send(ctx, m)
			if sendErr != nil {
				if ctx.Err() != nil {
					return run, ctx.Err()
				}
				if refusedAll(sendErr) { // nothing sent: the reminder is owed again
					if err := s.store.UnclaimReminder(inv.ID, inv.Reminders, inv.SentAt); err != nil {
						return run, storeErr(err)
					}
					return run, sendErr
				}
				run.Failed++
				continue
			}
			run.Sent++
			if err := s.store.SetReminderProvider(inv.ID, rc.ID); err != nil {
				return run, storeErr(err)
			}
		}
	}
}

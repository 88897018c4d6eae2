package surveys_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/sms/smstest"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const inviteSlug = "invite-2026"

// inviteSurvey creates and publishes a token-mode survey with units.
func inviteSurvey(t *testing.T, svc *surveys.Service) uint64 {
	t.Helper()
	raw, err := questionnaire.Builtin("campaign-2022")
	if err != nil {
		t.Fatal(err)
	}
	var def questionnaire.Definition
	if err := json.Unmarshal(raw, &def); err != nil {
		t.Fatal(err)
	}
	def.Slug, def.Dedup = inviteSlug, questionnaire.DedupToken
	id, err := svc.CreateSurvey(surveys.NewSurvey{Definition: &def})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Publish(id); err != nil {
		t.Fatal(err)
	}
	return id
}

// cutProvider passes messages to the fake and ends the run's context after
// the stop-th message, as a restart would.
type cutProvider struct {
	sms.Provider
	mu     sync.Mutex
	n      int
	stop   int
	cancel context.CancelFunc
}

func (p *cutProvider) Send(ctx context.Context, m sms.Message) (sms.Receipt, error) {
	r, err := p.Provider.Send(ctx, m)
	p.mu.Lock()
	p.n++
	if p.n == p.stop && p.cancel != nil {
		p.cancel()
	}
	p.mu.Unlock()
	return r, err
}

func fakeProvider(t *testing.T) (*smstest.Aliyun, sms.Provider) {
	t.Helper()
	f := smstest.NewAliyun(t)
	p, err := sms.New(f.Settings(), sms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return f, p
}

func phoneList(n, from int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("139%08d", from+i)
	}
	return out
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Query().Get("t") == "" {
		t.Fatalf("message link %q carries no token", link)
	}
	return u.Query().Get("t")
}

var noon = func() time.Time { return time.Date(2026, 12, 3, 4, 0, 0, 0, time.UTC) } // 12:00 China time

// TestInvitationsPacedAndResumable sends 1,000 invitations at a set pace,
// stops the sender after 400 as a restart would, and starts a new service
// on the same database: every number is texted once, none twice, and the
// run took at least the pace's time.
func TestInvitationsPacedAndResumable(t *testing.T) {
	const n, rate = 1000, 800.0
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f, p := fakeProvider(t)
			svc := surveystest.Service(t, b.Store)
			id := inviteSurvey(t, svc)
			up, err := svc.AddInvitations(id, "", append(phoneList(n, 0), "12345", "13900000001"))
			if err != nil {
				t.Fatal(err)
			}
			if up.Added != n || up.Duplicates != 1 || len(up.Invalid) != 1 {
				t.Fatalf("upload %+v: want %d added, 1 duplicate, 1 invalid", up, n)
			}
			opts := surveys.SendOptions{PerSecond: rate, FromHour: 8, ToHour: 21, LinkBase: "https://minyi.example.cn", Now: noon}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			svc.UseSMS(&cutProvider{Provider: p, stop: 400, cancel: cancel})
			start := time.Now()
			first, err := svc.SendInvitations(ctx, id, opts)
			if !errors.Is(err, context.Canceled) || first.Sent < 399 {
				t.Fatalf("the first run: %+v, %v; want it stopped after 400", first, err)
			}
			after := surveystest.Service(t, b.Store) // the restarted instance
			after.UseSMS(p)
			second, err := after.SendInvitations(context.Background(), id, opts)
			if err != nil {
				t.Fatal(err)
			}
			elapsed := time.Since(start)
			if min := time.Duration(float64(n-1) / rate * float64(time.Second)); elapsed < min*9/10 {
				t.Fatalf("1,000 messages took %v: not paced at %v a second (at least %v)", elapsed, rate, min)
			}
			seen := map[string]int{}
			for _, s := range f.Sent() {
				seen[s.Phone]++
				if seen[s.Phone] > 1 {
					t.Fatalf("%s texted twice", s.Phone)
				}
			}
			if len(seen) != n || first.Sent+second.Sent+int(second.Reconciled) != n {
				t.Fatalf("fake saw %d numbers; runs %+v then %+v: want %d", len(seen), first, second, n)
			}
			funnel, err := after.InvitationFunnel(id)
			if err != nil {
				t.Fatal(err)
			}
			if tot := funnel[len(funnel)-1]; tot.Sent != len(f.Sent()) || tot.Pending != 0 || tot.Listed != n {
				t.Fatalf("funnel %+v, fake saw %d", tot, len(f.Sent()))
			}
		})
	}
}

// TestInvitationRemindersOptOutsFunnel sends invitations to two units,
// honours the do-not-contact list, reports deliveries, opens and answers
// some links, then reminds: only non-responders, only after the interval,
// at most the maximum, only within the hours; the funnel equals what the
// fake saw.
func TestInvitationRemindersOptOutsFunnel(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f, p := fakeProvider(t)
			svc := surveystest.Service(t, b.Store)
			svc.UseSMS(p)
			id := inviteSurvey(t, svc)
			pub, err := svc.Published(inviteSlug)
			if err != nil {
				t.Fatal(err)
			}
			units := pub.Compiled.Def.Units
			if _, err := svc.AddInvitations(id, units[0].Code, phoneList(30, 100)); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.AddInvitations(id, units[1].Code, phoneList(20, 200)); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.AddInvitations(id, "nope", phoneList(1, 300)); err == nil {
				t.Fatal("a unit the survey does not have was accepted")
			}
			if _, err := svc.AddDoNotContact([]string{"+86 139 0000 0100", "13900000201"}, "admin"); err != nil {
				t.Fatal(err)
			}
			clock := noon()
			opts := surveys.SendOptions{PerSecond: 1000, FromHour: 8, ToHour: 21, AfterDays: 2, MaxReminders: 2,
				LinkBase: "https://minyi.example.cn", Now: func() time.Time { return clock }}
			late := opts
			late.Now = func() time.Time { return clock.Add(14 * time.Hour) } // 02:00 China time
			if run, err := svc.SendInvitations(context.Background(), id, late); err != surveys.ErrOutsideHours || run.Sent != 0 {
				t.Fatalf("at night: %+v, %v; want nothing sent and ErrOutsideHours", run, err)
			}
			// The provider's rate limit: nothing sent, the run stops, the number stays on the list.
			f.FailNext("isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
			stopped, err := svc.SendInvitations(context.Background(), id, opts)
			if !errors.Is(err, sms.ErrThrottled) || stopped.Sent != 0 || stopped.Failed != 0 {
				t.Fatalf("throttled: %+v, %v; want the run stopped with nothing sent", stopped, err)
			}
			run, err := svc.SendInvitations(context.Background(), id, opts)
			if err != nil || run.Sent != 48 || run.OptedOut+stopped.OptedOut != 2 {
				t.Fatalf("run %+v, %v: want 48 sent, 2 opted out", run, err)
			}
			sent := f.Sent()
			for _, s := range sent {
				if s.Phone == "13900000100" || s.Phone == "13900000201" {
					t.Fatalf("%s is on the do-not-contact list and was texted", s.Phone)
				}
			}
			// Deliveries: the first 40 delivered, the rest failed.
			var rows []models.Invitation
			if err := b.Store.R.Where("survey_id = ? AND state = ?", id, models.InviteSent).Order("id").Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			for i, r := range rows {
				if ok, err := svc.RecordDelivery(r.ProviderID, i < 40); err != nil || !ok {
					t.Fatalf("receipt %q: %v %v", r.ProviderID, ok, err)
				}
			}
			if ok, _ := svc.RecordDelivery("no-such-id", true); ok {
				t.Fatal("a receipt of no message was recorded")
			}
			// 15 open their link, 10 of them answer.
			rng := mrand.New(mrand.NewPCG(5, 5))
			answeredPhones := map[string]bool{}
			for i, s := range sent[:15] {
				tok := tokenOf(t, s.Params["link"])
				if err := svc.InvitationOpened(id, tok, clock); err != nil {
					t.Fatal(err)
				}
				if err := svc.InvitationOpened(id, tok, clock); err != nil { // a second open counts once
					t.Fatal(err)
				}
				if i >= 10 {
					continue
				}
				sub := surveystest.RandomSubmission(rng, pub.Compiled)
				for sub.Unit != unitOfPhone(s.Phone, units) {
					sub = surveystest.RandomSubmission(rng, pub.Compiled)
				}
				sub.Token = tok
				if _, err := svc.Submit(context.Background(), surveys.SubmitInput{Slug: inviteSlug, Submission: sub,
					DeviceID: fmt.Sprintf("dev-%d", i), ClientIP: "203.0.113.9", Channel: "test", Now: time.Now()}); err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				answeredPhones[s.Phone] = true
			}
			// One more resident replies TD.
			optOut := sent[20].Phone
			if !surveys.IsOptOutReply(" td ") || !surveys.IsOptOutReply("退订") || surveys.IsOptOutReply("好的") {
				t.Fatal("opt-out replies misread")
			}
			if _, err := svc.AddDoNotContact([]string{optOut}, "reply"); err != nil {
				t.Fatal(err)
			}

			// Too early: nothing. Then three rounds two days apart: at most two reminders.
			if r, err := svc.RemindInvitations(context.Background(), id, opts); err != nil || r.Sent != 0 {
				t.Fatalf("reminders before the interval: %+v %v", r, err)
			}
			before := len(f.Sent())
			for round := 1; round <= 3; round++ {
				clock = clock.Add(49 * time.Hour)
				r, err := svc.RemindInvitations(context.Background(), id, opts)
				if err != nil {
					t.Fatal(err)
				}
				want := 48 - 10 - 1
				if round == 3 {
					want = 0
				}
				if r.Sent != want {
					t.Fatalf("round %d: %+v, want %d reminders", round, r, want)
				}
			}
			perPhone := map[string]int{}
			for _, s := range f.Sent()[before:] {
				perPhone[s.Phone]++
				if answeredPhones[s.Phone] || s.Phone == optOut {
					t.Fatalf("%s reminded though it answered or opted out", s.Phone)
				}
				if s.Template != "SMS_154950911" {
					t.Fatalf("a reminder used template %s", s.Template)
				}
			}
			for ph, k := range perPhone {
				if k != 2 {
					t.Fatalf("%s reminded %d times, want 2", ph, k)
				}
			}

			funnel, err := svc.InvitationFunnel(id)
			if err != nil {
				t.Fatal(err)
			}
			if len(funnel) != 3 {
				t.Fatalf("funnel %+v: want two units and the total", funnel)
			}
			tot := funnel[2]
			invites := 0
			for _, s := range f.Sent() {
				if s.Template == "SMS_154950910" {
					invites++
				}
			}
			want := surveys.FunnelStep{Unit: "*", Listed: 50, Sent: invites - 1, Delivered: 40, Opened: 15, Completed: 10, OptedOut: 3}
			if tot != want {
				t.Fatalf("funnel total %+v, want %+v (the fake saw %d invitations)", tot, want, invites)
			}
			if funnel[0].Unit != units[0].Code || funnel[0].Listed != 30 || funnel[1].Listed != 20 {
				t.Fatalf("per unit %+v", funnel[:2])
			}
		})
	}
}

func unitOfPhone(phone string, units []questionnaire.Unit) string {
	if strings.HasPrefix(phone, "1390000010") || strings.HasPrefix(phone, "1390000011") || strings.HasPrefix(phone, "1390000012") {
		return units[0].Code
	}
	return units[1].Code
}

// TestInvitationNumbersPurged checks the retention purge clears the sealed
// numbers of the invitation list, and that a purged number is never texted.
func TestInvitationNumbersPurged(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f, p := fakeProvider(t)
			svc := surveystest.Service(t, b.Store)
			svc.UseSMS(p)
			id := inviteSurvey(t, svc)
			if _, err := svc.AddInvitations(id, "", phoneList(5, 500)); err != nil {
				t.Fatal(err)
			}
			var purged int64
			for _, pg := range models.Purgers() {
				if pg.Name != "invitation_numbers" {
					continue
				}
				n, err := pg.Purge(b.Store.W, id)
				if err != nil {
					t.Fatal(err)
				}
				purged = n
				if left, err := pg.Remaining(b.Store.R, id); err != nil || left != 0 {
					t.Fatalf("remaining %d %v", left, err)
				}
			}
			if purged != 5 {
				t.Fatalf("the purge cleared %d invitation numbers, want 5", purged)
			}
			run, err := svc.SendInvitations(context.Background(), id, surveys.SendOptions{PerSecond: 100, FromHour: 0, ToHour: 24, LinkBase: "https://x.example", Now: noon})
			if err != nil || run.Sent != 0 || run.Failed != 5 || len(f.Sent()) != 0 {
				t.Fatalf("after the purge: %+v %v, the fake saw %d", run, err, len(f.Sent()))
			}
		})
	}
}

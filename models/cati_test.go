package models_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/cati"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// pair is two stores on one database, as two app instances would have.
type pair struct {
	name string
	a, b *models.Store
}

// instancePairs opens two stores on one SQLite file, and two on one fresh
// MySQL database when configured (under CI, always).
func instancePairs(t testing.TB) []pair {
	t.Helper()
	dir := t.TempDir()
	open := func() *models.Store {
		s, err := models.OpenSQLite(dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if err := s.Migrate(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	out := []pair{{"sqlite", open(), open()}}
	if !surveystest.MySQLConfigured() {
		if surveystest.Required() {
			t.Fatalf("%s is required", surveystest.EnvMySQL)
		}
		t.Logf("%s not set: MySQL backend skipped", surveystest.EnvMySQL)
		return out
	}
	dsn := surveystest.MySQLDSN(t)
	return append(out, pair{"mysql", surveystest.OpenMySQL(t, dsn), surveystest.OpenMySQL(t, dsn)})
}

// t0 is 10:00 in Shanghai: within the default calling hours.
var t0 = time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)

// sample makes n sealed cases of a survey due at due, numbers 139xxxxxxxx
// from first.
func sample(t testing.TB, v *cati.Vault, surveyID uint64, unit string, first, n int, due time.Time) []models.CatiCase {
	t.Helper()
	out := make([]models.CatiCase, n)
	for i := range out {
		num := fmt.Sprintf("139%08d", first+i)
		sealed, err := v.Seal(num)
		if err != nil {
			t.Fatal(err)
		}
		hash, err := v.Hash(num)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = models.CatiCase{SurveyID: surveyID, Unit: unit, PhoneSealed: sealed, PhoneHash: hash, DueAt: due}
	}
	return out
}

func testVault(t testing.TB) *cati.Vault {
	t.Helper()
	v, err := cati.NewVault(surveystest.Secret)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// decide is the glue the telephone service puts between the store and the
// pure policy: the case's calls become cati attempts.
func decide(p cati.Policy, o models.Outcome) models.Decide {
	return func(c *models.CatiCase, hist []models.CatiAttempt) (models.CaseNext, error) {
		prev := make([]cati.Attempt, len(hist))
		for i, a := range hist {
			prev[i] = cati.Attempt{At: a.StartedAt, Interviewer: a.Interviewer, Code: a.Outcome, Callback: a.CallbackAt}
		}
		n, err := p.After(prev, cati.Attempt{At: o.StartedAt, Interviewer: o.Interviewer, Code: o.Code, Callback: o.CallbackAt})
		if err != nil {
			return models.CaseNext{}, err
		}
		next := models.CaseNext{Final: n.Final, Disposition: n.Disposition, Due: n.Due, Appointment: n.Appointment,
			PreferUntil: n.PreferUntil, FillQuota: n.Final == cati.CodeComplete}
		if n.PreferredBy != 0 {
			next.PreferredBy = &n.PreferredBy
		}
		return next, nil
	}
}

// record records code for a case the interviewer holds.
func record(s *models.Store, p cati.Policy, caseID, interviewer uint64, code string, now time.Time, callback *time.Time) (*models.CatiCase, error) {
	o := models.Outcome{CaseID: caseID, Interviewer: interviewer, StartedAt: now, Seconds: 40, Code: code, CallbackAt: callback, Now: now}
	return s.RecordOutcome(o, decide(p, o))
}

func TestAddCases(t *testing.T) {
	v := testVault(t)
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Store
			cs := sample(t, v, 1, "u01", 0, 5, t0)
			res, err := s.AddCases(append(cs, cs[0])) // one twice in the batch
			if err != nil {
				t.Fatal(err)
			}
			if res != (models.AddResult{Added: 5, Duplicates: 1}) {
				t.Errorf("first upload %+v", res)
			}
			// Again, with two new numbers, one of them on the do-not-call list.
			more := sample(t, v, 1, "u01", 3, 4, t0) // 3, 4 known; 5, 6 new
			if err := s.AddDoNotCall(more[3].PhoneHash, more[3].PhoneHash); err != nil {
				t.Fatal(err)
			}
			res, err = s.AddCases(more)
			if err != nil {
				t.Fatal(err)
			}
			if res != (models.AddResult{Added: 1, Duplicates: 2, DoNotCall: 1}) {
				t.Errorf("second upload %+v", res)
			}
			// The same number in another survey is another case.
			if res, err = s.AddCases(sample(t, v, 2, "", 0, 1, t0)); err != nil || res.Added != 1 {
				t.Errorf("other survey %+v %v", res, err)
			}
			on, err := s.OnDoNotCall(more[3].PhoneHash)
			if err != nil || !on {
				t.Errorf("OnDoNotCall = %v, %v", on, err)
			}
			counts, err := s.DispositionCounts(1)
			if err != nil || counts["3.11"] != 6 || len(counts) != 1 {
				t.Errorf("dispositions %v, %v: want 6 not attempted", counts, err)
			}
			// No number in clear in the table.
			var rows []models.CatiCase
			s.R.Find(&rows)
			for _, r := range rows {
				num, err := v.Open(r.PhoneSealed)
				if err != nil || !strings.HasPrefix(num, "139") {
					t.Errorf("case %d: Open = %q, %v", r.ID, num, err)
				}
				if strings.Contains(r.PhoneSealed+r.PhoneHash+r.Note, num[3:]) {
					t.Errorf("case %d holds its number in clear", r.ID)
				}
			}
		})
	}
}

// TestNextCaseMatchesPolicy puts each case in a survey of its own and asks
// for the next case of each: the store gives exactly the cases that
// cati.Policy.Callable calls callable (and never a do-not-call number).
func TestNextCaseMatchesPolicy(t *testing.T) {
	v := testVault(t)
	p := cati.DefaultPolicy()
	at := func(d time.Duration) *time.Time { x := t0.Add(d); return &x }
	u := func(id uint64) *uint64 { return &id }
	night := time.Date(2026, 3, 10, 14, 0, 0, 0, time.UTC) // 22:00 Shanghai
	early := time.Date(2026, 3, 10, 0, 57, 0, 0, time.UTC) // 08:57 Shanghai
	nineOClock := time.Date(2026, 3, 10, 1, 0, 0, 0, time.UTC)
	const me = 7
	tests := []struct {
		name string
		c    models.CatiCase
		now  time.Time
		dnc  bool
	}{
		{"fresh and due", models.CatiCase{}, t0, false},
		{"not yet due", models.CatiCase{DueAt: t0.Add(time.Minute)}, t0, false},
		{"closed", models.CatiCase{State: models.CaseClosed, FinalCode: "1.1"}, t0, false},
		{"held by another", models.CatiCase{Holder: u(8), HeldUntil: at(10 * time.Minute)}, t0, false},
		{"hold lapsed", models.CatiCase{Holder: u(8), HeldUntil: at(0)}, t0, false},
		{"held by me", models.CatiCase{Holder: u(me), HeldUntil: at(10 * time.Minute)}, t0, false},
		{"kept for another's appointment", models.CatiCase{Appointment: at(2 * time.Minute), PreferredBy: u(8), PreferUntil: at(7 * time.Minute)}, t0, false},
		{"my appointment", models.CatiCase{Appointment: at(2 * time.Minute), PreferredBy: u(me), PreferUntil: at(7 * time.Minute)}, t0, false},
		{"another's appointment, slack over", models.CatiCase{Appointment: at(-6 * time.Minute), PreferredBy: u(8), PreferUntil: at(-time.Minute)}, t0, false},
		{"at night", models.CatiCase{}, night, false},
		{"09:00 appointment at 08:57", models.CatiCase{DueAt: nineOClock.Add(-5 * time.Minute), Appointment: &nineOClock, PreferredBy: u(me), PreferUntil: at(0)}, early, false},
		{"do not call", models.CatiCase{}, t0, true},
	}
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			for i, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					survey := uint64(100 + i)
					c := sample(t, v, survey, "", i, 1, t0.Add(-time.Hour))[0]
					if _, err := b.Store.AddCases([]models.CatiCase{c}); err != nil {
						t.Fatal(err)
					}
					if tt.dnc {
						b.Store.AddDoNotCall(c.PhoneHash)
					}
					// Then give it the state under test.
					up := map[string]any{"holder": tt.c.Holder, "held_until": tt.c.HeldUntil, "appointment": tt.c.Appointment,
						"preferred_by": tt.c.PreferredBy, "prefer_until": tt.c.PreferUntil}
					if !tt.c.DueAt.IsZero() {
						up["due_at"] = tt.c.DueAt
					}
					if tt.c.State != "" {
						up["state"], up["final_code"] = tt.c.State, tt.c.FinalCode
					}
					if err := b.Store.W.Model(&models.CatiCase{}).Where("survey_id = ?", survey).Updates(up).Error; err != nil {
						t.Fatal(err)
					}
					stored := sample(t, v, survey, "", i, 1, t0)[0]
					b.Store.W.Where("survey_id = ?", survey).Take(&stored)
					state := cati.CaseState{Final: stored.FinalCode, Due: stored.DueAt, Appointment: stored.Appointment,
						PreferUntil: stored.PreferUntil, HeldUntil: stored.HeldUntil}
					if stored.PreferredBy != nil {
						state.PreferredBy = *stored.PreferredBy
					}
					if stored.Holder != nil {
						state.Holder = *stored.Holder
					}
					want := p.Callable(state, me, tt.now) && !tt.dnc
					got, err := b.Store.NextCase(models.Pick{SurveyID: survey, Interviewer: me, Now: tt.now, Hold: p.Hold,
						InHours: p.InHours(tt.now), Slack: p.Slack})
					switch {
					case want && err != nil:
						t.Fatalf("callable, but NextCase: %v", err)
					case !want && !errors.Is(err, models.ErrNoCase):
						t.Fatalf("not callable, but NextCase gave %+v, %v", got, err)
					case want && (got.Case.Holder == nil || *got.Case.Holder != me || got.Case.HeldUntil == nil):
						t.Fatalf("not held for the interviewer: %+v", got.Case)
					}
				})
			}
		})
	}
}

func TestNextCaseOrderAndUnits(t *testing.T) {
	v := testVault(t)
	p := cati.DefaultPolicy()
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Store
			// Four cases: two fresh (u01 due earliest, u02), one to retry, one
			// with an appointment.
			cs := sample(t, v, 1, "u01", 0, 1, t0.Add(-3*time.Hour))
			cs = append(cs, sample(t, v, 1, "u02", 1, 3, t0.Add(-2*time.Hour))...)
			if _, err := s.AddCases(cs); err != nil {
				t.Fatal(err)
			}
			ids := caseIDs(t, s, 1)
			// Case 2 was tried earlier (no answer) and is due again now; case 3
			// has an appointment now; both were called by interviewer 9.
			earlier := t0.Add(-26 * time.Hour)
			for _, id := range ids[2:] {
				s.W.Model(&models.CatiCase{}).Where("id = ?", id).Updates(map[string]any{"holder": 9, "held_until": earlier.Add(time.Minute)})
			}
			if _, err := record(s, p, ids[2], 9, "3.13", earlier, nil); err != nil {
				t.Fatal(err)
			}
			callback := t0.Add(time.Minute)
			if _, err := record(s, p, ids[3], 9, "appointment", earlier, &callback); err != nil {
				t.Fatal(err)
			}
			pick := func(interviewer uint64, units []string) uint64 {
				t.Helper()
				h, err := s.NextCase(models.Pick{SurveyID: 1, Interviewer: interviewer, Now: t0, Hold: p.Hold, InHours: true, Slack: p.Slack, Units: units})
				if errors.Is(err, models.ErrNoCase) {
					return 0
				}
				if err != nil {
					t.Fatal(err)
				}
				return h.Case.ID
			}
			// Interviewer 9 booked the appointment: it comes first for them.
			if got := pick(9, nil); got != ids[3] {
				t.Errorf("first case %d, want the appointment %d", got, ids[3])
			}
			if got := pick(9, nil); got != ids[3] {
				t.Errorf("asking again gave %d, want the held case %d", got, ids[3])
			}
			// Then the retry before fresh numbers, then fresh by due time.
			if got := pick(10, nil); got != ids[2] {
				t.Errorf("second case %d, want the retry %d", got, ids[2])
			}
			// Only u02 still needs interviews.
			if got := pick(11, []string{"u02"}); got != ids[1] {
				t.Errorf("u02 case %d, want %d", got, ids[1])
			}
			if got := pick(12, nil); got != ids[0] {
				t.Errorf("last case %d, want %d", got, ids[0])
			}
			if got := pick(13, []string{}); got != 0 {
				t.Errorf("no unit needs interviews, but got case %d", got)
			}
			if got := pick(14, nil); got != 0 {
				t.Errorf("all held, but got case %d", got)
			}
			h, err := s.NextCase(models.Pick{SurveyID: 1, Interviewer: 10, Now: t0, Hold: p.Hold, InHours: true})
			if err != nil || len(h.History) != 1 || h.History[0].Outcome != "3.13" || h.Case.Attempts != 1 {
				t.Errorf("held retry: %+v, %v", h, err)
			}
		})
	}
}

func caseIDs(t testing.TB, s *models.Store, surveyID uint64) []uint64 {
	t.Helper()
	var ids []uint64
	if err := s.W.Model(&models.CatiCase{}).Where("survey_id = ?", surveyID).Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestRecordOutcome(t *testing.T) {
	v := testVault(t)
	p := cati.DefaultPolicy()
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Store
			if _, err := s.AddCases(sample(t, v, 1, "", 0, 1, t0)); err != nil {
				t.Fatal(err)
			}
			now := t0
			h, err := s.NextCase(models.Pick{SurveyID: 1, Interviewer: 5, Now: now, Hold: p.Hold, InHours: true})
			if err != nil {
				t.Fatal(err)
			}
			id := h.Case.ID
			if _, err := record(s, p, id, 6, "3.13", now, nil); !errors.Is(err, models.ErrNotHeld) {
				t.Errorf("another interviewer recorded: %v", err)
			}
			if _, err := record(s, p, id, 5, "9.9", now, nil); !errors.Is(err, cati.ErrUnknownCode) {
				t.Errorf("unknown code: %v", err)
			}
			// Six no answers, each when due: the sixth closes the case.
			for call := 1; call <= p.MaxAttempts; call++ {
				c, err := record(s, p, id, 5, "3.13", now, nil)
				if err != nil {
					t.Fatalf("call %d: %v", call, err)
				}
				if c.Attempts != call || c.Holder != nil || c.LastOutcome != "3.13" || c.Disposition != "3.13" {
					t.Fatalf("call %d: %+v", call, c)
				}
				if call == p.MaxAttempts {
					if c.State != models.CaseClosed || c.FinalCode != "3.13" {
						t.Fatalf("not closed after %d calls: %+v", call, c)
					}
					break
				}
				if !c.DueAt.After(now) {
					t.Fatalf("call %d: due %s, not after %s", call, c.DueAt, now)
				}
				if _, err := s.NextCase(models.Pick{SurveyID: 1, Interviewer: 5, Now: now, Hold: p.Hold, InHours: p.InHours(now)}); !errors.Is(err, models.ErrNoCase) {
					t.Fatalf("call %d: given again before due: %v", call, err)
				}
				now = c.DueAt
				if _, err := s.NextCase(models.Pick{SurveyID: 1, Interviewer: 5, Now: now, Hold: p.Hold, InHours: p.InHours(now)}); err != nil {
					t.Fatalf("call %d: not given when due at %s: %v", call, now, err)
				}
			}
			if _, err := record(s, p, id, 5, "1.1", now, nil); !errors.Is(err, models.ErrClosed) {
				t.Errorf("recorded on a closed case: %v", err)
			}
			hist, err := s.CatiHistory(id)
			if err != nil || len(hist) != p.MaxAttempts {
				t.Errorf("history %d calls, %v", len(hist), err)
			}
		})
	}
}

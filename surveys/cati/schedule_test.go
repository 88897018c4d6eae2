package cati_test

import (
	"errors"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/cati"
)

// local parses "2006-01-02 15:04" in zone.
func local(t *testing.T, zone, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// utc parses an RFC 3339 instant.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func policy(t *testing.T, c cati.Config) cati.Policy {
	t.Helper()
	p, err := c.Policy()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigPolicy(t *testing.T) {
	tests := []struct {
		name  string
		c     cati.Config
		field string // "" when valid
	}{
		{"defaults", cati.Config{}, ""},
		{"evenings first", cati.Config{EveningsFirst: true, EveningFrom: "18:30"}, ""},
		{"a DST zone", cati.Config{TimeZone: "America/New_York"}, ""},
		{"unknown zone", cati.Config{TimeZone: "Asia/Beijing"}, "time_zone"},
		{"the machine's zone", cati.Config{TimeZone: "Local"}, "time_zone"},
		{"bad clock", cati.Config{CallFrom: "9:00"}, "call_from"},
		{"minutes over 59", cati.Config{CallUntil: "20:60"}, "call_until"},
		{"until before from", cati.Config{CallFrom: "21:00", CallUntil: "09:00"}, "call_until"},
		{"evening outside hours", cati.Config{EveningsFirst: true, EveningFrom: "22:00"}, "evening_from"},
		{"negative retry", cati.Config{RetryMinutes: -5}, "retry_minutes"},
		{"hold too long", cati.Config{HoldMinutes: 600}, "hold_minutes"},
		{"too many attempts", cati.Config{MaxAttempts: 99}, "max_attempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.c.Policy()
			var ce *cati.ConfigError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.field != "" && (!errors.As(err, &ce) || ce.Field != tt.field):
				t.Fatalf("error %v, want one naming %s", err, tt.field)
			}
		})
	}
	p := cati.DefaultPolicy()
	if p.Zone.String() != "Asia/Shanghai" || p.From.String() != "09:00" || p.Until.String() != "21:00" ||
		p.Retry != time.Hour || p.MaxAttempts != 6 || p.Hold != 20*time.Minute || p.Slack != 5*time.Minute {
		t.Errorf("defaults: %+v", p)
	}
}

func TestCallingHoursAcrossZones(t *testing.T) {
	sh := cati.DefaultPolicy()
	ny := policy(t, cati.Config{TimeZone: "America/New_York"})
	london := policy(t, cati.Config{TimeZone: "Europe/London"})
	tests := []struct {
		name     string
		p        cati.Policy
		at       string // UTC
		in       bool
		nextOpen string // UTC
	}{
		// Shanghai is UTC+8 all year: 09:00-21:00 local is 01:00-13:00 UTC.
		// 23:30 UTC on the 9th is already 07:30 on the 10th in Shanghai.
		{"Shanghai before hours, UTC still the day before", sh, "2026-03-09T23:30:00Z", false, "2026-03-10T01:00:00Z"},
		{"Shanghai opens at 01:00 UTC", sh, "2026-03-10T01:00:00Z", true, "2026-03-10T01:00:00Z"},
		{"Shanghai last minute", sh, "2026-03-10T12:59:59Z", true, "2026-03-10T12:59:59Z"},
		{"Shanghai closes at 13:00 UTC", sh, "2026-03-10T13:00:00Z", false, "2026-03-11T01:00:00Z"},
		// 16:30 UTC is 00:30 on the 11th in Shanghai: opens 09:00 on the 11th,
		// not the 12th.
		{"Shanghai after midnight local", sh, "2026-03-10T16:30:00Z", false, "2026-03-11T01:00:00Z"},
		// New York springs forward on 8 March 2026: 22:00 EST on the 7th
		// (03:00Z) opens again at 09:00 EDT = 13:00Z, not 14:00Z.
		{"New York across the spring change", ny, "2026-03-08T03:00:00Z", false, "2026-03-08T13:00:00Z"},
		{"New York 09:00 EST", ny, "2026-03-06T14:00:00Z", true, "2026-03-06T14:00:00Z"},
		{"New York 08:30 EDT", ny, "2026-03-09T12:30:00Z", false, "2026-03-09T13:00:00Z"},
		// London falls back on 25 October 2026: 21:30 BST on the 24th
		// (20:30Z) opens at 09:00 GMT = 09:00Z.
		{"London across the autumn change", london, "2026-10-24T20:30:00Z", false, "2026-10-25T09:00:00Z"},
		{"London 20:30 BST is open", london, "2026-10-24T19:30:00Z", true, "2026-10-24T19:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := utc(t, tt.at)
			if got := tt.p.InHours(at); got != tt.in {
				t.Errorf("InHours = %v, want %v", got, tt.in)
			}
			if got := tt.p.NextOpen(at); !got.Equal(utc(t, tt.nextOpen)) {
				t.Errorf("NextOpen = %s, want %s", got.UTC().Format(time.RFC3339), tt.nextOpen)
			}
		})
	}
}

func TestRetryAt(t *testing.T) {
	sh := cati.DefaultPolicy()
	ny := policy(t, cati.Config{TimeZone: "America/New_York"})
	gap2 := policy(t, cati.Config{RetryMinutes: 120})
	evenings := policy(t, cati.Config{CallFrom: "18:00", CallUntil: "21:00"})
	tests := []struct {
		name     string
		p        cati.Policy
		zone     string
		at, want string // local
	}{
		// Slots: morning 09-12, afternoon 12-18, evening 18-21.
		{"morning +1 h still morning: afternoon", sh, "Asia/Shanghai", "2026-03-10 09:10", "2026-03-10 12:00"},
		{"late morning +1 h is afternoon", sh, "Asia/Shanghai", "2026-03-10 11:30", "2026-03-10 12:30"},
		{"afternoon +1 h is evening", sh, "Asia/Shanghai", "2026-03-10 17:30", "2026-03-10 18:30"},
		{"early evening +1 h still evening: next morning", sh, "Asia/Shanghai", "2026-03-10 18:10", "2026-03-11 09:00"},
		{"late evening: next morning", sh, "Asia/Shanghai", "2026-03-10 20:30", "2026-03-11 09:00"},
		{"end of month", sh, "Asia/Shanghai", "2026-03-31 20:45", "2026-04-01 09:00"},
		{"gap of 2 h", gap2, "Asia/Shanghai", "2026-03-10 10:00", "2026-03-10 12:00"},
		{"gap of 2 h from 10:30", gap2, "Asia/Shanghai", "2026-03-10 10:30", "2026-03-10 12:30"},
		{"a single slot: only the gap", evenings, "Asia/Shanghai", "2026-03-10 18:10", "2026-03-10 19:10"},
		{"a single slot, late: next day", evenings, "Asia/Shanghai", "2026-03-10 20:30", "2026-03-11 18:00"},
		// 20:30 EST on 7 March; next morning is 09:00 EDT on the 8th.
		{"New York across the spring change", ny, "America/New_York", "2026-03-07 20:30", "2026-03-08 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.RetryAt(local(t, tt.zone, tt.at))
			if want := local(t, tt.zone, tt.want); !got.Equal(want) {
				t.Errorf("RetryAt(%s) = %s, want %s", tt.at, got.In(want.Location()).Format("2006-01-02 15:04"), tt.want)
			}
			if !tt.p.InHours(got) {
				t.Error("due outside calling hours")
			}
		})
	}
}

func TestFirstDue(t *testing.T) {
	plain := cati.DefaultPolicy()
	ev := policy(t, cati.Config{EveningsFirst: true})
	const z = "Asia/Shanghai"
	tests := []struct {
		name     string
		p        cati.Policy
		now, due string
	}{
		{"within hours: now", plain, "2026-03-10 10:00", "2026-03-10 10:00"},
		{"before hours: opening", plain, "2026-03-10 07:00", "2026-03-10 09:00"},
		{"after hours: next morning", plain, "2026-03-10 22:00", "2026-03-11 09:00"},
		{"evenings first, morning: this evening", ev, "2026-03-10 10:00", "2026-03-10 18:00"},
		{"evenings first, in the evening: now", ev, "2026-03-10 19:15", "2026-03-10 19:15"},
		{"evenings first, after hours: tomorrow evening", ev, "2026-03-10 21:30", "2026-03-11 18:00"},
		{"evenings first, after midnight: this evening", ev, "2026-03-11 00:30", "2026-03-11 18:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.p.FirstDue(local(t, z, tt.now))
			if want := local(t, z, tt.due); !got.Equal(want) {
				t.Errorf("FirstDue = %s, want %s", got.In(want.Location()).Format("2006-01-02 15:04"), tt.due)
			}
		})
	}
}

func TestAfter(t *testing.T) {
	p := cati.DefaultPolicy()
	const z = "Asia/Shanghai"
	at := func(s string) time.Time { return local(t, z, s) }
	ptr := func(v time.Time) *time.Time { return &v }
	calls := func(codes ...string) []cati.Attempt {
		var out []cati.Attempt
		for i, c := range codes {
			out = append(out, cati.Attempt{At: at("2026-03-10 09:00").Add(time.Duration(i) * 3 * time.Hour), Interviewer: 1, Code: c})
		}
		return out
	}
	tests := []struct {
		name     string
		previous []cati.Attempt
		o        cati.Attempt
		want     cati.Next
		err      error
	}{
		{"complete closes", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "1.1"},
			cati.Next{Final: "1.1", Disposition: "1.1"}, nil},
		{"refusal closes", calls("3.13"), cati.Attempt{At: at("2026-03-10 14:00"), Code: "2.11"},
			cati.Next{Final: "2.11", Disposition: "2.11"}, nil},
		{"quota filled closes", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "4.8"},
			cati.Next{Final: "4.8", Disposition: "4.8"}, nil},
		{"no answer retries in another slot", nil, cati.Attempt{At: at("2026-03-10 09:10"), Code: "3.13"},
			cati.Next{Disposition: "3.13", Due: at("2026-03-10 12:00").UTC()}, nil},
		{"busy retries after the gap", nil, cati.Attempt{At: at("2026-03-10 13:00"), Code: "3.12"},
			cati.Next{Disposition: "3.12", Due: at("2026-03-10 18:00").UTC()}, nil},
		{"appointment: due 5 min before, kept 5 min after", nil,
			cati.Attempt{At: at("2026-03-10 10:00"), Interviewer: 7, Code: "appointment", Callback: ptr(at("2026-03-11 19:00"))},
			cati.Next{Disposition: "2.21", Due: at("2026-03-11 18:55").UTC(), Appointment: ptr(at("2026-03-11 19:00").UTC()),
				PreferredBy: 7, PreferUntil: ptr(at("2026-03-11 19:05").UTC())}, nil},
		// Five calls before, this is the sixth: the case closes with the most
		// telling of them.
		{"sixth no answer closes", calls("3.13", "3.12", "3.13", "3.13", "3.13"),
			cati.Attempt{At: at("2026-03-12 09:00"), Code: "3.13"}, cati.Next{Final: "3.13", Disposition: "3.13"}, nil},
		{"sixth call an appointment closes as 2.21", calls("3.13", "3.13", "3.13", "3.13", "3.13"),
			cati.Attempt{At: at("2026-03-12 09:00"), Code: "appointment", Callback: ptr(at("2026-03-12 19:00"))},
			cati.Next{Final: "2.21", Disposition: "2.21"}, nil},
		{"answering machine earlier tells more", calls("2.22", "3.13", "3.13", "3.13", "3.13"),
			cati.Attempt{At: at("2026-03-12 09:00"), Code: "3.13"}, cati.Next{Final: "2.22", Disposition: "2.22"}, nil},
		{"fifth call still retries", calls("3.13", "3.13", "3.13", "3.13"),
			cati.Attempt{At: at("2026-03-12 20:30"), Code: "3.13"},
			cati.Next{Disposition: "3.13", Due: at("2026-03-13 09:00").UTC()}, nil},
		{"unknown code", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "5.5"}, cati.Next{}, cati.ErrUnknownCode},
		{"not attempted is not an outcome", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "3.11"}, cati.Next{}, cati.ErrNotRecordable},
		{"appointment without a time", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "appointment"}, cati.Next{}, cati.ErrCallback},
		{"appointment in the past", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "appointment", Callback: ptr(at("2026-03-10 09:00"))}, cati.Next{}, cati.ErrCallback},
		{"appointment at night", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "appointment", Callback: ptr(at("2026-03-10 22:00"))}, cati.Next{}, cati.ErrCallback},
		{"appointment in a year", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "appointment", Callback: ptr(at("2027-03-10 10:00"))}, cati.Next{}, cati.ErrCallback},
		{"a callback time on a no answer", nil, cati.Attempt{At: at("2026-03-10 10:00"), Code: "3.13", Callback: ptr(at("2026-03-10 19:00"))}, cati.Next{}, cati.ErrCallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.After(tt.previous, tt.o)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Final != tt.want.Final || got.Disposition != tt.want.Disposition || !got.Due.Equal(tt.want.Due) ||
				got.PreferredBy != tt.want.PreferredBy || !sameTime(got.Appointment, tt.want.Appointment) ||
				!sameTime(got.PreferUntil, tt.want.PreferUntil) {
				t.Errorf("After = %+v,\n want %+v", got, tt.want)
			}
		})
	}
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// TestScheduleFakeClock walks one case through a field period with a fake
// clock: every retry is spaced and in another slot, and the sixth call
// closes the case. No sleeping.
func TestScheduleFakeClock(t *testing.T) {
	p := cati.DefaultPolicy()
	now := local(t, "Asia/Shanghai", "2026-03-10 09:05")
	var history []cati.Attempt
	for call := 1; ; call++ {
		o := cati.Attempt{At: now, Interviewer: 3, Code: "3.13"}
		next, err := p.After(history, o)
		if err != nil {
			t.Fatal(err)
		}
		history = append(history, o)
		if next.Final != "" {
			if call != p.MaxAttempts || next.Final != "3.13" {
				t.Fatalf("closed after call %d with %s, want call %d with 3.13", call, next.Final, p.MaxAttempts)
			}
			break
		}
		if next.Due.Sub(now) < p.Retry {
			t.Errorf("call %d: retried after %s, less than the gap", call, next.Due.Sub(now))
		}
		if p.Slot(next.Due) == p.Slot(now) {
			t.Errorf("call %d: retry in the same slot %d", call, p.Slot(now))
		}
		state := cati.CaseState{Due: next.Due}
		if p.Callable(state, 3, next.Due.Add(-time.Minute)) {
			t.Errorf("call %d: callable before due", call)
		}
		if !p.Callable(state, 3, next.Due) {
			t.Errorf("call %d: not callable when due at %s", call, next.Due.In(p.Zone))
		}
		now = next.Due
	}
}

func TestCallable(t *testing.T) {
	p := cati.DefaultPolicy()
	const z = "Asia/Shanghai"
	at := func(s string) time.Time { return local(t, z, s) }
	ptr := func(v time.Time) *time.Time { return &v }
	appt := cati.CaseState{Due: at("2026-03-10 18:55"), Appointment: ptr(at("2026-03-10 19:00")),
		PreferredBy: 7, PreferUntil: ptr(at("2026-03-10 19:05"))}
	early := cati.CaseState{Due: at("2026-03-10 08:55"), Appointment: ptr(at("2026-03-10 09:00")),
		PreferredBy: 7, PreferUntil: ptr(at("2026-03-10 09:05"))}
	tests := []struct {
		name        string
		c           cati.CaseState
		interviewer uint64
		now         string
		want        bool
	}{
		{"due", cati.CaseState{Due: at("2026-03-10 09:00")}, 1, "2026-03-10 10:00", true},
		{"not yet due", cati.CaseState{Due: at("2026-03-10 12:00")}, 1, "2026-03-10 10:00", false},
		{"closed", cati.CaseState{Final: "1.1"}, 1, "2026-03-10 10:00", false},
		{"before hours", cati.CaseState{}, 1, "2026-03-10 08:59", false},
		{"after hours", cati.CaseState{}, 1, "2026-03-10 21:00", false},
		{"held by another", cati.CaseState{Holder: 2, HeldUntil: ptr(at("2026-03-10 10:20"))}, 1, "2026-03-10 10:00", false},
		{"held by me", cati.CaseState{Holder: 1, HeldUntil: ptr(at("2026-03-10 10:20"))}, 1, "2026-03-10 10:00", true},
		{"hold lapsed", cati.CaseState{Holder: 2, HeldUntil: ptr(at("2026-03-10 10:20"))}, 1, "2026-03-10 10:20", true},
		{"appointment, its interviewer, 5 min early", appt, 7, "2026-03-10 18:55", true},
		{"appointment, 6 min early", appt, 7, "2026-03-10 18:54", false},
		{"appointment, another interviewer on time", appt, 8, "2026-03-10 19:00", false},
		{"appointment, another interviewer after the slack", appt, 8, "2026-03-10 19:05", true},
		// 09:00 appointment: 08:55 is before calling hours, but the
		// respondent asked for that time.
		{"appointment just before hours", early, 7, "2026-03-10 08:55", true},
		{"appointment slack is not a day pass", early, 7, "2026-03-10 08:50", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Callable(tt.c, tt.interviewer, at(tt.now)); got != tt.want {
				t.Errorf("Callable = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want int // -1 for an error
	}{
		{"09:00", 540}, {"00:00", 0}, {"24:00", 1440}, {"21:30", 1290},
		{"9:00", -1}, {"24:01", -1}, {"12:60", -1}, {"ab:cd", -1}, {"+1:00", -1}, {"", -1}, {"09-00", -1},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			c, err := cati.ParseClock(tt.in)
			if (err != nil) != (tt.want < 0) || (err == nil && int(c) != tt.want) {
				t.Errorf("ParseClock(%q) = %d, %v; want %d", tt.in, c, err, tt.want)
			}
		})
	}
}

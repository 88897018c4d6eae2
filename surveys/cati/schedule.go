package cati

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	// Survey time zones resolve on machines without a zoneinfo database.
	_ "time/tzdata"
)

// Scheduling defaults.
const (
	DefaultTimeZone    = "Asia/Shanghai"
	DefaultCallFrom    = "09:00"
	DefaultCallUntil   = "21:00"
	DefaultEveningFrom = "18:00"
	DefaultRetry       = time.Hour
	DefaultMaxAttempts = 6
	DefaultHold        = 20 * time.Minute
	DefaultSlack       = 5 * time.Minute
	// MaxAppointmentAhead bounds how far ahead a callback may be booked.
	MaxAppointmentAhead = 60 * 24 * time.Hour
)

// noon divides the morning slot from the afternoon one.
const noon Clock = 12 * 60

// Errors of recorded outcomes; the messages say what to do.
var (
	ErrUnknownCode   = errors.New("cati: 未知的处理代码 unknown disposition code")
	ErrNotRecordable = errors.New("cati: 该代码不能由访员记录 not an outcome an interviewer records")
	ErrCallback      = errors.New("cati: 预约时间无效 invalid callback time")
)

// Config is a survey's calling policy as staff set it; zero fields take
// the defaults.
type Config struct {
	// TimeZone is the IANA zone calling hours are read in.
	TimeZone string `json:"time_zone,omitempty"`
	// CallFrom and CallUntil ("HH:MM") bound the calling hours [from, until).
	CallFrom  string `json:"call_from,omitempty"`
	CallUntil string `json:"call_until,omitempty"`
	// EveningsFirst places every case's first call in the evening, from
	// EveningFrom to CallUntil, when people who work are at home.
	EveningsFirst bool   `json:"evenings_first,omitempty"`
	EveningFrom   string `json:"evening_from,omitempty"`
	// RetryMinutes is the least gap before a case is called again after
	// no answer, busy and the other temporary outcomes.
	RetryMinutes int `json:"retry_minutes,omitempty"`
	// MaxAttempts closes a case after that many calls.
	MaxAttempts int `json:"max_attempts,omitempty"`
	// HoldMinutes is how long an interviewer holds a case without
	// recording an outcome before it returns to the queue.
	HoldMinutes int `json:"hold_minutes,omitempty"`
	// AppointmentMinutes is the slack either side of an appointment in
	// which it is due and kept for the interviewer who booked it.
	AppointmentMinutes int `json:"appointment_minutes,omitempty"`
}

// ConfigError names the field of a Config that is wrong.
type ConfigError struct {
	Field   string
	Message string
}

func (e *ConfigError) Error() string { return "cati: " + e.Field + ": " + e.Message }

// Clock is a time of day in minutes after midnight.
type Clock int

// ParseClock reads "HH:MM" (00:00 to 24:00).
func ParseClock(s string) (Clock, error) {
	bad := fmt.Errorf("cati: %q: 时间应写作 HH:MM time must be HH:MM", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || s[0] == '+' || s[3] == '+' || h < 0 || m < 0 || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, bad
	}
	return Clock(h*60 + m), nil
}

func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Policy is a validated Config: the pure rules of when a case may be
// called. Build it with Config.Policy.
type Policy struct {
	Zone          *time.Location
	From, Until   Clock
	EveningFrom   Clock
	EveningsFirst bool
	Retry         time.Duration
	MaxAttempts   int
	Hold          time.Duration
	Slack         time.Duration
	// bounds are the slot boundaries inside (From, Until), ascending: a
	// day is cut into morning, afternoon and evening slots at 12:00 and
	// EveningFrom, and a retry goes into another slot than the last call.
	bounds []Clock
}

// DefaultPolicy is the policy of an empty Config.
func DefaultPolicy() Policy {
	p, err := Config{}.Policy()
	if err != nil {
		panic(err) // the defaults are valid
	}
	return p
}

// Policy validates c and fills in the defaults.
func (c Config) Policy() (Policy, error) {
	p := Policy{EveningsFirst: c.EveningsFirst}
	zone := or(c.TimeZone, DefaultTimeZone)
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "Local" {
		return Policy{}, &ConfigError{"time_zone", fmt.Sprintf("未知时区 %q unknown IANA time zone (e.g. Asia/Shanghai)", zone)}
	}
	p.Zone = loc
	for _, f := range []struct {
		name, value string
		to          *Clock
	}{
		{"call_from", or(c.CallFrom, DefaultCallFrom), &p.From},
		{"call_until", or(c.CallUntil, DefaultCallUntil), &p.Until},
		{"evening_from", or(c.EveningFrom, DefaultEveningFrom), &p.EveningFrom},
	} {
		v, err := ParseClock(f.value)
		if err != nil {
			return Policy{}, &ConfigError{f.name, "时间应写作 HH:MM time must be HH:MM"}
		}
		*f.to = v
	}
	if p.From >= p.Until {
		return Policy{}, &ConfigError{"call_until", "结束时间须晚于开始时间 must be after call_from"}
	}
	if p.EveningsFirst && (p.EveningFrom < p.From || p.EveningFrom >= p.Until) {
		return Policy{}, &ConfigError{"evening_from", "晚间时段须在拨打时段内 must fall within the calling hours"}
	}
	minutes := []struct {
		name     string
		value    int
		def      time.Duration
		min, max int
		to       *time.Duration
	}{
		{"retry_minutes", c.RetryMinutes, DefaultRetry, 1, 7 * 24 * 60, &p.Retry},
		{"hold_minutes", c.HoldMinutes, DefaultHold, 1, 240, &p.Hold},
		{"appointment_minutes", c.AppointmentMinutes, DefaultSlack, 0, 60, &p.Slack},
	}
	for _, m := range minutes {
		switch {
		case m.value == 0:
			*m.to = m.def
		case m.value < m.min || m.value > m.max:
			return Policy{}, &ConfigError{m.name, fmt.Sprintf("应在 %d 到 %d 分钟之间 must be %d to %d minutes", m.min, m.max, m.min, m.max)}
		default:
			*m.to = time.Duration(m.value) * time.Minute
		}
	}
	p.MaxAttempts = c.MaxAttempts
	switch {
	case p.MaxAttempts == 0:
		p.MaxAttempts = DefaultMaxAttempts
	case p.MaxAttempts < 1 || p.MaxAttempts > 50:
		return Policy{}, &ConfigError{"max_attempts", "应在 1 到 50 之间 must be 1 to 50"}
	}
	for _, b := range []Clock{noon, p.EveningFrom} {
		if b > p.From && b < p.Until && (len(p.bounds) == 0 || b > p.bounds[len(p.bounds)-1]) {
			p.bounds = append(p.bounds, b)
		}
	}
	return p, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// clock is t's time of day in the survey's zone.
func (p Policy) clock(t time.Time) Clock {
	l := t.In(p.Zone)
	return Clock(l.Hour()*60 + l.Minute())
}

// on is the instant of clock c on the local day of t, days later.
func (p Policy) on(t time.Time, days int, c Clock) time.Time {
	l := t.In(p.Zone)
	return time.Date(l.Year(), l.Month(), l.Day()+days, int(c)/60, int(c)%60, 0, 0, p.Zone)
}

// InHours reports whether t is within the calling hours.
func (p Policy) InHours(t time.Time) bool {
	c := p.clock(t)
	return c >= p.From && c < p.Until
}

// NextOpen is t when it is within the calling hours, or else the next
// start of them.
func (p Policy) NextOpen(t time.Time) time.Time {
	switch c := p.clock(t); {
	case c < p.From:
		return p.on(t, 0, p.From)
	case c >= p.Until:
		return p.on(t, 1, p.From)
	}
	return t
}

// Slot is the time slot of t (0 morning, 1 afternoon, 2 evening, fewer
// when the calling hours do not span them), or -1 outside calling hours.
func (p Policy) Slot(t time.Time) int {
	if !p.InHours(t) {
		return -1
	}
	c, s := p.clock(t), 0
	for _, b := range p.bounds {
		if c >= b {
			s++
		}
	}
	return s
}

// slotEnd is the end of t's slot (t within calling hours).
func (p Policy) slotEnd(t time.Time) time.Time {
	c := p.clock(t)
	for _, b := range p.bounds {
		if b > c {
			return p.on(t, 0, b)
		}
	}
	return p.on(t, 0, p.Until)
}

// FirstDue is when a case added at now is first due: at once within the
// calling hours, at the next start of them outside, and with evenings
// first at the next evening.
func (p Policy) FirstDue(now time.Time) time.Time {
	if !p.EveningsFirst {
		return p.NextOpen(now)
	}
	switch c := p.clock(now); {
	case c < p.EveningFrom:
		return p.on(now, 0, p.EveningFrom)
	case c >= p.Until:
		return p.on(now, 1, p.EveningFrom)
	}
	return now
}

// RetryAt is when a case last called at is due again: at least the retry
// gap later, within the calling hours, and in another slot than at's (a
// number that rang out in the morning is tried in the afternoon or the
// evening, when other people are at home).
func (p Policy) RetryAt(at time.Time) time.Time {
	last := p.Slot(at)
	c := at.Add(p.Retry)
	for range len(p.bounds) + 2 {
		c = p.NextOpen(c)
		if last < 0 || len(p.bounds) == 0 || p.Slot(c) != last {
			return c
		}
		c = p.slotEnd(c)
	}
	return p.NextOpen(c)
}

// Attempt is one call of a case and the outcome recorded for it.
type Attempt struct {
	At          time.Time // when the call started
	Interviewer uint64
	Code        string
	Callback    *time.Time // the appointment made, with CodeAppointment
}

// Next is what becomes of a case after an outcome.
type Next struct {
	// Final is the case's final disposition when it is closed, else "".
	Final string
	// Disposition is what the case counts as in the outcome rates now:
	// Final once closed.
	Disposition string
	// Due is when it may be called again (zero when closed).
	Due time.Time
	// Appointment, PreferredBy and PreferUntil are set for a callback:
	// the case is due Slack before the appointment and kept for the
	// interviewer who booked it until Slack after.
	Appointment *time.Time
	PreferredBy uint64
	PreferUntil *time.Time
}

// After decides what becomes of a case whose earlier calls are previous
// (in call order) when call o ends with o.Code: a final outcome closes it;
// the last allowed attempt closes it with the most telling disposition of
// its calls (see Standing); an appointment makes it due at the callback
// time, for the same interviewer first; any other temporary outcome makes
// it due again at RetryAt.
func (p Policy) After(previous []Attempt, o Attempt) (Next, error) {
	d, ok := Lookup(o.Code)
	if !ok {
		return Next{}, fmt.Errorf("%w %q", ErrUnknownCode, o.Code)
	}
	if d.Internal {
		return Next{}, fmt.Errorf("%w: %s", ErrNotRecordable, d.Code)
	}
	if d.Code == CodeAppointment {
		if err := p.checkCallback(o); err != nil {
			return Next{}, err
		}
	} else if o.Callback != nil {
		return Next{}, fmt.Errorf("%w: 只有预约回访才带预约时间 only an appointment has a callback time", ErrCallback)
	}
	codes := make([]string, 0, len(previous)+1)
	for _, a := range previous {
		codes = append(codes, a.Code)
	}
	standing, err := Standing(append(codes, d.Code))
	if err != nil {
		return Next{}, err
	}
	n := Next{Disposition: standing.Code}
	switch {
	case d.Final || len(previous)+1 >= p.MaxAttempts:
		n.Final = standing.Code
	case d.Code == CodeAppointment:
		at := o.Callback.UTC()
		until := at.Add(p.Slack)
		n.Due, n.Appointment, n.PreferredBy, n.PreferUntil = at.Add(-p.Slack), &at, o.Interviewer, &until
	default:
		n.Due = p.RetryAt(o.At).UTC()
	}
	return n, nil
}

func (p Policy) checkCallback(o Attempt) error {
	switch cb := o.Callback; {
	case cb == nil:
		return fmt.Errorf("%w: 预约回访须给出时间 an appointment needs callback_at", ErrCallback)
	case !cb.After(o.At):
		return fmt.Errorf("%w: 预约时间已过 callback_at is in the past", ErrCallback)
	case cb.Sub(o.At) > MaxAppointmentAhead:
		return fmt.Errorf("%w: 预约时间不能超过 60 天 callback_at is more than 60 days ahead", ErrCallback)
	case !p.InHours(*cb):
		return fmt.Errorf("%w: 预约时间须在拨打时段 %s–%s 内 callback_at is outside the calling hours (%s)",
			ErrCallback, p.From, p.Until, p.Zone)
	}
	return nil
}

// Standing is the disposition of a case whose calls ended with outcomes
// (in call order), as it counts in the outcome rates: none is a 3.11 (not
// attempted); a final outcome is itself; otherwise the most telling
// outcome, as AAPOR codes a case left open when fieldwork ends: one that
// shows an eligible respondent (2.2x, an appointment as 2.21) over a
// contact of unknown eligibility (3.2x, 3.9x) over no contact (3.1x), the
// latest among equals.
func Standing(outcomes []string) (Disposition, error) {
	if len(outcomes) == 0 {
		d, _ := Lookup(CodeNotAttempted)
		return d, nil
	}
	rank := map[Category]int{UnknownHousehold: 1, UnknownOther: 2, NonContact: 3}
	var best Disposition
	for i, code := range outcomes {
		d, ok := Lookup(code)
		if !ok {
			return Disposition{}, fmt.Errorf("%w %q", ErrUnknownCode, code)
		}
		if d.Final {
			if i != len(outcomes)-1 {
				return Disposition{}, fmt.Errorf("cati: outcome %s after the final %s", outcomes[i+1], d.Code)
			}
			return d, nil
		}
		if best.Code == "" || rank[d.Category] >= rank[best.Category] {
			best = d
		}
	}
	closing, ok := Lookup(best.ClosingCode())
	if !ok {
		return Disposition{}, fmt.Errorf("%w %q", ErrUnknownCode, best.ClosingCode())
	}
	return closing, nil
}

// CaseState is what Callable needs of a case.
type CaseState struct {
	Final       string
	Due         time.Time
	Appointment *time.Time
	PreferredBy uint64
	PreferUntil *time.Time
	Holder      uint64 // 0: nobody
	HeldUntil   *time.Time
}

// Callable reports whether interviewer may be given c at now: the case is
// open and due; not held by another interviewer (a hold past its time has
// lapsed); not kept for the interviewer who booked its appointment; and
// now is within the calling hours, or within Slack of its appointment
// (the respondent asked for that time).
func (p Policy) Callable(c CaseState, interviewer uint64, now time.Time) bool {
	switch {
	case c.Final != "", now.Before(c.Due):
		return false
	case c.Holder != 0 && c.Holder != interviewer && c.HeldUntil != nil && now.Before(*c.HeldUntil):
		return false
	case c.PreferredBy != 0 && c.PreferredBy != interviewer && c.PreferUntil != nil && now.Before(*c.PreferUntil):
		return false
	}
	return p.InHours(now) || p.nearAppointment(c, now)
}

func (p Policy) nearAppointment(c CaseState, now time.Time) bool {
	if c.Appointment == nil {
		return false
	}
	d := now.Sub(*c.Appointment)
	return d >= -p.Slack && d <= p.Slack
}

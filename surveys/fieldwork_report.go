package surveys

import (
	"sort"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/cati"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// CatiReport is a survey's telephone fieldwork: cases per disposition,
// AAPOR rates, and the work per interviewer, unit, quota cell and hour.
type CatiReport struct {
	Cases        int                 `json:"cases"`
	Dispositions map[string]int      `json:"dispositions"`
	Groups       cati.Counts         `json:"groups"`
	Rates        cati.Rates          `json:"rates"`
	Interviewers []InterviewerReport `json:"interviewers"`
	Units        []UnitFieldwork     `json:"units"`
	Quotas       []QuotaCellReport   `json:"quotas"`
	Hours        []HourReport        `json:"hours"`
	Holds        []HoldReport        `json:"holds"`
	TimeZone     string              `json:"time_zone"`
	Channels     map[string]int      `json:"channels"`
	Settings     CatiSettings        `json:"settings"`
	Codes        []cati.Disposition  `json:"codes"`
	At           time.Time           `json:"at"`
}

// InterviewerReport is one interviewer's calls. Hours worked are the
// distinct clock hours in which they made a call, so completes per hour
// is completes over those hours.
type InterviewerReport struct {
	ID               uint64   `json:"id"`
	Name             string   `json:"name"`
	Calls            int      `json:"calls"`
	Completes        int      `json:"completes"`
	Refusals         int      `json:"refusals"`
	MedianSeconds    *float64 `json:"median_interview_seconds"`
	Hours            int      `json:"hours"`
	CompletesPerHour *float64 `json:"completes_per_hour"`
}

// UnitFieldwork is a unit's telephone progress.
type UnitFieldwork struct {
	Unit       string `json:"unit"`
	Target     *int   `json:"target"`
	Completed  int    `json:"completed"`
	InProgress int    `json:"in_progress"`
	Remaining  int    `json:"remaining_sample"`
	Closed     int    `json:"closed"`
}

// QuotaCellReport is a quota cell's counts.
type QuotaCellReport struct {
	Unit     string    `json:"unit"`
	Cell     cati.Cell `json:"cell"`
	Key      string    `json:"key"`
	Target   int       `json:"target"`
	Filled   int       `json:"filled"`
	Reserved int       `json:"reserved"`
}

// HourReport is the calls made in one hour of the day (survey's zone).
type HourReport struct {
	Hour      int `json:"hour"`
	Calls     int `json:"calls"`
	Completes int `json:"completes"`
}

// HoldReport is an interviewer holding a case now.
type HoldReport struct {
	Interviewer uint64    `json:"interviewer"`
	Name        string    `json:"name"`
	CaseID      uint64    `json:"case_id"`
	Unit        string    `json:"unit"`
	Attempt     int       `json:"attempt"`
	Screened    bool      `json:"screened"`
	HeldUntil   time.Time `json:"held_until"`
}

// FieldworkReport builds a survey's telephone report at now.
func (s *Service) FieldworkReport(surveyID uint64, now time.Time) (*CatiReport, error) {
	if _, err := s.store.SurveyByID(surveyID); err != nil {
		return nil, storeErr(err)
	}
	st, policy, err := s.CatiSettingsOf(surveyID)
	if err != nil {
		return nil, err
	}
	r := &CatiReport{Dispositions: map[string]int{}, Interviewers: []InterviewerReport{}, Units: []UnitFieldwork{},
		Quotas: []QuotaCellReport{}, Hours: []HourReport{}, Holds: []HoldReport{}, TimeZone: policy.Zone.String(),
		Settings: st, Codes: cati.Dispositions(), At: now.UTC()}
	if r.Dispositions, err = s.store.DispositionCounts(surveyID); err != nil {
		return nil, storeErr(err)
	}
	for code, n := range r.Dispositions {
		r.Cases += n
		if d, ok := cati.Lookup(code); ok {
			for range n {
				r.Groups.Add(d)
			}
		}
	}
	r.Rates = r.Groups.Rates()
	attempts, err := s.store.CatiAttempts(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	holds, err := s.store.CatiHolds(surveyID, now)
	if err != nil {
		return nil, storeErr(err)
	}
	ids := map[uint64]bool{}
	for _, a := range attempts {
		ids[a.Interviewer] = true
	}
	for _, h := range holds {
		ids[h.Interviewer] = true
	}
	names, err := s.store.UserNames(keys(ids))
	if err != nil {
		return nil, storeErr(err)
	}
	r.Interviewers, r.Hours = interviewerReports(attempts, names, policy.Zone)
	for _, h := range holds {
		r.Holds = append(r.Holds, HoldReport{h.Interviewer, names[h.Interviewer], h.CaseID, h.Unit, h.Attempts + 1, h.Screened != "", h.HeldUntil})
	}
	if sv, err := s.store.SurveyByID(surveyID); err == nil {
		if p, err := s.Published(sv.Slug); err == nil {
			st = withDefinitionTargets(p, st)
		}
	}
	if r.Units, err = s.unitFieldwork(surveyID, st, now); err != nil {
		return nil, err
	}
	cells, err := s.store.AllQuotaCells(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	for _, c := range cells {
		cell, _ := cati.ParseCellKey(c.CellKey)
		r.Quotas = append(r.Quotas, QuotaCellReport{c.Unit, cell, c.CellKey, c.Target, c.Filled, c.Reserved})
	}
	if r.Channels, err = s.ChannelCounts(surveyID); err != nil {
		return nil, err
	}
	return r, nil
}

// ChannelCounts counts a survey's responses per channel (web, cati).
func (s *Service) ChannelCounts(surveyID uint64) (map[string]int, error) {
	by, err := s.store.ResponsesByChannel(surveyID)
	if err != nil {
		return nil, storeErr(err)
	}
	out := map[string]int{"web": 0, ChannelCati: 0}
	for ch, n := range by {
		if ch == ChannelCati {
			out[ChannelCati] += n
		} else {
			out["web"] += n
		}
	}
	return out, nil
}

func keys(m map[uint64]bool) []uint64 {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func interviewerReports(attempts []models.CatiAttempt, names map[uint64]string, zone *time.Location) ([]InterviewerReport, []HourReport) {
	type acc struct {
		r       InterviewerReport
		lengths []float64
		hours   map[int64]bool
	}
	by := map[uint64]*acc{}
	var hours [24]HourReport
	for _, a := range attempts {
		x := by[a.Interviewer]
		if x == nil {
			x = &acc{r: InterviewerReport{ID: a.Interviewer, Name: names[a.Interviewer]}, hours: map[int64]bool{}}
			by[a.Interviewer] = x
		}
		x.r.Calls++
		x.hours[a.StartedAt.Unix()/3600] = true
		h := a.StartedAt.In(zone).Hour()
		hours[h].Calls++
		switch a.Outcome {
		case cati.CodeComplete:
			x.r.Completes++
			x.lengths = append(x.lengths, float64(a.Seconds))
			hours[h].Completes++
		case "2.11":
			x.r.Refusals++
		}
	}
	out := make([]InterviewerReport, 0, len(by))
	for _, x := range by {
		x.r.Hours = len(x.hours)
		if len(x.lengths) > 0 {
			sort.Float64s(x.lengths)
			n := len(x.lengths)
			m := x.lengths[n/2]
			if n%2 == 0 {
				m = (x.lengths[n/2-1] + x.lengths[n/2]) / 2
			}
			x.r.MedianSeconds = &m
		}
		if x.r.Hours > 0 {
			v := float64(x.r.Completes) / float64(x.r.Hours)
			x.r.CompletesPerHour = &v
		}
		out = append(out, x.r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	hs := []HourReport{}
	for h, v := range hours {
		if v.Calls > 0 {
			v.Hour = h
			hs = append(hs, v)
		}
	}
	return out, hs
}

func (s *Service) unitFieldwork(surveyID uint64, st CatiSettings, now time.Time) ([]UnitFieldwork, error) {
	rows, err := s.store.CatiUnitCounts(surveyID, now)
	if err != nil {
		return nil, storeErr(err)
	}
	by := map[string]*UnitFieldwork{}
	get := func(u string) *UnitFieldwork {
		if by[u] == nil {
			by[u] = &UnitFieldwork{Unit: u}
			if t, ok := st.Targets[u]; ok {
				t := t
				by[u].Target = &t
			}
		}
		return by[u]
	}
	for u := range st.Targets {
		get(u)
	}
	for _, r := range rows {
		u := get(r.Unit)
		switch {
		case r.State == models.CaseClosed && r.Disposition == cati.CodeComplete:
			u.Completed += r.N
			u.Closed += r.N
		case r.State == models.CaseClosed:
			u.Closed += r.N
		default:
			u.InProgress += r.Held
			u.Remaining += r.N - r.Held
		}
	}
	out := make([]UnitFieldwork, 0, len(by))
	for _, u := range by {
		out = append(out, *u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out, nil
}

// channelTallies counts the responses of one channel afresh, as the tally
// rebuild does: counters are kept for all channels together only.
func (s *Service) channelTallies(surveyID uint64, channel string) ([]models.Tally, error) {
	count := s.newCounter()
	count.Joint(map[uint64]uint64{})
	err := s.store.EachChannelResponse(surveyID, channel, 5000, count.Add)
	if err != nil {
		return nil, err
	}
	return count.Rows(), nil
}

// addChannels states the responses per channel on a whole-survey results
// body and, for a survey with a telephone sample, that it is sampled and
// its AAPOR rates. It reads the telephone cases only (indexed by survey),
// never the responses: the telephone responses are the completed cases.
func (s *Service) addChannels(p *Published, r *stats.Results, q ResultsQuery) error {
	if q.Unit != "" {
		return nil
	}
	counts, err := s.store.DispositionCounts(p.Survey.ID)
	if err != nil {
		return storeErr(err)
	}
	r.Channel = q.Channel
	completes := int64(counts[cati.CodeComplete])
	switch q.Channel {
	case "":
		r.Channels = map[string]int{"web": int(max(r.Responses-completes, 0)), ChannelCati: int(completes)}
	case ChannelCati:
		r.Channels = map[string]int{ChannelCati: int(r.Responses)}
	default:
		r.Channels = map[string]int{"web": int(r.Responses)}
	}
	if len(counts) == 0 {
		return nil
	}
	var groups cati.Counts
	for code, n := range counts {
		if d, ok := cati.Lookup(code); ok {
			for range n {
				groups.Add(d)
			}
		}
	}
	rates := groups.Rates()
	r.ResponseRates = map[string]*float64{"rr1": rates.RR1, "rr3": rates.RR3, "coop1": rates.COOP1,
		"ref1": rates.REF1, "con1": rates.CON1, "e": rates.E}
	if q.Channel != "web" {
		r.Sample = "sampled"
	}
	return nil
}

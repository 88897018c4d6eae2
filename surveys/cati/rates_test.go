package cati_test

import (
	"math"
	"testing"

	"github.com/minyi-survey/minyi/surveys/cati"
)

// rate is a want: nil for a null rate.
func rate(v float64) *float64 { return &v }

func TestRates(t *testing.T) {
	type want struct{ e, rr1, rr3, coop1, ref1, con1 *float64 }
	tests := []struct {
		name string
		c    cati.Counts
		want want
	}{
		// I=40 P=5 R=20 NC=10 O=5 UH=15 UO=5 NE=20 (120 cases).
		// Base (I+P)+(R+NC+O)+(UH+UO) = 45 + 35 + 20 = 100.
		// RR1 = 40/100 = 0.4. e = 80/(80+20) = 0.8.
		// RR3 = 40/(45 + 35 + 0.8·20) = 40/96 = 0.41666….
		// COOP1 = 40/(45 + 20 + 5) = 40/70 = 0.571428….
		// REF1 = 20/100 = 0.2. CON1 = (45 + 20 + 5)/100 = 0.7.
		{"every group", cati.Counts{I: 40, P: 5, R: 20, NC: 10, O: 5, UH: 15, UO: 5, NE: 20},
			want{rate(0.8), rate(0.4), rate(40.0 / 96), rate(40.0 / 70), rate(0.2), rate(0.7)}},
		// I=300 R=150 NC=50 UH=400 UO=100 NE=500, no P or O (1,500 cases).
		// Base = 300 + 200 + 500 = 1000. RR1 = 300/1000 = 0.3.
		// e = 500/(500+500) = 0.5. RR3 = 300/(300 + 200 + 0.5·500) = 300/750 = 0.4.
		// COOP1 = 300/(300+150) = 0.6667. REF1 = 150/1000 = 0.15.
		// CON1 = (300+150)/1000 = 0.45.
		{"a typical RDD field period", cati.Counts{I: 300, R: 150, NC: 50, UH: 400, UO: 100, NE: 500},
			want{rate(0.5), rate(0.3), rate(0.4), rate(300.0 / 450), rate(0.15), rate(0.45)}},
		// No NE: every resolved case is eligible, e = 1 and RR3 = RR1 = 8/10.
		{"nothing ineligible", cati.Counts{I: 8, NC: 1, UH: 1},
			want{rate(1), rate(0.8), rate(0.8), rate(1), rate(0), rate(0.8)}},
		// Only unknown-eligibility cases: e has no resolved case to come from,
		// so RR3 is null; RR1 = 0/6, REF1 = 0, CON1 = 0; COOP1's base is 0.
		{"nothing resolved", cati.Counts{UH: 4, UO: 2},
			want{nil, rate(0), nil, nil, rate(0), rate(0)}},
		// Only NE: e = 0/3 = 0, and every rate's base is 0.
		{"all ineligible", cati.Counts{NE: 3},
			want{rate(0), nil, nil, nil, nil, nil}},
		{"no cases", cati.Counts{}, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.c.Rates()
			check := func(name string, got, want *float64) {
				t.Helper()
				switch {
				case got == nil && want == nil:
				case got == nil || want == nil:
					t.Errorf("%s = %v, want %v", name, show(got), show(want))
				case math.Abs(*got-*want) > 1e-12:
					t.Errorf("%s = %.6f, want %.6f", name, *got, *want)
				}
			}
			check("e", r.E, tt.want.e)
			check("RR1", r.RR1, tt.want.rr1)
			check("RR3", r.RR3, tt.want.rr3)
			check("COOP1", r.COOP1, tt.want.coop1)
			check("REF1", r.REF1, tt.want.ref1)
			check("CON1", r.CON1, tt.want.con1)
		})
	}
}

func show(v *float64) any {
	if v == nil {
		return "null"
	}
	return *v
}

func TestStanding(t *testing.T) {
	tests := []struct {
		name     string
		outcomes []string
		want     string // "" for an error
	}{
		{"never dialled", nil, "3.11"},
		{"closed", []string{"3.13", "2.11"}, "2.11"},
		{"closed at once", []string{"1.1"}, "1.1"},
		{"open on no answer", []string{"3.13", "3.12"}, "3.12"},
		{"open on an appointment", []string{"3.13", "appointment"}, "2.21"},
		// An answering machine that confirmed the respondent tells more than
		// later unanswered calls: eligible non-contact, not unknown.
		{"known eligible outranks no answer", []string{"2.22", "3.13", "3.13"}, "2.22"},
		{"contact outranks no contact", []string{"3.13", "3.21", "3.12"}, "3.21"},
		{"appointment then no answer", []string{"appointment", "3.13"}, "2.21"},
		{"AAPOR spelling", []string{"4.30"}, "4.3"},
		{"unknown code", []string{"9.9"}, ""},
		{"a call after a final one", []string{"1.1", "3.13"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := cati.Standing(tt.outcomes)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("= %s, want an error", d.Code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Code != tt.want {
				t.Errorf("= %s, want %s", d.Code, tt.want)
			}
		})
	}
}

// TestRatesFromCases counts per-case dispositions into the groups and then
// the rates: 10 cases — 1.1 ×3, 2.11, no answer then 2.12 (R 2), an open
// appointment (NC via 2.21), 3.13 open (UH), never dialled (UH via 3.11),
// 3.21 (UO), 4.3 (NE).
// Base = 3 + 3 + 3 = 9 → RR1 = 3/9. e = 6/7 → RR3 = 3/(6 + 18/7) = 21/60.
// COOP1 = 3/(3+2) = 0.6. REF1 = 2/9. CON1 = 5/9.
func TestRatesFromCases(t *testing.T) {
	cases := [][]string{{"1.1"}, {"3.13", "1.1"}, {"1.1"}, {"2.11"}, {"3.13", "2.12"},
		{"3.12", "appointment"}, {"3.13"}, nil, {"3.21"}, {"4.3"}}
	var c cati.Counts
	for _, k := range cases {
		d, err := cati.Standing(k)
		if err != nil {
			t.Fatal(err)
		}
		c.Add(d)
	}
	if want := (cati.Counts{I: 3, R: 2, NC: 1, UH: 2, UO: 1, NE: 1}); c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	r := c.Rates()
	for _, x := range []struct {
		name      string
		got, want float64
	}{
		{"RR1", *r.RR1, 3.0 / 9}, {"e", *r.E, 6.0 / 7}, {"RR3", *r.RR3, 21.0 / 60},
		{"COOP1", *r.COOP1, 0.6}, {"REF1", *r.REF1, 2.0 / 9}, {"CON1", *r.CON1, 5.0 / 9},
	} {
		if math.Abs(x.got-x.want) > 1e-12 {
			t.Errorf("%s = %.6f, want %.6f", x.name, x.got, x.want)
		}
	}
}

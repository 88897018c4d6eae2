package cati_test

import (
	"testing"

	"github.com/minyi-survey/minyi/surveys/cati"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name, code string
		want       string // "" when unknown
		cat        cati.Category
		final      bool
	}{
		{"complete", "1.1", "1.1", cati.Complete, true},
		{"partial", "1.2", "1.2", cati.Partial, true},
		{"refusal", "2.11", "2.11", cati.Refusal, true},
		{"break-off is a refusal", "2.12", "2.12", cati.Refusal, true},
		{"non-contact", "2.20", "2.20", cati.NonContact, false},
		{"respondent never available", "2.21", "2.21", cati.NonContact, false},
		{"answering machine, eligible", "2.22", "2.22", cati.NonContact, false},
		{"language is other", "2.33", "2.33", cati.OtherEligible, true},
		{"busy", "3.12", "3.12", cati.UnknownHousehold, false},
		{"no answer", "3.13", "3.13", cati.UnknownHousehold, false},
		{"answering machine, unknown", "3.14", "3.14", cati.UnknownHousehold, false},
		{"no screener is unknown other", "3.21", "3.21", cati.UnknownOther, false},
		{"fax", "4.2", "4.2", cati.NotEligible, true},
		{"non-working", "4.3", "4.3", cati.NotEligible, true},
		{"no eligible respondent", "4.7", "4.7", cati.NotEligible, true},
		{"quota filled", "4.8", "4.8", cati.NotEligible, true},
		{"appointment", "appointment", "appointment", cati.NonContact, false},
		{"AAPOR two decimals", "4.30", "4.3", cati.NotEligible, true},
		{"AAPOR 1.10", "1.10", "1.1", cati.Complete, true},
		{"one decimal of 2.20", "2.2", "2.20", cati.NonContact, false},
		{"spaces", " 3.13 ", "3.13", cati.UnknownHousehold, false},
		{"unknown", "5.1", "", "", false},
		{"not a near miss", "2.210", "", "", false},
		{"empty", "", "", "", false},
		{"case matters", "Appointment", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, ok := cati.Lookup(tt.code)
			if ok != (tt.want != "") {
				t.Fatalf("Lookup(%q) ok = %v", tt.code, ok)
			}
			if !ok {
				return
			}
			if d.Code != tt.want || d.Category != tt.cat || d.Final != tt.final {
				t.Errorf("Lookup(%q) = %s %s final=%v, want %s %s final=%v", tt.code, d.Code, d.Category, d.Final, tt.want, tt.cat, tt.final)
			}
		})
	}
}

func TestDispositionsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range cati.Dispositions() {
		t.Run(d.Code, func(t *testing.T) {
			if seen[d.Code] {
				t.Fatal("listed twice")
			}
			seen[d.Code] = true
			if d.Zh == "" || d.En == "" {
				t.Error("missing a label")
			}
			// A closing code is final-equivalent: it must itself exist.
			if _, ok := cati.Lookup(d.ClosingCode()); !ok {
				t.Errorf("closes as unknown %q", d.ClosingCode())
			}
			if d.Final && d.Closes != "" {
				t.Error("a final disposition closes as itself")
			}
		})
	}
	// Every AAPOR group is reachable.
	for _, c := range []cati.Category{cati.Complete, cati.Partial, cati.Refusal, cati.NonContact,
		cati.OtherEligible, cati.UnknownHousehold, cati.UnknownOther, cati.NotEligible} {
		found := false
		for _, d := range cati.Dispositions() {
			found = found || d.Category == c
		}
		if !found {
			t.Errorf("no disposition in group %s", c)
		}
	}
	// The copy is the caller's.
	ds := cati.Dispositions()
	ds[0].Code = "x"
	if d, _ := cati.Lookup("1.1"); d.Code != "1.1" {
		t.Error("Dispositions shares its table")
	}
}

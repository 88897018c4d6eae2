package questionnaire_test

import (
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

func TestBurstAndManyPhones(t *testing.T) {
	bursts := []struct {
		name                  string
		all, address, network int
		want                  bool
	}{
		{"a flood from one address in a quiet survey", 40, 38, 38, true},
		{"just enough", 59, 30, 30, true},
		{"the address at half of the traffic", 60, 30, 30, false},
		{"a CGNAT address in a push", 2000, 700, 1200, false},
		{"few from the address", 12, 9, 40, false},
		{"neighbours help reach the network minimum", 18, 10, 30, true},
		{"a quiet network", 15, 12, 12, false},
	}
	for _, tc := range bursts {
		t.Run(tc.name, func(t *testing.T) {
			if got := questionnaire.Burst(tc.all, tc.address, tc.network); got != tc.want {
				t.Fatalf("Burst(%d, %d, %d) = %v, want %v", tc.all, tc.address, tc.network, got, tc.want)
			}
		})
	}
	phones := []struct {
		name                 string
		all, address, device int
		want                 bool
	}{
		{"third number from one device", 500, 3, 3, true},
		{"second number from one device", 2, 2, 2, false},
		{"fifth number from a lone address", 6, 5, 0, true},
		{"an address in a busy survey", 100, 5, 1, false},
	}
	for _, tc := range phones {
		t.Run(tc.name, func(t *testing.T) {
			if got := questionnaire.ManyPhones(tc.all, tc.address, tc.device); got != tc.want {
				t.Fatalf("ManyPhones(%d, %d, %d) = %v, want %v", tc.all, tc.address, tc.device, got, tc.want)
			}
		})
	}
}

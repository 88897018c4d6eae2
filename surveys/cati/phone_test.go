package cati_test

import (
	"errors"
	mrand "math/rand/v2"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/cati"
)

func TestNormalizeMobile(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"plain", "13800138000", "13800138000", nil},
		{"spaces", "138 0013 8000", "13800138000", nil},
		{"dashes", "138-0013-8000", "13800138000", nil},
		{"+86", "+86 138 0013 8000", "13800138000", nil},
		{"+86 with dash", "+86-13800138000", "13800138000", nil},
		{"0086", "0086 13800138000", "13800138000", nil},
		{"86 without plus", "8613800138000", "13800138000", nil},
		{"full-width digits", "１３８００１３８０００", "13800138000", nil},
		{"brackets and dots", "(138) 0013.8000", "13800138000", nil},
		{"no-break and ideographic spaces", "138\u00a00013\u30008000", "13800138000", nil},
		{"199 segment", "19912345678", "19912345678", nil},
		{"empty", "  ", "", cati.ErrNumberEmpty},
		{"letters", "1380013800O", "", cati.ErrNumberChars},
		{"plus in the middle", "138+00138000", "", cati.ErrNumberChars},
		{"too short", "1380013800", "", cati.ErrNumberLength},
		{"too long", "138001380001", "", cati.ErrNumberLength},
		{"landline", "02012345678", "", cati.ErrNumberPrefix},
		{"12 segment", "12800138000", "", cati.ErrNumberPrefix},
		{"another country", "+1 650 253 0000", "", cati.ErrNumberPrefix},
		{"86 and a landline", "+86 020 1234 5678", "", cati.ErrNumberPrefix},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cati.NormalizeMobile(tt.in)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("NormalizeMobile(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestRandomNumbers(t *testing.T) {
	rnd := mrand.NewChaCha8([32]byte{7})
	tests := []struct {
		name     string
		prefixes []string
		count    int
		err      error
		badIndex int // for a PrefixError
	}{
		{"one block", []string{"1380898"}, 500, nil, 0},
		{"two blocks", []string{"1380898", "1591234"}, 3000, nil, 0},
		{"a whole block", []string{"1380898"}, cati.BlockSize, nil, 0},
		{"most of two blocks", []string{"1380898", "1591234"}, 15000, nil, 0},
		{"a prefix twice is one block", []string{"1380898", " 1380898 "}, 10000, nil, 0},
		{"more than the blocks hold", []string{"1380898", "1380898"}, 10001, cati.ErrRDDCount, 0},
		{"none", []string{"1380898"}, 0, cati.ErrRDDCount, 0},
		{"over the draw limit", []string{"1380898"}, cati.MaxRDD + 1, cati.ErrRDDCount, 0},
		{"no prefixes", nil, 10, cati.ErrRDDCount, 0},
		{"six digits", []string{"1380898", "138089"}, 10, cati.ErrPrefix, 1},
		{"landline block", []string{"0201234"}, 10, cati.ErrPrefix, 0},
		{"letters", []string{"1380898", "1591234", "13808x8"}, 10, cati.ErrPrefix, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cati.RandomNumbers(tt.prefixes, tt.count, rnd)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("error %v, want %v", err, tt.err)
				}
				var pe *cati.PrefixError
				if errors.As(err, &pe) && pe.Index != tt.badIndex {
					t.Errorf("error names prefixes[%d], want [%d]", pe.Index, tt.badIndex)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.count {
				t.Fatalf("%d numbers, want %d", len(got), tt.count)
			}
			seen := map[string]bool{}
			for _, n := range got {
				if seen[n] {
					t.Fatalf("%s drawn twice", n)
				}
				seen[n] = true
				if norm, err := cati.NormalizeMobile(n); err != nil || norm != n {
					t.Fatalf("%s is not a normalised mobile number: %v", n, err)
				}
				ok := false
				for _, p := range tt.prefixes {
					ok = ok || strings.HasPrefix(n, strings.TrimSpace(p))
				}
				if !ok {
					t.Fatalf("%s is on none of the blocks", n)
				}
			}
		})
	}
}

// TestRandomNumbersSpread draws 4,000 of 20,000 numbers on two blocks
// with crypto/rand: each block should get about half (binomial sd ≈ 32, so
// 2,000 ± 200 fails about once in 10^9 runs), and the last digit should
// take all ten values.
func TestRandomNumbersSpread(t *testing.T) {
	got, err := cati.RandomNumbers([]string{"1380898", "1591234"}, 4000, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, last := 0, map[byte]int{}
	for _, n := range got {
		if strings.HasPrefix(n, "1380898") {
			first++
		}
		last[n[10]]++
	}
	if first < 1800 || first > 2200 {
		t.Errorf("%d of 4000 on the first block, want about 2000", first)
	}
	if len(last) != 10 {
		t.Errorf("last digits %v", last)
	}
}

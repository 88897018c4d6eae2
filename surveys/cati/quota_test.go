package cati_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/minyi-survey/minyi/surveys/cati"
)

func TestCellKey(t *testing.T) {
	tests := []struct {
		name string
		cell cati.Cell
		key  string
	}{
		{"all three", cati.Cell{"town": "t01", "gender": "f", "age": "a2"}, "age=a2,gender=f,town=t01"},
		{"one role", cati.Cell{"gender": "m"}, "gender=m"},
		{"everybody", cati.Cell{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cell.Validate(); err != nil {
				t.Fatal(err)
			}
			if got := tt.cell.Key(); got != tt.key {
				t.Fatalf("Key = %q, want %q", got, tt.key)
			}
			back, err := cati.ParseCellKey(tt.key)
			if err != nil || !reflect.DeepEqual(back, tt.cell) {
				t.Errorf("ParseCellKey = %v, %v", back, err)
			}
		})
	}
	for _, bad := range []string{"gender", "gender=f,gender=m", "sex=f", "town=t01,age=a2", "town=", "town=t 1"} {
		t.Run("refused "+bad, func(t *testing.T) {
			if _, err := cati.ParseCellKey(bad); !errors.Is(err, cati.ErrCell) {
				t.Errorf("ParseCellKey(%q) error %v", bad, err)
			}
		})
	}
	long := cati.Cell{"town": repeat('t', 64), "age": repeat('a', 64), "gender": repeat('g', 64)}
	if err := long.Validate(); err != nil || len(long.Key()) != cati.MaxCellKey {
		t.Error("MaxCellKey is not the longest key")
	}
}

func repeat(c byte, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return string(b)
}

func TestMatching(t *testing.T) {
	cells := []cati.Cell{
		{"town": "t01", "gender": "f"},              // 0
		{"town": "t01", "gender": "m"},              // 1
		{"age": "a2"},                               // 2
		{"town": "t02", "age": "a2", "gender": "f"}, // 3
		{}, // 4: everybody
	}
	tests := []struct {
		name      string
		screening map[string]string
		want      []int
		err       error
	}{
		{"woman of t01 aged a2", map[string]string{"town": "t01", "age": "a2", "gender": "f"}, []int{0, 2, 4}, nil},
		{"man of t01 aged a1", map[string]string{"town": "t01", "age": "a1", "gender": "m"}, []int{1, 4}, nil},
		{"woman of t02 aged a2", map[string]string{"town": "t02", "age": "a2", "gender": "f"}, []int{2, 3, 4}, nil},
		{"in no named cell", map[string]string{"town": "t03", "age": "a3", "gender": "m"}, []int{4}, nil},
		{"missing gender", map[string]string{"town": "t01", "age": "a2"}, nil, cati.ErrScreening},
		{"empty gender", map[string]string{"town": "t01", "age": "a2", "gender": ""}, nil, cati.ErrScreening},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cati.Matching(cells, tt.screening)
			if !errors.Is(err, tt.err) || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Matching = %v, %v; want %v, %v", got, err, tt.want, tt.err)
			}
		})
	}
	// Cells that name only town need no age or gender.
	if got, err := cati.Matching([]cati.Cell{{"town": "t01"}}, map[string]string{"town": "t01"}); err != nil || len(got) != 1 {
		t.Errorf("town-only cell: %v, %v", got, err)
	}
}

func TestCellValidate(t *testing.T) {
	tests := []struct {
		name string
		cell cati.Cell
		ok   bool
	}{
		{"fine", cati.Cell{"town": "t01"}, true},
		{"unknown role", cati.Cell{"income": "i1"}, false},
		{"bad code", cati.Cell{"town": "t,01"}, false},
		{"empty code", cati.Cell{"age": ""}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cell.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate = %v", err)
			}
		})
	}
}

package cati_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/cati"
)

func TestParseSample(t *testing.T) {
	units := func(code string) bool { return code == "u01" || code == "u02" }
	type want struct {
		rows       []cati.SampleRow
		invalid    []int // lines
		duplicates []int // lines
	}
	tests := []struct {
		name string
		file string
		opt  cati.SampleOptions
		want want
	}{
		{"plain", "13800138000,u01\n13900139000,u02,晚上打\n", cati.SampleOptions{Unit: units}, want{
			rows: []cati.SampleRow{{1, "13800138000", "u01", ""}, {2, "13900139000", "u02", "晚上打"}}}},
		{"BOM and header", "\ufeffphone,unit,note\n138 0013 8000,u01,\n", cati.SampleOptions{Unit: units}, want{
			rows: []cati.SampleRow{{2, "13800138000", "u01", ""}}}},
		{"Chinese header, CRLF", "手机号,单位\r\n+86 13800138000,u01\r\n", cati.SampleOptions{Unit: units}, want{
			rows: []cati.SampleRow{{2, "13800138000", "u01", ""}}}},
		{"a header only counts first", "13800138000,u01\nphone,unit\n", cati.SampleOptions{Unit: units}, want{
			rows: []cati.SampleRow{{1, "13800138000", "u01", ""}}, invalid: []int{2}}},
		{"invalid rows by line", "13800138000,u01\n1234,u01\n13900139000,u09\n13700137000\n13600136000,u01,a,b\n",
			cati.SampleOptions{Unit: units}, want{
				rows: []cati.SampleRow{{1, "13800138000", "u01", ""}}, invalid: []int{2, 3, 4, 5}}},
		{"duplicates in the file counted", "13800138000,u01\n138-0013-8000,u02\n13900139000,u01\n+8613800138000,u01\n",
			cati.SampleOptions{Unit: units}, want{
				rows:       []cati.SampleRow{{1, "13800138000", "u01", ""}, {3, "13900139000", "u01", ""}},
				duplicates: []int{2, 4}}},
		{"blank rows skipped, lines kept", "13800138000,u01\n\n,,\n13900139000,u01\n", cati.SampleOptions{Unit: units}, want{
			rows: []cati.SampleRow{{1, "13800138000", "u01", ""}, {4, "13900139000", "u01", ""}}}},
		{"trailing empty columns", "13800138000,u01,,,\n", cati.SampleOptions{Unit: units}, want{
			rows: []cati.SampleRow{{1, "13800138000", "u01", ""}}}},
		{"quoted note with a comma and a newline", "13800138000,u01,\"白天上班,\n晚上打\"\n13900139000,u01\n",
			cati.SampleOptions{Unit: units}, want{
				rows: []cati.SampleRow{{1, "13800138000", "u01", "白天上班,\n晚上打"}, {3, "13900139000", "u01", ""}}}},
		{"no units in the survey", "13800138000\n13900139000,\n", cati.SampleOptions{Unit: func(c string) bool { return c == "" }}, want{
			rows: []cati.SampleRow{{1, "13800138000", "", ""}, {2, "13900139000", "", ""}}}},
		{"any unit without a check", "13800138000,x\n", cati.SampleOptions{}, want{
			rows: []cati.SampleRow{{1, "13800138000", "x", ""}}}},
		{"note too long", "13800138000,u01," + strings.Repeat("长", cati.MaxNoteLen+1) + "\n", cati.SampleOptions{Unit: units}, want{
			invalid: []int{1}}},
		{"empty file", "", cati.SampleOptions{}, want{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := cati.ParseSample(strings.NewReader(tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Rows, tt.want.rows) {
				t.Errorf("rows %+v,\n want %+v", s.Rows, tt.want.rows)
			}
			var lines []int
			for _, e := range s.Invalid {
				if e.Reason == "" {
					t.Errorf("line %d refused without a reason", e.Line)
				}
				lines = append(lines, e.Line)
			}
			if !reflect.DeepEqual(lines, tt.want.invalid) {
				t.Errorf("invalid lines %v (%+v), want %v", lines, s.Invalid, tt.want.invalid)
			}
			if s.Duplicates != len(tt.want.duplicates) || !reflect.DeepEqual(s.DuplicateLines, tt.want.duplicates) {
				t.Errorf("duplicates %d at %v, want %v", s.Duplicates, s.DuplicateLines, tt.want.duplicates)
			}
		})
	}
}

func TestParseSampleReasons(t *testing.T) {
	s, err := cati.ParseSample(strings.NewReader("1234,u01\n13800138000,u09\n13800138000\n02012345678,u01\n"),
		cati.SampleOptions{Unit: func(c string) bool { return c == "u01" }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"11 位", `未知单位 "u09"`, "缺少单位", "手机号段"}
	if len(s.Invalid) != len(want) {
		t.Fatalf("invalid %+v", s.Invalid)
	}
	for i, e := range s.Invalid {
		if !strings.Contains(e.Reason, want[i]) || strings.HasPrefix(e.Reason, "cati:") {
			t.Errorf("line %d: reason %q, want one with %q", e.Line, e.Reason, want[i])
		}
	}
}

func TestParseSampleRefusesFile(t *testing.T) {
	tests := []struct {
		name, file string
		opt        cati.SampleOptions
		line       string
	}{
		// 北京 in GBK, as Excel saves "CSV" on a Chinese Windows.
		{"GBK", "13800138000,u01\n13900139000,u01,\xb1\xb1\xbe\xa9\n", cati.SampleOptions{}, "line 2"},
		{"too many rows", "13800138000,u01\n13900139000,u01\n13700137000,u01\n", cati.SampleOptions{MaxRows: 2}, "more than 2 rows"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cati.ParseSample(strings.NewReader(tt.file), tt.opt)
			if !errors.Is(err, cati.ErrSampleFile) || !strings.Contains(err.Error(), tt.line) {
				t.Errorf("error %v, want ErrSampleFile naming %q", err, tt.line)
			}
		})
	}
}

func BenchmarkParseSample(b *testing.B) {
	var sb strings.Builder
	for i := range 100000 {
		fmt.Fprintf(&sb, "138%08d,u01,note\n", i)
	}
	file := sb.String()
	b.ResetTimer()
	for range b.N {
		if _, err := cati.ParseSample(strings.NewReader(file), cati.SampleOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

package cati

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Sample file limits.
const (
	MaxSampleRows = 200000
	MaxUnitLen    = 64
	MaxNoteLen    = 200 // characters
)

// ErrSampleFile refuses a whole sample file (not UTF-8, too many rows, not
// CSV); the message says which line.
var ErrSampleFile = errors.New("cati: 样本文件无效 invalid sample file")

// SampleRow is one accepted row of a sample file.
type SampleRow struct {
	Line  int
	Phone string // normalised, 11 digits
	Unit  string
	Note  string
}

// RowError is a refused row of a sample file and why.
type RowError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// Sample is a parsed sample file.
type Sample struct {
	Rows    []SampleRow
	Invalid []RowError
	// Duplicates counts rows whose number an earlier row of the file
	// already had (they are not in Rows); DuplicateLines lists them.
	Duplicates     int
	DuplicateLines []int
}

// SampleOptions tune ParseSample.
type SampleOptions struct {
	// Unit reports whether a unit code (possibly empty) belongs to the
	// survey; nil accepts any.
	Unit func(code string) bool
	// MaxRows bounds the data rows (MaxSampleRows when zero).
	MaxRows int
}

// headerNames are first cells that make the first row a header.
var headerNames = [...]string{"phone", "mobile", "tel", "number", "电话", "手机", "号码", "手机号", "手机号码", "电话号码"}

// ParseSample reads a sample file of rows "phone,unit[,note]": UTF-8, a
// byte-order mark tolerated, a header row optional. Rows with a bad number,
// an unknown unit or too many columns are listed by line with the reason;
// a number seen earlier in the file is counted as a duplicate; blank rows
// are skipped. Only a file that is not UTF-8 or not CSV is refused whole.
func ParseSample(r io.Reader, opt SampleOptions) (*Sample, error) {
	limit := opt.MaxRows
	if limit <= 0 {
		limit = MaxSampleRows
	}
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	out := &Sample{}
	seen := map[string]bool{}
	first, rows := true, 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSampleFile, err)
		}
		line, _ := cr.FieldPos(0)
		for _, f := range rec {
			if !utf8.ValidString(f) {
				return nil, fmt.Errorf("%w: 第 %d 行不是 UTF-8 文本，请另存为“CSV UTF-8” line %d is not UTF-8: save the file as CSV UTF-8", ErrSampleFile, line, line)
			}
		}
		fields := trimmed(rec)
		if len(fields) == 0 {
			continue
		}
		if first {
			first = false
			if isHeader(fields[0]) {
				continue
			}
		}
		if rows++; rows > limit {
			return nil, fmt.Errorf("%w: 超过 %d 行 more than %d rows", ErrSampleFile, limit, limit)
		}
		row, reason := sampleRow(line, fields, opt)
		switch {
		case reason != "":
			out.Invalid = append(out.Invalid, RowError{line, reason})
		case seen[row.Phone]:
			out.Duplicates++
			out.DuplicateLines = append(out.DuplicateLines, line)
		default:
			seen[row.Phone] = true
			out.Rows = append(out.Rows, row)
		}
	}
	return out, nil
}

// trimmed trims every field and drops trailing empty ones (spreadsheets
// export them); nil for a blank row.
func trimmed(rec []string) []string {
	out := make([]string, len(rec))
	for i, f := range rec {
		out[i] = strings.TrimSpace(f)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

func isHeader(cell string) bool {
	cell = strings.ToLower(cell)
	for _, h := range headerNames {
		if cell == h {
			return true
		}
	}
	return false
}

// sampleRow checks one row; the reason is empty when it is accepted.
func sampleRow(line int, f []string, opt SampleOptions) (SampleRow, string) {
	if len(f) > 3 {
		return SampleRow{}, "多于 3 列（应为 电话,单位,备注） more than 3 columns (phone,unit,note)"
	}
	phone, err := NormalizeMobile(f[0])
	if err != nil {
		return SampleRow{}, strings.TrimPrefix(err.Error(), "cati: ")
	}
	row := SampleRow{Line: line, Phone: phone}
	if len(f) > 1 {
		row.Unit = f[1]
	}
	if len(f) > 2 {
		row.Note = f[2]
	}
	switch {
	case len(row.Unit) > MaxUnitLen:
		return SampleRow{}, fmt.Sprintf("单位代码过长 unit code over %d characters", MaxUnitLen)
	case opt.Unit != nil && !opt.Unit(row.Unit):
		if row.Unit == "" {
			return SampleRow{}, "缺少单位代码 missing unit code"
		}
		return SampleRow{}, fmt.Sprintf("未知单位 %q unknown unit", row.Unit)
	case utf8.RuneCountInString(row.Note) > MaxNoteLen:
		return SampleRow{}, fmt.Sprintf("备注超过 %d 字 note over %d characters", MaxNoteLen, MaxNoteLen)
	}
	return row, ""
}

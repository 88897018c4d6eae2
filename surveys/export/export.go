// Package export writes a survey's raw responses as files: CSV and XLSX
// workbooks (and later the published report's formats). It reads the
// responses, the versions they answered and the scored results through a
// Source, never the store, so that it can be tested and reused without a
// database.
//
// It may import package questionnaire, package stats, excelize and the
// standard library.
package export

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// Row is a stored response as a file shows it: without the respondent
// key, submission id or address hash.
type Row struct {
	PublicID    string
	VersionID   uint64
	UnitCode    string
	Channel     string
	StartedAt   *time.Time
	SubmittedAt time.Time
	DurationMS  *int64
	Flags       string
	Review      string
	Choices     string // the stored choices format (questionnaire.EachChoice)
	Texts       string // text answers, a JSON object
}

// Source is what an export reads.
type Source interface {
	// EachRow calls fn with every response of the survey, oldest first.
	// The row may be reused once fn returns.
	EachRow(ctx context.Context, fn func(*Row) error) error
	// Version returns a version the survey's responses answered.
	Version(id uint64) (*questionnaire.Compiled, error)
	// Results scores the survey for the summary sheets: the whole sample,
	// flagged responses included, unweighted; nil (and no error) when the
	// survey was never published.
	Results() (*stats.Results, error)
}

// Export is one survey's raw responses laid out for a file: the fixed
// columns, then for each question of the survey's current version (the
// published one, else the draft) its code and, for choices, its label.
// Responses to older versions fill the columns their questions share.
type Export struct {
	// Slug is the exported survey's slug, for file names.
	Slug string
	// SheetRows caps the responses on one spreadsheet sheet; 0 means as
	// many as Excel takes (MaxSheetRows−1 under the header).
	SheetRows int

	src      Source
	cur      *questionnaire.Compiled
	cols     []exportColumn
	question map[string]questionColumn
}

// questionColumn is where a question's answers go.
type questionColumn struct {
	col  int // its first column
	text bool
}

// exportColumn is one column of a responses export.
type exportColumn struct {
	name  string // machine name, the CSV header
	title string // bilingual title, Chinese first, the XLSX header
	num   bool   // a number in a spreadsheet
}

// fixedColumns come before the questions' columns, in this order.
var fixedColumns = []exportColumn{
	{"response_id", "回答编号 response_id", false},
	{"version", "版本 version", true},
	{"unit", "单位代码 unit", false},
	{"unit_name", "单位名称 unit name", false},
	{"submitted_at", "提交时间 submitted at (UTC)", false},
	{"started_at", "开始时间 started at (UTC)", false},
	{"duration_s", "用时(秒) duration (s)", true},
	{"flags", "质量标记 flags", false},
	{"review", "审核 review", false},
	{"channel", "渠道 channel", false},
}

// Indexes of the fixed columns that rows fill.
const (
	colResponse = iota
	colVersion
	colUnit
	colUnitName
	colSubmitted
	colStarted
	colDuration
	colFlags
	colReview
	colChannel
)

// New prepares the export of the survey slug, whose current version is
// cur, reading through src.
func New(slug string, cur *questionnaire.Compiled, src Source) *Export {
	e := &Export{Slug: slug, src: src, cur: cur, cols: append([]exportColumn(nil), fixedColumns...),
		question: make(map[string]questionColumn, len(cur.Questions))}
	for _, q := range cur.Questions {
		e.question[q.Code] = questionColumn{len(e.cols), q.Kind == questionnaire.KindText}
		text := limitRunes(q.Text, 20)
		e.cols = append(e.cols, exportColumn{name: q.Code, title: q.Code + " " + text})
		if q.Kind != questionnaire.KindText {
			e.cols = append(e.cols, exportColumn{name: q.Code + "_label " + text, title: q.Code + " 选项 label"})
		}
	}
	return e
}

// WriteCSV writes the responses as CSV, streaming: UTF-8 with a byte-order
// mark so that Excel shows Chinese, one row per response, every cell that
// a spreadsheet would read as a formula prefixed with ' (defuse). Nothing reaches w
// before the first batch of responses has been read, so an early failure
// leaves w untouched.
func (e *Export) WriteCSV(ctx context.Context, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(bw)
	header := make([]string, len(e.cols))
	for i, c := range e.cols {
		header[i] = defuse(c.name)
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rows := e.newRows()
	row := make([]string, len(e.cols))
	err := e.src.EachRow(ctx, func(r *Row) error {
		if err := rows.fill(row, r); err != nil {
			return err
		}
		for i := range row {
			row[i] = defuse(row[i])
		}
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// exportRows turns stored responses into rows of text.
type exportRows struct {
	*Export
	versions map[uint64]*questionnaire.Compiled
	texts    map[string]string
	labels   []string
}

func (e *Export) newRows() *exportRows {
	return &exportRows{Export: e, versions: map[uint64]*questionnaire.Compiled{}, texts: map[string]string{}}
}

// fill writes a response's cells into row, one per column.
func (x *exportRows) fill(row []string, r *Row) error {
	v := x.versions[r.VersionID]
	if v == nil {
		var err error
		if v, err = x.src.Version(r.VersionID); err != nil {
			return err
		}
		x.versions[r.VersionID] = v
	}
	clear(row)
	row[colResponse], row[colVersion], row[colUnit] = r.PublicID, strconv.FormatUint(r.VersionID, 10), r.UnitCode
	if r.UnitCode != "" {
		name, ok := v.UnitName(r.UnitCode)
		if !ok {
			name, _ = x.cur.UnitName(r.UnitCode)
		}
		row[colUnitName] = name
	}
	row[colSubmitted] = r.SubmittedAt.UTC().Format(time.RFC3339)
	if r.StartedAt != nil {
		row[colStarted] = r.StartedAt.UTC().Format(time.RFC3339)
	}
	if r.DurationMS != nil {
		row[colDuration] = strconv.FormatFloat(float64(*r.DurationMS)/1000, 'f', 1, 64)
	}
	row[colFlags], row[colReview], row[colChannel] = r.Flags, r.Review, r.Channel

	err := questionnaire.EachChoice(r.Choices, func(q, val string) error {
		qc, ok := x.question[q]
		if !ok || qc.text {
			return nil // an older version's question, or one now asked as text
		}
		row[qc.col] = val
		if !strings.Contains(val, "|") {
			row[qc.col+1] = v.OptionLabel(q, val)
			return nil
		}
		x.labels = x.labels[:0]
		for code := range strings.SplitSeq(val, "|") {
			x.labels = append(x.labels, v.OptionLabel(q, code))
		}
		row[qc.col+1] = strings.Join(x.labels, "|")
		return nil
	})
	if err != nil {
		return fmt.Errorf("export: response %s: %w", r.PublicID, err)
	}
	if r.Texts != "" {
		clear(x.texts)
		if err := json.Unmarshal([]byte(r.Texts), &x.texts); err != nil {
			return fmt.Errorf("export: response %s: stored texts: %w", r.PublicID, err)
		}
		for q, text := range x.texts {
			if qc, ok := x.question[q]; ok && qc.text {
				row[qc.col] = text
			}
		}
	}
	return nil
}

func limitRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

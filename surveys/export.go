package surveys

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/models"
)

// Export is one survey's raw responses laid out for a file: the fixed
// columns, then for each question of the survey's current version (the
// published one, else the draft) its code and, for choices, its label.
// Responses to older versions fill the columns their questions share.
type Export struct {
	// Survey is the exported survey.
	Survey models.Survey
	// SheetRows caps the responses on one spreadsheet sheet; 0 means as
	// many as Excel takes (MaxSheetRows−1 under the header).
	SheetRows int

	svc      *Service
	cur      *Compiled
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

// NewExport prepares the export of a survey's responses.
func (s *Service) NewExport(surveyID uint64) (*Export, error) {
	sv, err := s.Store.SurveyByID(surveyID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, ErrNotFound
	} else if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	vid := sv.PublishedVersionID
	if vid == nil {
		vid = sv.DraftVersionID
	}
	if vid == nil {
		return nil, fmt.Errorf("surveys: survey %d has no version", surveyID)
	}
	cur, err := s.Version(*vid)
	if err != nil {
		return nil, err
	}
	e := &Export{Survey: *sv, svc: s, cur: cur, cols: append([]exportColumn(nil), fixedColumns...),
		question: make(map[string]questionColumn, len(cur.Questions))}
	for _, q := range cur.Questions {
		e.question[q.Code] = questionColumn{len(e.cols), q.Kind == KindText}
		text := limitRunes(q.Text, 20)
		e.cols = append(e.cols, exportColumn{name: q.Code, title: q.Code + " " + text})
		if q.Kind != KindText {
			e.cols = append(e.cols, exportColumn{name: q.Code + "_label " + text, title: q.Code + " 选项 label"})
		}
	}
	return e, nil
}

// ExportCSV writes a survey's raw responses as CSV; see Export.WriteCSV.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, surveyID uint64) error {
	e, err := s.NewExport(surveyID)
	if err != nil {
		return err
	}
	return e.WriteCSV(ctx, w)
}

// WriteCSV writes the responses as CSV, streaming: UTF-8 with a byte-order
// mark so that Excel shows Chinese, one row per response. Nothing reaches w
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
		header[i] = c.name
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	rows := e.newRows()
	row := make([]string, len(e.cols))
	err := e.svc.Store.EachExportRow(ctx, e.Survey.ID, models.ExportBatch, func(r *models.ExportRow) error {
		if err := rows.fill(row, r); err != nil {
			return err
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
	versions map[uint64]*Compiled
	texts    map[string]string
	labels   []string
}

func (e *Export) newRows() *exportRows {
	return &exportRows{Export: e, versions: map[uint64]*Compiled{}, texts: map[string]string{}}
}

// fill writes a response's cells into row, one per column.
func (x *exportRows) fill(row []string, r *models.ExportRow) error {
	v := x.versions[r.VersionID]
	if v == nil {
		var err error
		if v, err = x.svc.Version(r.VersionID); err != nil {
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

	err := EachChoice(r.Choices, func(q, val string) error {
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
		return fmt.Errorf("surveys: response %s: %w", r.PublicID, err)
	}
	if r.Texts != "" {
		clear(x.texts)
		if err := json.Unmarshal([]byte(r.Texts), &x.texts); err != nil {
			return fmt.Errorf("surveys: response %s: stored texts: %w", r.PublicID, err)
		}
		for q, text := range x.texts {
			if qc, ok := x.question[q]; ok && qc.text {
				row[qc.col] = text
			}
		}
	}
	return nil
}

// OptionLabel is the label of a question's option or scale level, or the
// code itself when the version does not know it.
func (c *Compiled) OptionLabel(question, code string) string {
	q := c.byCode[question]
	if q == nil {
		return code
	}
	if q.Kind == KindSatisfaction {
		if l, ok := c.levels[code]; ok {
			return l.Label
		}
		if dk := c.Def.Scale.DontKnow; dk != nil && dk.Code == code {
			return dk.Label
		}
		return code
	}
	for _, o := range q.Options {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}

func limitRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

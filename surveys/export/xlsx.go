package export

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// Sheets of a responses workbook.
const (
	SheetResponses = "回答 Responses"
	SheetAreas     = "按领域 By area"
	SheetUnits     = "按单位 By unit"
)

// MaxSheetRows is the most rows one sheet holds (Excel's limit): a
// responses sheet takes MaxSheetRows−1 responses under its header, and
// the responses after them continue on "回答 Responses 2", and so on.
const MaxSheetRows = excelize.TotalRows

// maxSheetXML bounds a responses sheet's XML. A part of 4 GiB or more needs
// ZIP64, which Go's archive/zip announces only in the central directory and
// Excel then reports as corrupt, so a sheet that would grow past this (a
// survey with many long answers) continues on the next sheet before.
const maxSheetXML = 4<<30 - 16<<20

// WriteXLSX writes the responses as an Excel workbook: the sheet
// "回答 Responses" (the CSV's columns, one row per response; more sheets
// past Excel's row limit), then "按领域 By area" and "按单位 By unit", the
// survey's scored results for the whole sample, flagged responses included,
// unweighted (what GET /api/v1/surveys/{slug}/results answers with no query).
//
// Rows go through excelize's StreamWriter, which keeps at most 16 MB of a
// sheet in memory and the rest in a temporary file (os.TempDir), so memory
// stays flat whatever the number of responses; the workbook is compressed
// into w once every sheet is done. Nothing reaches w before then, so a
// failure while reading leaves w untouched.
func (e *Export) WriteXLSX(ctx context.Context, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName(f.GetSheetName(0), SheetResponses); err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	if err := e.writeResponseSheets(ctx, f, st); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res, err := e.src.Results() // nil when never published: the sheets say so
	if err != nil {
		return err
	}
	if err := writeAreaSheet(f, st, res); err != nil {
		return err
	}
	if err := writeUnitSheet(f, st, res); err != nil {
		return err
	}
	f.SetActiveSheet(0)

	// Compress straight into w: excelize's own Write would first build the
	// whole archive in memory.
	bw := bufio.NewWriterSize(w, 64<<10)
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(bw)
		zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(out, flate.BestSpeed)
		})
		return zw
	})
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	return bw.Flush()
}

// xlsxStyles are the workbook's cell styles.
type xlsxStyles struct {
	header, note, index, rate int
}

func newXLSXStyles(f *excelize.File) (xlsxStyles, error) {
	var st xlsxStyles
	var err error
	for _, s := range []struct {
		id    *int
		style excelize.Style
	}{
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8EEF4"}}}},
		{&st.note, excelize.Style{Font: &excelize.Font{Italic: true, Color: "555555"}}},
		{&st.index, excelize.Style{NumFmt: 2}}, // 0.00
		{&st.rate, excelize.Style{NumFmt: 10}}, // 0.00%
	} {
		if *s.id, err = f.NewStyle(&s.style); err != nil {
			return st, fmt.Errorf("export: xlsx style: %w", err)
		}
	}
	return st, nil
}

// writeResponseSheets streams every response into the responses sheets.
func (e *Export) writeResponseSheets(ctx context.Context, f *excelize.File, st xlsxStyles) error {
	perSheet := MaxSheetRows - 1
	if e.SheetRows > 0 {
		perSheet = e.SheetRows
	}
	header := make([]any, len(e.cols))
	for i, c := range e.cols {
		header[i] = excelize.Cell{StyleID: st.header, Value: c.title}
	}
	var (
		sw     *excelize.StreamWriter
		sheets int
		row    int   // the last row written on the sheet
		size   int64 // a bound on the sheet's XML so far
	)
	next := func() error {
		if sw != nil {
			if err := sw.Flush(); err != nil {
				return fmt.Errorf("export: xlsx: %w", err)
			}
		}
		sheets++
		name := SheetResponses
		if sheets > 1 {
			name = SheetResponses + " " + strconv.Itoa(sheets)
			if _, err := f.NewSheet(name); err != nil {
				return fmt.Errorf("export: xlsx: %w", err)
			}
		}
		var err error
		if sw, err = f.NewStreamWriter(name); err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
		if err := sw.SetColWidth(1, len(fixedColumns), 16); err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
		if err := sw.SetColWidth(len(fixedColumns)+1, len(e.cols), 12); err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
		row, size = 1, 0
		return sw.SetRow("A1", header, excelize.RowOpts{StyleID: st.header})
	}
	if err := next(); err != nil {
		return err
	}
	colRef := make([]int, len(e.cols)) // the length of each column's letters
	for i := range colRef {
		name, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return fmt.Errorf("export: xlsx: %w", err)
		}
		colRef[i] = len(name)
	}
	rows := e.newRows()
	text := make([]string, len(e.cols))
	cells := make([]any, len(e.cols))
	err := e.src.EachRow(ctx, func(r *Row) error {
		if err := rows.fill(text, r); err != nil {
			return err
		}
		rowSize, digits := rowXMLBound, len(strconv.Itoa(row+1))
		for i, s := range text {
			cells[i] = nil
			if s != "" {
				cells[i] = s
				rowSize += cellXMLBound(s, colRef[i]+digits)
			}
		}
		cells[colVersion] = r.VersionID
		if r.DurationMS != nil {
			cells[colDuration] = float64(*r.DurationMS) / 1000
		}
		if row-1 >= perSheet || size+rowSize > maxSheetXML {
			if err := next(); err != nil {
				return err
			}
		}
		row++
		size += rowSize
		if err := sw.SetRow("A"+strconv.Itoa(row), cells); err != nil {
			return fmt.Errorf("export: xlsx row %d: %w", row, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	return nil
}

// rowXMLBound and cellXMLBound bound the bytes excelize's stream writer
// spends on a row and on a text cell in it, `<c r="AB12" t="inlineStr"><is>
// <t xml:space="preserve">…</t></is></c>` (ref is the cell's reference),
// counting every escape XML may need. A number takes less than its text.
const rowXMLBound = int64(len(`<row r="1048576"></row>`))

func cellXMLBound(s string, ref int) int64 {
	n := int64(len(`<c r="" t="inlineStr"><is><t></t></is></c>`) + ref + len(s))
	if s != "" && (strings.ContainsAny(s[:1], " \t\n\r") || strings.ContainsAny(s[len(s)-1:], " \t\n\r")) {
		n += int64(len(` xml:space="preserve"`))
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '&', '<', '>', '"', '\'', '\t', '\n', '\r':
			n += 5
		}
	}
	return n
}

// resultsNote says which results the summary sheets show.
func resultsNote(r *stats.Results) string {
	at := r.AsOf
	if at.IsZero() {
		at = time.Now()
	}
	note := fmt.Sprintf("全部样本，含质量标记的回答，未加权；%d份回答（其中%d份有标记），计分于 %s。"+
		" Whole sample, flagged responses included, unweighted; %d responses (%d flagged), scored at %s.",
		r.Responses, r.Flagged, at.UTC().Format(time.RFC3339), r.Responses, r.Flagged, at.UTC().Format(time.RFC3339))
	if r.Quality == nil {
		return note
	}
	// The reasons, as the flags column names them.
	reasons := make([]string, 0, len(questionnaire.FlagReasons))
	for _, f := range questionnaire.FlagReasons {
		reasons = append(reasons, fmt.Sprintf("%s %s: %d", f.Code, f.Label, r.Quality.Reasons[f.Code]))
	}
	return note + " 标记原因 flags: " + strings.Join(reasons, "; ") + "."
}

const notPublished = "调查尚未发布，没有结果。 The survey was never published: there are no results."

// summarySheet is a small sheet written row by row.
type summarySheet struct {
	sw  *excelize.StreamWriter
	st  xlsxStyles
	row int
}

func newSummarySheet(f *excelize.File, st xlsxStyles, name string, widths ...float64) (*summarySheet, error) {
	if _, err := f.NewSheet(name); err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("export: xlsx: %w", err)
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, fmt.Errorf("export: xlsx: %w", err)
		}
	}
	return &summarySheet{sw: sw, st: st}, nil
}

func (s *summarySheet) add(cells ...any) error {
	s.row++
	if err := s.sw.SetRow("A"+strconv.Itoa(s.row), cells); err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	return nil
}

func (s *summarySheet) note(text string) error {
	return s.add(excelize.Cell{StyleID: s.st.note, Value: text})
}

func (s *summarySheet) header(titles ...string) error {
	cells := make([]any, len(titles))
	for i, t := range titles {
		cells[i] = excelize.Cell{StyleID: s.st.header, Value: t}
	}
	return s.add(cells...)
}

func (s *summarySheet) flush() error {
	if err := s.sw.Flush(); err != nil {
		return fmt.Errorf("export: xlsx: %w", err)
	}
	return nil
}

// num is a figure in a cell with a style, or an empty cell for no figure.
func num(v *float64, style int) any {
	if v == nil {
		return nil
	}
	return excelize.Cell{StyleID: style, Value: *v}
}

// ciBound is one bound of a 95 % interval, or nil when there is none.
func ciBound(ci []float64, i int) *float64 {
	if len(ci) != 2 {
		return nil
	}
	return &ci[i]
}

func lowMark(low bool) any {
	if low {
		return "样本不足 low sample"
	}
	return nil
}

// writeAreaSheet writes each area's figures, then the composite index and
// the overall question.
func writeAreaSheet(f *excelize.File, st xlsxStyles, r *stats.Results) error {
	s, err := newSummarySheet(f, st, SheetAreas, 10, 24, 10, 12, 12, 12, 12, 12, 10, 16)
	if err != nil {
		return err
	}
	if r == nil {
		if err := s.note(notPublished); err != nil {
			return err
		}
		return s.flush()
	}
	if err := s.note(resultsNote(r)); err != nil {
		return err
	}
	if err := s.header("领域代码 code", "领域 area", "指数 index", "95%置信下限 CI low", "95%置信上限 CI high",
		"满意率 satisfied", "不满意率 dissatisfied", "不了解率 don't know", "有效样本 n", "样本不足 low sample"); err != nil {
		return err
	}
	item := func(code, name string, it stats.ItemResult) error {
		return s.add(code, name, num(it.Index, st.index), num(ciBound(it.CI95, 0), st.index), num(ciBound(it.CI95, 1), st.index),
			num(it.Rate, st.rate), num(it.DissatisfiedRate, st.rate), num(it.DontKnowRate, st.rate), it.N, lowMark(it.Low))
	}
	for _, a := range r.Areas {
		if err := item(a.Code, a.Name, a.ItemResult); err != nil {
			return err
		}
	}
	o := r.Overall
	if err := s.add("overall", "综合指数 composite index", num(o.Index, st.index), num(ciBound(o.CI95, 0), st.index),
		num(ciBound(o.CI95, 1), st.index), nil, nil, nil, o.N, lowMark(o.Low)); err != nil {
		return err
	}
	if q := r.OverallQuestion; q != nil {
		if err := item("overall_question", "总体满意度 overall question", *q); err != nil {
			return err
		}
	}
	return s.flush()
}

// rankRange shows a rank range as "1–3", or "2" when it is one rank.
func rankRange(rr []int) string {
	if rr[0] == rr[1] {
		return fmt.Sprint(rr[0])
	}
	return fmt.Sprintf("%d–%d", rr[0], rr[1])
}

// writeUnitSheet writes each evaluated unit's responses, composite index,
// interval and rank, then each area's index.
func writeUnitSheet(f *excelize.File, st xlsxStyles, r *stats.Results) error {
	widths := []float64{10, 24, 10, 10, 12, 12, 8, 8, 10}
	if r != nil {
		for range r.Areas {
			widths = append(widths, 14)
		}
	}
	s, err := newSummarySheet(f, st, SheetUnits, widths...)
	if err != nil {
		return err
	}
	switch {
	case r == nil:
		err = s.note(notPublished)
	case len(r.Units) == 0:
		err = s.note("本调查未设评价单位。 This survey has no evaluated units.")
	}
	if err != nil || r == nil || len(r.Units) == 0 {
		if err != nil {
			return err
		}
		return s.flush()
	}
	minN := r.Limits.RankMinN
	if minN == 0 {
		minN = stats.MinRankN
	}
	if err := s.note(resultsNote(r) + " 排名：按综合指数排序，与上一组第一个单位之差不显著（|差| ≤ 1.96 倍差值标准误）的单位与该组并列；" +
		fmt.Sprintf("可能名次从 1 + 显著高于它的单位数到单位总数减显著低于它的单位数；有效样本不足%g的单位不排名。", minN) +
		" Rank: units listed by index share the rank of the group above unless their difference from its first unit is significant" +
		" (|difference| > 1.96 × its SE); possible ranks run from 1 + the units significantly above to the count less" +
		fmt.Sprintf(" those significantly below; units with n < %g are not ranked.", minN)); err != nil {
		return err
	}
	titles := []string{"单位代码 code", "单位 unit", "回答数 responses", "综合指数 index", "95%置信下限 CI low",
		"95%置信上限 CI high", "排名 rank", "并列 tied", "可能名次 possible ranks"}
	for _, a := range r.Areas {
		titles = append(titles, a.Name+" "+a.Code)
	}
	if err := s.header(titles...); err != nil {
		return err
	}
	for _, u := range r.Units {
		cells := []any{u.Code, u.Name, u.Responses, num(u.Overall.Index, st.index),
			num(ciBound(u.Overall.CI95, 0), st.index), num(ciBound(u.Overall.CI95, 1), st.index), nil, nil, nil}
		if u.Rank != nil {
			cells[6] = *u.Rank
		}
		if u.Tied {
			cells[7] = "并列 tied"
		}
		if rr := u.RankRange; len(rr) == 2 {
			cells[8] = rankRange(rr)
		}
		byCode := make(map[string]*float64, len(u.Areas))
		for _, a := range u.Areas {
			byCode[a.Code] = a.Index
		}
		for _, a := range r.Areas {
			cells = append(cells, num(byCode[a.Code], st.index))
		}
		if err := s.add(cells...); err != nil {
			return err
		}
	}
	return s.flush()
}

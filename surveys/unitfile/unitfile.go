// Package unitfile reads the evaluated units of a campaign from a CSV or
// XLSX file with the header code,name,category,target (or 代码,名称,类别,
// 样本量), checking each row and reporting bad ones by line. It does not
// save anything: the designer merges the units into the draft.
package unitfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// MaxFileBytes is the largest units file accepted.
const MaxFileBytes = 2 << 20

// ErrFile refuses a whole file (not CSV or XLSX, not UTF-8, no header,
// too many rows); the message says why, in Chinese and English.
var ErrFile = errors.New("unitfile: 单位文件无效 invalid units file")

// Problem is a refused row and why.
type Problem struct {
	Line  int    `json:"line"`
	Error string `json:"error"`
}

// Result is a parsed units file: the good rows as units and the bad ones.
type Result struct {
	Units    []questionnaire.Unit `json:"units"`
	Problems []Problem            `json:"problems"`
}

// Options tune Parse.
type Options struct {
	// Categories are the category codes the units may name; none accepts
	// any well-formed code (the draft is checked again when saved).
	Categories []string
	// MaxRows bounds the data rows (questionnaire.MaxUnits when zero).
	MaxRows int
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_+\-.]{0,63}$`)

// columns maps the accepted header names to the column they name.
var columns = map[string]string{
	"code": "code", "代码": "code", "单位代码": "code",
	"name": "name", "名称": "name", "单位名称": "name",
	"category": "category", "类别": "category",
	"target": "target", "样本量": "target",
}

// row is one line of the file with its number.
type row struct {
	line  int
	cells []string
}

// ParseCSV reads a CSV file (UTF-8, a byte-order mark tolerated).
func ParseCSV(r io.Reader, opt Options) (*Result, error) {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	var rows []row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: 不是有效的CSV文件 not a valid CSV file (%v)", ErrFile, err)
		}
		line, _ := cr.FieldPos(0)
		for _, f := range rec {
			if !utf8.ValidString(f) {
				return nil, fmt.Errorf("%w: 第 %d 行不是 UTF-8 文本，请另存为“CSV UTF-8” line %d is not UTF-8: save the file as CSV UTF-8", ErrFile, line, line)
			}
		}
		rows = append(rows, row{line, rec})
		if len(rows) > maxRows(opt)+1 {
			return nil, tooMany(opt)
		}
	}
	return parse(rows, opt)
}

// ParseXLSX reads the first sheet of an XLSX workbook.
func ParseXLSX(r io.Reader, opt Options) (*Result, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: 不是有效的XLSX文件 not a valid XLSX workbook", ErrFile)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%w: 工作簿没有工作表 the workbook has no sheet", ErrFile)
	}
	it, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%w: 无法读取第一个工作表 the first sheet could not be read", ErrFile)
	}
	defer it.Close()
	var rows []row
	for line := 1; it.Next(); line++ {
		cells, err := it.Columns()
		if err != nil {
			return nil, fmt.Errorf("%w: 第 %d 行无法读取 line %d could not be read", ErrFile, line, line)
		}
		rows = append(rows, row{line, cells})
		if len(rows) > maxRows(opt)+1 {
			return nil, tooMany(opt)
		}
	}
	return parse(rows, opt)
}

func maxRows(opt Options) int {
	if opt.MaxRows > 0 {
		return opt.MaxRows
	}
	return questionnaire.MaxUnits
}

func tooMany(opt Options) error {
	n := maxRows(opt)
	return fmt.Errorf("%w: 超过 %d 个单位 more than %d units", ErrFile, n, n)
}

// parse finds the header, then checks each data row.
func parse(rows []row, opt Options) (*Result, error) {
	rows = nonBlank(rows)
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: 文件是空的 the file is empty", ErrFile)
	}
	index := map[string]int{}
	for i, h := range rows[0].cells {
		if col, ok := columns[strings.ToLower(strings.TrimSpace(h))]; ok {
			if _, dup := index[col]; !dup {
				index[col] = i
			}
		}
	}
	if _, ok := index["code"]; !ok {
		return nil, fmt.Errorf("%w: 第一行须是表头 code,name,category,target（或 代码,名称,类别,样本量） the first line must be the header code,name,category,target", ErrFile)
	}
	if _, ok := index["name"]; !ok {
		return nil, fmt.Errorf("%w: 表头缺少 name（名称）列 the header lacks the name column", ErrFile)
	}
	if len(rows)-1 > maxRows(opt) {
		return nil, tooMany(opt)
	}
	cats := map[string]bool{}
	for _, c := range opt.Categories {
		cats[c] = true
	}
	res := &Result{Units: []questionnaire.Unit{}, Problems: []Problem{}}
	seen := map[string]int{}
	for _, r := range rows[1:] {
		cell := func(col string) string {
			i, ok := index[col]
			if !ok || i >= len(r.cells) {
				return ""
			}
			return strings.TrimSpace(r.cells[i])
		}
		u := questionnaire.Unit{Code: cell("code"), Name: cell("name"), Category: cell("category")}
		msg := check(u, cats, seen)
		if msg == "" {
			u.Target, msg = target(cell("target"))
		}
		if msg != "" {
			res.Problems = append(res.Problems, Problem{r.line, msg})
			continue
		}
		seen[strings.ToLower(u.Code)] = r.line
		res.Units = append(res.Units, u)
	}
	return res, nil
}

// check says what is wrong with a unit's code, name and category ("" if
// nothing).
func check(u questionnaire.Unit, cats map[string]bool, seen map[string]int) string {
	switch {
	case u.Code == "":
		return "代码必填 code required"
	case !codePattern.MatchString(u.Code):
		return "代码只能含字母、数字、_ + - . (最长64) code must be letters, digits, _ + - . (max 64)"
	case seen[strings.ToLower(u.Code)] != 0:
		l := seen[strings.ToLower(u.Code)]
		return fmt.Sprintf("代码与第 %d 行重复 code already used on line %d", l, l)
	case u.Name == "":
		return "名称必填 name required"
	case utf8.RuneCountInString(u.Name) > 200:
		return "名称过长（最多200字） name longer than 200 characters"
	case u.Category != "" && !codePattern.MatchString(u.Category):
		return "类别代码无效 the category code is not valid"
	case u.Category != "" && len(cats) > 0 && !cats[u.Category]:
		return fmt.Sprintf("没有这个类别 no such category %q", u.Category)
	}
	return ""
}

// target reads the planned sample size: empty for none, else a whole
// number from 0 to questionnaire.MaxTarget.
func target(s string) (int, string) {
	if s == "" {
		return 0, ""
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > questionnaire.MaxTarget {
		return 0, fmt.Sprintf("样本量须是0-%d的整数 target must be a whole number from 0 to %d", questionnaire.MaxTarget, questionnaire.MaxTarget)
	}
	return n, ""
}

// nonBlank drops rows whose cells are all empty.
func nonBlank(rows []row) []row {
	out := rows[:0]
	for _, r := range rows {
		for _, c := range r.cells {
			if strings.TrimSpace(c) != "" {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

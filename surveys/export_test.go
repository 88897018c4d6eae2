package surveys_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/export"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// exportCSV writes an export as CSV and reads it back without its BOM.
func exportCSV(t *testing.T, e *export.Export) [][]string {
	t.Helper()
	var buf bytes.Buffer
	if err := e.WriteCSV(t.Context(), &buf); err != nil {
		t.Fatal(err)
	}
	raw, ok := bytes.CutPrefix(buf.Bytes(), []byte("\ufeff"))
	if !ok {
		t.Fatal("CSV without a BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// exportXLSX writes an export as a workbook and opens it.
func exportXLSX(t *testing.T, e *export.Export) *excelize.File {
	t.Helper()
	var buf bytes.Buffer
	if err := e.WriteXLSX(t.Context(), &buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// TestExportXLSXSheets checks that the responses fill as many sheets as the
// limit makes them, in order, each under its header, with the CSV's values.
func TestExportXLSXSheets(t *testing.T) {
	const n = 7
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			svc := surveystest.Service(t, b.Store)
			if err := svc.SeedResponses(t.Context(), "social-2022", n, rand.New(rand.NewPCG(4, 2)), nil); err != nil {
				t.Fatal(err)
			}
			p, err := svc.Published("social-2022")
			if err != nil {
				t.Fatal(err)
			}
			e, err := svc.NewExport(p.Survey.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := exportCSV(t, e)
			if len(want) != 1+n {
				t.Fatalf("CSV: %d rows, want a header and %d", len(want), n)
			}
			duration := slices.Index(want[0], "duration_s")
			tests := []struct {
				name      string
				sheetRows int
				sheets    int
			}{
				{"Excel's limit", 0, 1},
				{"exactly full", n, 1},
				{"three a sheet", 3, 3},
				{"one a sheet", 1, n},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					e.SheetRows = tt.sheetRows
					f := exportXLSX(t, e)
					var names []string
					for i := range tt.sheets {
						name := export.SheetResponses
						if i > 0 {
							name += " " + strconv.Itoa(i+1)
						}
						names = append(names, name)
					}
					names = append(names, export.SheetAreas, export.SheetUnits)
					if got := f.GetSheetList(); !slices.Equal(got, names) {
						t.Fatalf("sheets %q, want %q", got, names)
					}
					var got [][]string
					for _, name := range names[:tt.sheets] {
						rows, err := f.GetRows(name)
						if err != nil {
							t.Fatal(err)
						}
						if len(rows) < 2 || rows[0][0] != "回答编号 response_id" || len(rows[0]) != len(want[0]) {
							t.Fatalf("%s: %d rows, header %q", name, len(rows), rows[0])
						}
						if limit := tt.sheetRows; limit > 0 && len(rows)-1 > limit {
							t.Fatalf("%s holds %d responses, over %d", name, len(rows)-1, limit)
						}
						got = append(got, rows[1:]...)
					}
					if len(got) != n {
						t.Fatalf("%d responses over the sheets, want %d", len(got), n)
					}
					for i, row := range got {
						row = append(row, make([]string, len(want[0])-len(row))...)
						for j, cell := range row {
							w := want[i+1][j]
							if j == duration {
								x, _ := strconv.ParseFloat(cell, 64)
								y, _ := strconv.ParseFloat(w, 64)
								if x != y {
									t.Errorf("row %d duration %q, CSV %q", i+1, cell, w)
								}
								continue
							}
							if cell != w {
								t.Errorf("row %d column %s: %q, CSV %q", i+1, want[0][j], cell, w)
							}
						}
					}
					if rows, _ := f.GetRows(export.SheetUnits); len(rows) != 1 || !strings.Contains(rows[0][0], "no evaluated units") {
						t.Errorf("unit sheet of a survey without units: %q", rows)
					}
				})
			}
		})
	}
}

// TestExportUnpublished exports a survey that has only a draft.
func TestExportUnpublished(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			svc := surveystest.Service(t, b.Store)
			id, err := svc.CreateSurvey(surveys.NewSurvey{Slug: "draft-2027", Template: "social-2022"})
			if err != nil {
				t.Fatal(err)
			}
			e, err := svc.NewExport(id)
			if err != nil {
				t.Fatal(err)
			}
			if rows := exportCSV(t, e); len(rows) != 1 || rows[0][0] != "response_id" {
				t.Fatalf("CSV of no responses: %q", rows)
			}
			f := exportXLSX(t, e)
			for _, tt := range []struct {
				sheet string
				want  string
			}{
				{export.SheetResponses, "回答编号 response_id"},
				{export.SheetAreas, "调查尚未发布"},
				{export.SheetUnits, "调查尚未发布"},
			} {
				t.Run(tt.sheet, func(t *testing.T) {
					rows, err := f.GetRows(tt.sheet)
					if err != nil || len(rows) != 1 || !strings.HasPrefix(rows[0][0], tt.want) {
						t.Fatalf("%q, %v; want one row starting %q", rows, err, tt.want)
					}
				})
			}
		})
	}
}

// TestNewExportUnknownSurvey: an unknown survey is ErrNotFound.
func TestNewExportUnknownSurvey(t *testing.T) {
	svc := surveystest.Service(t, surveystest.SQLite(t))
	if _, err := svc.NewExport(999); !errors.Is(err, surveys.ErrNotFound) {
		t.Fatalf("NewExport(999) = %v, want ErrNotFound", err)
	}
}

// TestExportXLSXUnitRanks checks the unit sheet of a survey with enough
// responses per unit to be ranked against the scored results.
func TestExportXLSXUnitRanks(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			svc := surveystest.Service(t, b.Store)
			data, err := questionnaire.Builtin("social-2022")
			if err != nil {
				t.Fatal(err)
			}
			def, err := questionnaire.CompileJSON(data)
			if err != nil {
				t.Fatal(err)
			}
			d := *def.Def
			d.Slug = "units-2026"
			d.Units = []questionnaire.Unit{{Code: "u1", Name: "琼海市"}, {Code: "u2", Name: "万宁市"}, {Code: "u3", Name: "文昌市"}}
			id, err := svc.CreateSurvey(surveys.NewSurvey{Definition: &d})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Publish(id); err != nil {
				t.Fatal(err)
			}
			if err := svc.SeedResponses(t.Context(), d.Slug, 450, rand.New(rand.NewPCG(9, 9)), nil); err != nil {
				t.Fatal(err)
			}
			if err := svc.RebuildTallies(t.Context(), id); err != nil {
				t.Fatal(err)
			}
			res, err := svc.UncachedResults(d.Slug, surveys.ResultsQuery{})
			if err != nil {
				t.Fatal(err)
			}
			e, err := svc.NewExport(id)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := exportXLSX(t, e).GetRows(export.SheetUnits)
			if err != nil || len(rows) != 2+len(res.Units) {
				t.Fatalf("unit sheet: %d rows, %v", len(rows), err)
			}
			ranked := 0
			for i, u := range res.Units {
				row := append(rows[2+i], make([]string, 8)...)
				want := []string{u.Code, u.Name, strconv.FormatInt(u.Responses, 10)}
				if !slices.Equal(row[:3], want) {
					t.Errorf("unit %d: %q, want %q", i, row[:3], want)
				}
				rank := ""
				if u.Rank != nil {
					rank, ranked = strconv.Itoa(*u.Rank), ranked+1
				}
				if row[6] != rank || (row[7] != "") != u.Tied {
					t.Errorf("unit %s: rank %q tied %q, results %q %v", u.Code, row[6], row[7], rank, u.Tied)
				}
				if got, _ := strconv.ParseFloat(row[3], 64); u.Overall.Index == nil || got != *u.Overall.Index {
					t.Errorf("unit %s: index %q, results %v", u.Code, row[3], u.Overall.Index)
				}
			}
			if ranked == 0 {
				t.Error("no unit ranked: the test needs more responses")
			}
		})
	}
}

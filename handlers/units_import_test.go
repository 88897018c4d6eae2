package handlers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// importReply is the body of a units import.
type importReply struct {
	Units    []questionnaire.Unit `json:"units"`
	Problems []struct {
		Line  int    `json:"line"`
		Error string `json:"error"`
	} `json:"problems"`
}

// upload posts a units file as the raw body with that content type.
func (sc *staffClient) upload(path, ctype string, body []byte) reply {
	sc.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, sc.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("X-CSRF-Token", sc.csrf)
	return do(sc.t, sc.c, req)
}

// uploadForm posts a units file as the multipart field file.
func (sc *staffClient) uploadForm(path, filename string, body []byte) reply {
	sc.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fw, _ := w.CreateFormFile("file", filename)
	_, _ = fw.Write(body)
	_ = w.Close()
	return sc.upload(path, w.FormDataContentType(), buf.Bytes())
}

func parseImport(t *testing.T, r reply) importReply {
	t.Helper()
	var out importReply
	if r.Status != http.StatusOK || json.Unmarshal(r.Raw, &out) != nil {
		t.Fatalf("import: %d %s, want 200", r.Status, r.Raw)
	}
	return out
}

// TestUnitsImportCSV: real CSV quoting (names with commas and quotes), a
// byte-order mark, Chinese headers in any order, bad rows named by line.
func TestUnitsImportCSV(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			wu, _ := signInAs(t, in, "wu", models.RoleDesigner)
			id := publishDefinition(t, wu, smallDefinition("wu-units", 2024, questionnaire.ResultsStaff, ""))
			path := fmt.Sprintf("/api/v1/admin/surveys/%d/units/import", id)

			file := "\xEF\xBB\xBFcode,name,category,target\n" +
				"c01,\"东城区, 城关镇\",,120\n" +
				"c02,\"说 \"\"好\"\" 的局\",,\n" +
				"\n" +
				"bad code,某局,,5\n" +
				"c03,,,5\n" +
				"c01,重复,,5\n" +
				"c04,某县,,-3\n"
			res := parseImport(t, wu.upload(path, "text/csv; charset=utf-8", []byte(file)))
			if len(res.Units) != 2 || res.Units[0].Name != "东城区, 城关镇" || res.Units[0].Target != 120 || res.Units[1].Name != `说 "好" 的局` {
				t.Fatalf("units: %+v, want c01 with its comma and target, c02 with its quotes", res.Units)
			}
			wantLines := []int{5, 6, 7, 8}
			if len(res.Problems) != len(wantLines) {
				t.Fatalf("problems: %+v, want lines %v", res.Problems, wantLines)
			}
			for i, p := range res.Problems {
				if p.Line != wantLines[i] || !strings.ContainsAny(p.Error, "代名样") || !strings.Contains(p.Error, " ") {
					t.Errorf("problem %d: %+v, want line %d with a bilingual reason", i, p, wantLines[i])
				}
			}
			if !strings.Contains(res.Problems[2].Error, "line 2") {
				t.Errorf("duplicate code: %q, want it to name line 2", res.Problems[2].Error)
			}

			zh := "样本量,名称,代码\n30,\"甲, 乙\",z1\n"
			res = parseImport(t, wu.uploadForm(path, "单位.csv", []byte(zh)))
			if len(res.Units) != 1 || res.Units[0].Code != "z1" || res.Units[0].Name != "甲, 乙" || res.Units[0].Target != 30 {
				t.Fatalf("Chinese headers as a form file: %+v %+v", res.Units, res.Problems)
			}

			r := wu.upload(path, "text/csv", []byte("phone,unit\n1,2\n"))
			if r.Status != http.StatusUnprocessableEntity || errorCode(t, r) != "invalid_file" {
				t.Errorf("no header: %d %s, want 422 invalid_file", r.Status, r.Raw)
			}
			r = wu.upload(path, "application/json", []byte(`{}`))
			if r.Status != http.StatusUnsupportedMediaType {
				t.Errorf("JSON body: %d, want 415", r.Status)
			}
		})
	}
}

// TestUnitsImportXLSX: the first sheet of a workbook, numbers as cells,
// and a campaign's categories checked.
func TestUnitsImportXLSX(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			p := seedCampaign(t, in)
			wu, _ := signInAs(t, in, "wu", models.RoleDesigner)
			addMember(t, in, p.Survey.ID, "wu", "collaborator")
			cat := p.Compiled.Def.Categories[0].Code

			f := excelize.NewFile()
			rows := [][]any{{"代码", "名称", "类别", "样本量"}, {"x1", "新区, 东片", cat, 250}, {"x2", "某局", "no-such", 10}}
			for i, row := range rows {
				cell, _ := excelize.CoordinatesToCellName(1, i+1)
				if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("/api/v1/admin/surveys/%d/units/import", p.Survey.ID)
			for how, r := range map[string]reply{
				"body": wu.upload(path, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes()),
				"form": wu.uploadForm(path, "units.xlsx", buf.Bytes()),
			} {
				res := parseImport(t, r)
				if len(res.Units) != 1 || res.Units[0].Code != "x1" || res.Units[0].Name != "新区, 东片" || res.Units[0].Category != cat || res.Units[0].Target != 250 {
					t.Errorf("%s: units %+v, want x1", how, res.Units)
				}
				if len(res.Problems) != 1 || res.Problems[0].Line != 3 || !strings.Contains(res.Problems[0].Error, "no such category") {
					t.Errorf("%s: problems %+v, want line 3's unknown category", how, res.Problems)
				}
			}
			r := wu.upload(path, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []byte("not a workbook"))
			if r.Status != http.StatusUnprocessableEntity {
				t.Errorf("broken workbook: %d, want 422", r.Status)
			}
		})
	}
}

// TestUnitsImportLimits: a file over 2 MB and more rows than a campaign
// may have units are refused with a clear message.
func TestUnitsImportLimits(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			wu, _ := signInAs(t, in, "wu", models.RoleDesigner)
			id := publishDefinition(t, wu, smallDefinition("wu-limits", 2024, questionnaire.ResultsStaff, ""))
			path := fmt.Sprintf("/api/v1/admin/surveys/%d/units/import", id)

			big := "code,name\n" + strings.Repeat("u1,"+strings.Repeat("名", 300)+"\n", 2500)
			for how, r := range map[string]reply{
				"body": wu.upload(path, "text/csv", []byte(big)),
				"form": wu.uploadForm(path, "big.csv", []byte(big)),
			} {
				if r.Status != http.StatusRequestEntityTooLarge || errorCode(t, r) != "too_large" || !strings.Contains(string(r.Raw), "2 MB") {
					t.Errorf("%s: file over 2 MB: %d %s, want 413 naming 2 MB", how, r.Status, r.Raw)
				}
			}
			var many strings.Builder
			many.WriteString("code,name\n")
			for i := 0; i <= questionnaire.MaxUnits; i++ {
				fmt.Fprintf(&many, "u%d,单位%d\n", i, i)
			}
			r := wu.upload(path, "text/csv", []byte(many.String()))
			if r.Status != http.StatusUnprocessableEntity || !strings.Contains(string(r.Raw), fmt.Sprintf("more than %d units", questionnaire.MaxUnits)) {
				t.Errorf("%d rows: %d %s, want 422 naming the limit", questionnaire.MaxUnits+1, r.Status, r.Raw)
			}
		})
	}
}

// TestUnitsImportAccess: a viewer may not import (403), another
// designer does not see the survey (404), a reader member may not (403).
func TestUnitsImportAccess(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			wu, _ := signInAs(t, in, "wu", models.RoleDesigner)
			zhao, _ := signInAs(t, in, "zhao", models.RoleDesigner)
			qian, _ := signInAs(t, in, "qian", models.RoleViewer)
			sun, _ := signInAs(t, in, "sun", models.RoleDesigner)
			id := publishDefinition(t, wu, smallDefinition("wu-access", 2024, questionnaire.ResultsStaff, ""))
			addMember(t, in, id, "sun", "reader")
			path := fmt.Sprintf("/api/v1/admin/surveys/%d/units/import", id)
			file := []byte("code,name\nc1,某区\n")
			if r := qian.upload(path, "text/csv", file); r.Status != http.StatusForbidden {
				t.Errorf("viewer: %d, want 403", r.Status)
			}
			if r := zhao.upload(path, "text/csv", file); r.Status != http.StatusNotFound {
				t.Errorf("another designer: %d, want 404", r.Status)
			}
			if r := sun.upload(path, "text/csv", file); r.Status != http.StatusForbidden {
				t.Errorf("reader member: %d, want 403", r.Status)
			}
			if r := wu.upload(path, "text/csv", file); r.Status != http.StatusOK {
				t.Errorf("owner: %d %s, want 200", r.Status, r.Raw)
			}
			if r := wu.upload(fmt.Sprintf("/api/v1/admin/surveys/%d/units/import", id+1000), "text/csv", file); r.Status != http.StatusNotFound {
				t.Errorf("no such survey: %d, want 404", r.Status)
			}
		})
	}
}

package handlers_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/export"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

const exportSlug = "export-2026"

// exportAnswer is one resident's known answers to the export survey.
type exportAnswer struct {
	unit     string
	levels   [14]string // q01..q13, then overall
	town     string
	age      string
	gender   string
	topics   []string
	comment  string
	duration time.Duration // 0 = no started_at
}

var exportAnswers = []exportAnswer{
	{unit: "u1", levels: [14]string{"5", "5", "5", "5", "5", "5", "5", "5", "5", "5", "5", "5", "5", "5"},
		town: "t01", age: "18-29", gender: "f", topics: []string{"road", "school"},
		comment: "路灯坏了, 请修 \"急\"\n<谢谢> & 'ok'", duration: 5 * time.Minute},
	{unit: "u2", levels: [14]string{"4", "3", "dk", "2", "1", "5", "4", "3", "2", "1", "dk", "4", "3", "2"},
		town: "t02", age: "50-59", gender: "m", topics: []string{"water"}},
	{unit: "u1", levels: [14]string{"1", "2", "3", "4", "5", "dk", "1", "2", "3", "4", "5", "dk", "1", "3"},
		town: "t04", age: "30-39", gender: "m", duration: 3 * time.Minute},
}

var levelLabels = map[string]string{"5": "满意", "4": "比较满意", "3": "一般", "2": "不太满意", "1": "不满意", "dk": "不了解"}

// exportDefinition is the built-in survey with two evaluated units and a
// multiple-choice question.
func exportDefinition(t *testing.T) questionnaire.Definition {
	t.Helper()
	data, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatal(err)
	}
	var def questionnaire.Definition
	if err := json.Unmarshal(data, &def); err != nil {
		t.Fatal(err)
	}
	def.Slug = exportSlug
	def.Units = []questionnaire.Unit{{Code: "u1", Name: "琼海市"}, {Code: "u2", Name: "万宁市"}}
	def.Extra = append(def.Extra, questionnaire.Question{Code: "topics", Kind: questionnaire.KindMulti, Text: "您最关心哪些方面？（可多选）",
		Options: []questionnaire.Option{{Code: "road", Label: "道路"}, {Code: "water", Label: "供水"}, {Code: "school", Label: "学校"}}})
	return def
}

// submitExportAnswer answers the export survey as a new resident and
// returns the response id.
func submitExportAnswer(t *testing.T, in *instance, a exportAnswer) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if r := get(t, c, in.URL+"/s/"+exportSlug); r.Status != 200 {
		t.Fatalf("page: %d", r.Status)
	}
	answers := map[string]any{"town": a.town, "age": a.age, "gender": a.gender, "topics": a.topics, "overall": a.levels[13]}
	for i := range 13 {
		answers[fmt.Sprintf("q%02d", i+1)] = a.levels[i]
	}
	if a.comment != "" {
		answers["comment"] = a.comment
	}
	body := map[string]any{"submission_id": uuid.NewString(), "unit": a.unit, "answers": answers}
	if a.duration > 0 {
		body["started_at"] = time.Now().Add(-a.duration).UTC().Format(time.RFC3339Nano)
	}
	b, _ := json.Marshal(body)
	r := post(t, c, in.URL+"/api/v1/surveys/"+exportSlug+"/responses", "application/json", b)
	if r.Status != 201 {
		t.Fatalf("submit: %d %s", r.Status, r.Raw)
	}
	return r.Body["response_id"].(string)
}

// wantExportRow is the CSV row of a known answer, by column name.
func wantExportRow(a exportAnswer, id string, version uint64, review string) map[string]string {
	want := map[string]string{
		"response_id": id, "version": strconv.FormatUint(version, 10), "unit": a.unit,
		"unit_name": map[string]string{"u1": "琼海市", "u2": "万宁市"}[a.unit],
		"review":    review, "channel": "web", "flags": "",
		"town": a.town, "town_label": map[string]string{"t01": "嘉积镇", "t02": "万泉镇", "t04": "中原镇"}[a.town],
		"age": a.age, "age_label": map[string]string{"18-29": "18-29岁", "30-39": "30-39岁", "50-59": "50-59岁"}[a.age],
		"gender": a.gender, "gender_label": map[string]string{"m": "男", "f": "女"}[a.gender],
		"topics": strings.Join(a.topics, "|"), "comment": a.comment,
		"overall": a.levels[13], "overall_label": levelLabels[a.levels[13]],
	}
	var labels []string
	for _, code := range a.topics {
		labels = append(labels, map[string]string{"road": "道路", "water": "供水", "school": "学校"}[code])
	}
	want["topics_label"] = strings.Join(labels, "|")
	for i := range 13 {
		q := fmt.Sprintf("q%02d", i+1)
		want[q], want[q+"_label"] = a.levels[i], levelLabels[a.levels[i]]
	}
	if a.levels == [14]string{"5", "5", "5", "5", "5", "5", "5", "5", "5", "5", "5", "5", "5", "5"} {
		want["flags"] = questionnaire.FlagStraightLiner
	}
	if a.duration == 0 {
		want["flags"] = strings.TrimPrefix(want["flags"]+","+questionnaire.FlagNoTiming, ",")
	}
	return want
}

// download GETs an export and reads all of its body.
func download(t *testing.T, sc *staffClient, path string) (*http.Response, []byte, error) {
	t.Helper()
	resp, err := sc.c.Get(sc.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestExportResponsesCSVAndXLSX(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d := signIn(t, in, models.RoleDesigner)
			r := d.do(http.MethodPost, "/api/v1/admin/surveys", map[string]any{"definition": exportDefinition(t)})
			if r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Raw)
			}
			id := uint64(r.Body["id"].(float64))
			if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/publish", id), nil); r.Status != 200 {
				t.Fatalf("publish: %d %s", r.Status, r.Raw)
			}
			det, _ := d.detail(id)
			version := *det.Published
			var ids []string
			for _, a := range exportAnswers {
				ids = append(ids, submitExportAnswer(t, in, a))
			}
			if r := d.do(http.MethodPost, fmt.Sprintf("/api/v1/admin/surveys/%d/responses/%s/review", id, ids[1]),
				map[string]string{"review": "invalid"}); r.Status != 200 {
				t.Fatalf("review: %d %s", r.Status, r.Raw)
			}
			reviews := []string{"", "invalid", ""}
			results := waitForResults(t, in, len(exportAnswers))

			// CSV: a BOM, a header of column names, one row per response.
			resp, raw, err := download(t, d, fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", id))
			if err != nil || resp.StatusCode != 200 || !bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
				t.Fatalf("csv: %d %v, starts %q", resp.StatusCode, err, raw[:min(len(raw), 8)])
			}
			if got := resp.Header.Get("Content-Disposition"); got != `attachment; filename="`+exportSlug+`-responses.csv"` {
				t.Errorf("csv Content-Disposition %q", got)
			}
			rows, err := csv.NewReader(bytes.NewReader(raw[3:])).ReadAll()
			if err != nil || len(rows) != 1+len(exportAnswers) {
				t.Fatalf("csv: %d rows, %v", len(rows), err)
			}
			names := make([]string, len(rows[0]))
			for i, h := range rows[0] {
				names[i] = strings.Fields(h)[0]
			}
			for i, a := range exportAnswers {
				checkExportRow(t, fmt.Sprint("csv row ", i+1), names, rows[i+1], wantExportRow(a, ids[i], version, reviews[i]), a)
			}

			// XLSX: the same rows, then the results.
			resp, raw, err = download(t, d, fmt.Sprintf("/api/v1/admin/surveys/%d/responses.xlsx", id))
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != handlers.MIMEXLSX {
				t.Fatalf("xlsx: %d %q %v %s", resp.StatusCode, resp.Header.Get("Content-Type"), err, raw[:min(len(raw), 200)])
			}
			if got := resp.Header.Get("Content-Disposition"); got != `attachment; filename="`+exportSlug+`-responses.xlsx"` {
				t.Errorf("xlsx Content-Disposition %q", got)
			}
			f, err := excelize.OpenReader(bytes.NewReader(raw), excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); strings.Join(got, ",") != strings.Join([]string{export.SheetResponses, export.SheetAreas, export.SheetUnits}, ",") {
				t.Fatalf("sheets %q", got)
			}
			xrows, err := f.GetRows(export.SheetResponses)
			if err != nil || len(xrows) != 1+len(exportAnswers) {
				t.Fatalf("responses sheet: %d rows, %v", len(xrows), err)
			}
			fixed := []string{"回答编号 response_id", "版本 version", "单位代码 unit", "单位名称 unit name",
				"提交时间 submitted at (UTC)", "开始时间 started at (UTC)", "用时(秒) duration (s)", "质量标记 flags", "审核 review", "渠道 channel"}
			if len(xrows[0]) != len(names) {
				t.Fatalf("xlsx header has %d columns, csv %d", len(xrows[0]), len(names))
			}
			for i, title := range xrows[0] {
				want := names[i] + " " // a question's code, then its text
				if i < len(fixed) {
					want = fixed[i]
				} else if code, ok := strings.CutSuffix(names[i], "_label"); ok {
					want = code + " 选项 label"
				}
				if !strings.HasPrefix(title, want) {
					t.Errorf("xlsx column %d is %q, want %q…", i+1, title, want)
				}
			}
			for i, a := range exportAnswers {
				row := append(xrows[i+1], make([]string, len(names)-len(xrows[i+1]))...)
				checkExportRow(t, fmt.Sprint("xlsx row ", i+1), names, row, wantExportRow(a, ids[i], version, reviews[i]), a)
				if ty, _ := f.GetCellType(export.SheetResponses, fmt.Sprintf("B%d", i+2)); ty != excelize.CellTypeUnset && ty != excelize.CellTypeNumber {
					t.Errorf("version cell of row %d has type %v, want a number", i+1, ty)
				}
			}
			checkAreaSheet(t, f, results)
			checkUnitSheet(t, f, results)

			// Viewers may not export; the audit log has both exports.
			v := signIn(t, in, models.RoleViewer)
			for _, ext := range []string{"csv", "xlsx"} {
				if r := v.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/responses.%s", id, ext), nil); r.Status != 403 {
					t.Errorf("viewer %s export: %d", ext, r.Status)
				}
				if r := get(t, http.DefaultClient, in.URL+fmt.Sprintf("/api/v1/admin/surveys/%d/responses.%s", id, ext)); r.Status != 401 {
					t.Errorf("anonymous %s export: %d", ext, r.Status)
				}
			}
			adm := signIn(t, in, models.RoleAdmin)
			var audit struct {
				Entries []struct {
					Action   string  `json:"action"`
					Detail   string  `json:"detail"`
					SurveyID *uint64 `json:"survey_id"`
					UserName string  `json:"user_name"`
				} `json:"entries"`
			}
			r = adm.do(http.MethodGet, "/api/v1/admin/audit", nil)
			if err := json.Unmarshal(r.Raw, &audit); err != nil {
				t.Fatalf("audit: %v %s", err, r.Raw)
			}
			for _, detail := range []string{"responses csv", "responses xlsx"} {
				found := false
				for _, e := range audit.Entries {
					found = found || e.Action == "survey.export" && e.Detail == detail && e.SurveyID != nil && *e.SurveyID == id && strings.HasPrefix(e.UserName, models.RoleDesigner)
				}
				if !found {
					t.Errorf("no audit entry survey.export %q by the designer: %s", detail, r.Raw)
				}
			}
		})
	}
}

// checkExportRow compares a row of an export with the known answer.
func checkExportRow(t *testing.T, name string, columns, row []string, want map[string]string, a exportAnswer) {
	t.Helper()
	if len(row) != len(columns) {
		t.Fatalf("%s: %d cells, want %d", name, len(row), len(columns))
	}
	for i, col := range columns {
		got := row[i]
		switch col {
		case "submitted_at":
			at, err := time.Parse(time.RFC3339, got)
			if err != nil || time.Since(at) > time.Minute || time.Since(at) < -time.Minute {
				t.Errorf("%s: submitted_at %q", name, got)
			}
		case "started_at", "duration_s":
			if a.duration == 0 {
				if got != "" {
					t.Errorf("%s: %s %q, want none", name, col, got)
				}
				continue
			}
			if col == "started_at" {
				if _, err := time.Parse(time.RFC3339, got); err != nil {
					t.Errorf("%s: started_at %q", name, got)
				}
				continue
			}
			s, err := strconv.ParseFloat(got, 64)
			if err != nil || math.Abs(s-a.duration.Seconds()) > 5 {
				t.Errorf("%s: duration %q, want about %v", name, got, a.duration.Seconds())
			}
		default:
			w, ok := want[col]
			if !ok {
				t.Errorf("%s: unexpected column %q", name, col)
			}
			if got != w {
				t.Errorf("%s: %s = %q, want %q", name, col, got, w)
			}
		}
	}
}

// waitForResults waits until the export survey's results count n
// responses, and returns the body.
func waitForResults(t *testing.T, in *instance, n int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+exportSlug+"/results?units=1")
		if r.Status == 200 && r.Body["responses"] == float64(n) {
			return r.Body
		}
		if time.Now().After(deadline) {
			t.Fatalf("results never counted %d responses: %d %s", n, r.Status, r.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// sheetTable reads a summary sheet: its note, then rows by the header's
// columns (a header cell's last word names its column).
func sheetTable(t *testing.T, f *excelize.File, sheet string) (note string, rows []map[string]string) {
	t.Helper()
	all, err := f.GetRows(sheet)
	if err != nil || len(all) < 2 {
		t.Fatalf("%s: %d rows, %v", sheet, len(all), err)
	}
	note = all[0][0]
	header := all[1]
	for _, cells := range all[2:] {
		row := map[string]string{}
		for i, c := range cells {
			row[header[i]] = c
		}
		rows = append(rows, row)
	}
	return note, rows
}

// sameFigure compares a cell with a figure of the results body (nil = empty).
func sameFigure(t *testing.T, what, cell string, want any) {
	t.Helper()
	if want == nil {
		if cell != "" {
			t.Errorf("%s = %q, want empty", what, cell)
		}
		return
	}
	got, err := strconv.ParseFloat(cell, 64)
	if err != nil || math.Abs(got-want.(float64)) > 1e-9 {
		t.Errorf("%s = %q, want %v", what, cell, want)
	}
}

func ciOf(m map[string]any, key string, i int) any {
	ci, _ := m[key].([]any)
	if len(ci) != 2 {
		return nil
	}
	return ci[i]
}

func checkAreaSheet(t *testing.T, f *excelize.File, results map[string]any) {
	t.Helper()
	note, rows := sheetTable(t, f, export.SheetAreas)
	if !strings.Contains(note, "全部样本") || !strings.Contains(note, "flagged responses included") {
		t.Errorf("area sheet note %q", note)
	}
	areas := results["areas"].([]any)
	if len(rows) != len(areas)+2 {
		t.Fatalf("area sheet: %d rows, want %d areas + composite + overall question", len(rows), len(areas))
	}
	check := func(row map[string]string, code, name string, m map[string]any, rates bool) {
		if row["领域代码 code"] != code || row["领域 area"] != name {
			t.Errorf("area row %q %q, want %q %q", row["领域代码 code"], row["领域 area"], code, name)
		}
		sameFigure(t, code+" index", row["指数 index"], m["index"])
		sameFigure(t, code+" CI low", row["95%置信下限 CI low"], ciOf(m, "ci95", 0))
		sameFigure(t, code+" CI high", row["95%置信上限 CI high"], ciOf(m, "ci95", 1))
		sameFigure(t, code+" n", row["有效样本 n"], m["n"])
		if rates {
			sameFigure(t, code+" rate", row["满意率 satisfied"], m["rate"])
			sameFigure(t, code+" dissatisfied", row["不满意率 dissatisfied"], m["dissatisfied_rate"])
			sameFigure(t, code+" don't know", row["不了解率 don't know"], m["dont_know_rate"])
		}
		if low := row["样本不足 low sample"] != ""; low != m["low_sample"] {
			t.Errorf("%s low sample %v, body %v", code, low, m["low_sample"])
		}
	}
	for i, a := range areas {
		a := a.(map[string]any)
		check(rows[i], a["code"].(string), a["name"].(string), a, true)
	}
	check(rows[len(areas)], "overall", "综合指数 composite index", results["overall"].(map[string]any), false)
	check(rows[len(areas)+1], "overall_question", "总体满意度 overall question", results["overall_question"].(map[string]any), true)
}

func checkUnitSheet(t *testing.T, f *excelize.File, results map[string]any) {
	t.Helper()
	note, rows := sheetTable(t, f, export.SheetUnits)
	if strings.Contains(note, "overlap") || !strings.Contains(note, "possible ranks") {
		t.Errorf("unit sheet note %q: want the difference-test rule, not overlap", note)
	}
	units := results["units"].([]any)
	if len(rows) != len(units) || len(units) != 2 {
		t.Fatalf("unit sheet: %d rows, body %d units", len(rows), len(units))
	}
	for i, u := range units {
		u := u.(map[string]any)
		row := rows[i]
		if row["单位代码 code"] != u["code"] || row["单位 unit"] != u["name"] {
			t.Errorf("unit row %d: %q %q, want %v %v", i, row["单位代码 code"], row["单位 unit"], u["code"], u["name"])
		}
		sameFigure(t, "responses", row["回答数 responses"], u["responses"])
		o := u["overall"].(map[string]any)
		sameFigure(t, "unit index", row["综合指数 index"], o["index"])
		sameFigure(t, "unit CI low", row["95%置信下限 CI low"], ciOf(o, "ci95", 0))
		sameFigure(t, "unit CI high", row["95%置信上限 CI high"], ciOf(o, "ci95", 1))
		sameFigure(t, "rank", row["排名 rank"], u["rank"])
		if rr, _ := u["rank_range"].([]any); len(rr) == 2 {
			want := fmt.Sprint(rr[0], "–", rr[1])
			if rr[0] == rr[1] {
				want = fmt.Sprint(rr[0])
			}
			if row["可能名次 possible ranks"] != want {
				t.Errorf("unit %v possible ranks %q, want %q", u["code"], row["可能名次 possible ranks"], want)
			}
		} else if row["可能名次 possible ranks"] != "" {
			t.Errorf("unranked unit %v shows possible ranks %q", u["code"], row["可能名次 possible ranks"])
		}
		for _, a := range u["areas"].([]any) {
			a := a.(map[string]any)
			sameFigure(t, fmt.Sprint(u["code"], " ", a["code"]), row[a["name"].(string)+" "+a["code"].(string)], a["index"])
		}
	}
}

// TestExportErrors: failures before the first byte are JSON errors; a
// failure after it cuts the download short.
func TestExportErrors(t *testing.T) {
	for name, in := range instances(t, handlers.Config{}) {
		t.Run(name, func(t *testing.T) {
			d := signIn(t, in, models.RoleDesigner)
			p, err := in.Svc.Published(slug)
			if err != nil {
				t.Fatal(err)
			}
			addMember(t, in, p.Survey.ID, d.name, models.MemberCollaborator)
			tests := []struct {
				name   string
				path   string
				status int
			}{
				{"unknown survey csv", "/api/v1/admin/surveys/999999/responses.csv", 404},
				{"unknown survey xlsx", "/api/v1/admin/surveys/999999/responses.xlsx", 404},
				{"bad id", "/api/v1/admin/surveys/x/responses.xlsx", 404},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					r := d.do(http.MethodGet, tt.path, nil)
					if r.Status != tt.status || r.Body["error"] == nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
						t.Fatalf("%d %q %s", r.Status, r.Header.Get("Content-Type"), r.Raw)
					}
				})
			}

			// A stored response the export cannot read, after enough good
			// ones that the CSV has started: the CSV is cut short, the
			// workbook (nothing sent yet) is a JSON error.
			var good []*models.Response
			for i := range 2000 {
				good = append(good, &models.Response{PublicID: uuid.NewString(), SurveyID: p.Survey.ID, VersionID: p.Version,
					RespondentKey: fmt.Sprint("bulk:", i), SubmissionID: uuid.NewString(), Channel: "seed",
					SubmittedAt: time.Now().UTC(), Choices: "q01=5,q02=4,town=t01"})
			}
			bad := &models.Response{PublicID: uuid.NewString(), SurveyID: p.Survey.ID, VersionID: p.Version,
				RespondentKey: "bulk:bad", SubmissionID: uuid.NewString(), Channel: "seed", SubmittedAt: time.Now().UTC(), Choices: "q01"}
			if err := in.Store.InsertResponses(append(good, bad)); err != nil {
				t.Fatal(err)
			}
			t.Run("csv cut short", func(t *testing.T) {
				resp, body, err := download(t, d, fmt.Sprintf("/api/v1/admin/surveys/%d/responses.csv", p.Survey.ID))
				if resp.StatusCode != 200 || err == nil {
					t.Fatalf("csv: %d, %d bytes, read error %v: want 200 and a body cut short", resp.StatusCode, len(body), err)
				}
			})
			t.Run("xlsx JSON error", func(t *testing.T) {
				r := d.do(http.MethodGet, fmt.Sprintf("/api/v1/admin/surveys/%d/responses.xlsx", p.Survey.ID), nil)
				if r.Status != 500 || r.Body["error"] == nil || strings.Contains(string(r.Raw), "q01") {
					t.Fatalf("xlsx: %d %s", r.Status, r.Raw)
				}
			})
		})
	}
}

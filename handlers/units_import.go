package handlers

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys/unitfile"
)

// mimeXLSX is the content type of an XLSX workbook.
const mimeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

var (
	errUnitsTooLarge = &apiError{http.StatusRequestEntityTooLarge, "too_large", "单位文件超过2MB the units file is larger than 2 MB"}
	errUnitsMedia    = &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "请上传 CSV 或 XLSX 文件（表单字段 file，或 text/csv / XLSX 正文） upload a CSV or XLSX file (form field file, or a text/csv or XLSX body)"}
	errUnitsNoFile   = &apiError{http.StatusBadRequest, "malformed", "表单缺少 file 字段 the form has no file field"}
)

// PostUnitsImport handles POST /api/v1/admin/surveys/:id/units/import: a
// CSV or XLSX file of units (header code,name,category,target or 代码,名称,
// 类别,样本量) as the multipart field file or as the body → {"units",
// "problems": [{"line", "error"}]}. It only reads and checks the file;
// the designer merges the units into the draft and saves it.
func (a *App) PostUnitsImport(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	detail, err := a.svc.SurveyDetail(id)
	if err != nil {
		return err
	}
	mt, params, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	// The multipart envelope gets a little room beyond the file itself.
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, unitfile.MaxFileBytes+64<<10))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errUnitsTooLarge
	case err != nil:
		return errMalformedBody
	}
	name := ""
	if mt == "multipart/form-data" {
		if body, name, mt, err = formFile(body, params["boundary"]); err != nil {
			return err
		}
	}
	if len(body) > unitfile.MaxFileBytes {
		return errUnitsTooLarge
	}
	var opt unitfile.Options
	def := detail.DraftDefinition
	if def == nil {
		def = detail.PublishedDefinition
	}
	if def != nil {
		for _, cat := range def.Categories {
			opt.Categories = append(opt.Categories, cat.Code)
		}
	}
	var res *unitfile.Result
	switch {
	case mt == mimeXLSX || strings.EqualFold(path.Ext(name), ".xlsx"):
		res, err = unitfile.ParseXLSX(bytes.NewReader(body), opt)
	case mt == "text/csv" || mt == "text/plain" || mt == "application/vnd.ms-excel" || strings.EqualFold(path.Ext(name), ".csv"):
		res, err = unitfile.ParseCSV(bytes.NewReader(body), opt)
	default:
		return errUnitsMedia
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// formFile finds the multipart field file in body: its content, file name
// and content type.
func formFile(body []byte, boundary string) ([]byte, string, string, error) {
	if boundary == "" {
		return nil, "", "", errMalformedBody
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", "", errUnitsNoFile
		}
		if err != nil {
			return nil, "", "", errMalformedBody
		}
		if p.FormName() != "file" {
			continue
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, "", "", errMalformedBody
		}
		mt, _, _ := mime.ParseMediaType(p.Header.Get(echo.HeaderContentType))
		return data, p.FileName(), mt, nil
	}
}

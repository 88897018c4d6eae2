package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

type tokenCounts struct {
	Total  int64 `json:"total"`
	Used   int64 `json:"used"`
	Unused int64 `json:"unused"`
}

// GetTokenCounts handles GET /api/v1/admin/surveys/:id/tokens.
func (a *App) GetTokenCounts(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	total, used, err := a.svc.TokenCounts(id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenCounts{total, used, total - used})
}

// PostTokens handles POST /api/v1/admin/surveys/:id/tokens: {count, unit}.
// The tokens are in this answer only: the server keeps their hashes.
func (a *App) PostTokens(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in struct {
		Count int    `json:"count"`
		Unit  string `json:"unit"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	d, err := a.svc.SurveyDetail(id)
	if err != nil {
		return err
	}
	issued, err := a.svc.CreateTokens(id, in.Count, in.Unit)
	if err != nil {
		return err
	}
	base := c.Scheme() + "://" + c.Request().Host + "/s/" + d.Slug + "?t="
	if in.Unit != "" {
		// The link opens the unit's own page: its areas, its summaries.
		base = c.Scheme() + "://" + c.Request().Host + "/s/" + d.Slug + "/u/" + url.PathEscape(in.Unit) + "?t="
	}
	type tokenOut struct {
		surveys.IssuedToken
		Link string `json:"link"`
	}
	out := make([]tokenOut, len(issued))
	for i, t := range issued {
		out[i] = tokenOut{t, base + t.Token}
	}
	a.audit(c, "tokens.create", &id, nil, fmt.Sprintf("count=%d unit=%s", in.Count, in.Unit))
	return c.JSON(http.StatusCreated, map[string]any{"tokens": out, "survey_link": c.Scheme() + "://" + c.Request().Host + "/s/" + d.Slug})
}

// GetQR handles GET /api/v1/admin/qr?text=...&size=N: a QR code PNG of a link.
func (a *App) GetQR(c echo.Context) error {
	text := c.QueryParam("text")
	size, _ := strconv.Atoi(c.QueryParam("size"))
	if size == 0 {
		size = 256
	}
	if text == "" || len(text) > 1024 || size < 64 || size > 1024 {
		return &questionnaire.InvalidError{Fields: map[string]string{"text": "须为1-1024字节的链接，size 64-1024 text must be 1-1024 bytes, size 64-1024"}}
	}
	png, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		return &questionnaire.InvalidError{Fields: map[string]string{"text": "无法生成二维码 cannot encode this text"}}
	}
	c.Response().Header().Set("Cache-Control", "private, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", png)
}

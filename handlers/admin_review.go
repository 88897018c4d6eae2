package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// GetResponses handles GET /api/v1/admin/surveys/:id/responses
// [?flagged=1][&before=RESPONSE_ID]: responses for review, newest first,
// 100 a page, without their answers.
func (a *App) GetResponses(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	rows, err := a.svc.ResponseList(id, c.QueryParam("flagged") == "1", c.QueryParam("before"), 100)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"responses": rows})
}

// PostReview handles POST /api/v1/admin/surveys/:id/responses/:rid/review:
// {"review": "valid"|"invalid"|""}. Audited.
func (a *App) PostReview(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var in struct {
		Review string `json:"review"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	r, err := a.svc.ReviewResponse(c.Request().Context(), id, c.Param("rid"), in.Review)
	if err != nil {
		return err
	}
	a.audit(c, "response.review", &id, &r.VersionID, fmt.Sprintf("%s: %q (flags %q)", r.PublicID, in.Review, r.Flags))
	return c.JSON(http.StatusOK, map[string]string{"response_id": r.PublicID, "review": r.Review, "flags": r.Flags})
}

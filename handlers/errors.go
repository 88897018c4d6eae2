package handlers

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/unitfile"
)

// apiError is an error with its status, code and bilingual message.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// Errors raised by the HTTP layer itself.
var (
	errUnsupportedMedia = &apiError{http.StatusUnsupportedMediaType, "unsupported_media_type", "请以 application/json 提交 send the body as application/json"}
	errTooLarge         = &apiError{http.StatusRequestEntityTooLarge, "too_large", "提交内容超过1MB the body is larger than 1 MB"}
	errMalformedBody    = &apiError{http.StatusBadRequest, "malformed", "无法读取提交内容 the request body could not be read"}
	errNoCookie         = &apiError{http.StatusForbidden, "forbidden", "请先打开问卷页面再提交 open the survey page first, then submit (respondent cookie missing or invalid)"}
	errRateLimited      = &apiError{http.StatusTooManyRequests, "rate_limited", "提交过于频繁，请稍后再试 too many requests, try again shortly"}
	errShareKey         = &apiError{http.StatusForbidden, "forbidden", "分享链接无效或已撤销 this share link is wrong or has been revoked"}
	errResultsPrivate   = &apiError{http.StatusForbidden, "forbidden", "本调查结果仅对工作人员开放，请先登录 results of this survey are for signed-in staff only"}
	errResultsMembers   = &apiError{http.StatusForbidden, "forbidden", "本调查结果仅对其成员开放，请联系负责人 results of this survey are for its members; ask its owner"}
)

// Errors of the staff side.
var (
	errSignIn    = &apiError{http.StatusUnauthorized, "unauthorized", "请先登录 sign in first"}
	errBadLogin  = &apiError{http.StatusUnauthorized, "unauthorized", "用户名或密码错误 wrong name or password"}
	errThrottled = &apiError{http.StatusTooManyRequests, "rate_limited", "登录尝试过多，请5分钟后再试 too many sign-in attempts; try again in 5 minutes"}
	errRole      = &apiError{http.StatusForbidden, "forbidden", "您的角色无权执行此操作 your role may not do this"}
	errCSRF      = &apiError{http.StatusForbidden, "forbidden", "请求缺少有效的CSRF令牌，请刷新页面 missing or wrong CSRF token; reload the page"}
	errBadID     = &apiError{http.StatusNotFound, "not_found", "没有找到 not found"}
	// errSurveyAccess refuses a member of a survey what its access does not allow.
	errSurveyAccess = &apiError{http.StatusForbidden, "forbidden", "您在这份问卷上的权限不够，请联系负责人 your access to this survey does not allow this; ask its owner"}
)

// errorBody is the API's error shape.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// classify maps any error to a status and an error body. Internals never
// reach the body: 5xx answers carry a fixed message and the request id.
func classify(err error) (int, errorDetail) {
	var api *apiError
	var invalid *questionnaire.InvalidError
	var he *echo.HTTPError
	var defErr *questionnaire.DefinitionError
	if status, detail, ok := classifyOTP(err); ok {
		return status, detail
	}
	switch {
	case errors.As(err, &api):
		return api.Status, errorDetail{Code: api.Code, Message: api.Message}
	case errors.As(err, &defErr):
		fields := map[string]string{}
		for _, p := range defErr.Problems {
			fields[p.Path] = p.Reason
		}
		return http.StatusUnprocessableEntity, errorDetail{Code: "invalid_definition",
			Message: fmt.Sprintf("问卷定义有%d处问题，未保存 the definition has %d problems; nothing was saved", len(fields), len(fields)), Fields: fields}
	case errors.Is(err, staff.ErrBadLogin):
		return errBadLogin.Status, errorDetail{Code: errBadLogin.Code, Message: errBadLogin.Message}
	case errors.Is(err, staff.ErrThrottled):
		return errThrottled.Status, errorDetail{Code: errThrottled.Code, Message: errThrottled.Message}
	case errors.Is(err, staff.ErrNoSession):
		return errSignIn.Status, errorDetail{Code: errSignIn.Code, Message: errSignIn.Message}
	case errors.Is(err, staff.ErrInvalid):
		return http.StatusUnprocessableEntity, errorDetail{Code: "invalid", Message: strings.TrimPrefix(err.Error(), staff.ErrInvalid.Error()+": ")}
	case errors.Is(err, staff.ErrUserExists):
		return http.StatusConflict, errorDetail{Code: "conflict", Message: "用户名已被使用 this user name is taken"}
	case errors.Is(err, staff.ErrLastAdmin):
		return http.StatusConflict, errorDetail{Code: "conflict", Message: "不能停用或降级最后一位管理员 the last enabled admin cannot be disabled or demoted"}
	case errors.Is(err, staff.ErrUserNotFound):
		return http.StatusNotFound, errorDetail{Code: "not_found", Message: "没有这个用户 no such user"}
	case errors.Is(err, surveys.ErrSlugTaken):
		return http.StatusConflict, errorDetail{Code: "conflict", Message: "这个链接名已被使用 this slug is already used", Fields: map[string]string{"slug": "已被使用 already used"}}
	case errors.Is(err, surveys.ErrNoDraft):
		return http.StatusConflict, errorDetail{Code: "conflict", Message: "没有待发布的草稿 there is no draft to publish"}
	case errors.Is(err, surveys.ErrNotOpenable):
		return http.StatusConflict, errorDetail{Code: "conflict", Message: "问卷尚未发布 the survey has not been published"}
	case errors.As(err, &invalid):
		return http.StatusUnprocessableEntity, errorDetail{Code: "invalid",
			Message: "请修改标出的内容 please fix what is marked", Fields: invalid.Fields}
	case errors.Is(err, questionnaire.ErrMalformed):
		return http.StatusBadRequest, errorDetail{Code: "malformed",
			Message: "提交内容不是有效的JSON the body is not the JSON this endpoint expects"}
	case errors.Is(err, surveys.ErrQuotaFull):
		return http.StatusConflict, errorDetail{Code: "quota_full", Message: "配额已满，请记录 4.8 配额已满并结束通话 a quota cell this respondent is in is full; record 4.8 quota filled and end the call"}
	case errors.Is(err, surveys.ErrNotHeld):
		return http.StatusConflict, errorDetail{Code: "not_held", Message: "您没有持有这个样本（占用已超时或已转给他人），请取下一个 you do not hold this case (the hold lapsed or it went to another interviewer); take the next one"}
	case errors.Is(err, surveys.ErrCaseClosed):
		return http.StatusConflict, errorDetail{Code: "case_closed", Message: "这个样本已结束 this case is already closed"}
	case errors.Is(err, surveys.ErrNotScreened):
		return http.StatusConflict, errorDetail{Code: "not_screened", Message: "请先完成甄别 screen the respondent first"}
	case errors.Is(err, surveys.ErrCaseNotFound):
		return http.StatusNotFound, errorDetail{Code: "not_found", Message: "没有这个样本 no such case"}
	case errors.Is(err, surveys.ErrSample):
		return http.StatusUnprocessableEntity, errorDetail{Code: "invalid_sample", Message: strings.TrimPrefix(err.Error(), surveys.ErrSample.Error()+": ")}
	case errors.Is(err, unitfile.ErrFile):
		return http.StatusUnprocessableEntity, errorDetail{Code: "invalid_file", Message: strings.TrimPrefix(err.Error(), unitfile.ErrFile.Error()+": ")}
	case errors.Is(err, surveys.ErrNotFound):
		return http.StatusNotFound, errorDetail{Code: "not_found", Message: "没有找到这份问卷 no such survey"}
	case errors.Is(err, surveys.ErrWeightingNotReady):
		return http.StatusServiceUnavailable, errorDetail{Code: "not_ready", Message: "加权数据准备中（正在把已有回答计入加权分组），请稍后再试 weighted figures are being prepared (earlier responses are being counted); try again shortly"}
	case errors.Is(err, surveys.ErrUnknownUnit):
		return http.StatusNotFound, errorDetail{Code: "not_found", Message: "本调查没有这个单位 no such unit in this survey"}
	case errors.Is(err, surveys.ErrClosed):
		return http.StatusGone, errorDetail{Code: "closed", Message: "本次调查已结束 this survey is closed"}
	case errors.Is(err, surveys.ErrDuplicate):
		return http.StatusConflict, errorDetail{Code: "duplicate", Message: "您已经参与过本次调查，感谢支持 you have already answered this survey"}
	case errors.Is(err, surveys.ErrWeChatRequired):
		return errWeChatRequired.Status, errorDetail{Code: errWeChatRequired.Code, Message: errWeChatRequired.Message}
	case errors.Is(err, surveys.ErrNoWeChat):
		return errNoWeChat.Status, errorDetail{Code: errNoWeChat.Code, Message: errNoWeChat.Message}
	case errors.Is(err, surveys.ErrForbidden):
		return http.StatusForbidden, errorDetail{Code: "forbidden", Message: "无法确认您的答题资格 this invitation or respondent could not be verified"}
	case errors.Is(err, surveys.ErrUnavailable):
		return http.StatusServiceUnavailable, errorDetail{Code: "unavailable", Message: "服务繁忙，您的回答已保留，请稍后重试 the service is busy; your answers are kept, please retry shortly"}
	case errors.As(err, &he):
		return he.Code, errorDetail{Code: httpCode(he.Code), Message: httpMessage(he.Code)}
	}
	return http.StatusInternalServerError, errorDetail{Code: "internal", Message: "服务器内部错误 internal server error"}
}

func httpCode(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "too_large"
	case http.StatusTooManyRequests:
		return "rate_limited"
	case http.StatusBadRequest:
		return "malformed"
	}
	return strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
}

func httpMessage(status int) string {
	switch status {
	case http.StatusNotFound:
		return "页面不存在 not found"
	case http.StatusMethodNotAllowed:
		return "不支持此请求方法 method not allowed"
	}
	return http.StatusText(status)
}

// handleError is Echo's HTTPErrorHandler: JSON for the API, a page elsewhere.
func (a *App) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, detail := classify(err)
	rid := c.Response().Header().Get(echo.HeaderXRequestID)
	if status >= 500 && !errors.Is(err, surveys.ErrWeightingNotReady) { // an expected wait, not a failure
		slog.Error("request failed", slog.String("request_id", rid), slog.String("method", c.Request().Method),
			slog.String("path", c.Request().URL.Path), slog.Any("error", err))
		detail.Message += " (request " + rid + ")"
	}
	if status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "5")
	}
	if wait := retryAfterOf(err); wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(wait))
	}
	var werr error
	switch {
	case c.Request().Method == http.MethodHead:
		werr = c.NoContent(status)
	case strings.HasPrefix(c.Request().URL.Path, "/api/") || c.Request().URL.Path == "/healthz":
		werr = c.JSON(status, errorBody{detail})
	default:
		werr = a.render(c, status, "error.html", errorPage{Status: status, Title: httpMessage(status), Message: detail.Message})
	}
	if werr != nil {
		slog.Warn("writing the error response failed", slog.Any("error", werr))
	}
}

// errorPage is the data of the error page template.
type errorPage struct {
	Status         int
	Title, Message string
}

// render executes a template into the response.
func (a *App) render(c echo.Context, status int, name string, data any) error {
	var b strings.Builder
	if err := a.templates.ExecuteTemplate(&b, name, data); err != nil {
		return err
	}
	return c.HTML(status, b.String())
}

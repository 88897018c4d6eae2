package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
)

// The least role a route needs; anyone lets everybody in, signed in or not.
const (
	anyone      = ""
	interviewer = models.RoleInterviewer
	viewer      = models.RoleViewer
	designer    = models.RoleDesigner
	admin       = models.RoleAdmin
)

// Route is an entry of the route table as tests and documentation see
// it: the method, the path, the least role ("" = anyone) and, for a route
// on one survey (its :id), the least access to that survey: "reader",
// "collaborator" or "owner" ("" = not about one survey).
type Route struct {
	Method, Path, Role string
	Survey             string
}

// route is an entry of the route table: a route that needs a role is
// served behind staffAuth, a route on one survey then behind surveyAuth,
// then its own middleware.
type route struct {
	Route
	access     surveys.Access
	handler    echo.HandlerFunc
	middleware []echo.MiddlewareFunc
}

// routeTable is the whole HTTP surface of the app, in one place: every
// route Echo serves comes from here (TestAuthorizationMatrix checks that
// and requests each one in every role).
func (a *App) routeTable() []route {
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	r := func(method, path, role string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) route {
		return scoped(route{Route: Route{method, path, role, ""}, access: surveyAccessOf(path, role), handler: h, middleware: mw})
	}
	// A survey's members are its owner's (and the admins') to see and set.
	owner := func(method, path string, h echo.HandlerFunc) route {
		return scoped(route{Route: Route{method, path, designer, ""}, access: surveys.AccessManage, handler: h})
	}
	return []route{
		// Residents and the public: pages, the questionnaire API, results.
		r(get, "/", anyone, a.GetHome),
		r(get, "/healthz", anyone, a.GetHealth),
		r(get, "/static/:hash/:name", anyone, a.GetAsset),
		r(get, "/s/:slug", anyone, a.GetSurveyPage),
		r(get, "/s/:slug/u/:unit", anyone, a.GetUnitSurveyPage),
		r(get, "/s/:slug/wechat/callback", anyone, a.GetWeChatCallback),
		r(get, "/d/:slug", anyone, a.GetDashboardPage),
		r(get, "/d/:slug/u/:unit", anyone, a.GetUnitDashboardPage),
		r(get, "/api/v1/surveys/:slug", anyone, a.GetSurvey),
		r(post, "/api/v1/surveys/:slug/responses", anyone, a.PostResponse, a.rateLimit),
		r(post, "/api/v1/surveys/:slug/otp", anyone, a.PostOTP),
		r(post, "/api/v1/sms/receipts/:secret", anyone, a.PostSMSReceipts),
		r(post, "/api/v1/sms/replies/:secret", anyone, a.PostSMSReplies),
		r(get, "/api/v1/surveys/:slug/results", anyone, a.GetResults, a.resultsRateLimit),
		r(get, "/api/v1/surveys/:slug/live", anyone, a.GetLive),
		r(get, "/r/:slug", anyone, a.GetReportPage, a.resultsRateLimit),

		// Staff pages.
		r(get, "/admin/login", anyone, a.GetLoginPage),
		r(get, "/admin", viewer, a.GetAdminPage),
		r(get, "/admin/surveys/:id", viewer, a.GetDesignerPage),
		r(get, "/admin/surveys/:id/preview", viewer, a.GetPreviewPage),
		r(get, "/admin/surveys/:id/sheet", designer, a.GetTokenSheetPage),
		r(get, "/admin/users", admin, a.GetUsersPage),
		r(get, "/admin/audit", admin, a.GetAuditPage),

		// Staff API: signing in.
		r(post, "/api/v1/admin/login", anyone, a.PostLogin),
		r(post, "/api/v1/admin/logout", interviewer, a.PostLogout),
		r(get, "/api/v1/admin/me", interviewer, a.GetMe),
		r(post, "/api/v1/admin/password", interviewer, a.PostPassword),
		// Surveys.
		r(get, "/api/v1/admin/surveys", viewer, a.GetAdminSurveys),
		r(post, "/api/v1/admin/surveys", designer, a.PostAdminSurvey),
		r(get, "/api/v1/admin/surveys/:id", viewer, a.GetAdminSurvey),
		r(put, "/api/v1/admin/surveys/:id/draft", designer, a.PutDraft),
		r(post, "/api/v1/admin/surveys/:id/publish", designer, a.PostPublish),
		r(post, "/api/v1/admin/surveys/:id/close", designer, a.PostClose),
		r(post, "/api/v1/admin/surveys/:id/reopen", designer, a.PostReopen),
		r(get, "/api/v1/admin/surveys/:id/definition", designer, a.GetDefinitionExport),
		// Invitations.
		r(get, "/api/v1/admin/surveys/:id/tokens", viewer, a.GetTokenCounts),
		r(post, "/api/v1/admin/surveys/:id/tokens", designer, a.PostTokens),
		r(get, "/api/v1/admin/qr", designer, a.GetQR),
		// Responses: review and exports.
		r(get, "/api/v1/admin/surveys/:id/responses", designer, a.GetResponses),
		r(get, "/api/v1/admin/surveys/:id/responses.csv", designer, a.GetResponsesCSV),
		r(get, "/api/v1/admin/surveys/:id/responses.xlsx", designer, a.GetResponsesXLSX),
		r(post, "/api/v1/admin/surveys/:id/responses/:rid/review", designer, a.PostReview),
		// Share links and weighting.
		r(get, "/api/v1/admin/surveys/:id/shares", viewer, a.GetShareLinks),
		r(post, "/api/v1/admin/surveys/:id/shares", designer, a.PostShareLink),
		r(del, "/api/v1/admin/surveys/:id/shares/:sid", designer, a.DeleteShareLink),
		r(get, "/api/v1/admin/surveys/:id/weighting", viewer, a.GetWeighting),
		r(put, "/api/v1/admin/surveys/:id/weighting", designer, a.PutWeighting),
		r(post, "/api/v1/admin/surveys/:id/units/import", designer, a.PostUnitsImport),
		// Phone mode: the numbers allowed to answer.
		r(get, "/api/v1/admin/surveys/:id/roster", viewer, a.GetRoster),
		r(put, "/api/v1/admin/surveys/:id/roster", designer, a.PutRoster),
		r(get, "/api/v1/admin/surveys/:id/invitations", viewer, a.GetInvitations),
		r(post, "/api/v1/admin/surveys/:id/invitations", designer, a.PostInvitations),
		r(post, "/api/v1/admin/surveys/:id/invitations/send", designer, a.PostInvitationSend),
		r(post, "/api/v1/admin/surveys/:id/invitations/remind", designer, a.PostInvitationSend),
		r(post, "/api/v1/admin/do-not-contact", designer, a.PostDoNotContact),
		// Who may see and change the survey.
		owner(get, "/api/v1/admin/surveys/:id/members", a.GetMembers),
		owner(put, "/api/v1/admin/surveys/:id/members", a.PutMembers),
		// The published report.
		r(get, "/api/v1/admin/surveys/:id/report.pdf", viewer, a.GetReportPDF),
		r(get, "/api/v1/admin/surveys/:id/report.docx", designer, a.GetReportDOCX),
		// Users and the audit log.
		r(get, "/api/v1/admin/users", admin, a.GetUsers),
		r(post, "/api/v1/admin/users", admin, a.PostUser),
		r(patch, "/api/v1/admin/users/:id", admin, a.PatchUser),
		r(post, "/api/v1/admin/users/:id/unlock", admin, a.PostUserUnlock),
		r(get, "/api/v1/admin/audit", admin, a.GetAudit),
		// Retention of identifying data (phone numbers, notes) after close.
		r(get, "/api/v1/admin/retention", admin, a.GetRetention),
		r(post, "/api/v1/admin/retention/purge", admin, a.PostRetentionPurge),

		// Telephone interviewing: the console and its API (the case an
		// interviewer holds), and the designers' supervision of it.
		r(get, "/cati", interviewer, a.GetCatiPage),
		r(get, "/api/v1/cati/surveys", interviewer, a.GetCatiSurveys),
		r(post, "/api/v1/cati/surveys/:id/next", interviewer, a.PostCatiNext),
		r(post, "/api/v1/cati/cases/:id/screen", interviewer, a.PostCatiScreen),
		r(post, "/api/v1/cati/cases/:id/responses", interviewer, a.PostCatiResponse),
		r(post, "/api/v1/cati/cases/:id/outcome", interviewer, a.PostCatiOutcome),
		r(post, "/api/v1/admin/surveys/:id/cati/sample", designer, a.PostCatiSample),
		r(get, "/api/v1/admin/surveys/:id/cati/settings", viewer, a.GetCatiSettings),
		r(put, "/api/v1/admin/surveys/:id/cati/settings", designer, a.PutCatiSettings),
		r(get, "/api/v1/admin/surveys/:id/cati/report", viewer, a.GetCatiReport),
	}
}

// Routes lists every route of the table with its least role.
func (a *App) Routes() []Route {
	table := a.routeTable()
	out := make([]Route, len(table))
	for i, r := range table {
		out[i] = r.Route
	}
	return out
}

// routes configures Echo from the route table.
func (a *App) routes(e *echo.Echo) {
	for _, r := range a.routeTable() {
		mw := r.middleware
		if r.access != surveys.AccessNone {
			mw = append([]echo.MiddlewareFunc{a.surveyAuth(r.access)}, mw...)
		}
		if r.Role != anyone {
			mw = append([]echo.MiddlewareFunc{a.staffAuth(r.Role)}, mw...)
		}
		e.Add(r.Method, r.Path, r.handler, mw...)
	}
}

// surveyAccessOf is the least access to its survey a staff route under
// /surveys/:id needs: a viewer's route asks for a reader of the survey, a
// designer's for a collaborator (admins have every access).
func surveyAccessOf(path, role string) surveys.Access {
	// The telephone console's routes are any interviewer's (the case
	// held decides); a survey's designers supervise it on the admin routes.
	if role == anyone || role == interviewer || !strings.Contains(path, "/surveys/:id") {
		return surveys.AccessNone
	}
	if role == viewer {
		return surveys.AccessRead
	}
	return surveys.AccessEdit
}

// scoped names a route's survey access in its Route.
func scoped(r route) route {
	if r.access != surveys.AccessNone {
		r.Survey = r.access.String()
	}
	return r
}

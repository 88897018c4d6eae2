package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
)

// surveyAuth lets a route on one survey (its :id) through when the
// signed-in user has at least least access to that survey. Who may not see
// the survey at all gets 404, as for a survey that does not exist, so that
// its existence is not revealed; who may see it but not do this gets 403.
// It runs after staffAuth.
func (a *App) surveyAuth(least surveys.Access) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			id, err := idParam(c)
			if err != nil {
				return err
			}
			if err := a.requireSurvey(c, id, least); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// requireSurvey checks the signed-in user's access to survey id (404 when
// it has none, 403 below least) and keeps it on the request.
func (a *App) requireSurvey(c echo.Context, id uint64, least surveys.Access) error {
	s := current(c)
	if s == nil {
		return errSignIn
	}
	acc, err := a.svc.SurveyAccess(s.User, id)
	switch {
	case err != nil:
		return err
	case acc == surveys.AccessNone:
		return surveys.ErrNotFound
	case acc < least:
		return errSurveyAccess
	}
	c.Set("access", acc)
	return nil
}

// surveyAccess is the access surveyAuth found (none on other routes).
func surveyAccess(c echo.Context) surveys.Access {
	acc, _ := c.Get("access").(surveys.Access)
	return acc
}

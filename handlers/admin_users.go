package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// userBody is a user as the API shows it (never the password hash).
type userBody struct {
	ID        uint64    `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

func userOut(u models.User) userBody { return userBody{u.ID, u.Name, u.Role, u.Disabled, u.CreatedAt} }

// GetUsers handles GET /api/v1/admin/users.
func (a *App) GetUsers(c echo.Context) error {
	us, err := a.staff.Users()
	if err != nil {
		return err
	}
	out := make([]userBody, len(us))
	for i, u := range us {
		out[i] = userOut(u)
	}
	return c.JSON(http.StatusOK, map[string]any{"users": out})
}

// PostUser handles POST /api/v1/admin/users: {name, role, password}.
func (a *App) PostUser(c echo.Context) error {
	var in struct {
		Name     string `json:"name"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := a.staff.CreateUser(in.Name, in.Role, in.Password)
	if err != nil {
		return err
	}
	a.audit(c, "user.create", nil, nil, fmt.Sprintf("%s (%s)", u.Name, u.Role))
	return c.JSON(http.StatusCreated, userOut(*u))
}

// PatchUser handles PATCH /api/v1/admin/users/:id: {role, disabled, password}.
func (a *App) PatchUser(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var ch staff.UserChange
	if err := bindJSON(c, &ch); err != nil {
		return err
	}
	u, err := a.staff.UpdateUser(id, ch)
	if err != nil {
		return err
	}
	var what []string
	if ch.Role != nil {
		what = append(what, "role="+*ch.Role)
	}
	if ch.Disabled != nil {
		what = append(what, fmt.Sprintf("disabled=%t", *ch.Disabled))
	}
	if ch.Password != nil {
		what = append(what, "password reset")
	}
	a.audit(c, "user.update", nil, nil, u.Name+": "+strings.Join(what, ", "))
	return c.JSON(http.StatusOK, userOut(*u))
}

// PostUserUnlock handles POST /api/v1/admin/users/:id/unlock: it clears
// the user's sign-in lockout, from every address.
func (a *App) PostUserUnlock(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	u, err := a.staff.Unlock(id)
	if err != nil {
		return err
	}
	a.audit(c, "user.unlock", nil, nil, u.Name)
	return c.JSON(http.StatusOK, userOut(*u))
}

package staff_test

import (
	"context"
	"errors"
	"testing"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/staff"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

const goodPassword = "correct-horse-battery"

func services(t *testing.T) map[string]*staff.Service {
	t.Helper()
	out := map[string]*staff.Service{}
	for _, b := range surveystest.Backends(t) {
		out[b.Name] = &staff.Service{Store: b.Store, Limiter: limit.NewMemory(), Cost: 4}
	}
	return out
}

func TestCreateUserValidates(t *testing.T) {
	for name, st := range services(t) {
		t.Run(name, func(t *testing.T) {
			cases := []struct {
				name, user, role, pw string
				want                 error
			}{
				{"ok", "wang.li", models.RoleDesigner, goodPassword, nil},
				{"taken", "wang.li", models.RoleViewer, goodPassword, staff.ErrUserExists},
				{"short password", "zhao", models.RoleViewer, "short", staff.ErrInvalid},
				{"password over 72 bytes", "zhao", models.RoleViewer, string(make([]byte, 73)) + "x", staff.ErrInvalid},
				{"bad role", "zhao", "boss", goodPassword, staff.ErrInvalid},
				{"bad name", "赵 六", models.RoleViewer, goodPassword, staff.ErrInvalid},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := st.CreateUser(tc.user, tc.role, tc.pw)
					if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
						t.Fatalf("err = %v, want %v", err, tc.want)
					}
				})
			}
		})
	}
}

func TestLoginSessionsAndPasswords(t *testing.T) {
	ctx := context.Background()
	for name, st := range services(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := st.CreateUser("li", models.RoleViewer, goodPassword); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Login(ctx, "li", "wrong-password-1", "ip1"); !errors.Is(err, staff.ErrBadLogin) {
				t.Fatalf("wrong password: %v", err)
			}
			if _, err := st.Login(ctx, "nobody", goodPassword, "ip1"); !errors.Is(err, staff.ErrBadLogin) {
				t.Fatalf("unknown user: %v", err)
			}
			a, err := st.Login(ctx, "li", goodPassword, "ip1")
			if err != nil {
				t.Fatal(err)
			}
			b, err := st.Login(ctx, "li", goodPassword, "ip2")
			if err != nil {
				t.Fatal(err)
			}
			got, err := st.Authenticate(a.Token)
			if err != nil || got.User.Name != "li" || got.CSRF != a.CSRF || got.CSRF == "" {
				t.Fatalf("Authenticate = %+v, %v", got, err)
			}
			if _, err := st.Authenticate(a.ID); !errors.Is(err, staff.ErrNoSession) {
				t.Fatal("the stored session id must not work as a cookie")
			}
			// A password change keeps this session and ends the others.
			if err := st.ChangePassword(ctx, a, "wrong-old-password", "another-long-password"); !errors.Is(err, staff.ErrBadLogin) {
				t.Fatalf("change with a wrong old password: %v", err)
			}
			if err := st.ChangePassword(ctx, a, goodPassword, "another-long-password"); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Authenticate(a.Token); err != nil {
				t.Fatalf("own session after password change: %v", err)
			}
			if _, err := st.Authenticate(b.Token); !errors.Is(err, staff.ErrNoSession) {
				t.Fatal("other sessions should end with a password change")
			}
			if _, err := st.Login(ctx, "li", goodPassword, "ip1"); !errors.Is(err, staff.ErrBadLogin) {
				t.Fatal("the old password still works")
			}
			if err := st.Logout(a); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Authenticate(a.Token); !errors.Is(err, staff.ErrNoSession) {
				t.Fatal("session alive after logout")
			}
		})
	}
}

func TestTheLastAdminStays(t *testing.T) {
	st := &staff.Service{Store: surveystest.SQLite(t), Limiter: limit.NewMemory(), Cost: 4}
	pw, err := st.EnsureFirstAdmin()
	if err != nil || len(pw) < 10 {
		t.Fatalf("first admin: %q %v", pw, err)
	}
	if again, err := st.EnsureFirstAdmin(); err != nil || again != "" {
		t.Fatalf("a second call made another admin: %q %v", again, err)
	}
	admin, err := st.Store.UserByName("admin")
	if err != nil {
		t.Fatal(err)
	}
	viewer, disabled := models.RoleViewer, true
	if _, err := st.UpdateUser(admin.ID, staff.UserChange{Role: &viewer}); !errors.Is(err, staff.ErrLastAdmin) {
		t.Fatalf("demoting the last admin: %v", err)
	}
	if _, err := st.UpdateUser(admin.ID, staff.UserChange{Disabled: &disabled}); !errors.Is(err, staff.ErrLastAdmin) {
		t.Fatalf("disabling the last admin: %v", err)
	}
	if _, err := st.CreateUser("second", models.RoleAdmin, goodPassword); err != nil {
		t.Fatal(err)
	}
	u, err := st.UpdateUser(admin.ID, staff.UserChange{Disabled: &disabled})
	if err != nil || !u.Disabled {
		t.Fatalf("disabling one of two admins: %+v %v", u, err)
	}
	if _, err := st.Login(context.Background(), "admin", pw, "ip"); !errors.Is(err, staff.ErrBadLogin) {
		t.Fatal("a disabled user signed in")
	}
}

func TestRoleAtLeast(t *testing.T) {
	cases := []struct {
		role, min string
		want      bool
	}{
		{models.RoleAdmin, models.RoleDesigner, true},
		{models.RoleDesigner, models.RoleDesigner, true},
		{models.RoleViewer, models.RoleDesigner, false},
		{models.RoleDesigner, models.RoleAdmin, false},
		{"", models.RoleViewer, false},
		{models.RoleAdmin, "", false},
	}
	for _, tc := range cases {
		if got := staff.RoleAtLeast(tc.role, tc.min); got != tc.want {
			t.Errorf("RoleAtLeast(%q, %q) = %v", tc.role, tc.min, got)
		}
	}
}

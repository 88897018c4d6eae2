package staff_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/limit"
	"github.com/minyi-survey/minyi/surveys/staff"
)

// awayFromWindowEdge waits for the next five-minute throttle window when
// the current one ends within a few seconds, so counts stay in one window.
func awayFromWindowEdge(t *testing.T) {
	t.Helper()
	const w = 5 * time.Minute
	if left := time.Until(limit.WindowStart(time.Now(), w).Add(w)); left < 5*time.Second {
		time.Sleep(left + 100*time.Millisecond)
	}
}

// guess signs in n times with wrong passwords and returns the last error.
func guess(st *staff.Service, name, ip string, n int) error {
	var last error
	for i := range n {
		_, last = st.Login(context.Background(), name, fmt.Sprintf("wrong-guess-%04d", i), ip)
	}
	return last
}

func TestLoginThrottlePerAddressAndName(t *testing.T) {
	ctx := context.Background()
	for name, st := range services(t) {
		t.Run(name, func(t *testing.T) {
			awayFromWindowEdge(t)
			u, err := st.CreateUser("target", models.RoleAdmin, goodPassword)
			if err != nil {
				t.Fatal(err)
			}
			// One address guessing one name is stopped after 10, the right
			// password included: guessing on gains nothing.
			if err := guess(st, "target", "ip-x", 11); !errors.Is(err, staff.ErrThrottled) {
				t.Fatalf("11 wrong guesses from one address: %v, want throttled", err)
			}
			if _, err := st.Login(ctx, "target", goodPassword, "ip-x"); !errors.Is(err, staff.ErrThrottled) {
				t.Fatalf("right password from the throttled address: %v", err)
			}
			// It keeps hammering: refused attempts are not counted for the
			// name, so the owner signs in from elsewhere.
			guess(st, "target", "ip-x", 500)
			if _, err := st.Login(ctx, "target", goodPassword, "ip-owner"); err != nil {
				t.Fatalf("the owner, from another address, after one address hammered the name: %v", err)
			}
			// Many addresses together lock the name (10 × 10 guesses) ...
			for i := range 10 {
				guess(st, "target", fmt.Sprintf("ip-%d", i), 10)
			}
			if _, err := st.Login(ctx, "target", goodPassword, "ip-owner"); !errors.Is(err, staff.ErrThrottled) {
				t.Fatalf("after 100 guesses from 10 addresses: %v, want throttled", err)
			}
			// ... until an admin clears the lockout, for every address.
			if _, err := st.Unlock(u.ID); err != nil {
				t.Fatal(err)
			}
			// (ip-9 had used up its 10 guesses at the name; ip-x, over the
			// cap of its own address, stays throttled.)
			for _, ip := range []string{"ip-owner", "ip-9"} {
				if _, err := st.Login(ctx, "target", goodPassword, ip); err != nil {
					t.Fatalf("after the unlock, from %s: %v", ip, err)
				}
			}
			if _, err := st.Login(ctx, "target", goodPassword, "ip-x"); !errors.Is(err, staff.ErrThrottled) {
				t.Fatalf("the hammering address after the unlock: %v, want throttled", err)
			}
			if _, err := st.Unlock(u.ID + 1000); !errors.Is(err, staff.ErrUserNotFound) {
				t.Fatalf("unlock of no user: %v", err)
			}
			// One address trying many names is throttled too.
			var last error
			for i := range 40 {
				_, last = st.Login(ctx, fmt.Sprintf("user%02d", i), "whatever-password", "ip-z")
			}
			if !errors.Is(last, staff.ErrThrottled) {
				t.Fatalf("40 names from one address: %v, want throttled", last)
			}
		})
	}
}

// TestPaddedNamesDoNotBypassTheThrottle is the attack on MySQL, whose
// utf8mb4_bin collation pads: "admin " found the account "admin" under a
// counter of its own. Every variant is refused before it is counted or
// looked up, and lookups compare exactly.
func TestPaddedNamesDoNotBypassTheThrottle(t *testing.T) {
	ctx := context.Background()
	for name, st := range services(t) {
		t.Run(name, func(t *testing.T) {
			awayFromWindowEdge(t)
			if _, err := st.CreateUser("admin", models.RoleAdmin, goodPassword); err != nil {
				t.Fatal(err)
			}
			if err := guess(st, "admin", "ip-a", 11); !errors.Is(err, staff.ErrThrottled) {
				t.Fatalf("guesses at admin: %v, want throttled", err)
			}
			for _, v := range []string{"admin ", "admin  ", "admin\t", " admin", "admin\x00", "ADMIN", "Admin", "admin" + strings.Repeat(" ", 60)} {
				sess, err := st.Login(ctx, v, goodPassword, "ip-a")
				if sess != nil || !errors.Is(err, staff.ErrBadLogin) {
					t.Errorf("%q with the right password: session %v, %v; want a refusal", v, sess != nil, err)
				}
			}
			// The collation's equal name is not the account, even where a
			// name passes the rule.
			if sess, err := st.Login(ctx, "ADMIN", goodPassword, "ip-b"); sess != nil || !errors.Is(err, staff.ErrBadLogin) {
				t.Errorf("ADMIN from a fresh address: %v %v", sess != nil, err)
			}
			if _, err := st.CreateUser("admin ", models.RoleViewer, goodPassword); !errors.Is(err, staff.ErrInvalid) {
				t.Errorf("creating \"admin \": %v, want invalid", err)
			}
		})
	}
}

func TestThrottledSignInsAuditedOncePerWindow(t *testing.T) {
	for name, st := range services(t) {
		t.Run(name, func(t *testing.T) {
			awayFromWindowEdge(t)
			if _, err := st.CreateUser("target", models.RoleAdmin, goodPassword); err != nil {
				t.Fatal(err)
			}
			guess(st, "target", "ip-flood", 310) // 10 checked, 300 throttled
			for i := range 100 {                 // and 30 checked, 70 throttled
				st.Login(context.Background(), fmt.Sprintf("user%03d", i), "whatever-password", "ip-spray")
			}
			entries, err := st.AuditLog(0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			var rows []string
			for _, e := range entries {
				if e.Action == "login.throttled" {
					rows = append(rows, e.Detail)
				}
			}
			// ip-flood passed its limit for the name, then its cap for any
			// name; ip-spray only the cap.
			if len(rows) != 3 {
				t.Fatalf("%d audit rows for 370 throttled sign-ins, want 3 (one per name and address):\n%s", len(rows), strings.Join(rows, "\n"))
			}
			for _, want := range []string{"name=target address=ip-flood ", "name=* address=ip-flood ", "name=* address=ip-spray "} {
				found := false
				for _, r := range rows {
					found = found || strings.HasPrefix(r, want) && strings.Contains(r, "attempts≥")
				}
				if !found {
					t.Errorf("no row %q… in %q", want, rows)
				}
			}
			if !strings.Contains(strings.Join(rows, "\n"), "attempts≥256") {
				t.Errorf("the flood's row does not say how many attempts it had: %q", rows)
			}
		})
	}
}

func TestPasswordRules(t *testing.T) {
	cases := []struct {
		name, pw string
		ok       bool
	}{
		{"ten spaces", strings.Repeat(" ", 10), false},
		{"tabs and spaces", " \t \t \t \t \t\u3000", false},
		{"nine characters", "abcdefghi", false},
		{"common", "qwertyuiop", false},
		{"common in another case", "QwertyUIOP", false},
		{"common digits", "1234567890", false},
		{"73 bytes", strings.Repeat("x", 73), false},
		{"a passphrase with spaces", "  correct horse battery  ", true},
		{"ten Chinese characters", "春眠不觉晓处处闻啼鸟", true},
		{"ten random characters", "k7#Qm2!vXp", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := staff.CheckPassword(tc.pw)
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, staff.ErrInvalid) {
				t.Fatalf("CheckPassword(%q) = %v, want ok=%v", tc.pw, err, tc.ok)
			}
		})
	}
	t.Run("the shipped list", func(t *testing.T) {
		// Its long enough entries are what the list adds to the length rule.
		b, err := os.ReadFile("common-passwords.txt")
		if err != nil {
			t.Fatal(err)
		}
		n, long := 0, 0
		for _, line := range strings.Split(string(b), "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			n++
			if len(line) >= 10 {
				long++
				if err := staff.CheckPassword(line); err == nil {
					t.Errorf("%q, on the list, was accepted", line)
				}
			}
		}
		if n < 1000 || long == 0 {
			t.Fatalf("the list holds %d passwords, %d of 10 characters or more; want the 1,000 commonest", n, long)
		}
	})
}

func TestOldPasswordCheckIsThrottled(t *testing.T) {
	ctx := context.Background()
	for name, st := range services(t) {
		t.Run(name, func(t *testing.T) {
			awayFromWindowEdge(t)
			if _, err := st.CreateUser("changer", models.RoleViewer, goodPassword); err != nil {
				t.Fatal(err)
			}
			sess, err := st.Login(ctx, "changer", goodPassword, "ip")
			if err != nil {
				t.Fatal(err)
			}
			var last error
			for i := range 6 {
				last = st.ChangePassword(ctx, sess, fmt.Sprintf("guess-old-%04d", i), "a-new-long-password")
			}
			if !errors.Is(last, staff.ErrThrottled) {
				t.Fatalf("6 wrong old passwords: %v, want throttled", last)
			}
			if err := st.ChangePassword(ctx, sess, goodPassword, "a-new-long-password"); !errors.Is(err, staff.ErrThrottled) {
				t.Fatalf("the right old password while throttled: %v", err)
			}
		})
	}
}

func TestEndedSessionsArePurged(t *testing.T) {
	ctx := context.Background()
	for name, st := range services(t) {
		t.Run(name, func(t *testing.T) {
			u, err := st.CreateUser("sessions", models.RoleViewer, goodPassword)
			if err != nil {
				t.Fatal(err)
			}
			live, err := st.Login(ctx, "sessions", goodPassword, "ip")
			if err != nil {
				t.Fatal(err)
			}
			past := time.Now().UTC().Add(-time.Hour)
			for i := range 3 {
				ended := &models.Session{ID: fmt.Sprintf("ended-%d", i), UserID: u.ID, CSRF: "x", CreatedAt: past.Add(-staff.SessionTTL), ExpiresAt: past}
				if err := st.Store.CreateSession(ended); err != nil {
					t.Fatal(err)
				}
			}
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); st.RunSessionPurge(runCtx, 10*time.Millisecond) }()
			time.Sleep(100 * time.Millisecond)
			stop()
			<-done
			var left []models.Session
			if err := st.Store.R.Find(&left).Error; err != nil {
				t.Fatal(err)
			}
			if len(left) != 1 || left[0].ID != live.ID {
				t.Fatalf("%d sessions left after the purge, want only the live one", len(left))
			}
			if _, err := st.Authenticate(live.Token); err != nil {
				t.Fatalf("the live session after the purge: %v", err)
			}
		})
	}
}

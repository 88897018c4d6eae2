// Package staff is the bureau's side of Minyi: accounts with roles,
// password sign-in with throttling, server-side sessions with a CSRF token,
// and the audit log.
//
// It may import models, limit, bcrypt and the standard library.
package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/limit"
)

// Errors of the staff service.
var (
	ErrBadLogin     = errors.New("staff: wrong name or password")
	ErrThrottled    = errors.New("staff: too many sign-in attempts")
	ErrNoSession    = errors.New("staff: not signed in")
	ErrInvalid      = errors.New("staff: invalid input")
	ErrLastAdmin    = errors.New("staff: the last enabled admin cannot be demoted or disabled")
	ErrUserNotFound = errors.New("staff: no such user")
	ErrUserExists   = errors.New("staff: user name taken")
)

// SessionTTL is how long a sign-in lasts.
const SessionTTL = 12 * time.Hour

var namePattern = regexp.MustCompile(`^[A-Za-z0-9_.\-@]{2,64}$`)

// ValidName reports whether name follows the user-name rule: 2-64 ASCII
// letters, digits or _.-@.
func ValidName(name string) bool { return namePattern.MatchString(name) }

// Roles in order of rights. An interviewer is below a viewer: the
// telephone console is all it may use.
var roleRank = map[string]int{models.RoleInterviewer: 1, models.RoleViewer: 2, models.RoleDesigner: 3, models.RoleAdmin: 4}

// RoleAtLeast reports whether role has at least the rights of min.
func RoleAtLeast(role, min string) bool { return roleRank[role] >= roleRank[min] && roleRank[min] > 0 }

// ValidRole reports whether role is one of admin, designer, viewer, interviewer.
func ValidRole(role string) bool { return roleRank[role] > 0 }

// Service manages staff accounts and sessions.
type Service struct {
	Store   *models.Store
	Limiter limit.Limiter
	// Cost is the bcrypt cost (bcrypt.DefaultCost when 0; tests lower it).
	Cost int

	dummyOnce sync.Once
	dummy     []byte
}

// dummyHash is a hash of the service's cost to compare against when the
// user does not exist.
func (s *Service) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte(randomToken()[:20]), max(s.Cost, bcrypt.MinCost))
		if s.Cost == 0 {
			s.dummy, _ = bcrypt.GenerateFromPassword([]byte(randomToken()[:20]), bcrypt.DefaultCost)
		}
	})
	return s.dummy
}

// Session is a signed-in user.
type Session struct {
	Token string // the cookie value; only its hash is stored
	ID    string
	CSRF  string
	User  models.User
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// CreateUser adds an account.
func (s *Service) CreateUser(name, role, password string) (*models.User, error) {
	if !ValidName(name) {
		return nil, fmt.Errorf("%w: 用户名须为2-64位字母、数字或 _.-@ the name must be 2-64 letters, digits or _.-@", ErrInvalid)
	}
	if !ValidRole(role) {
		return nil, fmt.Errorf("%w: 角色须为 admin、designer、viewer 或 interviewer the role must be admin, designer, viewer or interviewer", ErrInvalid)
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &models.User{Name: name, Role: role, PasswordHash: hash}
	if err := s.Store.CreateUser(u); errors.Is(err, models.ErrDuplicate) {
		return nil, ErrUserExists
	} else if err != nil {
		return nil, err
	}
	return u, nil
}

// EnsureFirstAdmin creates the user "admin" with a generated password when
// there are no users at all, and returns that password ("" when it did nothing).
func (s *Service) EnsureFirstAdmin() (string, error) {
	n, err := s.Store.CountUsers()
	if err != nil || n > 0 {
		return "", err
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	pw := base64.RawURLEncoding.EncodeToString(b)
	if _, err := s.CreateUser("admin", models.RoleAdmin, pw); err != nil {
		if errors.Is(err, ErrUserExists) {
			return "", nil // another instance made it first
		}
		return "", err
	}
	return pw, nil
}

func (s *Service) startSession(u models.User) (*Session, error) {
	token := randomToken()
	sess := &models.Session{ID: hashToken(token), UserID: u.ID, CSRF: randomToken(),
		CreatedAt: time.Now().UTC(), ExpiresAt: time.Now().UTC().Add(SessionTTL)}
	if err := s.Store.CreateSession(sess); err != nil {
		return nil, err
	}
	return &Session{Token: token, ID: sess.ID, CSRF: sess.CSRF, User: u}, nil
}

// Authenticate returns the session of a cookie value.
func (s *Service) Authenticate(token string) (*Session, error) {
	if token == "" {
		return nil, ErrNoSession
	}
	id := hashToken(token)
	sess, u, err := s.Store.SessionUser(id, time.Now().UTC())
	if errors.Is(err, models.ErrNotFound) {
		return nil, ErrNoSession
	}
	if err != nil {
		return nil, err
	}
	return &Session{Token: token, ID: id, CSRF: sess.CSRF, User: *u}, nil
}

// Logout ends a session.
func (s *Service) Logout(sess *Session) error { return s.Store.DeleteSession(sess.ID) }

// UserChange is an admin's change to an account; nil fields stay.
type UserChange struct {
	Role     *string `json:"role"`
	Disabled *bool   `json:"disabled"`
	Password *string `json:"password"`
}

// UpdateUser applies an admin's change. The last enabled admin can be
// neither demoted nor disabled.
func (s *Service) UpdateUser(id uint64, ch UserChange) (*models.User, error) {
	u, err := s.Store.UserByID(id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, err
	}
	losesAdmin := u.Role == models.RoleAdmin && !u.Disabled &&
		((ch.Role != nil && *ch.Role != models.RoleAdmin) || (ch.Disabled != nil && *ch.Disabled))
	if losesAdmin {
		users, err := s.Store.Users()
		if err != nil {
			return nil, err
		}
		admins := 0
		for _, o := range users {
			if o.Role == models.RoleAdmin && !o.Disabled {
				admins++
			}
		}
		if admins <= 1 {
			return nil, ErrLastAdmin
		}
	}
	if ch.Role != nil {
		if !ValidRole(*ch.Role) {
			return nil, fmt.Errorf("%w: 角色须为 admin、designer、viewer 或 interviewer the role must be admin, designer, viewer or interviewer", ErrInvalid)
		}
		u.Role = *ch.Role
	}
	if ch.Disabled != nil {
		u.Disabled = *ch.Disabled
	}
	if ch.Password != nil {
		if u.PasswordHash, err = s.hashPassword(*ch.Password); err != nil {
			return nil, err
		}
	}
	if err := s.Store.SaveUser(u); err != nil {
		return nil, err
	}
	if ch.Disabled != nil && *ch.Disabled || ch.Password != nil || ch.Role != nil {
		if err := s.Store.DeleteUserSessions(u.ID, ""); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Audit records an action by the session's user.
func (s *Service) Audit(sess *Session, action string, surveyID, versionID *uint64, detail string) error {
	e := &models.AuditEntry{Action: action, SurveyID: surveyID, VersionID: versionID, Detail: detail}
	if sess != nil {
		id := sess.User.ID
		e.UserID, e.UserName = &id, sess.User.Name
	}
	return s.Store.Audit(e)
}

// Users lists every user by name.
func (s *Service) Users() ([]models.User, error) { return s.Store.Users() }

// AuditLog returns up to limit entries of the audit log, newest first,
// older than the entry before (0 = from the newest).
func (s *Service) AuditLog(before uint64, limit int) ([]models.AuditEntry, error) {
	return s.Store.AuditLog(before, limit)
}

// PurgeSessions deletes the sessions that have ended and returns how many.
func (s *Service) PurgeSessions() (int64, error) {
	return s.Store.DeleteExpiredSessions(time.Now().UTC())
}

// RunSessionPurge deletes ended sessions every interval until ctx ends, so
// that the table holds live sessions only.
func (s *Service) RunSessionPurge(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.PurgeSessions(); err != nil {
			slog.Warn("purge ended staff sessions", slog.Any("error", err))
		} else if n > 0 {
			slog.Info("purged ended staff sessions", slog.Int64("sessions", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

package models

import (
	"strings"
	"time"
)

// Staff roles, from least to most rights.
const (
	// RoleInterviewer works the telephone console: the case it holds and
	// nothing else (no results, exports or other cases).
	RoleInterviewer = "interviewer"
	RoleViewer      = "viewer"   // dashboards and results
	RoleDesigner    = "designer" // + create, edit, publish, close surveys; exports; tokens
	RoleAdmin       = "admin"    // + users and the audit log
)

// User is a member of the bureau's staff.
type User struct {
	ID           uint64 `gorm:"primaryKey"`
	Name         string `gorm:"size:64;uniqueIndex"`
	Role         string `gorm:"size:16"`
	PasswordHash string `gorm:"size:200"`
	Disabled     bool
	// LoginEpoch is part of the user's sign-in throttle keys: an admin
	// clearing a lockout moves it on, so the counts start again.
	LoginEpoch int `gorm:"not null;default:0"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Session is a signed-in browser. ID is the SHA-256 of the cookie's
// secret, so a copy of the table cannot be replayed.
type Session struct {
	ID        string `gorm:"primaryKey;size:64"`
	UserID    uint64 `gorm:"index"`
	CSRF      string `gorm:"size:64"`
	CreatedAt time.Time
	ExpiresAt time.Time `gorm:"index"`
}

// AuditEntry records who did what to which survey or user, and when.
type AuditEntry struct {
	ID        uint64    `gorm:"primaryKey"`
	At        time.Time `gorm:"index"`
	UserID    *uint64
	UserName  string `gorm:"size:64"`
	Action    string `gorm:"size:32;index"`
	SurveyID  *uint64
	VersionID *uint64
	Detail    string `gorm:"size:2000"`
}

// UserByName returns a user.
func (s *Store) UserByName(name string) (*User, error) {
	var u User
	if err := s.R.Where("name = ?", name).Take(&u).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// UserByID returns a user.
func (s *Store) UserByID(id uint64) (*User, error) {
	var u User
	if err := s.R.Take(&u, id).Error; err != nil {
		return nil, translate(err)
	}
	return &u, nil
}

// Users lists every user by name.
func (s *Store) Users() ([]User, error) {
	var us []User
	err := s.R.Order("name").Find(&us).Error
	return us, err
}

// CountUsers counts users.
func (s *Store) CountUsers() (int64, error) {
	var n int64
	err := s.R.Model(&User{}).Count(&n).Error
	return n, err
}

// CreateUser stores a new user; ErrDuplicate when the name is taken.
func (s *Store) CreateUser(u *User) error { return translate(s.W.Create(u).Error) }

// SaveUser stores a user's changed role, password or state.
func (s *Store) SaveUser(u *User) error { return translate(s.W.Save(u).Error) }

// CreateSession stores a session.
func (s *Store) CreateSession(sess *Session) error { return translate(s.W.Create(sess).Error) }

// SessionUser returns a live session and its enabled user.
func (s *Store) SessionUser(id string, now time.Time) (*Session, *User, error) {
	var sess Session
	if err := s.R.Where("id = ? AND expires_at > ?", id, now).Take(&sess).Error; err != nil {
		return nil, nil, translate(err)
	}
	u, err := s.UserByID(sess.UserID)
	if err != nil {
		return nil, nil, err
	}
	if u.Disabled {
		return nil, nil, ErrNotFound
	}
	return &sess, u, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(id string) error {
	return s.W.Where("id = ?", id).Delete(&Session{}).Error
}

// DeleteUserSessions ends every session of a user (after a password
// change or when the user is disabled), except keep when not empty.
func (s *Store) DeleteUserSessions(userID uint64, keep string) error {
	return s.W.Where("user_id = ? AND id <> ?", userID, keep).Delete(&Session{}).Error
}

// Audit appends an entry to the audit log.
func (s *Store) Audit(e *AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now().UTC()
	}
	return s.W.Create(e).Error
}

// SetAuditDetail replaces the detail of the newest entry with action, made
// at or after since, whose detail begins with prefix; it reports whether
// there was one. Aggregated entries (throttled sign-ins) are kept current
// this way.
func (s *Store) SetAuditDetail(action string, since time.Time, prefix, detail string) (bool, error) {
	escaped := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(prefix)
	var es []AuditEntry
	err := s.W.Where("action = ? AND at >= ? AND detail LIKE ? ESCAPE '!'", action, since.UTC(), escaped+"%").
		Order("id DESC").Limit(20).Find(&es).Error
	if err != nil {
		return false, err
	}
	for _, e := range es {
		if strings.HasPrefix(e.Detail, prefix) { // LIKE may ignore case
			return true, s.W.Model(&AuditEntry{}).Where("id = ?", e.ID).Update("detail", detail).Error
		}
	}
	return false, nil
}

// DeleteExpiredSessions removes the sessions that ended before now and
// returns how many there were.
func (s *Store) DeleteExpiredSessions(now time.Time) (int64, error) {
	res := s.W.Where("expires_at <= ?", now.UTC()).Delete(&Session{})
	return res.RowsAffected, res.Error
}

// AuditLog returns the newest entries first, up to limit, before id (0 = newest).
func (s *Store) AuditLog(before uint64, limit int) ([]AuditEntry, error) {
	q := s.R.Order("id DESC").Limit(limit)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var es []AuditEntry
	err := q.Find(&es).Error
	return es, err
}

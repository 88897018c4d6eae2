package staff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/limit"
)

// Sign-in throttling, per window: strict for one name from one address,
// looser for one name from everywhere, and a cap per address across names.
// An attempt refused by one limit is not counted by the next ones, so a
// client over its own limit cannot run the name's count up.
const (
	loginWindow  = 5 * time.Minute
	loginPerPair = 10  // one name from one address
	loginPerIP   = 30  // one address, any names
	loginPerUser = 100 // one name, any addresses
)

// actionThrottled is the audit action of throttled sign-ins: one row per
// name and address per window, its count kept current.
const actionThrottled = "login.throttled"

// Login checks a name and password and starts a session. Attempts are
// throttled per address, per name and address, and per name, across
// instances when the limiter is Redis-backed. A name that breaks the
// user-name rule is refused before it is counted or looked up: no account
// has one, and it could be long or pad-equal to a real one.
func (s *Service) Login(ctx context.Context, name, password, ipKey string) (*Session, error) {
	if !ValidName(name) {
		return nil, ErrBadLogin
	}
	if !s.allow(ctx, "login-ip:"+ipKey, loginPerIP) {
		s.auditThrottled(ctx, "*", ipKey)
		return nil, ErrThrottled
	}
	u, err := s.Store.UserByName(name)
	if err == nil && u.Name != name {
		// A collation that ignores case or trailing spaces found another
		// account: names are compared exactly.
		err = models.ErrNotFound
	}
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return nil, err
	}
	who := name + "#0"
	if err == nil {
		who = name + "#" + strconv.Itoa(u.LoginEpoch)
	}
	if !s.allow(ctx, "login-pair:"+who+"|"+ipKey, loginPerPair) || !s.allow(ctx, "login-user:"+who, loginPerUser) {
		s.auditThrottled(ctx, name, ipKey)
		return nil, ErrThrottled
	}
	if err != nil || u.Disabled {
		// Spend the same time as a real check, so names cannot be probed.
		_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(password))
		return nil, ErrBadLogin
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil {
		return nil, ErrBadLogin
	}
	return s.startSession(*u)
}

// allow counts an attempt under key; a broken limiter lets it through.
func (s *Service) allow(ctx context.Context, key string, n int) bool {
	ok, err := s.Limiter.Allow(ctx, key, n, loginWindow)
	if err != nil {
		slog.Warn("sign-in limiter unavailable, letting the attempt through", slog.Any("error", err))
	}
	return ok
}

// auditThrottled records a throttled sign-in as one audit row per name and
// address per window. With a counting limiter the row's count is brought
// up to date at the 2nd, 4th, 8th … attempt, so a flood costs a few writes.
func (s *Service) auditThrottled(ctx context.Context, name, ipKey string) {
	key := "login-throttled:" + name + "|" + ipKey
	n := 1
	if c, ok := s.Limiter.(limit.Counter); ok {
		var err error
		if n, err = c.Count(ctx, key, loginWindow); err != nil {
			return
		}
	} else if first, _ := s.Limiter.Allow(ctx, key, 1, loginWindow); !first {
		return
	}
	if n&(n-1) != 0 {
		return
	}
	start := limit.WindowStart(time.Now(), loginWindow).UTC()
	prefix := fmt.Sprintf("name=%s address=%s window=%s+%s ", name, ipKey, start.Format(time.RFC3339), loginWindow)
	detail := prefix + "attempts≥" + strconv.Itoa(n)
	if n > 1 {
		if found, err := s.Store.SetAuditDetail(actionThrottled, start, prefix, detail); found || err != nil {
			return
		}
	}
	if err := s.Store.Audit(&models.AuditEntry{Action: actionThrottled, Detail: detail}); err != nil {
		slog.Warn("audit a throttled sign-in", slog.Any("error", err))
	}
}

// Unlock clears the sign-in lockout of a user: the counts of its name, from
// every address, start again.
func (s *Service) Unlock(id uint64) (*models.User, error) {
	u, err := s.Store.UserByID(id)
	if errors.Is(err, models.ErrNotFound) {
		return nil, ErrUserNotFound
	}
	if err != nil {
		return nil, err
	}
	u.LoginEpoch++
	if err := s.Store.SaveUser(u); err != nil {
		return nil, err
	}
	return u, nil
}

package models

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/minyi-survey/minyi/surveys/identity"
)

// IdentityWindow is one sliding window of code requests (a client
// address's, a survey's): its events as identity.WindowLog text. The key
// is a hash, the tokens random ids.
type IdentityWindow struct {
	WindowKey string `gorm:"primaryKey;size:191"`
	Events    string `gorm:"type:text"`
	UntilMS   int64  `gorm:"index"` // when the newest event leaves the longest window
}

// IdentityNumber is the state of one phone number's keyed hash: its send
// window, its lock and its wrong-code count.
type IdentityNumber struct {
	Number       string `gorm:"primaryKey;size:64"`
	Sends        string `gorm:"type:text"`
	SendsUntilMS int64
	LockUntilMS  int64
	Fails        int
	FailsUntilMS int64
	ExpiresMS    int64 `gorm:"index"` // when every part of the row and its codes has expired
}

// IdentityCode is a number's code for one scope, as its keyed hash.
type IdentityCode struct {
	Number    string `gorm:"primaryKey;size:64"`
	Scope     string `gorm:"primaryKey;size:191"`
	Hash      string `gorm:"size:128"`
	ExpiresMS int64  `gorm:"index"`
	Used      bool
	UsedFor   string `gorm:"size:191"` // the hash of what it was used for
}

// IdentityStore is the identity.Store in the database: what instances
// sharing a database without Redis share. Each call is one transaction
// that first locks the row it works on (SELECT … FOR UPDATE on MySQL; on
// SQLite every write transaction holds the database's one write lock), so
// calls from any number of instances are atomic. Expired rows are deleted
// on writes, at most once a minute of caller time per store.
type IdentityStore struct {
	s     *Store
	swept atomic.Int64 // caller time of the last sweep, unix ms
}

// NewIdentityStore returns the database's identity store.
func NewIdentityStore(s *Store) *IdentityStore { return &IdentityStore{s: s} }

var _ identity.Store = (*IdentityStore)(nil)

// identitySweepEvery is how often, in caller time, writes delete expired rows.
const identitySweepEvery = time.Minute

// tx runs fn in a transaction, again after a MySQL deadlock (two
// instances inserting one new number's row at once may meet one).
func (st *IdentityStore) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return retry(func() error { return st.s.W.WithContext(ctx).Transaction(fn) })
}

// locked reads with the row lock on MySQL; SQLite's write transaction is
// already exclusive.
func (st *IdentityStore) locked(tx *gorm.DB) *gorm.DB {
	if st.s.Dialect == DialectMySQL {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Take implements identity.Store.
func (st *IdentityStore) Take(ctx context.Context, key string, rates []identity.Rate, token string, now time.Time) (time.Duration, error) {
	if len(rates) == 0 {
		return 0, nil
	}
	var wait time.Duration
	err := st.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&IdentityWindow{WindowKey: key}).Error; err != nil {
			return err
		}
		var w IdentityWindow
		if err := st.locked(tx).Where("window_key = ?", key).Take(&w).Error; err != nil {
			return err
		}
		log, err := identity.ParseWindowLog(w.Events, fromMS(w.UntilMS))
		if err != nil {
			return err
		}
		if wait = log.Take(rates, token, now); wait > 0 {
			return nil
		}
		return tx.Model(&IdentityWindow{}).Where("window_key = ?", key).
			Updates(map[string]any{"events": log.String(), "until_ms": log.Until().UnixMilli()}).Error
	})
	if err != nil {
		return 0, fmt.Errorf("models: identity take: %w", err)
	}
	st.sweep(ctx, now)
	return wait, nil
}

// Refund implements identity.Store.
func (st *IdentityStore) Refund(ctx context.Context, key, token string) error {
	err := st.tx(ctx, func(tx *gorm.DB) error {
		var w IdentityWindow
		err := st.locked(tx).Where("window_key = ?", key).Take(&w).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		log, err := identity.ParseWindowLog(w.Events, fromMS(w.UntilMS))
		if err != nil {
			return err
		}
		log.Refund(token)
		return tx.Model(&IdentityWindow{}).Where("window_key = ?", key).Update("events", log.String()).Error
	})
	if err != nil {
		return fmt.Errorf("models: identity refund: %w", err)
	}
	return nil
}

// number reads a number's row with its lock; nil when there is none.
func (st *IdentityStore) number(tx *gorm.DB, number string) (*IdentityNumber, error) {
	var n IdentityNumber
	err := st.locked(tx).Where("number = ?", number).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// saveNumber writes a number's row back, its expiry pushed to at least until.
func saveNumber(tx *gorm.DB, n *IdentityNumber, until time.Time) error {
	n.ExpiresMS = max(n.ExpiresMS, until.UnixMilli(), n.SendsUntilMS, n.LockUntilMS, n.FailsUntilMS)
	return tx.Model(&IdentityNumber{}).Where("number = ?", n.Number).Updates(map[string]any{
		"sends": n.Sends, "sends_until_ms": n.SendsUntilMS, "lock_until_ms": n.LockUntilMS,
		"fails": n.Fails, "fails_until_ms": n.FailsUntilMS, "expires_ms": n.ExpiresMS,
	}).Error
}

// code reads a number's code for scope, locked too: with the number's
// row held, this is the newest committed version on any isolation level.
func (st *IdentityStore) code(tx *gorm.DB, number, scope string) (*IdentityCode, error) {
	var c IdentityCode
	err := st.locked(tx).Where("number = ? AND scope = ?", number, scope).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Issue implements identity.Store.
func (st *IdentityStore) Issue(ctx context.Context, in identity.IssueArgs) (identity.Verdict, error) {
	var v identity.Verdict
	now := in.Now.UnixMilli()
	err := st.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&IdentityNumber{Number: in.Number}).Error; err != nil {
			return err
		}
		n, err := st.number(tx, in.Number)
		if err != nil {
			return err
		}
		if n == nil {
			return errors.New("the number's row vanished")
		}
		if n.LockUntilMS > now {
			v = identity.Verdict{Outcome: identity.Locked, Wait: time.Duration(n.LockUntilMS-now) * time.Millisecond}
			return nil
		}
		if len(in.Rates) > 0 {
			log, err := identity.ParseWindowLog(n.Sends, fromMS(n.SendsUntilMS))
			if err != nil {
				return err
			}
			if wait := log.Take(in.Rates, in.Token, in.Now); wait > 0 {
				v = identity.Verdict{Outcome: identity.Limited, Wait: wait}
				return nil
			}
			n.Sends, n.SendsUntilMS = log.String(), log.Until().UnixMilli()
		}
		expires := in.Now.Add(in.TTL)
		c := IdentityCode{Number: in.Number, Scope: in.Scope, Hash: in.CodeHash, ExpiresMS: expires.UnixMilli()}
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "number"}, {Name: "scope"}},
			DoUpdates: clause.AssignmentColumns([]string{"hash", "expires_ms", "used", "used_for"}),
		}).Create(&c).Error; err != nil {
			return err
		}
		v = identity.Verdict{Outcome: identity.Issued}
		return saveNumber(tx, n, expires)
	})
	if err != nil {
		return identity.Verdict{}, fmt.Errorf("models: identity issue: %w", err)
	}
	st.sweep(ctx, in.Now)
	return v, nil
}

// Verify implements identity.Store.
func (st *IdentityStore) Verify(ctx context.Context, in identity.VerifyArgs) (identity.Verdict, error) {
	var v identity.Verdict
	now := in.Now.UnixMilli()
	err := st.tx(ctx, func(tx *gorm.DB) error {
		n, err := st.number(tx, in.Number)
		if err != nil || n == nil {
			v = identity.Verdict{Outcome: identity.Missing}
			return err
		}
		if n.LockUntilMS > now {
			v = identity.Verdict{Outcome: identity.Locked, Wait: time.Duration(n.LockUntilMS-now) * time.Millisecond}
			return nil
		}
		c, err := st.code(tx, in.Number, in.Scope)
		if err != nil {
			return err
		}
		if c == nil || c.ExpiresMS <= now {
			v = identity.Verdict{Outcome: identity.Missing}
			if c == nil {
				return nil
			}
			return tx.Delete(c).Error
		}
		right := hmac.Equal([]byte(c.Hash), []byte(in.CodeHash))
		if c.Used {
			v = identity.Verdict{Outcome: identity.Used}
			if right && c.UsedFor == in.Use {
				v = identity.Verdict{Outcome: identity.Repeated}
			}
			return nil
		}
		if right {
			v = identity.Verdict{Outcome: identity.Accepted}
			if err := tx.Model(c).Updates(map[string]any{"used": true, "used_for": in.Use}).Error; err != nil {
				return err
			}
			n.Fails, n.FailsUntilMS = 0, 0
			return saveNumber(tx, n, time.Time{})
		}
		if n.FailsUntilMS <= now {
			n.Fails, n.FailsUntilMS = 0, in.Now.Add(in.LockFor).UnixMilli()
		}
		n.Fails++
		if n.Fails >= in.MaxFails {
			n.LockUntilMS = in.Now.Add(in.LockFor).UnixMilli()
			n.Fails, n.FailsUntilMS = 0, 0
			v = identity.Verdict{Outcome: identity.Locked, Wait: in.LockFor}
			if err := tx.Delete(c).Error; err != nil {
				return err
			}
			return saveNumber(tx, n, time.Time{})
		}
		v = identity.Verdict{Outcome: identity.Wrong, Left: in.MaxFails - n.Fails}
		return saveNumber(tx, n, time.Time{})
	})
	if err != nil {
		return identity.Verdict{}, fmt.Errorf("models: identity verify: %w", err)
	}
	return v, nil
}

// Unsend implements identity.Store.
func (st *IdentityStore) Unsend(ctx context.Context, number, token string) error {
	err := st.tx(ctx, func(tx *gorm.DB) error {
		n, err := st.number(tx, number)
		if err != nil || n == nil {
			return err
		}
		log, err := identity.ParseWindowLog(n.Sends, fromMS(n.SendsUntilMS))
		if err != nil {
			return err
		}
		log.Refund(token)
		n.Sends = log.String()
		return saveNumber(tx, n, time.Time{})
	})
	if err != nil {
		return fmt.Errorf("models: identity unsend: %w", err)
	}
	return nil
}

// Release implements identity.Store.
func (st *IdentityStore) Release(ctx context.Context, in identity.ReleaseArgs) error {
	err := st.tx(ctx, func(tx *gorm.DB) error {
		n, err := st.number(tx, in.Number)
		if err != nil || n == nil {
			return err
		}
		c, err := st.code(tx, in.Number, in.Scope)
		if err != nil || c == nil {
			return err
		}
		if c.Used && c.UsedFor == in.Use && hmac.Equal([]byte(c.Hash), []byte(in.CodeHash)) {
			return tx.Model(c).Updates(map[string]any{"used": false, "used_for": ""}).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("models: identity release: %w", err)
	}
	return nil
}

// sweep deletes the rows that have expired by now, at most once every
// identitySweepEvery of caller time: codes live minutes, so this is all
// the cleaning they need (they are not among Purgers).
func (st *IdentityStore) sweep(ctx context.Context, now time.Time) {
	last := st.swept.Load()
	if now.UnixMilli()-last < identitySweepEvery.Milliseconds() || !st.swept.CompareAndSwap(last, now.UnixMilli()) {
		return
	}
	ms := now.UnixMilli()
	db := st.s.W.WithContext(ctx)
	for _, q := range []struct {
		model  any
		column string
	}{{&IdentityWindow{}, "until_ms"}, {&IdentityCode{}, "expires_ms"}, {&IdentityNumber{}, "expires_ms"}} {
		if err := db.Where(q.column+" <= ?", ms).Delete(q.model).Error; err != nil {
			slog.Warn("models: delete expired one-time code state", slog.Any("error", err))
			return
		}
	}
}

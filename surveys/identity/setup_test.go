package identity_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// inbox is a Provider that keeps what it was asked to send, and can fail.
type inbox struct {
	mu   sync.Mutex
	msgs []sms.Message
	fail error
}

func (b *inbox) Name() string { return "inbox" }

func (b *inbox) Send(_ context.Context, m sms.Message) (sms.Receipt, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.fail != nil {
		return sms.Receipt{}, b.fail
	}
	b.msgs = append(b.msgs, m)
	return sms.Receipt{ID: "x"}, nil
}

// code is the last code texted to phone.
func (b *inbox) code(t *testing.T, phone string) string {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := len(b.msgs) - 1; i >= 0; i-- {
		if b.msgs[i].Phone == phone {
			return b.msgs[i].Params[0].Value
		}
	}
	t.Fatalf("no code was texted to %s", phone)
	return ""
}

func (b *inbox) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.msgs)
}

// backend makes stores of one kind; stores of one backend made in one test
// share their state, as instances sharing a Redis do.
type backend struct {
	name string
	new  func(t *testing.T) identity.Store
}

// backends are the in-memory store, and Redis when configured (under CI,
// always).
func backends(t *testing.T) []backend {
	t.Helper()
	out := []backend{{"memory", func(*testing.T) identity.Store { return identity.NewMemory() }}}
	out = append(out, dbBackend("sqlite", surveystest.SQLite))
	if surveystest.MySQLConfigured() || surveystest.Required() {
		out = append(out, dbBackend("mysql", surveystest.MySQL))
	} else {
		t.Logf("%s not set: MySQL store skipped", surveystest.EnvMySQL)
	}
	if !surveystest.RedisConfigured() && !surveystest.Required() {
		t.Logf("%s not set: Redis store skipped", surveystest.EnvRedis)
		return out
	}
	return append(out, backend{"redis", func(t *testing.T) identity.Store {
		return redisStore(t, surveystest.Redis(t), surveystest.Prefix())
	}})
}

// dbBackend makes database stores; those made in one test share one
// database, each through its own connections, as instances do.
func dbBackend(name string, open func(testing.TB) *models.Store) backend {
	dbs := map[*testing.T]*models.Store{}
	var mu sync.Mutex
	return backend{name, func(t *testing.T) identity.Store {
		mu.Lock()
		defer mu.Unlock()
		if dbs[t] == nil {
			dbs[t] = open(t)
			t.Cleanup(func() {
				mu.Lock()
				defer mu.Unlock()
				delete(dbs, t)
			})
		}
		return models.NewIdentityStore(dbs[t])
	}}
}

// redisStore is a store on rdb under prefix; the test's keys are deleted
// at its end.
func redisStore(t *testing.T, rdb redis.UniversalClient, prefix string) *identity.Redis {
	t.Helper()
	s, err := identity.NewRedis(rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
	})
	return s
}

// service is a code service on store with a fake clock and an inbox.
func service(store identity.Store, c *clock) (*identity.OTP, *inbox) {
	box := &inbox{}
	o := identity.NewOTP(store, box, identity.NewHasher(surveystest.Secret))
	o.Now = c.Now
	return o, box
}

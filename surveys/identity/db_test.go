package identity_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// dbReopeners open a database store, close it, and open it again as a
// restarted instance would: SQLite on one file, MySQL on one database.
func dbReopeners(t *testing.T) map[string]func(t *testing.T) *models.Store {
	t.Helper()
	out := map[string]func(t *testing.T) *models.Store{}
	dir := t.TempDir()
	out["sqlite"] = func(t *testing.T) *models.Store {
		s, err := models.OpenSQLite(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if surveystest.MySQLConfigured() || surveystest.Required() {
		dsn := surveystest.MySQLDSN(t)
		out["mysql"] = func(t *testing.T) *models.Store {
			s, err := models.OpenMySQL(dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(); err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	return out
}

// A number locked by wrong codes stays locked across a restart, its send
// window stays spent, and the code sent before still works after the lock
// for a number that was not locked.
func TestDatabaseStoreKeepsLocksAcrossRestart(t *testing.T) {
	for name, open := range dbReopeners(t) {
		t.Run(name, func(t *testing.T) {
			c := newClock()
			db := open(t)
			o, box := service(models.NewIdentityStore(db), c)
			if err := send(o, phone, ""); err != nil {
				t.Fatal(err)
			}
			const other = "13900000009"
			if err := send(o, other, ""); err != nil {
				t.Fatal(err)
			}
			code, otherCode := box.code(t, phone), box.code(t, other)
			for left := 4; left >= 1; left-- {
				wantCodeError(t, verify(o, phone, wrongCode(code), "s"), identity.Wrong, left)
			}
			wantWait(t, verify(o, phone, wrongCode(code), "s"), "locked", 15*60)
			db.Close()

			c.Advance(time.Minute)
			db = open(t)
			defer db.Close()
			o, _ = service(models.NewIdentityStore(db), c)
			wantWait(t, verify(o, phone, code, "s"), "locked", 14*60)
			if err := verify(o, other, otherCode, "s"); err != nil {
				t.Fatalf("a code sent before the restart: %v", err)
			}
			if err := send(o, other, ""); err != nil {
				t.Fatalf("a minute after the last code: %v", err)
			}
			c.Advance(10 * time.Second)
			wantWait(t, send(o, other, ""), "number", 50)
		})
	}
}

// The tables hold no number, address or code in clear, and the sweep
// deletes what has expired.
func TestDatabaseStoreHoldsOnlyHashesAndSweeps(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := newClock()
			o, box := service(models.NewIdentityStore(b.Store), c)
			o.Config.PerAddress = []identity.Rate{{N: 5, Per: time.Hour}}
			if err := send(o, phone, "192.0.2.77"); err != nil {
				t.Fatal(err)
			}
			code := box.code(t, phone)
			wantCodeError(t, verify(o, phone, wrongCode(code), "s"), identity.Wrong, 4)
			dump := dumpIdentityTables(t, b.Store)
			for _, clear := range []string{phone, "192.0.2.77", code} {
				if strings.Contains(dump, clear) {
					t.Errorf("the database holds %q in clear: %s", clear, dump)
				}
			}
			if !strings.Contains(dump, "window") || !strings.Contains(dump, "code") || !strings.Contains(dump, "number") {
				t.Fatalf("want rows in every table: %s", dump)
			}
			// Everything has expired a day later; the next write sweeps it.
			c.Advance(24 * time.Hour)
			if err := send(o, "13900000001", ""); err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := b.Store.R.Model(&models.IdentityNumber{}).Count(&n).Error; err != nil || n != 1 {
				t.Errorf("numbers after the sweep: %d (%v), want 1 (the new one)", n, err)
			}
			if err := b.Store.R.Model(&models.IdentityWindow{}).Count(&n).Error; err != nil || n != 1 {
				t.Errorf("windows after the sweep: %d (%v), want 1 (the survey's)", n, err)
			}
			if err := b.Store.R.Model(&models.IdentityCode{}).Count(&n).Error; err != nil || n != 1 {
				t.Errorf("codes after the sweep: %d (%v), want 1", n, err)
			}
		})
	}
}

func dumpIdentityTables(t *testing.T, s *models.Store) string {
	t.Helper()
	var ws []models.IdentityWindow
	var ns []models.IdentityNumber
	var cs []models.IdentityCode
	for _, q := range []any{&ws, &ns, &cs} {
		if err := s.R.Find(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	for _, w := range ws {
		fmt.Fprintf(&b, "window %+v\n", w)
	}
	for _, n := range ns {
		fmt.Fprintf(&b, "number %+v\n", n)
	}
	for _, c := range cs {
		fmt.Fprintf(&b, "code %+v\n", c)
	}
	return b.String()
}

// BenchmarkIssueVerify issues a code for a new number and verifies it, on
// each store: the database's work per code sent and answered.
func BenchmarkIssueVerify(b *testing.B) {
	stores := map[string]identity.Store{"sqlite": models.NewIdentityStore(surveystest.SQLite(b))}
	if surveystest.MySQLConfigured() {
		stores["mysql"] = models.NewIdentityStore(surveystest.MySQL(b))
	}
	rates := []identity.Rate{{N: 1, Per: time.Minute}, {N: 5, Per: time.Hour}}
	run := 0 // the benchmark function runs several times: new numbers each
	for name, s := range stores {
		b.Run(name, func(b *testing.B) {
			ctx, now := context.Background(), time.Now()
			run++
			for i := range b.N {
				number := fmt.Sprintf("%d-%d", run, i)
				v, err := s.Issue(ctx, identity.IssueArgs{Number: number, Scope: "7", CodeHash: "h", TTL: 5 * time.Minute,
					Rates: rates, Token: "t", Now: now})
				if err != nil || v.Outcome != identity.Issued {
					b.Fatal(v, err)
				}
				v, err = s.Verify(ctx, identity.VerifyArgs{Number: number, Scope: "7", CodeHash: "h", Use: "u",
					MaxFails: 5, LockFor: 15 * time.Minute, Now: now})
				if err != nil || v.Outcome != identity.Accepted {
					b.Fatal(v, err)
				}
			}
		})
	}
}

// Requests for one new number at once, spread over two instances on one
// MariaDB: exactly one code goes out, and its right code is accepted for
// exactly one submission.
func TestDatabaseInstancesRaceForOneNumber(t *testing.T) {
	dsn := surveystest.MySQLDSN(t)
	c := newClock()
	box := &inbox{}
	var svcs []*identity.OTP
	for range 2 {
		o := identity.NewOTP(models.NewIdentityStore(surveystest.OpenMySQL(t, dsn)), box, identity.NewHasher(surveystest.Secret))
		o.Now = c.Now
		svcs = append(svcs, o)
	}
	const n = 20
	var sent, accepted atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := send(svcs[i%2], phone, ""); err == nil {
				sent.Add(1)
			} else if !errors.Is(err, identity.ErrLimited) {
				t.Errorf("send: %v", err)
			}
		}()
	}
	wg.Wait()
	if sent.Load() != 1 || box.count() != 1 {
		t.Fatalf("%d sends accepted, %d texted; want 1", sent.Load(), box.count())
	}
	code := box.code(t, phone)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if verify(svcs[i%2], phone, code, fmt.Sprint("s", i)) == nil {
				accepted.Add(1)
			}
		}()
	}
	wg.Wait()
	if accepted.Load() != 1 {
		t.Fatalf("%d submissions accepted one code; want 1", accepted.Load())
	}
}

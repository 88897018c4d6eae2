// Package surveystest gives tests real backends: an SQLite store in a temp
// dir always, and a fresh MySQL database and a Redis connection when
// MINYI_TEST_MYSQL_DSN and MINYI_TEST_REDIS_URL are set. With
// MINYI_TEST_REQUIRE=1 (set by CI) a missing backend fails the test
// instead of skipping it. It also starts servers of its own for fault
// injection (faults.go). Only tests import it; it may import anything.
package surveystest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	mrand "math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Env var names.
const (
	EnvMySQL   = "MINYI_TEST_MYSQL_DSN"
	EnvRedis   = "MINYI_TEST_REDIS_URL"
	EnvRequire = "MINYI_TEST_REQUIRE"
)

// Secret is the secret test services sign and hash with.
var Secret = []byte("test-secret-0123456789abcdef")

// Required reports whether missing backends must fail the tests.
func Required() bool { return os.Getenv(EnvRequire) == "1" }

// Missing skips the test for a missing backend, or fails it under CI.
func Missing(t testing.TB, what string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required (%s=1) but not configured", what, EnvRequire)
	}
	t.Skipf("%s not configured; skipping", what)
}

// Backend is a migrated store under a name ("sqlite" or "mysql").
type Backend struct {
	Name  string
	Store *models.Store
}

// Backends returns a fresh SQLite store, and a fresh MySQL database when
// configured (under CI, always).
func Backends(t testing.TB) []Backend {
	t.Helper()
	out := []Backend{{"sqlite", SQLite(t)}}
	if os.Getenv(EnvMySQL) == "" {
		if Required() {
			t.Fatalf("%s is required under %s=1", EnvMySQL, EnvRequire)
		}
		t.Logf("%s not set: MySQL backend skipped", EnvMySQL)
		return out
	}
	return append(out, Backend{"mysql", MySQL(t)})
}

// SQLite returns a migrated store on a new SQLite file.
func SQLite(t testing.TB) *models.Store {
	t.Helper()
	return migrated(t)(models.OpenSQLite(t.TempDir()))
}

// migrated closes the store at cleanup and migrates it, failing the test
// on any error: migrated(t)(models.Open...(...)).
func migrated(t testing.TB) func(*models.Store, error) *models.Store {
	return func(s *models.Store, err error) *models.Store {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.JointGrace = 50 * time.Millisecond // a backfill starts soon after weighting is on
		if err := s.Migrate(); err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// MySQLDSN creates an empty database for the test, dropped at cleanup, and
// returns its DSN.
func MySQLDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvMySQL)
	if dsn == "" {
		Missing(t, "MySQL ("+EnvMySQL+")")
	}
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvMySQL, err)
	}
	name := "minyi_t_" + randomHex(6)
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("mysql", dsn); err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + name)
			db.Close()
		}
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// MySQL returns a migrated store on a fresh MySQL database.
func MySQL(t testing.TB) *models.Store {
	t.Helper()
	return OpenMySQL(t, MySQLDSN(t))
}

// OpenMySQL returns a migrated store on the MySQL database dsn, as another
// app instance sharing that database would.
func OpenMySQL(t testing.TB, dsn string) *models.Store {
	t.Helper()
	return migrated(t)(models.OpenMySQL(dsn))
}

// Redis returns a client on the test Redis, or skips (fails under CI).
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	url := os.Getenv(EnvRedis)
	if url == "" {
		Missing(t, "Redis ("+EnvRedis+")")
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("%s: %v", EnvRedis, err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { rdb.Close() })
	if err := rdb.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	return rdb
}

// Prefix returns a key prefix unique to this test run, so tests sharing one
// Redis never see each other's keys.
func Prefix() string { return "minyi-test:" + randomHex(6) + ":" }

// Service returns a service on store with in-process dedup and fan-out,
// the demo survey seeded.
func Service(t testing.TB, store *models.Store) *surveys.Service {
	t.Helper()
	return ServiceWith(t, store, dedup.NewMemory(), live.NewMemory())
}

// ServiceWith returns a service with the given claimer and broker, the demo
// survey seeded.
func ServiceWith(t testing.TB, store *models.Store, c dedup.Claimer, b live.Broker) *surveys.Service {
	t.Helper()
	svc := surveys.NewService(store, c, b, Secret)
	t.Cleanup(svc.Close)
	if _, err := svc.SeedBuiltin("social-2022"); err != nil {
		t.Fatal(err)
	}
	return svc
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MySQLConfigured reports whether a test MySQL is configured.
func MySQLConfigured() bool { return os.Getenv(EnvMySQL) != "" }

// RandomSubmission makes a complete, valid submission for c with random
// answers, started five minutes ago as the page would say (a submission
// without started_at is flagged "no timing").
func RandomSubmission(rng *mrand.Rand, c *questionnaire.Compiled) *questionnaire.Submission {
	sub := c.RandomSubmission(rng)
	started := time.Now().Add(-5 * time.Minute).UTC()
	sub.StartedAt = &started
	return sub
}

// RedisConfigured reports whether a test Redis is configured.
func RedisConfigured() bool { return os.Getenv(EnvRedis) != "" }

// FailWrites makes every statement that writes into table fail with err
// until the returned func is called: a disk-full or a lost connection at the
// worst moment.
func FailWrites(t testing.TB, store *models.Store, table string, err error) (restore func()) {
	t.Helper()
	name := "surveystest:fail_" + table
	prefix := "INSERT INTO " + table + " "
	cb := store.W.Callback().Raw().Before("gorm:raw")
	if e := cb.Register(name, func(db *gorm.DB) {
		if strings.HasPrefix(db.Statement.SQL.String(), prefix) {
			db.AddError(err)
		}
	}); e != nil {
		t.Fatal(e)
	}
	return func() { _ = store.W.Callback().Raw().Remove(name) }
}

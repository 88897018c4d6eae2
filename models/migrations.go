package models

import (
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
)

// migration is one schema step. Steps run in order, each once, and are
// recorded in schema_migrations. MySQL commits DDL implicitly, so a step
// must be safe to run again after a crash half-way (the migrator's
// CreateTable and AddColumn calls below check before they act).
type migration struct {
	version int
	name    string
	up      func(tx *gorm.DB) error
}

// schemaMigration records an applied migration.
type schemaMigration struct {
	Version   int    `gorm:"primaryKey;autoIncrement:false"`
	Name      string `gorm:"size:200"`
	AppliedAt time.Time
}

func (schemaMigration) TableName() string { return "schema_migrations" }

// The models' structs are the schema of the latest step. When a later step
// changes a model, freeze the struct an earlier step uses as a local copy,
// so that a fresh database still replays the history exactly.
var migrations = []migration{
	{1, "surveys, versions and their catalogue", func(tx *gorm.DB) error {
		return createTables(tx, &Survey{}, &SurveyVersion{}, &Unit{}, &Area{}, &Question{}, &Option{}, &Setting{})
	}},
	{2, "responses with their answers", func(tx *gorm.DB) error {
		return createTables(tx, &Response{})
	}},
	{3, "incremental tallies and work locks", func(tx *gorm.DB) error {
		if err := createTables(tx, &tallyV3{}, &Lock{}); err != nil {
			return err
		}
		// Responses stored before tallies existed are counted by the next
		// tally pass, since their Tallied flag is false.
		return tx.Session(&gorm.Session{NewDB: true}).Where("name = ?", LockTally).FirstOrCreate(&Lock{Name: LockTally}).Error
	}},
	{4, "indexes for the speeder and shared-address quality flags", func(tx *gorm.DB) error {
		for _, idx := range []string{"idx_response_duration", "idx_response_ip"} {
			m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
			if !m.HasIndex(&Response{}, idx) {
				if err := m.CreateIndex(&Response{}, idx); err != nil {
					return err
				}
			}
		}
		return nil
	}},
	{5, "staff accounts, sessions, audit log, invitation tokens; survey titles", func(tx *gorm.DB) error {
		if err := createTables(tx, &User{}, &Session{}, &AuditEntry{}, &Token{}); err != nil {
			return err
		}
		m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
		if !m.HasColumn(&Survey{}, "Title") {
			return m.AddColumn(&Survey{}, "Title")
		}
		return nil
	}},
	{6, "staff review of flagged responses", func(tx *gorm.DB) error {
		m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
		if !m.HasColumn(&Response{}, "Review") {
			return m.AddColumn(&Response{}, "Review")
		}
		return nil
	}},
	{7, "share links; weighting margins; longer tally cells for joint demographic cells", func(tx *gorm.DB) error {
		if err := createTables(tx, &ShareLink{}); err != nil {
			return err
		}
		m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
		for _, col := range []string{"Weighted", "Margins", "JointFrom", "JointAt", "JointReady", "JointCursor", "ReviewSeq"} {
			if !m.HasColumn(&Survey{}, col) {
				if err := m.AddColumn(&Survey{}, col); err != nil {
					return err
				}
			}
		}
		if tx.Dialector.Name() == "mysql" {
			// SQLite does not enforce sizes; MySQL's column was 80 characters.
			return m.AlterColumn(&tallyV3{}, "Dim")
		}
		return nil
	}},
	{8, "telephone interviewing: cases, calls, do-not-call list, quota cells and reservations", func(tx *gorm.DB) error {
		return createTables(tx, catiTables()...)
	}},
	{9, "recount the tallies: item pairs for the area and overall intervals, flagged twins of breakdown cells; the median speeders were flagged against", recountTallies},
	{10, "staff sign-in lockouts an admin can clear", func(tx *gorm.DB) error {
		m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
		if !m.HasColumn(&User{}, "LoginEpoch") {
			return m.AddColumn(&User{}, "LoginEpoch")
		}
		return nil
	}},
	{11, "survey owners and members (collaborators, readers)", func(tx *gorm.DB) error {
		if err := createTables(tx, &SurveyMember{}); err != nil {
			return err
		}
		// Surveys made before keep no owner: admins see them and add members.
		m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
		if !m.HasColumn(&Survey{}, "OwnerID") {
			if err := m.AddColumn(&Survey{}, "OwnerID"); err != nil {
				return err
			}
		}
		if !m.HasIndex(&Survey{}, "OwnerID") {
			return m.CreateIndex(&Survey{}, "OwnerID")
		}
		return nil
	}},
	{12, "tallies by cell: results read a campaign's units' whole-sample counters without scanning their breakdown cells", func(tx *gorm.DB) error {
		m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
		if !m.HasIndex(&tallyV3{}, "idx_tally_dim") {
			return m.CreateIndex(&tallyV3{}, "idx_tally_dim")
		}
		return nil
	}},
	{13, "telephone fieldwork: calling settings per survey, screening answers on cases", func(tx *gorm.DB) error {
		if err := createTables(tx, &CatiSetting{}); err != nil {
			return err
		}
		m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
		if !m.HasColumn(&CatiCase{}, "Screened") {
			return m.AddColumn(&CatiCase{}, "Screened")
		}
		return nil
	}},
	{14, "phone rosters: the numbers (keyed hashes) allowed to answer a phone-mode survey, per unit", func(tx *gorm.DB) error {
		return createTables(tx, &PhoneRoster{})
	}},
	{15, "retention: when each survey closed and when its identifying data was purged; the purge lock", func(tx *gorm.DB) error {
		db := tx.Session(&gorm.Session{NewDB: true})
		m := db.Migrator()
		for _, col := range []string{"ClosedAt", "PurgedAt"} {
			if !m.HasColumn(&Survey{}, col) {
				if err := m.AddColumn(&Survey{}, col); err != nil {
					return err
				}
			}
		}
		// Surveys closed before: their last change is the best known closing time.
		if err := db.Model(&Survey{}).Where("status = ? AND closed_at IS NULL", StatusClosed).
			UpdateColumn("closed_at", gorm.Expr("updated_at")).Error; err != nil {
			return err
		}
		return db.Where("name = ?", LockRetention).FirstOrCreate(&Lock{Name: LockRetention}).Error
	}},
	{16, "tallies keyed by their cell: the counter's cell is its primary key, no surrogate id (half the database's work per counter a tally pass adds to); counted again from the responses", rekeyTallies},
	{17, "text-message invitations of token-mode surveys (sealed numbers, their sealed links, sending and delivery state) and the do-not-contact list", func(tx *gorm.DB) error {
		return createTables(tx, &Invitation{}, &DoNotContact{})
	}},
	{18, "one-time codes in the database: codes, locks and send windows survive a restart and are shared by instances without Redis", func(tx *gorm.DB) error {
		return createTables(tx, &IdentityWindow{}, &IdentityNumber{}, &IdentityCode{})
	}},
}

// tallyV3 is Tally as migrations 3 to 15 made it: a surrogate id and a
// unique index on the cell.
type tallyV3 struct {
	ID       uint64 `gorm:"primaryKey"`
	SurveyID uint64 `gorm:"uniqueIndex:idx_tally_id,priority:1;index:idx_tally_dim,priority:1"`
	Unit     string `gorm:"size:64;uniqueIndex:idx_tally_id,priority:2"`
	Dim      string `gorm:"size:200;uniqueIndex:idx_tally_id,priority:3;index:idx_tally_dim,priority:2"`
	Metric   string `gorm:"size:160;uniqueIndex:idx_tally_id,priority:4"`
	N        int64
	ScoreSum int64
	ScoreSq  int64
}

func (tallyV3) TableName() string { return "tallies" }

// rekeyTallies replaces the tallies table by one keyed by the cell. The
// counters are derived data: rather than copy them, it drops them and
// marks every response untallied, and the tally worker counts them again
// (as migration 9 did). MySQL commits each DDL statement at once: run
// again after a crash, it finds the table dropped or already rekeyed and
// goes on from there.
func rekeyTallies(tx *gorm.DB) error {
	db := tx.Session(&gorm.Session{NewDB: true, AllowGlobalUpdate: true})
	m := db.Migrator()
	if m.HasTable(&Tally{}) && m.HasColumn(&tallyV3{}, "ID") {
		if err := m.DropTable(&tallyV3{}); err != nil {
			return err
		}
	}
	if err := createTables(tx, &Tally{}); err != nil {
		return err
	}
	if err := db.Delete(&Tally{}).Error; err != nil {
		return err
	}
	return countAllAgain(db)
}

// recountTallies drops every counter and marks every response untallied,
// so the tally worker counts them all again with the counters this build
// keeps (pairs of items, flagged twins of breakdown cells). Weighted
// surveys count every response into their joint cells again, so none
// needs a backfill. Running it twice does the same.
func recountTallies(tx *gorm.DB) error {
	db := tx.Session(&gorm.Session{NewDB: true, AllowGlobalUpdate: true})
	if m := db.Migrator(); !m.HasColumn(&Survey{}, "SpeederMedianMS") {
		if err := m.AddColumn(&Survey{}, "SpeederMedianMS"); err != nil {
			return err
		}
	}
	if err := db.Delete(&Tally{}).Error; err != nil {
		return err
	}
	return countAllAgain(db)
}

// countAllAgain marks every response untallied, so that the tally worker
// counts them all into empty counters; weighted surveys count every
// response into their joint cells again, so none needs a backfill.
func countAllAgain(db *gorm.DB) error {
	if err := db.Model(&Response{}).Where("tallied = ?", true).Update("tallied", false).Error; err != nil {
		return err
	}
	return db.Model(&Survey{}).Where("weighted = ?", true).
		Updates(map[string]any{"joint_from": 0, "joint_cursor": 0, "joint_ready": true}).Error
}

// LatestVersion is the schema version this build expects.
func LatestVersion() int { return migrations[len(migrations)-1].version }

func createTables(tx *gorm.DB, tables ...any) error {
	for _, t := range tables {
		m := tx.Session(&gorm.Session{NewDB: true}).Migrator()
		if m.HasTable(t) {
			continue
		}
		if err := m.CreateTable(t); err != nil {
			return err
		}
	}
	return nil
}

// Migrate brings the schema to the latest version.
func (s *Store) Migrate() error { return s.MigrateTo(LatestVersion()) }

// MigrateTo applies the pending migrations up to and including version.
// On MySQL a named lock keeps instances that start together from racing.
// On a Galera cluster that lock holds on one node only, so instances
// starting together on different nodes may still race: the loser's DDL
// fails (the table or column already exists) and, every migration step
// checking what exists first, it simply runs again on what the winner left.
func (s *Store) MigrateTo(version int) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = s.migrateTo(version); err == nil || s.Dialect != DialectMySQL || attempt == migrateAttempts {
			return err
		}
		slog.Warn("migration failed, running it again (another instance may be migrating through another node)",
			slog.Int("attempt", attempt), slog.Any("error", err))
		time.Sleep(time.Duration(attempt) * 500 * time.Millisecond)
	}
}

// migrateAttempts bounds MigrateTo's runs on MySQL.
const migrateAttempts = 5

func (s *Store) migrateTo(version int) error {
	return s.W.Connection(func(conn *gorm.DB) error {
		if s.Dialect == DialectMySQL {
			var got int
			if err := conn.Raw("SELECT GET_LOCK('minyi_migrate', 60)").Scan(&got).Error; err != nil || got != 1 {
				return fmt.Errorf("models: take the migration lock: %v (got %d)", err, got)
			}
			defer conn.Exec("SELECT RELEASE_LOCK('minyi_migrate')")
		}
		if err := conn.AutoMigrate(&schemaMigration{}); err != nil {
			return fmt.Errorf("models: migrations table: %w", err)
		}
		var applied []int
		if err := conn.Model(&schemaMigration{}).Pluck("version", &applied).Error; err != nil {
			return fmt.Errorf("models: read migrations: %w", err)
		}
		done := map[int]bool{}
		for _, v := range applied {
			done[v] = true
		}
		for _, m := range migrations {
			if m.version > version || done[m.version] {
				continue
			}
			err := conn.Transaction(func(tx *gorm.DB) error {
				if err := m.up(tx); err != nil {
					return err
				}
				return tx.Create(&schemaMigration{Version: m.version, Name: m.name, AppliedAt: time.Now().UTC()}).Error
			})
			if err != nil {
				return fmt.Errorf("models: migration %d (%s): %w", m.version, m.name, err)
			}
			slog.Info("database migrated", slog.Int("version", m.version), slog.String("name", m.name))
		}
		return nil
	})
}

// SchemaVersion returns the highest applied migration.
func (s *Store) SchemaVersion() (int, error) {
	var v *int
	err := s.R.Model(&schemaMigration{}).Select("MAX(version)").Scan(&v).Error
	if err != nil || v == nil {
		return 0, err
	}
	return *v, nil
}

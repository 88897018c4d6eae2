package models_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// rawStores opens unmigrated stores on every configured backend.
func rawStores(t *testing.T) map[string]*models.Store {
	t.Helper()
	out := map[string]*models.Store{}
	s, err := models.OpenSQLite(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	out["sqlite"] = s
	if surveystest.Required() || surveystest.MySQLConfigured() {
		m, err := models.OpenMySQL(surveystest.MySQLDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		out["mysql"] = m
	}
	return out
}

func TestMigrateUpgradeKeepsRows(t *testing.T) {
	for name, s := range rawStores(t) {
		t.Run(name, func(t *testing.T) {
			// A database at level 2: surveys and responses, no tallies yet.
			if err := s.MigrateTo(2); err != nil {
				t.Fatal(err)
			}
			if v, _ := s.SchemaVersion(); v != 2 {
				t.Fatalf("schema version = %d, want 2", v)
			}
			if s.W.Migrator().HasTable(&models.Tally{}) {
				t.Fatal("tallies table exists at level 2")
			}
			sv := &models.Survey{Slug: "old-survey", Results: "public"}
			if err := s.CreatePublished(sv, `{"slug":"old-survey"}`, models.Catalogue{}); err != nil {
				t.Fatal(err)
			}
			r := &models.Response{PublicID: "p1", SurveyID: sv.ID, VersionID: *sv.PublishedVersionID,
				RespondentKey: "d:x", SubmissionID: "s1", SubmittedAt: time.Now(),
				Choices: "q01=5"}
			if err := s.InsertResponse(r); err != nil {
				t.Fatal(err)
			}

			if err := s.Migrate(); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(); err != nil { // a second run is a no-op
				t.Fatalf("re-running migrations: %v", err)
			}
			if v, _ := s.SchemaVersion(); v != models.LatestVersion() {
				t.Fatalf("schema version = %d, want %d", v, models.LatestVersion())
			}
			got, err := s.SurveyBySlug("old-survey")
			if err != nil || got.ID != sv.ID {
				t.Fatalf("survey after upgrade: %v %v", got, err)
			}
			if n, _ := s.CountResponses(sv.ID); n != 1 {
				t.Fatalf("responses after upgrade = %d, want 1", n)
			}
			if n, _ := s.CountUntallied(); n != 1 {
				t.Fatalf("pending tallies after upgrade = %d, want the old response", n)
			}
			c := &countChoices{}
			changed, n, err := s.TallyBatch(100, func() models.Counter { return c })
			if err != nil || n != 1 || len(changed) != 1 || c.choices != "q01=5" {
				t.Fatalf("tally pass after upgrade: changed=%v n=%d choices=%q err=%v", changed, n, c.choices, err)
			}
			ts, err := s.Tallies(sv.ID)
			if err != nil || len(ts) != 1 || ts[0].N != 1 {
				t.Fatalf("stored tallies = %+v, %v", ts, err)
			}
		})
	}
}

func TestInsertResponseIsAtomicAndUnique(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Store
			sv := &models.Survey{Slug: "atomic", Results: "public"}
			if err := s.CreatePublished(sv, `{}`, models.Catalogue{}); err != nil {
				t.Fatal(err)
			}
			resp := func(pub, key, sub string) *models.Response {
				now := time.Now()
				started, ms := now.Add(-90*time.Second), int64(90_000)
				return &models.Response{PublicID: pub, SurveyID: sv.ID, VersionID: *sv.PublishedVersionID,
					RespondentKey: key, SubmissionID: sub, SubmittedAt: now, StartedAt: &started, DurationMS: &ms,
					Choices: "q01=5,town=t01", Texts: `{"c":"好，路修得不错"}`}
			}
			if err := s.InsertResponse(resp("a", "d:1", "s1")); err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name string
				r    *models.Response
			}{
				{"same respondent", resp("b", "d:1", "s2")},
				{"same submission id", resp("c", "d:2", "s1")},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					if err := s.InsertResponse(tc.r); !errors.Is(err, models.ErrDuplicate) {
						t.Fatalf("err = %v, want ErrDuplicate", err)
					}
				})
			}

			// A failed write leaves nothing behind and can be retried.
			boom := errors.New("boom")
			restore := surveystest.FailWrites(t, s, "responses", boom)
			err := s.InsertResponse(resp("d", "d:3", "s3"))
			restore()
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want the injected failure", err)
			}
			if _, err := s.ResponseBySubmission(sv.ID, "s3"); !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("half-stored response found: %v", err)
			}
			if err := s.InsertResponse(resp("d", "d:3", "s3")); err != nil {
				t.Fatalf("retry after the failure: %v", err)
			}
			got, err := s.ResponseBySubmission(sv.ID, "s3")
			if err != nil || got.RespondentKey != "d:3" || got.Choices != "q01=5,town=t01" || got.Texts != `{"c":"好，路修得不错"}` {
				t.Fatalf("stored response: %+v %v", got, err)
			}
			if d := time.Since(got.SubmittedAt); d < 0 || d > time.Minute || got.StartedAt == nil || got.DurationMS == nil || *got.DurationMS != 90_000 {
				t.Fatalf("times read back wrong: submitted %v (%v ago), started %v, duration %v", got.SubmittedAt, d, got.StartedAt, got.DurationMS)
			}
			if ok, _ := s.HasResponded(sv.ID, "d:3"); !ok {
				t.Fatal("HasResponded = false after insert")
			}
		})
	}
}

func TestSettingIsCreatedOnce(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			calls := 0
			mk := func() (string, error) { calls++; return "v" + string(rune('0'+calls)), nil }
			first, err := b.Store.Setting("secret", mk)
			if err != nil {
				t.Fatal(err)
			}
			second, err := b.Store.Setting("secret", mk)
			if err != nil || second != first || calls != 1 {
				t.Fatalf("second read = %q (first %q), make called %d times, err %v", second, first, calls, err)
			}
		})
	}
}

// countChoices is a models.Counter that counts responses and keeps the
// choices it saw.
type countChoices struct {
	choices string
	rows    []models.Tally
}

func (c *countChoices) Add(r *models.Response) error {
	c.choices += r.Choices
	c.rows = append(c.rows, models.Tally{SurveyID: r.SurveyID, Metric: "responses", N: 1})
	return nil
}

func (c *countChoices) Rows() []models.Tally { return c.rows }

func (c *countChoices) Joint(map[uint64]uint64) {}

func (c *countChoices) JointOnly() {}

func TestEachResponseWalksEveryBatch(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Store
			sv := &models.Survey{Slug: "walk", Results: "public"}
			if err := s.CreatePublished(sv, `{}`, models.Catalogue{}); err != nil {
				t.Fatal(err)
			}
			for i := range 7 {
				r := &models.Response{PublicID: fmt.Sprint("w", i), SurveyID: sv.ID, VersionID: *sv.PublishedVersionID,
					RespondentKey: fmt.Sprint("d:", i), SubmissionID: fmt.Sprint("s", i), SubmittedAt: time.Now(), Choices: "q01=5"}
				if err := s.InsertResponse(r); err != nil {
					t.Fatal(err)
				}
			}
			for name, walk := range map[string]func(func(*models.Response) error) error{
				"counting columns": func(fn func(*models.Response) error) error { return s.EachResponse(s.R, sv.ID, 2, fn) },
			} {
				var seen []string
				if err := walk(func(r *models.Response) error { seen = append(seen, r.Choices); return nil }); err != nil {
					t.Fatal(err)
				}
				if len(seen) != 7 {
					t.Fatalf("%s: walked %d responses in batches of 2, want 7", name, len(seen))
				}
			}
		})
	}
}

// TestMigrateRecountsTallies: the step that adds item pairs and flagged
// breakdown twins drops the old counters and hands every response back to
// the tally worker; a weighted survey counts them all into its joint cells.
func TestMigrateRecountsTallies(t *testing.T) {
	for name, s := range rawStores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.MigrateTo(8); err != nil {
				t.Fatal(err)
			}
			sv := &models.Survey{Slug: "counted", Results: "public"}
			if err := s.CreatePublished(sv, `{"slug":"counted"}`, models.Catalogue{}); err != nil {
				t.Fatal(err)
			}
			r := &models.Response{PublicID: "p1", SurveyID: sv.ID, VersionID: *sv.PublishedVersionID,
				RespondentKey: "d:x", SubmissionID: "s1", SubmittedAt: time.Now(), Choices: "q01=5"}
			if err := s.InsertResponse(r); err != nil {
				t.Fatal(err)
			}
			if _, n, err := s.TallyBatch(100, func() models.Counter { return &countChoices{} }); err != nil || n != 1 {
				t.Fatalf("tally pass: %d, %v", n, err)
			}
			if err := s.W.Model(&models.Survey{}).Where("id = ?", sv.ID).
				Updates(map[string]any{"weighted": true, "joint_from": r.ID, "joint_cursor": 0, "joint_ready": false}).Error; err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(); err != nil {
				t.Fatal(err)
			}
			if ts, err := s.Tallies(sv.ID); err != nil || len(ts) != 0 {
				t.Fatalf("tallies after the recount step: %+v, %v", ts, err)
			}
			if n, _ := s.CountUntallied(); n != 1 {
				t.Fatalf("untallied after the recount step = %d, want 1", n)
			}
			got, err := s.SurveyByID(sv.ID)
			if err != nil || got.JointFrom != 0 || !got.JointReady {
				t.Fatalf("weighted survey after the recount step: from %d ready %v, %v", got.JointFrom, got.JointReady, err)
			}
			if _, n, err := s.TallyBatch(100, func() models.Counter { return &countChoices{} }); err != nil || n != 1 {
				t.Fatalf("tally pass after the recount step: %d, %v", n, err)
			}
		})
	}
}

// TestMedianDuration: the middle completion time, and for an even count
// the mean of the two middle ones; responses without a time do not count.
func TestMedianDuration(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Store
			sv := &models.Survey{Slug: "median", Results: "public"}
			if err := s.CreatePublished(sv, `{}`, models.Catalogue{}); err != nil {
				t.Fatal(err)
			}
			add := func(i int, ms *int64) {
				t.Helper()
				r := &models.Response{PublicID: fmt.Sprint("m", i), SurveyID: sv.ID, VersionID: *sv.PublishedVersionID,
					RespondentKey: fmt.Sprint("d:m", i), SubmissionID: fmt.Sprint("sm", i), SubmittedAt: time.Now(), DurationMS: ms}
				if err := s.InsertResponse(r); err != nil {
					t.Fatal(err)
				}
			}
			ms := func(v int64) *int64 { return &v }
			add(0, nil)
			for i, v := range []int64{40_000, 10_000, 90_000} {
				add(i+1, ms(v))
			}
			if m, n, err := s.MedianDuration(sv.ID); err != nil || m != 40_000 || n != 3 {
				t.Fatalf("odd count: median %d of %d, %v; want 40000 of 3", m, n, err)
			}
			add(4, ms(61_001))
			// 10,000 40,000 61,001 90,000: (40,000 + 61,001)/2 = 50,500.5 → 50,500.
			if m, n, err := s.MedianDuration(sv.ID); err != nil || m != 50_500 || n != 4 {
				t.Fatalf("even count: median %d of %d, %v; want 50500 of 4", m, n, err)
			}
		})
	}
}

// TestMigrateRekeysTallies: the step that makes a counter's cell its
// primary key drops the counters kept under a surrogate id and hands every
// response back to the tally worker, which counts them into the rekeyed
// table, one row per cell however many passes add to it.
func TestMigrateRekeysTallies(t *testing.T) {
	for name, s := range rawStores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.MigrateTo(13); err != nil {
				t.Fatal(err)
			}
			sv := &models.Survey{Slug: "rekeyed", Results: "public"}
			if err := s.CreatePublished(sv, `{"slug":"rekeyed"}`, models.Catalogue{}); err != nil {
				t.Fatal(err)
			}
			insert := func(n int) {
				t.Helper()
				r := &models.Response{PublicID: fmt.Sprintf("p%d", n), SurveyID: sv.ID, VersionID: *sv.PublishedVersionID,
					RespondentKey: fmt.Sprintf("d:%d", n), SubmissionID: fmt.Sprintf("s%d", n), SubmittedAt: time.Now(), Choices: "q01=5"}
				if err := s.InsertResponse(r); err != nil {
					t.Fatal(err)
				}
			}
			pass := func(want int) {
				t.Helper()
				if _, n, err := s.TallyBatch(100, func() models.Counter { return &countChoices{} }); err != nil || n != want {
					t.Fatalf("tally pass: %d, %v; want %d", n, err, want)
				}
			}
			insert(1)
			insert(2)
			pass(2)
			if !s.W.Migrator().HasColumn(&models.Tally{}, "id") {
				t.Fatal("before the step the tallies have a surrogate id")
			}
			if err := s.Migrate(); err != nil {
				t.Fatal(err)
			}
			if s.W.Migrator().HasColumn(&models.Tally{}, "id") {
				t.Error("the rekeyed tallies still have a surrogate id")
			}
			if ts, err := s.Tallies(sv.ID); err != nil || len(ts) != 0 {
				t.Fatalf("tallies after the step: %+v, %v; want none until the worker counts", ts, err)
			}
			if n, _ := s.CountUntallied(); n != 2 {
				t.Fatalf("untallied after the step = %d, want 2", n)
			}
			pass(2)
			insert(3)
			pass(1)
			ts, err := s.Tallies(sv.ID)
			if err != nil || len(ts) != 1 || ts[0].N != 3 || ts[0].Metric != "responses" {
				t.Fatalf("tallies after two passes: %+v, %v; want one cell counting 3", ts, err)
			}
		})
	}
}

package models_test

import (
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestSurveyMembersStorage: a survey's owner and members are replaced
// together; a member keeps the date it was first added; a user's list
// holds the surveys it owns or is a member of, and no other. On SQLite and
// MariaDB.
func TestSurveyMembersStorage(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Store
			var users []*models.User
			for _, n := range []string{"ana", "bo", "cai"} {
				u := &models.User{Name: n, Role: models.RoleDesigner}
				if err := s.CreateUser(u); err != nil {
					t.Fatal(err)
				}
				users = append(users, u)
			}
			ana, bo, cai := users[0], users[1], users[2]
			mine := &models.Survey{Slug: "mine", OwnerID: &ana.ID}
			other := &models.Survey{Slug: "other", OwnerID: &bo.ID}
			orphan := &models.Survey{Slug: "orphan"}
			for _, sv := range []*models.Survey{mine, other, orphan} {
				if err := s.CreateDraft(sv, "{}"); err != nil {
					t.Fatal(err)
				}
			}
			slugs := func(u *models.User) []string {
				t.Helper()
				rows, err := s.SurveyRowsFor(u.ID)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, r := range rows {
					out = append(out, r.Slug)
				}
				sort.Strings(out)
				return out
			}
			if got := slugs(ana); !reflect.DeepEqual(got, []string{"mine"}) {
				t.Fatalf("ana's surveys: %v", got)
			}
			if got := slugs(cai); got != nil {
				t.Fatalf("cai's surveys: %v", got)
			}

			if err := s.SetSurveyMembers(mine.ID, &ana.ID, []models.SurveyMember{{UserID: bo.ID, Role: models.MemberCollaborator}}); err != nil {
				t.Fatal(err)
			}
			first, err := s.SurveyMembers(mine.ID)
			if err != nil || len(first) != 1 || first[0].Name != "bo" || first[0].Role != models.MemberCollaborator || first[0].UserRole != models.RoleDesigner {
				t.Fatalf("members: %+v, %v", first, err)
			}
			time.Sleep(1100 * time.Millisecond) // MySQL keeps whole seconds
			err = s.SetSurveyMembers(mine.ID, &ana.ID, []models.SurveyMember{
				{UserID: bo.ID, Role: models.MemberReader}, {UserID: cai.ID, Role: models.MemberReader}})
			if err != nil {
				t.Fatal(err)
			}
			again, err := s.SurveyMembers(mine.ID)
			if err != nil || len(again) != 2 || again[0].Name != "bo" || again[0].Role != models.MemberReader ||
				!again[0].CreatedAt.Equal(first[0].CreatedAt) || !again[1].CreatedAt.After(first[0].CreatedAt) {
				t.Fatalf("members after the change: %+v (first %v), %v", again, first[0].CreatedAt, err)
			}
			if got := slugs(bo); !reflect.DeepEqual(got, []string{"mine", "other"}) {
				t.Fatalf("bo's surveys: %v", got)
			}
			owner, role, err := s.SurveyMembership(mine.ID, cai.ID)
			if err != nil || owner == nil || *owner != ana.ID || role != models.MemberReader {
				t.Fatalf("cai on mine: owner %v, role %q, %v", owner, role, err)
			}
			if owner, role, err := s.SurveyMembership(orphan.ID, ana.ID); err != nil || owner != nil || role != "" {
				t.Fatalf("ana on the orphan: owner %v, role %q, %v", owner, role, err)
			}
			if _, _, err := s.SurveyMembership(999999, ana.ID); !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("no such survey: %v", err)
			}
			roles, err := s.MemberRoles(bo.ID)
			if err != nil || len(roles) != 1 || roles[mine.ID] != models.MemberReader {
				t.Fatalf("bo's roles: %v, %v", roles, err)
			}

			// The same user twice is refused by the unique index, and nothing changes.
			err = s.SetSurveyMembers(mine.ID, &cai.ID, []models.SurveyMember{
				{UserID: bo.ID, Role: models.MemberReader}, {UserID: bo.ID, Role: models.MemberCollaborator}})
			if !errors.Is(err, models.ErrDuplicate) {
				t.Fatalf("a user twice: %v", err)
			}
			if owner, _, _ := s.SurveyMembership(mine.ID, cai.ID); owner == nil || *owner != ana.ID {
				t.Fatal("a refused change handed the survey over")
			}
			if err := s.SetSurveyMembers(999999, nil, nil); !errors.Is(err, models.ErrNotFound) {
				t.Fatalf("members of no survey: %v", err)
			}
		})
	}
}

// TestMigrationLeavesOldSurveysWithoutOwner: a survey stored before
// ownership existed has no owner and no members after the migration that
// adds them (admins only), on SQLite and MariaDB.
func TestMigrationLeavesOldSurveysWithoutOwner(t *testing.T) {
	for name, s := range rawStores(t) {
		t.Run(name, func(t *testing.T) {
			if err := s.MigrateTo(8); err != nil {
				t.Fatal(err)
			}
			if err := s.W.Exec("INSERT INTO surveys (slug, title, status, results) VALUES ('old', 'old', 'draft', 'public')").Error; err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(); err != nil {
				t.Fatal(err)
			}
			sv, err := s.SurveyBySlug("old")
			if err != nil || sv.OwnerID != nil {
				t.Fatalf("the old survey: %+v, %v", sv, err)
			}
			if m, err := s.SurveyMembers(sv.ID); err != nil || len(m) != 0 {
				t.Fatalf("members: %v, %v", m, err)
			}
		})
	}
}

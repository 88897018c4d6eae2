package models_test

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/cati"
)

// askAll has interviewers first..first+n-1 ask for a case at once, half
// through each store, and returns the case each got (0: none).
func askAll(t *testing.T, pr pair, survey uint64, first, n int, now time.Time, hold time.Duration) map[uint64]uint64 {
	t.Helper()
	var mu sync.Mutex
	got := map[uint64]uint64{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		s := pr.a
		if i%2 == 1 {
			s = pr.b
		}
		who := uint64(first + i)
		wg.Go(func() {
			<-start
			h, err := s.NextCase(models.Pick{SurveyID: survey, Interviewer: who, Now: now, Hold: hold, InHours: true})
			var id uint64
			switch {
			case errors.Is(err, models.ErrNoCase):
			case err != nil:
				t.Errorf("interviewer %d: %v", who, err)
			default:
				id = h.Case.ID
			}
			mu.Lock()
			got[who] = id
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return got
}

// distinctCases fails when two interviewers got the same case, and returns
// how many got one.
func distinctCases(t *testing.T, got map[uint64]uint64) int {
	t.Helper()
	by := map[uint64]uint64{}
	for who, id := range got {
		if id == 0 {
			continue
		}
		if other, ok := by[id]; ok {
			t.Errorf("case %d given to interviewers %d and %d", id, other, who)
		}
		by[id] = who
	}
	return len(by)
}

// TestNextCaseConcurrent: 30 interviewers through two instances work a
// sample of 90 numbers at once, each taking a case, recording no answer
// and asking again: every case is given exactly once. Then 30 take the 30
// cases of another survey at once; with the holds lapsed (a 2-second hold,
// the clock moved on), 30 others take the same 30 again, and the first
// holders can no longer record on them.
func TestNextCaseConcurrent(t *testing.T) {
	v := testVault(t)
	p := cati.DefaultPolicy()
	for _, pr := range instancePairs(t) {
		t.Run(pr.name, func(t *testing.T) {
			if _, err := pr.a.AddCases(sample(t, v, 1, "", 0, 90, t0)); err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			given := map[uint64]int{}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 30 {
				s := pr.a
				if i%2 == 1 {
					s = pr.b
				}
				who := uint64(i + 1)
				wg.Go(func() {
					<-start
					for {
						h, err := s.NextCase(models.Pick{SurveyID: 1, Interviewer: who, Now: t0, Hold: p.Hold, InHours: true})
						if errors.Is(err, models.ErrNoCase) {
							return
						}
						if err != nil {
							t.Errorf("interviewer %d: %v", who, err)
							return
						}
						mu.Lock()
						given[h.Case.ID]++
						mu.Unlock()
						if _, err := record(s, p, h.Case.ID, who, "3.13", t0, nil); err != nil {
							t.Errorf("interviewer %d, case %d: %v", who, h.Case.ID, err)
							return
						}
					}
				})
			}
			close(start)
			wg.Wait()
			if len(given) != 90 {
				t.Errorf("%d cases given, want 90", len(given))
			}
			for id, n := range given {
				if n != 1 {
					t.Errorf("case %d given %d times", id, n)
				}
			}

			// Holds lapse.
			const hold = 2 * time.Second
			if _, err := pr.b.AddCases(sample(t, v, 2, "", 0, 30, t0)); err != nil {
				t.Fatal(err)
			}
			first := askAll(t, pr, 2, 101, 30, t0, hold)
			if n := distinctCases(t, first); n != 30 {
				t.Fatalf("%d of 30 interviewers got a case", n)
			}
			if late := askAll(t, pr, 2, 131, 1, t0.Add(time.Second), hold); late[131] != 0 {
				t.Errorf("a held case was given again before its hold lapsed: %d", late[131])
			}
			second := askAll(t, pr, 2, 201, 30, t0.Add(hold), hold)
			if n := distinctCases(t, second); n != 30 {
				t.Fatalf("after the holds lapsed %d of 30 interviewers got a case", n)
			}
			for who, id := range first {
				if _, err := record(pr.a, p, id, who, "3.13", t0.Add(hold), nil); !errors.Is(err, models.ErrNotHeld) {
					t.Errorf("interviewer %d recorded on case %d after losing it: %v", who, id, err)
				}
			}
		})
	}
}

// TestReserveQuotaConcurrent: 40 screened cases, each held by its own
// interviewer, reserve at once through two instances a slot in two
// matching cells — one of target 100, one of target 10 (the higher id, so
// a refusal comes after the first cell was already counted) — and complete
// or, refused, close as quota filled. Exactly 10 complete; both cells end
// with 10 filled and nothing reserved; no reservation is left.
func TestReserveQuotaConcurrent(t *testing.T) {
	v := testVault(t)
	p := cati.DefaultPolicy()
	for _, pr := range instancePairs(t) {
		t.Run(pr.name, func(t *testing.T) {
			cells := quotaCells(t, pr.a, 1, "u01", map[string]int{"gender=f": 100, "age=a2,gender=f": 10})
			if _, err := pr.a.AddCases(sample(t, v, 1, "u01", 0, 40, t0)); err != nil {
				t.Fatal(err)
			}
			held := askAll(t, pr, 1, 1, 40, t0, p.Hold)
			if distinctCases(t, held) != 40 {
				t.Fatal("not every interviewer holds a case")
			}
			var mu sync.Mutex
			completes, refused := 0, 0
			var wg sync.WaitGroup
			start := make(chan struct{})
			i := 0
			for who, id := range held {
				s := pr.a
				if i++; i%2 == 0 {
					s = pr.b
				}
				wg.Go(func() {
					<-start
					err := s.ReserveQuota(models.Reserve{CaseID: id, Interviewer: who, CellIDs: cells, Now: t0, Until: t0.Add(p.Hold)})
					code := cati.CodeComplete
					switch {
					case errors.Is(err, models.ErrQuotaFull):
						code = cati.CodeQuotaFilled
					case err != nil:
						t.Errorf("case %d: %v", id, err)
						return
					}
					if _, err := record(s, p, id, who, code, t0.Add(time.Minute), nil); err != nil {
						t.Errorf("case %d: %v", id, err)
						return
					}
					mu.Lock()
					if code == cati.CodeComplete {
						completes++
					} else {
						refused++
					}
					mu.Unlock()
				})
			}
			close(start)
			wg.Wait()
			if completes != 10 || refused != 30 {
				t.Errorf("%d completes and %d refused, want 10 and 30", completes, refused)
			}
			for _, c := range cellRows(t, pr.b, 1, "u01") {
				if c.Filled != 10 || c.Reserved != 0 {
					t.Errorf("cell %s: filled %d reserved %d, want 10 and 0", c.CellKey, c.Filled, c.Reserved)
				}
			}
			var left int64
			pr.a.W.Model(&models.CatiReservation{}).Count(&left)
			if left != 0 {
				t.Errorf("%d reservations left", left)
			}
			counts, _ := pr.b.DispositionCounts(1)
			if counts["1.1"] != 10 || counts["4.8"] != 30 {
				t.Errorf("dispositions %v", counts)
			}
		})
	}
}

// quotaCells creates a unit's cells (key → target), bigger targets first
// so that they get the lower ids, and returns the ids ascending.
func quotaCells(t *testing.T, s *models.Store, survey uint64, unit string, targets map[string]int) []uint64 {
	t.Helper()
	var cs []models.CatiQuotaCell
	for key, target := range targets {
		cs = append(cs, models.CatiQuotaCell{SurveyID: survey, Unit: unit, CellKey: key, Target: target})
	}
	slices.SortFunc(cs, func(x, y models.CatiQuotaCell) int { return y.Target - x.Target })
	if err := s.UpsertQuotaCells(cs); err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, c := range cellRows(t, s, survey, unit) {
		ids = append(ids, c.ID)
	}
	return ids
}

func cellRows(t *testing.T, s *models.Store, survey uint64, unit string) []models.CatiQuotaCell {
	t.Helper()
	cs, err := s.QuotaCells(survey, unit)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// TestQuotaReservations: a cell of target 1. Case A's slot keeps B out
// until A's hold lapses; then B gets the slot, and A completing late fills
// nothing. Screening again keeps one slot; an extended hold keeps the
// slot past its first time; a sweep releases lapsed slots; a target raised
// keeps the counts.
func TestQuotaReservations(t *testing.T) {
	v := testVault(t)
	p := cati.DefaultPolicy()
	for _, pr := range instancePairs(t) {
		t.Run(pr.name, func(t *testing.T) {
			s := pr.a
			cell := quotaCells(t, s, 1, "", map[string]int{"town=t01": 1})
			if _, err := s.AddCases(sample(t, v, 1, "", 0, 3, t0)); err != nil {
				t.Fatal(err)
			}
			held := askAll(t, pr, 1, 1, 3, t0, p.Hold)
			a, b, c := held[1], held[2], held[3]
			reserve := func(id, who uint64, now time.Time) error {
				return s.ReserveQuota(models.Reserve{CaseID: id, Interviewer: who, CellIDs: cell, Now: now, Until: now.Add(time.Minute)})
			}
			if err := reserve(a, 1, t0); err != nil {
				t.Fatal(err)
			}
			if err := reserve(a, 1, t0); err != nil { // screened again
				t.Fatal(err)
			}
			if got := cellRows(t, s, 1, "")[0]; got.Reserved != 1 {
				t.Fatalf("reserved %d after screening twice, want 1", got.Reserved)
			}
			var full *models.QuotaFullError
			if err := reserve(b, 2, t0.Add(30*time.Second)); !errors.As(err, &full) || full.CellID != cell[0] {
				t.Fatalf("B reserved a full cell: %v", err)
			}
			if err := reserve(b, 1, t0); !errors.Is(err, models.ErrNotHeld) {
				t.Errorf("reserved for a case another holds: %v", err)
			}
			// A's slot lapses at t0+1m: B gets it at t0+2m (its hold renewed).
			if err := s.ExtendHold(b, 1, t0.Add(10*time.Minute)); !errors.Is(err, models.ErrNotHeld) {
				t.Errorf("extended another interviewer's hold: %v", err)
			}
			if err := s.ExtendHold(b, 2, t0.Add(10*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if err := reserve(b, 2, t0.Add(2*time.Minute)); err != nil {
				t.Fatalf("B after A's slot lapsed: %v", err)
			}
			if _, err := record(s, p, a, 1, cati.CodeComplete, t0.Add(3*time.Minute), nil); err != nil {
				t.Fatal(err)
			}
			if got := cellRows(t, s, 1, "")[0]; got.Filled != 0 || got.Reserved != 1 {
				t.Fatalf("after A's late complete: filled %d reserved %d, want 0 and 1", got.Filled, got.Reserved)
			}
			// B's hold extended: its slot outlives the minute.
			if err := pr.b.ExtendHold(b, 2, t0.Add(20*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if n, err := s.SweepReservations(t0.Add(10 * time.Minute)); err != nil || n != 0 {
				t.Fatalf("sweep released %d, %v: B's extended slot went", n, err)
			}
			if err := reserve(c, 3, t0.Add(10*time.Minute)); !errors.Is(err, models.ErrQuotaFull) {
				t.Fatalf("C reserved while B's extended slot holds: %v", err)
			}
			if n, err := pr.b.SweepReservations(t0.Add(21 * time.Minute)); err != nil || n != 1 {
				t.Fatalf("sweep released %d, %v; want 1", n, err)
			}
			if got := cellRows(t, s, 1, "")[0]; got.Reserved != 0 {
				t.Fatalf("reserved %d after the sweep", got.Reserved)
			}
			// A target raised keeps the counts.
			if err := s.UpsertQuotaCells([]models.CatiQuotaCell{{SurveyID: 1, CellKey: "town=t01", Target: 5, Filled: 99}}); err != nil {
				t.Fatal(err)
			}
			if got := cellRows(t, s, 1, ""); len(got) != 1 || got[0].Target != 5 || got[0].Filled != 0 {
				t.Fatalf("after the upsert %+v", got)
			}
			if err := reserve(c, 3, t0.Add(22*time.Minute)); err != nil {
				t.Fatal(err)
			}
			if _, err := record(pr.b, p, c, 3, cati.CodeComplete, t0.Add(23*time.Minute), nil); err != nil {
				t.Fatal(err)
			}
			if got := cellRows(t, s, 1, "")[0]; got.Filled != 1 || got.Reserved != 0 {
				t.Fatalf("after C's complete: filled %d reserved %d", got.Filled, got.Reserved)
			}
			if rs, _ := s.CaseReservations(c); len(rs) != 0 {
				t.Errorf("C still holds %v", rs)
			}
		})
	}
}

package models

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Locks are always taken in one order — the case, then its quota cells by
// ascending id, then reservations — so that screenings, outcomes, hold
// extensions and sweeps running at once never wait on one another in a
// circle. Every change to a cell's reservations holds the cell's lock.

// UpsertQuotaCells sets the targets of a survey's quota cells (SurveyID,
// Unit, CellKey, Target), creating the cells it lacks; filled and reserved
// counts are kept.
func (s *Store) UpsertQuotaCells(cells []CatiQuotaCell) error {
	now := time.Now().UTC()
	for i := range cells {
		c := cells[i]
		c.ID, c.Filled, c.Reserved, c.UpdatedAt = 0, 0, 0, now
		err := s.W.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "survey_id"}, {Name: "unit"}, {Name: "cell_key"}},
			DoUpdates: clause.AssignmentColumns([]string{"target", "updated_at"}),
		}).Create(&c).Error
		if err != nil {
			return fmt.Errorf("models: quota cells: %w", err)
		}
	}
	return nil
}

// QuotaCells returns a survey's quota cells of one unit ("" for the
// survey's own), by id.
func (s *Store) QuotaCells(surveyID uint64, unit string) ([]CatiQuotaCell, error) {
	var cs []CatiQuotaCell
	err := s.R.Where("survey_id = ? AND unit = ?", surveyID, unit).Order("id").Find(&cs).Error
	return cs, err
}

// Reserve asks for one slot in each of a screened case's matching cells.
type Reserve struct {
	CaseID      uint64
	Interviewer uint64
	CellIDs     []uint64
	Now         time.Time
	// Until is when the slots lapse unless the interview completes: the
	// case's hold, which a screening renews.
	Until time.Time
	// Screened is stored on the case: the answers the slots are for.
	Screened string
}

// ReserveQuota reserves one slot in every cell of r or in none, in one
// transaction: a cell has room while filled + reserved < target, lapsed
// reservations released when that is what fills it. The case must be held by
// the interviewer; a case screened again gives up its earlier slots
// first, and its hold is renewed to Until. A *QuotaFullError (ErrQuotaFull)
// names the first full cell; ErrNotHeld, ErrClosed as for RecordOutcome.
func (s *Store) ReserveQuota(r Reserve) error {
	now, until := r.Now.UTC(), r.Until.UTC()
	cells := slices.Compact(slices.Sorted(slices.Values(r.CellIDs)))
	err := retry(func() error {
		return s.W.Transaction(func(tx *gorm.DB) error {
			c, err := s.lockCase(tx, r.CaseID)
			if err != nil {
				return err
			}
			switch {
			case c.State != CaseQueued:
				return ErrClosed
			case c.Holder == nil || *c.Holder != r.Interviewer:
				return ErrNotHeld
			}
			// A screening renews the hold.
			if err := tx.Model(&CatiCase{}).Where("id = ?", c.ID).
				Updates(map[string]any{"held_until": until, "screened": r.Screened}).Error; err != nil {
				return err
			}
			// Screened again: the earlier slots go first, their cells and the
			// new ones locked in one ascending pass before any is changed.
			earlier, err := s.reservedCells(tx, c.ID)
			if err != nil {
				return err
			}
			if len(earlier) > 0 {
				if err := s.lockCells(tx, slices.Concat(earlier, cells)); err != nil {
					return err
				}
				if err := s.settleReservations(tx, c.ID, false); err != nil {
					return err
				}
			}
			if len(cells) == 0 {
				return nil
			}
			// The cells' rows are the hot spot every screening of a unit
			// waits on: from this UPDATE to the commit, one more statement.
			if err := s.takeSlots(tx, cells, now); err != nil {
				return err
			}
			rs := make([]CatiReservation, len(cells))
			for i, id := range cells {
				rs[i] = CatiReservation{CaseID: c.ID, CellID: id, Until: until}
			}
			return tx.Create(&rs).Error
		})
	})
	switch {
	case err == nil, errors.Is(err, ErrQuotaFull), errors.Is(err, ErrNotHeld), errors.Is(err, ErrClosed), errors.Is(err, ErrNotFound):
		return err
	}
	return fmt.Errorf("models: reserve quota: %w", err)
}

// takeSlots counts one more reservation in each of the cells (ascending)
// if every one has room, in one UPDATE that locks them in id order. It
// always changes the rows it matches, so its affected-row count is the
// answer on every engine. Only when a cell looks full are the lapsed
// reservations of the cells released and the slots tried again; a
// *QuotaFullError names the first cell still full.
func (s *Store) takeSlots(tx *gorm.DB, cells []uint64, now time.Time) error {
	take := func() (bool, error) {
		up := tx.Model(&CatiQuotaCell{}).Where("id IN ? AND filled + reserved < target", cells).
			Updates(map[string]any{"reserved": gorm.Expr("reserved + 1"), "updated_at": now})
		return up.RowsAffected == int64(len(cells)), up.Error
	}
	if err := tx.SavePoint("slots").Error; err != nil {
		return err
	}
	ok, err := take()
	if ok || err != nil {
		return err
	}
	// Some cells may have been counted: undo that before releasing lapsed
	// slots and trying again (InnoDB keeps the row locks).
	if err := tx.RollbackTo("slots").Error; err != nil {
		return err
	}
	if err := s.lockCells(tx, cells); err != nil {
		return err
	}
	released := int64(0)
	for _, id := range cells {
		lapsed, err := s.releaseLapsed(tx, id, now)
		if err != nil {
			return err
		}
		if lapsed > 0 {
			released += lapsed
			if err := tx.Model(&CatiQuotaCell{}).Where("id = ?", id).Update("reserved", gorm.Expr("reserved - ?", lapsed)).Error; err != nil {
				return err
			}
		}
	}
	if released > 0 {
		if err := tx.SavePoint("retry").Error; err != nil {
			return err
		}
		if ok, err = take(); ok || err != nil {
			return err
		}
		if err := tx.RollbackTo("retry").Error; err != nil {
			return err
		}
	}
	// A locking read: the current rows, not the transaction's snapshot
	// (MySQL's repeatable read), which predates other screenings.
	var full []uint64
	q := tx.Model(&CatiQuotaCell{}).Where("id IN ? AND filled + reserved >= target", cells).Order("id").Limit(1)
	if s.Dialect == DialectMySQL {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Pluck("id", &full).Error; err != nil {
		return err
	}
	if len(full) == 0 {
		return fmt.Errorf("quota cells %v: a cell is missing", cells)
	}
	return &QuotaFullError{CellID: full[0]}
}

// lockCells locks quota cell rows in ascending id order (MySQL; SQLite's
// writer excludes others) and checks that they exist.
func (s *Store) lockCells(tx *gorm.DB, ids []uint64) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	for _, id := range slices.Compact(ids) {
		q := tx.Select("id").Where("id = ?", id)
		if s.Dialect == DialectMySQL {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var c CatiQuotaCell
		if err := q.Take(&c).Error; err != nil {
			return fmt.Errorf("quota cell %d: %w", id, translate(err))
		}
	}
	return nil
}

// reservedCells are the cells a case holds slots in, ascending.
func (s *Store) reservedCells(tx *gorm.DB, caseID uint64) ([]uint64, error) {
	var cells []uint64
	err := tx.Model(&CatiReservation{}).Where("case_id = ?", caseID).Order("cell_id").Pluck("cell_id", &cells).Error
	return cells, err
}

// releaseLapsed deletes a locked cell's reservations past their time and
// returns how many, which the caller takes off the cell's reserved count.
func (s *Store) releaseLapsed(tx *gorm.DB, cellID uint64, now time.Time) (int64, error) {
	r := tx.Where("cell_id = ? AND until <= ?", cellID, now).Delete(&CatiReservation{})
	return r.RowsAffected, r.Error
}

// settleReservations turns a case's reservations into filled slots (fill)
// or releases them.
func (s *Store) settleReservations(tx *gorm.DB, caseID uint64, fill bool) error {
	cells, err := s.reservedCells(tx, caseID)
	if err != nil {
		return err
	}
	if err := s.lockCells(tx, cells); err != nil {
		return err
	}
	for _, id := range cells {
		r := tx.Where("case_id = ? AND cell_id = ?", caseID, id).Delete(&CatiReservation{})
		if r.Error != nil {
			return r.Error
		}
		if r.RowsAffected == 0 {
			continue // released as lapsed meanwhile
		}
		up := map[string]any{"reserved": gorm.Expr("reserved - 1")}
		if fill {
			up["filled"] = gorm.Expr("filled + 1")
		}
		if err := tx.Model(&CatiQuotaCell{}).Where("id = ?", id).Updates(up).Error; err != nil {
			return err
		}
	}
	return nil
}

// SweepReservations releases every reservation past its time, one cell a
// transaction, and returns how many.
func (s *Store) SweepReservations(now time.Time) (int, error) {
	now = now.UTC()
	var cells []uint64
	if err := s.W.Model(&CatiReservation{}).Distinct("cell_id").Where("until <= ?", now).Order("cell_id").Pluck("cell_id", &cells).Error; err != nil {
		return 0, fmt.Errorf("models: sweep reservations: %w", err)
	}
	total := 0
	for _, id := range cells {
		var n int64
		err := retry(func() error {
			return s.W.Transaction(func(tx *gorm.DB) error {
				if err := s.lockCells(tx, []uint64{id}); err != nil {
					return err
				}
				var err error
				if n, err = s.releaseLapsed(tx, id, now); err != nil || n == 0 {
					return err
				}
				return tx.Model(&CatiQuotaCell{}).Where("id = ?", id).Update("reserved", gorm.Expr("reserved - ?", n)).Error
			})
		})
		if err != nil {
			return total, fmt.Errorf("models: sweep reservations: %w", err)
		}
		total += int(n)
	}
	return total, nil
}

// CaseReservations returns the cells a case holds a slot in.
func (s *Store) CaseReservations(caseID uint64) ([]CatiReservation, error) {
	var rs []CatiReservation
	err := s.R.Where("case_id = ?", caseID).Order("cell_id").Find(&rs).Error
	return rs, err
}

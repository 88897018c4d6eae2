package models

import (
	"math"

	"gorm.io/gorm"
)

// SpeederMove is how far the median completion time must move (as a share
// of the one the flags were evaluated against) before they are evaluated
// again.
const SpeederMove = 0.10

// ReflagSpeeders evaluates the speeder flag of a survey's responses again
// against its median completion time medianMS, when that moved by more
// than SpeederMove since the last evaluation (or there was none): only the
// responses whose duration lies between half the old and half the new
// median can change. flags returns a response's flags as they should be;
// a response staff reviewed keeps its flags. A counted response whose
// flags change moves between the counters in the same transaction (delta,
// as for a review). It returns how many responses changed.
func (s *Store) ReflagSpeeders(surveyID uint64, medianMS int64, flags func(r *Response) string,
	delta func(before, after *Response, joint bool) ([]Tally, error)) (int, error) {
	changed := 0
	err := s.W.Transaction(func(tx *gorm.DB) error {
		if err := lockTally(tx); err != nil {
			return err
		}
		var sv Survey
		if err := tx.Select("id, speeder_median_ms").Where("id = ?", surveyID).Take(&sv).Error; err != nil {
			return err
		}
		old := sv.SpeederMedianMS
		if old > 0 && math.Abs(float64(medianMS-old)) <= SpeederMove*float64(old) {
			return nil
		}
		q := tx.Select(tallyColumns+", duration_ms").
			Where("survey_id = ? AND (review IS NULL OR review = ?) AND duration_ms IS NOT NULL", surveyID, "")
		if old > 0 { // under half the old median and not the new one, or the other way
			lo, hi := min(old, medianMS)/2, max(old, medianMS)/2+1
			q = q.Where("duration_ms >= ? AND duration_ms <= ?", lo, hi)
		}
		var rs []Response
		if err := q.Order("id").Find(&rs).Error; err != nil {
			return err
		}
		var ws map[uint64]jointState
		for i := range rs {
			r := &rs[i]
			now := flags(r)
			if now == r.Flags {
				continue
			}
			before := *r
			r.Flags = now
			if err := tx.Model(&Response{}).Where("id = ?", r.ID).Update("flags", now).Error; err != nil {
				return err
			}
			changed++
			if !r.Tallied {
				continue // the next tally pass counts it as it is now
			}
			if ws == nil {
				var err error
				if ws, err = weightedSurveys(tx); err != nil {
					return err
				}
			}
			rows, err := delta(&before, r, ws[surveyID].counts(r.ID))
			if err != nil {
				return err
			}
			if err := s.upsertTallies(tx, rows); err != nil {
				return err
			}
		}
		if changed > 0 { // a backfill counting outside the lock must start that batch again
			if err := tx.Model(&Survey{}).Where("id = ?", surveyID).UpdateColumn("review_seq", gorm.Expr("review_seq + 1")).Error; err != nil {
				return err
			}
		}
		return tx.Model(&Survey{}).Where("id = ?", surveyID).UpdateColumn("speeder_median_ms", medianMS).Error
	})
	if err != nil {
		return 0, translate(err)
	}
	return changed, nil
}

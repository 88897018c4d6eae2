package models

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LockTally is the lock row that serialises tally passes across instances.
const LockTally = "tally"

// Counter accumulates stored responses into counter deltas. Implementations
// live in the surveys package; a new one starts empty.
type Counter interface {
	// Joint names the surveys whose responses are also counted in joint
	// demographic cells (weighting on): those with an id above the
	// survey's value. It is called before any Add.
	Joint(from map[uint64]uint64)
	// JointOnly makes it count the joint cells and nothing else (a
	// backfill); it is called before any Add.
	JointOnly()
	Add(r *Response) error
	Rows() []Tally
}

// TallyBatch counts up to limit responses not yet tallied, in one
// transaction: it takes the tally lock, adds their deltas to the counters
// and marks them tallied. It returns the surveys whose counters changed
// and how many responses it counted.
//
// A transaction that lost a conflict (on Galera, two nodes' passes collide
// on the lock row at commit and one is rolled back) or its connection
// runs again with a fresh counter from newCount: the rows it counts are
// read again, so none is counted twice.
func (s *Store) TallyBatch(limit int, newCount func() Counter) ([]uint64, int, error) {
	var changed []uint64
	var n int
	err := retryTransient(func() error {
		changed, n = nil, 0
		return s.tallyBatch(limit, newCount(), &changed, &n)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("models: tally pass: %w", err)
	}
	return changed, n, nil
}

func (s *Store) tallyBatch(limit int, count Counter, changed *[]uint64, n *int) error {
	return s.W.Transaction(func(tx *gorm.DB) error {
		if err := lockTally(tx); err != nil {
			return err
		}
		ws, err := weightedSurveys(tx)
		if err != nil {
			return err
		}
		count.Joint(jointFrom(ws))
		var rs []Response
		if err := tx.Select(tallyColumns).Where("tallied = ?", false).Order("id").Limit(limit).Find(&rs).Error; err != nil {
			return err
		}
		*n = len(rs)
		if *n == 0 {
			return nil
		}
		seen := map[uint64]bool{}
		ids := make([]uint64, len(rs))
		for i := range rs {
			ids[i] = rs[i].ID
			if err := count.Add(&rs[i]); err != nil {
				return err
			}
			if !seen[rs[i].SurveyID] {
				seen[rs[i].SurveyID] = true
				*changed = append(*changed, rs[i].SurveyID)
			}
		}
		if err := s.upsertTallies(tx, count.Rows()); err != nil {
			return err
		}
		return tx.Model(&Response{}).Where("id IN ?", ids).Update("tallied", true).Error
	})
}

// RebuildTallies recomputes a survey's counters from all its stored
// responses and replaces the stored ones, in one transaction.
func (s *Store) RebuildTallies(surveyID uint64, count Counter) error {
	err := s.W.Transaction(func(tx *gorm.DB) error {
		if err := lockTally(tx); err != nil {
			return err
		}
		ws, err := weightedSurveys(tx)
		if err != nil {
			return err
		}
		// A rebuild counts every response into the joint cells.
		from := jointFrom(ws)
		if _, on := from[surveyID]; on {
			from[surveyID] = 0
		}
		count.Joint(from)
		var ids []uint64
		var last uint64
		err = s.EachResponse(tx, surveyID, 5000, func(r *Response) error {
			if err := count.Add(r); err != nil {
				return err
			}
			if !r.Tallied {
				ids = append(ids, r.ID)
			}
			last = r.ID
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.Where("survey_id = ?", surveyID).Delete(&Tally{}).Error; err != nil {
			return err
		}
		if err := s.upsertTallies(tx, count.Rows()); err != nil {
			return err
		}
		for len(ids) > 0 {
			n := min(len(ids), 1000)
			if err := tx.Model(&Response{}).Where("id IN ?", ids[:n]).Update("tallied", true).Error; err != nil {
				return err
			}
			ids = ids[n:]
		}
		if ws[surveyID].On {
			// The joint cells now count every response: nothing to backfill.
			return tx.Model(&Survey{}).Where("id = ?", surveyID).
				Updates(map[string]any{"joint_from": last, "joint_cursor": last, "joint_ready": true}).Error
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("models: rebuild tallies: %w", err)
	}
	return nil
}

// ComputeTallies recomputes a survey's counters from its stored responses
// without storing them, to check the incremental counters against.
func (s *Store) ComputeTallies(surveyID uint64, count Counter) ([]Tally, error) {
	ws, err := weightedSurveys(s.R)
	if err != nil {
		return nil, err
	}
	// What the stored cells hold once the backfill is done: every response.
	from := jointFrom(ws)
	for id := range from {
		from[id] = 0
	}
	count.Joint(from)
	err = s.EachResponse(s.R, surveyID, 5000, count.Add)
	if err != nil {
		return nil, err
	}
	return count.Rows(), nil
}

// Tallies returns a survey's stored counters.
func (s *Store) Tallies(surveyID uint64) ([]Tally, error) {
	var ts []Tally
	err := s.R.Where("survey_id = ?", surveyID).Find(&ts).Error
	return ts, err
}

// TalliesOfCells returns a survey's stored counters of some breakdown cells
// ("" for the whole sample), for every unit.
// Rows are scanned by hand: a campaign of 60 units reads some 35,000
// counters per scoring, and GORM's reflection took most of the time.
func (s *Store) TalliesOfCells(surveyID uint64, dims ...string) ([]Tally, error) {
	return s.scanTallies(s.R.Model(&Tally{}).Where("survey_id = ? AND dim IN ?", surveyID, dims))
}

// TalliesOfUnitCells is TalliesOfCells for one unit's counters only: the
// body of one unit of a campaign reads its few hundred, not every unit's.
func (s *Store) TalliesOfUnitCells(surveyID uint64, unit string, dims ...string) ([]Tally, error) {
	return s.scanTallies(s.R.Model(&Tally{}).Where("survey_id = ? AND unit = ? AND dim IN ?", surveyID, unit, dims))
}

func (s *Store) scanTallies(q *gorm.DB) ([]Tally, error) {
	rows, err := q.Select("survey_id, unit, dim, metric, n, score_sum, score_sq").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []Tally
	for rows.Next() {
		var t Tally
		if err := rows.Scan(&t.SurveyID, &t.Unit, &t.Dim, &t.Metric, &t.N, &t.ScoreSum, &t.ScoreSq); err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// DefaultJointGrace is how long the joint backfill waits after weighting
// is turned on (Store.JointGrace): longer than any transaction storing
// responses lasts.
const DefaultJointGrace = 10 * time.Second

func (s *Store) jointGrace() time.Duration {
	if s.JointGrace > 0 {
		return s.JointGrace
	}
	return DefaultJointGrace
}

// BackfillJoint counts, into the joint cells only, up to limit responses
// stored before their survey's weighting was turned on. It reads and counts
// them without a lock (walking ids up to the survey's JointFrom, stopping
// short of a response not tallied yet: a pass counts it first), then adds
// the counts and moves the cursor in one short transaction under the tally
// lock, provided nothing it read changed meanwhile (the cursor, weighting
// and the survey's review count); otherwise it drops the work and reports
// more to do. When the walk reaches JointFrom the survey's cells are ready.
// It returns the survey it finished (0 if none) and whether to call again.
func (s *Store) BackfillJoint(limit int, count Counter) (finished uint64, more bool, err error) {
	// A response whose id was drawn before weighting was turned on may
	// commit after it (MySQL, several writers): the walk starts once every
	// such transaction is over.
	var sv Survey
	err = s.R.Select("id, joint_from, joint_cursor, review_seq").
		Where("weighted = ? AND joint_ready = ? AND joint_at < ?", true, false, time.Now().UTC().Add(-s.jointGrace())).
		Order("id").Take(&sv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, false, nil
	} else if err != nil {
		return 0, false, fmt.Errorf("models: backfill joint cells: %w", err)
	}
	count.JointOnly()
	cursor, n := sv.JointCursor, 0
	var waiting, end bool
	for !waiting && !end && n < limit {
		want := min(5000, limit-n)
		var rs []Response
		err := s.byID(s.R).Select(tallyColumns).Where("survey_id = ? AND id > ? AND id <= ?", sv.ID, cursor, sv.JointFrom).
			Order("id").Limit(want).Find(&rs).Error
		if err != nil {
			return 0, false, fmt.Errorf("models: backfill joint cells: %w", err)
		}
		for i := range rs {
			if !rs[i].Tallied {
				waiting = true // counted by the next pass; go on after it
				break
			}
			if err := count.Add(&rs[i]); err != nil {
				return 0, false, err
			}
			cursor = rs[i].ID
			n++
		}
		end = len(rs) < want // reached JointFrom
	}
	done := !waiting && end
	err = s.W.Transaction(func(tx *gorm.DB) error {
		if err := lockTally(tx); err != nil {
			return err
		}
		var now Survey
		if err := tx.Select("id, weighted, joint_ready, joint_from, joint_cursor, review_seq").Where("id = ?", sv.ID).Take(&now).Error; err != nil {
			return err
		}
		if !now.Weighted || now.JointReady || now.JointFrom != sv.JointFrom || now.JointCursor != sv.JointCursor || now.ReviewSeq != sv.ReviewSeq {
			more = true // changed under us: count again
			return nil
		}
		if err := s.upsertTallies(tx, count.Rows()); err != nil {
			return err
		}
		set := map[string]any{"joint_cursor": cursor}
		more = !waiting
		if done {
			set["joint_ready"] = true
			finished = sv.ID
		}
		return tx.Model(&Survey{}).Where("id = ?", sv.ID).UpdateColumns(set).Error
	})
	if err != nil {
		return 0, false, fmt.Errorf("models: backfill joint cells: %w", err)
	}
	return finished, more, nil
}

// TalliesWithDimPrefix returns a survey's whole-sample counters of the
// cells whose name starts with one of prefixes: the joint demographic
// cells weighting reads, whose names package stats owns. A prefix holds
// no LIKE wildcards.
func (s *Store) TalliesWithDimPrefix(surveyID uint64, prefixes ...string) ([]Tally, error) {
	if len(prefixes) == 0 {
		return nil, nil
	}
	var ts []Tally
	cond, args := wholeSampleDims(surveyID, prefixes)
	err := s.R.Where(cond, args...).Find(&ts).Error
	return ts, err
}

// wholeSampleDims is the condition "a whole-sample counter of the survey
// whose cell name starts with one of prefixes" (at least one).
func wholeSampleDims(surveyID uint64, prefixes []string) (string, []any) {
	likes := make([]string, len(prefixes))
	args := []any{surveyID, ""}
	for i, p := range prefixes {
		likes[i] = "dim LIKE ?"
		args = append(args, p+"%")
	}
	return "survey_id = ? AND unit = ? AND (" + strings.Join(likes, " OR ") + ")", args
}

// CountUntallied counts the responses no tally pass has counted yet.
func (s *Store) CountUntallied() (int64, error) {
	var n int64
	err := s.R.Model(&Response{}).Where("tallied = ?", false).Count(&n).Error
	return n, err
}

// lockTally takes the tally lock row for the rest of the transaction.
func lockTally(tx *gorm.DB) error {
	return tx.Model(&Lock{}).Where("name = ?", LockTally).Update("n", gorm.Expr("n + 1")).Error
}

// upsertTallies adds rows to the stored counters with plain multi-row
// upserts: no RETURNING, no reflection, since a pass writes every counter
// its responses touched (a few thousand with breakdowns).
func (s *Store) upsertTallies(tx *gorm.DB, rows []Tally) error {
	// 7 placeholders a row, under SQLite's and MySQL's limits. The pure-Go
	// SQLite driver binds each parameter in time proportional to the
	// statement's count (a statement of n costs n²): smaller statements.
	chunk := 400
	if s.Dialect == DialectSQLite {
		chunk = 50
	}
	conflict := " ON CONFLICT(survey_id, unit, dim, metric) DO UPDATE SET n = n + excluded.n," +
		" score_sum = score_sum + excluded.score_sum, score_sq = score_sq + excluded.score_sq"
	if s.Dialect == DialectMySQL {
		conflict = " ON DUPLICATE KEY UPDATE n = n + VALUES(n)," +
			" score_sum = score_sum + VALUES(score_sum), score_sq = score_sq + VALUES(score_sq)"
	}
	var b strings.Builder
	args := make([]any, 0, 7*chunk)
	for len(rows) > 0 {
		part := rows[:min(chunk, len(rows))]
		rows = rows[len(part):]
		b.Reset()
		args = args[:0]
		b.WriteString("INSERT INTO tallies (survey_id, unit, dim, metric, n, score_sum, score_sq) VALUES ")
		for i, r := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?)")
			args = append(args, r.SurveyID, r.Unit, r.Dim, r.Metric, r.N, r.ScoreSum, r.ScoreSq)
		}
		b.WriteString(conflict)
		if err := tx.Exec(b.String(), args...).Error; err != nil {
			return err
		}
	}
	return nil
}

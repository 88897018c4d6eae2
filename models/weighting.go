package models

import (
	"time"

	"gorm.io/gorm"
)

// SetWeighting stores a survey's population margins (JSON) and whether its
// results may be weighted. Turning weighting on starts joint cells from the
// next response on, for the tally worker to backfill (BackfillJoint);
// turning it on or off drops the cells there were: the whole-sample cells
// whose name starts with one of jointPrefixes (see TalliesWithDimPrefix).
// It takes the tally lock, so no pass counts in between.
func (s *Store) SetWeighting(surveyID uint64, enabled bool, margins string, jointPrefixes ...string) error {
	return translate(s.W.Transaction(func(tx *gorm.DB) error {
		if err := lockTally(tx); err != nil {
			return err
		}
		var sv Survey
		if err := tx.Select("id, weighted").Where("id = ?", surveyID).Take(&sv).Error; err != nil {
			return err
		}
		set := map[string]any{"weighted": enabled, "margins": margins}
		if enabled != sv.Weighted {
			if err := deleteJointCells(tx, surveyID, jointPrefixes); err != nil {
				return err
			}
			var from uint64
			if enabled {
				if err := tx.Model(&Response{}).Select("COALESCE(MAX(id), 0)").Scan(&from).Error; err != nil {
					return err
				}
			}
			set["joint_from"], set["joint_cursor"], set["joint_ready"] = from, 0, false
			set["joint_at"] = time.Now().UTC()
		}
		return tx.Model(&Survey{}).Where("id = ?", surveyID).Updates(set).Error
	}))
}

func deleteJointCells(tx *gorm.DB, surveyID uint64, prefixes []string) error {
	if len(prefixes) == 0 {
		return nil
	}
	cond, args := wholeSampleDims(surveyID, prefixes)
	return tx.Where(cond, args...).Delete(&Tally{}).Error
}

// jointState is where a weighted survey's joint cells stand: responses
// above From are counted by tally passes, those up to Cursor by the backfill.
type jointState struct {
	From, Cursor uint64
	On           bool
}

// counts says whether the joint cells count the response id.
func (j jointState) counts(id uint64) bool { return j.On && (id > j.From || id <= j.Cursor) }

// weightedSurveys returns the surveys with weighting on and where their
// joint cells stand.
func weightedSurveys(db *gorm.DB) (map[uint64]jointState, error) {
	var svs []Survey
	if err := db.Select("id, joint_from, joint_cursor").Where("weighted = ?", true).Find(&svs).Error; err != nil {
		return nil, err
	}
	ws := make(map[uint64]jointState, len(svs))
	for _, sv := range svs {
		ws[sv.ID] = jointState{From: sv.JointFrom, Cursor: sv.JointCursor, On: true}
	}
	return ws, nil
}

// jointFrom is what a tally pass tells its counter: for each weighted
// survey, the response id above which it counts joint cells.
func jointFrom(ws map[uint64]jointState) map[uint64]uint64 {
	from := make(map[uint64]uint64, len(ws))
	for id, j := range ws {
		from[id] = j.From
	}
	return from
}

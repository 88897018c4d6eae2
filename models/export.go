package models

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// ExportRow is a response as an export writes it: the columns a file
// shows, without the respondent key, submission id or address hash.
type ExportRow struct {
	ID          uint64
	PublicID    string
	VersionID   uint64
	UnitCode    string
	Channel     string
	StartedAt   *time.Time
	SubmittedAt time.Time
	DurationMS  *int64
	Flags       string
	Review      string
	Choices     string
	Texts       string
}

// ExportBatch is how many responses EachExportRow reads per query.
const ExportBatch = 5000

// exportColumns are the columns of ExportRow, in its order.
const exportColumns = "id, public_id, version_id, unit_code, channel, started_at, submitted_at, duration_ms, flags, review, choices, texts"

// EachExportRow calls fn for every response of a survey, in id order. It
// reads batch responses per query by key (id > the last one seen), scans
// them with database/sql into reused rows and closes the result before fn
// sees them, so a slow reader of the export never holds a statement, a
// snapshot or a lock open while residents submit. Each query walks the
// primary key: the survey's other indexes would make every batch sort all
// of the survey's responses.
func (s *Store) EachExportRow(ctx context.Context, surveyID uint64, batch int, fn func(*ExportRow) error) error {
	if batch <= 0 {
		batch = ExportBatch
	}
	sqlDB, err := s.R.DB()
	if err != nil {
		return fmt.Errorf("models: export: %w", err)
	}
	query := "SELECT " + exportColumns + " FROM " + s.responsesByID() +
		" WHERE survey_id = ? AND id > ? ORDER BY id LIMIT ?"
	buf := make([]ExportRow, batch)
	var last uint64
	for {
		n, err := readExportBatch(ctx, sqlDB, query, surveyID, last, buf)
		if err != nil {
			return fmt.Errorf("models: export survey %d after response %d: %w", surveyID, last, err)
		}
		for i := range buf[:n] {
			if err := fn(&buf[i]); err != nil {
				return err
			}
		}
		if n < batch {
			return nil
		}
		last = buf[n-1].ID
	}
}

// readExportBatch fills buf with the responses after last and reports how
// many it read.
func readExportBatch(ctx context.Context, db *sql.DB, query string, surveyID, last uint64, buf []ExportRow) (int, error) {
	rows, err := db.QueryContext(ctx, query, surveyID, last, len(buf))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var (
		started  sql.NullTime
		duration sql.NullInt64
		texts    sql.NullString
		unit     sql.NullString
		channel  sql.NullString
		flags    sql.NullString
		review   sql.NullString
		choices  sql.NullString
	)
	n := 0
	for rows.Next() {
		r := &buf[n]
		if err := rows.Scan(&r.ID, &r.PublicID, &r.VersionID, &unit, &channel, &started, &r.SubmittedAt,
			&duration, &flags, &review, &choices, &texts); err != nil {
			return n, err
		}
		r.UnitCode, r.Channel, r.Flags, r.Review = unit.String, channel.String, flags.String, review.String
		r.Choices, r.Texts = choices.String, texts.String
		r.StartedAt, r.DurationMS = nil, nil
		if started.Valid {
			t := started.Time
			r.StartedAt = &t
		}
		if duration.Valid {
			d := duration.Int64
			r.DurationMS = &d
		}
		n++
	}
	return n, rows.Err()
}

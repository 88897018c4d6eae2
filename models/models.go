// Package models stores Minyi's data with GORM on MySQL or an embedded
// SQLite file: the models, opening the database, migrations, queries, and
// the translation of driver errors into the sentinel errors below.
//
// It may import GORM, the database drivers and the standard library, and
// nothing of Minyi's: formats the domain owns (respondent keys, tally
// cell names) come in as parameters.
package models

import (
	"errors"
	"time"
)

// Sentinel errors returned by the store; callers test them with errors.Is.
var (
	ErrNotFound  = errors.New("models: not found")
	ErrDuplicate = errors.New("models: already exists")
)

// Survey statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusClosed    = "closed"
)

// Survey is one questionnaire over its versions.
type Survey struct {
	ID                 uint64 `gorm:"primaryKey"`
	Slug               string `gorm:"size:64;uniqueIndex"`
	Title              string `gorm:"size:200"`
	Status             string `gorm:"size:16"`
	PublishedVersionID *uint64
	DraftVersionID     *uint64
	Results            string `gorm:"size:16"`
	// Weighted turns raking on; Margins are the population margins (JSON).
	// Raking reads joint demographic cells, which the tallies keep only
	// while weighting is on. Turning it on sets JointFrom to the largest
	// response id then: tally passes count responses above it into the
	// joint cells, and the tally worker backfills those up to it, walking
	// ids (JointCursor is the last one counted) until JointReady.
	Weighted    bool
	Margins     string
	JointFrom   uint64
	JointAt     *time.Time // when weighting was turned on
	JointReady  bool
	JointCursor uint64
	// ReviewSeq counts staff reviews of its responses, so that a backfill
	// that counted outside the tally lock knows none changed meanwhile.
	ReviewSeq uint64
	// OwnerID is the staff user who created the survey; nil for surveys
	// made before ownership existed and for the seeded demo, which only
	// admins (and the members they add) may see.
	OwnerID *uint64 `gorm:"index"`
	// SpeederMedianMS is the median completion time the speeder flags of
	// its responses were last evaluated against (0: not yet).
	SpeederMedianMS int64
	ClosesAt        *time.Time
	// ClosedAt is when staff last closed the survey (nil while open);
	// PurgedAt is when its identifying data was purged after the
	// retention period (nil: not since it last closed). See retention.go.
	ClosedAt  *time.Time
	PurgedAt  *time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SurveyVersion is one version of a survey's definition. A published
// version is never changed; editing makes a new draft version.
type SurveyVersion struct {
	ID          uint64 `gorm:"primaryKey"`
	SurveyID    uint64 `gorm:"index"`
	Number      int
	Definition  string `gorm:"size:16777215"`
	PublishedAt *time.Time
	CreatedAt   time.Time
}

// Unit is an evaluated unit of one version, copied out of the definition.
type Unit struct {
	ID        uint64 `gorm:"primaryKey"`
	VersionID uint64 `gorm:"index"`
	Position  int
	Code      string `gorm:"size:64"`
	Name      string `gorm:"size:200"`
}

// Area is a report area of one version, copied out of the definition.
type Area struct {
	ID        uint64 `gorm:"primaryKey"`
	VersionID uint64 `gorm:"index"`
	Position  int
	Code      string `gorm:"size:64"`
	Name      string `gorm:"size:200"`
	Summary   string `gorm:"size:2000"`
	Weight    float64
}

// Question is a question of one version, copied out of the definition.
type Question struct {
	ID        uint64 `gorm:"primaryKey"`
	VersionID uint64 `gorm:"index"`
	Position  int
	AreaCode  string `gorm:"size:64"`
	Code      string `gorm:"size:64"`
	Kind      string `gorm:"size:16"`
	Role      string `gorm:"size:16"`
	Text      string `gorm:"size:1000"`
	Required  bool
	Weight    float64
}

// Option is an answer choice of a question, with its score for scale levels.
type Option struct {
	ID         uint64 `gorm:"primaryKey"`
	QuestionID uint64 `gorm:"index"`
	Position   int
	Code       string `gorm:"size:64"`
	Label      string `gorm:"size:200"`
	Score      *float64
}

// Response is one accepted questionnaire. (SurveyID, RespondentKey) is
// unique: the database, not Redis, guarantees each respondent counts once.
type Response struct {
	ID            uint64 `gorm:"primaryKey"`
	PublicID      string `gorm:"size:36;uniqueIndex"`
	SurveyID      uint64 `gorm:"uniqueIndex:idx_response_respondent,priority:1;uniqueIndex:idx_response_submission,priority:1;index:idx_response_duration,priority:1;index:idx_response_ip,priority:1"`
	VersionID     uint64
	UnitCode      string `gorm:"size:64"`
	RespondentKey string `gorm:"size:128;uniqueIndex:idx_response_respondent,priority:2"`
	SubmissionID  string `gorm:"size:36;uniqueIndex:idx_response_submission,priority:2"`
	Channel       string `gorm:"size:16"`
	StartedAt     *time.Time
	SubmittedAt   time.Time
	DurationMS    *int64 `gorm:"index:idx_response_duration,priority:2"`
	IPHash        string `gorm:"size:64;index:idx_response_ip,priority:2"`
	Flags         string `gorm:"size:200"`
	// Review is staff's decision on a response: "" (none), "valid" (count
	// it even when flagged) or "invalid" (treat it as flagged).
	Review  string `gorm:"size:16"`
	Tallied bool   `gorm:"index:idx_response_pending,priority:1"`
	// Choices are the chosen option codes, "q01=5,q02=dk,multi=a|b" (codes
	// are [A-Za-z0-9_+-.], so the separators are safe); Texts are the text
	// answers as a JSON object. One row per response keeps a submission one
	// INSERT: a row per answer would be ~19 rows, over what MySQL can take
	// at thousands of submissions a second. Join with Question and Option of
	// the version for labels (questionnaire.DecodeChoices reads the format).
	Choices string `gorm:"size:16777215"`
	Texts   string `gorm:"size:16777215"`
}

// Tally is an incremental counter kept from accepted responses; see
// stats.Tallies for the keys. It can always be rebuilt from Response rows.
//
// Its cell is its primary key: a tally pass adds to thousands of counters
// with INSERT … ON DUPLICATE KEY UPDATE, which InnoDB resolves on the
// clustered index at once, where a surrogate id made it insert a row,
// meet the unique cell index, undo the insert and update (twice the work).
type Tally struct {
	SurveyID uint64 `gorm:"primaryKey;autoIncrement:false;index:idx_tally_dim,priority:1"`
	Unit     string `gorm:"size:64;primaryKey"`
	Dim      string `gorm:"size:200;primaryKey;index:idx_tally_dim,priority:2"`
	Metric   string `gorm:"size:160;primaryKey"`
	N        int64
	ScoreSum int64
	ScoreSq  int64
}

// Lock is a named row whose update serialises work across app instances.
type Lock struct {
	Name string `gorm:"primaryKey;size:32"`
	N    int64
}

// Setting is a named value shared by every app instance, such as the
// generated secret.
type Setting struct {
	Name  string `gorm:"primaryKey;size:64"`
	Value string `gorm:"size:1000"`
}

// Response review decisions.
const (
	ReviewValid   = "valid"
	ReviewInvalid = "invalid"
)

// Flagged reports whether results that leave out flagged responses leave
// this one out: it has a quality flag staff did not clear, or staff marked
// it invalid.
func (r *Response) Flagged() bool {
	return r.Review == ReviewInvalid || r.Flags != "" && r.Review != ReviewValid
}

package surveys

import (
	"errors"
	"fmt"

	"github.com/minyi-survey/minyi/models"
)

// Errors of the service; the HTTP layer maps each to a status. Submissions
// that do not fit a questionnaire are *questionnaire.InvalidError, and
// definitions that do not validate *questionnaire.DefinitionError.
var (
	// ErrNotFound: no such survey (or share link, response, version).
	ErrNotFound = errors.New("surveys: survey not found")
	// ErrClosed: the survey takes no more responses.
	ErrClosed = errors.New("surveys: survey closed")
	// ErrDuplicate: this respondent already answered.
	ErrDuplicate = errors.New("surveys: respondent already answered")
	// ErrForbidden: the respondent could not be recognised (no device
	// cookie, a wrong invitation token).
	ErrForbidden = errors.New("surveys: respondent not recognised")
	// ErrUnavailable: the database (or another backend) failed; the
	// request may be retried.
	ErrUnavailable = errors.New("surveys: storage unavailable")
	// ErrUnknownUnit: a results request for a unit the survey does not have.
	ErrUnknownUnit = errors.New("surveys: unknown unit")
	// ErrWeightingNotReady: a weighted results request while the tally
	// worker is still counting earlier responses into the joint cells.
	ErrWeightingNotReady = errors.New("surveys: weighting is being prepared")

	// ErrSlugTaken: another survey has this slug.
	ErrSlugTaken = errors.New("surveys: slug already used")
	// ErrNoDraft: publishing a survey that has no draft.
	ErrNoDraft = errors.New("surveys: no draft to publish")
	// ErrNotOpenable: closing or reopening a survey never published.
	ErrNotOpenable = errors.New("surveys: the survey has no published version")
)

// storeErr translates an error of the store for the service's callers:
// nil stays nil, models.ErrNotFound becomes ErrNotFound, and anything else
// becomes ErrUnavailable, with the store's text for the log.
func storeErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, models.ErrNotFound):
		return ErrNotFound
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

package surveys

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/models"
)

// ActionRetentionPurge is the audit action of a survey's retention purge.
const ActionRetentionPurge = "retention.purge"

// RetentionStatus is where one survey stands in its retention period.
type RetentionStatus struct {
	SurveyID uint64 `json:"id"`
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Status   string `json:"status"`
	// CollectsIdentity: the survey ties answers to a phone number or openid.
	CollectsIdentity bool `json:"collects_identity"`
	RetentionDays    int  `json:"retention_days"`
	// ClosedAt is when the survey stopped taking responses (nil: open);
	// PurgeDue is ClosedAt plus the retention period.
	ClosedAt *time.Time `json:"closed_at"`
	PurgeDue *time.Time `json:"purge_due"`
	PurgedAt *time.Time `json:"purged_at"`
	// Remaining counts, per kind, the rows still holding identifying data.
	Remaining []models.PurgeCount `json:"remaining"`
	// Problem says why the survey cannot be purged (its stored version
	// does not compile: its retention period is unknown); "" when it can.
	Problem string `json:"problem,omitempty"`
}

// PurgeResult is what one survey's purge cleared.
type PurgeResult struct {
	SurveyID uint64              `json:"id"`
	Slug     string              `json:"slug"`
	Purged   []models.PurgeCount `json:"purged"`
}

// closedSince is when the survey stopped taking responses, and whether it
// has by now: when staff closed it or when its closing time passed,
// whichever came first.
func closedSince(sv *models.Survey, now time.Time) (time.Time, bool) {
	var at time.Time
	if sv.Status == models.StatusClosed {
		at = sv.UpdatedAt // closed before closing times were kept
		if sv.ClosedAt != nil {
			at = *sv.ClosedAt
		}
	}
	if c := sv.ClosesAt; c != nil && !now.Before(*c) && (at.IsZero() || c.Before(at)) {
		at = *c
	}
	return at, !at.IsZero()
}

// retentionOf is the status of one survey at now, without the counts.
func (s *Service) retentionOf(sv *models.Survey, now time.Time) (RetentionStatus, error) {
	st := RetentionStatus{SurveyID: sv.ID, Slug: sv.Slug, Title: sv.Title, Status: sv.Status, PurgedAt: sv.PurgedAt}
	comp, err := s.version(*sv.PublishedVersionID)
	if err != nil {
		return st, err
	}
	st.CollectsIdentity, st.RetentionDays = comp.Def.CollectsIdentity(), comp.Def.RetentionDays()
	if at, closed := closedSince(sv, now); closed {
		due := at.Add(time.Duration(st.RetentionDays) * 24 * time.Hour).UTC()
		at = at.UTC()
		st.ClosedAt, st.PurgeDue = &at, &due
	}
	return st, nil
}

// RetentionStatuses lists every published survey's retention status at
// now, with the rows each still holds.
func (s *Service) RetentionStatuses(now time.Time) ([]RetentionStatus, error) {
	svs, err := s.store.RetentionSurveys()
	if err != nil {
		return nil, storeErr(fmt.Errorf("list surveys for retention: %w", err))
	}
	out := make([]RetentionStatus, 0, len(svs))
	for i := range svs {
		st, err := s.retentionOf(&svs[i], now)
		if err != nil {
			st.Problem = "问卷版本无法读取，不会自动删除 the published version cannot be read; it is not purged: " + err.Error()
		}
		if st.Remaining, err = s.store.RetentionRemaining(svs[i].ID); err != nil {
			return nil, storeErr(err)
		}
		out = append(out, st)
	}
	return out, nil
}

// PurgeDue purges the identifying data of every survey whose retention
// period is over at now and that is not purged since it last closed:
// sealed telephone numbers, case and call notes, address hashes (see
// models.Purgers), keeping the respondent keys, so that a resident who
// answered still cannot answer again. Each purge is audited, by the
// signed-in user who asked (by, nil for the background job). Another
// instance purging the same survey at the same time purges it once.
func (s *Service) PurgeDue(now time.Time, by *models.User) ([]PurgeResult, error) {
	svs, err := s.store.RetentionSurveys()
	if err != nil {
		return nil, storeErr(fmt.Errorf("list surveys for retention: %w", err))
	}
	out := []PurgeResult{}
	var errs []error
	for i := range svs {
		sv := &svs[i]
		if sv.PurgedAt != nil {
			continue
		}
		st, err := s.retentionOf(sv, now)
		if err != nil {
			// Its retention period is unknown: left alone, shown in the status.
			slog.Error("retention: survey skipped", slog.String("survey", sv.Slug), slog.Any("error", err))
			continue
		}
		if st.PurgeDue == nil || now.Before(*st.PurgeDue) {
			continue
		}
		audit := models.AuditEntry{Action: ActionRetentionPurge}
		if by != nil {
			id := by.ID
			audit.UserID, audit.UserName = &id, by.Name
		}
		counts, err := s.store.PurgeSurvey(sv.ID, now, audit, func(counts []models.PurgeCount) string {
			return purgeDetail(st, counts)
		})
		if errors.Is(err, models.ErrPurged) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, PurgeResult{SurveyID: sv.ID, Slug: sv.Slug, Purged: counts})
	}
	if len(errs) > 0 {
		return out, storeErr(fmt.Errorf("surveys: retention purge: %w", errors.Join(errs...)))
	}
	return out, nil
}

// purgeDetail is the audit detail of a purge: the period and what it cleared.
func purgeDetail(st RetentionStatus, counts []models.PurgeCount) string {
	var b strings.Builder
	fmt.Fprintf(&b, "slug=%s retention_days=%d closed_at=%s", st.Slug, st.RetentionDays, st.ClosedAt.Format(time.RFC3339))
	for _, c := range counts {
		fmt.Fprintf(&b, " %s=%d", c.Name, c.Rows)
	}
	return b.String()
}

// RunRetention runs PurgeDue every interval until ctx ends, with now from
// clock. Every instance runs it; the retention lock and each survey's
// purge mark make one of them purge a survey, once.
func (s *Service) RunRetention(ctx context.Context, every time.Duration, clock func() time.Time) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := s.PurgeDue(clock(), nil)
		if err != nil {
			slog.Error("retention purge failed", slog.Any("error", err))
		}
		for _, r := range res {
			slog.Info("purged identifying data after the retention period", slog.String("survey", r.Slug), slog.Any("rows", r.Purged))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

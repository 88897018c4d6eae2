package surveys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/report"
)

// ReportQuery is what a published report is built for: its language, the
// same choices /results takes (flagged in or out, weighted or not), and
// whether the reader may see the previous year's comparison.
type ReportQuery struct {
	Lang           report.Lang
	ExcludeFlagged bool
	Weighted       bool
	Previous       bool
}

// ReportInternal reports whether a published survey's report is internal
// only: no public page, every page marked 内部资料.
func (p *Published) ReportInternal() bool { return p.Compiled.Def.ReportInternal() }

// Report builds the published report (公报) of survey id; see ReportOf.
func (s *Service) Report(ctx context.Context, id uint64, q ReportQuery) (*report.Document, error) {
	slug, err := s.slugOf(id)
	if err != nil {
		return nil, err
	}
	p, err := s.Published(slug)
	if err != nil {
		return nil, err
	}
	return s.ReportOf(ctx, p, q)
}

// ReportOf builds the published report of p from the same results /results
// serves for q's choices (the cached body when there is one), the
// breakdowns by town, age and sex, and one walk of the responses for the
// channels, the fieldwork dates and the comments.
func (s *Service) ReportOf(ctx context.Context, p *Published, q ReportQuery) (*report.Document, error) {
	def := p.Compiled.Def
	r, err := s.Results(p.Survey.Slug, ResultsQuery{ExcludeFlagged: q.ExcludeFlagged, Weighted: q.Weighted})
	if err != nil {
		return nil, err
	}
	r = ResultsView{Units: true, Previous: q.Previous}.Apply(r)
	in := report.Input{
		Lang: q.Lang, Title: def.Title, Year: def.Year, Internal: def.ReportInternal(), K: def.SuppressK(),
		Results: r, Marks: legalMarks(def.Legal, q.Lang),
	}
	if q.Lang == report.EN && def.TitleEn != "" {
		in.Title = def.TitleEn
	}
	switch {
	case def.Report != nil && def.Report.Issuer != "":
		in.Issuer = def.Report.Issuer
	case def.Legal != nil:
		in.Issuer = def.Legal.Issuer
	}
	for _, role := range []string{questionnaire.RoleTown, questionnaire.RoleAge, questionnaire.RoleGender} {
		if p.Compiled.BreakdownQuestion(role) == nil {
			continue
		}
		br, err := s.Results(p.Survey.Slug, ResultsQuery{By: role, ExcludeFlagged: q.ExcludeFlagged})
		if err != nil {
			return nil, err
		}
		if br.Breakdown != nil {
			in.Profiles = append(in.Profiles, br.Breakdown)
		}
	}
	m := &in.Methods
	m.Weighted = q.Weighted
	for _, l := range def.Scale.Levels {
		m.Levels, m.Scores = append(m.Levels, l.Label), append(m.Scores, l.Score)
	}
	if def.Dedup == questionnaire.DedupToken {
		if m.Invited, m.Used, err = s.TokenCounts(p.Survey.ID); err != nil {
			return nil, err
		}
	} else {
		m.OpenLink = true
	}
	if err := s.walkForReport(ctx, p, q.ExcludeFlagged, &in); err != nil {
		return nil, err
	}
	return report.Build(in)
}

// walkForReport reads the responses once for what the tallies do not hold:
// responses per channel, the first and last submission and the answers to
// the comment question, leaving flagged responses out when the results do.
func (s *Service) walkForReport(ctx context.Context, p *Published, excludeFlagged bool, in *report.Input) error {
	comment := ""
	for _, q := range p.Compiled.Def.Extra {
		if q.Role == questionnaire.RoleComment && q.Kind == questionnaire.KindText {
			comment = q.Code
		}
	}
	modes := map[string]int64{}
	m := &in.Methods
	texts := map[string]string{}
	err := s.store.EachExportRow(ctx, p.Survey.ID, models.ExportBatch, func(r *models.ExportRow) error {
		if excludeFlagged && (&models.Response{Flags: r.Flags, Review: r.Review}).Flagged() {
			return nil
		}
		modes[r.Channel]++
		if m.First.IsZero() || r.SubmittedAt.Before(m.First) {
			m.First = r.SubmittedAt
		}
		if r.SubmittedAt.After(m.Last) {
			m.Last = r.SubmittedAt
		}
		if comment == "" || r.Texts == "" || !strings.Contains(r.Texts, comment) {
			return nil
		}
		clear(texts)
		if err := json.Unmarshal([]byte(r.Texts), &texts); err != nil {
			return fmt.Errorf("surveys: response %s: stored texts: %w", r.PublicID, err)
		}
		if t := texts[comment]; t != "" {
			in.Comments = append(in.Comments, report.Comment{Writer: r.PublicID, Text: t})
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		return storeErr(err)
	}
	for ch, n := range modes {
		m.Modes = append(m.Modes, report.Mode{Channel: ch, Responses: n})
	}
	slices.SortFunc(m.Modes, func(a, b report.Mode) int {
		if a.Responses != b.Responses {
			return int(b.Responses - a.Responses)
		}
		return strings.Compare(a.Channel, b.Channel)
	})
	return nil
}

// legalMarks are the questionnaire's legal marks as report lines.
func legalMarks(l *questionnaire.LegalMarks, lang report.Lang) []report.Line {
	if l == nil {
		return nil
	}
	en := lang == report.EN
	var out []report.Line
	add := func(zh, e, v string) {
		if v == "" {
			return
		}
		if en {
			zh = e
		}
		out = append(out, report.Line{Label: zh, Value: v})
	}
	add("表号", "Form No.", l.FormNo)
	add("制表机关", "Issued by", l.Issuer)
	add("批准机关", "Approved by", l.Approver)
	add("批准文号", "Approval No.", l.ApprovalNo)
	add("有效期至", "Valid until", l.ValidUntil)
	return out
}

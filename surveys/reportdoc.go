package surveys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

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
	for _, c := range def.Categories {
		in.Categories = append(in.Categories, report.Category{Code: c.Code, Name: c.Name})
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
	if def.Report != nil {
		in.Quotes = def.Report.Quotes
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
	f, err := s.reportFacts.get(p, q.ExcludeFlagged, func() (*reportFacts, error) {
		return s.readReportFacts(ctx, p, q.ExcludeFlagged, in.K)
	})
	if err != nil {
		return nil, err
	}
	m.Modes, m.First, m.Last, in.Writers, in.Terms = f.modes, f.first, f.last, f.writers, f.terms
	return report.Build(in)
}

// reportFacts are what a report needs beyond the tallies: responses per
// channel, the fieldwork dates and the comment terms.
type reportFacts struct {
	read        time.Time
	modes       []report.Mode
	first, last time.Time
	writers     int
	terms       []report.Term
}

// reportFactsMaxAge is how long a survey's report facts are reused: the
// comment terms of 10⁶ responses take seconds to find, too long for every
// view of a public page of an open survey. A closed survey's never change.
const reportFactsMaxAge = 2 * time.Minute

// reportFactsCache keeps each survey version's report facts per flagged
// choice. One reader finds them at a time; the others wait and reuse them.
type reportFactsCache struct {
	mu sync.Mutex
	m  map[string]*reportFacts
}

func (c *reportFactsCache) get(p *Published, excludeFlagged bool, read func() (*reportFacts, error)) (*reportFacts, error) {
	key := fmt.Sprintf("%d/%d/%t", p.Survey.ID, p.Version, excludeFlagged)
	c.mu.Lock()
	defer c.mu.Unlock()
	if f := c.m[key]; f != nil && time.Since(f.read) < reportFactsMaxAge {
		return f, nil
	}
	f, err := read()
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = map[string]*reportFacts{}
	}
	for k, old := range c.m { // drop what has aged out
		if time.Since(old.read) >= reportFactsMaxAge {
			delete(c.m, k)
		}
	}
	c.m[key] = f
	return f, nil
}

// readReportFacts reads the channels and fieldwork dates by query, and the
// answers to the comment question in one walk of the responses with text
// answers, leaving flagged responses out when the results do.
func (s *Service) readReportFacts(ctx context.Context, p *Published, excludeFlagged bool, k int) (*reportFacts, error) {
	f := &reportFacts{read: time.Now()}
	channels, err := s.store.ResponseChannels(p.Survey.ID, excludeFlagged)
	if err != nil {
		return nil, storeErr(err)
	}
	for _, c := range channels {
		f.modes = append(f.modes, report.Mode{Channel: c.Channel, Responses: c.Responses})
	}
	if f.first, f.last, err = s.store.Fieldwork(p.Survey.ID); err != nil {
		return nil, storeErr(err)
	}
	comment := ""
	for _, q := range p.Compiled.Def.Extra {
		if q.Role == questionnaire.RoleComment && q.Kind == questionnaire.KindText {
			comment = q.Code
		}
	}
	if comment == "" {
		return f, nil
	}
	var comments []report.Comment
	texts := map[string]string{}
	err = s.store.EachTexts(ctx, p.Survey.ID, models.ExportBatch, func(r *models.Response) error {
		if excludeFlagged && r.Flagged() || !strings.Contains(r.Texts, comment) {
			return nil
		}
		clear(texts)
		if err := json.Unmarshal([]byte(r.Texts), &texts); err != nil {
			return fmt.Errorf("surveys: response %s: stored texts: %w", r.PublicID, err)
		}
		if t := texts[comment]; t != "" {
			comments = append(comments, report.Comment{Writer: r.PublicID, Text: t})
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, storeErr(err)
	}
	f.writers, f.terms = report.Said(comments, k)
	return f, nil
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

package surveys

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/models"
)

// ExportCSV writes a survey's raw responses as CSV, streaming: UTF-8 with a
// byte-order mark so that Excel shows Chinese, one row per response, and
// for each question of the current version its code and, for choices, its
// label. Responses to older versions fill the columns their questions share.
func (s *Service) ExportCSV(w io.Writer, surveyID uint64) error {
	d, err := s.SurveyDetail(surveyID)
	if err != nil {
		return err
	}
	def := d.PublishedDefinition
	if def == nil {
		def = d.DraftDefinition
	}
	cur, err := Compile(def)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	header := []string{"response_id", "version", "unit", "submitted_at", "started_at", "duration_s", "flags", "review", "channel"}
	for _, q := range cur.Questions {
		header = append(header, q.Code)
		if q.Kind != KindText {
			header = append(header, q.Code+"_label "+limitRunes(q.Text, 20))
		}
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, len(header))
	err = s.Store.EachResponseRow(surveyID, 2000, func(r *models.Response) error {
		v, err := s.Version(r.VersionID)
		if err != nil {
			return err
		}
		answers, err := DecodeAnswers(r.Choices, r.Texts)
		if err != nil {
			return fmt.Errorf("response %s: %w", r.PublicID, err)
		}
		byCode := make(map[string]Answer, len(answers))
		for _, a := range answers {
			byCode[a.Question] = a
		}
		clear(row)
		row[0], row[1], row[2] = r.PublicID, strconv.FormatUint(r.VersionID, 10), r.UnitCode
		row[3] = r.SubmittedAt.UTC().Format(time.RFC3339)
		if r.StartedAt != nil {
			row[4] = r.StartedAt.UTC().Format(time.RFC3339)
		}
		if r.DurationMS != nil {
			row[5] = strconv.FormatFloat(float64(*r.DurationMS)/1000, 'f', 1, 64)
		}
		row[6], row[7], row[8] = r.Flags, r.Review, r.Channel
		i := 9
		for _, q := range cur.Questions {
			a := byCode[q.Code]
			if q.Kind == KindText {
				row[i] = a.Text
				i++
				continue
			}
			row[i] = strings.Join(a.Values, "|")
			labels := make([]string, len(a.Values))
			for j, code := range a.Values {
				labels[j] = v.OptionLabel(q.Code, code)
			}
			row[i+1] = strings.Join(labels, "|")
			i += 2
		}
		return cw.Write(row)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// OptionLabel is the label of a question's option or scale level, or the
// code itself when the version does not know it.
func (c *Compiled) OptionLabel(question, code string) string {
	q := c.byCode[question]
	if q == nil {
		return code
	}
	if q.Kind == KindSatisfaction {
		if l, ok := c.levels[code]; ok {
			return l.Label
		}
		if dk := c.Def.Scale.DontKnow; dk != nil && dk.Code == code {
			return dk.Label
		}
		return code
	}
	for _, o := range q.Options {
		if o.Code == code {
			return o.Label
		}
	}
	return code
}

func limitRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

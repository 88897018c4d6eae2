package surveys

import (
	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// Catalogue copies a version's units, areas, questions and options out of
// its definition, for the relational tables.
func Catalogue(c *questionnaire.Compiled) models.Catalogue {
	var cat models.Catalogue
	for i, u := range c.Def.Units {
		cat.Units = append(cat.Units, models.Unit{Position: i, Code: u.Code, Name: u.Name})
	}
	for i, a := range c.Def.Areas {
		cat.Areas = append(cat.Areas, models.Area{Position: i, Code: a.Code, Name: a.Name,
			Summary: a.Summary, Weight: a.WeightOrDefault()})
	}
	for i, q := range c.Questions {
		cq := models.CatalogueQuestion{Question: models.Question{Position: i, Code: q.Code,
			Kind: q.Kind, Role: q.Role, Text: q.Text, Required: q.Required, Weight: q.WeightOrDefault()}}
		if q.Area >= 0 {
			cq.AreaCode = c.Def.Areas[q.Area].Code
		}
		if q.Kind == questionnaire.KindSatisfaction {
			for j, l := range c.Def.Scale.Levels {
				score := l.Score
				cq.Options = append(cq.Options, models.Option{Position: j, Code: l.Code, Label: l.Label, Score: &score})
			}
			if dk := c.Def.Scale.DontKnow; dk != nil {
				cq.Options = append(cq.Options, models.Option{Position: len(cq.Options), Code: dk.Code, Label: dk.Label})
			}
		}
		for j, o := range q.Options {
			cq.Options = append(cq.Options, models.Option{Position: j, Code: o.Code, Label: o.Label})
		}
		cat.Questions = append(cat.Questions, cq)
	}
	return cat
}

package handlers

import (
	"github.com/labstack/echo/v4"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// PickerGroup is one category of units on a campaign's picker.
type PickerGroup struct {
	Name  string
	Units []questionnaire.Unit
}

// GetUnitSurveyPage handles GET /s/:slug/u/:unit[?t=TOKEN]: the respondent
// page of one unit, showing its name, its category's areas and its own
// summaries, the answers bound to it.
func (a *App) GetUnitSurveyPage(c echo.Context) error {
	p, err := a.published(c)
	if err != nil {
		return err
	}
	u := p.Compiled.Unit(c.Param("unit"))
	if u == nil {
		return surveys.ErrUnknownUnit
	}
	return a.surveyPage(c, p, u)
}

// pickerGroups lists the units of a campaign by category, in definition
// order; units without a category come last.
func pickerGroups(c *questionnaire.Compiled) []PickerGroup {
	var groups []PickerGroup
	at := map[string]int{}
	for _, cat := range c.Def.Categories {
		at[cat.Code] = len(groups)
		groups = append(groups, PickerGroup{Name: cat.Name})
	}
	for _, u := range c.Def.Units {
		i, ok := at[u.Category]
		if !ok {
			at[u.Category] = len(groups)
			i = len(groups)
			groups = append(groups, PickerGroup{Name: "其他单位 Other units"})
		}
		groups[i].Units = append(groups[i].Units, questionnaire.Unit{Code: u.Code, Name: u.Name})
	}
	return groups
}

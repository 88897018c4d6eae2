package surveys_test

import (
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestPublishRefusesRescoringStoredResponses: once a survey has responses,
// a new version that would score them differently (a level's score, an
// item's λ or area, an area's ω) is refused with the reasons, and nothing
// is published; a version that only relabels is published; a survey
// without responses may change its scoring.
func TestPublishRefusesRescoringStoredResponses(t *testing.T) {
	for _, b := range surveystest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			svc := surveystest.Service(t, b.Store)
			id := mustSurvey(t, svc).Survey.ID
			published := func() *questionnaire.Definition {
				t.Helper()
				d, err := svc.SurveyDetail(id)
				if err != nil || d.PublishedDefinition == nil {
					t.Fatalf("detail: %v", err)
				}
				raw, _ := json.Marshal(d.PublishedDefinition)
				var def questionnaire.Definition
				if err := json.Unmarshal(raw, &def); err != nil {
					t.Fatal(err)
				}
				return &def
			}
			publish := func(def *questionnaire.Definition) error {
				t.Helper()
				if _, err := svc.SaveDraft(id, def); err != nil {
					t.Fatalf("save draft: %v", err)
				}
				_, err := svc.Publish(id)
				return err
			}
			// No responses yet: a new score is fine.
			def := published()
			def.Scale.Levels[3].Score = 25
			if err := publish(def); err != nil {
				t.Fatalf("rescoring a survey without responses: %v", err)
			}
			c := compiled(t, svc)
			if _, err := submit(t, svc, "rescore-1", surveystest.RandomSubmission(mrand.New(mrand.NewPCG(1, 1)), c)); err != nil {
				t.Fatal(err)
			}
			before := mustSurvey(t, svc).Version
			first := def.Areas[0].Questions[0].Code
			for _, tt := range []struct {
				name   string
				change func(d *questionnaire.Definition)
				path   string
			}{
				{"level score", func(d *questionnaire.Definition) { d.Scale.Levels[3].Score = 30 }, "scale.levels." + def.Scale.Levels[3].Code + ".score"},
				{"item weight", func(d *questionnaire.Definition) { d.Areas[0].Questions[0].Weight = 5 }, "questions." + first + ".weight"},
				{"area weight", func(d *questionnaire.Definition) { d.Areas[1].Weight = 2 }, "areas." + def.Areas[1].Code + ".weight"},
				{"item moved", func(d *questionnaire.Definition) {
					d.Areas[1].Questions = append(d.Areas[1].Questions, d.Areas[0].Questions...)
					d.Areas[0].Questions = d.Areas[0].Questions[1:]
					if len(d.Areas[0].Questions) == 0 {
						d.Areas = d.Areas[1:]
					}
				}, "questions." + first + ".area"},
			} {
				d := published()
				tt.change(d)
				err := publish(d)
				var defErr *questionnaire.DefinitionError
				if !errors.As(err, &defErr) {
					t.Fatalf("%s: publish err = %v, want a DefinitionError", tt.name, err)
				}
				paths := map[string]bool{}
				for _, p := range defErr.Problems {
					paths[p.Path] = true
				}
				if !paths[tt.path] || !paths["scoring"] {
					t.Fatalf("%s: problems %+v, want %s and scoring", tt.name, defErr.Problems, tt.path)
				}
				if v := mustSurvey(t, svc).Version; v != before {
					t.Fatalf("%s: version %d published, want %d kept", tt.name, v, before)
				}
			}
			// Labels, classes and a new item are not scoring changes.
			d := published()
			d.Scale.Levels[0].Label = "非常满意"
			d.Scale.Levels[2].Class = questionnaire.ClassDissatisfied
			d.Areas[0].Questions = append(d.Areas[0].Questions, questionnaire.Question{Code: "new1", Kind: questionnaire.KindSatisfaction, Text: "新题？"})
			if err := publish(d); err != nil {
				t.Fatalf("relabelling: %v", err)
			}
			if mustSurvey(t, svc).Version == before {
				t.Fatal("the relabelled version was not published")
			}
		})
	}
}

package questionnaire_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

func TestRandomSubmissionsAreValid(t *testing.T) {
	data, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatal(err)
	}
	c, err := questionnaire.CompileJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range 200 {
		sub := c.RandomSubmission(rng)
		body, _ := json.Marshal(sub)
		decoded, err := questionnaire.DecodeSubmission(body)
		if err != nil {
			t.Fatalf("submission %d does not decode: %v", i, err)
		}
		if _, err := c.Check(decoded); err != nil {
			t.Fatalf("submission %d is invalid: %v (%s)", i, err, body)
		}
	}
}

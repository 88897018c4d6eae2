package surveys

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"

	"github.com/google/uuid"
)

// RandomSubmission makes a complete, valid submission with random answers
// (some "don't know", about half of the optional questions skipped), for
// demos, load tests and benchmarks.
func (c *Compiled) RandomSubmission(rng *rand.Rand) *Submission {
	s := &Submission{SubmissionID: uuid.NewString(), Answers: map[string]json.RawMessage{}}
	if c.HasUnits() {
		s.Unit = c.Def.Units[rng.IntN(len(c.Def.Units))].Code
	}
	for _, a := range c.RandomAnswers(rng) {
		var raw []byte
		switch q := c.byCode[a.Question]; {
		case a.Text != "":
			raw, _ = json.Marshal(a.Text)
		case q.Kind == KindMulti:
			raw, _ = json.Marshal(a.Values)
		default:
			raw, _ = json.Marshal(a.Values[0])
		}
		s.Answers[a.Question] = raw
	}
	return s
}

// RandomAnswers makes random checked answers, as Check would return them.
func (c *Compiled) RandomAnswers(rng *rand.Rand) []Answer {
	scale := c.ScaleOptions()
	out := make([]Answer, 0, len(c.Questions))
	for _, q := range c.Questions {
		if !q.Required && rng.IntN(2) == 0 {
			continue
		}
		a := Answer{Question: q.Code}
		switch q.Kind {
		case KindSatisfaction:
			a.Values = []string{scale[rng.IntN(len(scale))].Code}
		case KindSingle, KindMulti:
			a.Values = []string{q.Options[rng.IntN(len(q.Options))].Code}
		case KindText:
			text := []rune("意见" + strconv.Itoa(rng.IntN(1000)))
			if q.MaxLength > 0 && len(text) > q.MaxLength {
				text = text[:q.MaxLength]
			}
			a.Text = string(text)
		}
		out = append(out, a)
	}
	return out
}

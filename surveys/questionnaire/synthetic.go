package questionnaire

import (
	crand "crypto/rand"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
)

// RandomSubmission makes a complete, valid submission with random answers
// (some "don't know", about half of the optional questions skipped), for
// demos, load tests and benchmarks.
func (c *Compiled) RandomSubmission(rng *rand.Rand) *Submission {
	s := &Submission{SubmissionID: newSubmissionID(), Answers: map[string]json.RawMessage{}}
	if c.HasUnits() {
		s.Unit = c.Def.Units[rng.IntN(len(c.Def.Units))].Code
	}
	for _, a := range c.RandomAnswersFor(rng, s.Unit) {
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
func (c *Compiled) RandomAnswers(rng *rand.Rand) []Answer { return c.RandomAnswersFor(rng, "") }

// RandomAnswersFor is RandomAnswers for a resident of the unit: only the
// areas that apply to it are answered.
func (c *Compiled) RandomAnswersFor(rng *rand.Rand, unit string) []Answer {
	scale := c.ScaleOptions()
	out := make([]Answer, 0, len(c.Questions))
	for _, q := range c.Questions {
		if q.Area >= 0 && !c.AreaApplies(unit, q.Area) {
			continue
		}
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

// newSubmissionID is a random (version 4) UUID, as a respondent page makes
// one per questionnaire. It does not come from the caller's rng: submissions
// made from equal seeds must still be different submissions.
func newSubmissionID() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

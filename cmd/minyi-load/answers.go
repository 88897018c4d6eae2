package main

import (
	"encoding/json"
	mrand "math/rand/v2"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// comments are what residents type in free-text questions.
var comments = []string{
	"希望加强社区治安巡逻",
	"公交线路还需优化",
	"物价稳定，总体满意",
	"办事效率有提高",
	"小区停车难问题请关注",
	"好",
}

// commentShare is how many residents answer an optional text question.
const commentShare = 0.2

// generator makes complete, valid submission bodies for one survey
// version. Codes are JSON-encoded once, so a body is a few appends.
type generator struct {
	units     [][]byte
	questions []genQuestion
	scale     [][]byte
	weights   []int // cumulative weights of scale, for a resident-like skew
}

type genQuestion struct {
	key      []byte // `"q01":`
	kind     string
	required bool
	options  [][]byte // single and multi
	texts    [][]byte // comments that fit the question's length limit
}

// newGenerator prepares a generator for c.
func newGenerator(c *questionnaire.Compiled) *generator {
	g := &generator{}
	for _, u := range c.Def.Units {
		g.units = append(g.units, quote(u.Code))
	}
	// Levels run from best to worst: weight them n, n-1, … 1, and "don't
	// know" 1, so answers lean satisfied as real ones do.
	levels := len(c.Def.Scale.Levels)
	total := 0
	for i, o := range c.ScaleOptions() {
		w := 1
		if i < levels {
			w = levels - i
		}
		total += w
		g.scale = append(g.scale, quote(o.Code))
		g.weights = append(g.weights, total)
	}
	for _, q := range c.Questions {
		gq := genQuestion{key: append(quote(q.Code), ':'), kind: q.Kind, required: q.Required}
		for _, o := range q.Options {
			gq.options = append(gq.options, quote(o.Code))
		}
		limit := q.MaxLength
		if limit == 0 {
			limit = questionnaire.DefaultTextLimit
		}
		for _, t := range comments {
			if utf8.RuneCountInString(t) <= limit {
				gq.texts = append(gq.texts, quote(t))
			}
		}
		g.questions = append(g.questions, gq)
	}
	return g
}

// body returns a new submission (fresh submission_id) answering every
// choice and scale question; optional text questions are answered by a
// share of residents. started_at lies 3-8 minutes before now, so no
// response looks like a speeder's.
func (g *generator) body(rng *mrand.Rand, now time.Time) []byte {
	b := make([]byte, 0, 64+24*len(g.questions))
	b = append(b, `{"submission_id":"`...)
	b = append(b, uuid.NewString()...)
	b = append(b, `","started_at":"`...)
	started := now.Add(-3*time.Minute - time.Duration(rng.Int64N(int64(5*time.Minute))))
	b = started.UTC().AppendFormat(b, time.RFC3339)
	b = append(b, '"')
	if len(g.units) > 0 {
		b = append(b, `,"unit":`...)
		b = append(b, g.units[rng.IntN(len(g.units))]...)
	}
	b = append(b, `,"answers":{`...)
	first := true
	for i := range g.questions {
		q := &g.questions[i]
		var v []byte
		switch q.kind {
		case questionnaire.KindSatisfaction:
			v = g.level(rng)
		case questionnaire.KindSingle:
			if len(q.options) > 0 {
				v = q.options[rng.IntN(len(q.options))]
			}
		case questionnaire.KindMulti:
			v = pick(rng, q.options)
		case questionnaire.KindText:
			if len(q.texts) > 0 && (q.required || rng.Float64() < commentShare) {
				v = q.texts[rng.IntN(len(q.texts))]
			}
		}
		if v == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, q.key...)
		b = append(b, v...)
	}
	return append(b, "}}"...)
}

// level draws a scale answer by weight.
func (g *generator) level(rng *mrand.Rand) []byte {
	r := rng.IntN(g.weights[len(g.weights)-1])
	for i, w := range g.weights {
		if r < w {
			return g.scale[i]
		}
	}
	return g.scale[len(g.scale)-1]
}

// pick returns a JSON list of 1-3 distinct options, or nil when there are none.
func pick(rng *mrand.Rand, options [][]byte) []byte {
	if len(options) == 0 {
		return nil
	}
	n := 1 + rng.IntN(min(3, len(options)))
	b := []byte{'['}
	for i, j := range rng.Perm(len(options))[:n] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, options[j]...)
	}
	return append(b, ']')
}

func quote(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

package questionnaire_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

// itemsDefinition is a survey of n satisfaction items, four to an area, and
// no other question.
func itemsDefinition(n int) *questionnaire.Definition {
	d := smallDefinition()
	d.Areas, d.Extra = nil, nil
	for i := range n {
		if i%4 == 0 {
			d.Areas = append(d.Areas, questionnaire.Area{Code: fmt.Sprintf("a%d", i/4), Name: fmt.Sprintf("领域%d", i/4)})
		}
		a := &d.Areas[len(d.Areas)-1]
		a.Questions = append(a.Questions, questionnaire.Question{
			Code: fmt.Sprintf("q%d", i), Kind: questionnaire.KindSatisfaction, Text: "满意吗？", Required: true})
	}
	return d
}

// areaAnswers answers every area item of c with levels[i % len(levels)].
func areaAnswers(c *questionnaire.Compiled, levels ...string) []questionnaire.Answer {
	var out []questionnaire.Answer
	i := 0
	for _, q := range c.Questions {
		if q.Area >= 0 {
			out = append(out, questionnaire.Answer{Question: q.Code, Values: []string{levels[i%len(levels)]}})
			i++
		}
	}
	return out
}

func TestFlags(t *testing.T) {
	social := social2022(t) // 13 area items, 18 questions: speeder floor 36 s
	eight := mustCompile(t, itemsDefinition(8))
	seven := mustCompile(t, itemsDefinition(7)) // speeder floor 14 s

	demographics := []questionnaire.Answer{
		{Question: "overall", Values: []string{"1"}},
		{Question: "town", Values: []string{"t01"}},
		{Question: "age", Values: []string{"30-39"}},
		{Question: "gender", Values: []string{"m"}},
		{Question: "comment", Text: "好"},
	}
	varied := areaAnswers(social, "5", "4", "3")
	oneDiffers := areaAnswers(social, "4")
	oneDiffers[6].Values = []string{"5"}
	oneSkipped := areaAnswers(social, "4")[1:]
	eightOneDiffers := areaAnswers(eight, "3")
	eightOneDiffers[7].Values = []string{"2"}

	straight := []string{questionnaire.FlagStraightLiner}
	speeder := []string{questionnaire.FlagSpeeder}
	tests := []struct {
		name     string
		c        *questionnaire.Compiled
		answers  []questionnaire.Answer
		duration time.Duration
		want     []string
		ctx      questionnaire.FlagContext
	}{
		{"straight-liner all 满意", social, areaAnswers(social, "5"), 0, straight, questionnaire.FlagContext{}},
		{"straight-liner all 不满意", social, areaAnswers(social, "1"), 0, straight, questionnaire.FlagContext{}},
		{"straight-liner whatever the extras", social, slices.Concat(areaAnswers(social, "3"), demographics), 0, straight, questionnaire.FlagContext{}},
		{"one item differs", social, oneDiffers, 0, nil, questionnaire.FlagContext{}},
		{"one item unanswered", social, oneSkipped, 0, nil, questionnaire.FlagContext{}},
		{"varied answers", social, slices.Concat(varied, demographics), 0, nil, questionnaire.FlagContext{}},
		{"exactly 8 items the same", eight, areaAnswers(eight, "4"), 0, straight, questionnaire.FlagContext{}},
		{"8 items, one differs", eight, eightOneDiffers, 0, nil, questionnaire.FlagContext{}},
		{"7 items the same", seven, areaAnswers(seven, "4"), 0, nil, questionnaire.FlagContext{}},
		{"no answers", social, nil, 0, nil, questionnaire.FlagContext{}},

		{"speeder under the floor", social, varied, 35 * time.Second, speeder, questionnaire.FlagContext{}},
		{"speeder just under the floor", social, varied, 36*time.Second - time.Millisecond, speeder, questionnaire.FlagContext{}},
		{"at the floor", social, varied, 36 * time.Second, nil, questionnaire.FlagContext{}},
		{"a careful respondent", social, varied, 10 * time.Minute, nil, questionnaire.FlagContext{}},
		{"one millisecond", social, varied, time.Millisecond, speeder, questionnaire.FlagContext{}},
		{"duration unknown", social, varied, 0, nil, questionnaire.FlagContext{}},
		{"speeder on a short survey", seven, areaAnswers(seven, "5", "4"), 13 * time.Second, speeder, questionnaire.FlagContext{}},
		{"not a speeder on a short survey", seven, areaAnswers(seven, "5", "4"), 14 * time.Second, nil, questionnaire.FlagContext{}},
		{"straight-liner and speeder", social, areaAnswers(social, "5"), 20 * time.Second, []string{questionnaire.FlagStraightLiner, questionnaire.FlagSpeeder}, questionnaire.FlagContext{}},

		// Under half the median once 30 responses have a time.
		{"under half the median", social, varied, 59 * time.Second, speeder, questionnaire.FlagContext{Median: 2 * time.Minute, WithDuration: 30}},
		{"at half the median", social, varied, 60 * time.Second, nil, questionnaire.FlagContext{Median: 2 * time.Minute, WithDuration: 30}},
		{"median of too few", social, varied, 59 * time.Second, nil, questionnaire.FlagContext{Median: 2 * time.Minute, WithDuration: 29}},
		{"unknown duration is never a speeder", social, varied, 0, nil, questionnaire.FlagContext{Median: 2 * time.Minute, WithDuration: 100}},
		{"shared address", social, varied, 0, []string{questionnaire.FlagSharedAddress}, questionnaire.FlagContext{SharedAddress: true}},
		{"no timing", social, varied, 0, []string{questionnaire.FlagNoTiming}, questionnaire.FlagContext{Untimed: true}},
		{"no timing and straight-liner", social, areaAnswers(social, "5"), 0, []string{questionnaire.FlagStraightLiner, questionnaire.FlagNoTiming}, questionnaire.FlagContext{Untimed: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.Flags(tt.answers, tt.duration, tt.ctx)
			if !slices.Equal(got, tt.want) {
				t.Errorf("Flags(%d answers, %v) = %q, want %q", len(tt.answers), tt.duration, got, tt.want)
			}
		})
	}
}

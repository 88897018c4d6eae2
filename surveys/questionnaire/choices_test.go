package questionnaire_test

import (
	"reflect"
	"sort"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

func TestAnswersRoundTrip(t *testing.T) {
	cases := []struct {
		name    string
		in      []questionnaire.Answer
		choices string
	}{
		{"nothing", nil, ""},
		{"scale and single", []questionnaire.Answer{{Question: "q01", Values: []string{"5"}}, {Question: "town", Values: []string{"t01"}}}, "q01=5,town=t01"},
		{"multi", []questionnaire.Answer{{Question: "m", Values: []string{"a", "b-2", "c.3"}}}, "m=a|b-2|c.3"},
		{"texts with separators", []questionnaire.Answer{{Question: "q01", Values: []string{"dk"}},
			{Question: "comment", Text: "路,好=修|\"引号\"\n换行"}}, "q01=dk"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			choices, texts := questionnaire.EncodeAnswers(tc.in)
			if choices != tc.choices {
				t.Fatalf("choices = %q, want %q", choices, tc.choices)
			}
			got, err := questionnaire.DecodeAnswers(choices, texts)
			if err != nil {
				t.Fatal(err)
			}
			sortAnswers(got)
			want := append([]questionnaire.Answer(nil), tc.in...)
			sortAnswers(want)
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Fatalf("round trip = %+v, want %+v", got, want)
			}
		})
	}
	for _, bad := range []string{"q01", "=5", "q01=", "q01=5,,q02=4"} {
		if _, err := questionnaire.DecodeChoices(bad); err == nil {
			t.Errorf("DecodeChoices(%q) accepted a corrupt value", bad)
		}
	}
}

func sortAnswers(a []questionnaire.Answer) {
	sort.Slice(a, func(i, j int) bool { return a[i].Question < a[j].Question })
}

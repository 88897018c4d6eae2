package surveys_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/minyi-survey/minyi/surveys"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// TestResultsViewEncode: a view encodes what json.Marshal of the results
// without the parts left out gives, units one by one or not.
func TestResultsViewEncode(t *testing.T) {
	idx := 71.5
	r := &stats.Results{Survey: "s", Title: "标题", Responses: 3,
		Areas:    []stats.AreaResult{{Code: "a", Name: "甲", ItemResult: stats.ItemResult{Index: &idx, N: 3}}},
		Units:    []stats.UnitResults{{Code: "u1", Name: "一", Responses: 2}, {Code: "u2", Name: "二\"<", Responses: 1}},
		Previous: &stats.Comparison{Survey: "p"}}
	for _, v := range []surveys.ResultsView{{}, {Units: true}, {Previous: true}, {Units: true, Previous: true}} {
		t.Run(v.Key(), func(t *testing.T) {
			want := *r
			if !v.Units {
				want.Units = nil
			}
			if !v.Previous {
				want.Previous = nil
			}
			wb, _ := json.Marshal(&want)
			got, err := v.Encode(r)
			if err != nil {
				t.Fatal(err)
			}
			var a, b any
			if err := json.Unmarshal(got, &a); err != nil {
				t.Fatalf("not JSON: %v: %s", err, got)
			}
			_ = json.Unmarshal(wb, &b)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("encoded %s, want %s", got, wb)
			}
			if len(r.Units) != 2 || r.Previous == nil {
				t.Fatal("the shared results were written")
			}
		})
	}
}

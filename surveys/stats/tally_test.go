package stats_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// socialWithUnits is the built-in social-2022 with three evaluated units.
func socialWithUnits(t *testing.T) *questionnaire.Compiled {
	t.Helper()
	data, err := questionnaire.Builtin("social-2022")
	if err != nil {
		t.Fatal(err)
	}
	var d questionnaire.Definition
	if err := json.Unmarshal(data, &d); err != nil {
		t.Fatal(err)
	}
	d.Units = []questionnaire.Unit{{Code: "u1", Name: "琼海市"}, {Code: "u2", Name: "万宁市"}, {Code: "u3", Name: "文昌市"}}
	return mustCompile(t, &d)
}

// randomResponses returns n plausible accepted responses: every question
// answered with a random option (sometimes skipped), a unit, some flagged.
func randomResponses(c *questionnaire.Compiled, seed uint64, n int) []stats.Accepted {
	rng := rand.New(rand.NewPCG(seed, 2022))
	scale := c.ScaleOptions()
	units := []string{""}
	for _, u := range c.Def.Units {
		units = append(units, u.Code)
	}
	rs := make([]stats.Accepted, n)
	for i := range rs {
		r := stats.Accepted{Unit: units[rng.IntN(len(units))], Flagged: rng.IntN(10) == 0}
		for _, q := range c.Questions {
			if rng.IntN(10) == 0 {
				continue
			}
			a := questionnaire.Answer{Question: q.Code}
			switch q.Kind {
			case questionnaire.KindSatisfaction:
				a.Values = []string{scale[rng.IntN(len(scale))].Code}
			case questionnaire.KindSingle:
				a.Values = []string{q.Options[rng.IntN(len(q.Options))].Code}
			case questionnaire.KindMulti:
				for _, o := range q.Options {
					if rng.IntN(2) == 0 {
						a.Values = append(a.Values, o.Code)
					}
				}
			case questionnaire.KindText:
				a.Text = strings.Repeat("好", 1+rng.IntN(5))
			}
			r.Answers = append(r.Answers, a)
		}
		rs[i] = r
	}
	return rs
}

func TestCountOrderIndependent(t *testing.T) {
	c := socialWithUnits(t)
	tests := []struct {
		name  string
		seed  uint64
		order func(rng *rand.Rand, rs []stats.Accepted)
	}{
		{"shuffled", 1, func(rng *rand.Rand, rs []stats.Accepted) {
			rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		}},
		{"shuffled again", 2, func(rng *rand.Rand, rs []stats.Accepted) {
			rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		}},
		{"reversed", 3, func(_ *rand.Rand, rs []stats.Accepted) { slices.Reverse(rs) }},
		{"flagged last", 4, func(_ *rand.Rand, rs []stats.Accepted) {
			slices.SortStableFunc(rs, func(a, b stats.Accepted) int {
				return boolCmp(a.Flagged, b.Flagged)
			})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := randomResponses(c, tt.seed, 500)
			want := countAll(c, rs)

			permuted := slices.Clone(rs)
			tt.order(rand.New(rand.NewPCG(tt.seed, 99)), permuted)
			if slices.EqualFunc(rs, permuted, func(a, b stats.Accepted) bool { return reflect.DeepEqual(a, b) }) {
				t.Fatal("the permutation left the responses in the same order")
			}
			got := countAll(c, permuted)
			if !reflect.DeepEqual(got, want) {
				diff := diffTallies(got, want)
				t.Errorf("counting in another order changed %d counters, e.g. %q", len(diff), diff[:min(5, len(diff))])
			}
			if got.Scope("", "")[stats.KeyResponses].N != 500 {
				t.Errorf("responses = %d, want 500", got.Scope("", "")[stats.KeyResponses].N)
			}
			// And therefore the same results.
			if a, b := stats.Score(c, got, "", false), stats.Score(c, want, "", false); !reflect.DeepEqual(a, b) {
				t.Errorf("results differ:\n%s\n%s", toJSON(a), toJSON(b))
			}
		})
	}
}

func TestMergeEqualsCountingAll(t *testing.T) {
	c := socialWithUnits(t)
	rs := randomResponses(c, 7, 500)
	want := countAll(c, rs)
	tests := []struct {
		name  string
		split int
	}{
		{"halves", 250},
		{"uneven", 137},
		{"first empty", 0},
		{"second empty", 500},
		{"one and the rest", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := countAll(c, rs[:tt.split]), countAll(c, rs[tt.split:])
			ab := stats.Tallies{}
			ab.Merge(a)
			ab.Merge(b)
			if !reflect.DeepEqual(ab, want) {
				t.Errorf("a+b differs from counting all in %d counters: %v", len(diffTallies(ab, want)), diffTallies(ab, want))
			}
			b.Merge(a)
			if !reflect.DeepEqual(b, want) {
				t.Errorf("b+a differs from counting all in %d counters", len(diffTallies(b, want)))
			}
		})
	}
}

func TestBreakdownEqualsFilteredRecount(t *testing.T) {
	c := socialWithUnits(t)
	rs := randomResponses(c, 11, 500)
	all := countAll(c, rs)
	units := []string{"", "u1", "u2", "u3"}

	for _, role := range []string{questionnaire.RoleTown, questionnaire.RoleAge, questionnaire.RoleGender} {
		t.Run(role, func(t *testing.T) {
			// The breakdown question with that role, and who chose which option.
			var code string
			for _, q := range c.Questions {
				if q.Role == role {
					code = q.Code
				}
			}
			if code == "" {
				t.Fatalf("social-2022 has no %s question", role)
			}
			chosen := map[string][]stats.Accepted{}
			for _, r := range rs {
				for _, a := range r.Answers {
					if a.Question == code {
						chosen[a.Values[0]] = append(chosen[a.Values[0]], r)
					}
				}
			}

			var wantDims []string
			for option := range chosen {
				wantDims = append(wantDims, stats.DimKey(role, option))
			}
			if got := slices.Sorted(slices.Values(all.Dims("", role))); !slices.Equal(got, slices.Sorted(slices.Values(wantDims))) {
				t.Errorf("Dims(%q) = %q, want %q", role, got, slices.Sorted(slices.Values(wantDims)))
			}
			if len(wantDims) < 2 {
				t.Fatalf("only %d %s cells: the sample is too small to test", len(wantDims), role)
			}

			for option, subset := range chosen {
				recount := countAll(c, subset)
				dim := stats.DimKey(role, option)
				for _, u := range units {
					// Breakdown cells keep no item pairs (the whole sample does).
					got, want := all.Scope(u, dim), recount.Scope(u, "")
					maps.DeleteFunc(want, func(k string, _ stats.TallyValue) bool { return strings.HasPrefix(k, "pair:") })
					if !reflect.DeepEqual(got, want) {
						t.Errorf("unit %q cell %s differs from a recount of its %d responses:\n got %v\nwant %v",
							u, dim, len(subset), got, want)
					}
				}
			}
		})
	}
}

func TestCountIgnoresUnknownQuestions(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	tests := []struct {
		name string
		r    stats.Accepted
		want stats.Tallies
	}{
		{"unknown question only", response("", false, "q99", "5"), stats.Tallies{
			{Key: stats.KeyResponses}: {N: 1},
		}},
		// q1 = 5 → a1 score 100 (q2 unanswered), composite 100 → 100000 thousandths.
		{"one answer", response("", false, "q1", "5", "q99", "5"), stats.Tallies{
			{Key: stats.KeyResponses}:         {N: 1},
			{Key: stats.OptionKey("q1", "5")}: {N: 1},
			{Key: stats.AreaKey("a1")}:        {N: 1, Sum: 100000, SumSq: 100000 * 100000},
			{Key: stats.KeyOverall}:           {N: 1, Sum: 100000, SumSq: 100000 * 100000},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := stats.Tallies{}
			stats.Count(c, got, tt.r)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}

// diffTallies lists the counters that differ between a and b.
func diffTallies(a, b stats.Tallies) []string {
	var out []string
	for id := range a {
		if a[id] != b[id] {
			out = append(out, fmt.Sprintf("%+v: %+v vs %+v", id, a[id], b[id]))
		}
	}
	for id := range b {
		if _, ok := a[id]; !ok {
			out = append(out, fmt.Sprintf("%+v: missing vs %+v", id, b[id]))
		}
	}
	slices.Sort(out)
	return out
}

func TestCountTimelineAndQuality(t *testing.T) {
	c := socialWithUnits(t)
	at := time.Date(2026, 11, 26, 9, 59, 59, 0, time.FixedZone("CST", 8*3600))
	rs := []stats.Accepted{
		{Unit: "u1", At: at, Flags: []string{questionnaire.FlagSpeeder, questionnaire.FlagStraightLiner}, Flagged: true},
		{Unit: "u1", At: at.Add(time.Second), Flags: []string{questionnaire.FlagSpeeder}, Review: "valid"},
		{Unit: "u2", At: at.Add(time.Hour), Review: "invalid", Flagged: true},
		{Unit: "u2"}, // no time: not on the timeline
	}
	tl := stats.Tallies{}
	for _, r := range rs {
		stats.Count(c, tl, r)
	}
	want := []stats.HourCount{
		{Hour: time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC), Responses: 1},
		{Hour: time.Date(2026, 11, 26, 2, 0, 0, 0, time.UTC), Responses: 2},
	}
	if got := tl.Timeline(); !reflect.DeepEqual(got, want) {
		t.Errorf("timeline = %+v, want %+v", got, want)
	}
	q := tl.Quality()
	wantQ := &stats.Quality{Flagged: 2, ReviewedValid: 1, ReviewedInvalid: 1, Reasons: map[string]int64{
		questionnaire.FlagSpeeder: 2, questionnaire.FlagStraightLiner: 1, questionnaire.FlagSharedAddress: 0, questionnaire.FlagNoTiming: 0, questionnaire.FlagManyPhones: 0}}
	if !reflect.DeepEqual(q, wantQ) {
		t.Errorf("quality = %+v, want %+v", q, wantQ)
	}
	for id := range tl {
		if id.Unit != "" && (strings.HasPrefix(id.Key, "hour:") || strings.HasPrefix(id.Key, "flag:") || strings.HasPrefix(id.Key, "review:")) {
			t.Errorf("%+v: timeline and quality counters are for the whole sample only", id)
		}
	}
}

func TestJointCellsOnlyWhenAsked(t *testing.T) {
	c := socialWithUnits(t)
	answers := []questionnaire.Answer{{Question: "q01", Values: []string{"5"}}, {Question: "town", Values: []string{"t02"}}, {Question: "gender", Values: []string{"f"}}}
	plain, joint := stats.Tallies{}, stats.Tallies{}
	stats.Count(c, plain, stats.Accepted{Unit: "u1", Answers: answers, Flagged: true})
	stats.Count(c, joint, stats.Accepted{Unit: "u1", Answers: answers, Flagged: true, Joint: true})
	cells := map[string]bool{}
	for id := range joint {
		if strings.HasPrefix(id.Dim, "w") {
			if id.Unit != "" {
				t.Errorf("%+v: joint cells are for the whole sample only", id)
			}
			cells[id.Dim] = true
			continue
		}
		if plain[id] != joint[id] {
			t.Errorf("%+v differs with joint cells on", id)
		}
	}
	if want := map[string]bool{"w:t02||f": true, "wf:t02||f": true}; !reflect.DeepEqual(cells, want) {
		t.Errorf("joint cells = %v, want %v", cells, want)
	}
	if len(joint)-len(plain) != 2*len(joint.Scope("", "w:t02||f")) {
		t.Errorf("joint counting added %d counters besides its cells", len(joint)-len(plain)-2*len(joint.Scope("", "w:t02||f")))
	}
}

// TestFlaggedTwinsOfBreakdownCells: a flagged response is counted in the
// flagged twin of each of its breakdown cells, for the whole sample only
// (breakdowns are for the whole sample); its unit keeps its own twin.
func TestFlaggedTwinsOfBreakdownCells(t *testing.T) {
	c := mustCompile(t, scoringDefinition())
	tl := countAll(c, []stats.Accepted{response("u1", true, "q1", "5", "town", "t1"), response("u1", false, "q1", "4", "town", "t1")})
	twin := stats.FlaggedCellDim(stats.DimKey(questionnaire.RoleTown, "t1"))
	if got := tl[stats.TallyID{Dim: twin, Key: stats.KeyResponses}].N; got != 1 {
		t.Errorf("whole-sample twin of town t1: %d responses, want 1", got)
	}
	if got := tl[stats.TallyID{Unit: "u1", Dim: twin, Key: stats.KeyResponses}].N; got != 0 {
		t.Errorf("unit u1's twin of town t1: %d responses, want none kept", got)
	}
	if got := tl[stats.TallyID{Unit: "u1", Dim: stats.DimFlagged, Key: stats.KeyResponses}].N; got != 1 {
		t.Errorf("unit u1's flagged twin: %d responses, want 1", got)
	}
}

package stats_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/stats"
)

// wideDefinition has areas of two items each, 2·areas scored items.
func wideDefinition(areas int) *questionnaire.Definition {
	d := smallDefinition()
	d.Areas = nil
	for a := range areas {
		area := questionnaire.Area{Code: fmt.Sprintf("a%d", a), Name: fmt.Sprintf("领域%d", a), Summary: "概述。"}
		for j := range 2 {
			area.Questions = append(area.Questions, questionnaire.Question{Code: fmt.Sprintf("q%d_%d", a, j),
				Kind: questionnaire.KindSatisfaction, Text: "满意吗？", Required: true})
		}
		d.Areas = append(d.Areas, area)
	}
	return d
}

// TestWideDefinitionsBoundCrossAreaPairs: past 40 scored items the counters
// keep item pairs within an area only, so their number grows with the
// items, not their square; the overall interval then bounds each
// cross-area covariance, so it is never narrower than the exact one (here
// every item is answered, λ and ω are equal, and the exact SE is s/√n of
// the respondents' own composite scores), and equals it when every
// respondent gives all items one level; area intervals stay exact.
func TestWideDefinitionsBoundCrossAreaPairs(t *testing.T) {
	levels := []string{"5", "4", "3", "2", "1"}
	scores := map[string]float64{"5": 100, "4": 80, "3": 60, "2": 30, "1": 0}
	for _, tt := range []struct {
		name    string
		areas   int
		uniform bool // every respondent gives one level to all items
	}{
		{"20 areas, 40 items: all pairs", 20, false},
		{"21 areas, 42 items: pairs within areas", 21, false},
		{"21 areas, one level each respondent", 21, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCompile(t, wideDefinition(tt.areas))
			rng := rand.New(rand.NewPCG(7, uint64(tt.areas)))
			var rs []stats.Accepted
			var sum, sumSq float64
			const n = 300
			for range n {
				r := stats.Accepted{}
				base := rng.IntN(5)
				var own float64
				for a := range tt.areas {
					for j := range 2 {
						l := base
						if !tt.uniform {
							l = min(4, max(0, base+rng.IntN(3)-1))
						}
						code := levels[l]
						own += scores[code]
						r.Answers = append(r.Answers, questionnaire.Answer{Question: fmt.Sprintf("q%d_%d", a, j), Values: []string{code}})
					}
				}
				own /= float64(2 * tt.areas)
				sum += own
				sumSq += own * own
				rs = append(rs, r)
			}
			tallies := countAll(c, rs)
			cross, within := 0, 0
			for id := range tallies {
				if k, ok := strings.CutPrefix(id.Key, "pair:"); ok && id.Unit == "" && id.Dim == "" {
					j, l, _ := strings.Cut(k, ":")
					if strings.Split(j, "_")[0] == strings.Split(l, "_")[0] {
						within++
					} else {
						cross++
					}
				}
			}
			wide := 2*tt.areas > 40
			if within != 2*tt.areas || (wide && cross != 0) || (!wide && cross != 2*tt.areas*(2*tt.areas-2)) {
				t.Fatalf("%d pair counters within areas and %d across, want %d and %d", within, cross, 2*tt.areas,
					map[bool]int{true: 0, false: 2 * tt.areas * (2*tt.areas - 2)}[wide])
			}
			got := stats.Score(c, tallies, "", false)
			mean := sum / n
			exact := math.Sqrt((sumSq - n*mean*mean) / (n - 1) / n)
			se := *got.Overall.SE
			switch {
			case !wide || tt.uniform:
				if math.Abs(se-exact) > 0.0015 {
					t.Errorf("overall SE %.4f, want the exact %.4f", se, exact)
				}
			default:
				if se < exact-0.0015 {
					t.Errorf("overall SE %.4f, narrower than the exact %.4f", se, exact)
				}
			}
			t.Logf("overall %.2f, SE %.4f (exact %.4f)", *got.Overall.Index, se, exact)
		})
	}
}

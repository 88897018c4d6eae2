package questionnaire

import "fmt"

// ScoringChanges lists how the version next would score the answers to the
// version cur differently in the counters kept per respondent (area and
// composite scores, item pairs): a level of cur's scale dropped or given
// another score, a satisfaction item of an area dropped, moved to another
// area or given another λ, an area given another ω. Counters of stored
// responses keep the scoring they were counted with, so a survey that has
// responses may not publish such a change (option counts are always
// rescored, so labels, classes, new levels, new items and new areas are
// fine). Empty when next scores cur's answers the same way.
func ScoringChanges(cur, next *Compiled) []Problem {
	var out []Problem
	for _, l := range cur.Def.Scale.Levels {
		nl, ok := next.Level(l.Code)
		switch {
		case !ok:
			out = append(out, Problem{Path: "scale.levels." + l.Code,
				Reason: fmt.Sprintf("等级 %s 已有回答，不能删除 level %s has answers and cannot be removed", l.Code, l.Code)})
		case nl.Score != l.Score:
			out = append(out, Problem{Path: "scale.levels." + l.Code + ".score",
				Reason: fmt.Sprintf("等级 %s 的分值不能从 %g 改为 %g level %s cannot change its score from %g to %g", l.Code, l.Score, nl.Score, l.Code, l.Score, nl.Score)})
		}
	}
	for _, q := range cur.Questions {
		if q.Kind != KindSatisfaction || q.Area < 0 {
			continue
		}
		area := cur.Def.Areas[q.Area].Code
		nq := next.Question(q.Code)
		switch {
		case nq == nil || nq.Kind != KindSatisfaction || nq.Area < 0:
			out = append(out, Problem{Path: "questions." + q.Code,
				Reason: fmt.Sprintf("计分题 %s 不能删除或移出领域 the scored item %s cannot be removed or taken out of its area", q.Code, q.Code)})
		case next.Def.Areas[nq.Area].Code != area:
			out = append(out, Problem{Path: "questions." + q.Code + ".area",
				Reason: fmt.Sprintf("计分题 %s 不能从领域 %s 移到 %s the scored item %s cannot move from area %s to %s", q.Code, area, next.Def.Areas[nq.Area].Code, q.Code, area, next.Def.Areas[nq.Area].Code)})
		case nq.WeightOrDefault() != q.WeightOrDefault():
			out = append(out, Problem{Path: "questions." + q.Code + ".weight",
				Reason: fmt.Sprintf("计分题 %s 的权重 λ 不能从 %g 改为 %g the weight λ of %s cannot change from %g to %g", q.Code, q.WeightOrDefault(), nq.WeightOrDefault(), q.Code, q.WeightOrDefault(), nq.WeightOrDefault())})
		}
	}
	for _, a := range cur.Def.Areas {
		for _, na := range next.Def.Areas {
			if na.Code == a.Code && na.WeightOrDefault() != a.WeightOrDefault() {
				out = append(out, Problem{Path: "areas." + a.Code + ".weight",
					Reason: fmt.Sprintf("领域 %s 的权重 ω 不能从 %g 改为 %g the weight ω of area %s cannot change from %g to %g", a.Code, a.WeightOrDefault(), na.WeightOrDefault(), a.Code, a.WeightOrDefault(), na.WeightOrDefault())})
			}
		}
	}
	return out
}

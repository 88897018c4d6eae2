// Package stats is the arithmetic of results: the counters every accepted
// response adds to (Tallies, TallyID, TallyValue, the keys, Counter),
// scoring from those counters alone (Score, ScoreBreakdown and the Results
// body), intervals (Student's t, Wilson), raking to population margins
// (Margins, Rake) and weighted scoring over joint cells (ScoreWeighted),
// the ranking of units (RankUnits) and year-over-year comparisons (Compare).
//
// It may import package questionnaire, gonum and the standard library, and
// nothing that reaches a database, the network or the clock: every
// function is pure, so results depend on the counters alone. The test
// TestPurity holds this package and questionnaire to that.
package stats

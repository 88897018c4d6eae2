package questionnaire

import "time"

// Quality flags stored on a response. Flagged responses are kept and counted
// apart; staff decide whether results include them.
const (
	FlagStraightLiner = "straight_liner"
	FlagSpeeder       = "speeder"
	FlagSharedAddress = "shared_address" // many responses from one IP: NAT is common, so only a flag
)

// Quality rules (docs/methodology.md).
const (
	straightLineMinItems = 8
	// SpeederFloorPerItem: a response faster than this per question of its
	// version is a speeder whatever the median.
	SpeederFloorPerItem = 2 * time.Second
	// SpeederMedianMin is how many responses need a completion time before
	// the median rule of speeders applies.
	SpeederMedianMin = 30
	// SharedAddressMin is how many responses one address sends before its
	// later ones are flagged.
	SharedAddressMin = 30
)

// FlagContext is what the survey's other responses say about a new one:
// the facts its quality flags need beyond its own answers and duration.
type FlagContext struct {
	Median        time.Duration // median completion time so far
	WithDuration  int64         // responses that have a completion time
	SharedAddress bool          // the address already sent SharedAddressMin responses
}

// Flags returns the quality flags of a checked response. duration is the
// time from loading the page to submitting, or 0 when unknown.
func (c *Compiled) Flags(answers []Answer, duration time.Duration, ctx FlagContext) []string {
	var flags []string
	var items int
	level, same := "", true
	for _, q := range c.Questions {
		if q.Kind == KindSatisfaction && q.Role == "" {
			items++
		}
	}
	for _, a := range answers {
		q := c.byCode[a.Question]
		if q == nil || q.Kind != KindSatisfaction || q.Role != "" || len(a.Values) != 1 {
			continue
		}
		if a.Values[0] == c.dontKnow {
			same = false // "don't know" is not a level: no straight line through it
			continue
		}
		if level == "" {
			level = a.Values[0]
		} else if a.Values[0] != level {
			same = false
		}
	}
	if items >= straightLineMinItems && level != "" && same && countItems(c, answers) == items {
		flags = append(flags, FlagStraightLiner)
	}
	if duration > 0 && (duration < time.Duration(c.QuestionCount())*SpeederFloorPerItem ||
		ctx.WithDuration >= SpeederMedianMin && duration < ctx.Median/2) {
		flags = append(flags, FlagSpeeder)
	}
	if ctx.SharedAddress {
		flags = append(flags, FlagSharedAddress)
	}
	return flags
}

func countItems(c *Compiled, answers []Answer) int {
	n := 0
	for _, a := range answers {
		if q := c.byCode[a.Question]; q != nil && q.Kind == KindSatisfaction && q.Role == "" {
			n++
		}
	}
	return n
}

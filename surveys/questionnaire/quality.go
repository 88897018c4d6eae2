package questionnaire

import "time"

// Quality flags stored on a response. Flagged responses are kept and counted
// apart; staff decide whether results include them.
const (
	FlagStraightLiner = "straight_liner"
	FlagSpeeder       = "speeder"
	FlagSharedAddress = "shared_address" // a burst from one address: NAT is common, so only a flag
	// FlagManyPhones marks a phone-mode response from a device or address
	// that typed many numbers: the numbers are not verified.
	FlagManyPhones = "many_phones"
	// FlagNoTiming marks a submission without a usable started_at: it
	// cannot be checked for speed, so it does not pass the speeder check
	// silently either.
	FlagNoTiming = "no_timing"
)

// FlagReasons are the quality flags in the order lists show them, each
// with its label, Chinese first.
var FlagReasons = []struct{ Code, Label string }{
	{FlagSpeeder, "作答过快 answered too fast"},
	{FlagStraightLiner, "所有题同一选项 same level on every item"},
	{FlagSharedAddress, "同一网络地址多份 many from one address"},
	{FlagNoTiming, "无作答时间 no timing"},
	{FlagManyPhones, "同一来源填写多个号码 many numbers from one source"},
}

// Quality rules (docs/methodology.md).
const (
	straightLineMinItems = 8
	// SpeederFloorPerItem: a response faster than this per question of its
	// version is a speeder whatever the median.
	SpeederFloorPerItem = 2 * time.Second
	// SpeederMedianMin is how many responses need a completion time before
	// the median rule of speeders applies.
	SpeederMedianMin = 30
)

// The shared-address rule is a burst rule: carrier-grade NAT puts
// thousands of residents behind a few addresses, so a count per address
// alone would flag most answers to a WeChat push. A response is flagged
// when, within BurstWindow, its address sent at least AddressBurstMin
// responses, its network (/24, or /48 for IPv6) at least NetworkBurstMin,
// and the address more than BurstShare of all the survey's responses:
// a push raises the survey's own traffic with the address's, a flood
// from one client does not.
const (
	BurstWindow     = 10 * time.Minute
	AddressBurstMin = 10
	NetworkBurstMin = 30
	BurstShare      = 0.5
	// PhonesPerDevice is the count of numbers from one device (the
	// respondent cookie) from which on they are flagged; PhonesPerAddress
	// the same for one address, when it also sends more than BurstShare
	// of the survey's responses within BurstWindow.
	PhonesPerDevice  = 3
	PhonesPerAddress = 5
)

// Burst reports whether the window's counts of a response (itself
// included) make its address a burst: the shared-address rule.
func Burst(all, address, network int) bool {
	return address >= AddressBurstMin && network >= NetworkBurstMin && float64(address) > BurstShare*float64(all)
}

// ManyPhones reports whether a phone-mode response's window counts (of
// the survey, its address and its device) show one source typing many
// numbers.
func ManyPhones(all, address, device int) bool {
	return device >= PhonesPerDevice || address >= PhonesPerAddress && float64(address) > BurstShare*float64(all)
}

// FlagContext is what the survey's other responses say about a new one:
// the facts its quality flags need beyond its own answers and duration.
type FlagContext struct {
	Median        time.Duration // median completion time so far
	WithDuration  int64         // responses that have a completion time
	SharedAddress bool          // the address is sending a burst (Burst)
	ManyPhones    bool          // phone mode: its source typed many numbers (ManyPhones)
	// Untimed says the submission had no usable started_at (missing, in
	// the future, or implausibly old): it is flagged FlagNoTiming.
	Untimed bool
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
	if ctx.Untimed {
		flags = append(flags, FlagNoTiming)
	}
	if ctx.ManyPhones {
		flags = append(flags, FlagManyPhones)
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

// Package questionnaire owns what a questionnaire is: the Definition staff
// design and its types, validation (every problem named by its path),
// Compile and the Compiled form answering and scoring read, submissions
// (DecodeSubmission, Check, Answer, InvalidError), the stored choices format
// (EncodeAnswers, DecodeChoices, EachChoice), the built-in templates,
// synthetic answers and the quality flags of a response.
//
// It may import the standard library only: no database, no network and no
// clock (time.Now), so that scoring, which builds on it, stays pure. A test
// in package stats holds it to that.
package questionnaire

// Question kinds a definition may use.
const (
	KindSatisfaction = "satisfaction" // answered on the survey's scale
	KindSingle       = "single"       // one option code
	KindMulti        = "multi"        // a list of option codes
	KindText         = "text"         // free text
)

// Question roles give an extra question a meaning the platform understands.
const (
	RoleOverall = "overall" // overall satisfaction, reported apart from the area index
	RoleTown    = "town"    // demographic breakdowns
	RoleAge     = "age"
	RoleGender  = "gender"
	RoleComment = "comment"
)

// Dedup modes: how a respondent is recognised so that each is counted once.
const (
	DedupDevice = "device" // the signed respondent cookie
	DedupToken  = "token"  // one-time invitation tokens
	DedupPhone  = "phone"  // a mobile number, stored only as a keyed HMAC
	DedupWeChat = "wechat" // WeChat sign-in: a keyed HMAC of the openid, per survey
)

// Results visibility.
const (
	ResultsPublic = "public"
	ResultsStaff  = "staff"
)

// Level classes used for the satisfaction and dissatisfaction rates.
const (
	ClassSatisfied    = "satisfied"
	ClassNeutral      = "neutral"
	ClassDissatisfied = "dissatisfied"
)

// DefaultTextLimit caps a text answer, in characters, when a question sets none.
const DefaultTextLimit = 1000

// Definition is a questionnaire as staff design it and residents answer it.
// It is stored as JSON on each survey version; a published version never changes.
type Definition struct {
	Slug    string      `json:"slug"`
	Title   string      `json:"title"`
	TitleEn string      `json:"title_en,omitempty"`
	Year    int         `json:"year"`
	Legal   *LegalMarks `json:"legal,omitempty"`
	Intro   string      `json:"intro"`
	Units   []Unit      `json:"units,omitempty"`
	Scale   Scale       `json:"scale"`
	Areas   []Area      `json:"areas"`
	Extra   []Question  `json:"extra,omitempty"`
	Dedup   string      `json:"dedup"`
	Results string      `json:"results"`
	// Previous links the previous year's survey (its slug) for Δ per area.
	Previous string `json:"previous,omitempty"`
	// Thresholds override the greyed-cell n, the ranking n and the trim
	// bounds of weighting; unset fields keep the defaults.
	Thresholds *Thresholds `json:"thresholds,omitempty"`
	// Categories group the units of a campaign, each with the areas that
	// apply to its units (see campaign.go).
	Categories []Category `json:"categories,omitempty"`
	// Quotas are the quota cells of a survey without units.
	Quotas []Quota `json:"quotas,omitempty"`
	// Notices says which units a campaign's results name (通报).
	Notices *NoticeRule `json:"notices,omitempty"`
	// Report sets the published report (公报): its suppression threshold
	// and whether it is internal only.
	Report *ReportOptions `json:"report,omitempty"`
	// Privacy is the notice residents read when the survey collects a phone
	// number or openid, and how long identifying data is kept (privacy.go).
	Privacy *Privacy `json:"privacy,omitempty"`
}

// ReportOptions are the published report's settings.
type ReportOptions struct {
	// SuppressK is the least number of respondents a published figure may
	// rest on (0 = DefaultSuppressK).
	SuppressK int `json:"suppress_k,omitempty"`
	// Internal makes the report internal only (数据不对社会公布): no public
	// page, every page marked 内部资料.
	Internal bool `json:"internal,omitempty"`
	// Issuer is the issuing body printed under the title (else the legal
	// marks' 制表机关).
	Issuer string `json:"issuer,omitempty"`
	// Quotes are up to MaxReportQuotes sentences staff chose (and edited so
	// no one can be recognised) to print in "what residents said"; the raw
	// comments never are.
	Quotes []string `json:"quotes,omitempty"`
}

// Bounds of the report's staff-selected quotes.
const (
	MaxReportQuotes     = 10
	MaxReportQuoteChars = 200
)

// Bounds of the report's suppression threshold.
const (
	DefaultSuppressK = 10
	MinSuppressK     = 3
	MaxSuppressK     = 1000
)

// SuppressK is the report's suppression threshold.
func (d *Definition) SuppressK() int {
	if d.Report == nil || d.Report.SuppressK == 0 {
		return DefaultSuppressK
	}
	return d.Report.SuppressK
}

// ReportInternal reports whether the report is internal only.
func (d *Definition) ReportInternal() bool { return d.Report != nil && d.Report.Internal }

// LegalMarks are the marks a Chinese statistical questionnaire shows when set.
type LegalMarks struct {
	FormNo     string `json:"form_no,omitempty"`     // 表号
	Issuer     string `json:"issuer,omitempty"`      // 制表机关
	Approver   string `json:"approver,omitempty"`    // 批准机关
	ApprovalNo string `json:"approval_no,omitempty"` // 批准文号
	ValidUntil string `json:"valid_until,omitempty"` // 有效期
}

// Unit is one evaluated city, county or agency.
type Unit struct {
	Code string `json:"code"`
	Name string `json:"name"`
	// Category is the code of the unit's category ("" without categories).
	Category string `json:"category,omitempty"`
	// Summaries are the unit's own accounts per area code; an area without
	// one falls back to the area's summary.
	Summaries map[string]string `json:"summaries,omitempty"`
	// Target is the planned number of completed interviews (0: none).
	Target int `json:"target,omitempty"`
	// Quotas are the unit's quota cells.
	Quotas []Quota `json:"quotas,omitempty"`
}

// Scale is the satisfaction scale: levels from best to worst, then an
// optional "don't know" answer that is excluded from scores.
type Scale struct {
	Preset   string  `json:"preset,omitempty"`
	Levels   []Level `json:"levels"`
	DontKnow *Option `json:"dont_know,omitempty"`
}

// Level is one point of the scale with its score (0-100) and class.
type Level struct {
	Code  string  `json:"code"`
	Label string  `json:"label"`
	Score float64 `json:"score"`
	Class string  `json:"class"`
}

// Area is one report area of the government's work.
type Area struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Summary   string     `json:"summary"`
	Weight    float64    `json:"weight,omitempty"` // ω, default 1
	Questions []Question `json:"questions"`
}

// Question is one item. Satisfaction questions take their options from the scale.
type Question struct {
	Code      string   `json:"code"`
	Kind      string   `json:"kind"`
	Text      string   `json:"text"`
	Required  bool     `json:"required"`
	Role      string   `json:"role,omitempty"`
	Weight    float64  `json:"weight,omitempty"`     // λ within its area, default 1
	Options   []Option `json:"options,omitempty"`    // single and multi
	MaxLength int      `json:"max_length,omitempty"` // text, in characters
}

// Option is one answer choice.
type Option struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

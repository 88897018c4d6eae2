package stats

import "time"

// Results is the body of GET /api/v1/surveys/{slug}/results.
type Results struct {
	Survey          string        `json:"survey"`
	Title           string        `json:"title"`
	Unit            string        `json:"unit,omitempty"`
	Responses       int64         `json:"responses"`
	Flagged         int64         `json:"flagged"`
	IncludesFlagged bool          `json:"includes_flagged"`
	Sample          string        `json:"sample"`
	Overall         Summary       `json:"overall"`
	OverallQuestion *ItemResult   `json:"overall_question,omitempty"`
	Areas           []AreaResult  `json:"areas"`
	Units           []UnitResults `json:"units,omitempty"`
	Breakdown       *Breakdown    `json:"breakdown,omitempty"`

	// AsOf is when the body was scored; Year is the survey's year.
	AsOf time.Time `json:"as_of"`
	Year int       `json:"year,omitempty"`
	// Timeline counts responses per hour of submission (UTC), whole survey.
	Timeline []HourCount `json:"timeline,omitempty"`
	// Quality counts flagged responses by reason and staff decisions.
	Quality *Quality `json:"quality,omitempty"`
	// Previous compares with the previous year's linked survey.
	Previous *Comparison `json:"previous,omitempty"`
	// Weighting reports the raking behind a weighted body.
	Weighting *WeightingReport `json:"weighting,omitempty"`
	// Limits are the survey's thresholds the figures were marked with.
	Limits Limits `json:"limits"`
	// Category is the category a body is limited to (?category=).
	Category string `json:"category,omitempty"`
	// Quotas is the quota progress of a body for one unit, or of a survey
	// without units.
	Quotas []QuotaProgress `json:"quotas,omitempty"`
	// Notices name, per category, the units at the bottom (通报).
	Notices []Notice `json:"notices,omitempty"`
	// Ranking is, in a body for one unit, where it stands in its category.
	Ranking *UnitRanking `json:"ranking,omitempty"`
	// Channel is the channel the body is scored from ("" for all);
	// Channels counts the responses per channel (web, cati).
	Channel  string         `json:"channel,omitempty"`
	Channels map[string]int `json:"channels,omitempty"`
	// ResponseRates are the AAPOR rates (rr1, rr3, coop1, ref1, con1, e)
	// of a telephone sample, when the survey has one.
	ResponseRates map[string]*float64 `json:"response_rates,omitempty"`
}

// Limits are the greyed-cell n (low_sample marks n_eff under it) and the
// least n_eff of a ranked unit, as the survey's definition sets them.
type Limits struct {
	LowSample float64 `json:"low_sample"`
	RankMinN  float64 `json:"rank_min_n"`
}

// HourCount is the number of responses submitted in one hour.
type HourCount struct {
	Hour      time.Time `json:"hour"`
	Responses int64     `json:"responses"`
}

// Quality counts flagged responses by reason (a response can carry
// several flags) and the staff decisions on flagged responses.
type Quality struct {
	Flagged         int64            `json:"flagged"`
	Reasons         map[string]int64 `json:"reasons"`
	ReviewedValid   int64            `json:"reviewed_valid"`
	ReviewedInvalid int64            `json:"reviewed_invalid"`
}

// Comparison is this year's figures against the previous year's linked
// survey: Δ = I_t − I_{t−1}, SE_Δ = √(SE_t² + SE_{t−1}²).
type Comparison struct {
	Survey  string         `json:"survey"`
	Title   string         `json:"title"`
	Year    int            `json:"year,omitempty"`
	Overall ComparedFigure `json:"overall"`
	Areas   []ComparedArea `json:"areas"`
}

// ComparedFigure is one index last year and its change since.
type ComparedFigure struct {
	Index   *float64 `json:"index"`
	SE      *float64 `json:"se"`
	Delta   *float64 `json:"delta"`
	DeltaSE *float64 `json:"delta_se"`
}

// ComparedArea is one area's comparison, matched by code, then by name.
type ComparedArea struct {
	Code string `json:"code"`
	Name string `json:"name"`
	ComparedFigure
}

// WeightingReport describes the raking of a weighted body.
type WeightingReport struct {
	Variables  []string   `json:"variables"`
	Iterations int        `json:"iterations"`
	Converged  bool       `json:"converged"`
	MaxError   float64    `json:"max_error"`
	Trimmed    int64      `json:"trimmed"`
	Bounds     [2]float64 `json:"bounds"`
	NEff       float64    `json:"n_eff"`
	// Profile is, per demographic question the survey asks (town, age,
	// gender), each answer's weighted share of the respondents ("" for
	// those who did not answer it); see ScoreWeighted.
	Profile map[string]map[string]float64 `json:"profile,omitempty"`
}

// Breakdown is the results per answer of a demographic question (town,
// age band or gender), whole sample, flagged responses in or out as the
// body's IncludesFlagged says.
type Breakdown struct {
	By    string          `json:"by"`
	Cells []BreakdownCell `json:"cells"`
}

// BreakdownCell is one answer's respondents.
type BreakdownCell struct {
	Code      string       `json:"code"`
	Label     string       `json:"label"`
	Responses int64        `json:"responses"`
	Overall   Summary      `json:"overall"`
	Areas     []AreaResult `json:"areas"`
}

// Summary is the composite index over areas. SE is the standard error of
// the index (s/√n, s_w/√n_eff when weighted); NEff is set only in weighted
// bodies.
type Summary struct {
	Index *float64  `json:"index"`
	N     int64     `json:"n"`
	CI95  []float64 `json:"ci95"`
	SE    *float64  `json:"se"`
	NEff  *float64  `json:"n_eff,omitempty"`
	Low   bool      `json:"low_sample"`

	exact exact // Index and SE before rounding, for comparisons
}

// exact holds an index and its SE unrounded, so that comparisons (Δ and
// SE_Δ) are computed from them and rounded once. Bodies decoded from JSON
// lack them, and comparisons then use the rounded figures.
type exact struct {
	index, se *float64
}

// ItemResult holds the figures of one satisfaction item or area. SE is the
// standard error of the index; NEff is set only in weighted bodies.
type ItemResult struct {
	Index            *float64  `json:"index"`
	Rate             *float64  `json:"rate"`
	DissatisfiedRate *float64  `json:"dissatisfied_rate"`
	DontKnowRate     *float64  `json:"dont_know_rate"`
	N                int64     `json:"n"`
	CI95             []float64 `json:"ci95"`
	RateCI95         []float64 `json:"rate_ci95"`
	SE               *float64  `json:"se"`
	NEff             *float64  `json:"n_eff,omitempty"`
	Low              bool      `json:"low_sample"`

	exact exact // Index and SE before rounding, for comparisons
}

// AreaResult is one area's figures.
type AreaResult struct {
	Code string `json:"code"`
	Name string `json:"name"`
	ItemResult
}

// UnitResults are the figures of one evaluated unit. Rank is nil when the
// unit is unranked (see RankUnits); Tied says another unit shares its rank;
// RankRange is [best, worst]: the ranks the unit could hold given which
// units differ from it significantly.
type UnitResults struct {
	Code      string       `json:"code"`
	Name      string       `json:"name"`
	Responses int64        `json:"responses"`
	Overall   Summary      `json:"overall"`
	Areas     []AreaResult `json:"areas"`
	Rank      *int         `json:"rank"`
	Tied      bool         `json:"tied,omitempty"`
	RankRange []int        `json:"rank_range"`
	// Campaign fields: the unit's category (ranks are within it), its
	// planned sample, its completed interviews (the responses of the
	// body's set), completed/target (nil without a target) and quotas.
	Category  string          `json:"category,omitempty"`
	Target    int             `json:"target,omitempty"`
	Completed int64           `json:"completed"`
	Progress  *float64        `json:"progress"`
	Quotas    []QuotaProgress `json:"quotas,omitempty"`
}

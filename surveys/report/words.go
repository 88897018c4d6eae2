package report

import (
	"fmt"
	"strings"
	"time"
)

// Words are the fixed strings of a report in one language: what the
// renderers print around the model (stamp, watermark, page numbers) and
// the fixed sentences of the methods box that a builder puts in.
type Words struct {
	Internal    string // the watermark
	ScoredAt    string // label of the stamp's time
	Responses   string // label of the stamp's count
	Page        string // "第 %d 页" / "Page %d"
	Dash        string // what a suppressed cell shows
	WhiskerNote string // legend of a bar chart's whiskers
	OptIn       string // the open-link caveat
	Unweighted  string
}

// WordsFor returns the fixed strings for a language (Chinese for any
// unknown one).
func WordsFor(l Lang) Words {
	if l == EN {
		return Words{
			Internal:    "INTERNAL",
			ScoredAt:    "Scored at",
			Responses:   "responses",
			Page:        "Page %d",
			Dash:        Dash,
			WhiskerNote: "Bars: index; whiskers: 95% interval.",
			OptIn: "Open-link (opt-in) sample: intervals describe the answers received, " +
				"not the population; there is no sampling margin of error.",
			Unweighted: "Unweighted.",
		}
	}
	return Words{
		Internal:    "内部资料",
		ScoredAt:    "评分时间",
		Responses:   "份有效答卷",
		Page:        "第 %d 页",
		Dash:        Dash,
		WhiskerNote: "条形为满意度指数，横线为95%置信区间。",
		OptIn:       "开放链接（自愿参与）样本：区间仅描述所收到的答卷，不代表总体，不存在抽样误差意义上的误差范围。",
		Unweighted:  "未加权。",
	}
}

// Stamp is the line saying when the figures were scored and from how many
// responses, in the document's language. Times are shown in UTC+8 (China
// Standard Time), the bureau's clock, whatever the server's zone.
func (d *Document) Stamp() string {
	w := WordsFor(d.Lang)
	t := d.ScoredAt.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04")
	if d.Lang == EN {
		return fmt.Sprintf("%s %s (UTC+8), %d %s", w.ScoredAt, t, d.Responses, w.Responses)
	}
	return fmt.Sprintf("%s：%s（北京时间），%d %s", w.ScoredAt, t, d.Responses, w.Responses)
}

// ScoringRule is the methods-box sentence for the scale's scores, e.g.
// scores {"满意": 100, …} in order.
func ScoringRule(l Lang, levels []string, scores []float64) string {
	parts := make([]string, 0, len(levels))
	for i, lv := range levels {
		if i < len(scores) {
			parts = append(parts, fmt.Sprintf("%s %g", lv, scores[i]))
		}
	}
	if l == EN {
		return "Each answer scores " + strings.Join(parts, ", ") +
			"; \"don't know\" is excluded. An item's index is the mean score of its answers; an area's index the weighted mean of its items; the overall index the weighted mean of the areas."
	}
	return "各档赋分：" + strings.Join(parts, "，") +
		"；“不了解”不计分。单项指数为有效答卷得分的平均值，领域指数为各单项指数的加权平均，综合指数为各领域指数的加权平均。"
}

// SuppressionRule is the methods-box sentence for small-cell suppression
// with threshold k.
func SuppressionRule(l Lang, k int) string {
	if l == EN {
		return fmt.Sprintf("Figures from fewer than %d respondents are not published (shown as %s), "+
			"and neither is any other figure from which such a figure, or a group of fewer than %d, "+
			"could be worked out by subtraction from a total (Statistics Law, Article 25).", k, Dash, k)
	}
	return fmt.Sprintf("不足%d人的数据不予公布（以“%s”表示）；可由合计数相减推算出上述数据或不足%d人群体的其他数据，"+
		"亦不予公布（《统计法》第二十五条）。", k, Dash, k)
}

// SuppressionNote is the footnote of suppressed cells.
func SuppressionNote(l Lang, k int) string {
	if l == EN {
		return fmt.Sprintf("Not published: fewer than %d respondents, or would let a reader work one out.", k)
	}
	return fmt.Sprintf("不予公布：样本不足%d人，或可据以推算不足%d人的数据。", k, k)
}

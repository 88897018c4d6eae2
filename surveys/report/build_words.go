package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// buildWords are the builder's template sentences in one language: the
// summary is made of these and the figures, never of invented text.
type buildWords struct{ zh bool }

func wordsOf(l Lang) buildWords { return buildWords{zh: l != EN} }

func (w buildWords) pick(zh, en string) string {
	if w.zh {
		return zh
	}
	return en
}

var zhNumerals = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"}

// numbered puts the section number before a heading: 一、总体情况 / 1. Overview.
func (w buildWords) numbered(i int, h string) string {
	if w.zh && i < len(zhNumerals) {
		return zhNumerals[i] + "、" + h
	}
	return fmt.Sprintf("%d. %s", i, h)
}

// title is the report's title: the survey's, then 结果公报 / results.
func (w buildWords) title(survey string) string {
	return w.pick(survey+"结果公报", survey+": results")
}

// cst is the bureau's clock (UTC+8).
var cst = time.FixedZone("CST", 8*3600)

func (w buildWords) fieldwork(first, last time.Time) string {
	f, l := first.In(cst), last.In(cst)
	if w.zh {
		return fmt.Sprintf("调查时间：%d年%d月%d日至%d年%d月%d日", f.Year(), f.Month(), f.Day(), l.Year(), l.Month(), l.Day())
	}
	return fmt.Sprintf("Fieldwork: %s to %s", f.Format("2 January 2006"), l.Format("2 January 2006"))
}

func (w buildWords) range2(ci []float64, f func(float64) string) string {
	if len(ci) != 2 {
		return ""
	}
	return f(ci[0]) + "–" + f(ci[1])
}

func (w buildWords) interval(ci []float64, f func(float64) string) string {
	if len(ci) != 2 {
		return ""
	}
	return w.pick("95%区间 ", "95% interval ") + w.range2(ci, f)
}

// flaggedNote says whether flagged responses are in the figures.
func (w buildWords) flaggedNote(r *stats.Results) string {
	switch {
	case r.Flagged == 0:
		return ""
	case r.IncludesFlagged:
		return w.pick(fmt.Sprintf("含%d份被标记答卷", r.Flagged), fmt.Sprintf("including %d flagged", r.Flagged))
	default:
		return w.pick(fmt.Sprintf("不含%d份被标记答卷", r.Flagged), fmt.Sprintf("excluding %d flagged", r.Flagged))
	}
}

// deltaText is the overall change on last year, when there is one.
type deltaText struct {
	ok, significant bool
	value           float64
}

func (w buildWords) overallSentence(index string, d deltaText) string {
	s := w.pick("综合满意度指数为 "+index, "The overall satisfaction index is "+index)
	if !d.ok {
		return s
	}
	mag := fmt.Sprintf("%.2f", math.Abs(d.value))
	sig := w.pick("（统计显著）", " (significant)")
	if !d.significant {
		sig = w.pick("（变化不显著）", " (not significant)")
	}
	switch {
	case mag == "0.00":
		return s + w.pick("，与上年持平", ", level with last year") + sig
	case d.value > 0:
		return s + w.pick("，比上年提高 "+mag+" 分", ", up "+mag+" points on last year") + sig
	default:
		return s + w.pick("，比上年下降 "+mag+" 分", ", down "+mag+" points on last year") + sig
	}
}

func (w buildWords) rateSentence(rate string) string {
	return w.pick("总体满意率为 "+rate, "the overall satisfaction rate is "+rate)
}

func (w buildWords) extremesSentence(hi, hiIdx, lo, loIdx string) string {
	return w.pick(fmt.Sprintf("各领域中，%s指数最高（%s），%s最低（%s）", hi, hiIdx, lo, loIdx),
		fmt.Sprintf("of the areas, %s scores highest (%s) and %s lowest (%s)", hi, hiIdx, lo, loIdx))
}

func (w buildWords) responsesSentence(n int64) string {
	return w.pick(fmt.Sprintf("本次调查共收回有效答卷 %d 份", n), fmt.Sprintf("the survey received %d responses", n))
}

// join makes one paragraph of the sentences.
func (w buildWords) join(s []string) string {
	if w.zh {
		return strings.Join(s, "；") + "。"
	}
	out := strings.Join(s, "; ") + "."
	return strings.ToUpper(out[:1]) + out[1:]
}

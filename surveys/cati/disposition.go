// Package cati is the core of telephone interviewing: AAPOR disposition
// codes and outcome rates, the call-scheduling policy, mainland mobile
// numbers, random digit dialling and sample files, the encryption and
// keyed hashing of numbers, and quota cells. It is pure: no database, no
// network and no clock; every function that needs the time takes it.
package cati

import "strings"

// Category is the AAPOR group a disposition counts in for the outcome rates.
type Category string

// AAPOR disposition groups.
const (
	Complete         Category = "I"  // 1.1
	Partial          Category = "P"  // 1.2
	Refusal          Category = "R"  // 2.1x refusal and break-off
	NonContact       Category = "NC" // 2.2x
	OtherEligible    Category = "O"  // 2.3x
	UnknownHousehold Category = "UH" // 3.1x unknown if a working personal number
	UnknownOther     Category = "UO" // 3.2x, 3.9x unknown if an eligible respondent
	NotEligible      Category = "NE" // 4.x
)

// Codes the scheduler and the store treat specially.
const (
	CodeComplete     = "1.1"
	CodeNeverAvail   = "2.21" // what an appointment never kept closes as
	CodeNotAttempted = "3.11"
	CodeQuotaFilled  = "4.8"
	CodeAppointment  = "appointment"
)

// Disposition is an outcome an interviewer records for a call, or the
// disposition a case closes with.
type Disposition struct {
	Code     string   `json:"code"`
	Zh       string   `json:"label_zh"`
	En       string   `json:"label_en"`
	Category Category `json:"category"`
	// Final closes the case: it is never called again. A temporary outcome
	// puts it back in the queue, and when the case runs out of attempts it
	// closes with Closes (the outcome's own code unless set).
	Final bool `json:"final"`
	// Closes is the final code a temporary outcome becomes when the case is
	// closed on it; empty means the outcome's own code.
	Closes string `json:"closes,omitempty"`
	// Internal dispositions are never recorded by an interviewer; they
	// describe cases that were never dialled.
	Internal bool `json:"internal,omitempty"`
}

// dispositions is the telephone subset of AAPOR's Table 1 ("Final
// disposition codes for RDD telephone surveys") in Standard Definitions:
// Final Dispositions of Case Codes and Outcome Rates for Surveys, 9th
// edition (AAPOR, 2016). AAPOR writes the not-eligible codes with two
// decimals (4.10, 4.20 …); the API uses one (4.1, 4.2 …) and Lookup takes
// both. Mobile numbers reach a person, not a household, so "household"
// reads "number" here. It is never modified.
var dispositions = [...]Disposition{
	{Code: "1.1", Zh: "完成访问", En: "complete interview", Category: Complete, Final: true},
	{Code: "1.2", Zh: "部分完成", En: "partial interview", Category: Partial, Final: true},
	{Code: "2.11", Zh: "拒访", En: "refusal", Category: Refusal, Final: true},
	{Code: "2.12", Zh: "中途终止", En: "break-off", Category: Refusal, Final: true},
	{Code: "2.20", Zh: "未接触到受访者", En: "non-contact", Category: NonContact},
	{Code: "2.21", Zh: "受访者始终不方便", En: "respondent never available", Category: NonContact},
	{Code: "2.22", Zh: "语音信箱（确认为合格受访者）", En: "answering machine, eligible respondent confirmed", Category: NonContact},
	{Code: "2.30", Zh: "其他原因未访（合格）", En: "other, eligible", Category: OtherEligible, Final: true},
	{Code: "2.32", Zh: "身体或精神原因无法受访", En: "physically or mentally unable", Category: OtherEligible, Final: true},
	{Code: "2.33", Zh: "语言障碍", En: "language barrier", Category: OtherEligible, Final: true},
	{Code: "3.11", Zh: "未拨打", En: "not attempted", Category: UnknownHousehold, Internal: true},
	{Code: "3.12", Zh: "忙音", En: "busy", Category: UnknownHousehold},
	{Code: "3.13", Zh: "无人接听", En: "no answer", Category: UnknownHousehold},
	{Code: "3.14", Zh: "语音信箱（未知是否合格）", En: "answering machine, eligibility unknown", Category: UnknownHousehold},
	{Code: "3.15", Zh: "来电被拦截", En: "call blocking", Category: UnknownHousehold},
	{Code: "3.16", Zh: "线路技术故障", En: "technical phone problems", Category: UnknownHousehold},
	{Code: "3.20", Zh: "已接通，未知是否合格", En: "unknown if eligible respondent", Category: UnknownOther},
	{Code: "3.21", Zh: "未完成甄别", En: "no screener completed", Category: UnknownOther},
	{Code: "3.90", Zh: "其他（未知是否合格）", En: "other, eligibility unknown", Category: UnknownOther},
	{Code: "4.1", Zh: "不在调查范围", En: "out of sample", Category: NotEligible, Final: true},
	{Code: "4.2", Zh: "传真或数据线路", En: "fax/data line", Category: NotEligible, Final: true},
	{Code: "4.3", Zh: "空号或停机", En: "non-working/disconnected number", Category: NotEligible, Final: true},
	{Code: "4.7", Zh: "无合格受访者", En: "no eligible respondent", Category: NotEligible, Final: true},
	{Code: "4.8", Zh: "配额已满", En: "quota filled", Category: NotEligible, Final: true},
	// A callback the respondent asked for: AAPOR's 2.21 when never kept.
	{Code: "appointment", Zh: "预约回访", En: "appointment (callback)", Category: NonContact, Closes: "2.21"},
}

// Dispositions lists the dispositions in code order, appointment last.
func Dispositions() []Disposition {
	out := make([]Disposition, len(dispositions))
	copy(out, dispositions[:])
	return out
}

// Lookup finds a disposition by code. It also takes AAPOR's two-decimal
// spelling of the codes written with one ("4.30" for "4.3", "1.10" for
// "1.1") and the one-decimal spelling of those written with two ("2.2" for
// "2.20").
func Lookup(code string) (Disposition, bool) {
	code = strings.TrimSpace(code)
	tries := []string{code}
	switch {
	case len(code) == 4 && code[1] == '.' && code[3] == '0':
		tries = append(tries, code[:3])
	case len(code) == 3 && code[1] == '.':
		tries = append(tries, code+"0")
	}
	for _, c := range tries {
		for _, d := range dispositions {
			if d.Code == c {
				return d, true
			}
		}
	}
	return Disposition{}, false
}

// ClosingCode is the final code of a temporary disposition when its case
// is closed on it, and a final disposition's own code.
func (d Disposition) ClosingCode() string {
	if d.Closes != "" {
		return d.Closes
	}
	return d.Code
}

package questionnaire

import (
	"fmt"
	"strings"
)

// Bounds of the retention period, in days after the survey closes.
const (
	DefaultRetentionDays = 30
	MinRetentionDays     = 1
	MaxRetentionDays     = 3650
	maxPurposeLength     = 500
)

// Privacy is what residents are told before the first question when the
// survey collects a phone number or a WeChat openid (个人信息保护法 第十七条):
// who collects it, why, and how long identifying data is kept after the
// survey closes. Unset fields take defaults (see Definition.PrivacyNotice).
type Privacy struct {
	// Collector is the body that collects the data (个人信息处理者); empty
	// falls back to the report's issuer, then the legal marks' 制表机关.
	Collector string `json:"collector,omitempty"`
	// Purpose says why the data is collected; empty = counting each
	// resident once.
	Purpose string `json:"purpose,omitempty"`
	// RetentionDays is how many days after the survey closes encrypted
	// numbers and other identifying data are purged (0 =
	// DefaultRetentionDays; MinRetentionDays..MaxRetentionDays).
	RetentionDays int `json:"retention_days,omitempty"`
}

// Text is a sentence in Chinese with its English.
type Text struct {
	Zh string `json:"zh"`
	En string `json:"en,omitempty"`
}

// PrivacyNotice is the privacy notice as residents read it, every default
// resolved: the respondent page shows it and the survey JSON carries it.
type PrivacyNotice struct {
	// Collector is "" when the definition names none; pages then say
	// 本调查的组织单位 (the survey's organiser).
	Collector     string `json:"collector"`
	Collects      Text   `json:"collects"`
	Purpose       Text   `json:"purpose"`
	Protection    Text   `json:"protection"`
	RetentionDays int    `json:"retention_days"`
	Retention     Text   `json:"retention"`
}

// CollectsIdentity reports whether answering the survey ties the answer to
// a phone number or a WeChat openid (dedup mode phone or wechat): residents
// must then be told before the first question, and identifying data is
// purged after the survey.
func (d *Definition) CollectsIdentity() bool {
	return d.Dedup == DedupPhone || d.Dedup == DedupWeChat
}

// RetentionDays is how many days after the survey closes its identifying
// data is kept.
func (d *Definition) RetentionDays() int {
	if d.Privacy == nil || d.Privacy.RetentionDays == 0 {
		return DefaultRetentionDays
	}
	return d.Privacy.RetentionDays
}

// Collector is who collects the residents' data: the privacy block's
// collector, else the report's issuer, else the legal marks' 制表机关, else "".
func (d *Definition) Collector() string {
	for _, s := range []string{d.privacyCollector(), d.reportIssuer(), d.legalIssuer()} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func (d *Definition) privacyCollector() string {
	if d.Privacy == nil {
		return ""
	}
	return d.Privacy.Collector
}

func (d *Definition) reportIssuer() string {
	if d.Report == nil {
		return ""
	}
	return d.Report.Issuer
}

func (d *Definition) legalIssuer() string {
	if d.Legal == nil {
		return ""
	}
	return d.Legal.Issuer
}

// PrivacyNotice returns the privacy notice of the survey, or nil when it collects no
// phone number or openid and sets no privacy block (a token survey whose
// invitations go out by SMS sets one, so that its residents are told too).
func (d *Definition) PrivacyNotice() *PrivacyNotice {
	if !d.CollectsIdentity() && d.Privacy == nil {
		return nil
	}
	n := d.notice(Text{"只用于确认每人只回答一次，不用于其他目的", "only to make sure each person answers once, for nothing else"})
	switch d.Dedup {
	case DedupPhone:
		n.Collects = Text{"您的手机号码", "your mobile number"}
	case DedupWeChat:
		n.Collects = Text{"您的微信用户标识（openid），不含昵称、头像", "your WeChat user ID (openid), not your name or picture"}
	default:
		n.Collects = Text{"您的手机号码（用于发送邀请）", "your mobile number (to send the invitation)"}
	}
	n.Protection = Text{
		"只以加密形式或无法还原的密钥散列（HMAC）保存，与您的答案分开，不对外提供；验证码只保存散列",
		"kept only encrypted or as a keyed hash (HMAC) that cannot be turned back into it, apart from your answers, never shared; codes are kept only as hashes",
	}
	return n
}

// TelephoneNotice is the notice the interviewer reads out before the first
// question of a telephone interview: every telephone sample is a list of
// numbers, so every survey has one.
func (d *Definition) TelephoneNotice() *PrivacyNotice {
	n := d.notice(Text{"只用于本次调查的电话访问，不用于其他目的", "only to call you for this survey, for nothing else"})
	n.Collects = Text{"您的电话号码（来自本调查的抽样名单）", "your phone number (from this survey's sample)"}
	n.Protection = Text{
		"加密保存，只在访问员拨打时显示，与您的答案分开，不对外提供",
		"kept encrypted, shown only to the interviewer calling, apart from your answers, never shared",
	}
	return n
}

// notice is the part of a notice every channel shares: the collector, the
// purpose (the privacy block's, else def) and the retention.
func (d *Definition) notice(def Text) *PrivacyNotice {
	n := &PrivacyNotice{Collector: d.Collector(), Purpose: def, RetentionDays: d.RetentionDays()}
	if d.Privacy != nil && strings.TrimSpace(d.Privacy.Purpose) != "" {
		n.Purpose = Text{Zh: strings.TrimSpace(d.Privacy.Purpose)}
	}
	n.Retention = Text{
		fmt.Sprintf("调查结束后%d天删除加密号码等可识别信息，只保留确认不重复作答所需的散列", n.RetentionDays),
		fmt.Sprintf("identifying data such as encrypted numbers is deleted %d days after the survey closes; only the hash needed to count each person once is kept", n.RetentionDays),
	}
	return n
}

// validatePrivacy checks the privacy block.
func (d *Definition) validatePrivacy(c *checker) {
	p := d.Privacy
	if p == nil {
		return
	}
	c.text("privacy.collector", p.Collector, false, maxNameLength)
	c.text("privacy.purpose", p.Purpose, false, maxPurposeLength)
	if n := p.RetentionDays; n != 0 && (n < MinRetentionDays || n > MaxRetentionDays) {
		c.add("privacy.retention_days", "须为0（默认%d天）或%d-%d天 must be 0 (default %d days) or %d-%d days",
			DefaultRetentionDays, MinRetentionDays, MaxRetentionDays, DefaultRetentionDays, MinRetentionDays, MaxRetentionDays)
	}
}

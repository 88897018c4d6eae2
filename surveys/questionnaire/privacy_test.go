package questionnaire_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/questionnaire"
)

func TestPrivacyValidBounds(t *testing.T) {
	for _, days := range []int{0, questionnaire.MinRetentionDays, 90, questionnaire.MaxRetentionDays} {
		d := smallDefinition()
		d.Dedup = questionnaire.DedupPhone
		d.Privacy = &questionnaire.Privacy{Collector: "某市统计局", Purpose: "确认每人只答一次", RetentionDays: days}
		if err := d.Validate(); err != nil {
			t.Errorf("retention_days %d: %v", days, err)
		}
	}
}

func TestPrivacyRoundTripJSON(t *testing.T) {
	var d questionnaire.Definition
	if err := json.Unmarshal([]byte(`{"privacy": {"collector": "市统计局", "purpose": "p", "retention_days": 45}}`), &d); err != nil {
		t.Fatal(err)
	}
	if d.Privacy == nil || d.Privacy.Collector != "市统计局" || d.Privacy.Purpose != "p" || d.RetentionDays() != 45 {
		t.Errorf("privacy = %+v, retention %d", d.Privacy, d.RetentionDays())
	}
}

func TestPrivacyNotice(t *testing.T) {
	tests := []struct {
		name          string
		mutate        func(d *questionnaire.Definition)
		want          bool // a notice is shown
		collector     string
		retention     int
		purposeHas    string
		collectsHasEn string
	}{
		{"device mode without a privacy block: none", func(d *questionnaire.Definition) {}, false, "", 0, "", ""},
		{"token mode without a privacy block: none", func(d *questionnaire.Definition) { d.Dedup = questionnaire.DedupToken }, false, "", 0, "", ""},
		{"phone mode: defaults, the legal issuer",
			func(d *questionnaire.Definition) {
				d.Dedup = questionnaire.DedupPhone
				d.Legal = &questionnaire.LegalMarks{Issuer: "市统计局"}
			}, true, "市统计局", 30, "只回答一次", "mobile number"},
		{"phone mode: the report issuer before the legal marks'",
			func(d *questionnaire.Definition) {
				d.Dedup = questionnaire.DedupPhone
				d.Legal = &questionnaire.LegalMarks{Issuer: "市统计局"}
				d.Report = &questionnaire.ReportOptions{Issuer: "市人民政府办公室"}
			}, true, "市人民政府办公室", 30, "只回答一次", "mobile number"},
		{"wechat mode: the privacy block's collector, purpose and retention",
			func(d *questionnaire.Definition) {
				d.Dedup = "wechat"
				d.Report = &questionnaire.ReportOptions{Issuer: "市人民政府办公室"}
				d.Privacy = &questionnaire.Privacy{Collector: " 市统计局社情民意调查中心 ", Purpose: "用于核实每位居民只参与一次", RetentionDays: 7}
			}, true, "市统计局社情民意调查中心", 7, "核实每位居民", "WeChat"},
		{"no issuer anywhere: the organiser",
			func(d *questionnaire.Definition) { d.Dedup = questionnaire.DedupPhone }, true, "", 30, "只回答一次", "mobile"},
		{"token mode with a privacy block (SMS invitations)",
			func(d *questionnaire.Definition) {
				d.Dedup = questionnaire.DedupToken
				d.Privacy = &questionnaire.Privacy{RetentionDays: 60}
			}, true, "", 60, "只回答一次", "invitation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := smallDefinition()
			tt.mutate(d)
			n := d.PrivacyNotice()
			if (n != nil) != tt.want {
				t.Fatalf("notice = %+v, want shown %t", n, tt.want)
			}
			if n == nil {
				return
			}
			if n.Collector != tt.collector || n.RetentionDays != tt.retention {
				t.Errorf("collector %q, retention %d; want %q, %d", n.Collector, n.RetentionDays, tt.collector, tt.retention)
			}
			if !strings.Contains(n.Purpose.Zh, tt.purposeHas) || !strings.Contains(n.Collects.En, tt.collectsHasEn) {
				t.Errorf("purpose %q, collects %q", n.Purpose.Zh, n.Collects.En)
			}
			for _, s := range []questionnaire.Text{n.Collects, n.Protection, n.Retention} {
				if s.Zh == "" || s.En == "" {
					t.Errorf("a text lacks Chinese or English: %+v", s)
				}
			}
			if days := strings.Contains(n.Retention.Zh, strconv.Itoa(tt.retention)+"天"); !days {
				t.Errorf("retention text %q does not say %d days", n.Retention.Zh, tt.retention)
			}
		})
	}
}

package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/handlers"
	"github.com/minyi-survey/minyi/surveys/dedup"
	"github.com/minyi-survey/minyi/surveys/live"
	"github.com/minyi-survey/minyi/surveys/questionnaire"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// TestPrivacyNoticeShown: a phone survey's page shows the notice before
// the first question (and before the number is asked for), with the
// collector, purpose, protection and retention, in Chinese and English;
// its JSON carries the same notice; a device survey shows none.
func TestPrivacyNoticeShown(t *testing.T) {
	in := start(t, surveystest.SQLite(t), dedup.NewMemory(), live.NewMemory(), handlers.Config{})
	modeSurvey(t, in, phoneSlug, questionnaire.DedupPhone)

	page := get(t, http.DefaultClient, in.URL+"/s/"+phoneSlug)
	if page.Status != http.StatusOK {
		t.Fatalf("page: %d", page.Status)
	}
	html := string(page.Raw)
	notice := strings.Index(html, `id="privacy-notice"`)
	phone := strings.Index(html, `id="card-phone"`)
	first := strings.Index(html, `class="card area"`)
	if notice < 0 || phone < 0 || first < 0 || notice > phone || notice > first {
		t.Fatalf("notice at %d, phone card at %d, first area at %d: the notice must come first", notice, phone, first)
	}
	block := html[notice:phone]
	for _, want := range []string{"个人信息告知", "Personal information notice", "市统计局", // the legal marks' issuer of social-2022
		"只用于确认每人只回答一次", "加密", "HMAC", "调查结束后30天", "30 days after the survey closes", `data-days="30"`} {
		if !strings.Contains(block, want) {
			t.Errorf("the notice lacks %q:\n%s", want, block)
		}
	}

	js := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+phoneSlug)
	n, ok := js.Body["privacy_notice"].(map[string]any)
	if js.Status != http.StatusOK || !ok {
		t.Fatalf("survey JSON: %d, privacy_notice %v", js.Status, js.Body["privacy_notice"])
	}
	if n["collector"] != "市统计局" || n["retention_days"] != float64(30) {
		t.Errorf("privacy_notice = %v", n)
	}
	for _, k := range []string{"collects", "purpose", "protection", "retention"} {
		if s, _ := n[k].(map[string]any)["zh"].(string); s == "" {
			t.Errorf("privacy_notice.%s has no text: %v", k, n[k])
		}
	}

	// The demo survey (device mode) collects neither: no notice.
	plain := get(t, http.DefaultClient, in.URL+"/s/"+slug)
	if strings.Contains(string(plain.Raw), "privacy-notice") {
		t.Error("a device survey's page shows the privacy notice")
	}
	if _, ok := get(t, http.DefaultClient, in.URL+"/api/v1/surveys/"+slug).Body["privacy_notice"]; ok {
		t.Error("a device survey's JSON carries a privacy notice")
	}
}

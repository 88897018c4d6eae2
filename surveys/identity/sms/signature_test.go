package sms_test

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/sms/smstest"
)

// The example of Alibaba Cloud's signature documentation (DescribeRegions,
// AccessKey testid / testsecret): its signature, CT9X0VtwR86fNWSnsc6v8YGOjuE=,
// is the one shown in every RPC signature page's sample URL.
func TestAliyunSignatureDocumentedExample(t *testing.T) {
	params := url.Values{}
	for k, v := range map[string]string{
		"TimeStamp":        "2016-02-23T12:46:24Z",
		"Format":           "XML",
		"AccessKeyId":      "testid",
		"Action":           "DescribeRegions",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
		"Version":          "2014-05-26",
		"SignatureVersion": "1.0",
	} {
		params.Set(k, v)
	}
	const want = "CT9X0VtwR86fNWSnsc6v8YGOjuE="
	signers := map[string]func(string, url.Values, string) string{
		"provider": sms.AliyunSignature,
		"fake":     smstest.AliyunSign,
	}
	for name, sign := range signers {
		t.Run(name, func(t *testing.T) {
			if got := sign("GET", params, "testsecret"); got != want {
				t.Fatalf("signature = %s, want the documented %s", got, want)
			}
		})
	}
}

// The example of Tencent Cloud's signature v3 documentation (CVM
// DescribeInstances, SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE,
// timestamp 1551113065), with its published Authorization header.
func TestTC3DocumentedExample(t *testing.T) {
	const (
		id      = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
		key     = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
		payload = `{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`
		sig     = "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
		want    = "TC3-HMAC-SHA256 Credential=" + id + "/2019-02-25/cvm/tc3_request, SignedHeaders=content-type;host, Signature=" + sig
	)
	t.Run("provider", func(t *testing.T) {
		got := sms.TC3Authorization(id, key, sms.TC3Request{
			Method:    "POST",
			Headers:   map[string]string{"Content-Type": "application/json; charset=utf-8", "Host": "cvm.tencentcloudapi.com"},
			Payload:   []byte(payload),
			Service:   "cvm",
			Timestamp: 1551113065,
		})
		if got != want {
			t.Fatalf("Authorization =\n%s\nwant the documented\n%s", got, want)
		}
	})
	t.Run("fake", func(t *testing.T) {
		r := httptest.NewRequest("POST", "https://cvm.tencentcloudapi.com/", strings.NewReader(payload))
		r.Header.Set("Content-Type", "application/json; charset=utf-8")
		got := smstest.TC3Sign(key, r, []string{"content-type", "host"}, []byte(payload), 1551113065, "cvm")
		if got != sig {
			t.Fatalf("signature = %s, want the documented %s", got, sig)
		}
	})
}

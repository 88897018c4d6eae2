package smstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity/sms"
)

// Aliyun is a fake of Alibaba Cloud SMS (dysmsapi) SendSms.
type Aliyun struct {
	*fake
}

// NewAliyun starts a fake Alibaba Cloud SMS endpoint, stopped at cleanup.
func NewAliyun(t testing.TB) *Aliyun {
	t.Helper()
	f := &Aliyun{fake: newFake(t)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// Settings are provider settings pointing at the fake.
func (f *Aliyun) Settings() sms.Settings {
	return sms.Settings{
		Provider: sms.ProviderAliyun, KeyID: AliyunKeyID, KeySecret: AliyunKeySecret,
		SignName: SignName, Endpoint: f.URL(),
		Templates: map[sms.Template]string{sms.OTP: AliyunTemplate, sms.Invitation: "SMS_154950910", sms.Reminder: "SMS_154950911"},
	}
}

var aliyunTemplateCode = regexp.MustCompile(`^SMS_[0-9]+$`)
var mainlandNumber = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// serve checks a SendSms request as the service does, in its order:
// credentials and signature first, then the call's parameters.
func (f *Aliyun) serve(w http.ResponseWriter, r *http.Request) {
	now := f.begin()
	q := r.URL.Query()
	fail := func(status int, code, msg string) { writeAliyun(w, status, code, msg, "") }
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		fail(http.StatusBadRequest, "UnsupportedHTTPMethod", "This http method is not supported.")
		return
	}
	if q.Get("AccessKeyId") != AliyunKeyID {
		fail(http.StatusNotFound, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
		return
	}
	if q.Get("SignatureMethod") != "HMAC-SHA1" || q.Get("SignatureVersion") != "1.0" || q.Get("Signature") == "" {
		fail(http.StatusBadRequest, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
		return
	}
	if !hmac.Equal([]byte(q.Get("Signature")), []byte(AliyunSign(r.Method, q, AliyunKeySecret))) {
		fail(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
		return
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", q.Get("Timestamp"))
	if err != nil || ts.Sub(now).Abs() > 15*time.Minute {
		fail(http.StatusBadRequest, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.")
		return
	}
	if nonce := q.Get("SignatureNonce"); nonce == "" || !f.useNonce(nonce) {
		fail(http.StatusBadRequest, "SignatureNonceUsed", "Specified signature nonce was used already.")
		return
	}
	if q.Get("Action") != "SendSms" || q.Get("Version") != "2017-05-25" {
		fail(http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
		return
	}
	if q.Get("Format") != "JSON" || q.Get("RegionId") == "" {
		fail(http.StatusBadRequest, "MissingParameter", "Format=JSON and RegionId are expected.")
		return
	}
	if rep, ok := f.popReply(); ok {
		writeAliyun(w, rep.status, rep.code, rep.msg, rep.raw)
		return
	}
	if !mainlandNumber.MatchString(q.Get("PhoneNumbers")) {
		fail(http.StatusOK, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
		return
	}
	if q.Get("SignName") != SignName {
		fail(http.StatusOK, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
		return
	}
	if !aliyunTemplateCode.MatchString(q.Get("TemplateCode")) {
		fail(http.StatusOK, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
		return
	}
	params := map[string]string{}
	if tp := q.Get("TemplateParam"); tp != "" && json.Unmarshal([]byte(tp), &params) != nil {
		fail(http.StatusOK, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
		return
	}
	id := f.deliver(Sent{Phone: q.Get("PhoneNumbers"), SignName: q.Get("SignName"), Template: q.Get("TemplateCode"), Params: params})
	writeJSON(w, http.StatusOK, map[string]string{"Code": "OK", "Message": "OK", "BizId": id + "^0", "RequestId": randomHex(16)})
}

// writeAliyun answers an error as the service does: isv.* business errors
// with 200, the rest with their own status.
func writeAliyun(w http.ResponseWriter, status int, code, msg, raw string) {
	if raw != "" {
		w.WriteHeader(status)
		_, _ = w.Write([]byte(raw))
		return
	}
	if status == 0 {
		switch {
		case strings.HasPrefix(code, "isv.") || strings.HasPrefix(code, "isp."):
			status = http.StatusOK
		case code == "ServiceUnavailable":
			status = http.StatusServiceUnavailable
		case code == "InternalError":
			status = http.StatusInternalServerError
		case strings.HasPrefix(code, "InvalidAccessKeyId"):
			status = http.StatusNotFound
		default:
			status = http.StatusBadRequest
		}
	}
	writeJSON(w, status, map[string]string{"Code": code, "Message": msg, "RequestId": randomHex(16),
		"Recommend": "https://api.aliyun.com/troubleshoot?q=" + url.QueryEscape(code)})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// AliyunSign computes the RPC signature as Alibaba Cloud's documentation
// spells it out: encode each name and value with URL encoding, then "+" →
// "%20", "*" → "%2A", "%7E" → "~"; sort; join with & and =; sign
// method&%2F&encode(joined) with HMAC-SHA1 keyed by secret + "&"; Base64.
func AliyunSign(method string, q url.Values, secret string) string {
	enc := func(s string) string {
		return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(url.QueryEscape(s))
	}
	var names []string
	for k, vs := range q {
		if k != "Signature" && len(vs) > 0 {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, k := range names {
		pairs[i] = enc(k) + "=" + enc(q.Get(k))
	}
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(method + "&" + enc("/") + "&" + enc(strings.Join(pairs, "&"))))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

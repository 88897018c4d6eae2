package smstest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity/sms"
)

// Tencent is a fake of Tencent Cloud SMS (API 3.0, version 2021-01-11) SendSms.
type Tencent struct {
	*fake
}

// NewTencent starts a fake Tencent Cloud SMS endpoint, stopped at cleanup.
func NewTencent(t testing.TB) *Tencent {
	t.Helper()
	f := &Tencent{fake: newFake(t)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// Settings are provider settings pointing at the fake.
func (f *Tencent) Settings() sms.Settings {
	return sms.Settings{
		Provider: sms.ProviderTencent, KeyID: TencentSecretID, KeySecret: TencentSecretKey,
		AppID: TencentAppID, SignName: SignName, Endpoint: f.URL(),
		Templates: map[sms.Template]string{sms.OTP: TencentTemplate, sms.Invitation: "1111", sms.Reminder: "1112"},
	}
}

var tc3Header = regexp.MustCompile(`^TC3-HMAC-SHA256 Credential=([^/]+)/([0-9]{4}-[0-9]{2}-[0-9]{2})/([a-z]+)/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// perNumber are the codes Tencent reports per number in SendStatusSet
// rather than as the request's Error.
func perNumber(code string) bool {
	return strings.HasPrefix(code, "LimitExceeded.PhoneNumber") && code != "LimitExceeded.PhoneNumberCountLimit" ||
		code == "InvalidParameterValue.IncorrectPhoneNumber" || code == "FailedOperation.PhoneNumberInBlacklist"
}

// serve checks a SendSms request as the service does: the signature first,
// then the call's parameters.
func (f *Tencent) serve(w http.ResponseWriter, r *http.Request) {
	now := f.begin()
	fail := func(code, msg string) { writeTencentError(w, code, msg) }
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || r.Method != http.MethodPost {
		fail("InvalidParameter", "expected a POST with a JSON body")
		return
	}
	m := tc3Header.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		fail("AuthFailure.InvalidAuthorization", "Authorization header format error.")
		return
	}
	id, date, service, signedHeaders, signature := m[1], m[2], m[3], m[4], m[5]
	if id != TencentSecretID {
		fail("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure that your SecretId is correct.")
		return
	}
	ts, err := strconv.ParseInt(r.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil || now.Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		fail("AuthFailure.SignatureExpire", "Signature expired. Timestamp and server time cannot differ by more than 5 minutes.")
		return
	}
	names := strings.Split(signedHeaders, ";")
	if !contains(names, "content-type") || !contains(names, "host") ||
		date != time.Unix(ts, 0).UTC().Format("2006-01-02") || service != "sms" ||
		!hmac.Equal([]byte(signature), []byte(TC3Sign(TencentSecretKey, r, names, body, ts, service))) {
		fail("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.")
		return
	}
	switch {
	case r.Header.Get("X-TC-Action") != "SendSms":
		fail("InvalidAction", "The requested action does not exist.")
		return
	case r.Header.Get("X-TC-Version") != "2021-01-11":
		fail("NoSuchVersion", "The requested version does not exist.")
		return
	case r.Header.Get("X-TC-Region") == "":
		fail("MissingParameter", "The Region parameter is required.")
		return
	}
	var in struct {
		PhoneNumberSet   []string `json:"PhoneNumberSet"`
		SmsSdkAppID      string   `json:"SmsSdkAppId"`
		SignName         string   `json:"SignName"`
		TemplateID       string   `json:"TemplateId"`
		TemplateParamSet []string `json:"TemplateParamSet"`
	}
	if json.Unmarshal(body, &in) != nil || len(in.PhoneNumberSet) == 0 {
		fail("InvalidParameter", "The request body is not valid JSON or has no PhoneNumberSet.")
		return
	}
	if len(in.PhoneNumberSet) > 200 {
		fail("LimitExceeded.PhoneNumberCountLimit", "The number of phone numbers exceeds 200.")
		return
	}
	if in.SmsSdkAppID != TencentAppID {
		fail("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verification failed.")
		return
	}
	if rep, ok := f.popReply(); ok {
		switch {
		case rep.raw != "":
			w.WriteHeader(rep.status)
			_, _ = w.Write([]byte(rep.raw))
		case perNumber(rep.code):
			writeTencentStatus(w, in.PhoneNumberSet[0], "", rep.code, rep.msg)
		default:
			fail(rep.code, rep.msg)
		}
		return
	}
	if in.SignName != SignName {
		fail("FailedOperation.SignatureIncorrectOrUnapproved", "The signature is not approved or its format is incorrect.")
		return
	}
	if _, err := strconv.Atoi(in.TemplateID); err != nil {
		fail("FailedOperation.TemplateIncorrectOrUnapproved", "The template is not approved or its content is incorrect.")
		return
	}
	phone := in.PhoneNumberSet[0]
	local := strings.TrimPrefix(phone, "+86")
	if local == phone || !mainlandNumber.MatchString(local) {
		writeTencentStatus(w, phone, "", "InvalidParameterValue.IncorrectPhoneNumber", "incorrect phone number")
		return
	}
	params := map[string]string{}
	for i, v := range in.TemplateParamSet {
		params[strconv.Itoa(i+1)] = v
	}
	serial := f.deliver(Sent{Phone: local, SignName: in.SignName, Template: in.TemplateID, Params: params})
	writeTencentStatus(w, phone, "2028:"+serial, "Ok", "send success")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func writeTencentError(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{"Response": map[string]any{
		"Error": map[string]string{"Code": code, "Message": msg}, "RequestId": randomHex(16),
	}})
}

func writeTencentStatus(w http.ResponseWriter, phone, serial, code, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{"Response": map[string]any{
		"SendStatusSet": []map[string]any{{
			"SerialNo": serial, "PhoneNumber": phone, "Fee": 1, "SessionContext": "",
			"Code": code, "Message": msg, "IsoCode": "CN",
		}},
		"RequestId": randomHex(16),
	}})
}

// TC3Sign recomputes a TC3-HMAC-SHA256 signature from the request as
// received, following Tencent Cloud's signature v3 documentation step by
// step: CanonicalRequest, StringToSign, the derived key, the signature.
func TC3Sign(secretKey string, r *http.Request, signedHeaders []string, body []byte, ts int64, service string) string {
	var canonicalHeaders strings.Builder
	for _, name := range signedHeaders {
		v := r.Header.Get(name)
		if name == "host" {
			v = r.Host
		}
		fmt.Fprintf(&canonicalHeaders, "%s:%s\n", name, strings.ToLower(strings.TrimSpace(v)))
	}
	payloadHash := sha256.Sum256(body)
	canonicalRequest := r.Method + "\n" + "/" + "\n" + r.URL.RawQuery + "\n" +
		canonicalHeaders.String() + "\n" + strings.Join(signedHeaders, ";") + "\n" + hex.EncodeToString(payloadHash[:])

	date := time.Unix(ts, 0).UTC().Format("2006-01-02")
	requestHash := sha256.Sum256([]byte(canonicalRequest))
	stringToSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(ts, 10) + "\n" +
		date + "/" + service + "/tc3_request\n" + hex.EncodeToString(requestHash[:])

	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	secretDate := mac([]byte("TC3"+secretKey), date)
	secretService := mac(secretDate, service)
	secretSigning := mac(secretService, "tc3_request")
	return hex.EncodeToString(mac(secretSigning, stringToSign))
}

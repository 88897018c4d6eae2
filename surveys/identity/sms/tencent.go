package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Tencent Cloud SMS (API 3.0) constants.
const (
	tencentEndpoint = "https://sms.tencentcloudapi.com/"
	tencentVersion  = "2021-01-11"
	tencentRegion   = "ap-guangzhou"
	tencentService  = "sms"
	tencentJSON     = "application/json; charset=utf-8"
)

// tencent sends through Tencent Cloud SMS SendSms, signed with
// TC3-HMAC-SHA256.
type tencent struct {
	s    Settings
	o    Options
	url  string
	host string
}

func newTencent(s Settings, o Options) *tencent {
	base := s.Endpoint
	if base == "" {
		base = tencentEndpoint
	}
	if s.Region == "" {
		s.Region = tencentRegion
	}
	u, _ := url.Parse(base) // Validate checked it
	return &tencent{s: s, o: o, url: strings.TrimRight(base, "/") + "/", host: u.Host}
}

// Name implements Provider.
func (t *tencent) Name() string { return ProviderTencent }

type tencentRequest struct {
	PhoneNumberSet   []string `json:"PhoneNumberSet"`
	SmsSdkAppID      string   `json:"SmsSdkAppId"`
	SignName         string   `json:"SignName"`
	TemplateID       string   `json:"TemplateId"`
	TemplateParamSet []string `json:"TemplateParamSet,omitempty"`
}

type tencentReply struct {
	Response struct {
		Error *struct {
			Code    string `json:"Code"`
			Message string `json:"Message"`
		} `json:"Error"`
		SendStatusSet []struct {
			SerialNo    string `json:"SerialNo"`
			PhoneNumber string `json:"PhoneNumber"`
			Code        string `json:"Code"`
			Message     string `json:"Message"`
		} `json:"SendStatusSet"`
		RequestID string `json:"RequestId"`
	} `json:"Response"`
}

// Send implements Provider.
func (t *tencent) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := checkMessage(ProviderTencent, m); err != nil {
		return Receipt{}, err
	}
	tpl := t.s.Templates[m.Template]
	if tpl == "" {
		return Receipt{}, &Error{Provider: ProviderTencent, Kind: Rejected, Code: "local",
			Message: fmt.Sprintf("no template configured for %q", m.Template)}
	}
	in := tencentRequest{
		PhoneNumberSet: []string{"+86" + m.Phone},
		SmsSdkAppID:    t.s.AppID,
		SignName:       t.s.SignName,
		TemplateID:     tpl,
	}
	for _, p := range m.Params {
		in.TemplateParamSet = append(in.TemplateParamSet, p.Value)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		return Receipt{}, fmt.Errorf("sms: tencent: %w", err)
	}
	ts := t.o.Now().Unix()
	signed := map[string]string{"content-type": tencentJSON, "host": t.host, "x-tc-action": "SendSms"}
	auth := TC3Authorization(t.s.KeyID, t.s.KeySecret, TC3Request{
		Method: http.MethodPost, Headers: signed, Payload: payload, Service: tencentService, Timestamp: ts,
	})

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(payload))
	if err != nil {
		return Receipt{}, transportError(ProviderTencent, err)
	}
	req.Host = t.host
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", tencentJSON)
	req.Header.Set("X-TC-Action", "SendSms")
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-TC-Version", tencentVersion)
	req.Header.Set("X-TC-Region", t.s.Region)
	resp, err := t.o.HTTP.Do(req)
	if err != nil {
		return Receipt{}, transportError(ProviderTencent, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Receipt{}, transportError(ProviderTencent, err)
	}
	var r tencentReply
	if json.Unmarshal(body, &r) != nil || (r.Response.Error == nil && len(r.Response.SendStatusSet) == 0) {
		return Receipt{}, &Error{Provider: ProviderTencent, Kind: Unavailable, Code: "bad_reply",
			Message: snippet(body), Status: resp.StatusCode}
	}
	code, msg := "", ""
	if e := r.Response.Error; e != nil {
		code, msg = e.Code, e.Message
	} else if st := r.Response.SendStatusSet[0]; !strings.EqualFold(st.Code, "Ok") {
		code, msg = st.Code, st.Message
	} else if resp.StatusCode == http.StatusOK {
		return Receipt{ID: st.SerialNo}, nil
	}
	kind, retry := tencentKind(code, resp.StatusCode)
	return Receipt{}, &Error{Provider: ProviderTencent, Kind: kind, Code: code, Message: msg,
		Status: resp.StatusCode, RetryAfter: retry}
}

// tencentKind classifies a Tencent Cloud error code (the SMS product's and
// the common API 3.0 ones).
func tencentKind(code string, status int) (Kind, time.Duration) {
	switch code {
	case "LimitExceeded.PhoneNumberThirtySecondLimit":
		return Throttled, 30 * time.Second
	case "LimitExceeded.PhoneNumberOneHourLimit":
		return Throttled, time.Hour
	case "LimitExceeded.PhoneNumberDailyLimit", "LimitExceeded.PhoneNumberSameContentDailyLimit":
		return Throttled, 24 * time.Hour
	case "LimitExceeded.PhoneNumberCountLimit":
		return Rejected, 0 // too many numbers in one request: our bug, not a rate
	case "InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist",
		"FailedOperation.PhoneNumberParseFail", "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
		"UnsupportedOperation.UnsupportedRegion":
		return BadNumber, 0
	}
	switch {
	case strings.HasPrefix(code, "AuthFailure"):
		return BadCredentials, 0
	case strings.HasPrefix(code, "UnauthorizedOperation") && !strings.Contains(code, "Arrears"):
		return BadCredentials, 0
	case strings.HasPrefix(code, "RequestLimitExceeded"):
		return Throttled, time.Second
	case strings.HasPrefix(code, "LimitExceeded"):
		return Throttled, 0
	case strings.HasPrefix(code, "InternalError"), status >= 500:
		return Unavailable, 0
	}
	return Rejected, 0
}

// TC3Request is what TC3-HMAC-SHA256 signs.
type TC3Request struct {
	Method    string            // POST or GET
	Query     string            // the canonical query string; "" for POST
	Headers   map[string]string // the signed headers, at least content-type and host
	Payload   []byte
	Service   string // the product, e.g. "sms": the first label of its host
	Timestamp int64  // X-TC-Timestamp
}

// TC3Authorization is the Authorization header of Tencent Cloud's signature
// v3: a canonical request (method, URI "/", query, lower-cased sorted
// headers, their names, the payload's SHA-256), a string to sign
// (algorithm, timestamp, date/service/tc3_request, the canonical request's
// SHA-256), and an HMAC-SHA256 with a key derived from "TC3"+secret by the
// UTC date, the service and "tc3_request".
func TC3Authorization(secretID, secretKey string, r TC3Request) string {
	names := make([]string, 0, len(r.Headers))
	values := map[string]string{}
	for k, v := range r.Headers {
		k = strings.ToLower(strings.TrimSpace(k))
		names = append(names, k)
		values[k] = strings.ToLower(strings.TrimSpace(v))
	}
	sort.Strings(names)
	var canonHeaders strings.Builder
	for _, k := range names {
		canonHeaders.WriteString(k + ":" + values[k] + "\n")
	}
	signedHeaders := strings.Join(names, ";")
	canonical := strings.Join([]string{r.Method, "/", r.Query, canonHeaders.String(), signedHeaders, sha256Hex(r.Payload)}, "\n")

	date := time.Unix(r.Timestamp, 0).UTC().Format("2006-01-02")
	scope := date + "/" + r.Service + "/tc3_request"
	toSign := "TC3-HMAC-SHA256\n" + strconv.FormatInt(r.Timestamp, 10) + "\n" + scope + "\n" + sha256Hex([]byte(canonical))

	key := hmacSHA256([]byte("TC3"+secretKey), date)
	key = hmacSHA256(key, r.Service)
	key = hmacSHA256(key, "tc3_request")
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	return "TC3-HMAC-SHA256 Credential=" + secretID + "/" + scope + ", SignedHeaders=" + signedHeaders + ", Signature=" + sig
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

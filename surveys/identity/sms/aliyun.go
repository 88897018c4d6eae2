package sms

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Alibaba Cloud SMS (dysmsapi) constants.
const (
	aliyunEndpoint = "https://dysmsapi.aliyuncs.com/"
	aliyunVersion  = "2017-05-25"
	aliyunRegion   = "cn-hangzhou"
)

// aliyun sends through Alibaba Cloud SMS SendSms, an RPC-style API signed
// with HMAC-SHA1 (SignatureVersion 1.0).
type aliyun struct {
	s    Settings
	o    Options
	base string
}

func newAliyun(s Settings, o Options) *aliyun {
	base := s.Endpoint
	if base == "" {
		base = aliyunEndpoint
	}
	if s.Region == "" {
		s.Region = aliyunRegion
	}
	return &aliyun{s: s, o: o, base: strings.TrimRight(base, "/") + "/"}
}

// Name implements Provider.
func (a *aliyun) Name() string { return ProviderAliyun }

// aliyunReply is SendSms's JSON answer, also the shape of its errors.
type aliyunReply struct {
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	BizID     string `json:"BizId"`
	RequestID string `json:"RequestId"`
}

// Send implements Provider.
func (a *aliyun) Send(ctx context.Context, m Message) (Receipt, error) {
	if err := checkMessage(ProviderAliyun, m); err != nil {
		return Receipt{}, err
	}
	tpl := a.s.Templates[m.Template]
	if tpl == "" {
		return Receipt{}, &Error{Provider: ProviderAliyun, Kind: Rejected, Code: "local",
			Message: fmt.Sprintf("no template configured for %q", m.Template)}
	}
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	p := url.Values{}
	p.Set("AccessKeyId", a.s.KeyID)
	p.Set("Action", "SendSms")
	p.Set("Format", "JSON")
	p.Set("PhoneNumbers", m.Phone)
	p.Set("RegionId", a.s.Region)
	p.Set("SignName", a.s.SignName)
	p.Set("SignatureMethod", "HMAC-SHA1")
	p.Set("SignatureNonce", hex.EncodeToString(nonce))
	p.Set("SignatureVersion", "1.0")
	p.Set("TemplateCode", tpl)
	if len(m.Params) > 0 {
		p.Set("TemplateParam", templateJSON(m.Params))
	}
	p.Set("Timestamp", a.o.Now().UTC().Format("2006-01-02T15:04:05Z"))
	p.Set("Version", aliyunVersion)
	query := "Signature=" + percentEncode(AliyunSignature(http.MethodGet, p, a.s.KeySecret)) + "&" + canonicalQuery(p)

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"?"+query, nil)
	if err != nil {
		return Receipt{}, transportError(ProviderAliyun, err)
	}
	resp, err := a.o.HTTP.Do(req)
	if err != nil {
		return Receipt{}, transportError(ProviderAliyun, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Receipt{}, transportError(ProviderAliyun, err)
	}
	var r aliyunReply
	if json.Unmarshal(body, &r) != nil || r.Code == "" {
		return Receipt{}, &Error{Provider: ProviderAliyun, Kind: Unavailable, Code: "bad_reply",
			Message: snippet(body), Status: resp.StatusCode}
	}
	if r.Code == "OK" && resp.StatusCode == http.StatusOK {
		return Receipt{ID: r.BizID}, nil
	}
	kind, retry := aliyunKind(r.Code, r.Message, resp.StatusCode)
	return Receipt{}, &Error{Provider: ProviderAliyun, Kind: kind, Code: r.Code, Message: r.Message,
		Status: resp.StatusCode, RetryAfter: retry}
}

// aliyunKind classifies an Alibaba Cloud error code (API error codes of
// Short Message Service, and the common RPC ones).
func aliyunKind(code, message string, status int) (Kind, time.Duration) {
	switch code {
	case "isv.BUSINESS_LIMIT_CONTROL":
		// Per-number flow control; the message names the level, e.g.
		// 触发分钟级流控Permits:1, 触发小时级流控Permits:5, 触发天级流控Permits:10.
		switch {
		case strings.Contains(message, "分钟"):
			return Throttled, time.Minute
		case strings.Contains(message, "小时"):
			return Throttled, time.Hour
		case strings.Contains(message, "天"):
			return Throttled, 24 * time.Hour
		}
		return Throttled, 0
	case "isv.DAY_LIMIT_CONTROL", "isv.MONTH_LIMIT_CONTROL":
		return Throttled, 0
	case "isv.MOBILE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED":
		return BadNumber, 0
	case "SignatureDoesNotMatch", "IncompleteSignature", "InvalidTimeStamp.Expired", "SignatureNonceUsed", "isp.RAM_PERMISSION_DENY", "Forbidden.RAM",
		"isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "isv.PRODUCT_UN_SUBSCRIPT", "isv.PRODUCT_UNSUBSCRIBE":
		return BadCredentials, 0
	case "isp.SYSTEM_ERROR", "ServiceUnavailable", "InternalError", "isp.GATEWAY_ERROR":
		return Unavailable, 0
	}
	switch {
	case strings.HasPrefix(code, "InvalidAccessKeyId"):
		return BadCredentials, 0
	case strings.HasPrefix(code, "Throttling"):
		return Throttled, time.Second
	case status >= 500:
		return Unavailable, 0
	}
	return Rejected, 0
}

// AliyunSignature is the RPC signature of Alibaba Cloud's signature method
// 1.0: Base64(HMAC-SHA1(secret + "&", method + "&%2F&" +
// percentEncode(canonicalized query))), the query being every parameter
// but Signature, sorted by name, names and values percent-encoded.
func AliyunSignature(method string, params url.Values, secret string) string {
	toSign := method + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery(params))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(toSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// canonicalQuery sorts params (Signature excluded) and joins them encoded.
func canonicalQuery(params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(percentEncode(k))
		b.WriteByte('=')
		b.WriteString(percentEncode(params.Get(k)))
	}
	return b.String()
}

// percentEncode is RFC 3986 encoding of UTF-8: A-Z a-z 0-9 - _ . ~ stay,
// every other byte becomes %XY (upper-case hex); a space is %20.
func percentEncode(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// templateJSON writes params as a JSON object in their order, without
// HTML escaping (links keep their &).
func templateJSON(params []Param) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	b.WriteByte('{')
	for i, p := range params {
		if i > 0 {
			b.WriteByte(',')
		}
		_ = enc.Encode(p.Name)
		b.Truncate(b.Len() - 1) // Encode's newline
		b.WriteByte(':')
		_ = enc.Encode(p.Value)
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.String()
}

// snippet keeps the start of an unexpected body for the error message.
func snippet(body []byte) string {
	const max = 200
	cut := len(body) > max
	if cut {
		body = body[:max]
	}
	s := strings.TrimSpace(strings.ToValidUTF8(string(body), ""))
	if cut {
		s += "…"
	}
	return s
}

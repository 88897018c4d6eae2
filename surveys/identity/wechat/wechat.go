// Package wechat signs a respondent in silently with WeChat's web OAuth
// (scope snsapi_base) in WeChat's own browser: the authorize URL, the code
// → openid exchange, and a signed, expiring, single-use state.
package wechat

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity"
)

// Env var names of the WeChat settings.
const (
	EnvAppID     = "MINYI_WECHAT_APPID"
	EnvSecret    = "MINYI_WECHAT_SECRET"
	EnvAPIBase   = "MINYI_WECHAT_API_BASE"
	EnvOAuthBase = "MINYI_WECHAT_OAUTH_BASE"
)

// Public endpoints.
const (
	DefaultAPIBase   = "https://api.weixin.qq.com"
	DefaultOAuthBase = "https://open.weixin.qq.com"
)

// Settings configure the official account (公众号) that signs residents in.
type Settings struct {
	AppID     string // the account's AppID, wx + 16 hex digits
	Secret    string // its AppSecret
	APIBase   string // override of https://api.weixin.qq.com, for tests
	OAuthBase string // override of https://open.weixin.qq.com, for tests
}

// SettingsFromEnv reads the MINYI_WECHAT_* env vars.
func SettingsFromEnv(getenv func(string) string) Settings {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	return Settings{AppID: get(EnvAppID), Secret: get(EnvSecret), APIBase: get(EnvAPIBase), OAuthBase: get(EnvOAuthBase)}
}

// Enabled reports whether an account is configured.
func (s Settings) Enabled() bool { return s.AppID != "" || s.Secret != "" }

// LogValue keeps the secret out of logs.
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(slog.String("appid", s.AppID), slog.Bool("secret_set", s.Secret != ""),
		slog.String("api_base", s.APIBase), slog.String("oauth_base", s.OAuthBase))
}

var (
	appIDPattern  = regexp.MustCompile(`^wx[0-9a-f]{16}$`)
	secretPattern = regexp.MustCompile(`^[0-9A-Za-z]{32}$`)
	// statePattern is what WeChat carries back: a-zA-Z0-9, at most 128 bytes.
	statePattern = regexp.MustCompile(`^[0-9A-Za-z]{0,128}$`)
)

// Validate names every problem in s, with the env var to fix.
func (s Settings) Validate() error {
	var errs []error
	if !appIDPattern.MatchString(s.AppID) {
		errs = append(errs, fmt.Errorf("%s: 须为公众号 AppID must be the official account's AppID, wx followed by 16 hex digits", EnvAppID))
	}
	if !secretPattern.MatchString(s.Secret) {
		errs = append(errs, fmt.Errorf("%s: 须为32位 AppSecret must be the account's 32-character AppSecret", EnvSecret))
	}
	for env, v := range map[string]string{EnvAPIBase: s.APIBase, EnvOAuthBase: s.OAuthBase} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: 须为 http(s) 地址 must be an http(s) URL", env))
		}
	}
	return errors.Join(errs...)
}

// Errors; an *APIError matches ErrCode, ErrConfig or ErrUnavailable.
var (
	ErrStateForged  = errors.New("wechat: 授权参数无效，请重新打开链接 the sign-in state is not valid: open the link again")
	ErrStateExpired = errors.New("wechat: 授权已超时，请重新打开链接 the sign-in took too long: open the link again")
	ErrStateUsed    = errors.New("wechat: 授权已使用，请重新打开链接 this sign-in was already used: open the link again")
	ErrCode         = errors.New("wechat: code invalid, expired or already used: start the sign-in again")
	ErrConfig       = errors.New("wechat: the account's AppID, AppSecret or IP whitelist is wrong")
	ErrUnavailable  = errors.New("wechat: the WeChat API is unavailable")
	ErrSnapshot     = errors.New("wechat: 快照页模式的虚拟账号 a snapshot-page virtual account, not a signed-in user")
)

// APIError is an error WeChat answered with.
type APIError struct {
	Code    int    // errcode
	Message string // errmsg
	Kind    error  // ErrCode, ErrConfig or ErrUnavailable
}

// Error gives the kind with WeChat's errcode and errmsg.
func (e *APIError) Error() string {
	return fmt.Sprintf("%v (errcode %d: %s)", e.Kind, e.Code, e.Message)
}

// Is matches the error's kind.
func (e *APIError) Is(target error) bool { return target == e.Kind }

// kindOf classifies WeChat's global return codes for this exchange.
func kindOf(code int) error {
	switch code {
	case 40029, 40163, 42003, 41008: // invalid code, code been used, code expired, code missing
		return ErrCode
	case 40013, 40125, 40001, 40164, 41002, 41004, 48001, 40243: // appid, secret, credential, IP whitelist, unauthorized, frozen secret
		return ErrConfig
	}
	return ErrUnavailable // -1 system busy, 45009/45011 quotas, anything new
}

// Client talks to WeChat for one official account.
type Client struct {
	settings Settings
	store    identity.Store
	stateKey []byte
	HTTP     *http.Client
	Now      func() time.Time // nil = time.Now
	StateTTL time.Duration    // how long a sign-in may take; default 10 minutes
}

// New validates s; states are signed with a key derived from secret (the
// server's) and their nonces recorded as used in store.
func New(s Settings, store identity.Store, secret []byte) (*Client, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("wechat: %w", err)
	}
	if s.APIBase == "" {
		s.APIBase = DefaultAPIBase
	}
	if s.OAuthBase == "" {
		s.OAuthBase = DefaultOAuthBase
	}
	s.APIBase, s.OAuthBase = strings.TrimRight(s.APIBase, "/"), strings.TrimRight(s.OAuthBase, "/")
	return &Client{
		settings: s, store: store, stateKey: identity.DeriveKey(secret, "wechat/state"),
		HTTP: &http.Client{Timeout: 10 * time.Second}, StateTTL: 10 * time.Minute,
	}, nil
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// IsWeChat reports whether a User-Agent is WeChat's built-in browser
// (MicroMessenger), where snsapi_base sign-in works; WeCom (wxwork) also
// says MicroMessenger but cannot sign in to an official account.
func IsWeChat(userAgent string) bool {
	return strings.Contains(userAgent, "MicroMessenger") && !strings.Contains(strings.ToLower(userAgent), "wxwork")
}

// AuthorizeURL is where WeChat's browser goes to sign in silently; WeChat
// then redirects to redirectURI with ?code=…&state=…. The parameters are
// in the order WeChat's documentation gives, which it requires.
func (c *Client) AuthorizeURL(redirectURI, state string) string {
	return c.settings.OAuthBase + "/connect/oauth2/authorize?appid=" + url.QueryEscape(c.settings.AppID) +
		"&redirect_uri=" + url.QueryEscape(redirectURI) +
		"&response_type=code&scope=snsapi_base&state=" + url.QueryEscape(state) + "#wechat_redirect"
}

// State layout: "1", then hex of the issue time (4 bytes, Unix seconds),
// the nonce (12 bytes) and the MAC (20 bytes): 73 characters of
// [0-9a-f], within WeChat's 128 bytes of [a-zA-Z0-9].
const (
	stateVersion = "1"
	stateLen     = 1 + 8 + 24 + 40
	stateSkew    = time.Minute // instances' clocks may differ this much
)

// NewState signs a state for a sign-in to scope (the survey) from the
// browser bind identifies (e.g. a hash of its respondent cookie; "" for
// none). It is valid once, for StateTTL.
func (c *Client) NewState(scope, bind string) string {
	var iat [4]byte
	binary.BigEndian.PutUint32(iat[:], uint32(c.now().Unix()))
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	body := stateVersion + hex.EncodeToString(iat[:]) + hex.EncodeToString(nonce)
	return body + hex.EncodeToString(c.stateMAC(body, scope, bind))
}

func (c *Client) stateMAC(body, scope, bind string) []byte {
	m := hmac.New(sha256.New, c.stateKey)
	m.Write([]byte("wechat-state\x00" + scope + "\x00" + bind + "\x00" + body))
	return m.Sum(nil)[:20]
}

// CheckState accepts a state NewState made for scope and bind, once:
// ErrStateForged, ErrStateExpired or ErrStateUsed otherwise.
func (c *Client) CheckState(ctx context.Context, state, scope, bind string) error {
	if len(state) != stateLen || !strings.HasPrefix(state, stateVersion) || strings.Trim(state, "0123456789abcdef") != "" {
		return ErrStateForged
	}
	body, mac := state[:stateLen-40], state[stateLen-40:]
	want := hex.EncodeToString(c.stateMAC(body, scope, bind))
	if !hmac.Equal([]byte(mac), []byte(want)) {
		return ErrStateForged
	}
	raw, _ := hex.DecodeString(body[1:9])
	issued := time.Unix(int64(binary.BigEndian.Uint32(raw)), 0)
	now := c.now()
	switch {
	case issued.After(now.Add(stateSkew)):
		return ErrStateForged
	case now.Sub(issued) > c.StateTTL:
		return ErrStateExpired
	}
	once := []identity.Rate{{N: 1, Per: c.StateTTL + 2*stateSkew}}
	wait, err := c.store.Take(ctx, "wx-state:"+body[9:], once, "used", now)
	if err != nil {
		return fmt.Errorf("wechat: record state: %w", err)
	}
	if wait > 0 {
		return ErrStateUsed
	}
	return nil
}

// Identity is who WeChat says signed in.
type Identity struct {
	OpenID  string // unique per user and official account
	UnionID string // across the accounts of one open platform, when WeChat gives it
}

// Exchange trades the code from the redirect for the user's openid. The
// errors are *APIError (ErrCode: start the sign-in again), ErrSnapshot, or
// ErrUnavailable for a failed round trip.
func (c *Client) Exchange(ctx context.Context, code string) (Identity, error) {
	if code == "" || len(code) > 512 {
		return Identity{}, &APIError{Code: 41008, Message: "missing or oversized code", Kind: ErrCode}
	}
	u := c.settings.APIBase + "/sns/oauth2/access_token?appid=" + url.QueryEscape(c.settings.AppID) +
		"&secret=" + url.QueryEscape(c.settings.Secret) + "&code=" + url.QueryEscape(code) + "&grant_type=authorization_code"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Identity{}, fmt.Errorf("wechat: exchange: %w", err)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		var ue *url.Error // its URL holds the AppSecret: keep only the cause
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Identity{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	var r struct {
		ErrCode        int    `json:"errcode"`
		ErrMsg         string `json:"errmsg"`
		OpenID         string `json:"openid"`
		UnionID        string `json:"unionid"`
		IsSnapshotUser int    `json:"is_snapshotuser"`
	}
	if json.Unmarshal(body, &r) != nil {
		return Identity{}, fmt.Errorf("%w: HTTP %d, not JSON", ErrUnavailable, resp.StatusCode)
	}
	switch {
	case r.ErrCode != 0:
		return Identity{}, &APIError{Code: r.ErrCode, Message: r.ErrMsg, Kind: kindOf(r.ErrCode)}
	case r.IsSnapshotUser == 1:
		return Identity{}, ErrSnapshot
	case r.OpenID == "":
		return Identity{}, fmt.Errorf("%w: no openid in the answer", ErrUnavailable)
	}
	return Identity{OpenID: r.OpenID, UnionID: r.UnionID}, nil
}

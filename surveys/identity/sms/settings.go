package sms

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Env var names of the SMS settings.
const (
	EnvProvider           = "MINYI_SMS_PROVIDER"
	EnvKeyID              = "MINYI_SMS_KEY_ID"
	EnvKeySecret          = "MINYI_SMS_KEY_SECRET"
	EnvAppID              = "MINYI_SMS_APP_ID"
	EnvSignName           = "MINYI_SMS_SIGN_NAME"
	EnvTemplateOTP        = "MINYI_SMS_TEMPLATE_OTP"
	EnvTemplateInvitation = "MINYI_SMS_TEMPLATE_INVITATION"
	EnvTemplateReminder   = "MINYI_SMS_TEMPLATE_REMINDER"
	EnvRegion             = "MINYI_SMS_REGION"
	EnvEndpoint           = "MINYI_SMS_ENDPOINT"
)

// Provider names.
const (
	ProviderAliyun  = "aliyun"
	ProviderTencent = "tencent"
	ProviderLog     = "log"
)

// Settings configure the SMS provider. An empty Provider means SMS is off.
type Settings struct {
	Provider  string // aliyun | tencent | log
	KeyID     string // Alibaba AccessKey ID / Tencent SecretId
	KeySecret string // Alibaba AccessKey secret / Tencent SecretKey
	AppID     string // Tencent SmsSdkAppId (unused by Alibaba)
	SignName  string // the approved sign name (签名), without 【】
	Templates map[Template]string
	Region    string // Alibaba RegionId (cn-hangzhou) / Tencent region (ap-guangzhou)
	Endpoint  string // base URL override, for tests; empty = the provider's public endpoint
	// Demo is the server's demo mode (MINYI_DEMO): the log provider is
	// refused without it. main sets it; SettingsFromEnv does not read it.
	Demo bool
}

// SettingsFromEnv reads the settings from the MINYI_SMS_* env vars.
func SettingsFromEnv(getenv func(string) string) Settings {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	s := Settings{
		Provider:  strings.ToLower(get(EnvProvider)),
		KeyID:     get(EnvKeyID),
		KeySecret: get(EnvKeySecret),
		AppID:     get(EnvAppID),
		SignName:  get(EnvSignName),
		Region:    get(EnvRegion),
		Endpoint:  get(EnvEndpoint),
		Templates: map[Template]string{},
	}
	for t, env := range map[Template]string{OTP: EnvTemplateOTP, Invitation: EnvTemplateInvitation, Reminder: EnvTemplateReminder} {
		if v := get(env); v != "" {
			s.Templates[t] = v
		}
	}
	return s
}

// Enabled reports whether a provider is configured.
func (s Settings) Enabled() bool { return s.Provider != "" }

// LogValue keeps the secret out of logs.
func (s Settings) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", s.Provider),
		slog.String("key_id", s.KeyID),
		slog.Bool("key_secret_set", s.KeySecret != ""),
		slog.String("sign_name", s.SignName),
		slog.String("region", s.Region),
		slog.String("endpoint", s.Endpoint),
	)
}

var (
	aliyunTemplate  = regexp.MustCompile(`^SMS_[0-9]+$`)
	tencentTemplate = regexp.MustCompile(`^[0-9]+$`)
	tencentAppID    = regexp.MustCompile(`^[0-9]{10}$`)
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+$`)
)

// Validate names every problem in s, with the env var to fix. An empty
// Provider (SMS off) is valid.
func (s Settings) Validate() error {
	var errs []error
	bad := func(env, msg string) { errs = append(errs, fmt.Errorf("%s: %s", env, msg)) }
	required := func(env, v string) {
		if v == "" {
			bad(env, "必填 required for "+EnvProvider+"="+s.Provider)
		}
	}
	switch s.Provider {
	case "":
		return nil
	case ProviderLog:
		if !s.Demo {
			bad(EnvProvider, "log 仅限演示模式 is only allowed in demo mode (MINYI_DEMO=on): it writes codes to the server log")
		}
	case ProviderAliyun, ProviderTencent:
		required(EnvKeyID, s.KeyID)
		required(EnvKeySecret, s.KeySecret)
		required(EnvSignName, s.SignName)
		required(EnvTemplateOTP, s.Templates[OTP])
		if strings.ContainsAny(s.SignName, "【】[]") {
			bad(EnvSignName, "不含【】 give the sign name without brackets; the provider adds them")
		}
		pattern, form := aliyunTemplate, "SMS_ followed by digits, e.g. SMS_154950909"
		if s.Provider == ProviderTencent {
			pattern, form = tencentTemplate, "digits, e.g. 1110"
			required(EnvAppID, s.AppID)
			if s.AppID != "" && !tencentAppID.MatchString(s.AppID) {
				bad(EnvAppID, "须为10位数字的 SmsSdkAppId must be the 10-digit SmsSdkAppId, e.g. 1400006666")
			}
		}
		for t, env := range map[Template]string{OTP: EnvTemplateOTP, Invitation: EnvTemplateInvitation, Reminder: EnvTemplateReminder} {
			if v := s.Templates[t]; v != "" && !pattern.MatchString(v) {
				bad(env, "模板编号格式不对 a template id here is "+form)
			}
		}
		if s.Region != "" && !regionPattern.MatchString(s.Region) {
			bad(EnvRegion, "地域格式不对 not a region id, e.g. cn-hangzhou or ap-guangzhou")
		}
	default:
		bad(EnvProvider, fmt.Sprintf("须为 aliyun、tencent 或 log must be aliyun, tencent or log, got %q", s.Provider))
	}
	if s.Endpoint != "" {
		u, err := url.Parse(s.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(EnvEndpoint, "须为 http(s) 地址 must be an http(s) URL, e.g. http://127.0.0.1:9000")
		}
	}
	return errors.Join(errs...)
}

// ErrNotConfigured is returned by New when no provider is set.
var ErrNotConfigured = errors.New("sms: " + EnvProvider + " 未设置 not set: text messages are off")

// Options are a provider's dependencies; zero values take defaults.
type Options struct {
	HTTP   *http.Client     // default: a client with a 10 s timeout
	Logger *slog.Logger     // the log provider's destination; default slog.Default()
	Now    func() time.Time // signing time; default time.Now
}

// New validates s and returns its provider.
func New(s Settings, o Options) (Provider, error) {
	if !s.Enabled() {
		return nil, ErrNotConfigured
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("sms: %w", err)
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	switch s.Provider {
	case ProviderAliyun:
		return newAliyun(s, o), nil
	case ProviderTencent:
		return newTencent(s, o), nil
	default:
		return &logProvider{logger: o.Logger, templates: s.Templates}, nil
	}
}

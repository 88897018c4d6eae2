package main

import (
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/identity"
	"github.com/minyi-survey/minyi/surveys/identity/sms"
	"github.com/minyi-survey/minyi/surveys/identity/wechat"
)

// smsProvider builds the text-message provider of MINYI_SMS_*, once, for
// every feature that sends messages; nil without error when
// MINYI_SMS_PROVIDER is empty (text messages off). The log provider is
// refused unless the server runs in demo mode: it writes every code to
// the server log.
func smsProvider(cfg config) (sms.Provider, error) {
	s := cfg.SMS
	s.Demo = cfg.demo()
	if !s.Enabled() {
		return nil, nil
	}
	p, err := sms.New(s, sms.Options{})
	if err != nil {
		return nil, fmt.Errorf("text messages (MINYI_SMS_*): %w", err)
	}
	if p.Name() == sms.ProviderLog {
		slog.Warn("MINYI_SMS_PROVIDER=log: text messages and their codes are written to this log, not sent (demo only)")
	}
	return p, nil
}

// otpService is the one-time code service of phone-mode surveys on
// provider: its state in Redis under redisPrefix when the server has one,
// else in the database (SQLite or MySQL) — either way every instance
// shares codes, locks and limits, and a restart keeps them. It returns nil
// when provider is nil, and the store's name for the start-up line.
func otpService(cfg config, provider sms.Provider, db *models.Store, rdb redis.UniversalClient, redisPrefix string, secret []byte) (*identity.OTP, string, error) {
	if provider == nil {
		return nil, "off", nil
	}
	store, name, err := identityStore(db, rdb, redisPrefix)
	if err != nil {
		return nil, "", err
	}
	o := identity.NewOTP(store, provider, identity.NewHasher(secret))
	o.Config = cfg.OTP
	return o, name, nil
}

// smsName names provider for the start-up line.
func smsName(p sms.Provider) string {
	if p == nil {
		return "off"
	}
	return p.Name()
}

// identityStore keeps codes, limits and used sign-in states: in Redis
// under redisPrefix when the server has one, else in its database; every
// instance shares them either way. With the store's name for the start-up
// line.
func identityStore(db *models.Store, rdb redis.UniversalClient, redisPrefix string) (identity.Store, string, error) {
	if rdb == nil {
		return models.NewIdentityStore(db), "database", nil
	}
	rs, err := identity.NewRedis(rdb, redisPrefix)
	if err != nil {
		return nil, "", err
	}
	return rs, "redis", nil
}

// wechatClient is WeChat sign-in for wechat-mode surveys on the account of
// MINYI_WECHAT_*, its used states in the identity store; nil when no
// account is configured.
func wechatClient(cfg config, db *models.Store, rdb redis.UniversalClient, redisPrefix string, secret []byte) (*wechat.Client, error) {
	if !cfg.WeChat.Enabled() {
		return nil, nil
	}
	store, _, err := identityStore(db, rdb, redisPrefix)
	if err != nil {
		return nil, err
	}
	c, err := wechat.New(cfg.WeChat, store, secret)
	if err != nil {
		return nil, fmt.Errorf("WeChat sign-in (MINYI_WECHAT_*): %w", err)
	}
	slog.Info("WeChat sign-in on", slog.Any("wechat", cfg.WeChat))
	return c, nil
}

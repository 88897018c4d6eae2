package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/minyi-survey/minyi/models"
)

// minSecret is the shortest MINYI_SECRET accepted: 32 bytes, as
// `openssl rand -hex 32` gives twice over.
const minSecret = 32

// composePlaceholder is the value docker-compose.yml used to fall back to;
// a deployment that kept it has a secret everyone knows.
const composePlaceholder = "change-me-to-a-long-random-secret"

// errNeedSecret is start-up refused on MySQL without MINYI_SECRET.
var errNeedSecret = errors.New("MINYI_SECRET is required with MySQL: a secret generated into the database " +
	"would let anyone with a copy of it recover phone numbers and addresses from their hashes. " +
	"Set it to at least 32 random bytes, the same on every instance, e.g. MINYI_SECRET=$(openssl rand -hex 32)")

// checkSecret refuses a secret that is short or a known placeholder.
func checkSecret(name, s string) error {
	switch {
	case s == composePlaceholder || strings.HasPrefix(strings.ToLower(s), "change-me"):
		return fmt.Errorf("%s is the placeholder from docker-compose.yml: set a random one, e.g. $(openssl rand -hex 32)", name)
	case len(s) < minSecret:
		return fmt.Errorf("%s must be at least %d bytes, got %d: use e.g. $(openssl rand -hex 32)", name, minSecret, len(s))
	}
	return nil
}

// loadSecret returns MINYI_SECRET. Only the embedded SQLite demo may run
// without one: its secret is generated once and kept in the database, so
// that its cookies outlive a restart.
func loadSecret(cfg config, store *models.Store) ([]byte, error) {
	if cfg.Secret != "" {
		if err := checkSecret("MINYI_SECRET", cfg.Secret); err != nil {
			return nil, err
		}
		return []byte(cfg.Secret), nil
	}
	if store.Dialect != models.DialectSQLite {
		return nil, errNeedSecret
	}
	s, err := store.Setting("secret", func() (string, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return hex.EncodeToString(b), err
	})
	if err != nil {
		return nil, fmt.Errorf("load the generated secret: %w", err)
	}
	slog.Warn("MINYI_SECRET is not set: the embedded demo uses a secret generated into its database. " +
		"Set it (and keep it out of the database) before a phone-mode survey: with both, " +
		"a copy of the database would let someone recover numbers by trying every mobile number")
	return []byte(s), nil
}

// previousSecret returns MINYI_SECRET_PREVIOUS, checked like the secret,
// or nil when it is not set.
func previousSecret(cfg config, current []byte) ([]byte, error) {
	if cfg.SecretPrevious == "" {
		return nil, nil
	}
	if err := checkSecret("MINYI_SECRET_PREVIOUS", cfg.SecretPrevious); err != nil {
		return nil, err
	}
	if cfg.SecretPrevious == string(current) {
		return nil, errors.New("MINYI_SECRET_PREVIOUS equals MINYI_SECRET: set it to the secret being replaced")
	}
	slog.Info("respondent cookies signed with MINYI_SECRET_PREVIOUS are accepted and signed again with MINYI_SECRET")
	return []byte(cfg.SecretPrevious), nil
}

package cati_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/surveys/cati"
)

func vault(t *testing.T, secret string) *cati.Vault {
	t.Helper()
	v, err := cati.NewVault([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVaultSealOpen(t *testing.T) {
	v := vault(t, "test-secret-0123456789abcdef")
	other := vault(t, "another-secret-0123456789abcdef")
	const number = "13800138000"
	a, err := v.Seal(number)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := v.Seal(number)
	if a == b {
		t.Error("the same number sealed the same twice: the nonce is not random")
	}
	if strings.Contains(a, number) || strings.Contains(a, "0013") || len(a) != 55 {
		t.Errorf("sealed %q", a)
	}
	for _, s := range []string{a, b} {
		if got, err := v.Open(s); err != nil || got != number {
			t.Errorf("Open = %q, %v", got, err)
		}
	}
	flip := []byte(a)
	flip[20] ^= 1
	tests := []struct {
		name   string
		v      *cati.Vault
		sealed string
	}{
		{"altered", v, string(flip)},
		{"truncated", v, a[:30]},
		{"another secret", other, a},
		{"no prefix", v, a[3:]},
		{"not base64", v, "v1:***"},
		{"empty", v, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := tt.v.Open(tt.sealed); !errors.Is(err, cati.ErrSealed) {
				t.Errorf("Open = %q, %v; want ErrSealed", got, err)
			}
		})
	}
	if _, err := v.Seal("138 0013 8000"); err == nil {
		t.Error("sealed a number that is not normalised")
	}
	if _, err := cati.NewVault([]byte("short")); err == nil {
		t.Error("a 5-byte secret accepted")
	}
}

func TestVaultHash(t *testing.T) {
	const secret = "test-secret-0123456789abcdef"
	v := vault(t, secret)
	h1, err := v.Hash("13800138000")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := vault(t, secret).Hash("13800138000")
	h3, _ := v.Hash("13800138001")
	h4, _ := vault(t, "another-secret-0123456789abcdef").Hash("13800138000")
	switch {
	case len(h1) != 64:
		t.Errorf("hash %q is not 64 hex characters", h1)
	case h1 != h2:
		t.Error("two vaults on one secret hash differently: instances could not dedup")
	case h1 == h3:
		t.Error("two numbers hash alike")
	case h1 == h4:
		t.Error("the hash does not depend on the secret")
	}
	// The key is derived for this purpose: not the secret itself, as the
	// web's phone mode uses it.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("13800138000"))
	if h1 == hex.EncodeToString(m.Sum(nil)) {
		t.Error("hash keyed with the raw secret")
	}
	if _, err := v.Hash("+8613800138000"); err == nil {
		t.Error("hashed a number that is not normalised")
	}
}

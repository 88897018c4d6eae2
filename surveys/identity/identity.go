// Package identity verifies who a respondent is without trusting what is
// typed: one-time codes sent by text message to a mobile number (this
// file and otp.go), and, in sub-packages, the SMS providers (sms) and
// WeChat sign-in (wechat).
//
// Numbers, addresses and codes are kept only as keyed hashes, under keys
// derived per purpose from the server secret; their state lives in a
// Store shared by every instance (Redis) or in process memory.
package identity

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Hasher makes the keyed hashes identity keeps instead of clear values.
// It is the only phone-number crypto here, kept behind this interface so
// that it can become one with the telephone sample's keys.
type Hasher interface {
	// Hash returns a keyed hash of value for purpose (e.g. "phone"); the
	// same value under another purpose hashes to something unrelated.
	Hash(purpose, value string) string
}

// KeyedHasher is the Hasher of HMAC-SHA256 under a key derived per purpose
// from one secret (HKDF-SHA256).
type KeyedHasher struct {
	secret []byte
	keys   sync.Map // purpose → derived key
}

// NewHasher returns a Hasher keyed by secret (the server's MINYI_SECRET).
func NewHasher(secret []byte) *KeyedHasher { return &KeyedHasher{secret: secret} }

// Hash implements Hasher: 32 hex digits (128 bits) of HMAC-SHA256.
func (h *KeyedHasher) Hash(purpose, value string) string {
	k, ok := h.keys.Load(purpose)
	if !ok {
		k, _ = h.keys.LoadOrStore(purpose, DeriveKey(h.secret, "identity/"+purpose))
	}
	m := hmac.New(sha256.New, k.([]byte))
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))[:32]
}

// DeriveKey derives a 32-byte key for purpose from secret with HKDF-SHA256,
// so that a key used for one thing is never used for another.
func DeriveKey(secret []byte, purpose string) []byte {
	k, err := hkdf.Key(sha256.New, secret, nil, "minyi/"+purpose, 32)
	if err != nil { // only for lengths HKDF cannot produce
		panic(fmt.Sprintf("identity: derive key: %v", err))
	}
	return k
}

// asciiDigits maps full-width digits (typed by Chinese input methods) to
// ASCII and drops spaces and the separators people type in numbers.
func asciiDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == ' ' || r == '\u3000' || r == '-' || r == '(' || r == ')' || r == '\t':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// NormalizePhone returns the 11-digit mainland mobile number in s, which
// may carry spaces, dashes, full-width digits and a +86, 0086 or 86
// prefix; ok is false when s is not such a number.
func NormalizePhone(s string) (phone string, ok bool) {
	s = asciiDigits(s)
	for _, p := range []string{"+86", "0086", "86"} {
		if len(s) == len(p)+11 && strings.HasPrefix(s, p) {
			s = s[len(p):]
			break
		}
	}
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return "", false
	}
	for i := 2; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	return s, true
}

// Rate is a limit of N events in any window of length Per.
type Rate struct {
	N   int
	Per time.Duration
}

// String writes r as ParseRates reads it, e.g. 30/1h0m0s.
func (r Rate) String() string { return strconv.Itoa(r.N) + "/" + r.Per.String() }

// ParseRates reads limits written as N/duration, comma-separated
// ("30/1h", "10/1m,50/1h"); "" or "0" is no limit.
func ParseRates(s string) ([]Rate, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return nil, nil
	}
	var out []Rate
	for _, part := range strings.Split(s, ",") {
		n, per, ok := strings.Cut(strings.TrimSpace(part), "/")
		count, err1 := strconv.Atoi(n)
		d, err2 := time.ParseDuration(per)
		if !ok || err1 != nil || err2 != nil || count < 1 || d < time.Second {
			return nil, fmt.Errorf("identity: 限额 %q 须为 次数/时长 must be count/duration, e.g. 30/1h or 10/1m,50/1h", part)
		}
		out = append(out, Rate{N: count, Per: d})
	}
	return out, nil
}

// errFull is what the in-memory store says when it holds as much as it may.
var errFull = errors.New("identity: memory store full; try again later")

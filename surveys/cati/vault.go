package cati

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Purpose labels of the keys derived from the secret: a key for one
// purpose is never usable for another, and the web's phone-mode hashes
// (keyed with the secret directly) never equal these.
const (
	labelSeal = "minyi/cati/phone-number/aes-256-gcm/v1"
	labelHash = "minyi/cati/phone-number/hmac-sha256/v1"
	// sealPrefix marks the format (and key generation) of a sealed number.
	sealPrefix = "v1:"
)

// ErrSealed refuses a sealed number that is not ours or was altered.
var ErrSealed = errors.New("cati: 号码密文无效 sealed number is invalid or was altered")

// Vault encrypts telephone numbers for storage and hashes them for dedup
// and do-not-call lookups, with keys derived from the server secret
// (MINYI_SECRET) by HKDF-SHA256. Numbers are never stored in clear: the
// ciphertext is shown only to the interviewer holding the case, and the
// hash finds a number without decrypting anything. A Vault is safe for
// concurrent use.
type Vault struct {
	aead    cipher.AEAD
	hashKey []byte
}

// NewVault derives the vault's keys from secret (at least 16 bytes).
func NewVault(secret []byte) (*Vault, error) {
	if len(secret) < 16 {
		return nil, errors.New("cati: the secret must be at least 16 bytes")
	}
	sealKey, err := hkdf.Key(sha256.New, secret, nil, labelSeal, 32)
	if err != nil {
		return nil, fmt.Errorf("cati: derive the encryption key: %w", err)
	}
	hashKey, err := hkdf.Key(sha256.New, secret, nil, labelHash, 32)
	if err != nil {
		return nil, fmt.Errorf("cati: derive the hash key: %w", err)
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, fmt.Errorf("cati: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("cati: %w", err)
	}
	return &Vault{aead: aead, hashKey: hashKey}, nil
}

// Seal encrypts a normalised number with AES-256-GCM under a random
// nonce: "v1:" and the base64 of nonce and ciphertext (55 characters for
// 11 digits). The same number seals differently every time.
func (v *Vault) Seal(number string) (string, error) {
	if err := checkDigits(number, 11); err != nil {
		return "", err
	}
	return v.seal(number, labelSeal)
}

// Open decrypts what Seal made.
func (v *Vault) Open(sealed string) (string, error) { return v.open(sealed, labelSeal) }

// seal encrypts plain under a random nonce, with label as the additional
// data: what is sealed under one label never opens under another.
func (v *Vault) seal(plain, label string) (string, error) {
	nonce := make([]byte, v.aead.NonceSize(), v.aead.NonceSize()+len(plain)+v.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("cati: nonce: %w", err)
	}
	out := v.aead.Seal(nonce, nonce, []byte(plain), []byte(label))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

// open decrypts what seal made under label.
func (v *Vault) open(sealed, label string) (string, error) {
	raw, ok := strings.CutPrefix(sealed, sealPrefix)
	if !ok {
		return "", ErrSealed
	}
	b, err := base64.RawStdEncoding.DecodeString(raw)
	if err != nil || len(b) < v.aead.NonceSize() {
		return "", ErrSealed
	}
	n := v.aead.NonceSize()
	plain, err := v.aead.Open(nil, b[:n], b[n:], []byte(label))
	if err != nil {
		return "", ErrSealed
	}
	return string(plain), nil
}

// Hash is the keyed HMAC-SHA256 of a normalised number, in hex (64
// characters): equal numbers hash alike on every instance sharing the
// secret, so it finds duplicates and do-not-call entries, and without the
// secret it cannot be reversed by trying all ~10^10 mobile numbers.
func (v *Vault) Hash(number string) (string, error) {
	if err := checkDigits(number, 11); err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, v.hashKey)
	m.Write([]byte(number))
	return hex.EncodeToString(m.Sum(nil)), nil
}

// labelLink is the additional data of a sealed invitation link token: a
// sealed number never opens as a token, nor a token as a number.
const labelLink = "minyi/invitation/link-token/aes-256-gcm/v1"

// SealLink encrypts an invitation's link token as Seal does a number, so a
// reminder can carry the link the resident was first sent.
func (v *Vault) SealLink(token string) (string, error) {
	if token == "" || len(token) > 64 {
		return "", errors.New("cati: a link token has 1 to 64 characters")
	}
	return v.seal(token, labelLink)
}

// OpenLink decrypts what SealLink made.
func (v *Vault) OpenLink(sealed string) (string, error) { return v.open(sealed, labelLink) }

package cati

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"
)

// Reasons a number is refused; CSV rows and RDD prefixes carry them.
var (
	ErrNumberEmpty  = errors.New("cati: 号码为空 empty number")
	ErrNumberChars  = errors.New("cati: 号码含有数字以外的字符 number has characters other than digits")
	ErrNumberLength = errors.New("cati: 不是 11 位手机号 not an 11-digit mobile number")
	ErrNumberPrefix = errors.New("cati: 不是大陆手机号段 not a mainland mobile number (1[3-9]…)")
)

// RDD limits.
const (
	// BlockSize is how many numbers a 7-digit block (局向号) holds.
	BlockSize = 10000
	// MaxRDD bounds one draw.
	MaxRDD = 100000
)

// NormalizeMobile returns the 11-digit mainland mobile number written in s:
// spaces, dashes, dots and brackets are dropped, full-width digits read as
// digits, and a leading +86, 0086 or 86 country code removed.
func NormalizeMobile(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= '０' && r <= '９':
			b.WriteRune('0' + (r - '０'))
		case r == '+' || r == '＋':
			if b.Len() > 0 {
				return "", ErrNumberChars
			}
			b.WriteByte('+')
		case strings.ContainsRune(" \t\u00a0\u3000-－‐–—.()（）", r):
		default:
			return "", ErrNumberChars
		}
	}
	n := b.String()
	switch {
	case n == "":
		return "", ErrNumberEmpty
	case strings.HasPrefix(n, "+86"):
		n = n[3:]
	case strings.HasPrefix(n, "+"):
		return "", ErrNumberPrefix
	case strings.HasPrefix(n, "0086") && len(n) == 15:
		n = n[4:]
	case strings.HasPrefix(n, "86") && len(n) == 13:
		n = n[2:]
	}
	if err := checkDigits(n, 11); err != nil {
		return "", err
	}
	return n, nil
}

// checkDigits checks that n is the first want digits of a mainland mobile
// number: only digits, that many, starting 13 to 19.
func checkDigits(n string, want int) error {
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return ErrNumberChars
		}
	}
	if len(n) != want {
		return ErrNumberLength
	}
	if n[0] != '1' || n[1] < '3' {
		return ErrNumberPrefix
	}
	return nil
}

// PrefixError names the RDD prefix that is refused, by its index.
type PrefixError struct {
	Index  int
	Prefix string
	Err    error
}

func (e *PrefixError) Error() string {
	return fmt.Sprintf("cati: prefixes[%d] %q: %v", e.Index, e.Prefix, e.Err)
}

func (e *PrefixError) Unwrap() error { return e.Err }

// ErrRDDCount refuses a draw of no numbers, too many, or more than the
// blocks hold.
var ErrRDDCount = errors.New("cati: 抽取数量无效 invalid number of numbers to draw")

// ErrPrefix is why a prefix is refused: not 7 digits of a mobile number.
var ErrPrefix = errors.New("号段应为 7 位手机号前缀，如 1380898 a prefix is the first 7 digits of a mobile number, e.g. 1380898")

// RandomNumbers draws count distinct mobile numbers, uniformly from the
// 7-digit blocks prefixes (each followed by 4 random digits), with
// random bytes from rnd (crypto/rand when nil). A prefix given twice is one
// block.
func RandomNumbers(prefixes []string, count int, rnd io.Reader) ([]string, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	var blocks []string
	seen := map[string]bool{}
	for i, p := range prefixes {
		q := strings.TrimSpace(p)
		if err := checkDigits(q, 7); err != nil {
			return nil, &PrefixError{i, p, ErrPrefix}
		}
		if !seen[q] {
			seen[q] = true
			blocks = append(blocks, q)
		}
	}
	capacity := len(blocks) * BlockSize
	switch {
	case len(blocks) == 0:
		return nil, fmt.Errorf("%w: 未给出号段 no prefixes", ErrRDDCount)
	case count < 1 || count > MaxRDD:
		return nil, fmt.Errorf("%w: 应在 1 到 %d 之间 count must be 1 to %d", ErrRDDCount, MaxRDD, MaxRDD)
	case count > capacity:
		return nil, fmt.Errorf("%w: %d 个号段只有 %d 个号码 %d blocks hold only %d numbers", ErrRDDCount, len(blocks), capacity, len(blocks), capacity)
	}
	picks, err := distinct(rnd, capacity, count)
	if err != nil {
		return nil, fmt.Errorf("cati: random numbers: %w", err)
	}
	out := make([]string, len(picks))
	for i, k := range picks {
		out[i] = fmt.Sprintf("%s%04d", blocks[k/BlockSize], k%BlockSize)
	}
	return out, nil
}

// distinct draws k distinct integers uniformly from [0, n): by rejection
// when k is small against n, else by a partial Fisher-Yates shuffle.
func distinct(rnd io.Reader, n, k int) ([]int, error) {
	out := make([]int, 0, k)
	if k <= n/2 {
		seen := make(map[int]bool, k)
		for len(out) < k {
			v, err := uniform(rnd, n)
			if err != nil {
				return nil, err
			}
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		return out, nil
	}
	all := make([]int, n)
	for i := range all {
		all[i] = i
	}
	for i := range k {
		j, err := uniform(rnd, n-i)
		if err != nil {
			return nil, err
		}
		all[i], all[i+j] = all[i+j], all[i]
	}
	return append(out, all[:k]...), nil
}

func uniform(rnd io.Reader, n int) (int, error) {
	v, err := rand.Int(rnd, big.NewInt(int64(n)))
	if err != nil {
		return 0, err
	}
	return int(v.Int64()), nil
}

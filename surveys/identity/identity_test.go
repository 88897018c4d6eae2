package identity_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/minyi-survey/minyi/surveys/identity"
)

// Take's sliding windows give the exact wait, count nothing refused, and
// give a refunded event back.
func TestTakeSlidingWindows(t *testing.T) {
	rates := []identity.Rate{{N: 1, Per: time.Minute}, {N: 3, Per: time.Hour}}
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			store, c := b.new(t), newClock()
			ctx := context.Background()
			steps := []struct {
				after  time.Duration
				token  string
				refund string // refund this token first
				wait   time.Duration
			}{
				{token: "a"},
				{after: 59 * time.Second, token: "b", wait: time.Second},
				{after: time.Second, token: "c"},
				{after: 30 * time.Second, token: "d", wait: 30 * time.Second},
				{after: 30 * time.Second, token: "e"},
				{after: time.Minute, token: "f", wait: 57 * time.Minute}, // a at 0 leaves the hour at 60
				{refund: "e", token: "g"},                                // e refunded: room again
				{after: time.Minute, token: "h", wait: 56 * time.Minute},
				{after: 56 * time.Minute, token: "i"},
			}
			for i, st := range steps {
				c.Advance(st.after)
				if st.refund != "" {
					if err := store.Refund(ctx, "k", st.refund); err != nil {
						t.Fatal(err)
					}
				}
				wait, err := store.Take(ctx, "k", rates, st.token, c.Now())
				if err != nil {
					t.Fatal(err)
				}
				if wait != st.wait {
					t.Fatalf("step %d (%s): wait %v, want %v", i, st.token, wait, st.wait)
				}
			}
			// A single-use key: the second take is refused for the whole period.
			once := []identity.Rate{{N: 1, Per: 10 * time.Minute}}
			if w, _ := store.Take(ctx, "nonce", once, "x", c.Now()); w != 0 {
				t.Fatalf("first use refused: %v", w)
			}
			if w, _ := store.Take(ctx, "nonce", once, "y", c.Now()); w != 10*time.Minute {
				t.Fatalf("second use: wait %v, want 10m", w)
			}
		})
	}
}

func TestMemoryStoreStaysBounded(t *testing.T) {
	m := identity.NewMemory()
	c := newClock()
	ctx := context.Background()
	rate := []identity.Rate{{N: 1, Per: time.Minute}}
	for i := range identity.MaxMemoryEntries {
		if _, err := m.Take(ctx, strconv.Itoa(i), rate, "t", c.Now()); err != nil {
			t.Fatalf("take %d: %v", i, err)
		}
	}
	if _, err := m.Take(ctx, "one-more", rate, "t", c.Now()); err == nil {
		t.Fatal("the full store took a new key")
	}
	if _, err := m.Issue(ctx, identity.IssueArgs{Number: "n", Scope: "s", CodeHash: "h", TTL: time.Minute, Now: c.Now()}); err == nil {
		t.Fatal("the full store took a new number")
	}
	c.Advance(time.Minute)
	if _, err := m.Take(ctx, "one-more", rate, "t", c.Now()); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if n := m.Len(); n != 1 {
		t.Fatalf("%d entries kept after they expired, want 1", n)
	}
}

func TestNormalizePhone(t *testing.T) {
	cases := []struct {
		in, want string
	}{
		{"13812345678", "13812345678"},
		{" 138 1234 5678 ", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+86 13812345678", "13812345678"},
		{"+86-138-1234-5678", "13812345678"},
		{"008613812345678", "13812345678"},
		{"8613812345678", "13812345678"},
		{"１３８１２３４５６７８", "13812345678"},
		{"(138)12345678", "13812345678"},
		{"12812345678", ""},   // no 12x mobile prefix
		{"1381234567", ""},    // 10 digits
		{"+1 3812345678", ""}, // another country
		{"86138123456789", ""},
		{"1381234567８x", ""},
		{"", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := identity.NormalizePhone(tc.in)
			if got != tc.want || ok != (tc.want != "") {
				t.Fatalf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
			}
		})
	}
}

func TestParseRates(t *testing.T) {
	cases := []struct {
		in   string
		want []identity.Rate
		bad  bool
	}{
		{in: "", want: nil},
		{in: "0", want: nil},
		{in: "30/1h", want: []identity.Rate{{N: 30, Per: time.Hour}}},
		{in: "10/1m, 50/1h", want: []identity.Rate{{N: 10, Per: time.Minute}, {N: 50, Per: time.Hour}}},
		{in: "30", bad: true},
		{in: "30/hour", bad: true},
		{in: "-1/1h", bad: true},
		{in: "5/10ms", bad: true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := identity.ParseRates(tc.in)
			if tc.bad != (err != nil) || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseRates(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{identity.EnvAddressRate: "5/10m", identity.EnvSurveyRate: "0"}
	c, err := identity.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.PerAddress, []identity.Rate{{N: 5, Per: 10 * time.Minute}}) || c.PerSurvey != nil ||
		c.CodeTTL != 5*time.Minute || c.MaxFails != 5 || c.LockFor != 15*time.Minute ||
		!reflect.DeepEqual(c.PerNumber, []identity.Rate{{N: 1, Per: time.Minute}, {N: 5, Per: time.Hour}}) {
		t.Fatalf("config %+v", c)
	}
	env[identity.EnvSurveyRate] = "lots"
	if _, err := identity.ConfigFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Fatal("a malformed rate was accepted")
	}
}

func TestHasherSeparatesPurposesAndSecrets(t *testing.T) {
	h := identity.NewHasher([]byte("secret-one-0123456789"))
	a, b := h.Hash("phone", "13812345678"), h.Hash("phone", "13812345678")
	if a != b || len(a) != 32 {
		t.Fatalf("hash %q then %q", a, b)
	}
	if h.Hash("address", "13812345678") == a {
		t.Fatal("two purposes share a key")
	}
	if identity.NewHasher([]byte("secret-two-0123456789")).Hash("phone", "13812345678") == a {
		t.Fatal("two secrets give one hash")
	}
}

func TestErrorsMatchTheirSentinels(t *testing.T) {
	locked := &identity.WaitError{Limit: "locked", Wait: 1500 * time.Millisecond}
	limited := &identity.WaitError{Limit: "number", Wait: 100 * time.Millisecond}
	if !errors.Is(locked, identity.ErrLocked) || errors.Is(locked, identity.ErrLimited) || locked.RetryAfter() != 2 {
		t.Fatalf("locked: %v, retry %d", locked, locked.RetryAfter())
	}
	if !errors.Is(limited, identity.ErrLimited) || errors.Is(limited, identity.ErrLocked) || limited.RetryAfter() != 1 {
		t.Fatalf("limited: %v, retry %d", limited, limited.RetryAfter())
	}
	if !errors.Is(&identity.CodeError{Outcome: identity.Wrong}, identity.ErrInvalid) {
		t.Fatal("a code error is not ErrInvalid")
	}
}

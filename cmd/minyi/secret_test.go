package main

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/minyi-survey/minyi/models"
	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// testSecret is a MINYI_SECRET long enough for the server to accept.
const testSecret = "test-secret-of-32-bytes-or-more-0123456789"

func TestSecretRules(t *testing.T) {
	mysql := &models.Store{Dialect: models.DialectMySQL} // refused before the store is used
	cases := []struct {
		name, secret, previous string
		want                   string // part of the error; "" = accepted
	}{
		{"none on MySQL", "", "", "MINYI_SECRET is required with MySQL"},
		{"the compose placeholder", composePlaceholder, "", "placeholder"},
		{"another change-me", "change-me-please-0123456789-0123456789", "", "placeholder"},
		{"31 bytes", strings.Repeat("x", 31), "", "at least 32 bytes"},
		{"32 bytes", strings.Repeat("x", 32), "", ""},
		{"a previous secret", testSecret, strings.Repeat("p", 40), ""},
		{"a short previous secret", testSecret, "short", "MINYI_SECRET_PREVIOUS must be at least 32 bytes"},
		{"previous equals current", testSecret, testSecret, "equals"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config{Secret: tc.secret, SecretPrevious: tc.previous}
			secret, err := loadSecret(cfg, mysql)
			if err == nil {
				_, err = previousSecret(cfg, secret)
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
		})
	}
}

// TestMySQLWithoutSecretDoesNotStart: a MySQL deployment with no
// MINYI_SECRET used to generate one into the database, where a copy of the
// database reverses every phone and address hash.
func TestMySQLWithoutSecretDoesNotStart(t *testing.T) {
	if !surveystest.Required() && !surveystest.MySQLConfigured() {
		surveystest.Missing(t, "MySQL ("+surveystest.EnvMySQL+")")
	}
	cfg := config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), MySQLDSN: surveystest.MySQLDSN(t)}
	err := run(context.Background(), cfg, nil)
	if !errors.Is(err, errNeedSecret) {
		t.Fatalf("run on MySQL without MINYI_SECRET: %v, want a refusal", err)
	}
	store := surveystest.OpenMySQL(t, cfg.MySQLDSN)
	if v, err := store.Setting("secret", func() (string, error) { return "", nil }); err != nil || v != "" {
		t.Fatalf("a secret was generated into the database: %q %v", v, err)
	}
	cfg.Secret = composePlaceholder
	if err := run(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "placeholder") {
		t.Fatalf("run with the compose placeholder: %v, want a refusal", err)
	}
}

// TestSQLiteDemoKeepsItsGeneratedSecret: the embedded demo alone may run
// without MINYI_SECRET, on a secret generated once.
func TestSQLiteDemoKeepsItsGeneratedSecret(t *testing.T) {
	store := surveystest.SQLite(t)
	a, err := loadSecret(config{}, store)
	if err != nil || len(a) < minSecret {
		t.Fatalf("generated secret %d bytes, %v", len(a), err)
	}
	b, err := loadSecret(config{}, store)
	if err != nil || string(a) != string(b) {
		t.Fatal("the generated secret changed between starts")
	}
}

// TestSecretRotationKeepsRespondents: after MINYI_SECRET changes with the
// old value in MINYI_SECRET_PREVIOUS, a resident's cookie is still theirs
// (signed again with the new secret, same device); without it, the old
// cookie is refused.
func TestSecretRotationKeepsRespondents(t *testing.T) {
	dir := t.TempDir()
	oldSecret, newSecret := testSecret, strings.Repeat("n", 40)
	base, stop := serve(t, config{Addr: "127.0.0.1:0", DataDir: dir, Secret: oldSecret, SubmitRate: 0})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	resp, err := c.Get(base + "/s/social-2022")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("survey page: %v %v", resp, err)
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	oldCookie := jar.Cookies(u)[0]
	stop()

	base, stop = serve(t, config{Addr: "127.0.0.1:0", DataDir: dir, Secret: newSecret, SecretPrevious: oldSecret})
	c = &http.Client{}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/surveys/social-2022", nil)
	req.AddCookie(oldCookie)
	resp, err = c.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("questionnaire with the old cookie: %v %v", resp, err)
	}
	resp.Body.Close()
	var renewed *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == oldCookie.Name {
			renewed = ck
		}
	}
	oldID, _, _ := strings.Cut(oldCookie.Value, ".")
	if renewed == nil || !strings.HasPrefix(renewed.Value, oldID+".") || renewed.Value == oldCookie.Value {
		t.Fatalf("the old cookie was not signed again for the same device: %v", renewed)
	}
	if code := submit(t, base, oldCookie); code != http.StatusCreated {
		t.Fatalf("submission with the cookie signed by the previous secret: %d, want 201", code)
	}
	stop()

	base, _ = serve(t, config{Addr: "127.0.0.1:0", DataDir: dir, Secret: newSecret})
	if code := submit(t, base, oldCookie); code != http.StatusForbidden {
		t.Fatalf("submission with the old cookie once the previous secret is gone: %d, want 403", code)
	}
}

func submit(t *testing.T, base string, ck *http.Cookie) int {
	t.Helper()
	body := `{"submission_id":"5e0c8a1e-2b7f-4c55-9a31-6d2f0e4b7c11","answers":{` +
		`"q01":"5","q02":"5","q03":"5","q04":"5","q05":"5","q06":"5","q07":"5","q08":"5","q09":"5","q10":"5","q11":"5","q12":"5","q13":"4",` +
		`"overall":"5","town":"t02","age":"40-49","gender":"m"}}`
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/surveys/social-2022/responses", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(ck)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

package main

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestFirstAdminPasswordStaysOutOfTheLog starts the binary as a service
// manager does, its output captured: the generated password of the first
// admin must not be in it, but in a file of the data dir only its owner
// can read, and it must sign in.
func TestFirstAdminPasswordStaysOutOfTheLog(t *testing.T) {
	dir := t.TempDir()
	p := startProc(t, backend{"sqlite", []string{"MINYI_DATA_DIR=" + dir}, nil})
	path := filepath.Join(dir, firstPasswordFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no password file: %v\n%s", err, p.out.String())
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("the password file is %v, want readable by its owner only (0600)", perm)
	}
	b, _ := os.ReadFile(path)
	m := regexp.MustCompile(`password: (\S+)`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no password in the file:\n%s", b)
	}
	pw := string(m[1])
	if out := p.out.String(); strings.Contains(out, pw) || !strings.Contains(out, path) {
		t.Fatalf("the output holds the password, or does not say where it is:\n%s", out)
	}
	body := `{"name":"admin","password":"` + pw + `"}`
	resp, err := http.Post(p.URL+"/api/v1/admin/login", "application/json", strings.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in with the password from the file: %v %v", resp, err)
	}
	resp.Body.Close()
}

func TestFirstPasswordOnATerminal(t *testing.T) {
	var out bytes.Buffer
	dir := t.TempDir()
	if err := showFirstPassword(&out, true, dir, "http://127.0.0.1:8080", "generated-pw-123"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "generated-pw-123") {
		t.Fatalf("a terminal is not shown the password: %q", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, firstPasswordFile)); !os.IsNotExist(err) {
		t.Fatal("a file was written although the terminal was shown the password")
	}
	// Without a terminal, an existing file is never overwritten.
	if err := os.WriteFile(filepath.Join(dir, firstPasswordFile), []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := showFirstPassword(&out, false, dir, "http://127.0.0.1:8080", "generated-pw-456"); err == nil || strings.Contains(out.String(), "generated-pw-456") {
		t.Fatalf("with the file already there: %v, output %q", err, out.String())
	}
}

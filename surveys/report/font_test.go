package report

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"testing"
)

// TestEmbeddedFontMatchesPin checks the embedded font against the SHA-256
// pinned in .ci/reportfont.sh, the script that makes it from the npm
// package, so that a font edited or replaced by hand fails the tests.
func TestEmbeddedFontMatchesPin(t *testing.T) {
	script, err := os.ReadFile("../../.ci/reportfont.sh")
	if err != nil {
		t.Fatal(err)
	}
	pin := regexp.MustCompile(`(?m)^CUT_SHA256=([0-9a-f]{64})$`).FindSubmatch(script)
	if pin == nil {
		t.Fatal(".ci/reportfont.sh pins no CUT_SHA256")
	}
	ttf, err := fontTTF()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(ttf)
	if got := hex.EncodeToString(sum[:]); got != string(pin[1]) {
		t.Fatalf("embedded font has SHA-256 %s, pinned %s: run .ci/reportfont.sh", got, pin[1])
	}
	if lic := FontLicence(); !regexp.MustCompile(`SIL Open Font License, Version 1\.1`).Match(lic) {
		t.Fatal("the font's licence beside it is not the SIL OFL 1.1")
	}
}

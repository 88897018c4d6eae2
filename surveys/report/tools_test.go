package report

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// required reports whether missing tools must fail the tests (CI sets
// MINYI_TEST_REQUIRE=1), as the other suites' backends do.
func required() bool { return os.Getenv("MINYI_TEST_REQUIRE") == "1" }

// tool returns the path of a command-line tool, or skips the test (fails
// it under MINYI_TEST_REQUIRE=1) when it is not installed.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if required() {
			t.Fatalf("%s is required (MINYI_TEST_REQUIRE=1) but not installed (Debian: %s)", name, pkg)
		}
		t.Skipf("%s not installed (Debian: %s); skipping", name, pkg)
	}
	return p
}

// runTool runs a tool and returns its standard output; stderr goes into the
// error.
func runTool(t *testing.T, dir string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// artifacts is where a test keeps files for a reviewer to look at:
// $MINYI_TEST_ARTIFACTS/<name> when set, else a temp dir; logged.
func artifacts(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	if root := os.Getenv("MINYI_TEST_ARTIFACTS"); root != "" {
		dir = filepath.Join(root, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("artifacts of %s in %s", name, dir)
	return dir
}

// pageImages turns a PDF into PNG page images (pdftoppm, 60 dpi) in dir,
// the first last pages of it (0 = all), and returns their paths.
func pageImages(t *testing.T, pdf []byte, dir, prefix string, last int) []string {
	t.Helper()
	pdftoppm := tool(t, "pdftoppm", "poppler-utils")
	in := filepath.Join(dir, prefix+".pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-png", "-r", "60"}
	if last > 0 {
		args = append(args, "-l", strconv.Itoa(last))
	}
	runTool(t, dir, pdftoppm, append(args, in, filepath.Join(dir, prefix))...)
	pages, _ := filepath.Glob(filepath.Join(dir, prefix+"-*.png"))
	if len(pages) == 0 {
		t.Fatalf("pdftoppm made no page images of %s", in)
	}
	return pages
}

// pdfText extracts a PDF's text with pdftotext (layout kept), with the
// file written into dir.
func pdfText(t *testing.T, pdf []byte, dir, name string) string {
	t.Helper()
	pdftotext := tool(t, "pdftotext", "poppler-utils")
	in := filepath.Join(dir, name)
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return string(runTool(t, dir, pdftotext, "-enc", "UTF-8", in, "-"))
}

// squeeze drops white space, so that text pdftotext split across cells
// or lines can be found.
func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

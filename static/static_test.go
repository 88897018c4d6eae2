package static

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/minyi-survey/minyi/surveys/surveystest"
)

// maxLines is the house limit of a page-script file.
const maxLines = 800

// sources lists every .js file under js/, sorted.
func sources(t *testing.T) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(FS, "js", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".js") {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatal("no page-script sources under js/")
	}
	return out
}

// TestAssets: the served files are those of assets/, unchanged, and one
// bundle per page script, as a file system that passes the standard
// library's checks.
func TestAssets(t *testing.T) {
	assets, err := Assets()
	if err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(FS, "assets")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, e.Name())
		orig, _ := fs.ReadFile(FS, "assets/"+e.Name())
		got, err := fs.ReadFile(assets, e.Name())
		if err != nil || !bytes.Equal(got, orig) {
			t.Errorf("%s is not served as it is in assets/ (%v)", e.Name(), err)
		}
	}
	for _, name := range []string{"admin.js", "dashboard.js", "survey.js"} {
		if slices.Contains(want, name) {
			t.Errorf("assets/%s is left beside its bundle", name)
		}
		want = append(want, name)
	}
	if err := fstest.TestFS(assets, want...); err != nil {
		t.Fatal(err)
	}
}

// TestBundlesJoinSources: each bundle holds the js/common files named for
// it and then every file of its own folder, in name order, each whole and
// once, inside one strict-mode function; every source is in a bundle.
func TestBundlesJoinSources(t *testing.T) {
	list, err := bundles(FS)
	if err != nil {
		t.Fatal(err)
	}
	assets, err := Assets()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	var names []string
	for _, b := range list {
		names = append(names, b.Name)
		t.Run(b.Name, func(t *testing.T) {
			dir := "js/" + strings.TrimSuffix(b.Name, ".js") + "/"
			var own, common []string
			for _, src := range sources(t) {
				if strings.HasPrefix(src, dir) {
					own = append(own, src)
				}
			}
			for _, name := range sharedSources()[strings.TrimSuffix(b.Name, ".js")] {
				common = append(common, "js/common/"+name)
			}
			if want := append(common, own...); !slices.Equal(b.Sources, want) {
				t.Fatalf("sources %v, want %v", b.Sources, want)
			}
			data, err := fs.ReadFile(assets, b.Name)
			if err != nil {
				t.Fatal(err)
			}
			text := string(data)
			if !strings.HasPrefix(text, "(function () {\n'use strict';\n") || !strings.HasSuffix(text, "\n}());\n") {
				t.Errorf("%s is not wrapped in one strict-mode function", b.Name)
			}
			at := 0
			for _, src := range b.Sources {
				used[src] = true
				part, err := fs.ReadFile(FS, src)
				if err != nil {
					t.Fatal(err)
				}
				piece := "\n// static/" + src + "\n" + string(part)
				i := strings.Index(text[at:], piece)
				if i < 0 {
					t.Fatalf("%s is missing, or out of order", src)
				}
				if strings.Count(text, piece) != 1 {
					t.Errorf("%s is in the bundle more than once", src)
				}
				at += i + len(piece)
			}
			var gz bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
			zw.Write(data)
			zw.Close()
			t.Logf("%s: %d sources, %d lines, %d bytes, %d gzipped", b.Name, len(b.Sources), strings.Count(text, "\n"), len(data), gz.Len())
		})
	}
	if !slices.Equal(names, []string{"admin.js", "cati.js", "dashboard.js", "survey.js"}) {
		t.Errorf("bundles %v, want admin.js, cati.js, dashboard.js and survey.js", names)
	}
	for _, src := range sources(t) {
		if !used[src] {
			t.Errorf("%s is in no bundle", src)
		}
	}
}

// TestBundleNames: bad layouts are refused, not served half-built.
func TestBundleNames(t *testing.T) {
	dom := &fstest.MapFile{Data: []byte("function byId() {}\n")}
	for _, tc := range []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"folder not in the list", fstest.MapFS{"js/common/10-dom.js": dom, "js/report/10-a.js": dom}, "js/report is not in the bundle list"},
		{"empty folder", fstest.MapFS{"js/common/10-dom.js": dom, "js/survey/notes.txt": dom}, "js/survey holds no .js file"},
		{"shared file missing", fstest.MapFS{"js/survey/10-a.js": dom}, "js/common/10-dom.js"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := bundles(tc.files)
			for _, b := range list {
				if err == nil {
					_, err = join(tc.files, b)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one with %q", err, tc.want)
			}
		})
	}
}

// TestPageScriptsShort: no page-script file is over the house limit, and
// no script of our own is left in assets/ (only the vendored chart library).
func TestPageScriptsShort(t *testing.T) {
	for _, src := range sources(t) {
		data, _ := fs.ReadFile(FS, src)
		if n := bytes.Count(data, []byte("\n")); n > maxLines {
			t.Errorf("%s has %d lines, over %d: split it", src, n, maxLines)
		}
	}
	js, err := fs.Glob(FS, "assets/*.js")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(js, []string{"assets/echarts.min.js"}) {
		t.Errorf("scripts in assets/: %v, want the vendored echarts.min.js only (page scripts live in js/)", js)
	}
}

// topLevel matches a declaration at the top level of a source file (the
// files are written with their top level at column 0).
var topLevel = regexp.MustCompile(`(?m)^(?:async\s+)?(?:function\s*\*?\s*|var\s+|let\s+|const\s+|class\s+)([A-Za-z_$][\w$]*)`)

// TestBundleNamesUnique: the files of a bundle share its scope, so a name
// declared at the top level of two of them would silently replace the
// first (function, var) or break the whole page (let, const, class).
func TestBundleNamesUnique(t *testing.T) {
	list, err := bundles(FS)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range list {
		t.Run(b.Name, func(t *testing.T) {
			where := map[string]string{}
			for _, src := range b.Sources {
				data, _ := fs.ReadFile(FS, src)
				for _, m := range topLevel.FindAllStringSubmatch(string(data), -1) {
					if first, ok := where[m[1]]; ok {
						t.Errorf("%s is declared in %s and again in %s", m[1], first, src)
					}
					where[m[1]] = src
				}
			}
			if len(where) < len(b.Sources) {
				t.Errorf("found only %d top-level names in %d files: is the pattern still right?", len(where), len(b.Sources))
			}
		})
	}
}

// TestBundlesParse runs acorn (MINYI_TEST_ACORN, or acorn on the PATH) on
// each bundle as served: ES2017 at most, for old Android WebViews, and the
// respondent page's ES5, as its README promises.
func TestBundlesParse(t *testing.T) {
	acorn := os.Getenv("MINYI_TEST_ACORN")
	if acorn == "" {
		acorn, _ = exec.LookPath("acorn")
	}
	if acorn == "" {
		surveystest.Missing(t, "acorn (npm install acorn@8, then set MINYI_TEST_ACORN)")
	}
	assets, err := Assets()
	if err != nil {
		t.Fatal(err)
	}
	list, err := bundles(FS)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, b := range list {
		t.Run(b.Name, func(t *testing.T) {
			data, _ := fs.ReadFile(assets, b.Name)
			file := filepath.Join(dir, path.Base(b.Name))
			if err := os.WriteFile(file, data, 0o644); err != nil {
				t.Fatal(err)
			}
			ecma := "--ecma2017"
			if b.Name == "survey.js" {
				ecma = "--ecma5"
			}
			if out, err := exec.Command(acorn, ecma, "--silent", file).CombinedOutput(); err != nil {
				t.Fatalf("acorn %s: %v\n%s", ecma, err, out)
			}
		})
	}
}

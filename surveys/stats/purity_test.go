package stats_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPurity holds the rule "scoring is pure" by imports: the non-test
// files of questionnaire may import the standard library only, those of
// stats also questionnaire and gonum, and neither may read the clock. So
// no database, network or Redis client can reach scoring, not even
// through a package that looks harmless.
func TestPurity(t *testing.T) {
	const module = "github.com/minyi-survey/minyi/"
	tests := []struct {
		name    string
		dir     string
		allowed []string // import path prefixes beyond the standard library
	}{
		{"questionnaire", "../questionnaire", nil},
		{"stats", ".", []string{module + "surveys/questionnaire", "gonum.org/v1/gonum/"}},
	}
	// Named for a clear message; the allow list refuses them anyway.
	forbidden := []string{module + "models", "gorm.io/", "database/sql", "net", "net/http", "github.com/redis/", "os/exec"}
	clock := map[string]bool{"Now": true, "Since": true, "Until": true}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join(tt.dir, "*.go"))
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			checked := 0
			for _, path := range files {
				if strings.HasSuffix(path, "_test.go") {
					continue
				}
				f, err := parser.ParseFile(fset, path, nil, 0)
				if err != nil {
					t.Fatal(err)
				}
				checked++
				timeName := "" // what the file calls package time
				for _, imp := range f.Imports {
					p, _ := strconv.Unquote(imp.Path.Value)
					for _, bad := range forbidden {
						if p == bad || strings.HasSuffix(bad, "/") && strings.HasPrefix(p, bad) {
							t.Errorf("%s imports %s", path, p)
						}
					}
					if !stdlib(p) && !hasPrefix(p, tt.allowed) {
						t.Errorf("%s imports %s, which %s may not", path, p, tt.name)
					}
					if p == "time" {
						timeName = "time"
						if imp.Name != nil {
							timeName = imp.Name.Name
						}
					}
				}
				ast.Inspect(f, func(n ast.Node) bool {
					sel, ok := n.(*ast.SelectorExpr)
					if !ok {
						return true
					}
					if id, ok := sel.X.(*ast.Ident); ok && timeName != "" && id.Name == timeName && clock[sel.Sel.Name] {
						t.Errorf("%s reads the clock: %s.%s", fset.Position(sel.Pos()), id.Name, sel.Sel.Name)
					}
					return true
				})
			}
			if checked == 0 {
				t.Fatalf("no Go files in %s", tt.dir)
			}
		})
	}
}

// stdlib reports whether an import path is the standard library's: its
// first element has no dot.
func stdlib(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func hasPrefix(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if path == p || strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

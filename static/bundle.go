package static

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
)

// bundle is a page script and the files under js/ it is joined from, in
// order.
type bundle struct {
	Name    string   // as served and linked from the templates: "admin.js"
	Sources []string // paths in the embedded FS: "js/common/10-dom.js", …
}

// sharedSources names, for each page script, the files of js/common it
// starts with, so that each page carries only the shared code it uses: the
// respondent page, opened on cheap phones, takes the DOM functions alone.
func sharedSources() map[string][]string {
	return map[string][]string{
		"admin":     {"10-dom.js", "20-format.js", "30-fetch.js"},
		"cati":      {"10-dom.js", "30-fetch.js"},
		"dashboard": {"10-dom.js", "20-format.js", "30-fetch.js"},
		"survey":    {"10-dom.js"},
	}
}

// bundles lists the page scripts: one for each folder js/<name>/ except
// js/common, named <name>.js, made of the js/common files sharedSources
// names for it, then every .js file of its folder in name order (hence the
// NN- prefixes).
func bundles(fsys fs.FS) ([]bundle, error) {
	shared := sharedSources()
	dirs, err := fs.ReadDir(fsys, "js")
	if err != nil {
		return nil, fmt.Errorf("static: read js: %w", err)
	}
	var out []bundle
	for _, d := range dirs {
		if !d.IsDir() || d.Name() == "common" {
			continue
		}
		common, ok := shared[d.Name()]
		if !ok {
			return nil, fmt.Errorf("static: js/%s is not in the bundle list (sharedSources)", d.Name())
		}
		b := bundle{Name: d.Name() + ".js"}
		for _, name := range common {
			b.Sources = append(b.Sources, path.Join("js/common", name))
		}
		own, err := fs.Glob(fsys, path.Join("js", d.Name(), "*.js"))
		if err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		if len(own) == 0 {
			return nil, fmt.Errorf("static: js/%s holds no .js file", d.Name())
		}
		b.Sources = append(b.Sources, own...) // Glob sorts by name
		out = append(out, b)
	}
	return out, nil
}

// join is the text of bundle b: its sources in order, each after a comment
// naming the file to edit, inside one strict-mode function, so that they
// share a scope of their own and nothing reaches the page's global one.
func join(fsys fs.FS, b bundle) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("(function () {\n'use strict';\n")
	for _, src := range b.Sources {
		data, err := fs.ReadFile(fsys, src)
		if err != nil {
			return nil, fmt.Errorf("static: bundle %s: %w", b.Name, err)
		}
		fmt.Fprintf(&buf, "\n// static/%s\n", src)
		buf.Write(data)
		if !bytes.HasSuffix(data, []byte("\n")) {
			buf.WriteByte('\n')
		}
	}
	buf.WriteString("}());\n")
	return buf.Bytes(), nil
}

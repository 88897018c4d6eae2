// Package static holds the embedded assets, the sources of the page scripts
// and the HTML templates.
package static

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
)

// FS holds the stylesheets and the vendored chart library under assets/,
// the page-script sources under js/ (joined into bundles by Assets) and the
// html/template files under templates/.
//
//go:embed assets js templates
var FS embed.FS

// Assets returns the files served under content-hashed URLs: those of
// assets/ and the page scripts admin.js, dashboard.js and survey.js, each
// joined from its sources under js/ (see bundles).
func Assets() (fs.FS, error) {
	files := memFS{}
	entries, err := fs.ReadDir(FS, "assets")
	if err != nil {
		return nil, fmt.Errorf("static: read assets: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		data, err := fs.ReadFile(FS, path.Join("assets", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("static: %w", err)
		}
		files[e.Name()] = data
	}
	list, err := bundles(FS)
	if err != nil {
		return nil, err
	}
	for _, b := range list {
		if _, ok := files[b.Name]; ok {
			return nil, fmt.Errorf("static: %s is both in assets/ and a bundle of js/", b.Name)
		}
		data, err := join(FS, b)
		if err != nil {
			return nil, err
		}
		files[b.Name] = data
	}
	return files, nil
}

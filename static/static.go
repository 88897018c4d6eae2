// Package static holds the embedded assets and HTML templates.
package static

import "embed"

// FS holds the respondent page assets under assets/ (stylesheet and script,
// served under content-hashed URLs) and the html/template files under
// templates/.
//
//go:embed assets templates
var FS embed.FS

package report

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
)

// fontFS holds the report font: Noto Sans SC Regular cut to GB 2312 and
// the punctuation a report uses (.ci/reportfont.sh makes it from the npm
// package and pins it), gzipped, with its licence (SIL OFL 1.1).
//
//go:embed font/NotoSansSC-Regular-GB2312.ttf.gz font/OFL.txt
var fontFS embed.FS

// FontLicence is the embedded font's licence text, for an about page.
func FontLicence() []byte {
	b, _ := fontFS.ReadFile("font/OFL.txt")
	return b
}

// fontTTF returns the embedded TrueType font, decompressed.
func fontTTF() ([]byte, error) {
	gz, err := fontFS.ReadFile("font/NotoSansSC-Regular-GB2312.ttf.gz")
	if err != nil {
		return nil, fmt.Errorf("report: font: %w", err)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("report: font: %w", err)
	}
	ttf, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("report: font: %w", err)
	}
	return ttf, nil
}

// Command minyi-fontcut cuts a TrueType font down to the characters a
// Chinese statistical report uses: GB 2312 (6,763 hanzi and its 682
// symbols), ASCII, Latin-1, Greek, general punctuation, arrows, maths,
// enclosed numbers, box drawing, geometric shapes, CJK symbols and the
// full-width forms. .ci/reportfont.sh runs it on the font it fetches, so
// that the binary embeds 8,462 glyphs instead of 30,898; the PDF writer
// then subsets that again to the glyphs of each document.
//
//	go run ./cmd/minyi-fontcut -in NotoSansSC-Regular.ttf -out report.ttf
package main

import (
	"flag"
	"fmt"
	"os"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// ranges are the Unicode blocks kept besides GB 2312.
var ranges = [][2]rune{
	{0x0020, 0x007E}, // ASCII
	{0x00A0, 0x017F}, // Latin-1, Latin Extended-A
	{0x01CD, 0x01DC}, // pinyin with caron
	{0x0391, 0x03C9}, // Greek (Δ, σ, λ, ω)
	{0x2000, 0x206F}, // general punctuation (— … ‰ ‘ ’ “ ”)
	{0x2100, 0x218F}, // letterlike, number forms (℃ № Ⅰ)
	{0x2190, 0x21FF}, // arrows
	{0x2200, 0x22FF}, // mathematical operators (± × ÷ ≤ ≥ √ −)
	{0x2460, 0x24FF}, // enclosed alphanumerics (① ⑴ ⒈)
	{0x2500, 0x25FF}, // box drawing, block elements, geometric shapes
	{0x2600, 0x26FF}, // miscellaneous symbols (★ ☆)
	{0x3000, 0x303F}, // CJK symbols and punctuation
	{0x3200, 0x32FF}, // enclosed CJK (㈠)
	{0xFF00, 0xFFEF}, // full-width forms
}

// charset lists the runes to keep: GB 2312, decoded from every two-byte
// EUC-CN code (GBK is a superset with the same codes), and ranges.
func charset() []rune {
	var out []rune
	dec := simplifiedchinese.GBK.NewDecoder()
	for hi := 0xA1; hi <= 0xF7; hi++ {
		for lo := 0xA1; lo <= 0xFE; lo++ {
			s, err := dec.Bytes([]byte{byte(hi), byte(lo)})
			if err != nil {
				continue
			}
			for _, r := range string(s) {
				// Rows AA-AF and F8-FE are unassigned in GB 2312; GBK's
				// user-defined area there decodes to private use.
				if r != 0xFFFD && (r < 0xE000 || r > 0xF8FF) && (hi < 0xAA || hi > 0xAF) {
					out = append(out, r)
				}
			}
		}
	}
	for _, rg := range ranges {
		for r := rg[0]; r <= rg[1]; r++ {
			out = append(out, r)
		}
	}
	return out
}

func main() {
	in := flag.String("in", "", "TrueType font to cut")
	out := flag.String("out", "", "where to write the cut font")
	flag.Parse()
	if *in == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	f, err := parseFont(data)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	cut, err := f.subset(charset())
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	if err := os.WriteFile(out, cut, 0o644); err != nil {
		return err
	}
	fmt.Printf("%s: %d glyphs, %d bytes -> %s: %d bytes\n", in, f.numGlyphs(), len(data), out, len(cut))
	return nil
}

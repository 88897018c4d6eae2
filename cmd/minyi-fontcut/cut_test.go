package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"os"
	"testing"
	"unicode"
)

// reportFont is the embedded report font, itself a cut of Noto Sans SC.
func reportFont(t *testing.T) *font {
	t.Helper()
	gz, err := os.ReadFile("../../surveys/report/font/NotoSansSC-Regular-GB2312.ttf.gz")
	if err != nil {
		t.Fatal(err)
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseFont(data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSubsetKeepsGlyphsAndMetrics(t *testing.T) {
	src := reportFont(t)
	srcMap, err := src.cmap()
	if err != nil {
		t.Fatal(err)
	}
	keep := []rune{'中', 'A', '文', '—', '中', '\U0002A6A5' /* not in the font */}
	out, err := src.subset(keep)
	if err != nil {
		t.Fatal(err)
	}
	if sum := checksum(out); sum != 0xB1B0AFBA {
		t.Errorf("whole-font checksum %#x, want 0xB1B0AFBA", sum)
	}
	cut, err := parseFont(out)
	if err != nil {
		t.Fatal(err)
	}
	for tag, table := range cut.tables {
		if tag == "head" {
			continue // its checksum is taken with checkSumAdjustment zero
		}
		if want := checksumOf(t, out, tag); checksum(table) != want {
			t.Errorf("table %q checksum %#x, directory says %#x", tag, checksum(table), want)
		}
	}
	cutMap, err := cut.cmap()
	if err != nil {
		t.Fatal(err)
	}
	if len(cutMap) != 4 || cut.numGlyphs() != 5 {
		t.Fatalf("cut font maps %d runes with %d glyphs, want 4 and 5 (.notdef)", len(cutMap), cut.numGlyphs())
	}
	// Glyphs in code-point order after .notdef.
	for i, r := range []rune{'A', '—', '中', '文'} {
		g := cutMap[r]
		if g != i+1 {
			t.Errorf("%q is glyph %d, want %d", r, g, i+1)
		}
		if !bytes.Equal(cut.glyph(g), src.glyph(srcMap[r])) {
			t.Errorf("%q: outline differs from the source's", r)
		}
		a1, l1 := cut.metric(g)
		a0, l0 := src.metric(srcMap[r])
		if a1 != a0 || l1 != l0 {
			t.Errorf("%q: metrics %d/%d, source %d/%d", r, a1, l1, a0, l0)
		}
	}
}

func checksumOf(t *testing.T, file []byte, tag string) uint32 {
	t.Helper()
	n := int(binary.BigEndian.Uint16(file[4:]))
	for i := range n {
		rec := file[12+16*i:]
		if string(rec[:4]) == tag {
			return binary.BigEndian.Uint32(rec[4:])
		}
	}
	t.Fatalf("no %q", tag)
	return 0
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		data []byte
	}{
		{"CFF outlines", append([]byte("OTTO"), make([]byte, 20)...)},
		{"too short", []byte{0, 1}},
		{"not a font", []byte("%PDF-1.7 and more bytes")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseFont(tc.data); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestCharsetIsGB2312(t *testing.T) {
	han := 0
	seen := map[rune]bool{}
	for _, r := range charset() {
		if unicode.Is(unicode.Han, r) && r >= 0x4E00 && !seen[r] {
			han++
		}
		seen[r] = true
	}
	if han != 6763 {
		t.Errorf("%d hanzi, want GB 2312's 6,763", han)
	}
	for _, r := range "，。、；：？！“”（）《》—…·±×≤≥①℃" {
		if !seen[r] {
			t.Errorf("%q missing", r)
		}
	}
}

package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
)

// font is a parsed TrueType (glyf-outline) font: its tables by tag.
type font struct {
	tables map[string][]byte
}

// parseFont reads the table directory of a TrueType font. CFF-outline
// OpenType fonts ("OTTO") and collections are refused.
func parseFont(data []byte) (*font, error) {
	if len(data) < 12 {
		return nil, errors.New("fontcut: file too short for a font")
	}
	switch v := binary.BigEndian.Uint32(data); v {
	case 0x00010000, 0x74727565: // 1.0, "true"
	case 0x4F54544F: // "OTTO"
		return nil, errors.New("fontcut: CFF outlines (OTTO): need a TrueType (glyf) font")
	default:
		return nil, fmt.Errorf("fontcut: not a TrueType font (version %#x)", v)
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if len(data) < 12+16*n {
		return nil, errors.New("fontcut: truncated table directory")
	}
	f := &font{tables: map[string][]byte{}}
	for i := range n {
		rec := data[12+16*i:]
		tag := string(rec[:4])
		off, length := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(length) > uint64(len(data)) {
			return nil, fmt.Errorf("fontcut: table %q runs past the end of the file", tag)
		}
		f.tables[tag] = data[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "cmap", "OS/2", "name", "post"} {
		if f.tables[tag] == nil {
			return nil, fmt.Errorf("fontcut: no %q table", tag)
		}
	}
	return f, nil
}

func u16(b []byte, off int) int { return int(binary.BigEndian.Uint16(b[off:])) }
func u32(b []byte, off int) int { return int(binary.BigEndian.Uint32(b[off:])) }

// numGlyphs is maxp.numGlyphs.
func (f *font) numGlyphs() int { return u16(f.tables["maxp"], 4) }

// glyph returns the glyf bytes of glyph g (empty for a blank glyph).
func (f *font) glyph(g int) []byte {
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	var start, end int
	if u16(f.tables["head"], 50) == 0 {
		start, end = 2*u16(loca, 2*g), 2*u16(loca, 2*g+2)
	} else {
		start, end = u32(loca, 4*g), u32(loca, 4*g+4)
	}
	if start > end || end > len(glyf) {
		return nil
	}
	return glyf[start:end]
}

// metric returns glyph g's advance width and left side bearing.
func (f *font) metric(g int) (advance, lsb int) {
	hmtx := f.tables["hmtx"]
	nh := u16(f.tables["hhea"], 34)
	if g < nh {
		return u16(hmtx, 4*g), u16(hmtx, 4*g+2)
	}
	return u16(hmtx, 4*(nh-1)), u16(hmtx, 4*nh+2*(g-nh))
}

// cmap maps Unicode code points to glyph ids from the font's Unicode
// subtable (format 12 when present, else format 4).
func (f *font) cmap() (map[rune]int, error) {
	c := f.tables["cmap"]
	var off4, off12 int
	for i := range u16(c, 2) {
		rec := 4 + 8*i
		pid, eid, off := u16(c, rec), u16(c, rec+2), u32(c, rec+4)
		switch {
		case pid == 3 && eid == 10, pid == 0 && (eid == 4 || eid == 6):
			if u16(c, off) == 12 {
				off12 = off
			}
		case pid == 3 && eid == 1, pid == 0 && eid == 3:
			if u16(c, off) == 4 {
				off4 = off
			}
		}
	}
	m := map[rune]int{}
	switch {
	case off12 > 0:
		groups := u32(c, off12+12)
		for i := range groups {
			g := off12 + 16 + 12*i
			start, end, gid := u32(c, g), u32(c, g+4), u32(c, g+8)
			for r := start; r <= end; r++ {
				m[rune(r)] = gid + r - start
			}
		}
	case off4 > 0:
		segs := u16(c, off4+6) / 2
		ends, starts := off4+14, off4+16+2*segs
		deltas, ranges := starts+2*segs, starts+4*segs
		for i := range segs {
			end, start := u16(c, ends+2*i), u16(c, starts+2*i)
			delta, ro := u16(c, deltas+2*i), u16(c, ranges+2*i)
			for r := start; r <= end && r != 0xFFFF; r++ {
				gid := 0
				if ro == 0 {
					gid = (r + delta) & 0xFFFF
				} else if p := ranges + 2*i + ro + 2*(r-start); p+2 <= len(c) {
					if gid = u16(c, p); gid != 0 {
						gid = (gid + delta) & 0xFFFF
					}
				}
				if gid != 0 {
					m[rune(r)] = gid
				}
			}
		}
	default:
		return nil, errors.New("fontcut: no Unicode cmap subtable (format 4 or 12)")
	}
	return m, nil
}

// Composite glyph flags (glyf table).
const (
	argsAreWords    = 0x0001
	haveScale       = 0x0008
	moreComponents  = 0x0020
	haveXYScale     = 0x0040
	haveTwoByTwo    = 0x0080
	numberOfContour = 0
)

// components calls fn with the offset of each component glyph id in a
// composite glyph's data (none for a simple glyph).
func components(data []byte, fn func(off int)) {
	if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= numberOfContour {
		return
	}
	for p := 10; p+4 <= len(data); {
		flags := u16(data, p)
		fn(p + 2)
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			return
		}
	}
}

// subset keeps the glyphs of the runes in keep (those the font has) and the
// components they use, renumbered in code-point order after .notdef, and
// returns the new font file with a fresh cmap (format 4), hmtx, loca (long),
// glyf and post (version 3). Layout, vertical and variation tables are
// dropped: a PDF writer places glyphs one by one.
func (f *font) subset(keep []rune) ([]byte, error) {
	cm, err := f.cmap()
	if err != nil {
		return nil, err
	}
	runes := slices.Clone(keep)
	slices.Sort(runes)
	runes = slices.Compact(runes)

	newID := map[int]int{0: 0}
	order := []int{0}
	add := func(g int) {
		if _, ok := newID[g]; !ok {
			newID[g] = len(order)
			order = append(order, g)
		}
	}
	var mapped []rune
	for _, r := range runes {
		if g, ok := cm[r]; ok && r <= 0xFFFF && g < f.numGlyphs() {
			add(g)
			mapped = append(mapped, r)
		}
	}
	// Components, transitively (a component may itself be composite).
	for i := 0; i < len(order); i++ {
		data := f.glyph(order[i])
		components(data, func(off int) { add(u16(data, off)) })
	}
	if len(order) > 0xFFFF {
		return nil, fmt.Errorf("fontcut: %d glyphs", len(order))
	}

	var glyf bytes.Buffer
	loca := make([]byte, 4*(len(order)+1))
	hmtx := make([]byte, 4*len(order))
	for i, g := range order {
		binary.BigEndian.PutUint32(loca[4*i:], uint32(glyf.Len()))
		data := slices.Clone(f.glyph(g))
		components(data, func(off int) {
			binary.BigEndian.PutUint16(data[off:], uint16(newID[u16(data, off)]))
		})
		glyf.Write(data)
		for glyf.Len()%4 != 0 {
			glyf.WriteByte(0)
		}
		adv, lsb := f.metric(g)
		binary.BigEndian.PutUint16(hmtx[4*i:], uint16(adv))
		binary.BigEndian.PutUint16(hmtx[4*i+2:], uint16(lsb))
	}
	binary.BigEndian.PutUint32(loca[4*len(order):], uint32(glyf.Len()))

	cmapTable, err := cmapFormat4(mapped, func(r rune) int { return newID[cm[r]] })
	if err != nil {
		return nil, err
	}
	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(len(order)))
	maxp := slices.Clone(f.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(len(order)))
	post := slices.Clone(f.tables["post"][:32])
	binary.BigEndian.PutUint32(post, 0x00030000)
	os2 := slices.Clone(f.tables["OS/2"])
	if len(mapped) > 0 {
		binary.BigEndian.PutUint16(os2[64:], uint16(mapped[0]))
		binary.BigEndian.PutUint16(os2[66:], uint16(mapped[len(mapped)-1]))
	}

	tables := map[string][]byte{
		"OS/2": os2, "cmap": cmapTable, "glyf": glyf.Bytes(), "head": head, "hhea": hhea,
		"hmtx": hmtx, "loca": loca, "maxp": maxp, "name": f.tables["name"], "post": post,
	}
	for _, tag := range []string{"cvt ", "fpgm", "prep", "gasp"} {
		if t := f.tables[tag]; t != nil {
			tables[tag] = t
		}
	}
	return assemble(tables), nil
}

// cmapFormat4 writes a cmap table with one (3,1) format 4 subtable: a
// segment per run of consecutive code points with consecutive glyph ids.
func cmapFormat4(runes []rune, gid func(rune) int) ([]byte, error) {
	type seg struct{ start, end, delta int }
	var segs []seg
	for _, r := range runes {
		g := gid(r)
		if n := len(segs); n > 0 && int(r) == segs[n-1].end+1 && g-int(r) == segs[n-1].delta {
			segs[n-1].end = int(r)
			continue
		}
		segs = append(segs, seg{int(r), int(r), g - int(r)})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 1})
	n := len(segs)
	length := 16 + 8*n
	if length > 0xFFFF {
		return nil, fmt.Errorf("fontcut: cmap format 4 needs %d bytes (over 65535)", length)
	}
	var b bytes.Buffer
	w := func(v int) { binary.Write(&b, binary.BigEndian, uint16(v)) }
	w(0) // version
	w(1) // one subtable
	w(3)
	w(1)
	binary.Write(&b, binary.BigEndian, uint32(12))
	w(4)
	w(length)
	w(0) // language
	w(2 * n)
	sr := 1
	es := 0
	for sr*2 <= n {
		sr *= 2
		es++
	}
	w(2 * sr)
	w(es)
	w(2*n - 2*sr)
	for _, s := range segs {
		w(s.end)
	}
	w(0) // reservedPad
	for _, s := range segs {
		w(s.start)
	}
	for _, s := range segs {
		w(s.delta & 0xFFFF)
	}
	for range segs {
		w(0) // idRangeOffset
	}
	return b.Bytes(), nil
}

// assemble writes a font file from its tables, sorted by tag, with table
// checksums and head.checkSumAdjustment.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	sort.Strings(tags)
	n := len(tags)
	sr, es := 1, 0
	for sr*2 <= n {
		sr *= 2
		es++
	}
	var out bytes.Buffer
	w16 := func(v int) { binary.Write(&out, binary.BigEndian, uint16(v)) }
	w32 := func(v uint32) { binary.Write(&out, binary.BigEndian, v) }
	w32(0x00010000)
	w16(n)
	w16(16 * sr)
	w16(es)
	w16(16*n - 16*sr)
	off := 12 + 16*n
	for _, tag := range tags {
		t := tables[tag]
		out.WriteString(tag)
		w32(checksum(t))
		w32(uint32(off))
		w32(uint32(len(t)))
		off += (len(t) + 3) &^ 3
	}
	headAt := 0
	for _, tag := range tags {
		if tag == "head" {
			headAt = out.Len()
		}
		out.Write(tables[tag])
		for out.Len()%4 != 0 {
			out.WriteByte(0)
		}
	}
	b := out.Bytes()
	binary.BigEndian.PutUint32(b[headAt+8:], 0xB1B0AFBA-checksum(b))
	return b
}

// checksum is the TrueType table checksum: the sum of big-endian uint32s,
// the last one zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var word [4]byte
		copy(word[:], b[i:])
		sum += binary.BigEndian.Uint32(word[:])
	}
	return sum
}

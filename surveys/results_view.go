package surveys

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/minyi-survey/minyi/surveys/stats"
)

// ResultsView says which parts of a results body a reader gets: the
// per-unit blocks only when asked for (a campaign of 1,000 units and 100
// areas has a 17 MB body, a few kilobytes without them), and the previous
// year's comparison only when the reader may read that survey too.
type ResultsView struct {
	Units    bool
	Previous bool
}

// Key names the view, for caches of encoded bodies and live payloads.
func (v ResultsView) Key() string {
	k := []byte("--")
	if v.Units {
		k[0] = 'u'
	}
	if v.Previous {
		k[1] = 'p'
	}
	return string(k)
}

// viewOf is the view named key (ResultsView.Key).
func viewOf(key string) ResultsView {
	return ResultsView{Units: len(key) == 2 && key[0] == 'u', Previous: len(key) == 2 && key[1] == 'p'}
}

// Apply returns r as the view shows it: r itself when nothing is left
// out, else a shallow copy without the parts left out (r is shared by
// every reader and never written).
func (v ResultsView) Apply(r *stats.Results) *stats.Results {
	if (v.Units || r.Units == nil) && (v.Previous || r.Previous == nil) {
		return r
	}
	out := *r
	if !v.Units {
		out.Units = nil
	}
	if !v.Previous {
		out.Previous = nil
	}
	return &out
}

// Encode returns r as the view shows it, in JSON. The units are encoded
// one by one into a buffer sized for them all: a 17 MB body marshalled in
// one piece passes through buffers twice its size.
func (v ResultsView) Encode(r *stats.Results) ([]byte, error) {
	shown := v.Apply(r)
	if len(shown.Units) == 0 {
		return json.Marshal(shown)
	}
	first, err := json.Marshal(&shown.Units[0])
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(shown.Units)*(len(first)+len(first)/4+1) + 64<<10)
	if err := v.EncodeTo(&buf, r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EncodeTo writes what Encode returns to w, unit by unit, so that a
// compressor behind w never needs the whole body in memory.
func (v ResultsView) EncodeTo(w io.Writer, r *stats.Results) error {
	shown := v.Apply(r)
	head := *shown
	head.Units = nil
	hb, err := json.Marshal(&head)
	if err != nil {
		return err
	}
	if len(shown.Units) == 0 {
		_, err := w.Write(hb)
		return err
	}
	hb = append(hb[:len(hb)-1], `,"units":[`...) // the head object, open again
	if _, err := w.Write(hb); err != nil {
		return err
	}
	for i := range shown.Units {
		b, err := json.Marshal(&shown.Units[i])
		if err != nil {
			return err
		}
		if i > 0 {
			b = append([]byte{','}, b...)
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err = w.Write([]byte("]}"))
	return err
}

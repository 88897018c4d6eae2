package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
)

//go:embed report.html
var htmlTemplate string

// HTML renders Documents as one HTML page for /r/{slug}: no script, no
// inline style (the site's CSP is style-src 'self'), the stylesheet a
// separate file (static/assets/report.css, with the A4 print rules), each
// chart an inline SVG whose geometry is in presentation attributes and
// whose colours come from the stylesheet's classes.
type HTML struct {
	tmpl *template.Template
}

// NewHTML parses the page template.
func NewHTML() (*HTML, error) {
	t, err := template.New("report").Funcs(template.FuncMap{
		"chart": svgChart,
		"span": func(n int) int {
			return max(n, 1)
		},
		"align": func(t *Table, col int) string {
			if col < len(t.Align) {
				return [...]string{"l", "r", "c"}[t.Align[col]]
			}
			return "l"
		},
		"kind": func(b Block) string { return fmt.Sprintf("%T", b)[len("*report."):] },
	}).Parse(htmlTemplate)
	if err != nil {
		return nil, fmt.Errorf("report: html template: %w", err)
	}
	return &HTML{tmpl: t}, nil
}

// Render writes the page. stylesheet is the URL of report.css (the
// server's content-hashed URL).
func (h *HTML) Render(w io.Writer, d *Document, stylesheet string) error {
	if err := d.Validate(); err != nil {
		return err
	}
	err := h.tmpl.Execute(w, struct {
		*Document
		Words      Words
		Stylesheet string
	}{d, WordsFor(d.Lang), stylesheet})
	if err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}

// The SVG chart's geometry, in user units (1 = 1 CSS px at 100 %).
const (
	svgWidth   = 680.0
	svgLabel   = 150.0 // label column
	svgValue   = 70.0  // value text column
	svgBarH    = 14.0
	svgGap     = 8.0
	svgTop     = 8.0
	svgAxis    = 22.0 // tick labels below the plot
	svgPlotEnd = svgWidth - svgValue
)

type svgBar struct {
	Label, Text             string
	Y, TextY                float64
	W, X1, X2               float64 // bar width; whisker ends
	CapY1, CapY2, MidY      float64
	Suppressed, HasInterval bool
	ValueX                  float64
}

type svgTick struct {
	X    float64
	Text string
}

type svgData struct {
	Title          string
	Width, Height  float64
	PlotX, PlotEnd float64
	PlotBottom     float64
	AxisY          float64
	Bars           []svgBar
	Ticks          []svgTick
}

// svgChart lays a BarChart out for the template.
func svgChart(c *BarChart) svgData {
	plotW := svgPlotEnd - svgLabel
	x := func(v float64) float64 { return round1(svgLabel + c.frac(v)*plotW) }
	d := svgData{Title: c.Title, Width: svgWidth, PlotX: svgLabel, PlotEnd: svgPlotEnd}
	y := svgTop
	for _, b := range c.Bars {
		sb := svgBar{Label: b.Label, Text: b.Text, Y: y, TextY: y + svgBarH - 3, Suppressed: b.Suppressed,
			MidY: y + svgBarH/2, CapY1: y + 2, CapY2: y + svgBarH - 2}
		if b.Suppressed {
			sb.Text = Dash
			sb.ValueX = svgLabel + 4
		} else {
			sb.W = round1(x(b.Value) - svgLabel)
			end := x(b.Value)
			if b.HasInterval {
				sb.HasInterval = true
				sb.X1, sb.X2 = x(b.Low), x(b.High)
				end = max(end, sb.X2)
			}
			sb.ValueX = end + 4
		}
		d.Bars = append(d.Bars, sb)
		y += svgBarH + svgGap
	}
	d.PlotBottom = y
	d.AxisY = y + 14
	d.Height = y + svgAxis
	for _, t := range c.Ticks {
		d.Ticks = append(d.Ticks, svgTick{X: x(t), Text: strconv.FormatFloat(t, 'f', -1, 64)})
	}
	return d
}

func round1(v float64) float64 { return float64(int(v*10+0.5)) / 10 }

package report

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
)

// chartSeries are the measures the summary chart draws, with their
// colours.
var chartSeries = []struct{ name, color string }{
	{"Offered", "#5b8def"}, {"Accepted", "#36b37e"}, {"Customer Connected", "#ffab00"}, {"Success", "#6554c0"},
}

// SummaryChart draws the summary's measures per period as grouped bars,
// an SVG element.
func SummaryChart(rows []SummaryRow) template.HTML {
	byPeriod := map[string]*SummaryRow{}
	var periods []string
	for _, r := range rows {
		p, ok := byPeriod[r.Period]
		if !ok {
			p = &SummaryRow{Period: r.Period}
			byPeriod[r.Period] = p
			periods = append(periods, r.Period)
		}
		p.add(r)
	}
	slices.Sort(periods)
	values := func(r *SummaryRow) []int64 { return []int64{r.Offered, r.Accepted, r.Connected, r.Successful} }
	var top int64 = 1
	for _, p := range periods {
		top = max(top, slices.Max(values(byPeriod[p])))
	}
	const (
		height, plot, left, bottom = 240, 180, 40, 40
		bar, gap                   = 14, 18
	)
	group := len(chartSeries)*bar + gap
	width := max(320, left+len(periods)*group+gap)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="Callbacks per period">`,
		width, height+20, width, height+20)
	// Axis and the top value.
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, left, height-bottom, width-4, height-bottom)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="end">%d</text>`, left-4, height-bottom-plot+4, top)
	fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="end">0</text>`, left-4, height-bottom+4)
	for i, p := range periods {
		x0 := left + gap/2 + i*group
		for j, v := range values(byPeriod[p]) {
			h := int(int64(plot) * v / top)
			s := chartSeries[j]
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" data-period="%s" data-series="%s" data-value="%d"><title>%s %s: %d</title></rect>`,
				x0+j*bar, height-bottom-h, bar-2, h, s.color, template.HTMLEscapeString(p), s.name, v,
				template.HTMLEscapeString(p), s.name, v)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" class="axis" text-anchor="middle">%s</text>`, x0+len(chartSeries)*bar/2, height-bottom+16,
			template.HTMLEscapeString(p))
	}
	// Legend.
	for j, s := range chartSeries {
		x := left + j*150
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" class="legend">%s</text>`,
			x, height+4, s.color, x+14, height+13, s.name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // built from escaped parts only
}

package console

import (
	"slices"
	"strings"

	"github.com/orca-scxml/orca/scxml"
)

// Sizes of the drawing, in SVG user units (pixels at zoom 1). Text is set
// in a monospace font so that its width follows from its length.
const (
	idCharW  = 7.5  // width of a character of a state id (12px monospace)
	rowCharW = 6.9  // width of a character of a transition row (11px monospace)
	headerH  = 24.0 // the state id line
	rowH     = 16.0 // one transition row
	pad      = 10.0 // inside a box, around its content
	gapX     = 28.0 // between the regions of a parallel state
	gapY     = 22.0 // between boxes of a column
	gapCol   = 64.0 // between columns, room for arrows
	initH    = 22.0 // the strip holding the initial pseudo-state
	histD    = 28.0 // diameter of a history state
	minW     = 72.0
	maxColH  = 900.0  // columns of boxes taller than this wrap
	maxBandW = 1500.0 // bands of columns wider than this wrap
	gapBand  = 56.0   // between bands of columns
	maxChars = 46     // transition rows longer than this are cut (Full keeps all)
	regionH  = 20.0   // header of a parallel region
)

// Layout is a statechart drawn from a document: a box for every visible
// state, positioned, and the arrows of the transitions between them. It is
// deterministic: the same document and options give the same layout. It
// encodes as the JSON the console's pages render as SVG.
type Layout struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	// Nodes are the visible states in document order, parents before
	// children (so drawing them in order paints children on top).
	Nodes []*Node `json:"nodes"`
	// Edges are the arrows: transitions, initial transitions and the
	// default transitions of history states.
	Edges []*Edge `json:"edges"`
	// States lists every state of the document, visible or not, so a page
	// can find a hidden state's collapsed ancestor.
	States []StateRef `json:"states"`
	// Collapsed lists the compound and parallel states drawn closed.
	Collapsed []string `json:"collapsed"`
}

// Node is one visible state. X and Y are its top-left corner in the
// coordinates of the whole drawing.
type Node struct {
	ID     string `json:"id"`
	Label  string `json:"label"`
	Kind   string `json:"kind"`
	Parent string `json:"parent,omitempty"`
	Depth  int    `json:"depth"`
	// Region is true for a child of a parallel state: drawn without a
	// border, between the dashed separators of its parent.
	Region bool    `json:"region,omitempty"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	W      float64 `json:"w"`
	H      float64 `json:"h"`
	// Children is the number of child states; Collapsed is true when they
	// are not drawn.
	Children  int  `json:"children,omitempty"`
	Collapsed bool `json:"collapsed,omitempty"`
	// Deep is true for a deep history state.
	Deep bool `json:"deep,omitempty"`
	// Rows are the state's transitions, one line each, inside the box.
	Rows []Row `json:"rows,omitempty"`
	// Initial is the initial pseudo-state of a compound state, drawn as a
	// dot; nil when none is drawn.
	Initial *Point `json:"initial,omitempty"`
	// Separators are the dashed lines between the regions of a parallel
	// state.
	Separators []Line `json:"separators,omitempty"`
	// File is where the state is defined, "file:line".
	File string `json:"file,omitempty"`
}

// Row is one transition of a state as written in its box.
type Row struct {
	// Text is the line drawn: events, [condition], and → targets, cut to
	// fit; Full is the whole of it.
	Text string `json:"text"`
	Full string `json:"full"`
	// Y is the baseline-centre of the row in drawing coordinates.
	Y       float64  `json:"y"`
	Events  []string `json:"events,omitempty"`
	Cond    string   `json:"cond,omitempty"`
	Targets []string `json:"targets,omitempty"`
}

// Edge is an arrow from a transition row (or an initial dot or a history
// state) to the visible box of a target.
type Edge struct {
	From string `json:"from"`
	// Row indexes From's Rows; -1 for initial and history arrows.
	Row int `json:"row"`
	// To is the box the arrow ends at: Target itself, or its collapsed
	// ancestor.
	To     string `json:"to"`
	Target string `json:"target"`
	// Kind is "transition", "initial" or "history".
	Kind string `json:"kind"`
	// Points are a cubic Bézier curve: start, two control points, end.
	Points [4]Point `json:"points"`
}

// Point is a position in the drawing.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Line is a segment.
type Line struct {
	A Point `json:"a"`
	B Point `json:"b"`
}

// StateRef names a state and its parent.
type StateRef struct {
	ID     string `json:"id"`
	Parent string `json:"parent,omitempty"`
	Kind   string `json:"kind"`
}

// LayoutOptions control which states are drawn closed.
type LayoutOptions struct {
	// Collapsed names compound and parallel states to draw closed (their
	// children hidden). Ids of other states are ignored.
	Collapsed []string
	// AutoCollapse, when positive and Collapsed is nil, closes compound
	// states, deepest first, until at most this many states are visible.
	AutoCollapse int
}

// kindName is the Kind of a Node for st.
func kindName(st *scxml.State) string {
	switch st.Kind {
	case scxml.Root:
		return "root"
	case scxml.Compound:
		return "compound"
	case scxml.Parallel:
		return "parallel"
	case scxml.Final:
		return "final"
	case scxml.History:
		return "history"
	}
	return "atomic"
}

// container reports whether st has child states to draw.
func container(st *scxml.State) bool {
	return st.Kind == scxml.Root || st.Kind == scxml.Compound || st.Kind == scxml.Parallel
}

// layouter holds the state of one NewLayout.
type layouter struct {
	doc       *scxml.Document
	collapsed map[*scxml.State]bool
	boxes     map[*scxml.State]*box
	// end[i] is the order of the last descendant of the state of order i.
	end []int
	out *Layout
}

// box is a state being laid out: its size, and the position of its
// top-left corner relative to its parent's.
type box struct {
	st         *scxml.State
	x, y, w, h float64
	rows       []Row
	kids       []*box
	// bodyY is where the children area starts, relative to the box.
	bodyY   float64
	initial *Point
	seps    []Line
	region  bool
}

// NewLayout lays out the chart of doc.
func NewLayout(doc *scxml.Document, opts LayoutOptions) *Layout {
	l := &layouter{doc: doc, collapsed: map[*scxml.State]bool{}, boxes: map[*scxml.State]*box{}, out: &Layout{}}
	l.end = make([]int, len(doc.States))
	for i := len(doc.States) - 1; i >= 0; i-- {
		l.end[i] = max(l.end[i], i)
		if p := doc.States[i].Parent; p != nil {
			l.end[p.Order] = max(l.end[p.Order], l.end[i])
		}
	}
	if opts.Collapsed != nil {
		for _, id := range opts.Collapsed {
			if st := doc.ByID[id]; st != nil && (st.Kind == scxml.Compound || st.Kind == scxml.Parallel) {
				l.collapsed[st] = true
			}
		}
	} else if opts.AutoCollapse > 0 {
		l.autoCollapse(opts.AutoCollapse)
	}
	root := l.measure(doc.Root)
	l.place(root, 0, 0, nil)
	l.out.Width, l.out.Height = root.w, root.h
	l.edges()
	for _, st := range doc.States {
		ref := StateRef{ID: st.ID, Kind: kindName(st)}
		if st.Parent != nil {
			ref.Parent = st.Parent.ID
		}
		l.out.States = append(l.out.States, ref)
		if l.collapsed[st] {
			l.out.Collapsed = append(l.out.Collapsed, st.ID)
		}
	}
	if l.out.Collapsed == nil {
		l.out.Collapsed = []string{}
	}
	return l.out
}

// autoCollapse closes compound states, deepest and then largest first,
// until at most limit states are visible.
func (l *layouter) autoCollapse(limit int) {
	size := func(st *scxml.State) int { return l.end[st.Order] - st.Order + 1 }
	var cands []*scxml.State
	for _, st := range l.doc.States {
		if st.Kind == scxml.Compound || st.Kind == scxml.Parallel {
			cands = append(cands, st)
		}
	}
	slices.SortStableFunc(cands, func(a, b *scxml.State) int {
		if a.Depth != b.Depth {
			return b.Depth - a.Depth
		}
		return size(b) - size(a)
	})
	visible := len(l.doc.States)
	for _, st := range cands {
		if visible <= limit {
			return
		}
		// Closing st hides its descendants that are still visible.
		hiddenNow := 0
		for _, d := range l.subtree(st)[1:] {
			if !l.hidden(d) {
				hiddenNow++
			}
		}
		l.collapsed[st] = true
		visible -= hiddenNow
	}
}

// hidden reports whether st is inside a collapsed state.
func (l *layouter) hidden(st *scxml.State) bool {
	for p := st.Parent; p != nil; p = p.Parent {
		if l.collapsed[p] {
			return true
		}
	}
	return false
}

// visible returns the box drawn for st: its own, or that of its outermost
// collapsed ancestor.
func (l *layouter) visible(st *scxml.State) *scxml.State {
	v := st
	for p := st.Parent; p != nil; p = p.Parent {
		if l.collapsed[p] {
			v = p
		}
	}
	return v
}

// measure computes the size of st's box and lays out its children
// relative to it.
func (l *layouter) measure(st *scxml.State) *box {
	b := &box{st: st}
	l.boxes[st] = b
	if st.Kind == scxml.History {
		b.w, b.h = histD, histD
		return b
	}
	label := displayID(st)
	if st.Kind == scxml.Root {
		label = rootLabel(l.doc)
	}
	w := max(minW, 2*pad+float64(len([]rune(label)))*idCharW+badgeW(st, l.collapsed[st]))
	for _, t := range st.Transitions {
		r := rowOf(t)
		b.rows = append(b.rows, r)
		w = max(w, 2*pad+float64(len([]rune(r.Text)))*rowCharW+12)
	}
	b.bodyY = headerH + float64(len(b.rows))*rowH
	if len(b.rows) > 0 {
		b.bodyY += 4
	}
	h := b.bodyY + pad/2
	if container(st) && !l.collapsed[st] && len(st.Children) > 0 {
		for _, c := range st.Children {
			b.kids = append(b.kids, l.measure(c))
		}
		var cw, ch float64
		if st.Kind == scxml.Parallel {
			cw, ch = l.regions(b)
		} else {
			cw, ch = l.layers(b)
		}
		if cw+2*pad < w && st.Kind != scxml.Parallel {
			// A header wider than the children: centre them under it.
			for _, k := range b.kids {
				k.x += (w - cw - 2*pad) / 2
			}
			if b.initial != nil {
				b.initial.X = pad + 6
			}
		}
		w = max(w, cw+2*pad)
		h = b.bodyY + ch + pad
	}
	b.w, b.h = w, h
	if st.Kind == scxml.Parallel && !l.collapsed[st] {
		// Regions stretch across the parallel state's width.
		l.spreadRegions(b)
	}
	return b
}

// badgeW is the room the kind badge (and the collapsed marker) take in the
// header.
func badgeW(st *scxml.State, collapsed bool) float64 {
	w := 0.0
	switch st.Kind {
	case scxml.Parallel, scxml.Final:
		w += 8 * idCharW
	}
	if collapsed {
		w += 7 * idCharW // "+ 123"
	}
	return w
}

// regions places the children of a parallel state side by side, all of
// the height of the tallest, and returns the size of the area they take.
func (l *layouter) regions(b *box) (w, h float64) {
	for _, k := range b.kids {
		h = max(h, k.h)
	}
	x := 0.0
	for i, k := range b.kids {
		k.region = k.st.Kind != scxml.History
		k.x, k.y = pad+x, b.bodyY
		if k.region {
			k.h = h
		}
		x += k.w
		if i < len(b.kids)-1 {
			x += gapX
		}
	}
	return x, h
}

// spreadRegions widens the regions of parallel box b to fill it, and
// draws the separators between them.
func (l *layouter) spreadRegions(b *box) {
	used := 0.0
	for i, k := range b.kids {
		used += k.w
		if i > 0 {
			used += gapX
		}
	}
	extra := b.w - 2*pad - used
	if extra > 0 && len(b.kids) > 0 {
		// The last region takes the slack.
		b.kids[len(b.kids)-1].w += extra
	}
	for i := 1; i < len(b.kids); i++ {
		x := b.kids[i].x - gapX/2
		b.seps = append(b.seps, Line{A: Point{x, b.bodyY}, B: Point{x, b.h - pad/2}})
	}
}

// displayID is the id shown for st: generated ids (states without one)
// are shown by their kind.
func displayID(st *scxml.State) string {
	if st.Generated {
		return "‹" + st.Kind.String() + "›"
	}
	return st.ID
}

// rootLabel is the title of the drawing.
func rootLabel(doc *scxml.Document) string {
	if doc.Name != "" {
		return doc.Name
	}
	return "scxml"
}

// rowOf writes transition t as a row: its events, [condition] and →
// targets. A row too long to draw loses the end of its condition first,
// so that its events and targets stay readable.
func rowOf(t *scxml.Transition) Row {
	r := Row{Events: t.Events}
	events := strings.Join(t.Events, " ")
	cond := ""
	if t.Cond != nil {
		r.Cond = t.Cond.Src
		cond = strings.Join(strings.Fields(t.Cond.Src), " ")
	}
	targets := ""
	if len(t.Targets) > 0 {
		names := make([]string, len(t.Targets))
		for i, tg := range t.Targets {
			names[i] = displayID(tg)
			r.Targets = append(r.Targets, tg.ID)
		}
		targets = "→ " + strings.Join(names, " ")
	}
	line := func(cond string) string {
		var parts []string
		for _, p := range []string{events, cond, targets} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if len(parts) == 0 {
			return "(always, no target)"
		}
		return strings.Join(parts, " ")
	}
	bracket := func(c string) string {
		if c == "" {
			return ""
		}
		return "[" + c + "]"
	}
	r.Full = line(bracket(cond))
	r.Text = r.Full
	if n := len([]rune(r.Full)); n > maxChars && cond != "" {
		keep := len([]rune(cond)) - (n - maxChars)
		if keep >= 6 {
			r.Text = line(bracket(cut(cond, keep)))
		}
	}
	r.Text = cut(r.Text, maxChars)
	return r
}

// cut shortens s to n characters, marking the cut with an ellipsis.
func cut(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

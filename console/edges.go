package console

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/orca-scxml/orca/scxml"
)

// place turns b's relative position into drawing coordinates (ox, oy is
// its parent's corner) and appends the nodes of b and its children.
func (l *layouter) place(b *box, ox, oy float64, parent *scxml.State) {
	x, y := ox+b.x, oy+b.y
	st := b.st
	n := &Node{
		ID: st.ID, Label: displayID(st), Kind: kindName(st), Depth: st.Depth,
		X: x, Y: y, W: b.w, H: b.h, Region: b.region, Deep: st.Deep,
		Collapsed: l.collapsed[st], File: st.Pos.File + ":" + strconv.Itoa(st.Pos.Line),
	}
	if st.Kind == scxml.Root {
		n.Label = rootLabel(l.doc)
	}
	if parent != nil {
		n.Parent = parent.ID
	}
	n.Children = len(st.Children)
	for i, r := range b.rows {
		r.Y = y + headerH + float64(i)*rowH + rowH/2
		n.Rows = append(n.Rows, r)
	}
	if b.initial != nil {
		n.Initial = &Point{X: x + b.initial.X, Y: y + b.initial.Y}
	}
	for _, s := range b.seps {
		n.Separators = append(n.Separators, Line{A: Point{x + s.A.X, y + s.A.Y}, B: Point{x + s.B.X, y + s.B.Y}})
	}
	l.out.Nodes = append(l.out.Nodes, n)
	for _, k := range b.kids {
		l.place(k, x, y, st)
	}
}

// Sides of a box an arrow can enter by.
const (
	sideTop = iota
	sideBottom
	sideLeft
	sideRight
)

// arrow is an edge whose end is not yet spread along its side.
type arrow struct {
	e    *Edge
	to   *Node
	side int
}

// edges computes the arrows of every visible transition.
func (l *layouter) edges() {
	byID := make(map[string]*Node, len(l.out.Nodes))
	for _, n := range l.out.Nodes {
		byID[n.ID] = n
	}
	var arrows []arrow
	add := func(from *Node, row int, kind string, p0 Point, tg *scxml.State) {
		vis := l.visible(tg)
		to := byID[vis.ID]
		e := &Edge{From: from.ID, Row: row, To: vis.ID, Target: tg.ID, Kind: kind}
		if to == from && kind == "transition" {
			// A transition to the state itself (or to a state inside it
			// that is hidden): a loop on the box's right side.
			e.Points = [4]Point{p0, {p0.X + 34, p0.Y - 16}, {p0.X + 34, p0.Y + 16}, {p0.X + 1, p0.Y + 5}}
			l.out.Edges = append(l.out.Edges, e)
			return
		}
		side := sideRight
		switch {
		case inside(p0, to):
		case to.X >= p0.X:
			side = sideLeft
		case to.Y >= p0.Y+4:
			side = sideTop
		case to.Y+to.H <= p0.Y-4:
			side = sideBottom
		}
		e.Points[0] = p0
		arrows = append(arrows, arrow{e: e, to: to, side: side})
	}
	for _, n := range l.out.Nodes {
		st := l.doc.ByID[n.ID]
		switch {
		case st.Kind == scxml.History:
			p0 := Point{n.X + n.W, n.Y + n.H/2}
			for _, t := range st.Transitions {
				for _, tg := range t.Targets {
					add(n, -1, "history", p0, tg)
				}
			}
			continue
		case n.Initial != nil:
			for _, tg := range st.Initial.Targets {
				add(n, -1, "initial", Point{n.Initial.X + 5, n.Initial.Y}, tg)
			}
		}
		for i, r := range n.Rows {
			tr := st.Transitions[i]
			for _, tg := range tr.Targets {
				add(n, i, "transition", Point{n.X + n.W, r.Y}, tg)
			}
		}
	}
	// Spread the ends of the arrows entering one side of a box, ordered
	// by where they come from, so that their heads do not pile up.
	slices.SortStableFunc(arrows, func(a, b arrow) int {
		if c := cmp.Compare(a.to.Y, b.to.Y); c != 0 {
			return c
		}
		if c := cmp.Compare(a.to.X, b.to.X); c != 0 {
			return c
		}
		if c := cmp.Compare(a.side, b.side); c != 0 {
			return c
		}
		if a.side == sideLeft || a.side == sideRight {
			return cmp.Compare(a.e.Points[0].Y, b.e.Points[0].Y)
		}
		return cmp.Compare(a.e.Points[0].X, b.e.Points[0].X)
	})
	for i := 0; i < len(arrows); {
		j := i
		for j < len(arrows) && arrows[j].to == arrows[i].to && arrows[j].side == arrows[i].side {
			j++
		}
		group := arrows[i:j]
		for k, a := range group {
			frac := (float64(k) + 1) / float64(len(group)+1)
			l.finish(a, frac)
		}
		i = j
	}
}

// finish sets the end and control points of a's edge, its end at
// fraction frac along the side it enters by.
func (l *layouter) finish(a arrow, frac float64) {
	to, e := a.to, a.e
	p0 := e.Points[0]
	const reach = 48
	var p1, c2 Point
	switch a.side {
	case sideTop:
		p1 = Point{to.X + to.W*spread(frac, to.W), to.Y}
		c2 = Point{p1.X, p1.Y - reach}
	case sideBottom:
		p1 = Point{to.X + to.W*spread(frac, to.W), to.Y + to.H}
		c2 = Point{p1.X, p1.Y + reach}
	case sideLeft:
		p1 = Point{to.X, to.Y + min(to.H, headerH*2)*frac}
		c2 = Point{p1.X - reach, p1.Y}
	default:
		p1 = Point{to.X + to.W, to.Y + min(to.H, headerH*2)*frac}
		c2 = Point{p1.X + reach, p1.Y}
	}
	c1 := Point{p0.X + reach, p0.Y}
	e.Points = [4]Point{p0, c1, c2, p1}
	l.out.Edges = append(l.out.Edges, e)
}

// spread keeps arrow ends on the top or bottom of a box of width w near
// its middle: within 60 units of it.
func spread(frac, w float64) float64 {
	if w <= 120 {
		return frac
	}
	off := (frac - 0.5) * 120
	return 0.5 + off/w
}

// inside reports whether p lies within n's box.
func inside(p Point, n *Node) bool {
	return p.X >= n.X && p.X <= n.X+n.W && p.Y >= n.Y && p.Y <= n.Y+n.H
}

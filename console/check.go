package console

import (
	"fmt"
)

// Check verifies the geometry of l and returns one error per problem: a
// box that is not inside its parent's, two sibling boxes that overlap, a
// transition row wider than its box, an initial dot inside a child's box,
// a separator outside its parallel state, an edge that names no box.
// A layout NewLayout made has none; tests run it over real documents.
func (l *Layout) Check() []error {
	var errs []error
	byID := make(map[string]*Node, len(l.Nodes))
	kids := map[string][]*Node{}
	for _, n := range l.Nodes {
		if byID[n.ID] != nil {
			errs = append(errs, fmt.Errorf("state %s: drawn twice", n.ID))
		}
		byID[n.ID] = n
		kids[n.Parent] = append(kids[n.Parent], n)
		if n.W <= 0 || n.H <= 0 {
			errs = append(errs, fmt.Errorf("state %s: empty box %gx%g", n.ID, n.W, n.H))
		}
		for i, r := range n.Rows {
			if w := 2*pad + float64(len([]rune(r.Text)))*rowCharW; w > n.W+0.01 {
				errs = append(errs, fmt.Errorf("state %s: row %d %q is %g wide, the box %g", n.ID, i, r.Text, w, n.W))
			}
			if r.Y < n.Y || r.Y > n.Y+n.H {
				errs = append(errs, fmt.Errorf("state %s: row %d outside the box", n.ID, i))
			}
		}
	}
	for _, n := range l.Nodes {
		if n.Parent == "" {
			if n.X < 0 || n.Y < 0 || n.X+n.W > l.Width+0.01 || n.Y+n.H > l.Height+0.01 {
				errs = append(errs, fmt.Errorf("state %s: outside the drawing", n.ID))
			}
			continue
		}
		p := byID[n.Parent]
		if p == nil {
			errs = append(errs, fmt.Errorf("state %s: parent %s not drawn", n.ID, n.Parent))
			continue
		}
		if !contains(p, n) {
			errs = append(errs, fmt.Errorf("state %s (%g,%g %gx%g): not inside its parent %s (%g,%g %gx%g)",
				n.ID, n.X, n.Y, n.W, n.H, p.ID, p.X, p.Y, p.W, p.H))
		}
		if p.Initial != nil && inside(*p.Initial, n) {
			errs = append(errs, fmt.Errorf("state %s: the initial dot of %s is inside it", n.ID, p.ID))
		}
		for i, r := range p.Rows {
			if r.Y >= n.Y && r.Y <= n.Y+n.H {
				errs = append(errs, fmt.Errorf("state %s: covers row %d of its parent %s", n.ID, i, p.ID))
			}
		}
	}
	for parent, sibs := range kids {
		for i, a := range sibs {
			for _, b := range sibs[i+1:] {
				if overlap(a, b) {
					errs = append(errs, fmt.Errorf("states %s and %s (children of %q) overlap: (%g,%g %gx%g) and (%g,%g %gx%g)",
						a.ID, b.ID, parent, a.X, a.Y, a.W, a.H, b.X, b.Y, b.W, b.H))
				}
			}
		}
	}
	for _, n := range l.Nodes {
		for _, s := range n.Separators {
			if !inside(s.A, n) || !inside(s.B, n) {
				errs = append(errs, fmt.Errorf("state %s: separator outside the box", n.ID))
			}
		}
	}
	for _, e := range l.Edges {
		if byID[e.From] == nil || byID[e.To] == nil {
			errs = append(errs, fmt.Errorf("edge %s -> %s: no such box", e.From, e.To))
		}
	}
	return errs
}

// contains reports whether c lies within p.
func contains(p, c *Node) bool {
	const eps = 0.01
	return c.X >= p.X-eps && c.Y >= p.Y-eps && c.X+c.W <= p.X+p.W+eps && c.Y+c.H <= p.Y+p.H+eps
}

// overlap reports whether boxes a and b share more than an edge.
func overlap(a, b *Node) bool {
	const eps = 0.01
	return a.X < b.X+b.W-eps && b.X < a.X+a.W-eps && a.Y < b.Y+b.H-eps && b.Y < a.Y+a.H-eps
}

package console

import (
	"slices"

	"github.com/orca-scxml/orca/scxml"
)

// layers lays out the children of compound (or root) box b in layers, top
// to bottom, and returns the size of the area they take.
//
// The children are the nodes of a graph whose edges are the transitions
// between them, a transition between descendants counting for the children
// that hold them. The edges that close a cycle are found by a depth-first
// search from the initial child, then from the others in document order,
// and left out; each child then goes one layer below the lowest of its
// predecessors (longest path), so the flow of the chart reads downwards.
// Within a layer, children are ordered by a few sweeps of the barycenter
// heuristic, ties kept in search order. A layer wider than maxRowW wraps.
func (l *layouter) layers(b *box) (w, h float64) {
	st := b.st
	n := len(b.kids)
	idx := make(map[*scxml.State]int, n)
	for i, k := range b.kids {
		idx[k.st] = i
	}
	childOf := func(s *scxml.State) int {
		for s != nil && s.Parent != st {
			s = s.Parent
		}
		if s == nil {
			return -1
		}
		return idx[s]
	}
	succ := make([][]int, n)
	for i, k := range b.kids {
		for _, d := range l.subtree(k.st) {
			for _, t := range d.Transitions {
				for _, tg := range t.Targets {
					if j := childOf(tg); j >= 0 && j != i && !slices.Contains(succ[i], j) {
						succ[i] = append(succ[i], j)
					}
				}
			}
		}
	}
	var seeds []int
	if st.Initial != nil {
		for _, tg := range st.Initial.Targets {
			if j := childOf(tg); j >= 0 && !slices.Contains(seeds, j) {
				seeds = append(seeds, j)
			}
		}
	}
	for i := range n {
		if !slices.Contains(seeds, i) {
			seeds = append(seeds, i)
		}
	}

	// Depth-first search: discovery order, postorder, back edges.
	const white, grey, black = 0, 1, 2
	color := make([]int, n)
	var pre, post []int
	forward := make([][]int, n)
	var visit func(u int)
	visit = func(u int) {
		color[u] = grey
		pre = append(pre, u)
		for _, v := range succ[u] {
			switch color[v] {
			case white:
				forward[u] = append(forward[u], v)
				visit(v)
			case black:
				forward[u] = append(forward[u], v)
			}
		}
		color[u] = black
		post = append(post, u)
	}
	for _, s := range seeds {
		if color[s] == white {
			visit(s)
		}
	}
	layer := make([]int, n)
	preds := make([][]int, n)
	for i := len(post) - 1; i >= 0; i-- {
		u := post[i]
		for _, v := range forward[u] {
			layer[v] = max(layer[v], layer[u]+1)
			preds[v] = append(preds[v], u)
		}
	}
	nl := 0
	for _, x := range layer {
		nl = max(nl, x+1)
	}
	rows := make([][]int, nl)
	for _, u := range pre {
		rows[layer[u]] = append(rows[layer[u]], u)
	}
	orderRows(rows, preds, forward)

	// Place the layers, wrapping wide ones.
	widest := 0.0
	for _, k := range b.kids {
		widest = max(widest, k.w)
	}
	limit := max(maxRowW, widest)
	var lines [][]int
	for _, r := range rows {
		start, width := 0, 0.0
		for i, u := range r {
			add := b.kids[u].w
			if i > start {
				add += gapX
			}
			if i > start && width+add > limit {
				lines = append(lines, r[start:i])
				start, width, add = i, 0, b.kids[u].w
			}
			width += add
		}
		lines = append(lines, r[start:])
	}
	top := 0.0
	if st.Initial != nil && len(st.Initial.Targets) > 0 {
		top = initH
		b.initial = &Point{X: pad + 6, Y: b.bodyY + initH/2}
	}
	widths := make([]float64, len(lines))
	for i, line := range lines {
		for j, u := range line {
			if j > 0 {
				widths[i] += gapX
			}
			widths[i] += b.kids[u].w
		}
		w = max(w, widths[i])
	}
	y := top
	for i, line := range lines {
		x := (w - widths[i]) / 2
		rh := 0.0
		for _, u := range line {
			k := b.kids[u]
			k.x, k.y = pad+x, b.bodyY+y
			x += k.w + gapX
			rh = max(rh, k.h)
		}
		y += rh
		if i < len(lines)-1 {
			y += gapY
		}
	}
	return w, y
}

// orderRows orders each layer by the barycenter of its neighbours in the
// layers above (sweeping down) and below (sweeping up). Sorting is stable,
// so ties keep the order they had.
func orderRows(rows [][]int, preds, succs [][]int) {
	pos := map[int]float64{}
	setPos := func(r []int) {
		for i, u := range r {
			pos[u] = (float64(i) + 0.5) / float64(len(r))
		}
	}
	for _, r := range rows {
		setPos(r)
	}
	bary := func(r []int, nb [][]int) {
		key := make(map[int]float64, len(r))
		for _, u := range r {
			if len(nb[u]) == 0 {
				key[u] = pos[u]
				continue
			}
			s := 0.0
			for _, v := range nb[u] {
				s += pos[v]
			}
			key[u] = s / float64(len(nb[u]))
		}
		slices.SortStableFunc(r, func(a, b int) int {
			switch {
			case key[a] < key[b]:
				return -1
			case key[a] > key[b]:
				return 1
			}
			return 0
		})
		setPos(r)
	}
	for range 2 {
		for i := 1; i < len(rows); i++ {
			bary(rows[i], preds)
		}
		for i := len(rows) - 2; i >= 0; i-- {
			bary(rows[i], succs)
		}
	}
	for i := 1; i < len(rows); i++ {
		bary(rows[i], preds)
	}
}

// subtree returns st and its descendants (contiguous in document order).
func (l *layouter) subtree(st *scxml.State) []*scxml.State {
	return l.doc.States[st.Order : l.end[st.Order]+1]
}

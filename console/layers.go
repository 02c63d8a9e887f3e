package console

import (
	"slices"

	"github.com/orca-scxml/orca/scxml"
)

// layers lays out the children of compound (or root) box b in layers, and returns the size of the area they take.
//
// The children are the nodes of a graph whose edges are the transitions
// between them, a transition between descendants counting for the children
// that hold them. The edges that close a cycle are found by a depth-first
// search from the initial child, then from the others in document order,
// and left out; each child then goes one layer below the lowest of its
// predecessors (longest path), so the flow of the chart reads left to
// right.
// Layers are columns, left to right, as transition rows leave their boxes
// on the right; within a column, children are ordered by a few sweeps of
// the barycenter heuristic, ties kept in search order. A column taller
// than maxColH wraps into the next, and columns wider together than
// maxBandW wrap into a band below.
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

	// Place the layers as columns, left to right, wrapping tall ones.
	tallest := 0.0
	for _, k := range b.kids {
		tallest = max(tallest, k.h)
	}
	limit := max(maxColH, tallest)
	var cols [][]int
	for _, r := range rows {
		start, height := 0, 0.0
		for i, u := range r {
			add := b.kids[u].h
			if i > start {
				add += gapY
			}
			if i > start && height+add > limit {
				cols = append(cols, r[start:i])
				start, height, add = i, 0, b.kids[u].h
			}
			height += add
		}
		cols = append(cols, r[start:])
	}
	top := 0.0
	if st.Initial != nil && len(st.Initial.Targets) > 0 {
		top = initH
		b.initial = &Point{X: pad + 6, Y: b.bodyY + initH/2}
	}
	// Columns go left to right in bands no wider than maxBandW, the
	// bands top to bottom, like lines of text.
	colW := make([]float64, len(cols))
	colH := make([]float64, len(cols))
	for i, col := range cols {
		for j, u := range col {
			colW[i] = max(colW[i], b.kids[u].w)
			if j > 0 {
				colH[i] += gapY
			}
			colH[i] += b.kids[u].h
		}
	}
	y0 := top
	for i := 0; i < len(cols); {
		// The band of columns i..j-1.
		j, bw := i+1, colW[i]
		for j < len(cols) && bw+gapCol+colW[j] <= maxBandW {
			bw += gapCol + colW[j]
			j++
		}
		x, bh := 0.0, 0.0
		for c := i; c < j; c++ {
			y := y0
			for _, u := range cols[c] {
				k := b.kids[u]
				k.x, k.y = pad+x, b.bodyY+y
				y += k.h + gapY
			}
			x += colW[c] + gapCol
			bh = max(bh, colH[c])
		}
		w = max(w, bw)
		y0 += bh
		if j < len(cols) {
			y0 += gapBand
		}
		i = j
	}
	return w, y0
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

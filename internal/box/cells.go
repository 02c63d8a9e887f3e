package box

import "unsafe"

// Cells boxes strings and integers from one slice for both, where a Slab
// keeps one slice of each kind: a message whose values are of both kinds
// costs one allocation rather than two. Each cell has a string's layout (a
// pointer word and a length word): a string is boxed as the cell, an
// integer as the cell's length word, which the garbage collector knows
// holds no pointer. Its zero value is ready to use; the first slice holds
// Want values (4 when it is smaller), the next ones as many.
type Cells struct {
	// Want sizes the first slice: about how many values are about to be
	// boxed.
	Want int

	cells []cell
}

// cell has the layout of a string header.
type cell struct {
	p unsafe.Pointer
	n int
}

// next returns a cell nothing uses.
func (b *Cells) next() *cell {
	if len(b.cells) == cap(b.cells) {
		b.cells = make([]cell, 0, max(b.Want, 4))
	}
	b.cells = b.cells[:len(b.cells)+1]
	return &b.cells[len(b.cells)-1]
}

// String returns s as an any, the same as any(s).
func (b *Cells) String(s string) any {
	if s == "" {
		return "" // a constant: boxing it allocates nothing
	}
	p := (*string)(unsafe.Pointer(b.next()))
	*p = s
	return fromPointer(typeOf(""), unsafe.Pointer(p))
}

// Int returns n as an any, the same as any(n).
func (b *Cells) Int(n int) any {
	if n >= 0 && n < 256 {
		return n // the runtime boxes these without allocating
	}
	c := b.next()
	c.n = n
	return fromPointer(typeOf(0), unsafe.Pointer(&c.n))
}

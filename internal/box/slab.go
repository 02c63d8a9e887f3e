package box

import (
	"math"
	"unsafe"
)

// eface is the layout of an empty interface: its dynamic type and a
// pointer to its value (the Go runtime's eface).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// typeOf returns the dynamic type word of v.
func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// Slab boxes strings, integers and floats from slices. Its zero value is
// ready to use; the first slice of each kind holds WantStrings, WantInts
// or WantFloats values (4 when they are not larger), the next ones as
// many as the first.
type Slab struct {
	// WantStrings, WantInts and WantFloats size the first slices: how
	// many values of each kind are about to be boxed.
	WantStrings, WantInts, WantFloats int

	strs   []string
	ints   []int
	floats []float64
}

// String returns s as an any, the same as any(s).
func (b *Slab) String(s string) any {
	if s == "" {
		return "" // a constant: boxing it allocates nothing
	}
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, max(b.WantStrings, 4))
	}
	b.strs = append(b.strs, s)
	return fromPointer(typeOf(""), unsafe.Pointer(&b.strs[len(b.strs)-1]))
}

// Int returns n as an any, the same as any(n).
func (b *Slab) Int(n int) any {
	if n >= 0 && n < 256 {
		return n // the runtime boxes these without allocating
	}
	if len(b.ints) == cap(b.ints) {
		b.ints = make([]int, 0, max(b.WantInts, 4))
	}
	b.ints = append(b.ints, n)
	return fromPointer(typeOf(0), unsafe.Pointer(&b.ints[len(b.ints)-1]))
}

// Float returns f as an any, the same as any(f).
func (b *Slab) Float(f float64) any {
	if math.Float64bits(f) == 0 {
		return 0.0 // +0, which the runtime boxes without allocating
	}
	if len(b.floats) == cap(b.floats) {
		b.floats = make([]float64, 0, max(b.WantFloats, 4))
	}
	b.floats = append(b.floats, f)
	return fromPointer(typeOf(0.0), unsafe.Pointer(&b.floats[len(b.floats)-1]))
}

// fromPointer returns the interface of dynamic type typ whose value is
// at p.
func fromPointer(typ, p unsafe.Pointer) any {
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typ, p
	return v
}

package wire

import (
	"strings"
	"unsafe"
)

// A decoded KVP's value is a telephony.KV.Value, an any: boxing each
// string or integer as an interface costs an allocation of its own (16 or
// 8 bytes), some twenty for a reporting UserEvent. The boxes of one
// message are cut from slabs instead, one allocation per slab: an
// interface holding a string points to the string's header, here an
// element of a []string that nothing writes again once boxed. The
// values share the message's memory already, so a slab keeps nothing
// alive that a box would not.

// eface is the layout of an empty interface: its dynamic type and a
// pointer to its value (Go's runtime.eface).
type eface struct {
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// typeOf returns the dynamic type word of v.
func typeOf(v any) unsafe.Pointer { return (*eface)(unsafe.Pointer(&v)).typ }

// boxes cuts the boxes of one message's values from slabs.
type boxes struct {
	strs []string
	ints []int
	// wantStrs and wantInts are how many values the first slab of each
	// should hold: how many times the message names the type (each
	// typed pair does once; a value that happens to be the type's name
	// makes the slab a little larger).
	wantStrs, wantInts int
}

// size sets the slabs' sizes from the message's text.
func (b *boxes) size(s string) {
	b.wantStrs = strings.Count(s, `"`+TypeStr+`"`)
	b.wantInts = strings.Count(s, `"`+TypeInt+`"`)
}

// str returns s as an any, the same as any(s).
func (b *boxes) str(s string) any {
	if len(s) == 0 {
		return "" // boxing a constant allocates nothing
	}
	if len(b.strs) == cap(b.strs) {
		b.strs = make([]string, 0, max(b.wantStrs, 4))
		b.wantStrs = 0
	}
	b.strs = append(b.strs, s)
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typeOf(""), unsafe.Pointer(&b.strs[len(b.strs)-1])
	return v
}

// int returns n as an any, the same as any(n).
func (b *boxes) int(n int) any {
	if n >= 0 && n < 256 {
		return n // the runtime boxes small integers without allocating
	}
	if len(b.ints) == cap(b.ints) {
		b.ints = make([]int, 0, max(b.wantInts, 4))
		b.wantInts = 0
	}
	b.ints = append(b.ints, n)
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = typeOf(0), unsafe.Pointer(&b.ints[len(b.ints)-1])
	return v
}

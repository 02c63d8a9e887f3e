// Package box makes many `any` values of strings and integers with few
// allocations. Converting a string or an int to an interface allocates
// a copy of it (16 or 8 bytes) for each value; a Slab copies the values
// of one message or record into a slice and points each interface at
// its element, one allocation per slice. The telephony wire's decoder
// boxes a KVList's values this way (telephony.KV.Value is an any), and
// so does the reporting collector when it builds a UserEvent's user
// data.
//
// An interface holding a string or an int points to a copy that nothing
// writes again; a Slab's elements are never written once boxed, and a
// box keeps its slab alive as any pointer into a slice does. The values
// returned are the same as any(v): the same dynamic type, equal, usable
// in type switches and as map keys.
package box

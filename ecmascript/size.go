package ecmascript

import (
	"fmt"
	"reflect"
	"strconv"

	"github.com/dop251/goja"
)

// The costs Size assigns, in bytes: rough figures for goja's
// representation, meant to catch a data model that grows without bound,
// not to account for every byte.
const (
	sizeValue    = 16  // a number, boolean, null or undefined; a slot
	sizeObject   = 64  // an object's own overhead
	sizeFunction = 128 // a function, its closure not followed
	sizeProperty = 32  // a property's key and slot
	// sizeSample is how many elements of a large array Size looks at;
	// the rest are assumed to be like them.
	sizeSample = 64
	// sizeNodes bounds the objects one walk visits.
	sizeNodes = 100000
)

var (
	typeProxy       = reflect.TypeOf(goja.Proxy{})
	typeArrayBuffer = reflect.TypeOf(goja.ArrayBuffer{})
)

// Size estimates the memory the session's data holds: the enumerable
// global variables (the <data> of the document and the globals its scripts
// declare; not the built-ins, the system variables or the environment a
// host installs) and everything reachable from them through object
// properties and array elements. It lists names as
// Object.getOwnPropertyNames does and reads property descriptors with
// Object.getOwnPropertyDescriptor (which a document could replace), so
// that it runs no getter and makes
// none of the built-ins goja makes on first use, but Object itself (about
// 4 KB, once per data model). It stops once the estimate exceeds limit
// (when limit > 0) or after 100,000 objects, and samples the elements of
// large arrays. It does not see into closures, Map and Set contents, or
// proxies. Call it between macrosteps, or from a macrostep hook, on the
// goroutine that runs the session.
func (m *Model) Size(limit int64) (n int64, err error) {
	if m.closed {
		return 0, ErrClosed
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("ecmascript: size: %v", p)
		}
	}()
	z, err := m.reflection()
	if err != nil {
		return 0, fmt.Errorf("ecmascript: size: %w", err)
	}
	z.limit = limit
	for _, k := range z.ownNames(m.global) {
		if z.over() {
			break
		}
		if isBuiltin(k) || isSystem(k) {
			continue
		}
		// The environment a host installs is not enumerable; the
		// document's data and its scripts' globals are.
		if v, enumerable := z.globalProp(m.global, k); enumerable {
			z.n += sizeProperty + int64(len(k))
			z.add(v)
		}
	}
	for len(z.stack) > 0 && !z.over() {
		o := z.stack[len(z.stack)-1]
		z.stack = z.stack[:len(z.stack)-1]
		z.object(o)
	}
	return z.n, nil
}

// isSystem reports whether name is one of the system variables of
// §5.10, which are the host's.
func isSystem(name string) bool {
	switch name {
	case "_sessionid", "_name", "_ioprocessors", "_x", "_event", "In":
		return true
	}
	return false
}

// isBuiltin reports whether name is one of the standard globals of goja's
// global object, which Size leaves alone (reading one makes it).
func isBuiltin(name string) bool {
	switch name {
	case "Object", "Function", "Array", "String", "Number", "BigInt", "RegExp", "Date", "Boolean",
		"Proxy", "Reflect", "Error", "AggregateError", "TypeError", "ReferenceError", "SyntaxError",
		"RangeError", "EvalError", "URIError", "GoError", "eval", "Math", "JSON", "ArrayBuffer",
		"SharedArrayBuffer", "DataView", "Uint8Array", "Uint8ClampedArray", "Int8Array", "Uint16Array",
		"Int16Array", "Uint32Array", "Int32Array", "Float32Array", "Float64Array", "BigInt64Array",
		"BigUint64Array", "Symbol", "WeakSet", "WeakMap", "WeakRef", "FinalizationRegistry", "Map",
		"Set", "Promise", "globalThis", "NaN", "undefined", "Infinity", "isNaN", "parseInt",
		"parseFloat", "isFinite", "decodeURI", "decodeURIComponent", "encodeURI",
		"encodeURIComponent", "escape", "unescape", "Atomics", "Iterator":
		return true
	}
	return false
}

// sizer is one walk of Size.
type sizer struct {
	rt    *goja.Runtime
	desc  goja.Callable
	limit int64
	n     int64
	nodes int
	seen  map[*goja.Object]struct{}
	stack []*goja.Object
}

func (z *sizer) over() bool {
	return (z.limit > 0 && z.n > z.limit) || z.nodes > sizeNodes
}

// prop returns the value of o's own data property k, without calling a
// getter (an accessor property has none).
func (z *sizer) prop(o *goja.Object, k string) goja.Value {
	d, err := z.desc(goja.Undefined(), o, z.rt.ToValue(k))
	if err != nil {
		return nil
	}
	do, ok := d.(*goja.Object)
	if !ok {
		return nil
	}
	return do.Get("value")
}

// globalProp returns the value of the global property k and whether it is
// enumerable, without calling a getter.
func (z *sizer) globalProp(g *goja.Object, k string) (goja.Value, bool) {
	d, err := z.desc(goja.Undefined(), g, z.rt.ToValue(k))
	if err != nil {
		return nil, false
	}
	do, ok := d.(*goja.Object)
	if !ok || !do.Get("enumerable").ToBoolean() {
		return nil, false
	}
	return do.Get("value"), true
}

// ownNames returns the names of o's own string properties, without making
// their values: goja's own listing, which makes no array of them.
func (z *sizer) ownNames(o *goja.Object) []string {
	return o.GetOwnPropertyNames()
}

// add counts v: its own cost now, an object's contents later.
func (z *sizer) add(v goja.Value) {
	switch v := v.(type) {
	case nil:
	case *goja.Object:
		if _, ok := z.seen[v]; ok {
			return
		}
		z.seen[v] = struct{}{}
		z.nodes++
		z.stack = append(z.stack, v)
	case goja.String:
		z.n += sizeValue + int64(v.Length())
	default:
		z.n += sizeValue
	}
}

// object counts an object's contents.
func (z *sizer) object(o *goja.Object) {
	switch t := o.ExportType(); {
	case t == typeProxy:
		z.n += sizeObject
		return
	case t == typeArrayBuffer:
		z.n += sizeObject + int64(len(o.Export().(goja.ArrayBuffer).Bytes()))
		return
	}
	switch o.ClassName() {
	case "Function":
		z.n += sizeFunction
		return
	case "Array":
		z.array(o)
		return
	}
	if t := o.ExportType(); t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Interface {
		// A typed array: its elements, not values.
		v := reflect.ValueOf(o.Export())
		z.n += sizeObject + int64(v.Len())*int64(t.Elem().Size())
		return
	}
	z.n += sizeObject
	for _, k := range z.ownNames(o) {
		if z.over() {
			return
		}
		z.n += sizeProperty + int64(len(k))
		z.add(z.prop(o, k))
	}
}

// array counts an array: a slot per element, and the contents of a
// sample of its elements scaled to its length.
func (z *sizer) array(o *goja.Object) {
	n := o.Get("length").ToInteger()
	z.n += sizeObject + n*sizeValue
	if n <= 0 {
		return
	}
	step := int64(1)
	if n > sizeSample {
		step = n / sizeSample
	}
	before := z.n
	sampled := int64(0)
	for i := int64(0); i < n && !z.over(); i += step {
		sampled++
		v := z.prop(o, strconv.FormatInt(i, 10))
		if obj, ok := v.(*goja.Object); ok {
			// Objects are counted now, so that the sample scales.
			if _, seen := z.seen[obj]; !seen {
				z.seen[obj] = struct{}{}
				z.nodes++
				z.object(obj)
			}
			continue
		}
		z.add(v)
		z.n -= sizeValue // the slot is counted already
	}
	if sampled < n && sampled > 0 {
		z.n += (z.n - before) * (n - sampled) / sampled
	}
}

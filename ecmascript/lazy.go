package ecmascript

import (
	"github.com/dop251/goja"
)

// DefineLazy defines the property name of obj, not enumerable and not
// configurable, whose value build makes when the property is first read;
// later reads return that same value. It is meant for host objects that
// are costly to build and that many sessions never use: until the first
// read a session holds one getter rather than the object.
//
// The property is an accessor without a setter, so it behaves as a
// read-only data property would: assigning to it is ignored, or a
// TypeError in strict mode, and deleting it fails. Only
// Object.getOwnPropertyDescriptor tells it from one. build runs in the
// runtime's goroutine, during the evaluation that reads the property; it
// may throw (panic with a goja value) to make that read throw.
func DefineLazy(rt *goja.Runtime, obj *goja.Object, name string, build func() goja.Value) error {
	var v goja.Value
	get := func(goja.FunctionCall) goja.Value {
		if v == nil {
			v = build()
			if v == nil {
				v = goja.Undefined()
			}
			build = nil
		}
		return v
	}
	return obj.DefineAccessorProperty(name, rt.ToValue(get), nil, goja.FLAG_FALSE, goja.FLAG_FALSE)
}

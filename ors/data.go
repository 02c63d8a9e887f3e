package ors

import (
	"slices"

	"github.com/dop251/goja"
)

// dataObject is _data, the data model of the 2009 draft that ORS
// implements ("Extensions and Deviations"): it starts with the session's
// start parameters, and every <data> of the document becomes a property
// of it when it is initialised (ecmascript.Options.DataObject), besides
// the variable of the same name.
//
// The start parameters stay the session's Go values (interp.Session.Param:
// the request's own over the service's options, which every session of the
// service shares; the object never changes them) and are converted when a script reads
// them, rather than copied into a JavaScript object in every session:
// a callback's _data holds the service's options, some seventy of them,
// of which a session reads a few. What scripts write, or delete, is held
// apart, and so is each object or array read, so that it stays the same
// value at every read.
//
// It behaves as the plain object it stands for: its properties are data
// properties, writable, enumerable and configurable; they are listed
// (for-in, Object.keys, a snapshot) with the parameters first, by name,
// then the properties added, in the order they were added.
type dataObject struct {
	rt     *goja.Runtime
	params params
	// own holds the values written, and the objects read, by name; a nil
	// value is a parameter deleted.
	own map[string]goja.Value
	// added are the names of own that are not parameters, in order.
	added []string
}

// params are the start parameters _data reads: an *interp.Session's.
type params interface {
	Param(name string) (any, bool)
	ParamNames() []string
}

// noParams are those of a data model without a session.
type noParams struct{}

func (noParams) Param(string) (any, bool) { return nil, false }
func (noParams) ParamNames() []string     { return nil }

func newDataObject(rt *goja.Runtime, p params) *goja.Object {
	return rt.NewDynamicObject(&dataObject{rt: rt, params: p})
}

// param reports whether name is a start parameter.
func (d *dataObject) param(name string) bool {
	_, ok := d.params.Param(name)
	return ok
}

// Get returns property name, or nil when there is none.
func (d *dataObject) Get(name string) goja.Value {
	if v, ok := d.own[name]; ok {
		return v
	}
	p, ok := d.params.Param(name)
	if !ok {
		return nil
	}
	switch p := p.(type) {
	case nil:
		return goja.Null()
	case string, float64, bool, int, int64:
		return d.rt.ToValue(p)
	}
	v := toJS(d.rt, p)
	d.put(name, v)
	return v
}

// Own returns the value property name holds of its own — set, deleted
// (nil), or a parameter read since the start, converted once — and false
// for a parameter still as it started, which snapshots need not keep.
func (d *dataObject) Own(name string) (goja.Value, bool) {
	v, ok := d.own[name]
	return v, ok
}

// Set sets property name.
func (d *dataObject) Set(name string, v goja.Value) bool {
	old, set := d.own[name]
	if param := d.param(name); !set && !param || set && old == nil {
		// A new property, or a parameter deleted and set again: last.
		d.added = append(d.added, name)
	}
	d.put(name, v)
	return true
}

func (d *dataObject) put(name string, v goja.Value) {
	if d.own == nil {
		d.own = make(map[string]goja.Value)
	}
	d.own[name] = v
}

// Has reports whether property name exists.
func (d *dataObject) Has(name string) bool {
	if v, ok := d.own[name]; ok {
		return v != nil
	}
	return d.param(name)
}

// Delete deletes property name.
func (d *dataObject) Delete(name string) bool {
	if _, ok := d.own[name]; ok {
		d.added = slices.DeleteFunc(d.added, func(s string) bool { return s == name })
	}
	if d.param(name) {
		d.put(name, nil)
	} else {
		delete(d.own, name)
	}
	return true
}

// Keys lists the properties: the parameters not deleted, by name, then
// the properties added (a parameter deleted and set again among them).
func (d *dataObject) Keys() []string {
	names := d.params.ParamNames()
	if !d.shadowed() {
		// Every parameter in its place (a callback's seventy, listed at
		// each snapshot): the list ParamNames made is the keys'.
		return append(slices.Clip(names), d.added...)
	}
	keys := make([]string, 0, len(names)+len(d.added))
	for _, k := range names {
		if v, ok := d.own[k]; !ok || v != nil && !slices.Contains(d.added, k) {
			keys = append(keys, k)
		}
	}
	return append(keys, d.added...)
}

// shadowed reports whether a script has deleted a parameter (and perhaps
// set it again, which lists it among the properties added).
func (d *dataObject) shadowed() bool {
	for _, v := range d.own {
		if v == nil {
			return true
		}
	}
	return slices.ContainsFunc(d.added, d.param)
}

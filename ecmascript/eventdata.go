package ecmascript

import (
	"slices"

	"github.com/dop251/goja"
)

// eventData is the goja.DynamicObject behind _event.data when an event's
// data is an object (a map): its properties are converted to JavaScript
// values when a script first reads them, each once, rather than all of
// them when the script first reads _event.data. ORS's events carry the
// whole interaction (its parties, its user data of dozens of KVPs, its
// voice fields) where scripts read the interaction id or a result
// (Orchestration Server Developer's Guide, "Interaction Interface": the
// data of interaction events), so most of it is never read.
//
// To scripts it is an ordinary object of Object.prototype (§5.10.1 makes
// _event read-only, not its data): a property reads the same value on
// every read (a nested object is the same object), properties can be
// assigned, added and deleted, and its keys are those of the data in
// sorted order followed by the keys added, in the order added, as for
// the object toJS would make; JSON.stringify, for-in, Object.keys and
// hasOwnProperty see what a plain object would. What tells it apart is
// goja's: a Go-backed object cannot be frozen, sealed or made
// non-extensible, nor given accessors or read-only properties
// (Object.defineProperty throws a TypeError for those), and Go code that
// calls Export on it gets the *eventData (Model.export, and so every
// value the host reads from the data model, converts it as an object).
// Nested objects and arrays are ordinary JavaScript values, made whole
// when their property is first read.
type eventData struct {
	m   *Model
	src map[string]any
	// vals holds the properties converted or assigned so far.
	vals map[string]goja.Value
	// keys lists the object's own keys once a script has listed,
	// added or deleted one; nil until then (the keys of src, sorted).
	keys []string
}

var _ goja.DynamicObject = (*eventData)(nil)

// newEventData returns the object of data.
func (m *Model) newEventData(data map[string]any) goja.Value {
	return m.rt.NewDynamicObject(&eventData{m: m, src: data})
}

// own reports whether key is one of the object's properties.
func (d *eventData) own(key string) bool {
	if d.keys != nil {
		return slices.Contains(d.keys, key)
	}
	if _, ok := d.vals[key]; ok {
		return true
	}
	_, ok := d.src[key]
	return ok
}

// Get returns property key, converting it on its first read.
func (d *eventData) Get(key string) goja.Value {
	if v, ok := d.vals[key]; ok {
		return v
	}
	if !d.own(key) {
		return nil
	}
	v := d.m.toJS(d.src[key])
	if d.vals == nil {
		d.vals = make(map[string]goja.Value, 4)
	}
	d.vals[key] = v
	return v
}

// Set assigns property key, adding it after the others when new.
func (d *eventData) Set(key string, val goja.Value) bool {
	if !d.own(key) {
		d.list()
		d.keys = append(d.keys, key)
	}
	if d.vals == nil {
		d.vals = make(map[string]goja.Value, 4)
	}
	d.vals[key] = val
	return true
}

// Has reports whether key is a property.
func (d *eventData) Has(key string) bool { return d.own(key) }

// Delete removes property key.
func (d *eventData) Delete(key string) bool {
	if !d.own(key) {
		return true
	}
	d.list()
	d.keys = slices.DeleteFunc(d.keys, func(k string) bool { return k == key })
	delete(d.vals, key)
	return true
}

// Keys lists the properties: the data's in sorted order, then those
// added. The list is the caller's (goja iterates it while the script may
// change the object).
func (d *eventData) Keys() []string {
	d.list()
	return slices.Clone(d.keys)
}

// list makes keys the list of own keys.
func (d *eventData) list() {
	if d.keys == nil {
		d.keys = appendSortedKeys(make([]string, 0, len(d.src)+1), d.src)
	}
}

package ecmascript

import (
	"cmp"
	"slices"

	"github.com/dop251/goja"
)

// Properties are the properties of an object NewLazyObject makes: their
// names, in order, and their values, each made when a script first reads
// it.
type Properties interface {
	// Has reports whether key is one of the properties.
	Has(key string) bool
	// Names lists the properties in order.
	Names() []string
	// Make returns the value of property key, one Has reports.
	Make(key string) goja.Value
}

// NewLazyObject returns an object of rt, of Object.prototype, whose
// properties are props, each made when a script first reads it and kept.
// To scripts it is an ordinary object: a property reads the same value on
// every read, properties can be assigned, added (after the others, in the
// order added) and deleted, and JSON.stringify, for-in, Object.keys and
// hasOwnProperty see what they would of a plain object holding the
// properties in order (array indexes first, ascending). What tells it
// apart is goja's: a Go-backed object cannot be frozen, sealed or made
// non-extensible, nor given accessors (those throw a TypeError), every
// property it has is writable, enumerable and configurable
// (Object.defineProperty with attributes left out, which would make a
// hidden read-only one of a plain object, makes an ordinary one; false
// given for one throws), and Go code that calls Export on it gets its handler, which the
// data model's own conversion to neutral values (Eval, and so every value
// the host reads) reads as the object it is.
func NewLazyObject(rt *goja.Runtime, props Properties) *goja.Object {
	return rt.NewDynamicObject(&lazyObject{props: props})
}

// lazyObject is the goja.DynamicObject behind a NewLazyObject.
type lazyObject struct {
	props Properties
	// vals holds the properties made or assigned so far, in small at
	// first: scripts read one or two properties of most objects.
	vals  []lazyProp
	small [2]lazyProp
	// keys lists the object's own keys once a script has listed,
	// added or deleted one; nil until then (props.Names()).
	keys []string
	// changed says a script has assigned or deleted a property.
	changed bool
}

// lazyProp is a property made or assigned.
type lazyProp struct {
	key string
	v   goja.Value
}

// val returns the value of key made or assigned.
func (o *lazyObject) val(key string) (goja.Value, bool) {
	for i := range o.vals {
		if o.vals[i].key == key {
			return o.vals[i].v, true
		}
	}
	return nil, false
}

// put keeps v as the value of key.
func (o *lazyObject) put(key string, v goja.Value) {
	for i := range o.vals {
		if o.vals[i].key == key {
			o.vals[i].v = v
			return
		}
	}
	if o.vals == nil {
		o.vals = o.small[:0]
	}
	o.vals = append(o.vals, lazyProp{key, v})
}

var _ goja.DynamicObject = (*lazyObject)(nil)

// own reports whether key is one of the object's properties.
func (o *lazyObject) own(key string) bool {
	if o.keys != nil {
		return slices.Contains(o.keys, key)
	}
	if _, ok := o.val(key); ok {
		return true
	}
	return o.props.Has(key)
}

// Get returns property key, making it on its first read.
func (o *lazyObject) Get(key string) goja.Value {
	if v, ok := o.val(key); ok {
		return v
	}
	if !o.own(key) {
		return nil
	}
	v := o.props.Make(key)
	if v == nil {
		v = goja.Undefined()
	}
	o.put(key, v)
	return v
}

// Set assigns property key. A new key goes where an ordinary object
// lists it (ES2015 §9.1.12): an array index among the leading indexes in
// ascending order, any other name after the others.
func (o *lazyObject) Set(key string, val goja.Value) bool {
	o.changed = true
	if !o.own(key) {
		o.list()
		at := len(o.keys)
		if n, ok := arrayIndex(key); ok {
			at = 0
			for at < len(o.keys) {
				m, ok := arrayIndex(o.keys[at])
				if !ok || m > n {
					break
				}
				at++
			}
		}
		o.keys = slices.Insert(o.keys, at, key)
	}
	o.put(key, val)
	return true
}

// Has reports whether key is a property.
func (o *lazyObject) Has(key string) bool { return o.own(key) }

// Delete removes property key.
func (o *lazyObject) Delete(key string) bool {
	if !o.own(key) {
		return true
	}
	o.changed = true
	o.list()
	o.keys = slices.DeleteFunc(o.keys, func(k string) bool { return k == key })
	o.vals = slices.DeleteFunc(o.vals, func(p lazyProp) bool { return p.key == key })
	return true
}

// Keys lists the properties in order. The list is the caller's (goja
// iterates it while the script may change the object).
func (o *lazyObject) Keys() []string {
	o.list()
	return slices.Clone(o.keys)
}

// list makes keys the list of own keys: the array indexes first, in
// ascending order, then the other names in the order Names gives them, as
// an ordinary object lists its keys (ES2015 §9.1.12).
func (o *lazyObject) list() {
	if o.keys == nil {
		o.keys = o.props.Names()
		if o.keys == nil {
			o.keys = []string{}
		}
		slices.SortStableFunc(o.keys, func(a, b string) int {
			n, aok := arrayIndex(a)
			m, bok := arrayIndex(b)
			switch {
			case aok && bok:
				return cmp.Compare(n, m)
			case aok:
				return -1
			case bok:
				return 1
			}
			return 0
		})
	}
}

// arrayIndex returns the array index key is (a canonical numeric string
// below 2^32-1), if it is one.
func arrayIndex(key string) (uint64, bool) {
	if key == "" || len(key) > 10 || (key[0] == '0' && key != "0") {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(key); i++ {
		if key[i] < '0' || key[i] > '9' {
			return 0, false
		}
		n = n*10 + uint64(key[i]-'0')
	}
	return n, n < 1<<32-1
}

// eventData is the object of _event.data when an event's data is an
// object (a map): its properties are converted to JavaScript values when a
// script first reads them, each once, rather than all of them when the
// script first reads _event.data. ORS's events carry the whole
// interaction (its parties, its user data of dozens of KVPs, its voice
// fields) where scripts read the interaction id or a result
// (Orchestration Server Developer's Guide, "Interaction Interface": the
// data of interaction events), so most of it is never read. §5.10.1 makes
// _event read-only, not its data: scripts may change the object. Its keys
// are those of the data in sorted order, as toJS orders them. A nested
// object (the interaction, its voice fields and user data, a party) is
// one of the same kind, so a guard reading
// _event.data.interaction.udata.x converts x alone; arrays and other
// values are ordinary JavaScript values, made whole when their property
// is first read. The host reads such objects at any depth as the objects
// they are (Export), and snapshots as ordinary objects.
type eventData struct {
	obj lazyObject
	m   *Model
	src map[string]any
}

// newEventData returns the object of data.
func (m *Model) newEventData(data map[string]any) goja.Value {
	return m.initEventData(&eventData{}, data)
}

// initEventData makes d, which is zero, the object of data, and returns it.
func (m *Model) initEventData(d *eventData, data map[string]any) goja.Value {
	d.m, d.src = m, data
	d.obj.props = d
	return m.rt.NewDynamicObject(&d.obj)
}

// Has reports whether the data has key.
func (d *eventData) Has(key string) bool {
	_, ok := d.src[key]
	return ok
}

// Names returns the data's keys in sorted order.
func (d *eventData) Names() []string {
	return appendSortedKeys(make([]string, 0, len(d.src)+1), d.src)
}

// Make converts the data's value of key: an object (a map) is one of
// its own kind, whose properties are converted as they are read.
func (d *eventData) Make(key string) goja.Value {
	if o, ok := d.src[key].(map[string]any); ok && o != nil {
		return d.m.newEventData(o)
	}
	return d.m.toJS(d.src[key])
}

package ecmascript

import (
	"reflect"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/scxml"
)

// EvalShared evaluates e as Eval does, for a host that reads the value
// while it acts and keeps none of it: when the value is an object of
// event data no script has changed (_event.data, or an object in it such
// as ORS's _event.data.interaction.udata, as the event brought it), it is
// the event's own Go value rather than a copy converted to JavaScript and
// back. The two are equal — the shared value is used only when the
// event's data is in neutral form (strings, float64 numbers, booleans,
// nil, objects and arrays of them), the form Eval would give — so the
// caller cannot tell them apart, but it must not modify the shared one:
// the event and its sender hold it too.
func (m *Model) EvalShared(e *scxml.Expr) (any, error) { return m.eval(e, true) }

// sharedData returns the Go value of v when v is an object of event data
// (newEventData) that no script has changed, at any depth, and whose data
// is in neutral form.
func sharedData(v goja.Value) (map[string]any, bool) {
	d, ok := eventDataOf(v)
	if !ok || !d.unchanged(0) || !neutralMap(d.src, 0) {
		return nil, false
	}
	return d.src, true
}

// lazyObjectType is the type of the handler of a NewLazyObject.
var lazyObjectType = reflect.TypeFor[*lazyObject]()

// eventDataOf returns the event data object v is, if it is one.
func eventDataOf(v goja.Value) (*eventData, bool) {
	obj, ok := v.(*goja.Object)
	if !ok || obj.ExportType() != lazyObjectType {
		return nil, false
	}
	lo, ok := obj.Export().(*lazyObject)
	if !ok {
		return nil, false
	}
	d, ok := lo.props.(*eventData)
	return d, ok
}

// unchanged reports whether no script has assigned or deleted a property
// of d or of an object in it: every property made so far is a primitive
// (which only an assignment replaces) or an object of event data itself
// unchanged. An array or other object made of the data, which a script
// could have changed in place, is taken as changed.
func (d *eventData) unchanged(depth int) bool {
	if d.obj.changed || depth > maxExportDepth {
		return false
	}
	for _, p := range d.obj.vals {
		o, ok := p.v.(*goja.Object)
		if !ok {
			continue
		}
		c, ok := eventDataOf(o)
		if !ok || !c.unchanged(depth+1) {
			return false
		}
	}
	return true
}

// neutralMap reports whether m is in the neutral form Eval gives an
// object: what converting it to JavaScript and back (toJS, export) makes
// again, equal.
func neutralMap(m map[string]any, depth int) bool {
	if m == nil || depth > maxExportDepth {
		return false
	}
	for k, v := range m {
		if k == "__proto__" || !neutralValue(v, depth+1) {
			return false
		}
	}
	return true
}

// neutralValue reports whether v is in neutral form (neutralMap).
func neutralValue(v any, depth int) bool {
	switch v := v.(type) {
	case nil, bool, float64, string:
		return true
	case map[string]any:
		return neutralMap(v, depth)
	case []any:
		if v == nil || depth > maxExportDepth {
			return false
		}
		for _, x := range v {
			if !neutralValue(x, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

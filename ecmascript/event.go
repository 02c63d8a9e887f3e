package ecmascript

import (
	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
)

// eventObject is the goja.DynamicObject behind _event (§5.10.1). One per
// session: SetEvent only swaps the event it reads, and fields are converted
// when a script reads them, data once per event. It is read-only: Set and
// Delete fail, which is a TypeError in strict code.
type eventObject struct {
	m   *Model
	cur *interp.Event
	// name caches the value of nameStr, which is kept across events, as
	// successive events often have the same name; data caches the
	// converted data of cur (nil: not yet).
	nameStr string
	name    goja.Value
	data    goja.Value
	// spare, for an event of its own object, is room in the same
	// allocation for the object of its data (nil: none, or used).
	spare *eventData
}

// SetEvent binds _event to e, which stays valid until the next call. It
// does not allocate once the first event is bound.
func (m *Model) SetEvent(e *interp.Event) {
	if m.closed {
		return
	}
	if m.p.ownEvents {
		m.setOwnEvent(e)
		return
	}
	m.ev.reset(e)
	if !m.evBound {
		m.bindEvent()
	}
}

// setOwnEvent binds _event to an object of its own reading a copy of e.
// It is a function of its own, as is bindEvent, so that SetEvent's frame
// stays small: the copy's temporary would have to be zeroed on every
// call.
//
// An event's object that no script has read (of which a callback session
// gets several: events no transition of its configuration takes) is used
// again for the next event: nothing can hold it. A script reads _event
// through the environment (systemVar), which marks the object read; once
// the system variables are own properties of the global object, every
// event has an object of its own.
func (m *Model) setOwnEvent(e *interp.Event) {
	if own := m.ownEv; own != nil && !m.evRead && !m.sysOwn {
		own.ev = *e
		own.o.reset(&own.ev)
		return
	}
	// The engine reuses its event structs: keep a copy, made with its
	// object in one allocation.
	own := &ownEvent{ev: *e}
	own.o.m = m
	own.o.spare = &own.data
	own.o.reset(&own.ev)
	m.ownEv, m.evRead = own, false
	m.evVal = m.rt.NewDynamicObject(&own.o)
	if m.sysOwn {
		// Configurable, so that the next event can replace it.
		_ = m.global.DefineDataProperty("_event", m.evVal, goja.FLAG_FALSE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
}

// bindEvent makes _event the session's event object, on its first event.
func (m *Model) bindEvent() {
	m.evBound = true
	m.evObj = m.rt.NewDynamicObject(&m.ev)
	m.evVal = m.evObj
	if m.sysOwn {
		// An error here means a script redefined _event, which is not
		// configurable after Setup unless deleted first.
		_ = m.global.DefineDataProperty("_event", m.evObj, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	}
}

// ownEvent is an event of its own _event object (Options.OwnEvents): the
// object, the copy of the event it reads, and the object of its data when
// that is an object (a map), made with them: a script that reads an
// event's object mostly reads its data.
type ownEvent struct {
	o    eventObject
	ev   interp.Event
	data eventData
}

func (o *eventObject) reset(e *interp.Event) {
	o.cur = e
	if o.data != nil {
		o.data = nil
	}
}

// Get returns the field key of the current event. Fields without a value
// (sendid of events not sent by <send>, origin and origintype of internal
// events, invokeid of events not from an invoked session, data of events
// without data) are undefined (W3C tests 333, 335, 337, 339, 343).
func (o *eventObject) Get(key string) goja.Value {
	e := o.cur
	if e == nil {
		if isEventKey(key) {
			return goja.Undefined()
		}
		return nil
	}
	switch key {
	case "name":
		if o.name == nil || o.nameStr != e.Name {
			o.nameStr, o.name = e.Name, o.m.rt.ToValue(e.Name)
		}
		return o.name
	case "type":
		if t := e.Type; int(t) < len(o.m.p.types) {
			return o.m.p.types[t]
		}
		return o.m.rt.ToValue(e.Type.String())
	case "sendid":
		return o.optString(e.SendID)
	case "origin":
		return o.optString(e.Origin)
	case "origintype":
		return o.optString(e.OriginType)
	case "invokeid":
		return o.optString(e.InvokeID)
	case "data":
		if e.Data == nil {
			return goja.Undefined()
		}
		if o.data == nil {
			obj, ok := e.Data.(map[string]any)
			if d, isID := e.Data.(interp.SendIDData); isID {
				obj, ok = d.Map(), true
			}
			if ok {
				if d := o.spare; d != nil {
					// The object may be kept: the event's object is
					// not used again for the next event.
					o.spare, o.m.evRead = nil, true
					o.data = o.m.initEventData(d, obj)
				} else {
					o.data = o.m.newEventData(obj)
				}
			} else {
				o.data = o.m.toJS(e.Data)
			}
		}
		return o.data
	case "raw":
		if e.Raw == "" {
			return nil
		}
		return o.m.rt.ToValue(e.Raw)
	}
	return nil
}

func (o *eventObject) optString(s string) goja.Value {
	if s == "" {
		return goja.Undefined()
	}
	return o.m.rt.ToValue(s)
}

func isEventKey(key string) bool {
	switch key {
	case "name", "type", "sendid", "origin", "origintype", "invokeid", "data":
		return true
	}
	return false
}

// Set refuses: _event is read-only.
func (o *eventObject) Set(string, goja.Value) bool { return false }

// Has reports the fields of §5.10.1, which are always present (W3C test
// 330), and raw when the event has a wire form.
func (o *eventObject) Has(key string) bool {
	if key == "raw" {
		return o.cur != nil && o.cur.Raw != ""
	}
	return isEventKey(key)
}

// Delete refuses: _event is read-only.
func (o *eventObject) Delete(string) bool { return false }

// Keys lists the fields.
func (o *eventObject) Keys() []string {
	keys := []string{"name", "type", "sendid", "origin", "origintype", "invokeid", "data"}
	if o.cur != nil && o.cur.Raw != "" {
		keys = append(keys, "raw")
	}
	return keys
}

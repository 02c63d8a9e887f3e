package ecmascript

import (
	"fmt"
	"testing"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// interactionData is the shape of the data of ORS's interaction events:
// the interaction id, the interaction with its parties, user data and
// voice fields, and the fields of the event.
func interactionData() map[string]any {
	return map[string]any{
		"interactionid": "ixn-1",
		"interaction": map[string]any{
			"id": "ixn-1", "g_uid": "ixn-1", "mediatype": "voice", "tenantid": 1.0, "parentid": "",
			"parties": []any{map[string]any{"dn": "7001", "state": "connected"}},
			"udata":   map[string]any{"_CB_T_START": "2026-01-01T00:00:00Z", "_customer_number": "5551234"},
			"voice":   map[string]any{"callid": "c-1", "connid": "0001", "type": "outbound", "media": "TMediaVoice"},
		},
		"callresult": "answer",
		"z":          nil,
		"10":         "ten",
		"2":          "two",
		"4294967295": "not an index",
		"007":        "not an index",
	}
}

// TestEventDataAsObject checks that _event.data of an object, which is
// converted as scripts read its properties, behaves as the plain object
// toJS makes of the same data: each script runs on _event.data and on
// such an object (ref), and must give the same result.
func TestEventDataAsObject(t *testing.T) {
	scripts := []struct{ name, body string }{
		{"property", "return o.interactionid + ' ' + o.callresult"},
		{"nested", "return o.interaction.voice.callid + o.interaction.parties[0].dn + o.interaction.udata._customer_number"},
		{"null", "return o.z === null && 'z' in o"},
		{"missing", "return o.nothing === undefined && !('nothing' in o) && !o.hasOwnProperty('nothing')"},
		{"typeof and class", "return typeof o + Object.prototype.toString.call(o) + (Object.getPrototypeOf(o) === Object.prototype) + (o instanceof Object) + Array.isArray(o)"},
		{"inherited", "return typeof o.hasOwnProperty + o.toString() + ('toString' in o) + o.hasOwnProperty('toString')"},
		{"identity across reads", "return o.interaction === o.interaction && o.interaction.udata === o.interaction.udata"},
		{"keys", "return Object.keys(o).join()"},
		{"for in", "var s = []; for (var k in o) { s.push(k); } return s.join()"},
		{"stringify", "return JSON.stringify(o)"},
		{"own property descriptor", "return JSON.stringify(Object.getOwnPropertyDescriptor(o, 'callresult'))"},
		{"own names", "return Object.getOwnPropertyNames(o).join()"},
		{"entries", "return JSON.stringify(Object.entries(o).map(function (e) { return e[0]; }))"},
		{"assign copy", "return JSON.stringify(Object.assign({}, o))"},
		{"spread", "return JSON.stringify({...o})"},
		{"change", "o.callresult = 'busy'; return o.callresult + Object.keys(o).join()"},
		{"change before listing", "o.interactionid = 'x'; return JSON.stringify(o)"},
		{"add", "o.added = 1; o.more = {a: 2}; return JSON.stringify(o) + o.added + ('added' in o)"},
		{"add then change", "o.added = 1; o.added = 2; o.callresult = 3; return Object.keys(o).join() + o.added + o.callresult"},
		{"delete", "var r = delete o.callresult; return r + JSON.stringify(o) + ('callresult' in o) + o.callresult"},
		{"delete missing", "return delete o.nothing"},
		{"delete then add back", "delete o.interactionid; o.interactionid = 'back'; return Object.keys(o).join() + o.interactionid"},
		{"delete while iterating", "var s = []; for (var k in o) { s.push(k); delete o.callresult; } return s.join()"},
		{"add while iterating", "var s = []; for (var k in o) { s.push(k); o['n' + k] = 1; } return s.join() + '|' + Object.keys(o).length"},
		{"index key", "return o[10] + o['10']"},
		{"index keys first, in order", "return Object.keys(o).join() + '|' + JSON.stringify(o)"},
		{"index keys added", "o[1] = 'one'; o.zz = 1; o[3] = 'three'; o[4294967294] = 'last'; return Object.keys(o).join()"},
		{"change nested", "o.interaction.udata.x = 1; return JSON.stringify(o.interaction.udata)"},
		{"nested keys and text", "var i = o.interaction; return Object.keys(i).join() + JSON.stringify(i) + JSON.stringify(i.voice)"},
		{"nested class", "var v = o.interaction.voice; return typeof v + Object.prototype.toString.call(v) + (Object.getPrototypeOf(v) === Object.prototype) + (v instanceof Object) + v.hasOwnProperty('callid')"},
		{"nested change, add, delete", "var v = o.interaction.voice; v.callid = 'c-2'; v.more = 1; delete v.media; return JSON.stringify(o.interaction) + ('media' in v)"},
		{"nested array of objects", "var p = o.interaction.parties; return Array.isArray(p) + p.length + JSON.stringify(p[0]) + p.map(function (x) { return x.dn; }).join()"},
		{"strict assignment", "'use strict'; o.callresult = 'strict'; o.fresh = 1; return o.callresult + o.fresh"},
		{"define data property", "Object.defineProperty(o, 'def', {value: 1, writable: true, enumerable: true, configurable: true}); return o.def + Object.keys(o).join()"},
	}
	for _, tt := range scripts {
		t.Run(tt.name, func(t *testing.T) {
			m := newBuilder().model(t)
			require.NoError(t, m.Declare("ref", interactionData()))
			m.SetEvent(&interp.Event{Name: "interaction.added", Type: interp.External, Data: interactionData()})
			fn := "(function (o) {" + tt.body + "})"
			want := eval(t, m, fn+"(ref)")
			got := eval(t, m, fn+"(_event.data)")
			assert.Equal(t, want, got)
		})
	}
}

// TestEventDataSameEvent checks that _event.data is the same object while
// the event is, a new one for the next event, and that one a script kept
// keeps its values.
func TestEventDataSameEvent(t *testing.T) {
	m := newBuilder().model(t)
	m.SetEvent(&interp.Event{Name: "a", Data: map[string]any{"n": 1.0, "o": map[string]any{"x": "y"}}})
	exec(t, m, "var kept = _event.data; var o = _event.data.o; _event.data.added = true")
	assert.True(t, cond(t, m, "kept === _event.data && o === _event.data.o && _event.data.added === true"))
	m.SetEvent(&interp.Event{Name: "b", Data: map[string]any{"n": 2.0}})
	for _, c := range []string{
		"kept !== _event.data && _event.data.n === 2 && !('added' in _event.data) && _event.data.o === undefined",
		"kept.n === 1 && kept.o === o && o.x === 'y' && kept.added === true",
	} {
		assert.True(t, cond(t, m, c), c)
	}
	// The host reads it as the object it is.
	assert.Equal(t, map[string]any{"n": 1.0, "o": map[string]any{"x": "y"}, "added": true}, eval(t, m, "kept"))
}

// TestEventDataNestedConvertsWhatIsRead checks that an object of the data
// is converted as its properties are read, at any depth, and that the
// host and snapshots read it as the object it is.
func TestEventDataNestedConvertsWhatIsRead(t *testing.T) {
	b := newBuilder()
	m := b.model(t)
	m.SetEvent(&interp.Event{Name: "a", Data: interactionData()})
	assert.True(t, cond(t, m, "_event.data.interaction.voice.callid === 'c-1'"))
	d := m.ev.data.Export().(*lazyObject)
	ixn, ok := d.vals[0].v.(*goja.Object).Export().(*lazyObject)
	require.True(t, ok, "_event.data.interaction is %T", d.vals[0].v.(*goja.Object).Export())
	require.Len(t, ixn.vals, 1)
	assert.Equal(t, "voice", ixn.vals[0].key)

	exec(t, m, "var kept = _event.data.interaction; kept.voice.added = 1")
	m.SetEvent(&interp.Event{Name: "b", Data: map[string]any{"n": 2.0}})
	want := interactionData()["interaction"].(map[string]any)
	want["voice"].(map[string]any)["added"] = 1.0
	assert.Equal(t, want, eval(t, m, "kept"))
	got, err := m.Eval(b.value("kept.voice"))
	require.NoError(t, err)
	assert.Equal(t, want["voice"], got)

	data, err := m.Persist()
	require.NoError(t, err)
	dm, err := m.p.NewDatamodel()
	require.NoError(t, err)
	t.Cleanup(dm.Close)
	r := dm.(*Model)
	require.NoError(t, r.Setup(newSystem()))
	require.NoError(t, r.Restore(data), string(data))
	assert.Equal(t, want, eval(t, r, "kept"))
	assert.Equal(t, "c-1 1 7001", eval(t, r, "kept.voice.callid + ' ' + kept.voice.added + ' ' + kept.parties[0].dn"))
}

// TestEventDataConvertsWhatIsRead checks that reading one property of the
// data converts that property only.
func TestEventDataConvertsWhatIsRead(t *testing.T) {
	m := newBuilder().model(t)
	m.SetEvent(&interp.Event{Name: "a", Data: interactionData()})
	assert.True(t, cond(t, m, "_event.data.interactionid === 'ixn-1'"))
	d, ok := m.ev.data.Export().(*lazyObject)
	require.True(t, ok, "_event.data is %T", m.ev.data.Export())
	require.Len(t, d.vals, 1)
	assert.Equal(t, "interactionid", d.vals[0].key)
}

// TestSendIDData checks that the data of ORS's cancel events,
// interp.SendIDData, reads in every way as the map {"sendid": id} it
// stands for, in documents with and without events of their own, and
// that the host reads it back as that map.
func TestSendIDData(t *testing.T) {
	scripts := []string{
		"return o.sendid",
		"return typeof o + Object.prototype.toString.call(o) + (Object.getPrototypeOf(o) === Object.prototype)",
		"return Object.keys(o).join() + JSON.stringify(o) + ('sendid' in o) + o.hasOwnProperty('sendid')",
		"o.sendid = 'changed'; o.more = 1; return JSON.stringify(o)",
		"delete o.sendid; return JSON.stringify(o) + ('sendid' in o)",
		"return JSON.stringify(Object.getOwnPropertyDescriptor(o, 'sendid'))",
	}
	for _, own := range []bool{false, true} {
		for _, body := range scripts {
			t.Run(fmt.Sprintf("own=%v/%s", own, body), func(t *testing.T) {
				b := newBuilder()
				m := b.modelWith(t, Options{OwnEvents: func(*scxml.Document) bool { return own }})
				fn := "(function (o) {" + body + "})(_event.data)"
				m.SetEvent(&interp.Event{Name: "cancel.successful", Type: interp.External, SendID: "s-1",
					Data: map[string]any{"sendid": "s-1"}})
				want := eval(t, m, fn)
				m.SetEvent(&interp.Event{Name: "cancel.successful", Type: interp.External, SendID: "s-1",
					Data: interp.SendIDData{SendID: "s-1"}})
				assert.Equal(t, want, eval(t, m, fn))
			})
		}
	}
	m := newBuilder().model(t)
	m.SetEvent(&interp.Event{Name: "error.notallowed", Data: interp.SendIDData{SendID: "s-2"}})
	assert.Equal(t, map[string]any{"sendid": "s-2"}, eval(t, m, "_event.data"))
	assert.Equal(t, map[string]any{"sendid": "s-2"}, eval(t, m, "[_event.data][0]"))
}

package ecmascript

import (
	"testing"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventFields(t *testing.T) {
	internal := &interp.Event{Name: "foo", Type: interp.Internal}
	external := &interp.Event{
		Name: "bar", Type: interp.External, SendID: "id1",
		Origin: "#_scxml_sess-1", OriginType: "http://www.w3.org/TR/scxml/#SCXMLEventProcessor",
		InvokeID: "inv1", Data: map[string]any{"aParam": 1.0},
	}
	platform := &interp.Event{Name: "error.execution", Type: interp.Platform, SendID: "s7"}
	raw := &interp.Event{Name: "test", Raw: "POST /x\r\n\r\n_scxmleventname=test"}
	tests := []struct {
		name  string
		ev    *interp.Event
		conds []string
	}{
		{"fields present (W3C 330)", internal, []string{
			"'name' in _event && 'type' in _event && 'sendid' in _event && 'origin' in _event && 'origintype' in _event && 'invokeid' in _event && 'data' in _event",
			"!('raw' in _event)",
		}},
		{"internal (W3C 331, 333, 335, 337, 339, 343)", internal, []string{
			"_event.name === 'foo'",
			"_event.type === 'internal'",
			"typeof _event.sendid === 'undefined'",
			"typeof _event.origin === 'undefined'",
			"typeof _event.origintype === 'undefined'",
			"typeof _event.invokeid === 'undefined'",
			"typeof _event.data === 'undefined'",
		}},
		{"external (W3C 198, 338, 342, 560)", external, []string{
			"_event.name === 'bar'",
			"_event.type === 'external'",
			"_event.sendid === 'id1'",
			"_event.origin === '#_scxml_sess-1'",
			"_event.origintype == 'http://www.w3.org/TR/scxml/#SCXMLEventProcessor'",
			"_event.invokeid === 'inv1'",
			"_event.data.aParam == 1",
			"_event.data === _event.data",
			`JSON.stringify(_event.data) === '{"aParam":1}'`,
		}},
		{"platform (W3C 331, 332)", platform, []string{"_event.type === 'platform'", "_event.sendid === 's7'"}},
		{"raw (W3C 509, 534)", raw, []string{"'raw' in _event", "_event.raw.search('_scxmleventname=test') !== -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newBuilder().model(t)
			m.SetEvent(tt.ev)
			for _, c := range tt.conds {
				assert.True(t, cond(t, m, c), c)
			}
		})
	}
}

func TestEventData(t *testing.T) {
	tests := []struct {
		name  string
		data  any
		conds []string
	}{
		{"number (W3C 179)", 123.0, []string{"_event.data == 123", "typeof _event.data === 'number'"}},
		{"string (W3C 562)", "this is a string", []string{"_event.data == 'this is a string'"}},
		{"object (W3C 578)", map[string]any{"productName": "bar", "size": 27.0}, []string{"_event.data.productName == 'bar'", "typeof _event.data === 'object'"}},
		{"array", []any{1.0, 2.0}, []string{"_event.data instanceof Array", "_event.data.length === 2"}},
		{"XML (W3C 561)", &interp.XMLNode{Text: `<books xmlns=""><book title="title1"/><book title="title2"/></books>`},
			[]string{"_event.data.getElementsByTagName('book')[1].getAttribute('title') == 'title2'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newBuilder().model(t)
			m.SetEvent(&interp.Event{Name: "foo", Data: tt.data})
			for _, c := range tt.conds {
				assert.True(t, cond(t, m, c), c)
			}
		})
	}
}

func TestEventReadOnly(t *testing.T) {
	m := newBuilder().model(t)
	e := &interp.Event{Name: "foo", Data: map[string]any{"a": 1.0}}
	m.SetEvent(e)
	exec(t, m, "var Var2 = _event")
	for _, src := range []string{
		"'use strict'; _event.name = 'x'",
		"'use strict'; delete _event.name",
		"'use strict'; _event = 1",
		"'use strict'; Object.defineProperty(_event, 'name', {value: 'x'})",
	} {
		err := m.Exec(scriptOf(src))
		assert.Error(t, err, src)
	}
	// Sloppy scripts cannot change it either.
	exec(t, m, "_event = 1; _event.name = 'x'; delete _event.type")
	assert.True(t, cond(t, m, "_event.name === 'foo' && _event.type === 'external'"))
	// W3C test 329: a copy of _event is _event.
	assert.True(t, cond(t, m, "Var2 == _event"))
	// The data object itself is an ordinary object.
	exec(t, m, "_event.data.a = 2")
	assert.True(t, cond(t, m, "_event.data.a === 2"))
	assert.Equal(t, 1.0, e.Data.(map[string]any)["a"], "the neutral value is not changed")
}

func TestEventRebinding(t *testing.T) {
	m := newBuilder().model(t)
	m.SetEvent(&interp.Event{Name: "a", Data: "one"})
	assert.True(t, cond(t, m, "_event.name === 'a' && _event.data === 'one'"))
	m.SetEvent(&interp.Event{Name: "b", Data: "two"})
	assert.True(t, cond(t, m, "_event.name === 'b' && _event.data === 'two'"))
	m.SetEvent(&interp.Event{Name: "c"})
	assert.True(t, cond(t, m, "_event.name === 'c' && _event.data === undefined"))
	m.SetEvent(nil)
	assert.True(t, cond(t, m, "_event.name === undefined"))
}

func TestEventExport(t *testing.T) {
	m := newBuilder().model(t)
	m.SetEvent(&interp.Event{Name: "foo", Type: interp.Internal, SendID: "x", Data: []any{1.0}})
	assert.Equal(t, map[string]any{"name": "foo", "type": "internal", "sendid": "x", "data": []any{1.0}}, eval(t, m, "_event"))
}

func TestSetEventDoesNotAllocate(t *testing.T) {
	m := newBuilder().model(t)
	ev := &interp.Event{Name: "foo", Type: interp.External}
	m.SetEvent(ev)
	allocs := testing.AllocsPerRun(1000, func() { m.SetEvent(ev) })
	require.Zero(t, allocs)
}

// TestOwnEvents checks that with Options.OwnEvents an _event a script
// kept goes on showing its event after the next one, although the
// engine reuses the struct it passes; and that an event no script read
// leaves its object to the next event (allocating nothing).
func TestOwnEvents(t *testing.T) {
	b := newBuilder()
	keep := b.script("var kept = _event;")
	m := b.modelWith(t, Options{OwnEvents: func(*scxml.Document) bool { return true }})
	ev := &interp.Event{Name: "first", Type: interp.External, SendID: "s1", Data: map[string]any{"n": 1.0}}
	m.SetEvent(ev)
	require.NoError(t, m.Exec(keep))
	*ev = interp.Event{Name: "second", Type: interp.Internal}
	m.SetEvent(ev)
	for _, c := range []string{
		"kept.name === 'first' && kept.type === 'external' && kept.sendid === 's1' && kept.data.n === 1",
		"_event.name === 'second' && _event.type === 'internal' && typeof _event.data === 'undefined'",
		"kept !== _event",
	} {
		assert.True(t, cond(t, m, c), c)
	}

	unread := []interp.Event{{Name: "u1", Type: interp.External}, {Name: "u2", Type: interp.Internal, Data: map[string]any{"n": 2.0}}}
	m.SetEvent(&unread[0])
	i := 0
	allocs := testing.AllocsPerRun(100, func() {
		*ev = unread[i&1]
		m.SetEvent(ev)
		i++
	})
	assert.Zero(t, allocs, "events no script reads")
	*ev = interp.Event{Name: "last", Type: interp.External, Data: map[string]any{"n": 3.0}}
	m.SetEvent(ev)
	assert.True(t, cond(t, m, "kept.name === 'first' && kept.data.n === 1 && _event.name === 'last' && _event.data.n === 3 && kept !== _event"))
	require.NoError(t, m.Exec(b.script("var kept2 = _event;")))
	*ev = interp.Event{Name: "after", Type: interp.Internal}
	m.SetEvent(ev)
	assert.True(t, cond(t, m, "kept2.name === 'last' && kept2.data.n === 3 && _event.name === 'after' && kept2 !== _event"))

	// An event's data, made with its object, stays its own when kept
	// alone, through events no script reads.
	*ev = interp.Event{Name: "data", Type: interp.External, Data: map[string]any{"n": 4.0, "o": map[string]any{"k": "v"}}}
	m.SetEvent(ev)
	require.NoError(t, m.Exec(b.script("var keptData = _event.data; keptData.added = keptData.o.k;")))
	for _, u := range unread {
		*ev = u
		m.SetEvent(ev)
	}
	*ev = interp.Event{Name: "next", Type: interp.External, Data: map[string]any{"n": 5.0}}
	m.SetEvent(ev)
	assert.True(t, cond(t, m, "keptData.n === 4 && keptData.added === 'v' && _event.data.n === 5 && keptData !== _event.data"))
}

package ecmascript

import (
	"reflect"
	"testing"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEvalSharedEqualsEval checks that EvalShared gives what Eval gives
// whatever a script did to the event's data before, and hands over the
// event's own map only when nothing was changed.
func TestEvalSharedEqualsEval(t *testing.T) {
	tests := []struct {
		name   string
		script string // run before the evaluation
		expr   string
		data   func() map[string]any
		shared bool
	}{
		{name: "untouched", expr: "_event.data.interaction.udata", shared: true},
		{name: "read before", script: "var x = _event.data.interaction.udata._customer_number + _event.data.interaction.voice.callid;",
			expr: "_event.data.interaction.udata", shared: true},
		{name: "whole data", script: "var x = _event.data.interaction.parties;", expr: "_event.data"},
		{name: "whole data untouched", expr: "_event.data", shared: true},
		{name: "listed", script: "var k = Object.keys(_event.data.interaction.udata);", expr: "_event.data.interaction.udata", shared: true},
		{name: "property changed", script: "_event.data.interaction.udata._customer_number = '5559999';", expr: "_event.data.interaction.udata"},
		{name: "same value assigned", script: "_event.data.interaction.udata._customer_number = '5551234';", expr: "_event.data.interaction.udata"},
		{name: "property added", script: "_event.data.interaction.udata.extra = {a: [1, 'b']};", expr: "_event.data.interaction.udata"},
		{name: "property deleted", script: "delete _event.data.interaction.udata._CB_T_START;", expr: "_event.data.interaction.udata"},
		{name: "defined", script: "Object.defineProperty(_event.data.interaction.udata, 'd', {value: 1, writable: true, enumerable: true, configurable: true});",
			expr: "_event.data.interaction.udata"},
		{name: "nested changed", script: "_event.data.interaction.udata.list.push('c');", expr: "_event.data.interaction.udata"},
		{name: "nested object changed", script: "_event.data.interaction.udata.sub.k = 'changed';", expr: "_event.data.interaction"},
		{name: "nested object changed, read above", script: "_event.data.interaction.udata.sub.k = 'changed';", expr: "_event.data"},
		{name: "array read, not changed", script: "var n = _event.data.interaction.parties.length;", expr: "_event.data.interaction"},
		{name: "an integer", expr: "_event.data.interaction.udata",
			data: func() map[string]any {
				d := interactionData()
				d["interaction"].(map[string]any)["udata"] = map[string]any{"n": 7}
				return d
			}},
		{name: "invalid UTF-8", expr: "_event.data.interaction.udata",
			data: func() map[string]any {
				d := interactionData()
				d["interaction"].(map[string]any)["udata"] = map[string]any{"s": "a\xffb"}
				return d
			}, shared: true}, // goja keeps a Go string's bytes
		{name: "a nil map", expr: "_event.data.interaction.udata",
			data: func() map[string]any {
				d := interactionData()
				d["interaction"].(map[string]any)["udata"] = map[string]any{"m": map[string]any(nil)}
				return d
			}},
		{name: "not event data", script: "var copy = {a: 1};", expr: "copy"},
		{name: "a string", expr: "_event.data.interaction.udata._customer_number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := func() map[string]any {
				d := interactionData()
				u := d["interaction"].(map[string]any)["udata"].(map[string]any)
				u["list"] = []any{"a", 2.0, nil, map[string]any{"x": true}}
				u["sub"] = map[string]any{"k": "v", "f": 1.5}
				return d
			}
			if tt.data != nil {
				data = tt.data
			}
			evalBoth := func(m *Model) (any, any) {
				if tt.script != "" {
					exec(t, m, tt.script)
				}
				e := &scxml.Expr{Kind: scxml.ValueExpr, Src: tt.expr, Index: -1, Pos: scxml.Pos{File: testFile, Line: 1, Col: 1}}
				got, err := m.EvalShared(e)
				require.NoError(t, err)
				want, err := m.Eval(e)
				require.NoError(t, err)
				return got, want
			}
			m := newBuilder().model(t)
			d := data()
			m.SetEvent(&interp.Event{Name: "interaction.added", Type: interp.External, Data: d})
			got, want := evalBoth(m)
			assert.Equal(t, want, got)

			// The event's own map, or a copy of it.
			src := d["interaction"].(map[string]any)["udata"]
			if tt.expr == "_event.data" {
				src = d
			}
			gm, isMap := got.(map[string]any)
			sm, _ := src.(map[string]any)
			same := isMap && sm != nil && reflect.ValueOf(gm).UnsafePointer() == reflect.ValueOf(sm).UnsafePointer()
			assert.Equal(t, tt.shared, same, "shared")
		})
	}
}

// TestEvalSharedErrors checks that EvalShared fails as Eval does.
func TestEvalSharedErrors(t *testing.T) {
	m := newBuilder().model(t)
	e := &scxml.Expr{Kind: scxml.ValueExpr, Src: "nosuchvar.x", Index: -1, Pos: scxml.Pos{File: testFile, Line: 3, Col: 1}}
	_, err := m.EvalShared(e)
	require.Error(t, err)
	_, want := m.Eval(e)
	assert.Equal(t, want.Error(), err.Error())
	exec(t, m, "var cyc = {}; cyc.self = cyc;")
	_, err = m.EvalShared(&scxml.Expr{Kind: scxml.ValueExpr, Src: "cyc", Index: -1})
	require.ErrorContains(t, err, "cyclic")
	m.Close()
	_, err = m.EvalShared(e)
	require.ErrorIs(t, err, ErrClosed)
}

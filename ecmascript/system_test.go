package ecmascript

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dop251/goja/parser"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// askingSystem counts the times the session is asked for its processors.
type askingSystem struct {
	*system
	asked int
}

func (s *askingSystem) IOProcessors() map[string]string {
	s.asked++
	return s.system.IOProcessors()
}

// _ioprocessors asks the session for its processors' locations when a
// script first looks into it, once, and behaves as if they had been asked
// for at the start.
func TestIOProcessorsAskedWhenFirstRead(t *testing.T) {
	tests := []struct {
		src   string
		want  any
		asked int
	}{
		{"typeof _ioprocessors", "object", 0},
		{"_ioprocessors === _ioprocessors", true, 0},
		{"_ioprocessors.scxml.location", "#_scxml_sess-1", 1},
		{"'scxml' in _ioprocessors", true, 1},
		{"'nosuch' in _ioprocessors", false, 1},
		{"Object.keys(_ioprocessors).join(' ')", "http://www.w3.org/TR/scxml/#SCXMLEventProcessor scxml", 1},
		{"_ioprocessors.nosuch", nil, 1},
		{"JSON.stringify(_ioprocessors)", `{"http://www.w3.org/TR/scxml/#SCXMLEventProcessor":{"location":"#_scxml_sess-1"},"scxml":{"location":"#_scxml_sess-1"}}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			b := newBuilder()
			p, err := Compile(b.doc)
			require.NoError(t, err)
			dm, err := p.NewDatamodel()
			require.NoError(t, err)
			t.Cleanup(dm.Close)
			sys := &askingSystem{system: newSystem()}
			require.NoError(t, dm.Setup(sys))
			assert.Zero(t, sys.asked, "asked at setup")
			m := dm.(*Model)
			assert.Equal(t, tt.want, eval(t, m, tt.src))
			assert.Equal(t, tt.asked, sys.asked)
			eval(t, m, tt.src)
			assert.Equal(t, tt.asked, sys.asked, "asked again")
		})
	}
}

// namedSystem is a session whose name is not its document's.
type namedSystem struct {
	*system
	name string
}

func (s *namedSystem) Name() string { return s.name }

// _name is the session's name: the document's, shared by its sessions,
// or the one the session gives.
func TestNameIsTheSessions(t *testing.T) {
	for _, name := range []string{"test", "other", ""} {
		t.Run(name, func(t *testing.T) {
			p, err := Compile(newBuilder().doc)
			require.NoError(t, err)
			dm, err := p.NewDatamodel()
			require.NoError(t, err)
			t.Cleanup(dm.Close)
			require.NoError(t, dm.Setup(&namedSystem{system: newSystem(), name: name}))
			assert.Equal(t, name, eval(t, dm.(*Model), "_name"))
		})
	}
}

// sysModel compiles a document of one script, src, and returns a data
// model after Setup; own adds a script that makes the document keep the
// system variables as own properties of the global object (system.go).
func sysModel(t *testing.T, src string, own bool) (*Model, *scxml.Script) {
	t.Helper()
	b := newBuilder()
	s := b.script(src)
	if own {
		b.script("eval('1')")
	}
	return b.model(t), s
}

// The system variables behave the same whether the environment serves
// them or they are own properties of the global object: every way of
// changing one fails as it did, and none hides them.
func TestSystemVariablesReadOnlyEitherWay(t *testing.T) {
	probe := "[_sessionid, _name, typeof _ioprocessors, typeof _x, typeof _event, '_sessionid' in this, '_event' in this].join(' ')"
	for _, src := range []string{
		"1",
		"_sessionid = 5",
		"_name = 'x'; _x = 1; _ioprocessors = 2; _event = 3",
		"this._sessionid = 4",
		"_sessionid++",
		"[_sessionid] = [3]",
		"for (_sessionid in {a: 1}) {}",
		"var _sessionid",
		"var _sessionid = 5",
		"var a, _name = 5",
		"if (true) { function _name() {} }",
		"function _name() {}",
		"let _x = 1",
		"const _event = 1",
		"class _x {}",
		"'use strict'; _sessionid = 5",
		"(function () { 'use strict'; _x = 5 })()",
		"Object.assign(this, {_sessionid: 1})",
		"Object.defineProperty(this, '_sessionid', {value: 3})",
		"delete _sessionid",
		"delete this._event",
		"eval('var _sessionid = 9')",
		"(0, eval)('var _sessionid = 9')",
		"Function('return this')()._sessionid = 7",
		"var k = Object.keys(this).join()",
		"let a = 1, _x = 2",
		"const a = 1, _x = 2",
		"let [_x] = [1]",
		"let {_name} = {_name: 3}",
		"function* _x() {}",
		"function /* c */ _name() {}",
		"this['ev' + 'al']('var _' + 'x = 5')",
	} {
		t.Run(src, func(t *testing.T) {
			var want []string
			for _, own := range []bool{true, false} {
				m, s := sysModel(t, src, own)
				err := m.Exec(s)
				got := []string{fmt.Sprint(err), fmt.Sprint(eval(t, m, probe))}
				m.SetEvent(&interp.Event{Name: "e"})
				_ = m.Exec(s)
				got = append(got, fmt.Sprint(eval(t, m, probe+" + _event.name")))
				assert.Equal(t, own || m.p.sysRisky, m.sysOwn, "own properties")
				if own {
					want = got
					continue
				}
				assert.Equal(t, want, got)
				if m.sysOwn {
					return
				}
				for _, k := range m.global.GetOwnPropertyNames() {
					assert.False(t, isSystem(k), "own property %s", k)
				}
			}
			assert.Equal(t, "sess-1 test object object undefined true true", strings.SplitN(want[1], "\n", 2)[0])
		})
	}
}

// An <assign> to a system variable is a TypeError (W3C tests 329, 346)
// in a session that had it served by the environment, which an
// expression of another document (the one assigned) may do.
func TestAssignSystemFromOtherDocument(t *testing.T) {
	m, _ := sysModel(t, "1", false)
	require.False(t, m.sysOwn)
	other := newBuilder()
	a := other.assign("_sessionid", "2")
	a.Location.Index, a.Expr.Index = -1, -1
	err := m.Assign(a)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TypeError")
	assert.Equal(t, "sess-1", eval(t, m, "_sessionid"))
}

// _event is undefined, yet bound, before the first event (W3C test 319),
// and the event after; the same object serves every event.
func TestEventBoundOnFirstEvent(t *testing.T) {
	for _, own := range []bool{false, true} {
		m, _ := sysModel(t, "1", own)
		assert.Equal(t, true, eval(t, m, "typeof _event === 'undefined' && '_event' in this"))
		assert.False(t, cond(t, m, "_event ? true : false"))
		m.SetEvent(&interp.Event{Name: "a"})
		assert.Equal(t, "a", eval(t, m, "_event.name"))
		exec(t, m, "var held = _event")
		m.SetEvent(&interp.Event{Name: "b"})
		assert.Equal(t, true, eval(t, m, "held === _event && _event.name === 'b'"))
	}
}

// Snapshots, Size and Globals list the document's variables only, and a
// variable holding _x still holds it after a restore.
func TestSystemVariablesNotListed(t *testing.T) {
	b := newBuilder()
	s := b.script("var a = 1, x = _x, io = _ioprocessors")
	m := b.model(t)
	require.NoError(t, m.Exec(s))
	assert.False(t, m.sysOwn)
	assert.Equal(t, []string{"a", "x", "io"}, m.Globals())
	data, err := m.Persist()
	require.NoError(t, err)
	for _, name := range systemNames {
		assert.NotContains(t, string(data), `"`+name+`"`+":")
	}
	p, err := Compile(b.doc)
	require.NoError(t, err)
	dm, err := p.NewDatamodel()
	require.NoError(t, err)
	t.Cleanup(dm.Close)
	require.NoError(t, dm.Setup(newSystem()))
	require.NoError(t, dm.(*Model).Restore(data))
	assert.Equal(t, "true true", eval(t, dm.(*Model), "[a === 1, x === _x].join(' ')"))
}

func TestSysRisky(t *testing.T) {
	tests := []struct {
		src   string
		risky bool
	}{
		{"count + 1", false},
		{"_event.data.x + _sessionid", false},
		{"var a = _event.name", false},
		{"_sessionid = 1", false},
		{"delete o.k", false},
		{"var _sessionid", true},
		{"var a, _x = 1", true},
		{"var {a: _x} = o", true},
		{"let _x", true},
		{"function _name() {}", true},
		{"eval('x')", true},
		{"Object.defineProperty(o, 'k', {})", true},
		{"f.constructor", true},
		{"delete this.k", true},
		{"delete o[_name]", true},
		{"'use strict'; _x.y = 1", true},
		{"class A { m() { return _x } }", true},
		{"Object.freeze(o)", true},
		{"let a = 1, _x = 2", true},
		{"const a = 1, _x = 2", true},
		{"let [_x] = [1]", true},
		{"let {_name} = {_name: 3}", true},
		{"function* _x() {}", true},
		{"function*_sessionid(){}", true},
		{"function /* c */ _name() {}", true},
		{"this['ev' + 'al']('var _' + 'x = 5')", true},
		{"function f() { return 1 } var a = f()", false},
		{"var n = _event.name; let k = 1", true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			tree, err := parser.ParseFile(nil, "", tt.src, 0)
			require.NoError(t, err)
			assert.Equal(t, tt.risky, sysRisky(tt.src, tree))
		})
	}
}

package ecmascript

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// TestAssignOneProgram checks which <assign> elements run as one program,
// and that errors name the part they come from either way.
func TestAssignOneProgram(t *testing.T) {
	tests := []struct {
		loc, expr string
		one       bool   // runs as one program
		err       string // the error's start after the position, "" none
		check     string // holds afterwards
	}{
		{loc: "Var1", expr: "Var1 + 1", one: true, check: "Var1 === 1"},
		{loc: "obj.a", expr: "{x: [1, 'a', null], y: arr[0] ? 'p' : `t${Var1}`}", one: true, check: "obj.a.x[1] === 'a' && obj.a.y === 'p'"},
		{loc: "arr[Var1]", expr: "Math.max(1, 2), new Date(0).getTime()", one: true, check: "arr[0] === 0"},
		{loc: "Var1", expr: "typeof nosuch + !0 + -1 + void 0", one: true, check: "Var1 === 'undefinedtrue-1undefined'"},
		{loc: "Var1", expr: "obj?.a?.b ?? 5; ;", one: true, check: "Var1 === 5"},
		{loc: "nosuch", expr: "1", one: true, err: `location "nosuch": ReferenceError: nosuch is not defined`, check: "typeof nosuch === 'undefined'"},
		{loc: "Var1", expr: "nosuch", one: true, err: `expression "nosuch": ReferenceError`},
		{loc: "nosuch", expr: "alsonosuch", one: true, err: `expression "alsonosuch": ReferenceError`},
		{loc: "foo.bar.baz", expr: "1", one: true, err: `location "foo.bar.baz": ReferenceError`},
		{loc: "obj.a.b.c", expr: "1", one: true, err: `location "obj.a.b.c": TypeError`},
		{loc: "_sessionid", expr: "2", one: true, err: `location "_sessionid": TypeError`, check: "_sessionid === 'sess-1'"},
		{loc: "_event.name", expr: "'x'", one: true, err: `location "_event.name": TypeError`},
		{loc: "Var1", expr: "thrower()", one: true, err: `expression "thrower()": TypeError: in thrower`},
		{loc: "Var1", expr: "\n\n  thrower()", one: true, err: `expression "thrower()": TypeError`},
		{loc: "obj\n.a", expr: "thrower()", one: true, err: `expression "thrower()": TypeError`},
		// Not strict-neutral: these run as two programs, E in sloppy mode.
		{loc: "Var1", expr: "function () { leaked = 1; return this }", check: "Var1() === this && leaked === 1"},
		{loc: "Var1", expr: "(implicit = 3) + 1", check: "Var1 === 4 && implicit === 3"},
		{loc: "Var1", expr: "Var1++", check: "Var1 === 0"},
		{loc: "Var1", expr: "delete Object.prototype", check: "Var1 === false"},
		{loc: "Var1", expr: "eval('var fromEval = 2'), fromEval", check: "Var1 === 2"},
		{loc: "Var1", expr: "{get g() { return 1 }}", check: "Var1.g === 1"},
		{loc: "Var1", expr: "() => this", check: "Var1() === this"},
		{loc: "Var1", expr: "010", check: "Var1 === 8"}, // octal: strict-only syntax error
		{loc: "Var1", expr: "(function(){ var let = 1; return let })()", check: "Var1 === 1"},
		{loc: "Var1", expr: "var t = 5; t * 2", check: "Var1 === 10"}, // an ORS program (the documents here are ORS)
	}
	for _, tt := range tests {
		t.Run(tt.loc+" = "+tt.expr, func(t *testing.T) {
			b := newBuilder()
			b.doc.Dialect = scxml.ORS
			a := b.assign(tt.loc, tt.expr)
			m := b.model(t)
			exec(t, m, "var Var1 = 0, obj = {}, arr = [1, 2]; function thrower() { throw new TypeError('in thrower') }")
			m.SetEvent(&interp.Event{Name: "e"})
			assert.Equal(t, tt.one, m.p.assignFor(a) != nil)
			requireAssignError(t, a, m.Assign(a), tt.err)
			if tt.check != "" {
				assert.True(t, cond(t, m, tt.check), tt.check)
			}
		})
	}
}

// TestAssignDataVariable checks the <assign> to a <data> variable the
// model made, which sets the global object's property directly: it
// behaves as the strict-mode assignment, a variable made read-only since
// included, and a <data> whose id was a global already is assigned by
// the program.
func TestAssignDataVariable(t *testing.T) {
	tests := []struct {
		name   string
		id     string
		before string // a script run before the assign
		loc    string
		expr   string
		direct bool   // assigned directly
		err    string // the error's start after the position, "" none
		check  string // holds afterwards
	}{
		{name: "number", id: "count", loc: "count", expr: "count + 1", direct: true, check: "count === 1"},
		{name: "spaces around the location", id: "count", loc: " count\n", expr: "'x'", direct: true, check: "count === 'x'"},
		{name: "object", id: "count", loc: "count", expr: "{a: [count]}", direct: true, check: "count.a[0] === 0"},
		{name: "literal", id: "count", loc: "count", expr: "5", direct: true, check: "count === 5"},
		{name: "value fails", id: "count", loc: "count", expr: "nosuch", direct: true, err: `expression "nosuch": ReferenceError`, check: "count === 0"},
		{name: "read-only since", id: "count", before: "Object.defineProperty(this, 'count', {writable: false})", loc: "count", expr: "1", direct: true,
			err: `location "count": TypeError`, check: "count === 0"},
		{name: "frozen global", id: "count", before: "Object.freeze(this)", loc: "count", expr: "1", direct: true,
			err: `location "count": TypeError`, check: "count === 0"},
		{name: "cannot be deleted", id: "count", before: "delete count", loc: "count", expr: "1", direct: true, check: "count === 1"},
		{name: "a built-in's name", id: "Math", loc: "Math", expr: "1", check: "Math === 1"},
		{name: "a member", id: "count", before: "count = {}", loc: "count.a", expr: "1", check: "count.a === 1"},
		{name: "not a data id", id: "count", before: "var other = 0", loc: "other", expr: "1", check: "other === 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder()
			a := b.assign(tt.loc, tt.expr)
			d := &scxml.Data{ID: tt.id, Expr: b.value("0")}
			b.doc.States = []*scxml.State{{Kind: scxml.Root, Data: []*scxml.Data{d}}}
			m := b.model(t)
			require.NoError(t, m.InitData(d))
			if tt.before != "" {
				exec(t, m, tt.before)
			}
			ap := m.p.assignFor(a)
			assert.Equal(t, tt.direct, ap != nil && ap.data > 0 && m.own.has(ap.data))
			requireAssignError(t, a, m.Assign(a), tt.err)
			assert.True(t, cond(t, m, tt.check), tt.check)
		})
	}
}

// TestOwnVars checks the set of variables a model made, which holds the
// first 64.
func TestOwnVars(t *testing.T) {
	var o ownVars
	for _, ord := range []int{1, 2, 63, 64} {
		assert.False(t, o.has(ord))
		o.add(ord)
		assert.True(t, o.has(ord))
	}
	o.add(65)
	assert.False(t, o.has(3))
	assert.False(t, o.has(65))
}

// requireAssignError checks the error of a's execution: none when want is
// "", else want after the position of the part it names (an "expression"
// or a "location").
func requireAssignError(t *testing.T, a *scxml.Assign, err error, want string) {
	t.Helper()
	if want == "" {
		require.NoError(t, err)
		return
	}
	require.Error(t, err)
	pos := a.Location.Pos
	if strings.HasPrefix(want, "expression") {
		pos = a.Expr.Pos
	}
	assert.Contains(t, err.Error(), pos.String()+": "+want)
}

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
			err := m.Assign(a)
			if tt.err == "" {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				pos := a.Location.Pos
				if strings.HasPrefix(tt.err, "expression") {
					pos = a.Expr.Pos
				}
				assert.Contains(t, err.Error(), pos.String()+": "+tt.err)
			}
			if tt.check != "" {
				assert.True(t, cond(t, m, tt.check), tt.check)
			}
		})
	}
}

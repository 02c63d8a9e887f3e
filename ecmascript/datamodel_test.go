package ecmascript

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompileProblems(t *testing.T) {
	b := newBuilder()
	good := b.value("1 + 1")
	bad := b.value("return")    // W3C test 277
	badCond := b.cond("a <")    // incomplete
	badLoc := b.loc("1")        // not assignable
	badScript := b.script("}{") // not a program
	m := b.model(t)

	p, err := Compile(b.doc)
	require.NoError(t, err)
	problems := p.Problems()
	require.Len(t, problems, 4)
	for i, e := range []*scxml.Expr{bad, badCond, badLoc, badScript.Body} {
		assert.True(t, strings.HasPrefix(problems[i].Error(), e.Pos.String()+": "), problems[i].Error())
		var se *SyntaxError
		assert.ErrorAs(t, problems[i], &se)
	}
	assert.Contains(t, problems[0].Error(), `test.scxml:2:5: expression "return": SyntaxError:`)

	v, err := m.Eval(good)
	require.NoError(t, err)
	assert.Equal(t, 2.0, v)
	_, err = m.Eval(bad)
	assert.Equal(t, problems[0], err)
	_, err = m.Cond(badCond)
	assert.Equal(t, problems[1], err)
	assert.Equal(t, problems[2], m.SetLocation(badLoc, 1.0))
	assert.Equal(t, problems[3], m.Exec(badScript))
}

func TestSyntaxErrorPosition(t *testing.T) {
	tests := []struct {
		kind      scxml.ExprKind
		src       string
		line, col int
	}{
		{scxml.ValueExpr, "1 +", 1, 4},
		{scxml.ValueExpr, "a b", 1, 3},
		{scxml.CondExpr, "x ==", 1, 5},
		{scxml.LocationExpr, "a b", 1, 3},
		{scxml.ScriptExpr, "var a = 1;\nvar b = ;\n", 2, 9},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			b := newBuilder()
			b.expr(tt.kind, tt.src)
			p, err := Compile(b.doc)
			require.NoError(t, err)
			require.Len(t, p.Problems(), 1)
			var se *SyntaxError
			require.ErrorAs(t, p.Problems()[0], &se)
			assert.Equal(t, [2]int{tt.line, tt.col}, [2]int{se.Line, se.Col}, se.Error())
		})
	}
}

func TestCompileRejectsBadIndex(t *testing.T) {
	doc := &scxml.Document{Exprs: []*scxml.Expr{{Src: "1", Index: 3}}}
	_, err := Compile(doc)
	assert.Error(t, err)
	_, err = Compile(nil)
	assert.Error(t, err)
}

func TestEval(t *testing.T) {
	m := newBuilder().model(t)
	tests := []struct {
		src  string
		want any
	}{
		{"1 + 1", 2.0},
		{"0.5", 0.5},
		{"0", 0.0},
		{"-0", math.Copysign(0, -1)},
		{"-1e300 * 1e300", math.Inf(-1)},
		{"2 ** 53 + 2", float64(1<<53 + 2)},
		{"[1e6, -3, 0.25]", []any{1e6, -3.0, 0.25}},
		{"'a' + 'b'", "ab"},
		{"true", true},
		{"null", nil},
		{"undefined", nil},
		{"{a: 1, b: 'x'}", map[string]any{"a": 1.0, "b": "x"}},
		{"[1, 'a', true, null, undefined]", []any{1.0, "a", true, nil, nil}},
		{"({a: [1, {b: 2}], f: function () {}, u: undefined})", map[string]any{"a": []any{1.0, map[string]any{"b": 2.0}}}},
		{"function () { return 1 }", nil},
		{"(function () { return 3 })()", 3.0},
		{"'x' // a comment", "x"},
		{"1 + 1;", 2.0},    // W3C test 452
		{"'a;' ; ;", "a;"}, // trailing semicolons only
		{"", nil},          // W3C test 307
		{"  \n", nil},
		{"/* c */ 5", 5.0},
		{"new Date(0)", "1970-01-01T00:00:00.000Z"},
		{"new String('s')", "s"},
		{"_sessionid", "sess-1"},
		{"_name", "test"},
		{"_ioprocessors['http://www.w3.org/TR/scxml/#SCXMLEventProcessor'].location", "#_scxml_sess-1"},
		{"In('s1')", true},
		{"In('s2')", false},
		{"typeof _x", "object"},
		{"typeof _event", "undefined"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			got := eval(t, m, tt.src)
			assert.Equal(t, tt.want, got)
			if f, ok := tt.want.(float64); ok {
				assert.Equal(t, math.Signbit(f), math.Signbit(got.(float64)), "the sign")
			}
		})
	}
	assert.True(t, math.IsNaN(eval(t, m, "0 / 0").(float64)))
}

func TestEvalErrors(t *testing.T) {
	m := newBuilder().model(t)
	tests := []struct {
		src, want string
	}{
		{"nosuchvar", "ReferenceError: nosuchvar is not defined"},
		{"null.x", "TypeError"},
		{"(function () { throw new Error('boom') })()", "Error: boom"},
		{"({get a() { throw new Error('getter') }})", "Error: getter"},
		{"(function () { var o = {}; o.self = o; return o })()", "cyclic"},
		{"(function f() { return f() })()", "RangeError"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := m.Eval(&scxml.Expr{Src: tt.src, Index: -1, Pos: scxml.Pos{File: testFile, Line: 7, Col: 3}})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, strings.HasPrefix(err.Error(), "test.scxml:7:3: expression "), err.Error())
		})
	}
	// The runtime still works.
	assert.Equal(t, 2.0, eval(t, m, "1 + 1"))
}

func TestScriptErrorUnwrapsToGoja(t *testing.T) {
	m := newBuilder().model(t)
	_, err := m.Eval(&scxml.Expr{Src: "x.y", Index: -1})
	var se *ScriptError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "ReferenceError: x is not defined", se.Message)
	var ex *goja.Exception
	assert.ErrorAs(t, err, &ex)
}

func TestCond(t *testing.T) {
	m := newBuilder().model(t)
	tests := []struct {
		src  string
		want bool
	}{
		{"1", true}, {"0", false}, {"''", false}, {"'a'", true}, {"undefined", false},
		{"null", false}, {"({})", true}, {"[]", true}, {"NaN", false}, {"1 < 2", true},
		{"_event", false}, // W3C test 319: unbound before the first event
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			assert.Equal(t, tt.want, cond(t, m, tt.src))
		})
	}
	_, err := m.Cond(&scxml.Expr{Kind: scxml.CondExpr, Src: "nosuch == 1", Index: -1})
	assert.Error(t, err)
}

func TestEvalString(t *testing.T) {
	m := newBuilder().model(t)
	tests := []struct{ src, want string }{
		{"1 + 1", "2"}, {"'a' + 1", "a1"}, {"undefined", "undefined"}, {"null", "null"},
		{"1.5", "1.5"}, {"[1,2]", "1,2"}, {"true", "true"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			s, err := m.EvalString(&scxml.Expr{Src: tt.src, Index: -1})
			require.NoError(t, err)
			assert.Equal(t, tt.want, s)
		})
	}
	_, err := m.EvalString(&scxml.Expr{Src: "({toString() { throw new Error('no') }})", Index: -1})
	assert.ErrorContains(t, err, "Error: no")
}

func TestScriptGlobalScope(t *testing.T) {
	b := newBuilder()
	s := b.script("var x = 1; function f() { return x + 1 }; y = 5")
	m := b.model(t)
	require.NoError(t, m.Exec(s))
	assert.Equal(t, 2.0, eval(t, m, "f()"))
	assert.Equal(t, 5.0, eval(t, m, "y"))
	require.NoError(t, m.Exec(&scxml.Script{}), "a script without body does nothing")
}

func TestAssign(t *testing.T) {
	tests := []struct {
		name     string
		loc      string
		expr     string
		wantErr  string
		check    string // a condition that must hold afterwards
		declared bool
	}{
		{name: "declared", loc: "Var1", expr: "42", check: "Var1 === 42"},
		{name: "object property", loc: "obj.a", expr: "'x'", check: "obj.a === 'x'"},
		{name: "array element", loc: "arr[1]", expr: "7", check: "arr[1] === 7"},
		{name: "object literal", loc: "Var1", expr: "{a: 1}", check: "Var1.a === 1"},
		{name: "undeclared (W3C 286)", loc: "nosuch", expr: "1", wantErr: "ReferenceError", check: "typeof nosuch === 'undefined'"},
		{name: "bad path (W3C 331)", loc: "foo.bar.baz ", expr: "1", wantErr: "ReferenceError"},
		{name: "_sessionid (W3C 329, 346)", loc: "_sessionid", expr: "27", wantErr: "TypeError", check: "_sessionid === 'sess-1'"},
		{name: "_name", loc: "_name", expr: "27", wantErr: "TypeError", check: "_name === 'test'"},
		{name: "_ioprocessors", loc: "_ioprocessors", expr: "27", wantErr: "TypeError", check: "typeof _ioprocessors === 'object'"},
		{name: "_x", loc: "_x", expr: "27", wantErr: "TypeError", check: "typeof _x === 'object'"},
		{name: "_event", loc: "_event", expr: "27", wantErr: "TypeError", check: "_event.name === 'e'"},
		{name: "_event field", loc: "_event.name", expr: "'x'", wantErr: "TypeError", check: "_event.name === 'e'"},
		{name: "_ioprocessors field", loc: "_ioprocessors.scxml.location", expr: "'x'", wantErr: "TypeError", check: "_ioprocessors.scxml.location === '#_scxml_sess-1'"},
		{name: "bad expr", loc: "Var1", expr: "nosuch", wantErr: "nosuch is not defined", check: "Var1 === 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder()
			a := b.assign(tt.loc, tt.expr)
			m := b.model(t)
			exec(t, m, "var Var1 = 0, obj = {}, arr = [1, 2]")
			m.SetEvent(&interp.Event{Name: "e"})
			err := m.Assign(a)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.True(t, strings.HasPrefix(err.Error(), testFile+":"), err.Error())
			} else {
				require.NoError(t, err)
			}
			if tt.check != "" {
				assert.True(t, cond(t, m, tt.check), tt.check)
			}
		})
	}
}

func TestAssignContent(t *testing.T) {
	b := newBuilder()
	a := b.assign("Var1", "")
	a.Content = &scxml.Content{Text: `{"k": [1, 2]}`}
	m := b.model(t)
	exec(t, m, "var Var1")
	require.NoError(t, m.Assign(a))
	assert.True(t, cond(t, m, "Var1.k instanceof Array && Var1.k[1] === 2"))
	// Assigning again reuses the cached setter.
	a.Content = &scxml.Content{Text: "text  here"}
	require.NoError(t, m.Assign(a))
	assert.Equal(t, "text here", eval(t, m, "Var1"))
}

func TestSetLocationConvertsNeutralValues(t *testing.T) {
	b := newBuilder()
	loc := b.loc("Var1")
	m := b.model(t)
	exec(t, m, "var Var1")
	tests := []struct {
		v     any
		check string
	}{
		{nil, "Var1 === undefined"},
		{"s", "Var1 === 's'"},
		{2.5, "Var1 === 2.5"},
		{7, "Var1 === 7"},
		{true, "Var1 === true"},
		{[]any{1.0, "a", nil}, "Var1 instanceof Array && Var1.length === 3 && Var1[2] === null"},
		{map[string]any{"b": 1.0, "a": []any{true}}, `JSON.stringify(Var1) === '{"a":[true],"b":1}'`},
		{map[string]string{"k": "v"}, "typeof Var1 === 'object' && Var1.k === 'v'"},
		{[]string{"x", "y"}, "Array.isArray(Var1) && Var1[1] === 'y'"},
		{&interp.XMLNode{Text: "<a><b>t</b></a>"}, "Var1.documentElement.firstChild.textContent === 't'"},
		{&interp.XMLNode{Text: "<a"}, "Var1 === '<a'"},
	}
	for _, tt := range tests {
		require.NoError(t, m.SetLocation(loc, tt.v))
		assert.True(t, cond(t, m, tt.check), "%#v: %s", tt.v, tt.check)
	}
	// Values round-trip.
	v := map[string]any{"a": []any{1.0, "x", map[string]any{"n": nil}}}
	require.NoError(t, m.SetLocation(loc, v))
	assert.Equal(t, v, eval(t, m, "Var1"))
}

func TestDeclare(t *testing.T) {
	m := newBuilder().model(t)
	require.NoError(t, m.Declare("a", nil))
	assert.True(t, cond(t, m, "'a' in this && a === undefined"))
	require.NoError(t, m.Declare("a", map[string]any{"x": 1.0}))
	assert.True(t, cond(t, m, "a.x === 1"))
	assert.Error(t, m.Declare("_sessionid", "x"))
	assert.Equal(t, "sess-1", eval(t, m, "_sessionid"))
}

func TestInitData(t *testing.T) {
	tests := []struct {
		name    string
		data    scxml.Data
		expr    string
		wantErr bool
		check   string
	}{
		{name: "expr", expr: "1 + 2", check: "Var1 === 3"},
		{name: "object expr", expr: "{a: 1}", check: "Var1.a === 1"},
		{name: "no value", check: "'Var1' in this && Var1 === undefined"},
		{name: "bad expr (W3C 277)", expr: "return", wantErr: true, check: "'Var1' in this && typeof Var1 === 'undefined'"},
		{name: "throwing expr", expr: "nosuch", wantErr: true, check: "'Var1' in this && typeof Var1 === 'undefined'"},
		{name: "JSON array (W3C 446)", data: scxml.Data{Content: &scxml.Content{Text: "\n  [1, 2, 3]\n  "}}, check: "Var1 instanceof Array && Var1.length === 3"},
		{name: "JSON object keeps key order", data: scxml.Data{Content: &scxml.Content{Text: `{"b": 1, "a": {"c": true}}`}}, check: `JSON.stringify(Var1) === '{"b":1,"a":{"c":true}}'`},
		{name: "number from src (W3C 552)", data: scxml.Data{Src: "file:test552.txt", Content: &scxml.Content{Text: "2"}}, check: "Var1 === 2"},
		{name: "hex number", data: scxml.Data{Content: &scxml.Content{Text: "0x10"}}, check: "Var1 === 16"},
		{name: "fraction", data: scxml.Data{Content: &scxml.Content{Text: ".5"}}, check: "Var1 === 0.5"},
		{name: "string (W3C 558)", data: scxml.Data{Content: &scxml.Content{Text: "\nthis  is \na string \n"}}, check: "Var1 === 'this is a string'"},
		{name: "XML child (W3C 557)", data: scxml.Data{Content: &scxml.Content{XML: true, Text: `<books xmlns=""><book title="title1"/><book title="title2"/></books>`}},
			check: "Var1.getElementsByTagName('book')[0].getAttribute('title') == 'title1'"},
		{name: "XML from src (W3C 557)", data: scxml.Data{Content: &scxml.Content{Text: "<books xmlns=\"\">\n     <book title=\"title1\"/>\n     <book title=\"title2\"/>\n   </books> "}},
			check: "var2 = Var1.getElementsByTagName('book')[1].getAttribute('title') == 'title2'"},
		{name: "bad XML", data: scxml.Data{Content: &scxml.Content{XML: true, Text: "<a>"}}, wantErr: true, check: "Var1 === undefined"},
		{name: "text that looks like XML", data: scxml.Data{Content: &scxml.Content{Text: "<a"}}, check: "Var1 === '<a'"},
		{name: "empty", data: scxml.Data{Content: &scxml.Content{Text: "  \n "}}, check: "Var1 === undefined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder()
			d := tt.data
			d.ID = "Var1"
			d.Pos = scxml.Pos{File: testFile, Line: 9, Col: 2}
			if tt.expr != "" {
				d.Expr = b.value(tt.expr)
			}
			m := b.model(t)
			err := m.InitData(&d)
			if tt.wantErr {
				require.Error(t, err)
				assert.True(t, strings.HasPrefix(err.Error(), testFile+":"), err.Error())
			} else {
				require.NoError(t, err)
			}
			assert.True(t, cond(t, m, tt.check), tt.check)
		})
	}
}

func TestInitDataThenAssign(t *testing.T) {
	// W3C test 277: the variable a bad expr left undefined can be assigned.
	b := newBuilder()
	d := &scxml.Data{ID: "Var1", Expr: b.value("return")}
	a := b.assign("Var1", "1")
	m := b.model(t)
	require.Error(t, m.InitData(d))
	require.NoError(t, m.Assign(a))
	assert.True(t, cond(t, m, "Var1 == 1"))
}

func TestContent(t *testing.T) {
	b := newBuilder()
	expr := b.value("'foo'")
	m := b.model(t)
	tests := []struct {
		name string
		c    scxml.Content
		want any
	}{
		{"expr (W3C 527)", scxml.Content{Expr: expr}, "foo"},
		{"number (W3C 179, 529)", scxml.Content{Text: "123"}, 123.0},
		{"JSON (W3C 578)", scxml.Content{Text: `{ "productName" : "bar", "size" : 27 }`}, map[string]any{"productName": "bar", "size": 27.0}},
		{"string (W3C 562)", scxml.Content{Text: "\nthis is  a  \nstring\n"}, "this is a string"},
		{"XML (W3C 561)", scxml.Content{XML: true, Text: `<books xmlns=""><book title="title1"/></books>`}, &interp.XMLNode{Text: `<books xmlns=""><book title="title1"/></books>`}},
		{"empty", scxml.Content{Text: " "}, nil},
		{"boolean JSON", scxml.Content{Text: "true"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := m.Content(&tt.c)
			require.NoError(t, err)
			assert.Equal(t, tt.want, v)
		})
	}
	_, err := m.Content(&scxml.Content{XML: true, Text: "<a>", Pos: scxml.Pos{File: testFile, Line: 3, Col: 1}})
	assert.ErrorContains(t, err, "test.scxml:3:1: content")
}

func TestLocationFromOtherDocument(t *testing.T) {
	m := newBuilder().model(t)
	exec(t, m, "var v = 0")
	loc := &scxml.Expr{Kind: scxml.LocationExpr, Src: "v", Index: 0}
	require.NoError(t, m.SetLocation(loc, 5.0))
	assert.Equal(t, 5.0, eval(t, m, "v"))
	err := m.SetLocation(&scxml.Expr{Kind: scxml.ValueExpr, Src: "v", Index: -1}, 1.0)
	assert.ErrorContains(t, err, "not a location expression")
}

func TestClosed(t *testing.T) {
	b := newBuilder()
	e := b.value("1")
	m := b.model(t)
	m.Close()
	m.Close()
	_, err := m.Eval(e)
	assert.ErrorIs(t, err, ErrClosed)
	_, err = m.Cond(e)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, m.Setup(newSystem()), ErrClosed)
	m.SetEvent(&interp.Event{})
}

func TestNoPanicOnScriptErrors(t *testing.T) {
	m := newBuilder().model(t)
	srcs := []string{
		"throw 1",
		"throw {toString: function () { throw 2 }}",
		"In()",
		"_ioprocessors.nosuch.location",
		"Object.defineProperty(this, 'zz', {get: function () { throw new Error('g') }, enumerable: true}); zz",
	}
	for _, src := range srcs {
		assert.NotPanics(t, func() {
			_, err := m.Eval(&scxml.Expr{Src: src, Index: -1})
			_ = err
		}, src)
	}
	_, err := m.Eval(&scxml.Expr{Src: "(function () { throw 1 })()", Index: -1})
	var se *ScriptError
	require.True(t, errors.As(err, &se))
	assert.Equal(t, "1", se.Message)
}

// TestReservedNames: the data model's own globals are found after the
// document's, so a document may not name them: an expression that does
// is an error naming its position, and so is a <data> of that name.
func TestReservedNames(t *testing.T) {
	b := newBuilder()
	shadow := b.script("var __orca_value__ = 5")
	loc := b.loc("Var1")
	b.doc.States = append(b.doc.States, &scxml.State{ID: "s1",
		Data: []*scxml.Data{{ID: "__orca_step__", Pos: scxml.Pos{File: testFile, Line: 40, Col: 3}}}})
	p, err := Compile(b.doc)
	require.NoError(t, err)
	problems := p.Problems()
	require.Len(t, problems, 2)
	assert.Contains(t, problems[0].Error(), testFile+":1:5")
	assert.Contains(t, problems[0].Error(), "names starting with __orca_ are reserved")
	assert.Contains(t, problems[1].Error(), testFile+":40:3")

	m := b.model(t)
	err = m.Exec(shadow)
	require.Error(t, err, "the script does not run")
	exec(t, m, "var Var1")
	require.NoError(t, m.SetLocation(loc, 7.0))
	assert.Equal(t, 7.0, eval(t, m, "Var1"), "the assigned value, not the document's")
}

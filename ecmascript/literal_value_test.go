package ecmascript

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/scxml"
)

// A value or condition that is a literal is evaluated once, when the
// document is compiled, to the value its program gives; other
// expressions run their program.
func TestLiteralValues(t *testing.T) {
	tests := []struct {
		src     string
		kind    scxml.ExprKind
		literal bool
		want    any
	}{
		{"0", scxml.ValueExpr, true, int64(0)},
		{"42", scxml.ValueExpr, true, int64(42)},
		{"1.5", scxml.ValueExpr, true, 1.5},
		{"1e3", scxml.ValueExpr, true, int64(1000)},
		{"0x10", scxml.ValueExpr, true, int64(16)},
		{"'a'", scxml.ValueExpr, true, "a"},
		{`"d\u00e9j\u00e0"`, scxml.ValueExpr, true, "déjà"},
		{"''", scxml.ValueExpr, true, ""},
		{"true", scxml.CondExpr, true, true},
		{"false", scxml.ValueExpr, true, false},
		{"null", scxml.ValueExpr, true, nil},
		{" 7 // seven", scxml.ValueExpr, true, int64(7)},
		{"5;", scxml.ValueExpr, true, int64(5)},
		{"-1", scxml.ValueExpr, false, int64(-1)},
		{"undefined", scxml.ValueExpr, false, nil},
		{"'a' + 'b'", scxml.ValueExpr, false, "ab"},
		{"1 < 2", scxml.CondExpr, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			b := newBuilder()
			e := b.expr(tt.kind, tt.src)
			m := b.model(t)
			c := m.p.lookup(e)
			require.NoError(t, c.err)
			assert.Equal(t, tt.literal, c.lit != nil)
			v, err := m.value(e)
			require.NoError(t, err)
			want, err := m.rt.RunProgram(c.prog)
			require.NoError(t, err)
			assert.True(t, v.SameAs(want), "%v is not the program's %v", v, want)
			assert.Equal(t, tt.want, v.Export())
			// An expression of another document runs its program.
			other := &scxml.Expr{Kind: tt.kind, Src: tt.src, Index: -1, Pos: e.Pos}
			ov, err := m.value(other)
			require.NoError(t, err)
			assert.True(t, ov.SameAs(want))
		})
	}
}

// Sessions share a literal's value, not the variables it initialises.
func TestLiteralDataPerSession(t *testing.T) {
	b := newBuilder()
	d := &scxml.Data{ID: "s", Expr: b.value("'x'")}
	up := b.assign("s", "s + 'y'")
	p, err := compile(b.doc, Options{})
	require.NoError(t, err)
	var ms [2]*Model
	for i := range ms {
		dm, err := p.NewDatamodel()
		require.NoError(t, err)
		t.Cleanup(dm.Close)
		require.NoError(t, dm.Setup(newSystem()))
		require.NoError(t, dm.InitData(d))
		ms[i] = dm.(*Model)
	}
	require.NoError(t, ms[0].Assign(up))
	assert.Equal(t, "xy", eval(t, ms[0], "s"))
	assert.Equal(t, "x", eval(t, ms[1], "s"))
	assert.NotNil(t, p.exprs[d.Expr.Index].lit)
}

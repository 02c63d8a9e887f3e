package ecmascript

import (
	"testing"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/require"
)

const testFile = "test.scxml"

// builder builds documents by hand: each expression gets the next index
// and a line of its own.
type builder struct {
	doc *scxml.Document
}

func newBuilder() *builder {
	return &builder{doc: &scxml.Document{File: testFile, Name: "test"}}
}

func (b *builder) expr(kind scxml.ExprKind, src string) *scxml.Expr {
	e := &scxml.Expr{
		Kind:  kind,
		Src:   src,
		Pos:   scxml.Pos{File: testFile, Line: len(b.doc.Exprs) + 1, Col: 5},
		Index: len(b.doc.Exprs),
	}
	b.doc.Exprs = append(b.doc.Exprs, e)
	return e
}

func (b *builder) value(src string) *scxml.Expr { return b.expr(scxml.ValueExpr, src) }
func (b *builder) cond(src string) *scxml.Expr  { return b.expr(scxml.CondExpr, src) }
func (b *builder) loc(src string) *scxml.Expr   { return b.expr(scxml.LocationExpr, src) }

func (b *builder) script(src string) *scxml.Script {
	e := b.expr(scxml.ScriptExpr, src)
	return &scxml.Script{Pos: e.Pos, Body: e}
}

func (b *builder) assign(loc, expr string) *scxml.Assign {
	a := &scxml.Assign{Pos: scxml.Pos{File: testFile, Line: 100, Col: 1}, Location: b.loc(loc)}
	if expr != "" {
		a.Expr = b.value(expr)
	}
	return a
}

// model compiles the document and returns a data model after Setup.
func (b *builder) model(t testing.TB) *Model {
	t.Helper()
	return b.modelWith(t, Options{})
}

// modelWith is model with the data model extended by opts.
func (b *builder) modelWith(t testing.TB, opts Options) *Model {
	t.Helper()
	p, err := CompileWith(opts)(b.doc)
	require.NoError(t, err)
	dm, err := p.NewDatamodel()
	require.NoError(t, err)
	require.NoError(t, dm.Setup(newSystem()))
	t.Cleanup(dm.Close)
	return dm.(*Model)
}

// system is a fake session.
type system struct {
	active map[string]bool
}

func newSystem() *system {
	return &system{active: map[string]bool{"s1": true}}
}

func (s *system) SessionID() string { return "sess-1" }
func (s *system) Name() string      { return "test" }
func (s *system) IOProcessors() map[string]string {
	return map[string]string{
		"http://www.w3.org/TR/scxml/#SCXMLEventProcessor": "#_scxml_sess-1",
		"scxml": "#_scxml_sess-1",
	}
}
func (s *system) In(id string) bool { return s.active[id] }

var _ interp.System = (*system)(nil)

// eval evaluates src compiled on the fly, as an expression of another
// document is.
func eval(t testing.TB, m *Model, src string) any {
	t.Helper()
	v, err := m.Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: src, Index: -1, Pos: scxml.Pos{File: testFile, Line: 1, Col: 1}})
	require.NoError(t, err, src)
	return v
}

func cond(t testing.TB, m *Model, src string) bool {
	t.Helper()
	v, err := m.Cond(&scxml.Expr{Kind: scxml.CondExpr, Src: src, Index: -1, Pos: scxml.Pos{File: testFile, Line: 1, Col: 1}})
	require.NoError(t, err, src)
	return v
}

func exec(t testing.TB, m *Model, src string) {
	t.Helper()
	e := &scxml.Expr{Kind: scxml.ScriptExpr, Src: src, Index: -1, Pos: scxml.Pos{File: testFile, Line: 1, Col: 1}}
	require.NoError(t, m.Exec(&scxml.Script{Body: e}), src)
}

func scriptOf(src string) *scxml.Script {
	return &scxml.Script{Body: &scxml.Expr{Kind: scxml.ScriptExpr, Src: src, Index: -1, Pos: scxml.Pos{File: testFile, Line: 1, Col: 1}}}
}

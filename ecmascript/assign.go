package ecmascript

import (
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/dop251/goja/token"
	"github.com/orca-scxml/orca/scxml"
)

// An <assign location="L" expr="E"> runs as one program, "use strict";
// (L) = (E), when that gives the same result as its two parts — E's value,
// then a strict-mode assignment to L — which is when E is strict-neutral:
// an expression whose meaning does not depend on the strictness of the
// code around it. E is neutral when it holds no function, class, arrow or
// accessor (which would become strict functions), no assignment, ++ or --
// (which in strict code cannot create a global), no delete (which throws
// in strict code where sloppy code returns false) and no call of eval
// (which would evaluate strict code). Strict-only syntax errors (an octal
// literal, a reserved word as a name) make the combined program fail to
// compile, and the <assign> runs as two programs. So does an ORS
// expression that is a program rather than an expression.
//
// One difference remains, in the order of evaluation: in the combined
// program, as in any ECMAScript assignment, the object of a member
// location (a in a.b) is evaluated before the value, where the two
// programs evaluated it after. Only an expression that replaces that
// object sees the difference, and an <assign> whose location and value
// both fail reports the location's error first.

// An <assign> whose location is the id of one of the document's <data>
// runs still cheaper: its value, then the variable set directly as an
// own property of the global object, no program for the location. That
// is the strict-mode assignment exactly when the session's model made
// the variable itself (Model.declare), as a non-configurable property: it
// cannot have been deleted, so the assignment cannot create it, and one
// made read-only since (Object.freeze(this)) makes the set a TypeError,
// as it makes the assignment one. A variable that was a global already
// when its <data> declared it (a built-in's name, a host's global) is
// assigned by the program.

// assignProgram is the compiled form of one <assign>.
type assignProgram struct {
	// loc and expr are the location and value expressions it was
	// compiled for.
	loc, expr *scxml.Expr
	// data, when the location is the id of a <data>, is its ordinal
	// in the program's dataOrd (from 1), and id the id.
	data int
	id   string
	// prog is the combined program, nil when the assign runs as two.
	prog *goja.Program
	// name is prog's source name, and valueLine the line where the
	// value starts in it, to tell which part an exception came from.
	name      string
	valueLine int
}

// assignFor returns the combined program of a, compiled on first use and
// shared by the document's sessions, or nil when a runs as two programs.
func (p *program) assignFor(a *scxml.Assign) *assignProgram {
	loc, val := a.Location, a.Expr
	if val == nil {
		return nil
	}
	i := loc.Index
	if i >= 0 && i < len(p.assigns) {
		// Compiled already: for this location and value, which were
		// checked then.
		if ap := p.assigns[i].Load(); ap != nil && ap.loc == loc && ap.expr == val {
			if ap.prog == nil && ap.data == 0 {
				return nil
			}
			return ap
		}
	}
	if i < 0 || i >= len(p.exprs) || p.exprs[i].expr != loc || p.exprs[i].err != nil {
		return nil
	}
	if j := val.Index; j < 0 || j >= len(p.exprs) || p.exprs[j].expr != val || p.exprs[j].err != nil {
		return nil
	}
	slot := &p.assigns[i]
	ap := slot.Load()
	if ap == nil {
		ap = compileAssign(loc, val)
		if id := strings.TrimSpace(loc.Src); isIdentifier(id) && p.dataOrd[id] > 0 {
			ap.data, ap.id = p.dataOrd[id], id
		}
		if !slot.CompareAndSwap(nil, ap) {
			ap = slot.Load()
		}
	}
	if ap.expr != val || (ap.prog == nil && ap.data == 0) {
		return nil
	}
	return ap
}

// compileAssign compiles the combined program of loc = val, or records
// that there is none.
func compileAssign(loc, val *scxml.Expr) *assignProgram {
	ap := &assignProgram{loc: loc, expr: val}
	src := strings.TrimRight(val.Src, " \t\r\n;")
	if strings.TrimSpace(src) == "" {
		src = "undefined"
	}
	prog, err := parser.ParseFile(nil, "", "("+src+"\n)", 0)
	if err != nil || len(prog.Body) != 1 {
		return ap
	}
	st, ok := prog.Body[0].(*ast.ExpressionStatement)
	if !ok || !neutral(st.Expression) {
		return ap
	}
	ap.name = loc.Pos.String() + " (assign)"
	ap.valueLine = strings.Count(loc.Src, "\n") + 2
	ap.prog, err = compileJS(ap.name, "", "\"use strict\";("+loc.Src+"\n)=(\n"+src+"\n)", "")
	if err != nil {
		ap.prog = nil
	}
	return ap
}

// neutral reports whether e means the same in strict and sloppy code
// (see above). Node types it does not know are not.
func neutral(e ast.Expression) bool {
	switch e := e.(type) {
	case nil:
		return true
	case *ast.Identifier, *ast.NullLiteral, *ast.BooleanLiteral, *ast.NumberLiteral,
		*ast.StringLiteral, *ast.RegExpLiteral, *ast.ThisExpression:
		return true
	case *ast.TemplateLiteral:
		return neutral(e.Tag) && all(e.Expressions)
	case *ast.ArrayLiteral:
		return all(e.Value)
	case *ast.ObjectLiteral:
		for _, p := range e.Value {
			switch p := p.(type) {
			case *ast.PropertyKeyed:
				if p.Kind != ast.PropertyKindValue || !neutral(p.Key) || !neutral(p.Value) {
					return false
				}
			case *ast.PropertyShort:
				if p.Initializer != nil {
					return false
				}
			case *ast.SpreadElement:
				if !neutral(p.Expression) {
					return false
				}
			default:
				return false
			}
		}
		return true
	case *ast.BinaryExpression:
		return neutral(e.Left) && neutral(e.Right)
	case *ast.ConditionalExpression:
		return neutral(e.Test) && neutral(e.Consequent) && neutral(e.Alternate)
	case *ast.DotExpression:
		return neutral(e.Left)
	case *ast.BracketExpression:
		return neutral(e.Left) && neutral(e.Member)
	case *ast.CallExpression:
		if id, ok := e.Callee.(*ast.Identifier); ok && id.Name == "eval" {
			return false
		}
		return neutral(e.Callee) && all(e.ArgumentList)
	case *ast.NewExpression:
		return neutral(e.Callee) && all(e.ArgumentList)
	case *ast.SequenceExpression:
		return all(e.Sequence)
	case *ast.UnaryExpression:
		switch e.Operator {
		case token.DELETE, token.INCREMENT, token.DECREMENT:
			return false
		}
		return neutral(e.Operand)
	case *ast.SpreadElement:
		return neutral(e.Expression)
	case *ast.OptionalChain:
		return neutral(e.Expression)
	case *ast.Optional:
		return neutral(e.Expression)
	}
	return false
}

func all(es []ast.Expression) bool {
	for _, e := range es {
		if !neutral(e) {
			return false
		}
	}
	return true
}

// assignError converts an exception of a combined program into the error
// of the part it came from: the value when goja places it in the value's
// lines, otherwise the location.
func (m *Model) assignError(a *scxml.Assign, ap *assignProgram, err error) error {
	blame := a.Location
	if ex, ok := err.(*goja.Exception); ok {
		for _, f := range ex.Stack() {
			if f.SrcName() == ap.name {
				if f.Position().Line >= ap.valueLine {
					blame = a.Expr
				}
				break
			}
		}
	}
	return m.evalError(blame, err)
}

// dataVars numbers the ids of the document's <data> from 1, for
// assignFor.
func dataVars(doc *scxml.Document) map[string]int {
	ord := map[string]int{}
	for _, st := range doc.States {
		for _, d := range st.Data {
			if _, dup := ord[d.ID]; !dup {
				ord[d.ID] = len(ord) + 1
			}
		}
	}
	return ord
}

// ownVars records which of the first 64 <data> variables of the
// document the model made itself (see above), by ordinal: the others are
// assigned by the program.
type ownVars uint64

func (o ownVars) has(ord int) bool { return ord <= 64 && o&(1<<(ord-1)) != 0 }

func (o *ownVars) add(ord int) {
	if ord <= 64 {
		*o |= 1 << (ord - 1)
	}
}

// assignData runs an <assign> to the <data> variable ap.id, which the
// model made: its value, then the global object's own property.
func (m *Model) assignData(a *scxml.Assign, ap *assignProgram) error {
	v, err := m.value(a.Expr)
	if err != nil {
		return err
	}
	if err := m.global.Set(ap.id, v); err != nil {
		return m.evalError(a.Location, err)
	}
	return nil
}

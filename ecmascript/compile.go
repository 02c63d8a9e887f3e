package ecmascript

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// setterParam is the name under which a location expression's program
// (compiled.set) reads the value it assigns: a global of the sessions'
// environment that serves it (Model.assignTo), so that assigning runs
// the program alone, making no function in the session. It is not a name
// a document would use.
const setterParam = reservedPrefix + "value__"

// reservedPrefix starts the names of the data model's own globals, which
// a document's code may not mention.
const reservedPrefix = "__orca_"

// program is a document compiled for the ECMAScript data model. It is
// immutable once Compile returns and shared by all sessions of the document.
type program struct {
	doc      *scxml.Document
	exprs    []compiled
	problems []error
	// env lists the globals of the sessions' environment, envIndex by
	// name (env.go).
	env      []envGlobal
	envIndex map[string]int
	// scriptOrd numbers, by expression index, the top-level scripts
	// whose functions are globals of the environment (lazy.go).
	scriptOrd map[int]int
	// dataOrd numbers the ids of the document's <data> (assign.go).
	dataOrd map[string]int
	// assigns holds the combined programs of <assign> elements, by
	// the index of their location, made on first use (assign.go).
	assigns []atomic.Pointer[assignProgram]
	// setup is the host's hook (Options.Setup), or nil.
	setup func(rt *goja.Runtime, sys interp.System, doc *scxml.Document) error
	// ownEvents gives each event its own _event object (Options.OwnEvents).
	ownEvents bool
	// dataObject names the global object <data> is mirrored into
	// (Options.DataObject), or "".
	dataObject string
	// sysRisky says a program of the document could tell the system
	// variables from own properties of the global object (system.go).
	sysRisky bool
	// enterFirst says a session's start is entered (enter.go).
	enterFirst bool
	// lits are the document's top-level functions, for snapshots.
	lits literals
	// name is the document's name as a value (_name), types the
	// values of _event.type.
	name  goja.Value
	types [3]goja.Value
	// encoders are the snapshots' encoders not in use (snapshot.go),
	// after the fields events read.
	encoders sync.Pool
	// noTraps configures the proxies through which a snapshot reads a
	// function's own names (functionKeys): none of its traps is set,
	// and nothing changes it.
	noTraps goja.ProxyTrapConfig
}

// compiled is one expression compiled for its kind.
type compiled struct {
	expr *scxml.Expr
	// prog evaluates the expression: its value for value, condition and
	// location expressions, its completion value for scripts.
	prog *goja.Program
	// set, for location expressions, is a strict-mode program that
	// assigns setterParam to the location.
	set *goja.Program
	// err is the compile error, returned whenever the expression is used.
	err error
	// literal says the expression, a value or a condition, is a literal
	// (a number, a string, true, false, null); lit is then its value, so
	// that evaluating it runs no program. Primitive values are immutable
	// and belong to no runtime: sessions share them as they share their
	// programs' constants.
	literal bool
	lit     goja.Value
	// risky says the expression could tell the system variables from
	// own properties of the global object (sysRisky).
	risky bool
}

// Compile compiles every expression of doc for the ECMAScript data model. It
// matches interp.DatamodelCompiler. Expressions that do not compile do not
// fail the document: they are listed by Problems and return their compile
// error when evaluated.
func Compile(doc *scxml.Document) (interp.DatamodelProgram, error) {
	return compile(doc, Options{})
}

// compile compiles doc for sessions extended by opts.
func compile(doc *scxml.Document, opts Options) (*program, error) {
	if doc == nil {
		return nil, errors.New("ecmascript: compile: nil document")
	}
	p := &program{doc: doc, exprs: make([]compiled, len(doc.Exprs)),
		assigns: make([]atomic.Pointer[assignProgram], len(doc.Exprs))}
	for i, e := range doc.Exprs {
		if e == nil {
			continue
		}
		if e.Index != i {
			return nil, fmt.Errorf("ecmascript: compile: %s: expression has index %d, listed at %d", e.Pos, e.Index, i)
		}
		p.exprs[i] = compileExpr(e, doc.Dialect == scxml.ORS)
		if err := p.exprs[i].err; err != nil {
			p.problems = append(p.problems, err)
		}
		p.sysRisky = p.sysRisky || p.exprs[i].risky
	}
	p.constants()
	p.dataOrd = dataVars(doc)
	for _, st := range doc.States {
		for _, d := range st.Data {
			if strings.HasPrefix(d.ID, reservedPrefix) {
				p.problems = append(p.problems, posError(d.Pos, "data %q: names starting with %s are reserved for the data model", d.ID, reservedPrefix))
			}
		}
	}
	p.setup = opts.Setup
	p.ownEvents = opts.OwnEvents != nil && opts.OwnEvents(doc)
	if opts.DataObject != nil {
		p.dataObject = opts.DataObject(doc)
	}
	p.addEnv(envGlobal{name: "In", make: inGlobal})
	p.addEnv(envGlobal{name: stepName, every: true, make: stepGlobal})
	p.addEnv(envGlobal{name: setterParam, every: true, make: func(m *Model) goja.Value { return m.setVal }})
	if opts.Globals != nil {
		for _, g := range opts.Globals(doc) {
			p.addEnv(hostGlobal(g))
		}
	}
	p.lazyFunctions()
	p.enterFirst = p.startRuns() >= enterAbove
	return p, nil
}

// NewDatamodel returns a data model with its own goja runtime.
func (p *program) NewDatamodel() (interp.Datamodel, error) {
	return newModel(p), nil
}

// Problems returns the compile errors, one per expression that does not
// compile, each starting with the expression's position.
func (p *program) Problems() []error {
	return append([]error(nil), p.problems...)
}

// lookup returns the compiled form of e: the shared one when e belongs to
// the compiled document, otherwise one compiled now.
func (p *program) lookup(e *scxml.Expr) *compiled {
	if i := e.Index; i >= 0 && i < len(p.exprs) && p.exprs[i].expr == e {
		return &p.exprs[i]
	}
	c := compileExpr(e, p.doc.Dialect == scxml.ORS)
	return &c
}

// compileExpr compiles e for its kind. In ORS documents (statements),
// a value or condition that is not an expression but a program (a
// statement list, a labelled statement) yields its completion value, as
// SpiderMonkey's evaluation of ORS does: "caller_id: x" is x.
func compileExpr(e *scxml.Expr, statements bool) compiled {
	c := compiled{expr: e}
	name := e.Pos.String()
	if strings.Contains(e.Src, reservedPrefix) {
		// The data model's own globals (setterParam, stepName) are found
		// after the document's: a document's variable of that name would
		// take their place unseen.
		c.err = exprError(e, fmt.Errorf("names starting with %s are reserved for the data model", reservedPrefix))
		return c
	}
	var err error
	switch e.Kind {
	case scxml.ScriptExpr:
		var tree *ast.Program
		c.prog, tree, err = compileTree(name, "", e.Src, "")
		if err != nil {
			c.err = exprError(e, err)
		}
		// A location is assigned by strict code (see above).
		c.risky = sysRisky(e.Src, tree) || e.Kind == scxml.LocationExpr && systemWord.MatchString(e.Src)
		return c
	case scxml.LocationExpr:
		// A parenthesised left-hand side assigned in strict mode: an
		// undeclared variable is a ReferenceError, a read-only one
		// (the system variables) a TypeError.
		c.set, err = compileJS(name, "\"use strict\"; (", e.Src, "\n) = "+setterParam+";")
		if err != nil {
			c.err = exprError(e, err)
			return c
		}
	}
	src := e.Src
	if e.Kind == scxml.ValueExpr {
		// A trailing semicolon is tolerated (W3C test 452), and an
		// empty expression is undefined (test 307).
		if src = strings.TrimRight(src, " \t\r\n;"); strings.TrimSpace(src) == "" {
			src = "undefined"
		}
	}
	// Parentheses make object literals and function expressions values
	// rather than blocks and declarations; the newline ends a trailing
	// line comment.
	var tree *ast.Program
	c.prog, tree, err = compileTree(name, "(", src, "\n)")
	if err == nil && (e.Kind == scxml.ValueExpr || e.Kind == scxml.CondExpr) && isLiteral(tree) {
		c.literal = true
	}
	if err != nil && statements && (e.Kind == scxml.ValueExpr || e.Kind == scxml.CondExpr) {
		if p, ptree, perr := compileTree(name, "", src, ""); perr == nil {
			c.prog, tree, err = p, ptree, nil
		}
	}
	// A location is assigned by strict code (see above).
	c.risky = sysRisky(e.Src, tree) || e.Kind == scxml.LocationExpr && systemWord.MatchString(e.Src)
	if err != nil {
		c.err = exprError(e, err)
	}
	return c
}

// isLiteral reports whether tree is one literal: a number, a string,
// true, false or null.
func isLiteral(tree *ast.Program) bool {
	if len(tree.Body) != 1 || len(tree.DeclarationList) != 0 {
		return false
	}
	st, ok := tree.Body[0].(*ast.ExpressionStatement)
	if !ok {
		return false
	}
	switch st.Expression.(type) {
	case *ast.NumberLiteral, *ast.StringLiteral, *ast.BooleanLiteral, *ast.NullLiteral:
		return true
	}
	return false
}

// constants computes the values sessions share: the document's name and
// the values of the literal expressions, each by its program, so that it
// is the value evaluating it would give.
func (p *program) constants() {
	rt := goja.New()
	p.name = rt.ToValue(p.doc.Name)
	for t := range p.types {
		p.types[t] = rt.ToValue(interp.EventType(t).String())
	}
	for i := range p.exprs {
		c := &p.exprs[i]
		if !c.literal || c.err != nil {
			continue
		}
		if v, err := rt.RunProgram(c.prog); err == nil {
			c.lit = v
		}
	}
}

// compileJS compiles prefix+src+suffix as a sloppy-mode program named name.
// Syntax errors are located in src.
func compileJS(name, prefix, src, suffix string) (*goja.Program, error) {
	p, _, err := compileTree(name, prefix, src, suffix)
	return p, err
}

// compileTree is compileJS, also returning the syntax tree.
func compileTree(name, prefix, src, suffix string) (*goja.Program, *ast.Program, error) {
	tree, err := parser.ParseFile(nil, name, prefix+src+suffix, 0)
	if err != nil {
		var list parser.ErrorList
		var one *parser.Error
		switch {
		case errors.As(err, &list) && len(list) > 0:
			one = list[0]
		case errors.As(err, &one):
		default:
			return nil, nil, &SyntaxError{Message: err.Error(), Line: 1, Col: 1}
		}
		return nil, nil, newSyntaxError(one.Message, one.Position.Line, one.Position.Column, prefix, src)
	}
	p, err := goja.CompileAST(tree, false)
	if err != nil {
		var ce *goja.CompilerSyntaxError
		if errors.As(err, &ce) {
			line, col := 1, 1
			if ce.File != nil {
				pos := ce.File.Position(ce.Offset)
				line, col = pos.Line, pos.Column
			}
			return nil, nil, newSyntaxError(ce.Message, line, col, prefix, src)
		}
		return nil, nil, err
	}
	return p, tree, nil
}

// newSyntaxError locates an error found at line and col of prefix+src+...
// in src. Errors in the wrapper after src are placed at its end.
func newSyntaxError(msg string, line, col int, prefix, src string) *SyntaxError {
	lines := strings.Split(src, "\n")
	switch {
	case line <= 1:
		line, col = 1, col-len(prefix)
	case line > len(lines):
		line, col = len(lines), len(lines[len(lines)-1])+1
	}
	return &SyntaxError{Message: msg, Line: line, Col: max(col, 1)}
}

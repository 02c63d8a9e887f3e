package ecmascript

import (
	"reflect"
	"sync"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
)

// A function of the document's top-level scripts is made in a session
// the first time a script reads it (env.go), and a snapshot keeps it
// only once it has properties of its own (declareEnvFunctions): finding
// that out costs an Object.keys call, an array and its boxed names, for
// every such function at every snapshot. Most functions are only ever
// called: the document's code names them nowhere but as the callee of a
// call. Such a function cannot be given a property by the document's
// code — the property would need the function as a value —, so a
// snapshot does not ask it.
//
// The analysis reads the syntax of the document's code and errs on the
// side of asking. A function may be given properties where its name is
// used otherwise than as the callee of a call (helper.cache = {},
// f = helper, g(helper), {helper}, this.helper.x), and without being
// named where the code reaches the global object or functions by routes
// made at run time: eval and the Function constructor, globalThis, this
// other than as the object of a member (var g = this;
// g["hel" + "per"]), arguments (arguments.callee) and new.target. A
// document whose code uses any of these, or has code that does not
// parse, asks every function. Names written with Unicode escapes
// (hel\u0070er) are the parser's names. goja's Function.prototype.caller
// throws. The environment's own code (Options.Globals, Options.Setup) is
// the host's and gives a document's functions no properties.

// envPropsWords are the names through which code may reach a function of
// the document without naming it.
var envPropsWords = map[string]bool{"eval": true, "Function": true, "globalThis": true, "arguments": true, "callee": true}

// envProps is what the analysis found for a compiled document.
type envProps struct {
	once sync.Once
	// asked holds, by index in the program's env, whether a snapshot
	// asks the global whether it has properties of its own: true for
	// the document's functions the analysis cannot rule out.
	asked []bool
}

// envPropsAsked returns, by index in p.env, whether a snapshot asks that
// function of the document whether it has properties of its own (see
// above). Built once per compiled document, on first use.
func (p *program) envPropsAsked() []bool {
	ep := &p.lits.envProps
	ep.once.Do(func() { ep.asked = p.scanEnvProps() })
	return ep.asked
}

// scanEnvProps runs the analysis over the document's expressions.
func (p *program) scanEnvProps() []bool {
	a := envScan{asked: make([]bool, len(p.env)), names: make(map[string]int)}
	for i, g := range p.env {
		if g.fn != nil {
			a.names[g.name] = i
		}
	}
	if len(a.names) == 0 {
		return a.asked
	}
	if p.doc == nil {
		return a.askAll(p)
	}
	for _, e := range p.doc.Exprs {
		if e == nil {
			continue
		}
		parsed := false
		for _, src := range exprSources(e) {
			prog, err := parser.ParseFile(nil, "", src, 0)
			if err != nil {
				continue
			}
			parsed = true
			a.walk(reflect.ValueOf(prog), false)
		}
		if !parsed || a.all {
			return a.askAll(p)
		}
	}
	return a.asked
}

// envScan is the state of scanEnvProps.
type envScan struct {
	asked []bool
	names map[string]int
	// all says the code reaches functions by a route made at run time.
	all bool
}

// askAll marks every function of the document asked.
func (a *envScan) askAll(p *program) []bool {
	for i, g := range p.env {
		a.asked[i] = g.fn != nil
	}
	return a.asked
}

// name records a use of a name, called when it is the callee of a call.
func (a *envScan) name(n string, called bool) {
	if envPropsWords[n] {
		a.all = true
	}
	if i, ok := a.names[n]; ok && !called {
		a.asked[i] = true
	}
}

// walk visits a node of the syntax tree; called says it is the callee
// of a call or of new.
func (a *envScan) walk(v reflect.Value, called bool) {
	if a.all {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		switch n := v.Interface().(type) {
		case *ast.CallExpression:
			a.walk(reflect.ValueOf(n.Callee), true)
			a.walk(reflect.ValueOf(n.ArgumentList), false)
			return
		case *ast.NewExpression:
			a.walk(reflect.ValueOf(n.Callee), true)
			a.walk(reflect.ValueOf(n.ArgumentList), false)
			return
		case *ast.DotExpression:
			if _, ok := n.Left.(*ast.ThisExpression); !ok {
				a.walk(reflect.ValueOf(n.Left), false)
			}
			a.name(string(n.Identifier.Name), called)
			return
		case *ast.Identifier:
			a.name(string(n.Name), called)
			return
		case *ast.FunctionLiteral:
			// Its name declares it: the function's own uses of it are
			// in its body.
			a.walk(reflect.ValueOf(n.ParameterList), false)
			a.walk(reflect.ValueOf(n.Body), false)
			return
		case *ast.ThisExpression, *ast.MetaProperty:
			a.all = true
			return
		}
		a.walk(v.Elem(), false)
	case reflect.Struct:
		if id, ok := v.Interface().(ast.Identifier); ok {
			a.name(string(id.Name), false)
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if f := v.Field(i); f.CanInterface() {
				a.walk(f, false)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			a.walk(v.Index(i), false)
		}
	}
}

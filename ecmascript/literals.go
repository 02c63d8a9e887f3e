package ecmascript

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/orca-scxml/orca/scxml"
)

// literals are the functions a document's code defines outside any other
// function, and the names its scripts declare with let, const or class:
// what a snapshot needs to re-create a session's functions and lexical
// globals. A function written at the top level of a script or expression
// closes over the global scope only, so evaluating its source text in the
// global scope of another runtime makes an equivalent function; one
// written inside another function may close over that function's
// variables, and is not among them. Built once per compiled document, on
// first use, and shared by its sessions.
type literals struct {
	once  sync.Once
	funcs []literal
	bySrc map[string]int
	// lexical are the top-level let/const/class declarations of the
	// document's scripts, in order.
	lexical []lexical

	mu    sync.Mutex
	progs map[string]*goja.Program // restore programs of lexical names
	// env and method are the helper programs of snapshots (envProgram,
	// methodProgram).
	env, method *goja.Program
}

// literal is one top-level function (or class) of the document.
type literal struct {
	index int
	src   string
	hash  string
	// method says src is a method definition (m() {...}, get x() {...})
	// that evaluates only inside an object literal.
	method bool
	prog   *goja.Program
	err    error
}

// lexical is a global declared with let, const or class.
type lexical struct {
	name  string
	token string // "let", "const" or "class"
}

// literalsOf returns the literals of p's document.
func (p *program) literalsOf() *literals {
	l := &p.lits
	l.once.Do(func() { l.build(p.doc) })
	return l
}

func (l *literals) build(doc *scxml.Document) {
	l.bySrc = make(map[string]int)
	seen := make(map[string]bool)
	for _, e := range doc.Exprs {
		if e == nil || e.Kind == scxml.LocationExpr {
			continue
		}
		for _, src := range exprSources(e) {
			if seen[src] {
				continue
			}
			seen[src] = true
			prog, err := parser.ParseFile(nil, "", src, 0)
			if err != nil {
				continue
			}
			l.scan(prog, e.Kind == scxml.ScriptExpr || src == e.Src)
		}
	}
}

// exprSources returns the texts an expression is compiled from (see
// compileExpr): a script as written; a value or condition in parentheses,
// and as written for ORS documents' statements.
func exprSources(e *scxml.Expr) []string {
	if e.Kind == scxml.ScriptExpr {
		return []string{e.Src}
	}
	src := strings.TrimRight(e.Src, " \t\r\n;")
	return []string{"(" + src + "\n)", e.Src}
}

// scan records the top-level functions of prog and, for a script, its
// top-level lexical declarations.
func (l *literals) scan(prog *ast.Program, script bool) {
	depth := make(map[string]int)
	var order []string
	var methods map[string]bool
	var walk func(v reflect.Value, d int)
	walk = func(v reflect.Value, d int) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() {
				return
			}
			src := ""
			switch n := v.Interface().(type) {
			case *ast.FunctionLiteral:
				src = n.Source
			case *ast.ArrowFunctionLiteral:
				src = n.Source
			case *ast.ClassLiteral:
				src = n.Source
			case *ast.MethodDefinition:
				if n.Body != nil {
					if methods == nil {
						methods = make(map[string]bool)
					}
					methods[n.Body.Source] = true
				}
			case *ast.PropertyKeyed:
				if fl, ok := n.Value.(*ast.FunctionLiteral); ok && n.Kind != ast.PropertyKindValue {
					if methods == nil {
						methods = make(map[string]bool)
					}
					methods[fl.Source] = true
				}
			}
			if src != "" {
				if old, ok := depth[src]; !ok || d < old {
					if !ok {
						order = append(order, src)
					}
					depth[src] = d
				}
				if d > 0 {
					// Deeper functions are not literals: no need to
					// visit them twice.
					return
				}
				d++
			}
			walk(v.Elem(), d)
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i), d)
				}
			}
		case reflect.Slice:
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), d)
			}
		}
	}
	walk(reflect.ValueOf(prog.Body), 0)
	// In the order the sources first appear, so that a document's
	// functions have the same numbers in every process.
	for _, src := range order {
		if depth[src] != 0 {
			continue
		}
		if _, dup := l.bySrc[src]; dup {
			continue
		}
		l.bySrc[src] = len(l.funcs)
		l.funcs = append(l.funcs, literal{index: len(l.funcs), src: src, hash: sourceHash(src), method: methods[src]})
	}
	if !script {
		return
	}
	for _, st := range prog.Body {
		switch n := st.(type) {
		case *ast.LexicalDeclaration:
			for _, b := range n.List {
				if id, ok := b.Target.(*ast.Identifier); ok {
					l.addLexical(string(id.Name), n.Token.String())
				}
			}
		case *ast.ClassDeclaration:
			if n.Class != nil && n.Class.Name != nil {
				l.addLexical(string(n.Class.Name.Name), "class")
			}
		}
	}
}

func (l *literals) addLexical(name, token string) {
	for _, x := range l.lexical {
		if x.name == name {
			return
		}
	}
	l.lexical = append(l.lexical, lexical{name: name, token: token})
}

// sourceHash identifies a function's source text in a snapshot, so that a
// snapshot of an older document does not re-create the wrong function.
func sourceHash(src string) string {
	h := fnv.New64a()
	h.Write([]byte(src))
	return fmt.Sprintf("%016x", h.Sum64())
}

// index returns the literal whose source is src.
func (l *literals) index(src string) (int, bool) {
	i, ok := l.bySrc[src]
	return i, ok
}

// find returns the literal at i with the given hash, or the one with that
// hash wherever it is now.
func (l *literals) find(i int, hash string) (*literal, error) {
	if i >= 0 && i < len(l.funcs) && l.funcs[i].hash == hash {
		return &l.funcs[i], nil
	}
	for j := range l.funcs {
		if l.funcs[j].hash == hash {
			return &l.funcs[j], nil
		}
	}
	return nil, fmt.Errorf("function %d (source hash %s) is no longer in the document", i, hash)
}

// program returns the program that evaluates the literal in the global
// scope: the function itself, or for a method an object literal holding
// it as its only property.
func (l *literals) program(f *literal) (*goja.Program, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if f.prog == nil && f.err == nil {
		src := "(" + f.src + "\n)"
		if f.method {
			src = "({" + f.src + "\n})"
		}
		f.prog, f.err = goja.Compile("", src, false)
	}
	return f.prog, f.err
}

// lexicalProgram returns the program that declares the lexical global x
// with the value of the global property tmp.
func (l *literals) lexicalProgram(x lexical, tmp string) (*goja.Program, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.progs[x.name]; p != nil {
		return p, nil
	}
	kw := x.token
	if kw == "class" {
		kw = "let"
	}
	p, err := goja.Compile("", kw+" "+x.name+" = globalThis."+tmp+";", false)
	if err != nil {
		return nil, err
	}
	if l.progs == nil {
		l.progs = make(map[string]*goja.Program)
	}
	l.progs[x.name] = p
	return p, nil
}

// envProgram returns a program evaluating to a function that lists the
// environment's globals among the given names: the names and values of
// the global object's non-enumerable data properties holding objects,
// without running a getter.
func (l *literals) envProgram() *goja.Program {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.env == nil {
		l.env = goja.MustCompile("env.js", `(function (g, names) {
	var out = [];
	for (var i = 0; i < names.length; i++) {
		var d = Object.getOwnPropertyDescriptor(g, names[i]);
		if (d && !d.enumerable && 'value' in d && d.value !== null && (typeof d.value === 'object' || typeof d.value === 'function')) {
			out.push(names[i], d.value);
		}
	}
	return out;
})`, false)
	}
	return l.env
}

// methodProgram returns a program evaluating to a function that returns
// the method, getter or setter an object literal holds as its only
// property.
func (l *literals) methodProgram() *goja.Program {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.method == nil {
		l.method = goja.MustCompile("method.js", `(function (o) {
	var d = Object.getOwnPropertyDescriptor(o, Object.getOwnPropertyNames(o)[0]);
	return d.get || d.set || d.value;
})`, false)
	}
	return l.method
}

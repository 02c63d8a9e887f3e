package ecmascript

import (
	"regexp"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/orca-scxml/orca/scxml"
)

// The functions a document's top-level scripts declare — a library of
// helpers, typically — are made in a session when first read, not when
// the script runs: each becomes a global of the environment (env.go),
// evaluated from its source text in the global scope the first time a
// script reads its name, from the moment the script that declares it
// starts; the script runs without it. A top-level function closes over
// the global scope only, so the function is the one the declaration would
// have made, its source text (Function.prototype.toString) and its
// position in error stacks included.
//
// What still tells the two apart: the function is a global of the
// environment rather than an own property of the global object (so
// Object.keys(this) and getOwnPropertyNames do not list it, and deleting
// it succeeds without effect), and it is made by a named function
// expression, in whose body the name cannot be reassigned. So a function
// stays declared by its script when its body may assign its name (a
// function that replaces itself on first call), when its name is declared
// anywhere else in the top-level scripts (twice, or with var, let, const
// or class) or by var or function in another <script>, is the id of a
// <data>, a system variable or a global of the host's environment, or
// when the script is strict.

// lazyFunctions makes the functions the document's top-level scripts
// declare globals of the environment, and compiles the scripts without
// them.
func (p *program) lazyFunctions() {
	type script struct {
		e    *scxml.Expr
		prog *ast.Program
	}
	var scripts []script
	taken := map[string]int{}
	for _, st := range p.doc.States {
		for _, d := range st.Data {
			taken[d.ID] = 2
		}
	}
	for _, name := range []string{"_sessionid", "_name", "_ioprocessors", "_x", "_event", p.dataObject} {
		taken[name] = 2
	}
	for name := range p.envIndex {
		taken[name] = 2
	}
	for _, sc := range p.doc.Scripts {
		e := sc.Body
		if e == nil || e.Index < 0 || e.Index >= len(p.exprs) || p.exprs[e.Index].expr != e || p.exprs[e.Index].err != nil {
			scripts = append(scripts, script{})
			continue
		}
		prog, err := parser.ParseFile(nil, "", e.Src, 0)
		if err != nil || strict(prog) {
			scripts = append(scripts, script{})
			continue
		}
		scripts = append(scripts, script{e: e, prog: prog})
		for _, d := range prog.DeclarationList {
			for _, b := range d.List {
				id, ok := b.Target.(*ast.Identifier)
				if !ok {
					return // a destructuring var: too clever to follow
				}
				taken[string(id.Name)] = 2
			}
		}
		for _, st := range prog.Body {
			switch n := st.(type) {
			case *ast.FunctionDeclaration:
				taken[string(n.Function.Name.Name)]++
			case *ast.LexicalDeclaration:
				for _, b := range n.List {
					id, ok := b.Target.(*ast.Identifier)
					if !ok {
						return
					}
					taken[string(id.Name)] = 2
				}
			case *ast.ClassDeclaration:
				if n.Class != nil && n.Class.Name != nil {
					taken[string(n.Class.Name.Name)] = 2
				}
			}
		}
	}
	// A var or function of the same name in an executable <script>
	// would redeclare the global (and keep the function's value).
	top := make(map[*scxml.Expr]bool, len(scripts))
	for _, sc := range scripts {
		top[sc.e] = true
	}
	for _, c := range p.exprs {
		if c.expr == nil || c.expr.Kind != scxml.ScriptExpr || c.err != nil || top[c.expr] {
			continue
		}
		prog, err := parser.ParseFile(nil, "", c.expr.Src, 0)
		if err != nil {
			continue
		}
		for _, d := range prog.DeclarationList {
			for _, b := range d.List {
				if id, ok := b.Target.(*ast.Identifier); ok {
					taken[string(id.Name)] = 2
				}
			}
		}
		for _, st := range prog.Body {
			if fd, ok := st.(*ast.FunctionDeclaration); ok {
				taken[string(fd.Function.Name.Name)] = 2
			}
		}
	}
	for k, sc := range scripts {
		if sc.e == nil {
			continue
		}
		var lazy []*ast.FunctionDeclaration
		for _, st := range sc.prog.Body {
			if fd, ok := st.(*ast.FunctionDeclaration); ok && taken[string(fd.Function.Name.Name)] == 1 && !assignsItself(fd) {
				lazy = append(lazy, fd)
			}
		}
		if len(lazy) == 0 {
			continue
		}
		src := []byte(sc.e.Src)
		name := sc.e.Pos.String()
		var globals []envGlobal
		for _, fd := range lazy {
			from, to := int(fd.Idx0())-1, int(fd.Idx1())-1
			if from < 0 || to > len(src) || from >= to {
				globals = nil
				break
			}
			// The function where the script had it: lines and
			// columns in errors are the script's.
			line := strings.Count(sc.e.Src[:from], "\n")
			col := from - (strings.LastIndexByte(sc.e.Src[:from], '\n') + 1)
			if line == 0 {
				col = max(col-1, 0) // the parenthesis takes one
			}
			fn, err := compileJS(name, "("+strings.Repeat("\n", line)+strings.Repeat(" ", col), fd.Function.Source, "\n)")
			if err != nil {
				globals = nil
				break
			}
			globals = append(globals, envGlobal{name: string(fd.Function.Name.Name), fn: fn, script: k + 1})
			for i := from; i < to; i++ {
				if src[i] != '\n' && src[i] != '\r' {
					src[i] = ' '
				}
			}
		}
		if globals == nil {
			continue
		}
		rest, err := compileJS(name, "", string(src), "")
		if err != nil {
			continue
		}
		p.exprs[sc.e.Index].prog = rest
		for _, g := range globals {
			p.addEnv(g)
		}
		if p.scriptOrd == nil {
			p.scriptOrd = make(map[int]int)
		}
		p.scriptOrd[sc.e.Index] = k + 1
	}
}

// assignsItself reports whether the body of fd may assign fd's name (a
// function that replaces itself on first call), which the named function
// expression that makes it lazily would not let it do: any assignment,
// increment or decrement of an identifier of that name counts.
func assignsItself(fd *ast.FunctionDeclaration) bool {
	name := regexp.QuoteMeta(string(fd.Function.Name.Name))
	re := regexp.MustCompile(`(^|[^\w$.])` + name + `\s*(([-+*/%&|^]|\*\*|<<|>>>?|&&|\|\||\?\?)?=[^=]|\+\+|--)|(\+\+|--)\s*` + name + `($|[^\w$])`)
	return re.MatchString(fd.Function.Source)
}

// strict reports whether prog begins with a "use strict" directive.
func strict(prog *ast.Program) bool {
	for _, st := range prog.Body {
		es, ok := st.(*ast.ExpressionStatement)
		if !ok {
			return false
		}
		lit, ok := es.Expression.(*ast.StringLiteral)
		if !ok {
			return false
		}
		if lit.Value == "use strict" {
			return true
		}
	}
	return false
}

package ecmascript

import (
	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
)

// A session's global object is a plain object whose prototype is the
// session's environment: the host's globals (Options.Globals), In, the
// global Enter runs a step by (enter.go), and the
// functions the document's top-level scripts declare (lazy.go), each made
// the first time a script reads it; the environment's prototype is goja's
// original global object, which holds the built-ins. So a session holds
// only what its scripts use of what every session of the document could
// use, and the global object's own properties are the system variables
// and the document's variables, which lists them without making goja's
// built-ins.
//
// Environment globals behave as built-ins do: a script reads them as
// globals, assigning one makes a global variable of that name which hides
// it in that session, and they are not enumerable.

// Global is a global variable of a host's environment (Options.Globals).
type Global struct {
	// Name is the variable's name.
	Name string
	// Make returns the variable's value in the session sys, whose
	// runtime is rt. It runs when a script first reads the variable (in
	// the runtime's goroutine, during that evaluation; it may throw, by
	// panicking with a goja value, to make the read throw), and the value
	// is kept for the session's later reads, unless EveryRead.
	Make func(rt *goja.Runtime, sys interp.System) goja.Value
	// EveryRead makes Make run on every read, for a value that changes
	// (the state whose content runs, say).
	EveryRead bool
}

// envGlobal is one global of a document's environment: In, a host's, or
// a function a top-level script of the document declares.
type envGlobal struct {
	name string
	// make returns the global's value in session m; every says it runs
	// on every read.
	make  func(m *Model) goja.Value
	every bool
	// fn, for a function of the document, evaluates to it, and script
	// is the ordinal (from 1) of the top-level script that declares it:
	// the function exists once that script has started.
	fn     *goja.Program
	script int
}

// env is the goja.DynamicObject behind a session's environment.
type env struct {
	m *Model
	// vals holds the values made, by index in the program's env (nil
	// until one is).
	vals []goja.Value
	// making marks the global being made (index+1), so that a make that
	// reads it finds it undefined rather than recursing.
	making int
}

var _ goja.DynamicObject = (*env)(nil)

// lookup returns the index of global key, if the session has it.
func (e *env) lookup(key string) (int, bool) {
	p := e.m.p
	i, ok := p.envIndex[key]
	if !ok {
		return 0, false
	}
	if s := p.env[i].script; s > e.m.scriptsRun {
		return 0, false
	}
	return i, true
}

// Get returns the global key, making it on first read, or the system
// variable key (system.go).
func (e *env) Get(key string) goja.Value {
	if v := e.m.systemVar(key); v != nil {
		return v
	}
	i, ok := e.lookup(key)
	if !ok {
		return nil
	}
	if e.vals != nil && e.vals[i] != nil {
		return e.vals[i]
	}
	if e.making == i+1 {
		return goja.Undefined()
	}
	g := &e.m.p.env[i]
	var v goja.Value
	if g.fn != nil {
		fn, err := e.m.rt.RunProgram(g.fn)
		if err != nil {
			panic(err)
		}
		v = fn
	} else {
		prev := e.making
		e.making = i + 1
		v = g.make(e.m)
		e.making = prev
	}
	if v == nil {
		v = goja.Undefined()
	}
	if !g.every {
		if e.vals == nil {
			e.vals = make([]goja.Value, len(e.m.p.env))
		}
		e.vals[i] = v
	}
	return v
}

// Has reports the environment's globals. It reports no system variable,
// as an assignment to one must go on to the guards (system.go), which it
// installs.
func (e *env) Has(key string) bool {
	if !e.m.sysOwn && isSystem(key) && key != "In" {
		e.m.guardSystem()
		return false
	}
	_, ok := e.lookup(key)
	return ok
}

// Set refuses: an assignment to a global of the environment makes a
// variable of the global object instead.
func (e *env) Set(string, goja.Value) bool { return false }

// Delete refuses.
func (e *env) Delete(string) bool { return false }

// Keys lists nothing: the environment's globals are not enumerable.
func (e *env) Keys() []string { return nil }

// newGlobalObject makes the session's global object and environment and
// installs them in the model's runtime.
func (m *Model) newGlobalObject() {
	rt := m.rt
	builtins := rt.GlobalObject()
	m.builtins = builtins
	m.env.m = m
	e := rt.NewDynamicObject(&m.env)
	_ = e.SetPrototype(builtins)
	g := rt.NewObject()
	_ = g.SetPrototype(e)
	rt.SetGlobalObject(g)
	m.global = g
}

// addEnv adds a global to the program's environment; a name it has
// already keeps its first global.
func (p *program) addEnv(g envGlobal) {
	if _, dup := p.envIndex[g.name]; dup {
		return
	}
	if p.envIndex == nil {
		p.envIndex = make(map[string]int)
	}
	p.envIndex[g.name] = len(p.env)
	p.env = append(p.env, g)
}

// inGlobal is In (B.2.3), the predicate of the state configuration.
func inGlobal(m *Model) goja.Value {
	return m.rt.ToValue(func(call goja.FunctionCall) goja.Value {
		return m.rt.ToValue(m.sys.In(call.Argument(0).String()))
	})
}

// hostGlobal adapts a host's Global.
func hostGlobal(g Global) envGlobal {
	mk := g.Make
	return envGlobal{name: g.Name, every: g.EveryRead, make: func(m *Model) goja.Value { return mk(m.rt, m.sys) }}
}

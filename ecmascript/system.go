package ecmascript

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dop251/goja"
	"github.com/dop251/goja/ast"
)

// The system variables (§5.10, B.2.8: _sessionid, _name, _ioprocessors,
// _x and _event) are read-only variables of every session. Defining them
// as own read-only properties of the global object costs five property
// definitions a session, about a fifth of a start; so a session serves
// them from its environment instead (env.go), each made when first read,
// and keeps every rule the own properties give:
//
//   - Reading one finds no own property of the global object and asks the
//     environment, which answers. _event is undefined until the first
//     event (W3C test 319).
//   - Assigning one in sloppy code (a script, this._x = ...) goes through
//     the global object's prototype chain, which asks the environment
//     whether it has the name. The environment says no, after installing
//     the system variables as read-only properties of its own prototype
//     (goja's global object with the built-ins), the guards: the
//     assignment meets a read-only property and fails, silently, as it
//     did on the own one. "_x" in this is true through the guards.
//     Strict code (every <assign>'s location, a class, "use strict")
//     is different: goja makes its assignment to a global that is not an
//     own property a ReferenceError, where the read-only property's is a
//     TypeError; so strict code that names one counts as below.
//   - What reaches the global object's own properties without asking its
//     prototype would see the difference: a declaration (var _x, function
//     _name, let, const, class), Object.defineProperty of one, delete of
//     one, the reflective reads of own properties. A document whose
//     scripts or expressions could do that (sysRisky, decided when the
//     document is compiled, from its syntax) has its sessions define the
//     own properties at Setup, as before; so does a session before it
//     evaluates such an expression of another document.
//
// So the global object's own properties are the document's variables,
// and snapshots, Size and Globals see the system variables in neither
// form.

// systemNames are the system variables, in the order they are defined.
var systemNames = [...]string{"_sessionid", "_name", "_ioprocessors", "_x", "_event"}

// riskyWords are the names through which a program may reach the global
// object's own properties, or code that could, without asking its
// prototype: eval and the Function constructor (code declaring globals),
// the reflective functions that define, delete or list own properties.
var riskyWords = regexp.MustCompile(`\b(eval|Function|constructor|globalThis|defineProperty|defineProperties|getOwnPropertyNames|getOwnPropertyDescriptors?|hasOwnProperty|hasOwn|propertyIsEnumerable|Reflect|Proxy|__proto__|__defineGetter__|__defineSetter__|__lookupGetter__|__lookupSetter__|getPrototypeOf|setPrototypeOf|freeze|seal|preventExtensions)\b`)

// systemWord finds a system variable's name as a word, and declaredWord
// one after a declaring keyword (function and class declarations in
// blocks are not in the program's declaration list).
var (
	systemWord   = regexp.MustCompile(`\b(_sessionid|_name|_ioprocessors|_x|_event)\b`)
	declaredWord = regexp.MustCompile(`\b(var|let|const|function|class)\s+(_sessionid|_name|_ioprocessors|_x|_event)\b`)
	deleteWord   = regexp.MustCompile(`\bdelete\b`)
	thisWord     = regexp.MustCompile(`\bthis\b`)
	classWord    = regexp.MustCompile(`\bclass\b`)
	// lexicalWord finds what may declare a global other than a plain
	// var (whose names the syntax tree lists): let, const, class and
	// function declarations (generators and async ones, with comments
	// between keyword and name, destructuring patterns).
	lexicalWord = regexp.MustCompile(`\b(let|const|class|function)\b`)
	// thisIndex finds a computed member of this, through which a
	// program may reach eval by a name made at run time.
	thisIndex = regexp.MustCompile(`\bthis\s*\[`)
)

// sysRisky reports whether the program src (with its syntax tree, when
// parsed) could observe that the system variables are not own properties
// of the global object, or make one that hides them: it names eval, the
// Function constructor or a reflective function on own properties,
// declares a system variable, or deletes something where it names one or
// this (the global object is reachable only through this, globalThis,
// eval and the Function constructor).
// It errs on the side of yes: the cost of yes is a session's start as
// it was. What it cannot see is code that reaches the global object and
// eval by routes made at run time (a variable holding this, indexed by a
// name built from pieces): such a document could declare a variable
// hiding a system variable of its own sessions.
func sysRisky(src string, tree *ast.Program) bool {
	if riskyWords.MatchString(src) || declaredWord.MatchString(src) || thisIndex.MatchString(src) {
		return true
	}
	named := systemWord.MatchString(src)
	if deleteWord.MatchString(src) && (named || thisWord.MatchString(src)) {
		return true
	}
	if !named {
		return false
	}
	if lexicalWord.MatchString(src) {
		// A declaration that names a system variable in a form the
		// syntax tree's var list does not show (let [_x] = ...,
		// function* _x() {}, function /* c */ _name() {}) would make a
		// global hiding it: a program that names one and declares
		// anything that way has the own properties.
		return true
	}
	if strings.Contains(src, "use strict") || classWord.MatchString(src) {
		// goja makes strict code's assignment to a global that is not
		// an own property of the global object a ReferenceError,
		// where a read-only one is a TypeError: strict code that
		// names a system variable, and every location that does, has
		// the own properties.
		return true
	}
	if tree == nil {
		return true
	}
	for _, d := range tree.DeclarationList {
		for _, b := range d.List {
			id, ok := b.Target.(*ast.Identifier)
			if !ok || isSystem(string(id.Name)) {
				return true
			}
		}
	}
	return false
}

// systemVar returns the value of the system variable key served by the
// environment, or nil when key is not one (or the global object has them
// as own properties).
func (m *Model) systemVar(key string) goja.Value {
	if m.sysOwn || len(key) < 2 || key[0] != '_' {
		return nil
	}
	switch key {
	case "_sessionid":
		if m.sessionID == nil {
			m.sessionID = m.rt.ToValue(m.sys.SessionID())
		}
		return m.sessionID
	case "_name":
		return m.nameValue()
	case "_ioprocessors":
		return m.ioObject()
	case "_x":
		return m.xObject()
	case "_event":
		if m.evVal == nil {
			return goja.Undefined()
		}
		m.evRead = true
		return m.evVal
	}
	return nil
}

// nameValue is _name: the document's, shared by its sessions, unless the
// session has a name of its own.
func (m *Model) nameValue() goja.Value {
	if m.name == nil {
		m.name = m.p.name
		if n := m.sys.Name(); n != m.p.doc.Name {
			m.name = m.rt.ToValue(n)
		}
	}
	return m.name
}

// ioObject is _ioprocessors, made on first use; the processors' locations
// are asked for when first read (ioprocessors.go).
func (m *Model) ioObject() *goja.Object {
	if m.ioObj == nil {
		m.ioObj = m.rt.NewDynamicObject(&m.io)
	}
	return m.ioObj
}

// xObject is _x, made on first use.
func (m *Model) xObject() *goja.Object {
	if m.x == nil {
		m.x = m.rt.NewObject()
	}
	return m.x
}

// guardSystem installs the guards: the system variables as read-only
// properties of the environment's prototype, which make an assignment
// to one fail.
func (m *Model) guardSystem() {
	if m.guarded || m.sysOwn {
		return
	}
	m.guarded = true
	for _, name := range systemNames {
		// An error would mean the built-ins have the name already,
		// which makes the assignment fail as well.
		_ = m.builtins.DefineDataProperty(name, goja.Undefined(), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
	}
}

// ownSystem makes the system variables own read-only properties of the
// global object, with the values a script reads now; from then on the
// environment no longer serves them.
func (m *Model) ownSystem() error {
	if m.sysOwn {
		return nil
	}
	vals := [...]goja.Value{m.systemVar("_sessionid"), m.systemVar("_name"), m.ioObject(), m.xObject()}
	for i, v := range vals {
		if err := m.global.DefineDataProperty(systemNames[i], v, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
			return fmt.Errorf("ecmascript: setup %s: %w", systemNames[i], err)
		}
	}
	// Configurable until the first event replaces it (§5.10.1; W3C test
	// 319: _event is not bound before the first event).
	ev, configurable := goja.Undefined(), goja.FLAG_TRUE
	if m.evVal != nil {
		ev = m.evVal
		if !m.p.ownEvents {
			configurable = goja.FLAG_FALSE
		}
	}
	if err := m.global.DefineDataProperty("_event", ev, goja.FLAG_FALSE, configurable, goja.FLAG_FALSE); err != nil {
		return fmt.Errorf("ecmascript: setup _event: %w", err)
	}
	m.sysOwn = true
	return nil
}

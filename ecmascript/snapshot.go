package ecmascript

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/internal/jsontext"
	"github.com/orca-scxml/orca/interp"
)

// A snapshot of a Model (Persist, Restore) keeps the document's state:
// the enumerable properties of the global object (the <data> of the
// document and the globals its scripts declare), the globals its scripts
// declare with let, const or class, and the contents of the objects the
// host's environment lets scripts change (_x, and the data object of
// Options.DataObject, ORS's _data, as what differs from the session's
// start parameters, which the session's snapshot keeps already).
// Everything else — the system
// variables, the built-ins, the host's environment — is made again by
// Setup in the restored session.
//
// Values are kept as a graph, so shared objects stay shared and cycles
// survive. What is kept:
//
//   - undefined, null, booleans, strings, numbers (NaN, the infinities and
//     -0 included) and BigInts;
//   - plain objects (prototype Object.prototype or null) and arrays
//     (holes included), with their enumerable own string-keyed
//     properties, in order; an accessor property is kept as the value
//     its getter returns;
//   - Date (its time value), RegExp (source, flags, lastIndex), Boolean,
//     Number and String objects, and errors of the built-in types (name,
//     message and their enumerable properties);
//   - functions the document's code defines outside any other function
//     (a <script>'s function declarations, function expressions assigned
//     at the top level of a script or expression, methods of object
//     literals written there), and functions made by the Function
//     constructor: each is made again by evaluating its source text in
//     the global scope, so it closes over the same globals; its
//     enumerable properties are kept;
//   - references to the host's environment (a global such as __Log or
//     Math held in a variable) and to the functions of the document's
//     top-level scripts, which the environment makes when first read
//     (lazy.go): the restored variable holds the new session's; such a
//     function given properties of its own becomes a global variable
//     first, kept as other functions are;
//   - XML values (DOM nodes) as their markup, events held from _event.
//
// Refused with an error naming the path of the value (cb.handler: ...):
// views of the host's state (HostView, such as _reporting.kvp),
// functions defined inside other functions (closures, whose variables
// cannot be seen from outside), functions of the host (_genesys's
// methods) unless held as a global of the environment, bound functions,
// objects with another prototype (made by new F or Object.create), Map,
// Set, WeakMap, Promise, Proxy, typed arrays, symbols.
//
// Not kept: non-enumerable and symbol-keyed properties of objects (and a
// function's length or name made enumerable), the
// configurability of globals created by assignment (they come back as
// declared variables), extensibility and frozenness, and the identity of
// DOM nodes and of objects reached from _event.

// snapVersion is the version of the data model snapshot. Version 1 kept
// every property of the data object; version 2 keeps what differs from
// the session's start parameters (Data, Deleted). Restore reads both.
const snapVersion = 2

// snapCache is what a Model keeps between snapshots.
type snapCache struct {
	fnIndex     map[*goja.Object]int
	toString    goja.Callable
	objectProto *goja.Object
	arrayProto  *goja.Object
	// isEnum is Object.prototype.propertyIsEnumerable, looked for when a
	// function first has names of its own (functionKeys): nil when a
	// document replaced it.
	isEnum     goja.Callable
	enumLooked bool
	env        map[*goja.Object]string
	envFunc    goja.Callable
	// params counts the session's start parameters (dataDiff), which
	// never change; their names are not kept (a callback's seventy,
	// some 1.1 KB a session).
	params     int
	paramsRead bool
	// size is the room the next snapshot's buffer starts with: a little
	// more than the last one took, so that writing it grows no buffer.
	size int
}

// snapshotData is the top level of a data model snapshot.
type snapshotData struct {
	V int `json:"v"`
	// Scripts counts the document's top-level scripts started, whose
	// functions the environment has (env.go).
	Scripts int `json:"s,omitempty"`
	// Globals, Lexical and Env hold names and values, alternating; Env
	// one list per object of the environment (envObjects), the data
	// object excluded from version 2 on.
	Globals json.RawMessage `json:"g,omitempty"`
	Lexical json.RawMessage `json:"l,omitempty"`
	Env     json.RawMessage `json:"env,omitempty"`
	// Data holds the properties of the data object (Options.DataObject)
	// that are not a start parameter of the same value, names and values
	// alternating, in the object's order; Deleted the start parameters
	// it no longer has. The rest the restored session's data object
	// reads from its start parameters, as it did.
	Data    json.RawMessage `json:"d,omitempty"`
	Deleted []string        `json:"dx,omitempty"`
}

// cache returns the model's snapshot cache. The prototypes are those of
// new values, so that the constructors goja makes on first use (Array,
// Function) are not made in every session; Array.prototype is asked for
// when the first array is met (arrayProtoOf): a new array makes it.
func (m *Model) cache() *snapCache {
	if m.snap == nil {
		m.snap = &snapCache{fnIndex: make(map[*goja.Object]int), objectProto: m.rt.NewObject().Prototype()}
	}
	return m.snap
}

// arrayProtoOf returns Array.prototype.
func (e *encoder) arrayProtoOf() *goja.Object {
	if e.c.arrayProto == nil {
		e.c.arrayProto = e.m.rt.NewArray().Prototype()
	}
	return e.c.arrayProto
}

// keysOf visits with fn the enumerable own string-keyed properties of
// o, in the order Object.keys gives them (integer keys ascending, then
// the others in the order they were made), until fn returns false. It
// reads them with goja's Go API, so that a snapshot makes none of the
// built-ins goja makes on first use in a runtime: Object.keys, called
// from Go, made the Object constructor, its keys function and, for the
// array it returned, Array.prototype in every session snapshot, some
// 1.7 KB kept as long as the session. A function's are read by
// functionKeys.
func (m *Model) keysOf(o *goja.Object, fn func(k string) bool) {
	if o.ClassName() == "Function" {
		m.functionKeys(o, fn)
		return
	}
	for _, k := range o.Keys() {
		if !fn(k) {
			break
		}
	}
}

// functionKeys is keysOf for function o. goja's Keys would make the
// prototype object of a function that has not had one yet (some 600 B a
// function, and a change in the order a script's
// Object.getOwnPropertyNames lists), so the names are read through a
// proxy of o with no traps, whose own keys are o's and which lists a
// prototype not made yet without making it. Those every function has
// (length, name and prototype) are left out: a restored session makes
// them again from the function's source, also when a document made its
// length or name enumerable. The others, seldom any, are asked whether
// they are enumerable with the built-in
// Object.prototype.propertyIsEnumerable, which reads the one property.
func (m *Model) functionKeys(o *goja.Object, fn func(k string) bool) {
	p, ok := m.rt.ToValue(m.rt.NewProxy(o, &m.p.noTraps)).(*goja.Object)
	if !ok {
		return
	}
	c := m.cache()
	for _, k := range p.GetOwnPropertyNames() {
		switch k {
		case "length", "name", "prototype":
			continue
		}
		if !c.enumLooked {
			c.enumLooked = true
			if f, _ := c.objectProto.Get("propertyIsEnumerable").(*goja.Object); f != nil && builtinMethod(f, "objectproto_propertyIsEnumerable") {
				c.isEnum, _ = goja.AssertFunction(f)
			}
		}
		enumerable := false
		if c.isEnum != nil {
			v, err := c.isEnum(o, m.rt.ToValue(k))
			enumerable = err == nil && v.ToBoolean()
		} else {
			// A document replaced propertyIsEnumerable: a snapshot runs
			// none of its code, and reads o's keys with goja's Keys.
			enumerable = slices.Contains(o.Keys(), k)
		}
		if enumerable && !fn(k) {
			return
		}
	}
}

// builtinMethod reports whether f is goja's own built-in function of the
// given method name of its Runtime (a Go method value), and not a
// document's function put in its place.
func builtinMethod(f *goja.Object, method string) bool {
	g, ok := f.Export().(func(goja.FunctionCall) goja.Value)
	if !ok || g == nil {
		return false
	}
	fn := runtime.FuncForPC(reflect.ValueOf(g).Pointer())
	return fn != nil && strings.HasSuffix(fn.Name(), ".(*Runtime)."+method+"-fm")
}

// source returns the source text of function o, by
// Function.prototype.toString (which a document may not replace for its
// functions: a toString of their own is not called).
func (e *encoder) source(o *goja.Object) (string, error) {
	if e.c.toString == nil {
		for p := o.Prototype(); p != nil; p = p.Prototype() {
			if f, ok := goja.AssertFunction(p.Get("toString")); ok && p.ClassName() == "Function" {
				e.c.toString = f
				break
			}
		}
		if e.c.toString == nil {
			return "", errors.New("Function.prototype.toString is not a function")
		}
	}
	v, err := e.c.toString(o)
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// documentGlobals appends to out the names of the globals the document made, in
// the order they were made: the enumerable own properties of the global
// object (the system variables, the host's (ORS's _data) and the
// built-ins are not enumerable), read from Go (keysOf), and leaving out
// the names of built-ins and system variables. A helper run in the
// session's runtime made Object, getOwnPropertyNames,
// Function.prototype.call and Array.prototype.push in every session
// snapshot, some 9 KB of heap each, kept as long as the session.
func (m *Model) documentGlobals(out []string) []string {
	m.keysOf(m.global, func(name string) bool {
		if !isBuiltin(name) && !isSystem(name) {
			out = append(out, name)
		}
		return true
	})
	return out
}

// envObjects appends to out the objects of the environment whose contents
// a snapshot keeps, in a fixed order: _x, and the data object. With made,
// _x is nil if no script has read it: it is made, empty, when first read,
// so a snapshot need neither make it nor ask it for properties.
func (m *Model) envObjects(out []*goja.Object, made bool) []*goja.Object {
	if made && m.x == nil && !m.sysOwn {
		out = append(out, nil)
	} else if o, ok := m.global.Get("_x").(*goja.Object); ok {
		out = append(out, o)
	}
	if m.p.dataObject != "" {
		if o, ok := m.global.Get(m.p.dataObject).(*goja.Object); ok {
			out = append(out, o)
		}
	}
	return out
}

// Persist returns the state of the session's data (see the rules above).
// It implements interp.Persistent.
func (m *Model) Persist() ([]byte, error) {
	if m.closed {
		return nil, ErrClosed
	}
	var out []byte
	var xerr error
	err := m.guard(func() { out, xerr = m.persist() })
	if err != nil {
		return nil, fmt.Errorf("ecmascript: snapshot: %w", err)
	}
	if xerr != nil {
		return nil, fmt.Errorf("ecmascript: snapshot: %w", xerr)
	}
	return out, nil
}

func (m *Model) persist() ([]byte, error) {
	e := m.p.encoder(m)
	defer m.p.release(e)
	if e.c.size > 0 {
		e.buf = make([]byte, 0, e.c.size)
	}
	e.env = m.envObjects(e.env[:0], true)
	env := e.env
	for _, o := range env {
		if o != nil {
			e.ids[o] = e.n
		}
		e.n++ // the restored session's, made, has the id
	}
	if err := m.declareEnvFunctions(); err != nil {
		return nil, err
	}
	e.buf = append(e.buf, `{"v":`...)
	e.buf = strconv.AppendInt(e.buf, snapVersion, 10)
	if m.scriptsRun > 0 {
		e.buf = append(e.buf, `,"s":`...)
		e.buf = strconv.AppendInt(e.buf, int64(m.scriptsRun), 10)
	}
	e.buf = append(e.buf, `,"g":[`...)
	first := true
	names := m.documentGlobals(e.names[:0])
	e.names = names
	for _, k := range names {
		if err := e.prop(&first, k, m.global.Get(k)); err != nil {
			return nil, err
		}
	}
	e.buf = append(e.buf, `],"l":[`...)
	first = true
	for _, x := range e.lits.lexical {
		v := m.rt.Get(x.name)
		if v == nil {
			continue // not declared yet: its script has not run
		}
		if err := e.prop(&first, x.name, v); err != nil {
			return nil, err
		}
	}
	e.buf = append(e.buf, `],"env":[`...)
	data := m.dataObject(env)
	for i, o := range env {
		if o == data && data != nil {
			continue
		}
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		e.buf = append(e.buf, '[')
		if o == nil {
			e.buf = append(e.buf, ']')
			continue // an _x no script has read: empty
		}
		f := true
		for _, k := range o.Keys() {
			if err := e.prop(&f, k, o.Get(k)); err != nil {
				return nil, err
			}
		}
		e.buf = append(e.buf, ']')
	}
	e.buf = append(e.buf, ']')
	if data != nil {
		if err := e.dataDiff(data); err != nil {
			return nil, err
		}
	}
	e.buf = append(e.buf, '}')
	e.c.size = len(e.buf) + len(e.buf)/8 + 64
	return e.buf, nil
}

// dataObject returns the data object among the environment's objects
// (the last, envObjects), nil when there is none.
func (m *Model) dataObject(env []*goja.Object) *goja.Object {
	if m.p.dataObject == "" || len(env) < 2 {
		return nil
	}
	return env[len(env)-1]
}

// startParams are the start parameters of a session (interp.Session's).
type startParams interface {
	Param(name string) (any, bool)
	ParamNames() []string
}

// ownProps is a Go-backed object whose properties are its session's start
// parameters until set or read (ORS's _data): Own returns what property
// name holds of its own, false for a parameter as it started.
type ownProps interface {
	Own(name string) (goja.Value, bool)
}

// dataDiff writes what the data object holds besides the session's start
// parameters: its properties that are not a start parameter of the same
// value, in order ("d"), and the start parameters it does not hold in
// their place ("dx": deleted, or deleted and set again, which lists them
// after the parameters). A callback's _data holds some seventy start
// parameters, of which a session changes a few.
func (e *encoder) dataDiff(o *goja.Object) error {
	params, _ := e.m.sys.(startParams)
	if !e.c.paramsRead && params != nil {
		e.c.params, e.c.paramsRead = len(params.ParamNames()), true
	}
	// A Go-backed object (ORS's _data) is asked directly, rather than
	// through goja's iteration, which makes values of every name.
	var keys []string
	var own ownProps
	dyn, _ := o.Export().(goja.DynamicObject)
	if dyn != nil {
		own, _ = dyn.(ownProps)
		keys = dyn.Keys()
	} else {
		keys = o.Keys()
	}
	get := func(k string) goja.Value {
		if dyn == nil {
			return o.Get(k)
		}
		if v := dyn.Get(k); v != nil {
			return v
		}
		return goja.Undefined()
	}
	// The parameters in their place come first, in the order of their
	// sorted names (some may be missing); the first key that is not one,
	// or is out of that order, starts the properties added.
	placed := 0
	for i, k := range keys {
		if params == nil || i > 0 && k <= keys[i-1] {
			break
		}
		if _, ok := params.Param(k); !ok {
			break
		}
		placed++
	}
	e.buf = append(e.buf, `,"d":[`...)
	f := true
	for i, k := range keys {
		if i < placed && own != nil {
			// A parameter the session never set nor read is its start
			// value: getting it would convert (and keep) it.
			if _, held := own.Own(k); !held {
				continue
			}
		}
		v := get(k)
		if i < placed && sameParam(e.m.rt, params, k, v) {
			continue
		}
		if err := e.prop(&f, k, v); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	if placed == e.c.params {
		return nil // every parameter in its place
	}
	first := true
	for _, k := range params.ParamNames() {
		if i := slices.Index(keys, k); i >= 0 && i < placed {
			continue
		}
		if first {
			e.buf = append(e.buf, `,"dx":[`...)
		} else {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = jsontext.AppendString(e.buf, k)
	}
	if !first {
		e.buf = append(e.buf, ']')
	}
	return nil
}

// sameParam reports whether v is the value start parameter k gives the
// data object of a new session: a primitive equal to it. Objects are
// always kept (a script may have changed their contents).
func sameParam(rt *goja.Runtime, params startParams, k string, v goja.Value) bool {
	if params == nil {
		return false
	}
	p, ok := params.Param(k)
	if !ok {
		return false
	}
	switch p := p.(type) {
	case nil:
		return goja.IsNull(v)
	case string:
		return v.ExportType() == typeString && v.String() == p
	case bool:
		return v.ExportType() == typeBool && v.ToBoolean() == p
	case float64, int, int64:
		return v.StrictEquals(rt.ToValue(p)) && !isNegZero(v)
	}
	return false
}

// isNegZero reports whether v is the number -0.
func isNegZero(v goja.Value) bool {
	f, ok := v.Export().(float64)
	return ok && f == 0 && math.Signbit(f)
}

// declareEnvFunctions makes each function of the document's top-level
// scripts that the session has made and given properties of its own
// (helper.cache = {}) a global variable, as its declaration would have:
// the snapshot then keeps it, with its properties, as it keeps other
// functions, rather than referring to the environment's, which a restored
// session makes anew without them. Most functions have only the
// properties every function has, which are not enumerable. Every such
// function is asked: code can reach a function without naming it (an
// instance's constructor, the Function constructor reached through any
// function, computed keys, reflection), so no reading of the document's
// code can tell one that never gets properties.
func (m *Model) declareEnvFunctions() error {
	if m.env.vals == nil {
		return nil
	}
	for i, v := range m.env.vals {
		g := &m.p.env[i]
		o, ok := v.(*goja.Object)
		if g.fn == nil || !ok {
			continue
		}
		own := false
		m.keysOf(o, func(string) bool { own = true; return false })
		if !own {
			continue
		}
		if x, ok := m.global.Get(g.name).(*goja.Object); !ok || x != o {
			continue // hidden by a variable of that name
		}
		if err := m.global.DefineDataProperty(g.name, o, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
			return err
		}
		m.env.vals[i] = nil
	}
	return nil
}

// encoder writes one snapshot. Objects get ids in the order they are
// first met, so that a later reference names one ("r").
//
// Its map and slices are used again by the next snapshot of any session
// of the document (program.encoder): a session that waits keeps none of
// them, and a snapshot does not grow them anew.
type encoder struct {
	m     *Model
	c     *snapCache
	lits  *literals
	buf   []byte
	ids   map[*goja.Object]int
	n     int
	path  []string
	depth int
	// keys holds the keys of the objects being written (ownKeys).
	keys []string
	// env and names hold the environment's objects and the document's
	// globals of the snapshot (envObjects, documentGlobals).
	env   []*goja.Object
	names []string
}

// encoder returns an encoder for a snapshot of m, one used before when
// there is one; release gives it back.
func (p *program) encoder(m *Model) *encoder {
	e, _ := p.encoders.Get().(*encoder)
	if e == nil {
		e = &encoder{ids: make(map[*goja.Object]int)}
	}
	e.m, e.c, e.lits = m, m.cache(), p.literalsOf()
	return e
}

// release clears e of what it refers to, so that no session's values stay
// reachable from it, and keeps it for the next snapshot.
func (p *program) release(e *encoder) {
	clear(e.ids)
	clear(e.path)
	clear(e.keys)
	clear(e.env)
	clear(e.names)
	*e = encoder{ids: e.ids, path: e.path[:0], keys: e.keys[:0], env: e.env[:0], names: e.names[:0]}
	p.encoders.Put(e)
}

// prop writes a name and a value.
func (e *encoder) prop(first *bool, k string, v goja.Value) error {
	if !*first {
		e.buf = append(e.buf, ',')
	}
	*first = false
	e.buf = jsontext.AppendString(e.buf, k)
	e.buf = append(e.buf, ',')
	e.path = append(e.path, k)
	err := e.value(v)
	e.path = e.path[:len(e.path)-1]
	return err
}

// fail returns err located at the value being written.
func (e *encoder) fail(format string, args ...any) error {
	return fmt.Errorf("%s: %w: "+format, append([]any{strings.Join(e.path, "."), interp.ErrNotPersistent}, args...)...)
}

func (e *encoder) value(v goja.Value) error {
	if v == nil || goja.IsUndefined(v) {
		e.buf = append(e.buf, `["u"]`...)
		return nil
	}
	if goja.IsNull(v) {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if o, ok := v.(*goja.Object); ok {
		e.depth++
		defer func() { e.depth-- }()
		if e.depth > maxExportDepth {
			return e.fail("a value nested deeper than %d levels", maxExportDepth)
		}
		return e.object(o)
	}
	if _, ok := v.(*goja.Symbol); ok {
		return e.fail("a symbol")
	}
	// The primitives are read by their type, not exported: an export
	// boxes the value.
	switch v.ExportType() {
	case typeString:
		e.buf = jsontext.AppendString(e.buf, v.String())
		return nil
	case typeInt64:
		e.buf = strconv.AppendInt(e.buf, v.ToInteger(), 10)
		return nil
	case typeFloat64:
		e.buf = appendNumber(e.buf, v.ToFloat())
		return nil
	case typeBool:
		e.buf = strconv.AppendBool(e.buf, v.ToBoolean())
		return nil
	}
	switch x := v.Export().(type) {
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case string:
		e.buf = jsontext.AppendString(e.buf, x)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case float64:
		e.buf = appendNumber(e.buf, x)
	case *big.Int:
		e.buf = append(e.buf, `["bi",`...)
		e.buf = jsontext.AppendString(e.buf, x.String())
		e.buf = append(e.buf, ']')
	default:
		return e.fail("a %s", v.ExportType())
	}
	return nil
}

func appendNumber(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `["n","NaN"]`...)
	case math.IsInf(f, 1):
		return append(b, `["n","Infinity"]`...)
	case math.IsInf(f, -1):
		return append(b, `["n","-Infinity"]`...)
	case f == 0 && math.Signbit(f):
		return append(b, `["n","-0"]`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

var (
	typeEventObject = reflect.TypeFor[*eventObject]()
	typeString      = reflect.TypeFor[string]()
	typeInt64       = reflect.TypeFor[int64]()
	typeFloat64     = reflect.TypeFor[float64]()
	typeBool        = reflect.TypeFor[bool]()
)

func (e *encoder) object(o *goja.Object) error {
	if id, ok := e.ids[o]; ok {
		e.buf = append(e.buf, `["r",`...)
		e.buf = strconv.AppendInt(e.buf, int64(id), 10)
		e.buf = append(e.buf, ']')
		return nil
	}
	if o == e.m.global {
		e.buf = append(e.buf, `["G"]`...)
		return nil
	}
	class := o.ClassName()
	if class == "Function" {
		return e.function(o)
	}
	switch t := o.ExportType(); t {
	case typeEventObject:
		return e.event(o)
	case typeProxy:
		return e.fail("a Proxy")
	}
	if name, ok := hostView(o); ok {
		return e.fail("%s, a view of the host's state that a restored session could not hold again: keep what is read of it, not the view", name)
	}
	if n, ok := domNodeOf(o); ok {
		e.register(o)
		e.buf = append(e.buf, `["x",`...)
		e.buf = jsontext.AppendString(e.buf, n.export().(*interp.XMLNode).Text)
		e.buf = append(e.buf, ']')
		return nil
	}
	proto := o.Prototype()
	switch class {
	case "Object":
		if proto != e.c.objectProto && proto != nil {
			if name, ok := e.envName(o); ok {
				return e.envRef(name)
			}
			return e.fail("an object of class %s (its prototype is not Object.prototype: made by new or Object.create)", className(proto))
		}
		start := e.ownKeys(o)
		keys := e.keys[start:]
		defer e.dropKeys(start)
		if proto != nil && len(keys) == 0 && len(o.GetOwnPropertyNames()) > 0 {
			// An object with properties but none enumerable, such as
			// JSON or Math, is a global of the environment.
			if name, ok := e.envName(o); ok {
				return e.envRef(name)
			}
		}
		e.register(o)
		if proto == nil {
			e.buf = append(e.buf, `["O"`...)
		} else {
			e.buf = append(e.buf, `["o"`...)
		}
		if err := e.keyed(o, keys, false); err != nil {
			return err
		}
		e.buf = append(e.buf, ']')
		return nil
	case "Array":
		if proto != e.arrayProtoOf() {
			return e.fail("an array whose prototype is not Array.prototype")
		}
		return e.array(o)
	case "Date":
		e.register(o)
		e.buf = append(e.buf, `["d",`...)
		e.buf = appendNumber(e.buf, o.ToFloat())
		e.buf = append(e.buf, ']')
		return nil
	case "RegExp":
		e.register(o)
		e.buf = append(e.buf, `["re",`...)
		e.buf = jsontext.AppendString(e.buf, o.Get("source").String())
		e.buf = append(e.buf, ',')
		e.buf = jsontext.AppendString(e.buf, o.Get("flags").String())
		e.buf = append(e.buf, ',')
		e.buf = appendNumber(e.buf, o.Get("lastIndex").ToFloat())
		e.buf = append(e.buf, ']')
		return nil
	case "String", "Number", "Boolean":
		valueOf, ok := goja.AssertFunction(o.Get("valueOf"))
		if !ok {
			return e.fail("a %s object without valueOf", class)
		}
		p, err := valueOf(o)
		if err != nil {
			return err
		}
		e.register(o)
		e.buf = append(e.buf, `["b",`...)
		if err := e.value(p); err != nil {
			return err
		}
		e.buf = append(e.buf, ']')
		return nil
	case "Error":
		e.register(o)
		e.buf = append(e.buf, `["E",`...)
		e.buf = jsontext.AppendString(e.buf, o.Get("name").String())
		e.buf = append(e.buf, ',')
		e.buf = jsontext.AppendString(e.buf, o.Get("message").String())
		if err := e.props(o, false); err != nil {
			return err
		}
		e.buf = append(e.buf, ']')
		return nil
	}
	if name, ok := e.envName(o); ok {
		return e.envRef(name)
	}
	return e.fail("a %s", class)
}

// register gives o the next id.
func (e *encoder) register(o *goja.Object) {
	e.ids[o] = e.n
	e.n++
}

// props writes o's enumerable own properties, a comma before each.
func (e *encoder) props(o *goja.Object, skipIndexes bool) error {
	start := e.ownKeys(o)
	defer e.dropKeys(start)
	return e.keyed(o, e.keys[start:], skipIndexes)
}

// ownKeys appends the enumerable own string-keyed properties of o to
// e.keys (keysOf), returning where they start; dropKeys(start) takes
// them off once written. The keys of the objects being written are a
// stack in one slice.
func (e *encoder) ownKeys(o *goja.Object) int {
	start := len(e.keys)
	e.m.keysOf(o, e.pushKey)
	return start
}

// pushKey appends k to e.keys.
func (e *encoder) pushKey(k string) bool {
	e.keys = append(e.keys, k)
	return true
}

// dropKeys takes the keys from start on off e.keys.
func (e *encoder) dropKeys(start int) {
	clear(e.keys[start:])
	e.keys = e.keys[:start]
}

// keyed writes properties keys of o.
func (e *encoder) keyed(o *goja.Object, keys []string, skipIndexes bool) error {
	for _, k := range keys {
		if skipIndexes && isIndex(k) {
			continue
		}
		e.buf = append(e.buf, ',')
		e.buf = jsontext.AppendString(e.buf, k)
		e.buf = append(e.buf, ',')
		e.path = append(e.path, k)
		err := e.value(o.Get(k))
		e.path = e.path[:len(e.path)-1]
		if err != nil {
			return err
		}
	}
	return nil
}

func isIndex(k string) bool {
	if k == "" || len(k) > 10 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < '0' || k[i] > '9' {
			return false
		}
	}
	return k == "0" || k[0] != '0'
}

// array writes ["a", [items], name, value, ...]: holes are ["h"].
func (e *encoder) array(o *goja.Object) error {
	e.register(o)
	n := o.Get("length").ToInteger()
	e.buf = append(e.buf, `["a",[`...)
	for i := int64(0); i < n; i++ {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		k := strconv.FormatInt(i, 10)
		v := o.Get(k)
		if v == nil {
			e.buf = append(e.buf, `["h"]`...)
			continue
		}
		e.path = append(e.path, k)
		err := e.value(v)
		e.path = e.path[:len(e.path)-1]
		if err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	if err := e.props(o, true); err != nil {
		return err
	}
	e.buf = append(e.buf, ']')
	return nil
}

// function writes a function of the document ["f", index, hash, props],
// or one of the Function constructor ["F", source, props].
func (e *encoder) function(o *goja.Object) error {
	if name, ok := e.made(o); ok {
		// A function of the document's top-level scripts the
		// environment made: the restored session's.
		return e.envRef(name)
	}
	idx, known := e.c.fnIndex[o]
	src := ""
	if !known {
		var err error
		if src, err = e.source(o); err != nil {
			return err
		}
		i, ok := e.lits.index(src)
		switch {
		case ok:
			idx = i
			e.c.fnIndex[o] = i
		case strings.HasPrefix(src, "function anonymous("):
			idx = -1
		case strings.Contains(src, "[native code]"):
			if name, ok := e.envName(o); ok {
				return e.envRef(name)
			}
			return e.fail("a function of the host (%s), not of the document", firstLine(src))
		default:
			return e.fail("a function defined inside another function or by eval (%s): it may close over variables a snapshot cannot see; define it at the top level of a script", firstLine(src))
		}
	}
	e.register(o)
	if idx < 0 {
		e.buf = append(e.buf, `["F",`...)
		e.buf = jsontext.AppendString(e.buf, src)
	} else {
		e.buf = append(e.buf, `["f",`...)
		e.buf = strconv.AppendInt(e.buf, int64(idx), 10)
		e.buf = append(e.buf, ',')
		e.buf = jsontext.AppendString(e.buf, e.lits.funcs[idx].hash)
	}
	if err := e.props(o, false); err != nil {
		return err
	}
	e.buf = append(e.buf, ']')
	return nil
}

// className returns the name of the constructor of prototype proto.
func className(proto *goja.Object) string {
	if c, ok := proto.Get("constructor").(*goja.Object); ok {
		if n := c.Get("name"); n != nil && n.String() != "" {
			return n.String()
		}
	}
	return "?"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " ..."
	}
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// event writes an event held from _event: ["e", {event}].
func (e *encoder) event(o *goja.Object) error {
	eo, _ := o.Export().(*eventObject)
	e.register(o)
	e.buf = append(e.buf, `["e",`...)
	if eo == nil || eo.cur == nil {
		e.buf = append(e.buf, "null]"...)
		return nil
	}
	st := interp.EventState{Name: eo.cur.Name, Type: eo.cur.Type, SendID: eo.cur.SendID, Origin: eo.cur.Origin,
		OriginType: eo.cur.OriginType, InvokeID: eo.cur.InvokeID, Raw: eo.cur.Raw}
	if eo.cur.Data != nil {
		data, err := interp.MarshalValue(eo.cur.Data)
		if err != nil {
			return e.fail("an event whose data %v", err)
		}
		st.Data = data
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	e.buf = append(e.buf, b...)
	e.buf = append(e.buf, ']')
	return nil
}

// envRef writes a reference to a global of the environment.
func (e *encoder) envRef(name string) error {
	e.buf = append(e.buf, `["g",`...)
	e.buf = jsontext.AppendString(e.buf, name)
	e.buf = append(e.buf, ']')
	return nil
}

// namespaces are the built-in objects a document may hold in a variable
// whose properties are all non-enumerable.
var namespaces = [...]string{"JSON", "Math", "Reflect"}

// made returns the name of the global of the session's environment
// (env.go) that holds o, if the session made it and the name still reads
// it.
func (e *encoder) made(o *goja.Object) (string, bool) {
	for i, v := range e.m.env.vals {
		if v != o {
			continue
		}
		if g := &e.m.p.env[i]; !g.every {
			if x, ok := e.m.global.Get(g.name).(*goja.Object); ok && x == o {
				return g.name, true
			}
		}
	}
	return "", false
}

// envName returns the name of the environment's global that holds o: one
// of the session's environment (env.go: the host's globals, __Log, ...,
// and the functions of the document's top-level scripts), another
// non-enumerable data property of the global object, or a built-in
// namespace. The built-ins goja makes on
// first use are not made.
func (e *encoder) envName(o *goja.Object) (string, bool) {
	for _, n := range namespaces {
		if v, ok := e.m.global.Get(n).(*goja.Object); ok && v == o {
			return n, true
		}
	}
	if name, ok := e.made(o); ok {
		return name, true
	}
	if !e.m.sysOwn && o != nil {
		// The system variables the environment serves (system.go).
		switch o {
		case e.m.ioObj:
			return "_ioprocessors", true
		case e.m.x:
			return "_x", true
		}
	}
	if e.c.env == nil {
		e.c.env = make(map[*goja.Object]string)
		if e.c.envFunc == nil {
			v, err := e.m.rt.RunProgram(e.lits.envProgram())
			if err != nil {
				return "", false
			}
			e.c.envFunc, _ = goja.AssertFunction(v)
		}
		if e.c.envFunc == nil {
			return "", false
		}
		var names []any
		for _, k := range e.m.global.GetOwnPropertyNames() {
			if !isBuiltin(k) {
				names = append(names, k)
			}
		}
		v, err := e.c.envFunc(goja.Undefined(), e.m.global, e.m.rt.NewArray(names...))
		if err != nil {
			return "", false
		}
		list := v.ToObject(e.m.rt)
		n := list.Get("length").ToInteger()
		for i := int64(0); i+1 < n; i += 2 {
			name := list.Get(strconv.FormatInt(i, 10)).String()
			if x, ok := list.Get(strconv.FormatInt(i+1, 10)).(*goja.Object); ok {
				if _, dup := e.c.env[x]; !dup {
					e.c.env[x] = name
				}
			}
		}
	}
	name, ok := e.c.env[o]
	return name, ok
}

// Restore gives a data model that Setup has just prepared the state
// Persist returned. It implements interp.Persistent.
func (m *Model) Restore(data []byte) error {
	if m.closed {
		return ErrClosed
	}
	if len(data) == 0 {
		return nil
	}
	var top snapshotData
	if err := json.Unmarshal(data, &top); err != nil {
		return fmt.Errorf("ecmascript: restore: %w", err)
	}
	if top.V != snapVersion && top.V != 1 {
		return fmt.Errorf("ecmascript: restore: snapshot version %d, want %d", top.V, snapVersion)
	}
	var xerr error
	err := m.guard(func() { xerr = m.restore(&top) })
	if err == nil {
		err = xerr
	}
	if err != nil {
		return fmt.Errorf("ecmascript: restore: %w", err)
	}
	return nil
}

func (m *Model) restore(top *snapshotData) error {
	d := &decoder{m: m, c: m.cache(), lits: m.p.literalsOf()}
	// The functions of the scripts started are globals of the
	// environment again, made when read (a variable holding one refers
	// to the environment's).
	m.scriptsRun = top.Scripts
	env := m.envObjects(nil, false)
	d.objs = append(d.objs, env...)
	var globals, lex []any
	var envs [][]any
	for _, part := range []struct {
		raw json.RawMessage
		dst any
	}{{top.Globals, &globals}, {top.Lexical, &lex}, {top.Env, &envs}} {
		if len(part.raw) == 0 {
			continue
		}
		if err := json.Unmarshal(part.raw, part.dst); err != nil {
			return err
		}
	}
	if err := d.pairs(globals, m.defineVar); err != nil {
		return err
	}
	if err := d.pairs(lex, func(k string, v goja.Value) error { return m.declareLexical(d.lits, k, v) }); err != nil {
		return err
	}
	data := m.dataObject(env)
	if top.V >= 2 && data != nil {
		env = env[:len(env)-1]
	}
	if len(envs) > len(env) {
		return fmt.Errorf("%d environment objects in the snapshot, %d here", len(envs), len(env))
	}
	for i, kvs := range envs {
		o := env[i]
		keep := make(map[string]bool, len(kvs)/2)
		if err := d.pairs(kvs, func(k string, v goja.Value) error {
			keep[k] = true
			return o.Set(k, v)
		}); err != nil {
			return err
		}
		for _, k := range o.Keys() {
			if !keep[k] {
				_ = o.Delete(k)
			}
		}
	}
	if top.V >= 2 && data != nil {
		// Last, as Persist wrote it: objects are numbered in the order
		// they are met.
		return d.restoreData(data, top)
	}
	return nil
}

// restoreData gives the data object, which Setup made with the session's
// start parameters, what the snapshot's Data and Deleted say differs.
func (d *decoder) restoreData(o *goja.Object, top *snapshotData) error {
	for _, k := range top.Deleted {
		if err := o.Delete(k); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	if len(top.Data) == 0 {
		return nil
	}
	var kvs []any
	if err := json.Unmarshal(top.Data, &kvs); err != nil {
		return err
	}
	return d.pairs(kvs, func(k string, v goja.Value) error { return o.Set(k, v) })
}

// declareLexical declares the lexical global name with value v.
func (m *Model) declareLexical(l *literals, name string, v goja.Value) error {
	var x lexical
	for _, y := range l.lexical {
		if y.name == name {
			x = y
		}
	}
	if x.name == "" {
		return fmt.Errorf("%s: no longer declared with let, const or class by the document", name)
	}
	const tmp = "__orca_restore_value__"
	prog, err := l.lexicalProgram(x, tmp)
	if err != nil {
		return err
	}
	if err := m.global.DefineDataProperty(tmp, v, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE); err != nil {
		return err
	}
	defer func() { _ = m.global.Delete(tmp) }()
	_, err = m.rt.RunProgram(prog)
	return err
}

// decoder reads one snapshot; objs are the objects by id.
type decoder struct {
	m    *Model
	c    *snapCache
	lits *literals
	objs []*goja.Object
}

// pairs decodes alternating names and values and hands each to set.
func (d *decoder) pairs(list []any, set func(k string, v goja.Value) error) error {
	for i := 0; i+1 < len(list); i += 2 {
		k, ok := list[i].(string)
		if !ok {
			return fmt.Errorf("property name %v is not a string", list[i])
		}
		v, err := d.value(list[i+1])
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		if err := set(k, v); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}

var errSnapshot = errors.New("malformed snapshot")

func (d *decoder) value(x any) (goja.Value, error) {
	rt := d.m.rt
	switch x := x.(type) {
	case nil:
		return goja.Null(), nil
	case bool:
		return rt.ToValue(x), nil
	case string:
		return rt.ToValue(x), nil
	case float64:
		return rt.ToValue(x), nil
	case []any:
		if len(x) == 0 {
			return nil, errSnapshot
		}
		tag, _ := x[0].(string)
		return d.tagged(tag, x[1:])
	}
	return nil, fmt.Errorf("%w: %T", errSnapshot, x)
}

func (d *decoder) register(o *goja.Object) { d.objs = append(d.objs, o) }

func (d *decoder) tagged(tag string, args []any) (goja.Value, error) {
	rt := d.m.rt
	str := func(i int) string {
		if i < len(args) {
			s, _ := args[i].(string)
			return s
		}
		return ""
	}
	num := func(i int) float64 {
		if i >= len(args) {
			return math.NaN()
		}
		switch v := args[i].(type) {
		case float64:
			return v
		case []any:
			if len(v) == 2 && v[0] == "n" {
				switch v[1] {
				case "Infinity":
					return math.Inf(1)
				case "-Infinity":
					return math.Inf(-1)
				case "-0":
					return math.Copysign(0, -1)
				}
			}
		}
		return math.NaN()
	}
	switch tag {
	case "u", "h":
		return goja.Undefined(), nil
	case "n":
		switch str(0) {
		case "NaN":
			return rt.ToValue(math.NaN()), nil
		case "Infinity":
			return rt.ToValue(math.Inf(1)), nil
		case "-Infinity":
			return rt.ToValue(math.Inf(-1)), nil
		case "-0":
			return rt.ToValue(math.Copysign(0, -1)), nil
		}
		return nil, fmt.Errorf("%w: number %q", errSnapshot, str(0))
	case "bi":
		n, ok := new(big.Int).SetString(str(0), 10)
		if !ok {
			return nil, fmt.Errorf("%w: BigInt %q", errSnapshot, str(0))
		}
		return rt.ToValue(n), nil
	case "r":
		id := int(num(0))
		if id < 0 || id >= len(d.objs) {
			return nil, fmt.Errorf("%w: reference to object %d of %d", errSnapshot, id, len(d.objs))
		}
		return d.objs[id], nil
	case "G":
		return d.m.global, nil
	case "g":
		v := d.m.global.Get(str(0))
		if v == nil {
			return nil, fmt.Errorf("the environment has no global %s any more", str(0))
		}
		return v, nil
	case "o", "O":
		o := rt.NewObject()
		if tag == "O" {
			if err := o.SetPrototype(nil); err != nil {
				return nil, err
			}
		}
		d.register(o)
		return o, d.setProps(o, args)
	case "a":
		o := rt.NewArray()
		d.register(o)
		if len(args) == 0 {
			return o, nil
		}
		items, _ := args[0].([]any)
		for i, it := range items {
			if t, ok := it.([]any); ok && len(t) == 1 && t[0] == "h" {
				continue
			}
			v, err := d.value(it)
			if err != nil {
				return nil, fmt.Errorf("%d: %w", i, err)
			}
			if err := o.Set(strconv.Itoa(i), v); err != nil {
				return nil, err
			}
		}
		if err := o.Set("length", len(items)); err != nil {
			return nil, err
		}
		return o, d.setProps(o, args[1:])
	case "d":
		o, err := rt.New(rt.Get("Date"), rt.ToValue(num(0)))
		if err != nil {
			return nil, err
		}
		d.register(o)
		return o, nil
	case "re":
		o, err := rt.New(rt.Get("RegExp"), rt.ToValue(str(0)), rt.ToValue(str(1)))
		if err != nil {
			return nil, err
		}
		d.register(o)
		if li := num(2); !math.IsNaN(li) && li != 0 {
			_ = o.Set("lastIndex", li)
		}
		return o, nil
	case "b":
		if len(args) == 0 {
			return nil, errSnapshot
		}
		p, err := d.value(args[0])
		if err != nil {
			return nil, err
		}
		o := p.ToObject(rt)
		d.register(o)
		return o, nil
	case "E":
		ctor, ok := rt.Get(str(0)).(*goja.Object)
		if !ok || !strings.HasSuffix(str(0), "Error") {
			ctor = rt.Get("Error").(*goja.Object)
		}
		o, err := rt.New(ctor, rt.ToValue(str(1)))
		if err != nil {
			return nil, err
		}
		d.register(o)
		if len(args) < 2 {
			return o, nil
		}
		return o, d.setProps(o, args[2:])
	case "f", "F":
		fn, err := d.function(tag, args)
		if err != nil {
			return nil, err
		}
		d.register(fn)
		rest := args[min(len(args), 1):]
		if tag == "f" {
			rest = args[min(len(args), 2):]
		}
		return fn, d.setProps(fn, rest)
	case "x":
		v := d.m.xmlToJS(str(0))
		if o, ok := v.(*goja.Object); ok {
			d.register(o)
		} else {
			d.register(rt.NewObject())
		}
		return v, nil
	case "e":
		var st interp.EventState
		var ev *interp.Event
		if len(args) > 0 && args[0] != nil {
			b, err := json.Marshal(args[0])
			if err != nil {
				return nil, err
			}
			if err := json.Unmarshal(b, &st); err != nil {
				return nil, err
			}
			x := interp.Event{Name: st.Name, Type: st.Type, SendID: st.SendID, Origin: st.Origin,
				OriginType: st.OriginType, InvokeID: st.InvokeID, Raw: st.Raw}
			if len(st.Data) > 0 {
				data, err := interp.UnmarshalValue(st.Data)
				if err != nil {
					return nil, err
				}
				x.Data = data
			}
			ev = &x
		}
		eo := &eventObject{m: d.m}
		eo.reset(ev)
		o := rt.NewDynamicObject(eo)
		d.register(o)
		return o, nil
	}
	return nil, fmt.Errorf("%w: tag %q", errSnapshot, tag)
}

// setProps sets alternating names and values on o.
func (d *decoder) setProps(o *goja.Object, kvs []any) error {
	return d.pairs(kvs, func(k string, v goja.Value) error { return o.Set(k, v) })
}

// function makes a function again: a literal of the document evaluated in
// the global scope, or a function of the Function constructor.
func (d *decoder) function(tag string, args []any) (*goja.Object, error) {
	rt := d.m.rt
	var prog *goja.Program
	var method bool
	index := -1
	if tag == "F" {
		if len(args) == 0 {
			return nil, errSnapshot
		}
		src, _ := args[0].(string)
		p, err := goja.Compile("", "("+src+"\n)", false)
		if err != nil {
			return nil, err
		}
		prog = p
	} else {
		if len(args) < 2 {
			return nil, errSnapshot
		}
		idx, _ := args[0].(float64)
		hash, _ := args[1].(string)
		f, err := d.lits.find(int(idx), hash)
		if err != nil {
			return nil, err
		}
		if prog, err = d.lits.program(f); err != nil {
			return nil, err
		}
		method, index = f.method, f.index
	}
	v, err := rt.RunProgram(prog)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return nil, fmt.Errorf("%w: a function's source made %v", errSnapshot, v)
	}
	if method {
		o, err = d.method(o)
		if err != nil {
			return nil, err
		}
	}
	if index >= 0 {
		d.c.fnIndex[o] = index
	}
	return o, nil
}

// method returns the method, getter or setter of the object literal o
// holding one.
func (d *decoder) method(o *goja.Object) (*goja.Object, error) {
	v, err := d.m.rt.RunProgram(d.lits.methodProgram())
	if err != nil {
		return nil, err
	}
	get, _ := goja.AssertFunction(v)
	if get == nil {
		return nil, errSnapshot
	}
	fn, err := get(goja.Undefined(), o)
	if err != nil {
		return nil, err
	}
	f, ok := fn.(*goja.Object)
	if !ok {
		return nil, fmt.Errorf("%w: a method's source made no function", errSnapshot)
	}
	return f, nil
}

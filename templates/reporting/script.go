package reporting

import (
	"fmt"
	"reflect"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
)

// ScriptObject is the name of the global object of the ECMAScript face.
const ScriptObject = "_reporting"

// Global is the ECMAScript face, the global _reporting object, as a global
// of the sessions' environment (ecmascript.Options.Globals, or
// ors.Options.Globals): a session makes it when a script first reads it,
// and each of its methods when first read.
//
// Every method but get returns true when the operation was accepted and
// false when it was refused, in which case error.reporting has been raised
// in the session; wrong arguments throw a TypeError.
//
//	_reporting.set(key, value)
//	_reporting.stamp(key)
//	_reporting.increment(key[, by])
//	_reporting.dialing([pending])
//	_reporting.pending(result)
//	_reporting.dialResult(result[, interactionid])
//	_reporting.outbound(interactionid[, callid[, udata]])
//	_reporting.state(state)
//	_reporting.queueStat({queue, interactionid, ewt, position, priority, waited, defaultpriority, fromrequest})
//	_reporting.disposition("STATE.SUBSTATE") or disposition(state, substate)
//	_reporting.attach(keys[, interactionid])   keys: array or "K1 K2"
//	_reporting.start()
//	_reporting.final()
//	_reporting.get(key)                         the collected value, or undefined
//	_reporting.enabled()                        whether the session's reporting is enabled
//	_reporting.fromRequest(key)                 whether the callback request gave the KVP (its _cb_ parameter)
//
// Two properties read the same as enabled and get, without a method made
// in the session (some nine allocations each):
//
//	_reporting.on                               enabled()
//	_reporting.kvp.KEY                          get(KEY), read-only
//
// The object is read-only: assigning or deleting its properties fails (a
// TypeError in strict code).
func (r *Reporter) Global() ecmascript.Global {
	return ecmascript.Global{Name: ScriptObject, Make: func(rt *goja.Runtime, sys interp.System) goja.Value {
		s, ok := sys.(*interp.Session)
		if !ok || s == nil {
			return goja.Undefined()
		}
		return rt.NewDynamicObject(&face{r: r, rt: rt, s: s})
	}}
}

// faceMethodCount is the number of methods of _reporting.
const faceMethodCount = 16

// faceMethods are the methods of _reporting, in the order Keys lists them.
var faceMethods = [faceMethodCount]struct {
	name string
	fn   func(*face, goja.FunctionCall) goja.Value
}{
	{"set", (*face).set}, {"stamp", (*face).stamp}, {"increment", (*face).increment}, {"dialing", (*face).dialing},
	{"pending", (*face).pending}, {"dialResult", (*face).dialResult}, {"outbound", (*face).outbound}, {"state", (*face).state},
	{"queueStat", (*face).queueStat}, {"disposition", (*face).disposition}, {"attach", (*face).attach},
	{"start", (*face).start}, {"final", (*face).final}, {"get", (*face).get}, {"enabled", (*face).enabled},
	{"fromRequest", (*face).fromRequest},
}

// face is the _reporting object of one session, a goja.DynamicObject
// whose methods are made on first read. A session reads few of them (the
// templates read up to eight): the ones made are kept in place while they fit,
// listed after. A live session holds its face as long as it waits, so
// the face holds nothing else: what a method works in (its operation,
// the boxes of its string arguments) is a scratch of the reporter's,
// taken for the call.
type face struct {
	r  *Reporter
	rt *goja.Runtime
	s  *interp.Session
	// sc is the scratch of the method running, nil between calls.
	sc *scratch
	// fns are the first methods made, idx their indexes in faceMethods;
	// more are the others.
	fns  [faceInPlace]goja.Value
	idx  [faceInPlace]uint8
	n    uint8
	more []faceMethod
	// kvp is _reporting.kvp once read.
	kvp goja.Value
}

// The properties of _reporting that are not methods.
const (
	faceOn  = "on"
	faceKVP = "kvp"
)

// faceInPlace is the number of methods a face keeps in place.
const faceInPlace = 8

// faceMethod is a method of a face made, by index in faceMethods.
type faceMethod struct {
	fn goja.Value
	i  int
}

func methodIndex(name string) int {
	for i := range faceMethods {
		if faceMethods[i].name == name {
			return i
		}
	}
	return -1
}

// Get returns method name.
func (f *face) Get(name string) goja.Value {
	i := methodIndex(name)
	if i < 0 {
		switch name {
		case faceOn:
			return f.call((*face).enabled, goja.FunctionCall{})
		case faceKVP:
			if f.kvp == nil {
				f.kvp = f.rt.NewDynamicObject(kvpView{f})
			}
			return f.kvp
		}
		return nil
	}
	for j := range f.n {
		if int(f.idx[j]) == i {
			return f.fns[j]
		}
	}
	for _, m := range f.more {
		if m.i == i {
			return m.fn
		}
	}
	fn := faceMethods[i].fn
	v := f.rt.ToValue(func(call goja.FunctionCall) goja.Value { return f.call(fn, call) })
	if int(f.n) < len(f.fns) {
		f.fns[f.n], f.idx[f.n] = v, uint8(i)
		f.n++
	} else {
		f.more = append(f.more, faceMethod{fn: v, i: i})
	}
	return v
}

// call runs method fn in a scratch of the reporter's. A method called
// inside another (from a getter its arguments' export ran) takes its own.
func (f *face) call(fn func(*face, goja.FunctionCall) goja.Value, call goja.FunctionCall) goja.Value {
	prev := f.borrow()
	defer f.giveBack(prev)
	return fn(f, call)
}

// borrow gives f a scratch of the reporter's, for one method's time, and
// returns the one it had (giveBack).
func (f *face) borrow() (prev *scratch) {
	prev, f.sc = f.sc, f.r.getScratch()
	return prev
}

// giveBack returns f's scratch to the reporter and gives f back prev.
func (f *face) giveBack(prev *scratch) {
	f.r.putScratch(f.sc)
	f.sc = prev
}

// Has reports the methods.
func (f *face) Has(name string) bool {
	return methodIndex(name) >= 0 || name == faceOn || name == faceKVP
}

// Set refuses: the object is read-only.
func (f *face) Set(string, goja.Value) bool { return false }

// Delete refuses.
func (f *face) Delete(string) bool { return false }

// Keys lists the methods (on and kvp are not enumerated).
func (f *face) Keys() []string {
	keys := make([]string, len(faceMethods))
	for i, m := range faceMethods {
		keys[i] = m.name
	}
	return keys
}

// run runs one operation and returns whether it was accepted. do must
// not run a script (the reporter is locked meanwhile).
func (f *face) run(name string, do func(o *op)) goja.Value {
	o := f.begin(name)
	defer f.done()
	do(o)
	return f.rt.ToValue(o.end())
}

// begin begins an operation in the scratch's op.
func (f *face) begin(name string) *op { return f.r.begin(&f.sc.o, f.s, name, zeroPos) }

// done clears the scratch's op for the next operation.
func (f *face) done() { f.sc.o = op{} }

// scalar returns a's value as scalarString does, without exporting a
// string.
func scalar(a goja.Value) (string, error) {
	if s, ok := a.(goja.String); ok {
		return s.String(), nil
	}
	return scalarString(a.Export())
}

// str returns argument i as a string, throwing a TypeError when it is
// missing (and required) or not a scalar.
func (f *face) str(call goja.FunctionCall, i int, name, what string, required bool) string {
	a := call.Argument(i)
	if goja.IsUndefined(a) || goja.IsNull(a) {
		if required {
			panic(f.rt.NewTypeError(fmt.Sprintf("%s.%s: missing %s", ScriptObject, name, what)))
		}
		return ""
	}
	s, err := scalar(a)
	if err != nil {
		panic(f.rt.NewTypeError(fmt.Sprintf("%s.%s: %s: %v", ScriptObject, name, what, err)))
	}
	return s
}

// arg returns argument i exported, throwing when it is missing. A
// string is boxed from the scratch's slab rather than by Export.
func (f *face) arg(call goja.FunctionCall, i int, name, what string) any {
	a := call.Argument(i)
	if goja.IsUndefined(a) {
		panic(f.rt.NewTypeError(fmt.Sprintf("%s.%s: missing %s", ScriptObject, name, what)))
	}
	if s, ok := a.(goja.String); ok {
		return f.sc.strs.String(s.String())
	}
	return export(a)
}

// export is a's Go value: a primitive as goja exports it, an object or
// array as the data model converts it (ecmascript.Export), which reads a
// Go-backed object (a data model's _event.data: ecmascript.NewLazyObject),
// at any depth, as the object it is where goja's own Export would give its
// handler.
func export(a goja.Value) any {
	if o, ok := a.(*goja.Object); ok {
		if _, fn := goja.AssertFunction(o); !fn {
			if x, err := ecmascript.Export(a); err == nil {
				return x
			}
		}
	}
	return a.Export()
}

func (f *face) set(call goja.FunctionCall) goja.Value {
	key := f.str(call, 0, "set", "key", true)
	v := f.arg(call, 1, "set", "value")
	return f.run("set", func(o *op) { o.set(key, v) })
}

func (f *face) stamp(call goja.FunctionCall) goja.Value {
	key := f.str(call, 0, "stamp", "key", true)
	return f.run("stamp", func(o *op) { o.stamp(key) })
}

func (f *face) increment(call goja.FunctionCall) goja.Value {
	key := f.str(call, 0, "increment", "key", true)
	var by any
	if a := call.Argument(1); !goja.IsUndefined(a) {
		by = export(a)
	}
	return f.run("increment", func(o *op) { o.increment(key, by) })
}

func (f *face) dialing(call goja.FunctionCall) goja.Value {
	var pending any
	if a := call.Argument(0); !goja.IsUndefined(a) {
		pending = export(a)
	}
	return f.run("dialing", func(o *op) { o.dialing(pending) })
}

func (f *face) pending(call goja.FunctionCall) goja.Value {
	result := f.arg(call, 0, "pending", "result")
	return f.run("pending", func(o *op) { o.setPending(result) })
}

func (f *face) outbound(call goja.FunctionCall) goja.Value {
	ixn := f.str(call, 0, "outbound", "interactionid", true)
	callID := f.str(call, 1, "outbound", "callid", false)
	var udata any
	if a := call.Argument(2); !goja.IsUndefined(a) && !goja.IsNull(a) {
		udata = export(a)
	}
	return f.run("outbound", func(o *op) { o.outbound(ixn, callID, udata) })
}

func (f *face) state(call goja.FunctionCall) goja.Value {
	v := f.arg(call, 0, "state", "state")
	return f.run("state", func(o *op) { o.state(v) })
}

func (f *face) queueStat(call goja.FunctionCall) goja.Value {
	a := call.Argument(0)
	if goja.IsUndefined(a) {
		panic(f.rt.NewTypeError(fmt.Sprintf("%s.%s: missing %s", ScriptObject, "queueStat", "options")))
	}
	// A plain object, read property by property rather than exported
	// whole.
	arg, ok := a.(*goja.Object)
	if !ok || arg.ExportType() != reflect.TypeFor[map[string]any]() {
		panic(f.rt.NewTypeError(ScriptObject + ".queueStat: the argument must be an object"))
	}
	prop := func(name string) goja.Value {
		v := arg.Get(name)
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			return nil
		}
		return v
	}
	str := func(name string) string {
		v := prop(name)
		if v == nil {
			return ""
		}
		s, err := scalar(v)
		if err != nil {
			panic(f.rt.NewTypeError(fmt.Sprintf("%s.queueStat: %s: %v", ScriptObject, name, err)))
		}
		return s
	}
	keys := statKeys{ewt: str("ewt"), position: str("position"), priority: str("priority"), waited: str("waited")}
	queue, ixn := str("queue"), str("interactionid")
	var def any
	if v := prop("defaultpriority"); v != nil {
		def = v.Export()
	}
	var keep bool
	switch from := str("fromrequest"); from {
	case "", "log":
	case "keep":
		keep = true
	default:
		panic(f.rt.NewTypeError(fmt.Sprintf("%s.queueStat: fromrequest is keep or log, not %q", ScriptObject, from)))
	}
	return f.run("queuestat", func(o *op) {
		o.keepRequest = keep
		o.queueStat(queue, ixn, keys, def)
	})
}

func (f *face) dialResult(call goja.FunctionCall) goja.Value {
	result := f.arg(call, 0, "dialResult", "result")
	ixn := f.str(call, 1, "dialResult", "interactionid", false)
	return f.run("dialresult", func(o *op) { o.dialResult(result, ixn) })
}

func (f *face) disposition(call goja.FunctionCall) goja.Value {
	v := f.arg(call, 0, "disposition", "value")
	if sub := call.Argument(1); !goja.IsUndefined(sub) {
		v = f.str(call, 0, "disposition", "state", true) + "." + f.str(call, 1, "disposition", "substate", true)
	}
	return f.run("disposition", func(o *op) { o.disposition(v) })
}

func (f *face) attach(call goja.FunctionCall) goja.Value {
	var keys []string
	switch v := f.arg(call, 0, "attach", "keys").(type) {
	case string:
		keys = attachKeys(v)
	case []any:
		for _, k := range v {
			s, err := scalarString(k)
			if err != nil {
				panic(f.rt.NewTypeError(fmt.Sprintf("%s.attach: keys: %v", ScriptObject, err)))
			}
			keys = append(keys, s)
		}
	default:
		panic(f.rt.NewTypeError(ScriptObject + ".attach: keys must be an array or a string"))
	}
	ixn := f.str(call, 1, "attach", "interactionid", false)
	return f.run("attach", func(o *op) { o.attach(keys, ixn) })
}

func (f *face) start(goja.FunctionCall) goja.Value {
	return f.run("start", func(o *op) { o.send(false) })
}

func (f *face) final(goja.FunctionCall) goja.Value {
	return f.run("final", func(o *op) { o.final(endStrategy) })
}

func (f *face) get(call goja.FunctionCall) goja.Value {
	v, ok := f.value(f.str(call, 0, "get", "key", true))
	if !ok {
		return goja.Undefined()
	}
	return f.rt.ToValue(v)
}

// value is the collected value of KVP key; ok is false when it has none.
func (f *face) value(key string) (v any, ok bool) {
	o := f.begin("get")
	defer f.done()
	defer o.end()
	if e := o.c.cat.entry(key); e != nil {
		o.c.derive(nil)
		var x val
		x, ok = o.c.lookup(e.Key)
		v = x.any()
	}
	return v, ok
}

// kvpView is _reporting.kvp: the collected values by key, read-only.
// It is an ecmascript.HostView: a snapshot refuses a variable holding it.
type kvpView struct{ f *face }

// HostView names the view for a snapshot's refusal.
func (kvpView) HostView() string { return ScriptObject + ".kvp" }

// Get returns the value of KVP key, as _reporting.get(key).
func (k kvpView) Get(key string) goja.Value {
	v, ok := k.lookup(key)
	if !ok {
		return nil
	}
	return k.f.rt.ToValue(v)
}

// Has reports whether KVP key has a value.
func (k kvpView) Has(key string) bool {
	_, ok := k.lookup(key)
	return ok
}

// lookup reads KVP key in a scratch of the reporter's, as a method would.
func (k kvpView) lookup(key string) (any, bool) {
	prev := k.f.borrow()
	defer k.f.giveBack(prev)
	return k.f.value(key)
}

// Set refuses: the object is read-only.
func (kvpView) Set(string, goja.Value) bool { return false }

// Delete refuses.
func (kvpView) Delete(string) bool { return false }

// Keys lists the KVPs of the catalogue that have a value.
func (k kvpView) Keys() []string {
	var keys []string
	for _, key := range k.f.r.cat.Keys() {
		if k.Has(key) {
			keys = append(keys, key)
		}
	}
	return keys
}

// fromRequest says whether the callback request gave KVP key by its
// request parameter (_cb_...): the KVP then keeps the request's value.
func (f *face) fromRequest(call goja.FunctionCall) goja.Value {
	key := f.str(call, 0, "fromRequest", "key", true)
	o := f.begin("fromRequest")
	given := false
	if e := o.c.cat.entry(key); e != nil {
		i, _ := o.c.index(e.Key)
		given = o.c.fromParam(i)
	}
	o.end()
	f.done()
	return f.rt.ToValue(given)
}

func (f *face) enabled(goja.FunctionCall) goja.Value {
	o := f.begin("enabled")
	on := o.c.svc.Enable
	o.end()
	f.done()
	return f.rt.ToValue(on)
}

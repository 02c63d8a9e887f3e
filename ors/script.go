package ors

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// setupScript installs the eager part of the ORS script environment in
// the runtime of an ORS document's session — _data, toSource (when the
// document names it), the clock Date follows — and runs the host's Setup
// hooks. W3C documents are left alone. The rest of the environment is in
// globals, made when a script first reads them.
func (r *Runtime) setupScript(rt *goja.Runtime, sys interp.System, doc *scxml.Document) error {
	r.setLocal(sys)
	if err := r.setupORS(rt, sys, doc); err != nil {
		return err
	}
	for _, f := range r.opts.Setup {
		if err := f(rt, sys, doc); err != nil {
			return err
		}
	}
	return nil
}

// setupORS installs _data and toSource in ORS documents, and makes Date
// follow the engine's clock.
func (r *Runtime) setupORS(rt *goja.Runtime, sys interp.System, doc *scxml.Document) error {
	if doc == nil || doc.Dialect != scxml.ORS {
		return nil
	}
	s, _ := sys.(*interp.Session)
	if r.namesToSource(doc) {
		if err := r.setupToSource(rt); err != nil {
			return fmt.Errorf("toSource: %w", err)
		}
	}
	var params params = noParams{}
	if s != nil {
		params = s
		// Date follows the engine's clock, so that strategies see the
		// virtual time of tests.
		rt.SetTimeSource(s.Engine().Clock().Now)
	}
	if err := rt.GlobalObject().DefineDataProperty("_data", newDataObject(rt, params), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE); err != nil {
		return fmt.Errorf("_data: %w", err)
	}
	return nil
}

// globals returns the globals of the script environment of doc's
// sessions: the ORS ones (__Log, __Raise, __GetDocumentURL,
// __GetCurrentStates, _genesys, _my_prefix) in ORS documents, and the
// host's (Options.Globals) in every document.
func (r *Runtime) globals(doc *scxml.Document) []ecmascript.Global {
	var gs []ecmascript.Global
	if doc != nil && doc.Dialect == scxml.ORS {
		fn := func(f func(e *scriptEnv) any) func(*goja.Runtime, interp.System) goja.Value {
			return func(rt *goja.Runtime, sys interp.System) goja.Value {
				s, _ := sys.(*interp.Session)
				return rt.ToValue(f(&scriptEnv{r: r, rt: rt, s: s, doc: doc}))
			}
		}
		gs = append(gs,
			ecmascript.Global{Name: "__Log", Make: fn(func(e *scriptEnv) any { return e.log })},
			ecmascript.Global{Name: "__Raise", Make: fn(func(e *scriptEnv) any { return e.raise })},
			ecmascript.Global{Name: "__GetDocumentURL", Make: fn(func(*scriptEnv) any { return func() string { return doc.File } })},
			ecmascript.Global{Name: "__GetCurrentStates", Make: fn(func(e *scriptEnv) any { return e.currentStates })},
			ecmascript.Global{Name: "_genesys", Make: func(rt *goja.Runtime, sys interp.System) goja.Value {
				s, _ := sys.(*interp.Session)
				return (&scriptEnv{r: r, rt: rt, s: s, doc: doc}).genesys()
			}},
			// _my_prefix is the include prefix of the state whose
			// content is running ("" outside spliced states).
			ecmascript.Global{Name: "_my_prefix", EveryRead: true, Make: func(rt *goja.Runtime, sys interp.System) goja.Value {
				if s, ok := sys.(*interp.Session); ok && s != nil {
					return rt.ToValue(s.Prefix())
				}
				return rt.ToValue("")
			}},
		)
	}
	return append(gs, r.opts.Globals...)
}

// namesToSource reports whether an expression or script of doc names
// toSource: sessions of other documents do without it (a function, and
// the Object constructor it is reached through, about 2 KB a session).
// The answer is kept per document.
func (r *Runtime) namesToSource(doc *scxml.Document) bool {
	r.docMu.Lock()
	defer r.docMu.Unlock()
	named, ok := r.toSourceDocs[doc]
	if !ok {
		for _, e := range doc.Exprs {
			if strings.Contains(e.Src, "toSource") {
				named = true
				break
			}
		}
		if r.toSourceDocs == nil {
			r.toSourceDocs = make(map[*scxml.Document]bool)
		}
		r.toSourceDocs[doc] = named
	}
	return named
}

// setupToSource defines toSource on Object.prototype, writable,
// configurable and not enumerable.
func (r *Runtime) setupToSource(rt *goja.Runtime) error {
	fn, err := rt.RunProgram(r.toSrc)
	if err != nil {
		return err
	}
	proto, ok := rt.Get("Object").(*goja.Object)
	if !ok {
		return fmt.Errorf("no Object")
	}
	return proto.Get("prototype").(*goja.Object).DefineDataProperty("toSource", fn, goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

// scriptEnv is the ORS script environment of one session.
type scriptEnv struct {
	r   *Runtime
	rt  *goja.Runtime
	s   *interp.Session
	doc *scxml.Document
}

func (e *scriptEnv) sid() string {
	if e.s == nil {
		return ""
	}
	return e.s.ID()
}

func (e *scriptEnv) log(call goja.FunctionCall) goja.Value {
	if e.r.opts.Log != nil && e.s != nil {
		e.r.opts.Log(e.s, call.Argument(0).String())
	}
	return goja.Undefined()
}

func (e *scriptEnv) raise(call goja.FunctionCall) goja.Value {
	name := call.Argument(0).String()
	if name == "" || goja.IsUndefined(call.Argument(0)) {
		panic(e.rt.NewTypeError("__Raise: missing event name"))
	}
	data, err := export(call.Argument(1))
	if err != nil {
		panic(e.rt.NewTypeError("__Raise: " + err.Error()))
	}
	if e.s != nil {
		e.s.Raise(&interp.Event{Name: name, Type: interp.Internal, Data: data})
	}
	return goja.Undefined()
}

func (e *scriptEnv) currentStates() goja.Value {
	var ids []string
	if e.s != nil {
		ids = e.s.Active()
	}
	items := make([]any, len(ids))
	for i, id := range ids {
		items[i] = id
	}
	return e.rt.NewArray(items...)
}

// ixnArg returns the interaction id argument v, or the session's first
// interaction when v is undefined.
func (e *scriptEnv) ixnArg(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return e.r.FirstInteraction(e.sid())
	}
	return v.String()
}

// setuData(obj[, ixnid]) updates the interaction's user data and returns
// the request id; interaction.udata.changed follows.
func (e *scriptEnv) setuData(call goja.FunctionCall) goja.Value {
	v, err := export(call.Argument(0))
	if err != nil {
		panic(e.rt.NewTypeError("setuData: " + err.Error()))
	}
	if m, ok := v.(map[string]any); ok {
		// A key whose value is undefined or null carries nothing a
		// KVList can hold: it is left out, not attached empty.
		for k, x := range m {
			if x == nil {
				delete(m, k)
			}
		}
	}
	ud, err := telephony.FromNeutral(v)
	if err != nil {
		panic(e.rt.NewTypeError("setuData: " + err.Error()))
	}
	return e.changeuData("setudata", telephony.Update, ud, call.Argument(1))
}

// deleteuData(key|keys[, ixnid]) deletes keys of the interaction's user
// data (all of it when key is undefined) and returns the request id.
func (e *scriptEnv) deleteuData(call goja.FunctionCall) goja.Value {
	var ud telephony.UserData
	v, err := export(call.Argument(0))
	if err != nil {
		panic(e.rt.NewTypeError("deleteuData: " + err.Error()))
	}
	switch v := v.(type) {
	case nil:
	case []any:
		for _, k := range v {
			ud = append(ud, telephony.KV{Key: fmt.Sprint(k), Value: ""})
		}
	default:
		ud = telephony.UserData{{Key: fmt.Sprint(v), Value: ""}}
	}
	return e.changeuData("deleteudata", telephony.Delete, ud, call.Argument(1))
}

func (e *scriptEnv) changeuData(name string, op telephony.UserDataOp, ud telephony.UserData, ixnArg goja.Value) goja.Value {
	id := e.ixnArg(ixnArg)
	x, ok := e.r.Interaction(id)
	if !ok {
		panic(e.rt.NewTypeError(name + ": unknown interaction " + strconv.Quote(id)))
	}
	p := e.r.opts.Port
	if p == nil || e.s == nil {
		panic(e.rt.NewTypeError(name + ": no telephony port"))
	}
	reqID := e.r.newRequestID()
	e.r.mu.Lock()
	ref, err := p.UpdateUserData(telephony.UserDataChange{Op: op, ConnID: x.ConnID, ThisDN: x.ThisDN, UserData: ud})
	if err == nil {
		e.r.pending[ref] = &request{session: e.s.ID(), module: "ixn", action: name, id: reqID, ixn: id}
	}
	e.r.mu.Unlock()
	if err != nil {
		panic(e.rt.NewGoError(fmt.Errorf("%s: %w", name, err)))
	}
	return e.rt.ToValue(reqID)
}

// getuData([ixnid]) returns the interaction's user data as an object.
func (e *scriptEnv) getuData(call goja.FunctionCall) goja.Value {
	x, ok := e.r.Interaction(e.ixnArg(call.Argument(0)))
	if !ok {
		return goja.Undefined()
	}
	return toJS(e.rt, x.UserData.Neutral())
}

// toJS converts a neutral value to a native JavaScript value.
func toJS(rt *goja.Runtime, v any) goja.Value {
	switch v := v.(type) {
	case nil:
		return goja.Null()
	case map[string]any:
		obj := rt.NewObject()
		for _, k := range slices.Sorted(maps.Keys(v)) {
			_ = obj.Set(k, toJS(rt, v[k]))
		}
		return obj
	case []any:
		items := make([]any, len(v))
		for i, x := range v {
			items[i] = toJS(rt, x)
		}
		return rt.NewArray(items...)
	}
	return rt.ToValue(v)
}

// export converts a JavaScript value to neutral form as the data model
// does (ecmascript.Export: numbers float64, Go-backed objects such as
// _event.data read as the objects they are); undefined and null are nil.
func export(v goja.Value) (any, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	return ecmascript.Export(v)
}

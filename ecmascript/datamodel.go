package ecmascript

import (
	"errors"
	"fmt"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/internal/box"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// maxCallStack bounds the depth of JavaScript calls, so that runaway
// recursion is a RangeError rather than unbounded memory growth.
const maxCallStack = 1 << 14

// Model is the ECMAScript data model of one session: a goja runtime with
// the system variables bound, running the programs its document was
// compiled into. It implements interp.Datamodel and Budgeted. Apart from
// Interrupt, BeginMacrostep and EndMacrostep's coordination with a
// Watchdog, it must be used from one goroutine.
type Model struct {
	p      *program
	rt     *goja.Runtime
	global *goja.Object
	sys    interp.System
	closed bool

	ev      eventObject
	io      ioProcessors
	evObj   *goja.Object
	evBound bool

	// The system variables (system.go): evVal is _event's value (nil
	// before the first event), the others are made when first read.
	// sysOwn says they are own properties of the global object, guarded
	// that the guards are installed on builtins, the environment's
	// prototype.
	evVal goja.Value
	// ownEv is the object of the current event with OwnEvents, evRead
	// says a script has read it (event.go).
	ownEv     *ownEvent
	evRead    bool
	sessionID goja.Value
	name      goja.Value
	ioObj     *goja.Object
	x         *goja.Object
	builtins  *goja.Object
	sysOwn    bool
	guarded   bool

	// own says which <data> variables the model made (assign.go).
	own ownVars

	// setVal is the value a location's program assigns (assignTo).
	setVal goja.Value
	// strs boxes the strings and numbers export gives the host.
	strs box.Slab

	// Helpers created on first use.
	jsonParse goja.Callable
	arrayFrom goja.Callable
	dom       *domFuncs

	// env is the session's environment, the global object's prototype
	// (env.go); scriptsRun counts the document's top-level scripts
	// started.
	env        env
	scriptsRun int

	// macro is the macrostep accounting a Watchdog reads.
	macro macrostep
	// enterStep is the step Enter runs from In; runs counts the
	// evaluations of the current step, entered says whether steps run
	// entered (enter.go).
	enterStep interp.Step
	runs      int
	entered   bool
	// snap is what snapshots keep between calls (snapshot.go).
	snap *snapCache
}

var (
	_ interp.Datamodel = (*Model)(nil)
	_ Budgeted         = (*Model)(nil)
)

func newModel(p *program) *Model {
	m := &Model{p: p, rt: goja.New(), entered: p.enterFirst}
	m.rt.SetMaxCallStackSize(maxCallStack)
	m.newGlobalObject()
	m.ev.m = m
	m.io.m = m
	return m
}

// Setup binds the system variables _sessionid, _name, _ioprocessors and
// _x, all read-only; _event is bound, read-only and undefined until the
// first SetEvent (system.go). In is a global of the environment.
func (m *Model) Setup(sys interp.System) error {
	if m.closed {
		return ErrClosed
	}
	m.sys = sys
	if m.p.sysRisky {
		if err := m.ownSystem(); err != nil {
			return err
		}
	}
	return m.runSetup(sys)
}

// Declare declares the global variable id with the neutral value v (nil
// declares it undefined). Declaring a system variable is an error.
func (m *Model) Declare(id string, v any) error {
	if m.closed {
		return ErrClosed
	}
	val := goja.Undefined()
	if v != nil {
		val = m.toJS(v)
	}
	if err := m.declare(id, val); err != nil {
		return fmt.Errorf("declare %q: %w", id, err)
	}
	return nil
}

// declare declares id, or assigns it when it exists, and mirrors it into
// the data object (Options.DataObject).
func (m *Model) declare(id string, v goja.Value) error {
	if m.p.dataObject != "" {
		if obj, ok := m.global.Get(m.p.dataObject).(*goja.Object); ok {
			if err := obj.Set(id, v); err != nil {
				return err
			}
		}
	}
	return m.defineVar(id, v)
}

// defineVar makes id a variable of the global object (writable,
// enumerable, not configurable), or assigns it when it is a global
// already.
func (m *Model) defineVar(id string, v goja.Value) error {
	if m.global.Get(id) != nil {
		return m.global.Set(id, v)
	}
	if err := m.global.DefineDataProperty(id, v, goja.FLAG_TRUE, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
		return err
	}
	if ord := m.p.dataOrd[id]; ord > 0 {
		m.own.add(ord)
	}
	return nil
}

// InitData declares d.ID with the value of its expr or content (§5.2,
// Appendix B.2.2). When that value cannot be computed the variable is
// declared undefined and the error returned (W3C test 277).
func (m *Model) InitData(d *scxml.Data) error {
	if m.closed {
		return ErrClosed
	}
	v, err := m.dataValue(d)
	if err != nil {
		if derr := m.declare(d.ID, goja.Undefined()); derr != nil {
			return posError(d.Pos, "data %q: %w", d.ID, derr)
		}
		return err
	}
	if err := m.declare(d.ID, v); err != nil {
		return posError(d.Pos, "data %q: %w", d.ID, err)
	}
	return nil
}

func (m *Model) dataValue(d *scxml.Data) (goja.Value, error) {
	switch {
	case d.Expr != nil:
		return m.value(d.Expr)
	case d.Content != nil:
		return m.contentJS(d.Content, d.Pos)
	}
	return goja.Undefined(), nil
}

// Cond evaluates a guard and converts its value by ToBoolean.
func (m *Model) Cond(e *scxml.Expr) (bool, error) {
	if m.closed {
		return false, ErrClosed
	}
	v, err := m.value(e)
	if err != nil {
		return false, err
	}
	return v.ToBoolean(), nil
}

// Eval evaluates e and exports its value in neutral form.
func (m *Model) Eval(e *scxml.Expr) (any, error) { return m.eval(e, false) }

// eval is Eval, or EvalShared when shared is set.
func (m *Model) eval(e *scxml.Expr, shared bool) (any, error) {
	if m.closed {
		return nil, ErrClosed
	}
	v, err := m.value(e)
	if err != nil {
		return nil, err
	}
	if shared {
		if x, ok := sharedData(v); ok {
			return x, nil
		}
	}
	out, err := m.export(v)
	if err != nil {
		return nil, m.evalError(e, err)
	}
	return out, nil
}

// EvalString evaluates e and converts its value by ToString.
func (m *Model) EvalString(e *scxml.Expr) (string, error) {
	if m.closed {
		return "", ErrClosed
	}
	v, err := m.value(e)
	if err != nil {
		return "", err
	}
	var s string
	if err := m.guard(func() { s = v.String() }); err != nil {
		return "", m.evalError(e, err)
	}
	return s, nil
}

// Assign executes an <assign>: the location must be declared and writable.
func (m *Model) Assign(a *scxml.Assign) error {
	if m.closed {
		return ErrClosed
	}
	if a.Location == nil {
		return posError(a.Pos, "assign without location")
	}
	ap := m.p.assignFor(a)
	if ap != nil && ap.data > 0 && m.own.has(ap.data) {
		return m.assignData(a, ap)
	}
	if ap != nil && ap.prog != nil {
		m.runs++
		if _, err := m.rt.RunProgram(ap.prog); err != nil {
			return m.assignError(a, ap, err)
		}
		return nil
	}
	v := goja.Undefined()
	var err error
	switch {
	case a.Expr != nil:
		v, err = m.value(a.Expr)
	case a.Content != nil:
		v, err = m.contentJS(a.Content, a.Pos)
	}
	if err != nil {
		return err
	}
	return m.assignTo(a.Location, v)
}

// SetLocation assigns the neutral value v to the location loc.
func (m *Model) SetLocation(loc *scxml.Expr, v any) error {
	if m.closed {
		return ErrClosed
	}
	val := goja.Undefined()
	if v != nil {
		val = m.toJS(v)
	}
	return m.assignTo(loc, val)
}

// Exec runs a <script> in the global scope: its var and function
// declarations become global variables.
func (m *Model) Exec(s *scxml.Script) error {
	if m.closed {
		return ErrClosed
	}
	if s.Body == nil {
		return nil
	}
	if k := m.p.scriptOrd[s.Body.Index]; k > m.scriptsRun && m.p.exprs[s.Body.Index].expr == s.Body {
		m.scriptsRun = k
	}
	_, err := m.value(s.Body)
	return err
}

// Content returns the value of a <content> in neutral form: its expr's
// value, or the inline text read as JSON, XML (*interp.XMLNode), a number,
// or otherwise the space-normalised string (W3C tests 179, 562, 578).
// Empty content is nil.
func (m *Model) Content(c *scxml.Content) (any, error) {
	if m.closed {
		return nil, ErrClosed
	}
	if c.Expr != nil {
		return m.Eval(c.Expr)
	}
	in, err := readInline(c.Text, c.XML)
	if err != nil {
		return nil, posError(c.Pos, "content: %w", err)
	}
	return in.neutral()
}

// Interrupt stops the evaluation in progress, which returns an error
// wrapping ErrInterrupted and naming reason. If no evaluation is running,
// the next one is stopped. It may be called from any goroutine.
func (m *Model) Interrupt(reason string) {
	m.rt.Interrupt(reason)
}

// Close releases the data model and detaches it from its Watchdog lane.
// Later calls return ErrClosed.
func (m *Model) Close() {
	if m.closed {
		return
	}
	m.closed = true
	m.detach()
	m.ev.reset(nil)
	m.sys = nil
}

// value runs the program of e and returns its value.
func (m *Model) value(e *scxml.Expr) (goja.Value, error) {
	c := m.p.lookup(e)
	if c.err != nil {
		return nil, c.err
	}
	if c.lit != nil {
		return c.lit, nil
	}
	if c.risky && !m.sysOwn {
		if err := m.ownSystem(); err != nil {
			return nil, err
		}
	}
	m.runs++
	v, err := m.rt.RunProgram(c.prog)
	if err != nil {
		return nil, m.evalError(e, err)
	}
	return v, nil
}

// assignTo assigns v to the location loc. The location's program reads
// v as setterParam, a global of the environment that serves it.
func (m *Model) assignTo(loc *scxml.Expr, v goja.Value) error {
	c := m.p.lookup(loc)
	if c.err != nil {
		return c.err
	}
	if c.set == nil {
		return exprError(loc, errors.New("not a location expression"))
	}
	if c.risky && !m.sysOwn {
		if err := m.ownSystem(); err != nil {
			return err
		}
	}
	m.runs++
	prev := m.setVal
	m.setVal = v
	_, err := m.rt.RunProgram(c.set)
	m.setVal = prev
	if err != nil {
		return m.evalError(loc, err)
	}
	return nil
}

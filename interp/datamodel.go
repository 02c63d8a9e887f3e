package interp

import (
	"github.com/orca-scxml/orca/scxml"
)

// EventType is the type of an event (§5.10.1 _event.type).
type EventType uint8

// The event types.
const (
	External EventType = iota
	Internal
	Platform
)

// String returns "external", "internal" or "platform".
func (t EventType) String() string {
	switch t {
	case Internal:
		return "internal"
	case Platform:
		return "platform"
	}
	return "external"
}

// Event is an SCXML event (§5.10.1). Data is a data-model-neutral value:
// nil, bool, float64, string, []any, map[string]any, *XMLNode, SendIDData,
// or a value a data model's Export produced; it crosses sessions
// unchanged.
type Event struct {
	Name       string
	Type       EventType
	SendID     string
	Origin     string
	OriginType string
	InvokeID   string
	Data       any
	// Raw is the event as it arrived from an I/O processor, when it has a
	// wire form ("" otherwise).
	Raw string
}

// SendIDData is the data of the events an ORS document's <cancel> sends
// back (cancel.successful, error.notallowed): the object {"sendid": id},
// held without a map of its own per event. Data models present it as
// that object, MarshalValue and encoding/json encode it as one, and
// Map returns it as one.
type SendIDData struct {
	SendID string
}

// Map returns d as the map it stands for.
func (d SendIDData) Map() map[string]any { return map[string]any{"sendid": d.SendID} }

// MarshalJSON encodes d as the object it stands for.
func (d SendIDData) MarshalJSON() ([]byte, error) { return AppendValue(nil, d) }

// XMLNode is parsed XML carried as event or data value: the data model
// presents it as a DOM. Text is the markup the node was parsed from.
type XMLNode struct {
	Text string
}

// Datamodel is one session's data model (§5). The interpreter calls it from
// a single goroutine. Errors it returns become error.execution in the
// session (§5.10: errors in expressions and assignments).
type Datamodel interface {
	// Setup binds the system variables (§5.10): _sessionid, _name,
	// _ioprocessors, _x, and In(). It is called once, before any data.
	Setup(sys System) error
	// InitData declares d.ID and gives it its initial value from expr,
	// src or inline content. On error the variable is still declared (its
	// value undefined/null) and the error is returned.
	InitData(d *scxml.Data) error
	// Declare declares the variable id with a neutral value (nil declares
	// it undefined). The interpreter uses it for late binding (variables
	// exist from the start, §5.3.3) and for values an invoking session
	// passes to top-level data (§6.4.4).
	Declare(id string, v any) error
	// SetEvent binds _event to e (§5.10.1); e stays valid until the next
	// call.
	SetEvent(e *Event)
	// Cond evaluates a guard. A non-boolean result is converted by the
	// data model's rules; an error is returned as such (the caller treats
	// the guard as false and raises error.execution).
	Cond(e *scxml.Expr) (bool, error)
	// Eval evaluates e and exports its value in neutral form (see Event).
	Eval(e *scxml.Expr) (any, error)
	// EvalString evaluates e and converts the result to a string by the
	// data model's rules (eventexpr, targetexpr, delayexpr, ...).
	EvalString(e *scxml.Expr) (string, error)
	// Assign executes an <assign>. It is an error to assign to a location
	// that was not declared, or to a system variable.
	Assign(a *scxml.Assign) error
	// SetLocation assigns a neutral value to a location expression
	// (idlocation, invoke idlocation).
	SetLocation(loc *scxml.Expr, v any) error
	// Exec runs a <script>.
	Exec(s *scxml.Script) error
	// Foreach runs a <foreach>: it iterates a shallow copy of the array,
	// assigning item (and index) before each call of body, and stops at the
	// first error body returns (which it returns).
	Foreach(f *scxml.Foreach, body func() error) error
	// Content returns the value of a <content> element in neutral form:
	// its expr's value, or the inline text as the data model reads it
	// (JSON, XML as *XMLNode, a number, otherwise the string as written).
	Content(c *scxml.Content) (any, error)
	// Interrupt stops a running script from another goroutine; the
	// evaluation in progress returns an error. It is the only method that
	// may be called concurrently.
	Interrupt(reason string)
	// Close releases the data model.
	Close()
}

// Entered is implemented by data models that evaluate a step's
// expressions faster from within one call of their own. The interpreter
// runs each step of a session — its start, or one external event and the
// macrostep that follows — as Enter(step); Enter calls step.Run once, on
// the caller's goroutine, before it returns.
type Entered interface {
	Enter(step Step)
}

// Step is a session's next step, which Entered.Enter runs.
type Step interface {
	// Run runs the step.
	Run()
	// Quiet reports whether the step evaluates nothing, as far as the
	// chart tells before it runs: an external event that no transition
	// of the configuration names, in a configuration without eventless
	// transitions or invocations. A data model may run such a step
	// without entering it. It is a hint: a step it calls quiet that
	// evaluates something anyway is run as any other.
	Quiet() bool
}

// sessionStep is a session as the Step it runs: a value that is the
// session's own pointer, so that entering a step allocates nothing.
type sessionStep Session

// Run runs the session's step.
func (s *sessionStep) Run() { (*Session)(s).runStep() }

// Quiet reports whether the session's step evaluates nothing (Step).
func (s *sessionStep) Quiet() bool { return (*Session)(s).quiet() }

// System is what a data model sees of its session.
type System interface {
	// SessionID is the value of _sessionid.
	SessionID() string
	// Name is the value of _name.
	Name() string
	// IOProcessors returns the value of _ioprocessors: for each processor
	// type name, its location.
	IOProcessors() map[string]string
	// In reports whether the state with the given id is active (In()).
	In(id string) bool
}

// DatamodelProgram is a data model compiled for one document: it compiles
// every expression once and makes any number of session data models.
//
// An expression that does not compile does not fail the document: the SCXML
// Recommendation makes it an error.execution when it is evaluated (§5.9;
// W3C tests 277 and 487), so evaluating it returns the compile error.
// Problems lists such expressions so that validators can report them.
type DatamodelProgram interface {
	// NewDatamodel returns a data model for a new session.
	NewDatamodel() (Datamodel, error)
	// Problems returns one error per expression that does not compile,
	// each naming the expression's position.
	Problems() []error
}

// DatamodelCompiler compiles a document for a data model.
type DatamodelCompiler func(doc *scxml.Document) (DatamodelProgram, error)

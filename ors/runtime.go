package ors

import (
	"crypto/rand"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// The namespaces of the function modules, as the loader spells them
// (scxml.CanonicalNS): documents may write them without "http://", as the
// ORS Developer's Guide does.
const (
	NSInteraction    = "http://www.genesyslab.com/modules/interaction"
	NSQueue          = "http://www.genesyslab.com/modules/queue"
	NSSession        = "http://www.genesyslab.com/modules/session"
	NSDialog         = "http://www.genesyslab.com/modules/dialog"
	NSWS             = "http://www.genesyslab.com/modules/ws"
	NSStatistic      = "http://www.genesyslab.com/modules/statistic"
	NSResource       = "http://www.genesyslab.com/modules/resource"
	NSClassification = "http://www.genesyslab.com/modules/classification"
)

// Config holds the values the _genesys object reports and looks up.
type Config struct {
	// Tenant and TenantID are _genesys.session.tenant and tenantid.
	Tenant   string
	TenantID int
	// ServerName is _genesys.session.server.name.
	ServerName string
	// Switch is the switch of requests that name none.
	Switch string
	// Options answer _genesys.session.getConfigOption(name).
	Options map[string]string
	// Lists answer getListItemValue(list, item, key): list name → item
	// name → key → value.
	Lists map[string]map[string]map[string]string
	// SpecialDays answer isSpecialDay(name[, date]): name → dates as
	// YYYY-MM-DD.
	SpecialDays map[string][]string
	// Location is the time zone of dates without one (the environment's,
	// or UTC, when nil).
	Location *time.Location
	// Environment holds the rest of what strategies look up (lists,
	// options, statistical days, time zones, agents, queues,
	// statistics); the fields above take precedence over it.
	Environment *Environment
}

// environment returns the environment c describes: Environment with the
// other fields of c over it.
func (c Config) environment() *Environment {
	env := &Environment{}
	if c.Environment != nil {
		*env = *c.Environment
	}
	if c.Tenant != "" {
		env.Tenant = c.Tenant
	}
	if c.TenantID != 0 {
		env.TenantID = c.TenantID
	}
	if c.ServerName != "" {
		env.Server = c.ServerName
	}
	if c.Switch != "" {
		env.Switch = c.Switch
	}
	if len(c.Options) > 0 {
		opts := maps.Clone(env.Options)
		if opts == nil {
			opts = make(map[string]string, len(c.Options))
		}
		maps.Copy(opts, c.Options)
		env.Options = opts
	}
	if len(c.Lists) > 0 {
		lists := maps.Clone(env.Lists)
		if lists == nil {
			lists = make(map[string]map[string]map[string]string, len(c.Lists))
		}
		maps.Copy(lists, c.Lists)
		env.Lists = lists
	}
	return env
}

// Response is the answer a <ws:response> gives to an HTTP request made to
// a session.
type Response struct {
	// RequestID is the id of the request answered (its _event.sendid).
	RequestID string
	// Type is "result" or "error"; Code the result code, if any.
	Type   string
	Code   string
	Params map[string]any
}

// Options configure a Runtime.
type Options struct {
	// Port is the telephony layer; nil means interaction actions fail
	// with error.<module>.<action>.
	Port telephony.Port
	// HTTPClient performs <session:fetch>. Hosts that run strategies
	// they do not trust make it from their outbound policy
	// (egress.Policy.Client), as orca serve and orca run do; nil means a
	// client with a 30-second timeout and no restriction, for tests and
	// tools on a virtual network.
	HTTPClient *http.Client
	// Config holds the values of _genesys.session.
	Config Config
	// Deliver hands an event to the external queue of session id. It is
	// called from the port's goroutine and from fetch goroutines, so it
	// must be safe for concurrent use and must not block: pass
	// (*interp.Inbox).Put. Single-goroutine tests whose port delivers on
	// the engine's goroutine may pass a function that calls
	// Engine.Send.
	Deliver func(id string, ev *interp.Event)
	// Assign says which session owns an interaction that no session has
	// asked for (a call arriving on a routing point): it returns the
	// session id, or "" to leave it unowned until an <ixn:attach>. It is
	// called from the port's goroutine.
	Assign func(ixn Interaction) string
	// Log receives the messages of __Log.
	Log func(s *interp.Session, msg string)
	// Respond receives the answers of <ws:response>.
	Respond func(s *interp.Session, r Response) error
	// Load loads the documents <session:start> names; nil means
	// scxml.Load with LoadOptions.
	Load func(uri string) (*scxml.Document, error)
	// Setup adds to the script environment of every session, whatever
	// its dialect, after the ORS environment is installed (for example
	// the reporting action's ECMAScript face).
	Setup []func(rt *goja.Runtime, sys interp.System, doc *scxml.Document) error
	// Globals adds to the script environment of every session, whatever
	// its dialect, globals each session makes when a script first reads
	// them (for example the reporting action's ECMAScript face).
	Globals []ecmascript.Global
	// Statistics, when not nil, is the live statistic source (Stat
	// Server, URS) of the virtual queue statistics that _genesys.statistic
	// and <statistic:subscribe> read when the environment has no value
	// for them (see Runtime.Statistic).
	Statistics telephony.Statistics
}

// Runtime is the per-host state of the function modules: the port, the
// interactions and which session owns each, the requests waiting for an
// answer. Its methods are safe for concurrent use.
type Runtime struct {
	opts Options
	// cfg is opts.Config; env what it describes.
	cfg    Config
	env    *Environment
	client *http.Client
	reg    *scxml.Registry
	toSrc  *goja.Program

	// toSourceDocs says, by document, whether the document names
	// toSource (namesToSource).
	docMu        sync.Mutex
	toSourceDocs map[*scxml.Document]bool

	mu       sync.Mutex
	reqSeq   uint64
	pending  map[telephony.ReferenceID]*request
	ixns     map[string]*ixnState
	owned    map[string][]string // session id → interaction ids, in order
	children map[string]string   // child session id → parent session id
	virtuals map[string][]string // session id → the virtual interactions made for it
	charts   map[string]*interp.Chart
	// subscriptions maps the request ids of statistic subscriptions to
	// their sessions.
	subscriptions map[string]string
	inflight      int
	// fetches are the request ids of each session's <session:fetch>es
	// in flight, which a snapshot keeps (sessionShare.Fetches).
	fetches map[string][]string
	// instance names this runtime in the snapshots it makes: a fetch a
	// snapshot lists as in flight is in flight here only if this
	// runtime made the snapshot.
	instance string
	unsub    func()
}

// request is a port request waiting for its answer. A request without
// a module (a treatment of a queue submit) answers nothing.
type request struct {
	session string
	module  string
	action  string
	id      string
	ixn     string
	// idv is id boxed, when the action boxed it (nil: boxed when
	// needed).
	idv any
	// names are the names of the action's events, when the action
	// made them once (nil: made from module and action).
	names *eventNames
	// queue, priority, at and targets describe a queue submit.
	queue    string
	priority float64
	at       time.Time
	targets  []string
}

// New returns a runtime and subscribes it to opts.Port.
func New(opts Options) *Runtime {
	r := &Runtime{
		opts:          opts,
		cfg:           opts.Config,
		env:           opts.Config.environment(),
		subscriptions: make(map[string]string),
		client:        opts.HTTPClient,
		pending:       make(map[telephony.ReferenceID]*request),
		ixns:          make(map[string]*ixnState),
		owned:         make(map[string][]string),
		children:      make(map[string]string),
		virtuals:      make(map[string][]string),
		charts:        make(map[string]*interp.Chart),
		fetches:       make(map[string][]string),
		instance:      rand.Text(),
		toSrc:         goja.MustCompile("toSource.js", toSourceJS, true),
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: 30 * time.Second}
	}
	r.reg = scxml.NewRegistry()
	r.Register(r.reg)
	if opts.Port != nil {
		r.unsub = telephony.SubscribeEvents(opts.Port, r.handle, routedEvents()...)
	}
	return r
}

// Close unsubscribes the runtime from its port.
func (r *Runtime) Close() {
	if r.unsub != nil {
		r.unsub()
		r.unsub = nil
	}
}

// Registry returns a registry holding the runtime's actions.
func (r *Runtime) Registry() *scxml.Registry { return r.reg }

// LoadOptions returns loader options with the runtime's registry.
func (r *Runtime) LoadOptions() *scxml.Options {
	return &scxml.Options{Registry: r.reg}
}

// Datamodels returns the data models for an engine running ORS documents:
// ECMAScript with the ORS script environment (for ORS documents only) as
// the default and "ecmascript", and null.
func (r *Runtime) Datamodels() map[string]interp.DatamodelCompiler {
	ecma := ecmascript.CompileWith(ecmascript.Options{Setup: r.setupScript, Globals: r.globals, OwnEvents: isORS, DataObject: func(doc *scxml.Document) string {
		if isORS(doc) {
			return "_data"
		}
		return ""
	}})
	return map[string]interp.DatamodelCompiler{
		"":           ecma,
		"ecmascript": ecma,
		"null":       interp.CompileNull,
	}
}

// isORS reports whether doc is an ORS document.
func isORS(doc *scxml.Document) bool { return doc != nil && doc.Dialect == scxml.ORS }

// InFlight returns how many HTTP fetches are running; their results
// arrive through Options.Deliver.
func (r *Runtime) InFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inflight
}

// SessionDone forgets what the runtime holds for session s: its virtual
// interactions are released (see CreateVirtual) and its other
// interactions become unowned. It matches interp.Options.OnDone.
func (r *Runtime) SessionDone(s *interp.Session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	id := s.ID()
	r.releaseVirtuals(id)
	for _, ixn := range r.owned[id] {
		if st := r.ixns[ixn]; st != nil && st.owner == id {
			st.owner = ""
		}
	}
	delete(r.owned, id)
	delete(r.children, id)
}

// newRequestID returns a new request id.
func (r *Runtime) newRequestID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqSeq++
	// Made in a buffer on the stack: one allocation, the string.
	var buf [24]byte
	return string(strconv.AppendUint(append(buf[:0], 'R'), r.reqSeq, 10))
}

// own makes session sid the owner of interaction id; r.mu is held.
func (r *Runtime) own(sid, id string) {
	st := r.ixns[id]
	if st == nil {
		return
	}
	if st.owner != "" && st.owner != sid {
		r.disown(st.owner, id)
	}
	st.owner = sid
	if !slices.Contains(r.owned[sid], id) {
		r.owned[sid] = append(r.owned[sid], id)
	}
}

// disown removes interaction id from session sid; r.mu is held.
func (r *Runtime) disown(sid, id string) {
	r.owned[sid] = slices.DeleteFunc(r.owned[sid], func(x string) bool { return x == id })
	if len(r.owned[sid]) == 0 {
		delete(r.owned, sid)
	}
	if st := r.ixns[id]; st != nil && st.owner == sid {
		st.owner = ""
	}
}

// deliver hands ev to session sid through Options.Deliver.
func (r *Runtime) deliver(sid string, ev *interp.Event) {
	if sid == "" || r.opts.Deliver == nil {
		return
	}
	r.opts.Deliver(sid, ev)
}

// Environment returns the environment the runtime looks things up in:
// Options.Config.Environment with the other fields of the Config over it.
func (r *Runtime) Environment() *Environment { return r.env }

// doneEvent is <module>.<action>.done with data (interaction.<action>.done
// for the ixn module).
func doneEvent(module, action string, data map[string]any) *interp.Event {
	return moduleEvent(doneName(module, action), data)
}

// doneName is the name of the done event of an action of module.
func doneName(module, action string) string {
	return eventModule(module) + "." + action + ".done"
}

// errorEventName is the name of the error event of an action of module.
func errorEventName(module, action string) string {
	return "error." + eventModule(module) + "." + action
}

// eventNames are the names of the done and error events of an action,
// made once per action rather than per event.
type eventNames struct {
	done, fail string
}

// newEventNames returns the event names of an action of module.
func newEventNames(module, action string) eventNames {
	return eventNames{done: doneName(module, action), fail: errorEventName(module, action)}
}

// doneName is the name of the done event answering q.
func (q *request) doneName() string {
	if q.names != nil {
		return q.names.done
	}
	return doneName(q.module, q.action)
}

// errorName is the name of the error event answering q.
func (q *request) errorName() string {
	if q.names != nil {
		return q.names.fail
	}
	return errorEventName(q.module, q.action)
}

// The values of the error field of error.<module>.<action> events, as the
// events of every interface of the ORS Developer's Guide list them.
const (
	// errInvalidAttribute: an attribute has an invalid value or is not
	// allowed in the conditions of the request (an unknown interaction,
	// request id, statistic or document).
	errInvalidAttribute = "invalidattribute"
	// errInvalidState: the interaction is in a state that does not allow
	// the action.
	errInvalidState = "invalidstate"
	// errRemote: the remote side (T-Server, the web server, the host)
	// failed the request.
	errRemote = "remote"
	// errUnknown: the cause of the failure is unknown.
	errUnknown = "unknown"
)

// errorEvent is error.<module>.<action> with requestid, error and
// description (error.interaction.<action> for the ixn module).
func errorEvent(module, action, reqID, code, desc string, extra map[string]any) *interp.Event {
	return namedErrorEvent(errorEventName(module, action), reqID, code, desc, extra)
}

// namedErrorEvent is errorEvent named name.
func namedErrorEvent(name, reqID, code, desc string, extra map[string]any) *interp.Event {
	data := make(map[string]any, 3+len(extra))
	data["requestid"], data["error"], data["description"] = reqID, code, desc
	maps.Copy(data, extra)
	return moduleEvent(name, data)
}

// moduleEvent is an external event of the function modules.
func moduleEvent(name string, data map[string]any) *interp.Event {
	return &interp.Event{Name: name, Type: interp.External, Data: data}
}

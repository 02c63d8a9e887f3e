package interp

import (
	"container/heap"
	crand "crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"time"

	"github.com/orca-scxml/orca/scxml"
)

// Options configure an Engine. The zero value is usable: real clock, the
// null data model only, documents loaded from files.
type Options struct {
	// Clock supplies the time; nil means RealClock.
	Clock Clock
	// Datamodels maps the datamodel attribute to a compiler ("" is the
	// default when a document names none).
	Datamodels map[string]DatamodelCompiler
	// Load loads the document an <invoke src> names (an absolute path or
	// URL, already resolved against the invoking document). Nil means
	// scxml.Load with LoadOptions.
	Load func(uri string) (*scxml.Document, error)
	// LoadOptions are used by the default Load.
	LoadOptions *scxml.Options
	// Chart, when set, returns the compiled chart of the document an
	// <invoke src> names (resolved like Load's uri), so that a host running
	// many engines compiles each document once for all of them. Nil means
	// each engine loads with Load and compiles once for itself.
	Chart func(uri string) (*Chart, error)
	// MaxMicrosteps bounds the microsteps of one macrostep,
	// MaxInternalEvents the internal events one macrostep processes,
	// MaxInternalQueue and MaxExternalQueue a session's queues, and
	// MaxDelayedSends the delayed sends a session has pending. Zero means
	// the default (DefaultMaxMicrosteps, ...), a negative value no limit.
	// Limit says what a breach does.
	MaxMicrosteps     int
	MaxInternalEvents int
	MaxInternalQueue  int
	MaxExternalQueue  int
	MaxDelayedSends   int
	Limit             LimitAction
	// Log receives the output of <log>.
	Log func(s *Session, label, msg string)
	// OnMacrostep is called after each completed macrostep with the event
	// that started it (nil for the initial macrostep).
	OnMacrostep func(s *Session, ev *Event)
	// OnEnter, when set, is called each time a session enters a state,
	// before its <onentry>: test runners and tracers record the states a
	// run visits, those it leaves within the same macrostep included.
	OnEnter func(s *Session, st *scxml.State)
	// OnEvent, when set, is called for each event, external or internal,
	// a session takes from its queues to process, before its transitions
	// are selected.
	OnEvent func(s *Session, ev *Event)
	// OnSend, when set, is called for each <send> a session has handed to
	// its Event I/O Processor (or scheduled), with the event (SendID set),
	// the target and type as evaluated, and the delay (0 for an event sent
	// at once). Consoles and tracers record it; it must not keep ev.
	OnSend func(s *Session, ev *Event, target, typ string, delay time.Duration)
	// OnStart is called when a session is created, invoked ones included,
	// before it runs.
	OnStart func(s *Session)
	// OnDone is called when a session ends, however it ends.
	OnDone func(s *Session)
	// OnRestore is called for a session Restore re-creates (and for each
	// session it invoked), once its data model and state are back and
	// before its locals are restored: a host sets there the locals a
	// snapshot restores into.
	OnRestore func(s *Session)
	// OnError is called for every error the interpreter raises as an
	// error event, and for limit breaches.
	OnError func(s *Session, err error)
	// IOProcessors adds Event I/O processors for <send type>, keyed by
	// every name they answer to. The SCXML processor is built in.
	IOProcessors map[string]IOProcessor
	// Invokers adds <invoke type> handlers. SCXML is built in.
	Invokers map[string]Invoker
	// NewSessionID makes session ids; nil means 32 random hex digits.
	NewSessionID func() string
	// Route delivers an event sent with the SCXML Event I/O Processor to
	// #_scxml_<id> for a session this engine does not run (one of the
	// host's other engines runs it); nil means such a target is
	// unreachable (error.communication). It must not block.
	Route func(id string, ev *Event) error
	// Yield, when set, is asked after each step of Run whether Run should
	// return before its batch is done, its work left scheduled (Idle is
	// false), so that the host can serve what waits for it: a step is
	// bounded by the script time limit, but a batch of them by nothing
	// but RunBatch. It is called on the engine's goroutine and must be
	// cheap.
	Yield func() bool
}

// IOProcessor is an Event I/O processor (§6.2.4, Appendix C) other than the
// built-in SCXML one.
type IOProcessor interface {
	// Location is the address other entities use to reach session s
	// through this processor (_ioprocessors[type].location).
	Location(s *Session) string
	// Send delivers ev to target. An error becomes error.communication in
	// the sending session.
	Send(s *Session, target string, ev *Event) error
}

// Acceptor is implemented by an IOProcessor that accepts events for a
// session from the session's creation, whether or not anything has asked
// for the session's location (basichttp: a client that knows a session's
// id may post to it). The engine calls Accept once for each session it
// creates — started, invoked or restored — before the session runs; a
// restore that fails tells it of none.
type Acceptor interface {
	Accept(s *Session)
}

// Invoker starts external services for <invoke type> (§6.4).
type Invoker interface {
	// Invoke starts the service for session s. Events the service sends
	// back go through s.Enqueue with InvokeID set.
	Invoke(s *Session, req *InvokeRequest) (Invocation, error)
}

// InvokeRequest describes one <invoke> being started.
type InvokeRequest struct {
	ID     string
	Type   string
	Src    string
	Params map[string]any
	// Content is the <content> value, if any.
	Content any
}

// Invocation is a running invoked service.
type Invocation interface {
	// Send forwards an event to the service (autoforward and #_<id>).
	Send(ev *Event) error
	// Cancel stops the service; it must not send anything afterwards.
	Cancel()
}

// Engine runs sessions on one goroutine: the caller's. Hosts feed it
// events with Send, call Run to process everything that is ready, and use
// NextDue to know when delayed events fall due. An Engine is not safe for
// concurrent use; hosts that want concurrency run several engines.
type Engine struct {
	opts     Options
	lim      limits
	clock    Clock
	sessions map[string]*Session
	// runq holds the sessions with work to do from runHead on; a
	// session's runPos is its index plus runOff, which counts the
	// entries the queue has dropped from its front.
	runq    []*Session
	runHead int
	runOff  int
	timers  timerHeap
	dead    int // cancelled timers still in the heap
	seq     uint64
	rng     *rand.Rand
	load    func(string) (*scxml.Document, error)
	charts  map[string]*Chart
	// acceptors are the distinct IOProcessors that are Acceptors.
	acceptors []Acceptor
}

// NewEngine returns an engine with the given options.
func NewEngine(opts Options) *Engine {
	e := &Engine{opts: opts, lim: newLimits(&opts), clock: opts.Clock, sessions: make(map[string]*Session)}
	if e.clock == nil {
		e.clock = RealClock{}
	}
	var seed [32]byte
	_, _ = crand.Read(seed[:])
	e.rng = rand.New(rand.NewChaCha8(seed))
	e.acceptors = acceptors(opts.IOProcessors)
	e.load = opts.Load
	if e.load == nil {
		lo := opts.LoadOptions
		e.load = func(uri string) (*scxml.Document, error) { return scxml.Load(uri, lo) }
	}
	return e
}

// acceptors returns the distinct processors of procs that are Acceptors,
// in the order of their names.
func acceptors(procs map[string]IOProcessor) []Acceptor {
	var out []Acceptor
	for _, name := range slices.Sorted(maps.Keys(procs)) {
		a, ok := procs[name].(Acceptor)
		if !ok {
			continue
		}
		dup := false
		if reflect.TypeOf(a).Comparable() {
			for _, b := range out {
				if reflect.TypeOf(b).Comparable() && any(a) == any(b) {
					dup = true
					break
				}
			}
		}
		if !dup {
			out = append(out, a)
		}
	}
	return out
}

// Clock returns the engine's clock.
func (e *Engine) Clock() Clock { return e.clock }

// Compile compiles doc with the engine's data models.
func (e *Engine) Compile(doc *scxml.Document) (*Chart, error) {
	return Compile(doc, e.opts.Datamodels)
}

// ChartFor returns the chart of the document at uri (an absolute path or
// URL): Options.Chart's, or one loaded with Options.Load and compiled once
// per engine. Hosts restoring a snapshot find its chart with it.
func (e *Engine) ChartFor(uri string) (*Chart, error) { return e.chartFor(uri) }

// chartFor returns the chart of the document at uri: the host's, or one
// loaded and compiled once per engine.
func (e *Engine) chartFor(uri string) (*Chart, error) {
	if e.opts.Chart != nil {
		return e.opts.Chart(uri)
	}
	if c := e.charts[uri]; c != nil {
		return c, nil
	}
	doc, err := e.load(uri)
	if err != nil {
		return nil, err
	}
	c, err := e.Compile(doc)
	if err != nil {
		return nil, err
	}
	if e.charts == nil {
		e.charts = make(map[string]*Chart)
	}
	e.charts[uri] = c
	return c, nil
}

func (e *Engine) newID() string {
	if e.opts.NewSessionID != nil {
		return e.opts.NewSessionID()
	}
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], e.rng.Uint64())
	binary.LittleEndian.PutUint64(b[8:], e.rng.Uint64())
	return hex.EncodeToString(b[:])
}

// StartOptions are the per-session settings of Start.
type StartOptions struct {
	// ID is the session id; "" generates one.
	ID string
	// Params override the initial values of top-level data with the same
	// ids (§6.4.4), as an invoking session's params and namelist do. The
	// session keeps the map (its snapshots encode it once): the caller
	// must not change it after Start.
	Params map[string]any
	// Defaults, when not nil, are the values of parameters Params does
	// not have: one map for many sessions (a service's options), which
	// the session keeps as it is and never changes, so that each
	// session holds only its own values.
	Defaults map[string]any
}

// Start creates a session of chart c. It runs when Run or Step is next
// called.
func (e *Engine) Start(c *Chart, so StartOptions) (*Session, error) {
	return e.start(c, so, nil, "")
}

// Step runs the next piece of work of session s now, out of turn: its
// initial macrostep if it has not started, otherwise one queued external
// event and the macrostep that follows. It reports whether it ran
// anything. Hosts use it so that a session has run its initial macrostep
// before anyone else can reach it.
func (e *Engine) Step(s *Session) bool {
	if s.e != e || s.ended || (s.started && s.ext.len() == 0 && s.aborted() == nil) {
		return false
	}
	s.step()
	if !s.ended && s.ext.len() > 0 {
		e.schedule(s)
	}
	return true
}

func (e *Engine) start(c *Chart, so StartOptions, parent *Session, invokeID string) (*Session, error) {
	id := so.ID
	if id == "" {
		id = e.newID()
	}
	if _, dup := e.sessions[id]; dup {
		return nil, fmt.Errorf("session %q already exists", id)
	}
	s, err := newSession(e, c, id, parent, invokeID)
	if err != nil {
		return nil, err
	}
	e.accept(s)
	if so.Params != nil || so.Defaults != nil {
		s.more().params, s.rare.defaults = so.Params, so.Defaults
	}
	e.sessions[id] = s
	if e.opts.OnStart != nil {
		e.opts.OnStart(s)
	}
	e.schedule(s)
	return s, nil
}

// accept tells the Acceptors of session s, before it runs.
func (e *Engine) accept(s *Session) {
	for _, a := range e.acceptors {
		a.Accept(s)
	}
}

// Session returns the live session with the given id, or nil.
func (e *Engine) Session(id string) *Session { return e.sessions[id] }

// Evict removes session id, and the sessions it invoked, from the engine
// without ending them: no exit handler, no done event, no hook runs;
// their delayed events are dropped and their data models closed. A host
// that keeps the session elsewhere (a snapshot) evicts it to free its
// memory.
func (e *Engine) Evict(id string) error {
	s := e.sessions[id]
	if s == nil {
		return fmt.Errorf("%w: %q", ErrNoSession, id)
	}
	e.evict(s)
	return nil
}

func (e *Engine) evict(s *Session) {
	for _, rec := range s.invocations() {
		if c := rec.child; c != nil && !c.ended && e.sessions[c.id] == c {
			e.evict(c)
		}
	}
	delete(e.sessions, s.id)
	e.unschedule(s)
	e.dropTimers(s)
	s.ended = true
	s.dm.Close()
}

// SessionIDs returns the ids of the live sessions, in no order.
func (e *Engine) SessionIDs() []string {
	ids := make([]string, 0, len(e.sessions))
	for id := range e.sessions {
		ids = append(ids, id)
	}
	return ids
}

// Sessions returns the number of live sessions.
func (e *Engine) Sessions() int { return len(e.sessions) }

// ErrNoSession is returned by Send for an id that names no live session.
var ErrNoSession = errors.New("no such session")

// Send places ev on the external queue of session id. The event is copied.
// An event beyond the queue's limit is refused with a *Breach wrapping
// ErrLimit (and ErrQueueFull).
func (e *Engine) Send(id string, ev *Event) error {
	s := e.sessions[id]
	if s == nil {
		return fmt.Errorf("%w: %q", ErrNoSession, id)
	}
	return s.enqueue(ev)
}

// Cancel ends session id as an external entity cancelling it would: its
// states are exited and no done event is sent to a parent.
func (e *Engine) Cancel(id string) error {
	s := e.sessions[id]
	if s == nil {
		return fmt.Errorf("%w: %q", ErrNoSession, id)
	}
	s.cancel()
	return nil
}

func (e *Engine) schedule(s *Session) {
	if !s.queued && !s.ended {
		s.queued = true
		if e.runHead > 64 && e.runHead*2 > len(e.runq) {
			n := copy(e.runq, e.runq[e.runHead:])
			clear(e.runq[n:])
			e.runOff += e.runHead
			e.runq, e.runHead = e.runq[:n], 0
		}
		s.runPos = e.runOff + len(e.runq)
		e.runq = append(e.runq, s)
	}
}

// unschedule takes s off the run queue, so that the queue does not keep
// a session the engine has dropped (Evict) alive until the next Run.
func (e *Engine) unschedule(s *Session) {
	if !s.queued {
		return
	}
	s.queued = false
	i := s.runPos - e.runOff
	if i < e.runHead || i >= len(e.runq) || e.runq[i] != s {
		return
	}
	e.runq[i] = nil
	for len(e.runq) > e.runHead && e.runq[len(e.runq)-1] == nil {
		e.runq = e.runq[:len(e.runq)-1]
	}
}

// RunBatch is the most steps (a session's start, or one external event and
// the macrostep it causes) one call of Run takes.
const RunBatch = 1024

// Run processes what is ready: sessions that have not started yet, queued
// external events, and delayed events whose time has come. It returns when
// no session has work left at the clock's current time, after RunBatch
// steps, or after a step Options.Yield asked it to return after, so that a
// host stays responsive (to cancel a session that keeps sending itself
// events, say); hosts call it again while Idle is false.
func (e *Engine) Run() {
	for steps := 0; steps < RunBatch; steps++ {
		if len(e.timers) > 0 {
			e.fireTimers()
		}
		if e.runHead == len(e.runq) {
			e.runOff += len(e.runq)
			e.runq, e.runHead = e.runq[:0], 0
			return
		}
		s := e.runq[e.runHead]
		e.runq[e.runHead] = nil
		e.runHead++
		if s == nil {
			continue // dropped by unschedule
		}
		s.queued = false
		s.step()
		if !s.ended && s.ext.len() > 0 {
			e.schedule(s)
		}
		if e.opts.Yield != nil && e.opts.Yield() {
			return
		}
	}
}

// NextDue returns when the earliest delayed event falls due.
func (e *Engine) NextDue() (time.Time, bool) {
	if len(e.timers) == 0 {
		return time.Time{}, false
	}
	return e.timers[0].due, true
}

// Idle reports whether no session has work to do before the next timer.
func (e *Engine) Idle() bool { return e.runHead == len(e.runq) }

func (e *Engine) fireTimers() {
	if len(e.timers) == 0 {
		return
	}
	now := e.clock.Now()
	for len(e.timers) > 0 && !e.timers[0].due.After(now) {
		t := heap.Pop(&e.timers).(*timer)
		if t.from != nil && t.sendid != "" && t.from.timers[t.sendid] == t {
			delete(t.from.timers, t.sendid)
		}
		if t.cancelled {
			e.dead--
			continue
		}
		t.fired = true
		t.from.pending--
		if t.deliver == nil {
			// A send of the session to itself (sendSCXML).
			if err := t.from.enqueue(&t.ev); err != nil {
				t.from.report(err)
			}
			continue
		}
		t.deliver()
	}
}

// cancelTimer cancels t. Cancelled timers leave the heap when they fall
// due, or all at once when they are more than half of it, so that
// sessions that schedule and cancel far-off sends do not grow it.
func (e *Engine) cancelTimer(t *timer) {
	if t.cancelled || t.fired {
		return
	}
	t.cancelled = true
	t.from.pending--
	e.dead++
	if e.dead > 64 && e.dead*2 > len(e.timers) {
		live := e.timers[:0]
		for _, t := range e.timers {
			if !t.cancelled {
				live = append(live, t)
			}
		}
		clear(e.timers[len(live):])
		e.timers = live
		heap.Init(&e.timers)
		e.dead = 0
	}
}

// timer is a delayed send: the event, where it goes, and when.
type timer struct {
	due    time.Time
	seq    uint64
	from   *Session
	sendid string
	// ev is sent to target through the I/O processor typ ("" is the
	// SCXML processor) when the timer falls due.
	ev        Event
	target    string
	typ       string
	cancelled bool
	fired     bool
	// deliver delivers ev; nil for a send of the session to itself
	// through the SCXML processor, which fire enqueues.
	deliver func()
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].seq < h[j].seq
	}
	return h[i].due.Before(h[j].due)
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}

// addTimer schedules t, a delayed send of session t.from whose deliver is
// set (or nil: to the session itself), within the limit of its pending
// delayed sends.
func (e *Engine) addTimer(t *timer) error {
	from := t.from
	if max := e.lim.delayedSends; from.rare != nil && from.pending >= max {
		return &Breach{Limit: LimitDelayedSends, Max: int64(max),
			Detail: fmt.Sprintf("more than %d delayed sends pending", max)}
	}
	e.pushTimer(t)
	return nil
}

// pushTimer schedules t.
func (e *Engine) pushTimer(t *timer) {
	from := t.from
	from.more()
	e.seq++
	t.seq = e.seq
	heap.Push(&e.timers, t)
	if t.sendid != "" {
		if from.timers == nil {
			from.timers = make(map[string]*timer)
		}
		// A send reusing the id of a pending one becomes the one
		// <cancel> names; both stay scheduled.
		from.timers[t.sendid] = t
	}
	if len(from.sends) > 2*from.pending+8 {
		from.sends = slices.DeleteFunc(from.sends, func(t *timer) bool { return t.cancelled || t.fired })
	}
	if from.sends == nil {
		// Room for the few a session usually has pending at once.
		from.sends = make([]*timer, 0, 8)
	}
	from.sends = append(from.sends, t)
	from.pending++
}

// dropTimers cancels every pending delayed send of s.
func (e *Engine) dropTimers(s *Session) {
	if s.rare == nil {
		return
	}
	for _, t := range s.sends {
		e.cancelTimer(t)
	}
	s.sends = nil
	s.timers = nil
}

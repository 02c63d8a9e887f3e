package interp

import (
	"errors"
	"fmt"
	"time"

	"github.com/orca-scxml/orca/scxml"
)

// Budgeted is implemented by data models that enforce a script time budget
// per macrostep; the session brackets each macrostep with these calls.
type Budgeted interface {
	BeginMacrostep()
	EndMacrostep()
}

// Session is one running instance of a chart (an SCXML session, §3.1).
type Session struct {
	e        *Engine
	chart    *Chart
	doc      *scxml.Document
	id       string
	parent   *Session
	invokeID string
	dm       Datamodel
	budget   Budgeted
	// entered is the data model if it is Entered, or nil.
	entered Entered

	// bits holds the session's sets of states (bitset.go), cfg the
	// first: the configuration.
	bits []uint64
	cfg  bitset

	internal queue
	ext      queue
	// cur is the event being processed, in its queue's ring (or, once
	// restored from a snapshot, its own).
	cur *Event
	// bound says _event is bound: cur is the last event processed.
	bound bool

	started, running, ended, queued bool
	cancelled                       bool
	breachedLast                    bool
	exitReq                         bool
	// busy says a step or an exit of the session is running: a cancel
	// then ends the session when it is over rather than within it.
	busy bool
	// runPos locates the session in its engine's run queue while queued.
	runPos int
	// prefix is the include prefix of the state whose content runs.
	prefix string
	final  *scxml.State
	err    error

	// rare holds what a session needs only once it uses it (invokes,
	// delayed sends, locals, a macrostep hook): made on first use.
	*rare

	microsteps     int
	internalEvents int
	breaches       int
	limitErr       error
	abort          abortBox
	macrosteps     uint64

	// scratch space reused by every microstep
	enabled  []*scxml.Transition
	filtered []*scxml.Transition

	// small holds bits, for a chart of up to 64 states, and enabled
	// until a microstep takes more than one transition: in the
	// session's own allocation, rather than two more at its start.
	small struct {
		bits    [nsets]uint64
		enabled [1]*scxml.Transition
	}
}

// rare is the part of a session that many sessions never use.
type rare struct {
	params map[string]any
	// defaults are the start parameters params lacks: a map shared
	// with other sessions, never changed (StartOptions.Defaults).
	defaults map[string]any
	history  map[int][]*scxml.State
	// histContent is scratch space of the microsteps that enter a
	// history state's default.
	histContent map[*scxml.State]scxml.Block
	invokes     map[string]*invocation
	byInvoke    map[*scxml.Invoke]*invocation
	timers      map[string]*timer
	// sends holds the delayed sends scheduled, some of them fired or
	// cancelled since.
	sends   []*timer
	pending int // delayed sends scheduled, not yet due or cancelled
	nextID  int
	locals  []local
	// origin is the session's origin in the events it sends (origin).
	origin string
}

// more returns the session's rare part, making it on first use.
func (s *Session) more() *rare {
	if s.rare == nil {
		s.rare = &rare{}
	}
	return s.rare
}

func newSession(e *Engine, c *Chart, id string, parent *Session, invokeID string) (*Session, error) {
	dm, err := c.dm.NewDatamodel()
	if err != nil {
		return nil, fmt.Errorf("creating data model: %w", err)
	}
	s := &Session{
		e: e, chart: c, doc: c.doc, id: id, parent: parent, invokeID: invokeID, dm: dm,
	}
	s.initSets()
	s.cfg = s.set(setCfg)
	s.budget, _ = dm.(Budgeted)
	if en, ok := dm.(Entered); ok {
		s.entered = en
	}
	return s, nil
}

// ID returns the session id (_sessionid).
func (s *Session) ID() string { return s.id }

// SessionID returns the session id; it makes Session a System.
func (s *Session) SessionID() string { return s.id }

// Name returns the document's name (_name).
func (s *Session) Name() string { return s.doc.Name }

// Chart returns the chart the session runs.
func (s *Session) Chart() *Chart { return s.chart }

// Engine returns the engine running the session.
func (s *Session) Engine() *Engine { return s.e }

// Prefix returns the XInclude prefix (scxml.State.Prefix) of the state
// whose executable content is running: ORS strategies read it as
// _my_prefix.
func (s *Session) Prefix() string { return s.prefix }

// InvokeID returns the id under which the parent invoked this session, or
// "" for a session the host started.
func (s *Session) InvokeID() string { return s.invokeID }

// Parent returns the invoking session, or nil.
func (s *Session) Parent() *Session { return s.parent }

// Datamodel returns the session's data model.
func (s *Session) Datamodel() Datamodel { return s.dm }

// IOProcessors returns the value of _ioprocessors.
func (s *Session) IOProcessors() map[string]string {
	loc := "#_scxml_" + s.id
	m := map[string]string{scxmlProcessor: loc, "scxml": loc}
	for name, p := range s.e.opts.IOProcessors {
		m[name] = p.Location(s)
	}
	return m
}

// In reports whether the state with the given id is active.
func (s *Session) In(id string) bool {
	st := s.doc.ByID[id]
	return st != nil && s.cfg.has(st.Order)
}

// Done reports whether the session has ended.
func (s *Session) Done() bool { return s.ended }

// Running reports whether the session is running: it has not reached a
// top-level final state and has not been cancelled.
func (s *Session) Running() bool { return s.running }

// Final returns the top-level final state the session reached, or nil.
func (s *Session) Final() *scxml.State { return s.final }

// Err returns the error that terminated the session, or nil.
func (s *Session) Err() error { return s.err }

// Active returns the ids of the active states in document order
// (excluding the root).
func (s *Session) Active() []string { return s.states(false) }

// Atomic returns the ids of the active atomic states in document order.
func (s *Session) Atomic() []string { return s.states(true) }

func (s *Session) states(atomicOnly bool) []string {
	var ids []string
	for o := s.cfg.next(1); o >= 0; o = s.cfg.next(o + 1) {
		st := s.doc.States[o]
		if atomicOnly && st.Kind != scxml.Atomic && st.Kind != scxml.Final {
			continue
		}
		ids = append(ids, st.ID)
	}
	return ids
}

// Enqueue places a copy of ev on the session's external queue and marks the
// session runnable. An event beyond the queue's limit is dropped and the
// breach reported through Options.OnError.
func (s *Session) Enqueue(ev *Event) {
	if err := s.enqueue(ev); err != nil {
		s.report(err)
	}
}

// enqueue is Enqueue, returning the breach of the queue's limit.
func (s *Session) enqueue(ev *Event) error {
	if s.ended {
		return nil
	}
	if max := s.e.lim.externalQueue; s.ext.len() >= max {
		return &Breach{Limit: LimitExternalQueue, Max: int64(max),
			Detail: fmt.Sprintf("%v: event %s for session %s: %d events are waiting", ErrQueueFull, ev.Name, s.id, max)}
	}
	s.ext.push(ev)
	s.e.schedule(s)
	return nil
}

// Raise places a copy of ev on the session's internal queue. Custom actions
// use it while they execute.
func (s *Session) Raise(ev *Event) { s.pushInternal(ev) }

// NextDue returns when the session's earliest delayed send falls due.
func (s *Session) NextDue() (time.Time, bool) {
	var due time.Time
	ok := false
	if s.rare == nil {
		return due, false
	}
	for _, t := range s.sends {
		if !t.cancelled && !t.fired && (!ok || t.due.Before(due)) {
			due, ok = t.due, true
		}
	}
	return due, ok
}

// Queued returns the number of events on the session's external queue.
func (s *Session) Queued() int { return s.ext.len() }

// Invoking reports whether the session has invocations running.
func (s *Session) Invoking() bool { return s.rare != nil && len(s.invokes) > 0 }

// Invoked returns the sessions the session invoked that have not ended.
func (s *Session) Invoked() []*Session {
	var out []*Session
	if s.rare == nil {
		return nil
	}
	for _, rec := range s.invokes {
		if rec.child != nil && !rec.child.ended {
			out = append(out, rec.child)
		}
	}
	return out
}

// Macrosteps returns the number of macrosteps the session has completed.
func (s *Session) Macrosteps() uint64 { return s.macrosteps }

// local is one value of SetLocal.
type local struct {
	key string
	v   any
}

// SetLocal sets the value of the host's session-local key: the state a
// host, a module or a reporting action keeps for this session (like
// starlark's Thread.SetLocal). A nil v removes it. Locals are used on the
// goroutine that runs the session.
func (s *Session) SetLocal(key string, v any) {
	if s.rare == nil {
		if v == nil {
			return
		}
		s.more()
	}
	for i := range s.locals {
		if s.locals[i].key == key {
			if v == nil {
				s.locals = append(s.locals[:i], s.locals[i+1:]...)
				return
			}
			s.locals[i].v = v
			return
		}
	}
	if v != nil {
		s.locals = append(s.locals, local{key, v})
	}
}

// EachLocal calls f with each session local, in the order they were set.
func (s *Session) EachLocal(f func(key string, v any)) {
	if s.rare == nil {
		return
	}
	for _, l := range s.locals {
		f(l.key, l.v)
	}
}

// Local returns the value of the session-local key, or nil.
func (s *Session) Local(key string) any {
	if s.rare == nil {
		return nil
	}
	for i := range s.locals {
		if s.locals[i].key == key {
			return s.locals[i].v
		}
	}
	return nil
}

// step runs the session's next piece of work: its start, or one external
// event and the macrostep that follows.
func (s *Session) step() {
	if s.ended {
		return
	}
	if s.entered != nil {
		s.entered.Enter((*sessionStep)(s))
		return
	}
	s.runStep()
}

// runStep is step, within the data model's Enter if it has one.
func (s *Session) runStep() {
	defer s.recoverPanic()
	s.busy = true
	if err := s.aborted(); err != nil {
		// Ended between macrosteps, on behalf of its host.
		s.report(err)
		s.bracket(func() { s.terminate(err) })
		s.busy = false
		s.finish()
		return
	}
	if !s.started {
		s.started = true
		s.begin()
	} else if s.ext.len() > 0 {
		s.cur = s.ext.pop()
		s.processExternal()
	}
	s.busy = false
	if s.ended {
		s.finish()
	}
}

// begin is interpret(doc) of Appendix D, up to the first wait for an
// external event.
func (s *Session) begin() {
	s.beginMacrostep()
	if err := s.dm.Setup(s); err != nil {
		err = fmt.Errorf("data model setup: %w", err)
		s.report(err)
		s.terminate(err)
		if s.budget != nil {
			s.budget.EndMacrostep()
		}
		return
	}
	s.running = true
	late := s.doc.Binding == scxml.LateBinding
	for _, st := range s.doc.States {
		if st.Kind == scxml.Root || !late {
			s.initData(st)
			continue
		}
		for _, d := range st.Data {
			if err := s.dm.Declare(d.ID, nil); err != nil {
				s.raiseError(d.Pos, err)
			}
		}
	}
	for _, sc := range s.doc.Scripts {
		if err := s.dm.Exec(sc); err != nil {
			s.raiseError(sc.Pos, err)
			break
		}
	}
	// An ORS <scxml> may hold an <initial> whose transition has content
	// (the 2009 draft): it runs as the document's states are entered.
	if b := s.doc.Root.Initial.Body; len(b) > 0 {
		s.execBlock(b)
	}
	s.enabled = append(s.enabled[:0], s.doc.Root.Initial)
	s.enterStates(s.enabled)
	s.macrostep()
	s.endMacrostep(nil)
}

// initData initialises the data of one state (§5.3). Top-level data takes
// the values an invoking session passed (§6.4.4).
func (s *Session) initData(st *scxml.State) {
	s.prefix = st.Prefix
	if s.dataDone() != nil {
		s.dataDone().add(st.Order)
	}
	for _, d := range st.Data {
		// ORS documents take start parameters for their <data> at any
		// depth (the 2009 draft's _data): Composer declares them in a
		// state and reads _data.<id>.
		if v, ok := s.Param(d.ID); ok && (st.Kind == scxml.Root || s.doc.Dialect == scxml.ORS) {
			if err := s.dm.Declare(d.ID, v); err != nil {
				s.raiseError(d.Pos, err)
			}
			continue
		}
		if err := s.dm.InitData(d); err != nil {
			s.raiseError(d.Pos, err)
		}
	}
}

func (s *Session) beginMacrostep() {
	s.microsteps, s.internalEvents = 0, 0
	s.breaches = 0
	if s.budget != nil {
		s.budget.BeginMacrostep()
	}
}

// endMacrostep reports a completed macrostep to the host and, when the
// session has reached a top-level final state, exits the interpreter: the
// host sees the final configuration before it is exited.
func (s *Session) endMacrostep(ev *Event) {
	s.macrosteps++
	s.breachedLast = s.breaches > 0
	if s.e.opts.OnMacrostep != nil {
		s.e.opts.OnMacrostep(s, ev)
	}
	if s.running {
		if err := s.aborted(); err != nil {
			// A breach the host measured during the macrostep, or in
			// its macrostep hook.
			s.report(err)
			s.terminate(err)
		} else if s.limitErr != nil {
			s.terminate(s.limitErr)
		}
	}
	if s.exitReq && s.running {
		// Asked during the macrostep's last microstep or its hook.
		s.takeExitRequest()
	}
	if !s.running && !s.ended {
		s.exitInterpreter()
	}
	if s.budget != nil {
		s.budget.EndMacrostep()
	}
}

// processExternal handles the external event in s.cur: finalize and
// autoforward (§6.4), its transitions, and the macrostep that follows.
func (s *Session) processExternal() {
	s.beginMacrostep()
	// The external queue keeps its popped event in place until its next
	// pop, at the next step: s.cur, which internal events replace, still
	// points at it when the macrostep ends.
	macroEv := s.cur
	ev := s.cur
	s.dm.SetEvent(ev)
	s.bound = true
	if s.e.opts.OnEvent != nil {
		s.e.opts.OnEvent(s, ev)
	}
	if s.rare != nil && len(s.byInvoke) > 0 {
		s.finalizeAndForward(ev)
	}
	if s.running {
		if en := s.selectTransitions(ev); len(en) > 0 {
			s.microstep(en)
		}
		s.macrostep()
	}
	s.endMacrostep(macroEv)
}

// macrostep is the body of mainEventLoop up to the wait for an external
// event: eventless transitions and internal events until none are left,
// then the invokes of the states entered.
func (s *Session) macrostep() {
	for s.running {
		for s.running {
			if s.limitErr != nil {
				s.terminate(s.limitErr)
				return
			}
			if err := s.aborted(); err != nil {
				s.report(err)
				s.terminate(err)
				return
			}
			if s.exitReq {
				s.takeExitRequest()
				s.exitInterpreter()
				return
			}
			en := s.selectEventless()
			if len(en) == 0 {
				if s.internal.len() == 0 {
					break
				}
				s.cur = s.internal.pop()
				s.countInternalEvent()
				s.dm.SetEvent(s.cur)
				s.bound = true
				if s.e.opts.OnEvent != nil {
					s.e.opts.OnEvent(s, s.cur)
				}
				en = s.selectTransitions(s.cur)
			}
			if len(en) > 0 {
				s.microstep(en)
				s.countMicrostep()
			}
		}
		if !s.running {
			break
		}
		if s.chart.hasInvoke && !s.toInvoke().empty() {
			s.runInvokes()
		}
		if s.internal.len() == 0 {
			break
		}
	}
}

// terminate ends the session because of err, which has been reported:
// states are exited without a done event for a parent.
func (s *Session) terminate(err error) {
	s.err = err
	s.final = nil
	s.cancelled = true
	s.running = false
	s.exitInterpreter()
}

// cancel ends the session on behalf of an external entity (a parent
// leaving the invoking state, or the host).
//
// A cancel from within the session's own step (a host hook the step
// calls) or exit asks for the end as Exit does: the step ends the
// session at the end of its microstep, so that no state is exited twice
// and nothing is entered after the exit.
func (s *Session) cancel() {
	if s.ended {
		return
	}
	if s.busy {
		s.exitReq = true
		return
	}
	s.cancelled = true
	s.running = false
	if !s.started {
		s.ended = true
		s.finish()
		return
	}
	s.busy = true
	s.bracket(s.exitInterpreter)
	s.busy = false
	s.finish()
}

// bracket runs f, which runs executable content outside a macrostep (the
// exit handlers of a session ended from outside), as a macrostep for the
// data model's script budget.
func (s *Session) bracket(f func()) {
	if s.budget == nil {
		f()
		return
	}
	s.budget.BeginMacrostep()
	defer s.budget.EndMacrostep()
	f()
}

// exitInterpreter is Appendix D's exitInterpreter.
func (s *Session) exitInterpreter() {
	s.running = false
	for o := s.cfg.prev(s.chart.nstates - 1); o >= 0; o = s.cfg.prev(o - 1) {
		s.exitState(o)
	}
	if s.final != nil && !s.cancelled && s.parent != nil {
		s.returnDone(s.final)
	}
	s.ended = true
}

// finish removes an ended session from its engine and tells the host.
func (s *Session) finish() {
	if _, ok := s.e.sessions[s.id]; !ok {
		return
	}
	delete(s.e.sessions, s.id)
	s.e.unschedule(s)
	s.e.dropTimers(s)
	s.dm.Close()
	if s.e.opts.OnDone != nil {
		s.e.opts.OnDone(s)
	}
}

// takeExitRequest makes the session end as Exit asked: cancelled, so no
// done event goes to a parent.
func (s *Session) takeExitRequest() {
	s.cancelled = true
	s.running = false
	s.final = nil
}

// Exit asks the session to end as if cancelled: at the end of the current
// microstep its states are exited and no done event is sent to a parent.
// Custom actions call it for a session that terminates itself.
func (s *Session) Exit() { s.exitReq = true }

// ErrInternal is wrapped by the error of a session ended by a fault in the
// interpreter or in a host hook (a panic), so that one broken session does
// not take its host down.
var ErrInternal = errors.New("internal error")

func (s *Session) recoverPanic() {
	r := recover()
	if r == nil {
		return
	}
	err := fmt.Errorf("%w: %v", ErrInternal, r)
	if s.budget != nil {
		s.budget.EndMacrostep()
	}
	s.report(err)
	s.err = err
	s.final = nil
	s.cancelled = true
	s.running = false
	s.ended = true
	s.busy = false
	s.finish()
}

func (s *Session) report(err error) {
	if s.e.opts.OnError != nil {
		s.e.opts.OnError(s, err)
	}
}

// queue is a FIFO of events held by value in a ring, so that queuing an
// event allocates nothing once the ring has grown. The event pop returns
// stays in its slot, not copied out, until the next pop of the queue:
// the ring keeps a slot free for it, and when it grows the event stays
// in the old ring.
//
// The ring's length is a power of two (grow doubles it from 2), so that
// an index wraps with a mask rather than a division.
type queue struct {
	ring    []Event
	head, n int
	// popped is the slot+1 of the event the last pop returned, 0 none.
	popped int
}

func (q *queue) len() int { return q.n }

// at returns the i-th event waiting.
func (q *queue) at(i int) *Event { return &q.ring[(q.head+i)&(len(q.ring)-1)] }

func (q *queue) push(ev *Event) {
	if q.n+1 >= len(q.ring) {
		q.grow()
	}
	put(q.at(q.n), ev)
	q.n++
}

// put copies ev into d, a free slot of a ring, which is zero: only the
// fields ev has are written, so that while the collector marks an event
// with a name and little else pays the write barrier of one pointer
// rather than of every pointer of the struct.
func put(d, ev *Event) {
	d.Name, d.Type = ev.Name, ev.Type
	if ev.SendID != "" {
		d.SendID = ev.SendID
	}
	if ev.Origin != "" {
		d.Origin = ev.Origin
	}
	if ev.OriginType != "" {
		d.OriginType = ev.OriginType
	}
	if ev.InvokeID != "" {
		d.InvokeID = ev.InvokeID
	}
	if ev.Data != nil {
		d.Data = ev.Data
	}
	if ev.Raw != "" {
		d.Raw = ev.Raw
	}
}

// release zeroes the event of a slot the ring frees, writing only the
// fields it has (see put).
func release(d *Event) {
	d.Name, d.Type = "", 0
	if d.SendID != "" {
		d.SendID = ""
	}
	if d.Origin != "" {
		d.Origin = ""
	}
	if d.OriginType != "" {
		d.OriginType = ""
	}
	if d.InvokeID != "" {
		d.InvokeID = ""
	}
	if d.Data != nil {
		d.Data = nil
	}
	if d.Raw != "" {
		d.Raw = ""
	}
}

// grow moves the waiting events to a ring twice the size; the popped
// event stays where it is.
func (q *queue) grow() {
	ring := make([]Event, max(2, 2*len(q.ring)))
	for i := range q.n {
		ring[i] = *q.at(i)
	}
	q.ring, q.head, q.popped = ring, 0, 0
}

// pop returns the next event, valid until the next pop or reset of the
// queue; it releases the one the last pop returned.
func (q *queue) pop() *Event {
	if q.popped > 0 {
		release(&q.ring[q.popped-1])
	}
	ev := &q.ring[q.head]
	q.popped = q.head + 1
	q.head = (q.head + 1) & (len(q.ring) - 1)
	q.n--
	return ev
}

// reset drops the waiting events (not the popped one).
func (q *queue) reset() {
	for i := range q.n {
		release(q.at(i))
	}
	q.n = 0
}

// invocations returns the session's invocations by id (nil if none).
func (s *Session) invocations() map[string]*invocation {
	if s.rare == nil {
		return nil
	}
	return s.invokes
}

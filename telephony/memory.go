package telephony

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"
)

// RequestKind names the kind of a request the Memory port received.
type RequestKind string

// The request kinds, one per Port method.
const (
	KindMakeCall    RequestKind = "MakeCall"
	KindUserData    RequestKind = "UserData"
	KindUserEvent   RequestKind = "UserEvent"
	KindRoute       RequestKind = "Route"
	KindRelease     RequestKind = "Release"
	KindTreatment   RequestKind = "Treatment"
	KindQueueSubmit RequestKind = "QueueSubmit"
	KindQueueCancel RequestKind = "QueueCancel"
)

// Request is a request the Memory port received. Body is the request value:
// MakeCall, UserDataChange, UserEvent, Route, Release, Treatment,
// QueueSubmit or QueueCancel.
type Request struct {
	Ref  ReferenceID
	Kind RequestKind
	Time time.Time
	Body any
}

// Answer scripts how the Memory port answers one request. The zero Answer
// is the default outcome of the request's kind (see Memory).
type Answer struct {
	// Delay is how long after the request the answer comes.
	Delay time.Duration
	// ErrorCode, when not zero, answers with EventError carrying it and
	// ErrorMessage.
	ErrorCode    int
	ErrorMessage string
	// Target is the target a queue submit finds ("" means its first).
	Target string
	// Silent sends no answer at all (a queue that never finds an agent).
	Silent bool
	// CallResult is the call progress result a make-call's natural
	// answer reports on EventDialing ("Answer" for call-progress
	// detection); "" reports none.
	CallResult string
	// Events, when not nil, replaces the default answer: the events it
	// returns are sent Delay after the request; a zero ReferenceID is set
	// to the request's.
	Events func(r Request) []Event
}

// Call is a call the Memory port knows.
type Call struct {
	ConnID   ConnID
	CallID   string
	ThisDN   string
	OtherDN  string
	Switch   string
	Type     string
	ANI      string
	DNIS     string
	UserData UserData
}

// MemoryOptions configure a Memory port.
type MemoryOptions struct {
	// Start is the port's initial time (the zero time when zero).
	Start time.Time
	// Switch is the switch name of events that name none ("SIP_Switch"
	// when empty).
	Switch string
}

// Memory is an in-memory Port. Its time moves only with Advance, and
// events are delivered only by Flush and Advance, on the caller's
// goroutine, in the order they fall due; so tests are deterministic.
//
// Without a script, requests get their natural answers: MakeCall
// EventDialing then EventEstablished for a new call; UpdateUserData
// EventAttachedDataChanged with the call's whole data; DistributeUserEvent
// EventACK and EventUserEvent; Route EventRouteUsed; Release EventReleased;
// PlayTreatment EventTreatmentEnd after the treatment's duration;
// SubmitToQueue EventTargetSelected with the first target (EventError with
// ErrCodeTimeout when the answer would come after the submit's timeout);
// CancelQueue EventACK. Requests on an unknown ConnID get EventError with
// ErrCodeNoSuchCall.
//
// Memory is also a Statistics source: a queue submit waits in its virtual
// queue from the request until its answer is delivered (a target found
// counts as distributed), or until its call is gone; see QueueBook.
type Memory struct {
	mu       sync.Mutex
	now      time.Time
	sw       string
	seq      uint64
	ref      ReferenceID
	conn     uint64
	callSeq  uint64
	requests []Request
	scripts  map[RequestKind][]Answer
	defaults map[RequestKind]Answer
	calls    map[ConnID]*Call
	pending  []pending
	subs     map[int]Handler
	subSeq   int
	// queues records the queue submits waiting for their answer: the
	// port's Statistics.
	queues QueueBook
}

type pending struct {
	due time.Time
	seq uint64
	ev  Event
}

var (
	_ Port       = (*Memory)(nil)
	_ Statistics = (*Memory)(nil)
)

// NewMemory returns an in-memory port.
func NewMemory(opts MemoryOptions) *Memory {
	sw := opts.Switch
	if sw == "" {
		sw = "SIP_Switch"
	}
	return &Memory{
		now: opts.Start, sw: sw,
		scripts:  make(map[RequestKind][]Answer),
		defaults: make(map[RequestKind]Answer),
		calls:    make(map[ConnID]*Call),
		subs:     make(map[int]Handler),
	}
}

// Script queues answers for the next requests of kind, one per request, in
// order; once they are used up the default answer applies again.
func (m *Memory) Script(kind RequestKind, answers ...Answer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.scripts[kind] = append(m.scripts[kind], answers...)
}

// SetDefault replaces the answer to requests of kind that no script
// covers.
func (m *Memory) SetDefault(kind RequestKind, a Answer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.defaults[kind] = a
}

// Now returns the port's time.
func (m *Memory) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// Requests returns every request received so far, in order.
func (m *Memory) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.requests)
}

// RequestsOf returns the requests of one kind, in order.
func (m *Memory) RequestsOf(kind RequestKind) []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Request
	for _, r := range m.requests {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// Call returns a copy of the call with the given ConnID.
func (m *Memory) Call(id ConnID) (Call, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.calls[id]
	if c == nil {
		return Call{}, false
	}
	cp := *c
	cp.UserData = c.UserData.Clone()
	return cp, true
}

// Pending returns how many events wait to be delivered.
func (m *Memory) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.pending)
}

// NextDue returns when the earliest pending event falls due.
func (m *Memory) NextDue() (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) == 0 {
		return time.Time{}, false
	}
	return m.pending[0].due, true
}

// Subscribe adds a handler for every event the port delivers.
func (m *Memory) Subscribe(h Handler) func() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.subSeq++
	id := m.subSeq
	m.subs[id] = h
	return func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		delete(m.subs, id)
	}
}

// Flush delivers every event due at the port's current time and returns
// how many it delivered. Events that handlers cause to fall due now are
// delivered too.
func (m *Memory) Flush() int {
	n := 0
	for {
		m.mu.Lock()
		var due []Event
		for len(m.pending) > 0 && !m.pending[0].due.After(m.now) {
			ev := m.pending[0].ev
			due = append(due, ev)
			m.pending = m.pending[1:]
			m.answered(ev)
		}
		hs := m.handlers()
		m.mu.Unlock()
		if len(due) == 0 {
			return n
		}
		for _, ev := range due {
			for _, h := range hs {
				h(ev)
			}
		}
		n += len(due)
	}
}

// Advance moves the port's time forward by d, delivering the events that
// fall due on the way in order, each at its own time, and returns how many
// it delivered.
func (m *Memory) Advance(d time.Duration) int {
	m.mu.Lock()
	end := m.now.Add(d)
	m.mu.Unlock()
	n := m.Flush()
	for {
		m.mu.Lock()
		if len(m.pending) == 0 || m.pending[0].due.After(end) {
			if end.After(m.now) {
				m.now = end
			}
			m.mu.Unlock()
			return n
		}
		if m.pending[0].due.After(m.now) {
			m.now = m.pending[0].due
		}
		m.mu.Unlock()
		n += m.Flush()
	}
}

// SetTime moves the port's time to t (never back) without delivering
// anything; hosts that share a clock with an engine use it with Flush.
func (m *Memory) SetTime(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.now) {
		m.now = t
	}
}

func (m *Memory) handlers() []Handler {
	ids := make([]int, 0, len(m.subs))
	for id := range m.subs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	hs := make([]Handler, len(ids))
	for i, id := range ids {
		hs[i] = m.subs[id]
	}
	return hs
}

// emit schedules ev at due; m.mu is held.
func (m *Memory) emit(due time.Time, ev Event) {
	if ev.Time.IsZero() {
		ev.Time = due
	}
	if ev.Switch == "" {
		ev.Switch = m.sw
	}
	m.seq++
	p := pending{due: due, seq: m.seq, ev: ev}
	i := sort.Search(len(m.pending), func(i int) bool {
		q := m.pending[i]
		return q.due.After(due) || (q.due.Equal(due) && q.seq > p.seq)
	})
	m.pending = slices.Insert(m.pending, i, p)
}

// NewCall adds a call and announces it with EventRouteRequest on its
// ThisDN (a routing point) at the current time. A missing ConnID or CallID
// is generated; the ConnID is returned.
func (m *Memory) NewCall(c Call) ConnID {
	m.mu.Lock()
	defer m.mu.Unlock()
	c = m.addCall(c)
	m.emit(m.now, m.callEvent(EventRouteRequest, c.ConnID))
	return c.ConnID
}

// addCall stores c with generated ids where missing; m.mu is held.
func (m *Memory) addCall(c Call) Call {
	if c.ConnID == "" {
		m.conn++
		c.ConnID = ConnID(fmt.Sprintf("%016X", 0x006E02C1A0000000+m.conn))
	}
	if c.CallID == "" {
		m.callSeq++
		c.CallID = strconv.FormatUint(100000+m.callSeq, 10)
	}
	if c.Switch == "" {
		c.Switch = m.sw
	}
	if c.Type == "" {
		c.Type = "Inbound"
	}
	c.UserData = c.UserData.Clone()
	stored := c
	m.calls[c.ConnID] = &stored
	return c
}

// callEvent is an event of type t describing call id; m.mu is held.
func (m *Memory) callEvent(t EventType, id ConnID) Event {
	ev := Event{Type: t, ConnID: id}
	if c := m.calls[id]; c != nil {
		ev.CallID, ev.ThisDN, ev.OtherDN, ev.Switch = c.CallID, c.ThisDN, c.OtherDN, c.Switch
		ev.CallType, ev.ANI, ev.DNIS = c.Type, c.ANI, c.DNIS
		ev.UserData = c.UserData.Clone()
	}
	return ev
}

// Inject schedules ev at the current time, as if the switch had sent it.
func (m *Memory) Inject(ev Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.emit(m.now, ev)
}

// Abandon makes the caller of a call hang up: EventAbandoned, and the call
// is gone.
func (m *Memory) Abandon(id ConnID) error {
	return m.callChange(id, EventAbandoned, func(*Call) bool { return true })
}

// Hangup releases a call from the switch side: EventReleased, and the call
// is gone.
func (m *Memory) Hangup(id ConnID) error {
	return m.callChange(id, EventReleased, func(*Call) bool { return true })
}

// ChangeParty reports that the call's other party is now otherDN:
// EventPartyChanged.
func (m *Memory) ChangeParty(id ConnID, otherDN string) error {
	return m.callChange(id, EventPartyChanged, func(c *Call) bool {
		c.OtherDN = otherDN
		return false
	})
}

// ChangeUserData updates a call's data as another client would:
// EventAttachedDataChanged with no ReferenceID.
func (m *Memory) ChangeUserData(id ConnID, ud UserData) error {
	return m.callChange(id, EventAttachedDataChanged, func(c *Call) bool {
		c.UserData.Update(ud.Clone())
		return false
	})
}

// ErrNoSuchCall is returned for a ConnID the Memory port does not know.
var ErrNoSuchCall = errors.New("no such call")

func (m *Memory) callChange(id ConnID, t EventType, change func(*Call) (gone bool)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.calls[id]
	if c == nil {
		return fmt.Errorf("%w: %s", ErrNoSuchCall, id)
	}
	gone := change(c)
	m.emit(m.now, m.callEvent(t, id))
	if gone {
		delete(m.calls, id)
		m.queues.Drop(id)
	}
	return nil
}

// Merge reports that a transfer or conference merged call from into call
// to, as T-Server does: EventPartyChanged on to, whose PreviousConnID is
// from, then EventReleased for from, which is gone.
func (m *Memory) Merge(from, to ConnID) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.calls[from] == nil {
		return fmt.Errorf("%w: %s", ErrNoSuchCall, from)
	}
	if m.calls[to] == nil {
		return fmt.Errorf("%w: %s", ErrNoSuchCall, to)
	}
	ev := m.callEvent(EventPartyChanged, to)
	ev.PreviousConnID = from
	m.emit(m.now, ev)
	m.emit(m.now, m.callEvent(EventReleased, from))
	delete(m.calls, from)
	m.queues.Drop(from)
	return nil
}

// answered updates the queue statistics for an event delivered now: the
// answer to a queue submit takes it out of its queue, as distributed when
// a target was found; m.mu is held.
func (m *Memory) answered(ev Event) {
	if ev.ReferenceID == 0 || !m.queues.Has(ev.ReferenceID) {
		return
	}
	switch ev.Type {
	case EventTargetSelected:
		m.queues.Distribute(ev.ReferenceID, m.now)
	case EventError:
		m.queues.Leave(ev.ReferenceID)
	}
}

// QueueStat returns the state of virtual queue queue from the submits the
// port received: those waiting for their answer, and the times of the
// answers that found a target (see QueueBook).
func (m *Memory) QueueStat(queue string) (QueueStat, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.queues.QueueStat(queue, m.now), nil
}

// Waiting returns the place of call conn among the submits to queue
// waiting for their answer.
func (m *Memory) Waiting(queue string, conn ConnID) (Waiting, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.queues.Waiting(queue, conn, m.now)
	return w, ok, nil
}

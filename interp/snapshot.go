package interp

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/orca-scxml/orca/scxml"
)

// Persistent is implemented by the parts of a session whose state a
// snapshot keeps besides what the interpreter holds: its data model, and
// the session locals (Session.SetLocal) of hosts, modules and actions.
// Persist returns the state; Restore sets it again in a session
// Engine.Restore re-creates, on the goroutine that runs the session.
type Persistent interface {
	Persist() ([]byte, error)
	Restore(data []byte) error
}

// SnapshotVersion is the version of the SessionState format; Restore
// refuses others.
const SnapshotVersion = 1

// SessionState is a session between two macrosteps, as Session.Snapshot
// records it and Engine.Restore brings it back: everything the
// interpreter holds, the state of its data model and of its persistent
// locals, and the sessions it invoked. It encodes as JSON. States are
// named by id, so a snapshot survives a document whose states keep their
// ids; delayed sends carry absolute due times.
type SessionState struct {
	V  int    `json:"v"`
	ID string `json:"id"`
	// Document is the file or URL of the session's document
	// (scxml.Document.File): the host finds its chart by it.
	Document string `json:"doc"`
	// InvokeID is the id under which the parent invoked this session.
	InvokeID string          `json:"invokeid,omitempty"`
	Params   json.RawMessage `json:"params,omitempty"`
	// Config lists the active states in document order.
	Config []string `json:"config"`
	// DataDone lists the states whose data is initialised (late
	// binding).
	DataDone []string `json:"datadone,omitempty"`
	// History maps history states to their recorded values.
	History map[string][]string `json:"history,omitempty"`
	// Internal and External are the queues, first event first.
	Internal []EventState `json:"internal,omitempty"`
	External []EventState `json:"external,omitempty"`
	// Last is the event _event is bound to (nil before the first).
	Last *EventState `json:"last,omitempty"`
	// Sends are the delayed sends pending, in the order they were sent.
	Sends []SendState `json:"sends,omitempty"`
	// Invokes are the invocations in progress.
	Invokes      []InvokeState `json:"invokes,omitempty"`
	NextID       int           `json:"nextid,omitempty"`
	Macrosteps   uint64        `json:"macrosteps"`
	BreachedLast bool          `json:"breached,omitempty"`
	// Datamodel is what the data model's Persist returned.
	Datamodel json.RawMessage `json:"datamodel,omitempty"`
	// Locals holds what each Persistent local returned, by key.
	Locals map[string]json.RawMessage `json:"locals,omitempty"`
}

// EventState is an event of a snapshot; Data is in MarshalValue's form.
type EventState struct {
	Name       string          `json:"name"`
	Type       EventType       `json:"type,omitempty"`
	SendID     string          `json:"sendid,omitempty"`
	Origin     string          `json:"origin,omitempty"`
	OriginType string          `json:"origintype,omitempty"`
	InvokeID   string          `json:"invokeid,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Raw        string          `json:"raw,omitempty"`
}

// SendState is a delayed send of a snapshot.
type SendState struct {
	Due time.Time `json:"due"`
	// Seq orders the sends of a snapshot (its invoked sessions' too)
	// that fall due at the same time.
	Seq uint64 `json:"seq"`
	// Key is the id <cancel> names it by.
	Key string `json:"key,omitempty"`
	// Target and Type are the <send>'s target and I/O processor ("" for
	// SCXML).
	Target string     `json:"target,omitempty"`
	Type   string     `json:"type,omitempty"`
	Event  EventState `json:"event"`
}

// InvokeState is an invocation of a snapshot: the <invoke> (the State's
// Index-th), where its document came from, and the invoked session.
type InvokeState struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Index int    `json:"index"`
	Src   string `json:"src,omitempty"`
	Text  string `json:"text,omitempty"`
	// Child is the invoked session, nil once it has ended.
	Child *SessionState `json:"child,omitempty"`
}

// NextDue returns when the earliest delayed send of the snapshot (or of a
// session it invoked) falls due.
func (st *SessionState) NextDue() (time.Time, bool) {
	var due time.Time
	ok := false
	for i := range st.Sends {
		if d := st.Sends[i].Due; !ok || d.Before(due) {
			due, ok = d, true
		}
	}
	for i := range st.Invokes {
		if c := st.Invokes[i].Child; c != nil {
			if d, cok := c.NextDue(); cok && (!ok || d.Before(due)) {
				due, ok = d, true
			}
		}
	}
	return due, ok
}

// ErrNotPersistent is wrapped by the errors of Snapshot for state it
// cannot keep: a data model or invocation that is not Persistent, a value
// with no persistent form.
var ErrNotPersistent = errors.New("cannot be persisted")

// Snapshot records the session's state. It is called between macrosteps
// on the goroutine that runs the session (from an OnMacrostep hook or a
// host's call), for a session that has started and not ended. A session
// invoked by another is recorded with its parent's snapshot. The error
// names what cannot be kept: an invocation of a type other than SCXML, a
// data model or value that is not persistent.
func (s *Session) Snapshot() (*SessionState, error) {
	if !s.started || s.ended {
		return nil, fmt.Errorf("session %s: only a session between macrosteps can be snapshot", s.id)
	}
	r := s.rare
	if r == nil {
		r = new(rare)
	}
	st := &SessionState{
		V: SnapshotVersion, ID: s.id, Document: s.doc.File, InvokeID: s.invokeID,
		NextID: r.nextID, Macrosteps: s.macrosteps, BreachedLast: s.breachedLast,
	}
	fail := func(what string, err error) (*SessionState, error) {
		return nil, fmt.Errorf("session %s: %s: %w", s.id, what, err)
	}
	var err error
	if r.params != nil || r.defaults != nil {
		// Encoded at each snapshot rather than kept: a session that
		// waits would hold a second copy of its start parameters (a
		// callback's seventy, some 1.1 KB) for one encoding saved a
		// write.
		if st.Params, err = appendParams(nil, r.params, r.defaults); err != nil {
			return fail("params", err)
		}
	}
	st.Config = make([]string, 0, s.cfg.count())
	for o := s.cfg.next(0); o >= 0; o = s.cfg.next(o + 1) {
		st.Config = append(st.Config, s.doc.States[o].ID)
	}
	if s.dataDone() != nil {
		for o := s.dataDone().next(0); o >= 0; o = s.dataDone().next(o + 1) {
			st.DataDone = append(st.DataDone, s.doc.States[o].ID)
		}
	}
	for o, hv := range r.history {
		if st.History == nil {
			st.History = make(map[string][]string, len(r.history))
		}
		ids := make([]string, len(hv))
		for i, h := range hv {
			ids[i] = h.ID
		}
		st.History[s.doc.States[o].ID] = ids
	}
	if st.Internal, err = queueState(&s.internal); err != nil {
		return fail("internal queue", err)
	}
	if st.External, err = queueState(&s.ext); err != nil {
		return fail("external queue", err)
	}
	if s.bound {
		ev, err := eventState(s.cur)
		if err != nil {
			return fail("_event", err)
		}
		st.Last = &ev
	}
	if st.Sends, err = s.sendStates(); err != nil {
		return fail("delayed send", err)
	}
	if st.Invokes, err = s.invokeStates(); err != nil {
		return nil, err
	}
	p, ok := s.dm.(Persistent)
	if !ok {
		return fail("data model", fmt.Errorf("%T %w", s.dm, ErrNotPersistent))
	}
	if st.Datamodel, err = p.Persist(); err != nil {
		return fail("data model", err)
	}
	for _, l := range r.locals {
		p, ok := l.v.(Persistent)
		if !ok {
			continue
		}
		data, err := p.Persist()
		if err != nil {
			return fail("local "+l.key, err)
		}
		if st.Locals == nil {
			st.Locals = make(map[string]json.RawMessage, len(r.locals))
		}
		st.Locals[l.key] = data
	}
	return st, nil
}

// appendParams appends the start parameters, own over defaults, as
// MarshalValue writes the map they make, without making it.
func appendParams(b []byte, own, defaults map[string]any) ([]byte, error) {
	var buf [128]string
	keys := buf[:0]
	for k := range own {
		keys = append(keys, k)
	}
	for k := range defaults {
		if _, ok := own[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if b == nil {
		// Sized from the values, it does not grow some ten times.
		size := 2
		for _, k := range keys {
			v, ok := own[k]
			if !ok {
				v = defaults[k]
			}
			size += len(k) + 4 + paramSize(v)
		}
		b = make([]byte, 0, size)
	}
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		v, ok := own[k]
		if !ok {
			v = defaults[k]
		}
		b = appendKey(b, k)
		var err error
		if b, err = appendValue(b, v, 1); err != nil {
			return b, fmt.Errorf("%s: %w", k, err)
		}
	}
	return append(b, '}'), nil
}

// paramSize is about what appendValue writes for v: exact for a string
// with nothing to escape, a bound for other scalars.
func paramSize(v any) int {
	switch v := v.(type) {
	case string:
		return len(v) + 2
	case nil, bool:
		return 5
	case float64, int, int64:
		return 24
	}
	return 64
}

func queueState(q *queue) ([]EventState, error) {
	if q.len() == 0 {
		return nil, nil
	}
	out := make([]EventState, 0, q.len())
	for i := range q.len() {
		ev, err := eventState(q.at(i))
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

func eventState(ev *Event) (EventState, error) {
	st := EventState{Name: ev.Name, Type: ev.Type, SendID: ev.SendID, Origin: ev.Origin,
		OriginType: ev.OriginType, InvokeID: ev.InvokeID, Raw: ev.Raw}
	if ev.Data != nil {
		data, err := MarshalValue(ev.Data)
		if err != nil {
			return st, fmt.Errorf("event %s: data: %w", ev.Name, err)
		}
		st.Data = data
	}
	return st, nil
}

func (st *EventState) event() (Event, error) {
	ev := Event{Name: st.Name, Type: st.Type, SendID: st.SendID, Origin: st.Origin,
		OriginType: st.OriginType, InvokeID: st.InvokeID, Raw: st.Raw}
	if len(st.Data) > 0 {
		data, err := UnmarshalValue(st.Data)
		if err != nil {
			return ev, fmt.Errorf("event %s: %w", st.Name, err)
		}
		ev.Data = data
	}
	return ev, nil
}

// sendStates records the pending delayed sends, in the order they were
// sent.
func (s *Session) sendStates() ([]SendState, error) {
	var live []*timer
	if s.rare == nil {
		return []SendState{}, nil
	}
	for _, t := range s.sends {
		if !t.cancelled && !t.fired {
			live = append(live, t)
		}
	}
	slices.SortFunc(live, func(a, b *timer) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]SendState, 0, len(live))
	for _, t := range live {
		ev, err := eventState(&t.ev)
		if err != nil {
			return nil, err
		}
		out = append(out, SendState{Due: t.due, Seq: t.seq, Key: t.sendid, Target: t.target, Type: t.typ, Event: ev})
	}
	return out, nil
}

// invokeStates records the invocations, in document order.
func (s *Session) invokeStates() ([]InvokeState, error) {
	if s.rare == nil || len(s.byInvoke) == 0 {
		return nil, nil
	}
	recs := make([]*invocation, 0, len(s.byInvoke))
	for _, rec := range s.byInvoke {
		recs = append(recs, rec)
	}
	slices.SortFunc(recs, func(a, b *invocation) int {
		return cmp.Or(cmp.Compare(a.inv.Parent.Order, b.inv.Parent.Order),
			cmp.Compare(slices.Index(a.inv.Parent.Invokes, a.inv), slices.Index(b.inv.Parent.Invokes, b.inv)))
	})
	out := make([]InvokeState, 0, len(recs))
	for _, rec := range recs {
		if rec.child == nil {
			return nil, fmt.Errorf("session %s: invocation %s of type other than SCXML %w", s.id, rec.id, ErrNotPersistent)
		}
		ist := InvokeState{ID: rec.id, State: rec.inv.Parent.ID, Index: slices.Index(rec.inv.Parent.Invokes, rec.inv),
			Src: rec.from.src, Text: rec.from.text}
		if !rec.child.ended {
			child, err := rec.child.Snapshot()
			if err != nil {
				return nil, err
			}
			ist.Child = child
		}
		out = append(out, ist)
	}
	return out, nil
}

// Restore re-creates in the engine the session st records, running chart
// c (the chart of st.Document), with the sessions it invoked: its data
// model is set up (system variables, the host's environment) and given
// back its state, Options.OnRestore is called, and then its persistent
// locals are restored. Its delayed sends keep their due times: those
// already due fire when the engine next runs, in due order, as do the
// events of its queues. It runs on the engine's goroutine. An error (a
// state the document no longer has, a local with nothing to restore into)
// leaves nothing behind.
func (e *Engine) Restore(c *Chart, st *SessionState) (*Session, error) {
	if st.V != SnapshotVersion {
		return nil, fmt.Errorf("session %s: snapshot version %d, want %d", st.ID, st.V, SnapshotVersion)
	}
	if _, dup := e.sessions[st.ID]; dup {
		return nil, fmt.Errorf("session %q already exists", st.ID)
	}
	rc := &restoring{}
	s, err := e.restore(c, st, nil, rc)
	if err == nil {
		// The delayed sends of the session and of those it invoked are
		// scheduled in the order they were sent, so that sends due at
		// the same time fire in that order again.
		slices.SortStableFunc(rc.sends, func(a, b pendingSend) int { return cmp.Compare(a.seq, b.seq) })
		for _, p := range rc.sends {
			e.pushTimer(p.t)
		}
		for _, m := range rc.made {
			e.accept(m)
			if m.ext.len() > 0 {
				e.schedule(m)
			}
		}
	}
	if err != nil {
		for _, m := range rc.made {
			delete(e.sessions, m.id)
			e.dropTimers(m)
			m.ended = true
			m.dm.Close()
		}
		return nil, err
	}
	return s, nil
}

// restoring is what Restore gathers while it re-creates a session and
// those it invoked.
type restoring struct {
	made  []*Session
	sends []pendingSend
}

type pendingSend struct {
	seq uint64
	t   *timer
}

func (e *Engine) restore(c *Chart, st *SessionState, parent *Session, rc *restoring) (*Session, error) {
	s, err := newSession(e, c, st.ID, parent, st.InvokeID)
	if err != nil {
		return nil, fmt.Errorf("session %s: %w", st.ID, err)
	}
	fail := func(what string, err error) (*Session, error) {
		return nil, fmt.Errorf("session %s: restoring %s: %w", st.ID, what, err)
	}
	rc.made = append(rc.made, s)
	e.sessions[s.id] = s
	if len(st.Params) > 0 {
		v, err := UnmarshalValue(st.Params)
		if err != nil {
			return fail("params", err)
		}
		params, ok := v.(map[string]any)
		if !ok {
			return fail("params", fmt.Errorf("not an object: %T", v))
		}
		s.more().params = params
	}
	s.started, s.running = true, true
	s.macrosteps, s.breachedLast = st.Macrosteps, st.BreachedLast
	if st.NextID != 0 {
		s.more().nextID = st.NextID
	}
	state := func(id string) (*scxml.State, error) {
		if x := s.doc.ByID[id]; x != nil {
			return x, nil
		}
		if r := s.doc.Root; r != nil && r.ID == id {
			return r, nil
		}
		return nil, fmt.Errorf("state %q is not in %s (the document changed since)", id, s.doc.File)
	}
	for _, id := range st.Config {
		x, err := state(id)
		if err != nil {
			return fail("configuration", err)
		}
		s.cfg.add(x.Order)
	}
	for _, id := range st.DataDone {
		x, err := state(id)
		if err != nil {
			return fail("data", err)
		}
		if s.dataDone() != nil {
			s.dataDone().add(x.Order)
		}
	}
	for hid, ids := range st.History {
		h, err := state(hid)
		if err != nil {
			return fail("history", err)
		}
		hv := make([]*scxml.State, 0, len(ids))
		for _, id := range ids {
			x, err := state(id)
			if err != nil {
				return fail("history", err)
			}
			hv = append(hv, x)
		}
		if r := s.more(); r.history == nil {
			r.history = make(map[int][]*scxml.State)
		}
		s.history[h.Order] = hv
	}
	p, ok := s.dm.(Persistent)
	if !ok {
		return fail("data model", fmt.Errorf("%T %w", s.dm, ErrNotPersistent))
	}
	if err := s.dm.Setup(s); err != nil {
		return fail("data model setup", err)
	}
	if err := p.Restore(st.Datamodel); err != nil {
		return fail("data model", err)
	}
	if st.Last != nil {
		ev, err := st.Last.event()
		if err != nil {
			return fail("_event", err)
		}
		s.cur, s.bound = &ev, true
		s.dm.SetEvent(s.cur)
	}
	for _, q := range []struct {
		q  *queue
		st []EventState
	}{{&s.internal, st.Internal}, {&s.ext, st.External}} {
		for i := range q.st {
			ev, err := q.st[i].event()
			if err != nil {
				return fail("queue", err)
			}
			q.q.push(&ev)
		}
	}
	for i := range st.Invokes {
		if err := s.restoreInvoke(&st.Invokes[i], rc); err != nil {
			return fail("invocation "+st.Invokes[i].ID, err)
		}
	}
	for i := range st.Sends {
		if err := s.restoreSend(&st.Sends[i], rc); err != nil {
			return fail("delayed send", err)
		}
	}
	if e.opts.OnRestore != nil {
		e.opts.OnRestore(s)
	}
	for _, k := range slices.Sorted(maps.Keys(st.Locals)) {
		p, ok := s.Local(k).(Persistent)
		if !ok {
			return fail("local "+k, fmt.Errorf("the host set no Persistent local %q to restore into", k))
		}
		if err := p.Restore(st.Locals[k]); err != nil {
			return fail("local "+k, err)
		}
	}
	return s, nil
}

// restoreInvoke re-creates an invocation and its session.
func (s *Session) restoreInvoke(ist *InvokeState, rc *restoring) error {
	st := s.doc.ByID[ist.State]
	if st == nil || ist.Index < 0 || ist.Index >= len(st.Invokes) {
		return fmt.Errorf("no <invoke> %d in state %q of %s (the document changed since)", ist.Index, ist.State, s.doc.File)
	}
	inv := st.Invokes[ist.Index]
	rec := &invocation{inv: inv, id: ist.ID, from: chartOrigin{src: ist.Src, text: ist.Text}}
	if ist.Child == nil {
		// Ended: only its done event (already queued) was left.
		rec.child = &Session{e: s.e, id: ist.ID, parent: s, invokeID: ist.ID, ended: true, started: true}
	} else {
		c, err := s.chartOf(inv, rec.from)
		if err != nil {
			return err
		}
		child, err := s.e.restore(c, ist.Child, s, rc)
		if err != nil {
			return err
		}
		rec.child = child
	}
	if r := s.more(); r.invokes == nil {
		r.invokes = make(map[string]*invocation)
		r.byInvoke = make(map[*scxml.Invoke]*invocation)
	}
	s.invokes[rec.id] = rec
	s.byInvoke[inv] = rec
	return nil
}

// restoreSend makes a delayed send again with its due time, to be
// scheduled once the whole snapshot is restored. A target that no longer
// resolves is reported when the send falls due.
func (s *Session) restoreSend(ss *SendState, rc *restoring) error {
	ev, err := ss.Event.event()
	if err != nil {
		return err
	}
	t := &timer{from: s, sendid: ss.Key, due: ss.Due, ev: ev, target: ss.Target, typ: ss.Type}
	if isSCXMLType(ss.Type) {
		deliver, err := s.resolveSCXMLTarget(ss.Target, ev.SendID)
		if err != nil {
			t.deliver = func() { s.report(err) }
		} else {
			t.deliver = s.scxmlDelivery(t, deliver)
		}
	} else {
		proc := s.e.opts.IOProcessors[ss.Type]
		if proc == nil {
			return fmt.Errorf("send type %q is not supported by this engine", ss.Type)
		}
		t.deliver = s.processorDelivery(t, proc)
	}
	rc.sends = append(rc.sends, pendingSend{seq: ss.Seq, t: t})
	return nil
}

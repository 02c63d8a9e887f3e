package console

import (
	"bytes"
	"sync"
	"time"

	"github.com/orca-scxml/orca/trace"
)

// Default bounds of a session's recorded history.
const (
	DefaultSteps = 200
	DefaultBytes = 1 << 20
)

// RecorderOptions bound what a Recorder keeps.
type RecorderOptions struct {
	// Steps is the number of macrosteps kept per session (a ring: the
	// oldest go first); DefaultSteps when 0.
	Steps int
	// Bytes bounds the estimated size of the steps kept per session
	// (trace.Step.Size); the oldest go first, the newest always stays.
	// DefaultBytes when 0.
	Bytes int
	// Total bounds the estimated size of the steps of all sessions
	// together. Beyond it, the sessions recorded least recently lose
	// their oldest steps first, down to their newest one; when every
	// session keeps one step only, the least recently recorded lose that
	// one too. No bound when 0.
	Total int64
	// OnStep, when set, is called after each recorded step, outside the
	// recorder's locks.
	OnStep func(session string, st *trace.Step)
}

// Recorder keeps the recent macrosteps of every session, each with what
// the session produced during it. A host feeds it from its hooks: Log,
// Error, Sent, UserEvent and Attached as things happen, Record when a
// macrostep completes, which files them with the step, and End when the
// session ends. Its methods may be called concurrently for different
// sessions.
type Recorder struct {
	opts RecorderOptions

	mu       sync.Mutex
	sessions map[string]*history
	// The histories with more than one step (many) and with one (single),
	// least recently recorded first, for the Total bound; steps and
	// total count what all histories keep.
	many, single lruList
	steps        int
	total        int64
}

// history is one session's recorded steps: a ring of at most opts.Steps,
// and the parts of the macrostep under way.
type history struct {
	id      string
	mu      sync.Mutex
	ring    []*trace.Step
	head, n int
	bytes   int
	next    int // index of the next step
	dropped int
	pending trace.Step
	// atomic, active and final are the configuration of the newest step,
	// for the record of the session's end.
	atomic, active []string
	final          bool

	// prevH, nextH and list place the history in one of the recorder's
	// lists (Recorder.mu guards them).
	prevH, nextH *history
	list         *lruList
}

// NewRecorder returns an empty Recorder.
func NewRecorder(opts RecorderOptions) *Recorder {
	if opts.Steps <= 0 {
		opts.Steps = DefaultSteps
	}
	if opts.Bytes <= 0 {
		opts.Bytes = DefaultBytes
	}
	return &Recorder{opts: opts, sessions: map[string]*history{}}
}

func (r *Recorder) history(session string) *history {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.sessions[session]
	if h == nil {
		h = &history{id: session, ring: make([]*trace.Step, 0, min(r.opts.Steps, 16))}
		r.sessions[session] = h
	}
	return h
}

// Log records a log line of the macrostep under way.
func (r *Recorder) Log(session, label, msg string) {
	r.add(session, func(p *trace.Step) { p.Logs = append(p.Logs, trace.Log{Label: label, Message: msg}) })
}

// Error records an error of the macrostep under way.
func (r *Recorder) Error(session string, err error) {
	r.add(session, func(p *trace.Step) { p.Errors = append(p.Errors, err.Error()) })
}

// Sent records an event the session sent.
func (r *Recorder) Sent(session string, s trace.Send) {
	r.add(session, func(p *trace.Step) { p.Sends = append(p.Sends, s) })
}

// UserEvent records a UserEvent the session distributed.
func (r *Recorder) UserEvent(session string, u trace.UserData) {
	r.add(session, func(p *trace.Step) { p.UserEvents = append(p.UserEvents, u) })
}

// Attached records data the session attached to an interaction.
func (r *Recorder) Attached(session string, u trace.UserData) {
	r.add(session, func(p *trace.Step) { p.Attached = append(p.Attached, u) })
}

func (r *Recorder) add(session string, f func(*trace.Step)) {
	h := r.history(session)
	h.mu.Lock()
	f(&h.pending)
	h.mu.Unlock()
}

// Record files a completed macrostep of session: st carries the time, the
// event, the configuration, the data model, the timers and requests; the
// recorder numbers it and adds what was recorded since the previous step.
// st must not be changed afterwards.
func (r *Recorder) Record(session string, st *trace.Step) {
	h := r.history(session)
	h.mu.Lock()
	st.Index = h.next
	h.next++
	p := &h.pending
	st.Logs = append(p.Logs, st.Logs...)
	st.Errors = append(p.Errors, st.Errors...)
	st.Sends = append(p.Sends, st.Sends...)
	st.UserEvents = append(p.UserEvents, st.UserEvents...)
	st.Attached = append(p.Attached, st.Attached...)
	h.pending = trace.Step{}
	size := st.Size()
	if h.n > 0 && st.Datamodel != nil {
		// A data model that did not change is kept once.
		if prev := h.at(h.n - 1); bytes.Equal(prev.Datamodel, st.Datamodel) {
			st.Datamodel = prev.Datamodel
			size -= len(st.Datamodel)
		}
	}
	h.atomic, h.active, h.final = st.Atomic, st.Active, st.Final
	n, b := h.n, h.bytes
	h.push(st, size, r.opts)
	dn, db := h.n-n, h.bytes-b
	n = h.n
	h.mu.Unlock()
	r.account(h, dn, db, n)
	if r.opts.OnStep != nil {
		r.opts.OnStep(session, st)
	}
}

// End files the end of session at t, after its last macrostep: a step
// marked Ended, with the configuration of the last step, holding what was
// recorded since (the logs and sends of exit handlers, a final UserEvent,
// the error that ended it). cancelled says the session did not reach a
// final state: its end is filed then even with nothing to show, so that
// the history says it was cut short. A session without a recorded step
// gets none.
func (r *Recorder) End(session string, t time.Time, cancelled bool) {
	r.mu.Lock()
	h := r.sessions[session]
	r.mu.Unlock()
	if h == nil {
		return
	}
	h.mu.Lock()
	p := &h.pending
	produced := len(p.Logs)+len(p.Errors)+len(p.Sends)+len(p.UserEvents)+len(p.Attached) > 0
	st := &trace.Step{Time: t, Ended: true, Atomic: h.atomic, Active: h.active, Final: h.final}
	started := h.next > 0
	h.mu.Unlock()
	if started && (produced || cancelled) {
		r.Record(session, st)
	}
}

// push appends st to the ring, dropping the oldest steps to stay within
// the bounds.
func (h *history) push(st *trace.Step, size int, opts RecorderOptions) {
	h.bytes += size
	for h.n > 0 && (h.n >= opts.Steps || h.bytes > opts.Bytes) {
		h.dropOldest()
	}
	if h.n < len(h.ring) {
		h.ring[(h.head+h.n)%len(h.ring)] = st
	} else {
		// Grow: unroll the ring into a larger slice.
		grown := make([]*trace.Step, 0, min(max(2*len(h.ring), 16), opts.Steps))
		for i := range h.n {
			grown = append(grown, h.at(i))
		}
		grown = append(grown, st)
		h.ring = grown[:cap(grown)]
		h.head = 0
	}
	h.n++
}

// dropOldest drops the oldest step kept.
func (h *history) dropOldest() {
	old := h.ring[h.head]
	h.ring[h.head] = nil
	h.head = (h.head + 1) % len(h.ring)
	h.n--
	h.dropped++
	h.bytes -= old.Size()
	if d := nilSafe(old.Datamodel); h.n > 0 && d != nil && nilSafe(h.at(0).Datamodel) == d {
		// The next step shares the dropped one's data model: it now
		// carries its size.
		h.bytes += len(old.Datamodel)
	}
}

// nilSafe returns the address of b's first byte, or nil.
func nilSafe(b []byte) *byte {
	if len(b) == 0 {
		return nil
	}
	return &b[0]
}

// at returns the i-th kept step, oldest first.
func (h *history) at(i int) *trace.Step { return h.ring[(h.head+i)%len(h.ring)] }

// account adds a change of h (dn steps, db bytes; it keeps n steps now)
// to the totals, files h as recorded last, and trims the histories
// recorded least recently while the total is over its bound.
func (r *Recorder) account(h *history, dn, db, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sessions[h.id] != h {
		// Forgotten meanwhile: Forget took its size off.
		return
	}
	r.steps += dn
	r.total += int64(db)
	r.file(h, n)
	for r.opts.Total > 0 && r.total > r.opts.Total {
		victim := r.many.front()
		if victim == nil {
			victim = r.single.front()
		}
		if victim == nil {
			return
		}
		victim.mu.Lock()
		b := victim.bytes
		victim.dropOldest()
		db, left := victim.bytes-b, victim.n
		victim.mu.Unlock()
		r.steps--
		r.total += int64(db)
		if left <= 1 {
			r.file(victim, left)
		}
	}
}

// file moves h to the back of the list its number of steps n says:
// many, single, or none when it keeps nothing. r.mu is held.
func (r *Recorder) file(h *history, n int) {
	if h.list != nil {
		h.list.remove(h)
	}
	switch {
	case n > 1:
		r.many.pushBack(h)
	case n == 1:
		r.single.pushBack(h)
	}
}

// History returns the steps kept of session, oldest first, and the number
// of earlier steps no longer kept.
func (r *Recorder) History(session string) (steps []*trace.Step, dropped int) {
	r.mu.Lock()
	h := r.sessions[session]
	r.mu.Unlock()
	if h == nil {
		return nil, 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	steps = make([]*trace.Step, h.n)
	for i := range h.n {
		steps[i] = h.at(i)
	}
	return steps, h.dropped
}

// Forget drops what is recorded of session.
func (r *Recorder) Forget(session string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.sessions[session]
	if h == nil {
		return
	}
	delete(r.sessions, session)
	if h.list != nil {
		h.list.remove(h)
	}
	h.mu.Lock()
	r.steps -= h.n
	r.total -= int64(h.bytes)
	h.mu.Unlock()
}

// Restore sets the history of session to steps (oldest first, numbered as
// they are), as read back from a trace or a store; the steps beyond the
// bounds are dropped, oldest first, and what was recorded of session
// before is replaced.
func (r *Recorder) Restore(session string, steps []*trace.Step) {
	r.Forget(session)
	h := &history{id: session}
	for _, st := range steps {
		h.push(st, st.Size(), r.opts)
	}
	if len(steps) > 0 {
		last := steps[len(steps)-1]
		h.next = last.Index + 1
		h.dropped = h.at(0).Index
		h.atomic, h.active, h.final = last.Atomic, last.Active, last.Final
	}
	r.mu.Lock()
	r.sessions[session] = h
	r.mu.Unlock()
	r.account(h, h.n, h.bytes, h.n)
}

// RecorderStats are what a Recorder keeps.
type RecorderStats struct {
	// Sessions is the number of sessions with a history; Steps the
	// steps they keep, of an estimated Bytes (trace.Step.Size).
	Sessions int
	Steps    int
	Bytes    int64
}

// Stats returns what r keeps.
func (r *Recorder) Stats() RecorderStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return RecorderStats{Sessions: len(r.sessions), Steps: r.steps, Bytes: r.total}
}

// lruList is a doubly linked list of histories.
type lruList struct {
	head, tail *history
}

func (l *lruList) front() *history { return l.head }

func (l *lruList) pushBack(h *history) {
	h.list, h.prevH, h.nextH = l, l.tail, nil
	if l.tail != nil {
		l.tail.nextH = h
	} else {
		l.head = h
	}
	l.tail = h
}

func (l *lruList) remove(h *history) {
	if h.prevH != nil {
		h.prevH.nextH = h.nextH
	} else {
		l.head = h.nextH
	}
	if h.nextH != nil {
		h.nextH.prevH = h.prevH
	} else {
		l.tail = h.prevH
	}
	h.list, h.prevH, h.nextH = nil, nil, nil
}

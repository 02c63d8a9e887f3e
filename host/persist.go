package host

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/orca-scxml/orca/interp"
)

// Indexer is implemented by persistent session locals
// (interp.Persistent) that hold something the rest of the process must
// know while the session is out of memory: the calls it owns, so that
// their events find it; the callback record the GMS API lists. A store
// keeps Index's result where it can read it without loading the session,
// and gives it back to the OnAdopt hooks of a host that adopts the
// session (Adopt). Index returns nil to mean what Persist returned.
type Indexer interface {
	Index() ([]byte, error)
}

// Awaiter is implemented by persistent session locals that may hold
// requests in flight which a session restored in another process gets
// no answer to but from the local's Restore (the function modules'
// fetches): Awaiting reports whether the state the local last persisted
// holds any. A record that does is due at once, so that a host adopting
// it loads the session, and the local answers, at once.
type Awaiter interface {
	Awaiting() bool
}

// Evictable is implemented by session locals that hold state outside the
// session which its snapshot keeps and which may leave memory with it:
// Evict is called when the session is hibernated.
type Evictable interface {
	Evict()
}

// Record is what a store keeps of a session: its state, when it next has
// work to do, and the indexes of its locals (Indexer), by local key.
type Record struct {
	State *interp.SessionState
	// Due is when its earliest delayed send falls due, or, when events
	// wait in its queues, the time the snapshot was made (a host that
	// adopts it loads it at once); zero when neither.
	Due   time.Time
	Index map[string]json.RawMessage
}

// Snapshot records session s (the session that invoked it, if it was
// invoked: a store keeps top-level sessions, their invocations with
// them). It is called on the goroutine that runs s, between macrosteps:
// in Store.Commit and Store.Release.
//
// The events the host has accepted for s and that wait in its shard's
// inbox (an answer of the port or of an HTTP request, an event of the
// API) are part of the snapshot: they are put on the queues first, and
// again, with a new snapshot, when more came while it was made — a
// session local may have recorded, as it was persisted, that such an
// answer had been handed over (the function modules' fetches in flight).
func (h *Host) Snapshot(s *interp.Session) (*Record, error) {
	for s.Parent() != nil {
		s = s.Parent()
	}
	var sh *shard
	if r, ok := h.table.get(s.ID()); ok && r.sh != nil && r.sh.eng == s.Engine() {
		sh = r.sh
		sh.collect()
	}
	st, err := s.Snapshot()
	for err == nil && sh != nil && !sh.collecting && sh.inbox.Len() > 0 {
		before := queued(s)
		sh.collect()
		if queued(s) == before {
			break
		}
		st, err = s.Snapshot()
	}
	if err != nil {
		return nil, err
	}
	r := &Record{State: st}
	r.Due, _ = st.NextDue()
	if waiting(st) || awaiting(s) {
		r.Due = s.Engine().Clock().Now()
	}
	for k := range st.Locals {
		ix, ok := s.Local(k).(Indexer)
		if !ok {
			continue
		}
		data, err := ix.Index()
		if err != nil {
			return nil, fmt.Errorf("session %s: index of local %s: %w", s.ID(), k, err)
		}
		if data == nil {
			data = st.Locals[k]
		}
		if len(data) == 0 {
			continue
		}
		if r.Index == nil {
			r.Index = make(map[string]json.RawMessage, len(st.Locals))
		}
		r.Index[k] = data
	}
	return r, nil
}

// queued returns the number of events waiting in the external queues of
// s and of the sessions it invoked.
func queued(s *interp.Session) int {
	n := s.Queued()
	for _, c := range s.Invoked() {
		n += queued(c)
	}
	return n
}

// awaiting reports whether a local of s or of a session it invoked
// (Awaiter) waits for an answer.
func awaiting(s *interp.Session) bool {
	found := false
	s.EachLocal(func(_ string, v any) {
		if a, ok := v.(Awaiter); ok && a.Awaiting() {
			found = true
		}
	})
	if found {
		return true
	}
	return slices.ContainsFunc(s.Invoked(), awaiting)
}

// waiting reports whether events wait in the queues of the session st
// records, or of a session it invoked.
func waiting(st *interp.SessionState) bool {
	if len(st.External) > 0 || len(st.Internal) > 0 {
		return true
	}
	for i := range st.Invokes {
		if c := st.Invokes[i].Child; c != nil && waiting(c) {
			return true
		}
	}
	return false
}

// Restore re-creates in eng the session st records (Store.Load calls it
// on the goroutine that runs eng): its chart is found with Config.Chart,
// or else the engine's (interp.Engine.ChartFor), by the document the
// snapshot names. The OnRestore hooks run before the session's locals
// are restored.
func (h *Host) Restore(eng *interp.Engine, st *interp.SessionState) (*interp.Session, error) {
	var c *interp.Chart
	var err error
	if h.cfg.Chart != nil {
		c, err = h.cfg.Chart(st.Document)
	} else {
		c, err = eng.ChartFor(st.Document)
	}
	if err != nil {
		return nil, fmt.Errorf("session %s: the chart of %s: %w", st.ID, st.Document, err)
	}
	return eng.Restore(c, st)
}

// OnRestore adds a hook called for each session re-created from a
// snapshot (invoked ones included), on the goroutine that runs it, after
// its state is back and before its persistent locals are restored: hooks
// set there the locals a snapshot restores into.
func (h *Host) OnRestore(f func(s *interp.Session)) {
	h.onRestoreHooks = append(h.onRestoreHooks, f)
}

// OnAdopt adds a hook called for each session a store adopts (Adopt),
// with what its persistent locals' indexes (Indexer) returned when it was
// last kept, by local key. It may be called from any goroutine, before
// the session is loaded.
func (h *Host) OnAdopt(f func(id string, index map[string]json.RawMessage)) {
	h.onAdoptHooks = append(h.onAdoptHooks, f)
}

// onRestore is every engine's OnRestore.
func (sh *shard) onRestore(s *interp.Session) {
	h := sh.h
	h.table.bind(s.ID(), sh)
	if sh.lane != nil {
		_ = sh.lane.Attach(s)
	}
	for _, f := range h.onRestoreHooks {
		f(s)
	}
}

// idleKey is the local holding a session's idleness, when the host
// hibernates idle sessions.
const idleKey = "host.idle"

// idleness is what the hibernation sweep knows of a session: the number
// of macrosteps it had when last seen, and since when it has had them.
type idleness struct {
	seen  uint64
	since time.Time
}

// sweep hibernates the sessions of the shard that have run no macrostep
// for Config.HibernateAfter: sessions waiting for a timer or an event
// leave memory until it comes (Hibernate).
func (sh *shard) sweep(now time.Time) {
	after := sh.h.cfg.HibernateAfter
	sh.sweepAt = now.Add(max(after/2, time.Millisecond))
	for _, id := range sh.eng.SessionIDs() {
		s := sh.eng.Session(id)
		if s == nil || s.Parent() != nil {
			continue
		}
		in, _ := s.Local(idleKey).(*idleness)
		if in == nil {
			s.SetLocal(idleKey, &idleness{seen: s.Macrosteps(), since: now})
			continue
		}
		if n := s.Macrosteps(); n != in.seen || s.Queued() > 0 {
			in.seen, in.since = n, now
			continue
		}
		if now.Sub(in.since) < after {
			continue
		}
		if err := sh.hibernate(s); err != nil {
			in.since = now
			sh.h.log.Debug("hibernation: session stays in memory", "session", id, "err", err)
		}
	}
}

// hibernating reports whether the shard's sweep is due by now.
func (sh *shard) hibernating() bool {
	return sh.h.cfg.HibernateAfter > 0 && sh.h.cfg.Store != nil && sh.eng.Sessions() > 0
}

package host

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/orca-scxml/orca/interp"
)

// Store keeps sessions beyond the memory of one host: a snapshot after
// every macrostep, the sessions to bring back when a host starts, sessions
// hibernated while they wait, and (for a cluster) which host owns which
// session. The host calls it at fixed points, always on the goroutine that
// runs the session concerned, except Open. See docs/engine.md for the
// protocol a store on NATS JetStream follows.
type Store interface {
	// Open is called once, before the host runs any session (by Go, or
	// the first Settle, Advance or Run). The store tells the host about
	// the sessions it keeps with Host.Adopt; the host loads each when
	// an event, a call or its due time reaches it.
	Open(ctx context.Context, h *Host) error
	// Commit is called after each completed macrostep of a running
	// session, after the macrostep hooks: the macrostep's events and
	// requests have been handed on (to inboxes, to the telephony port's
	// outbox). A store writes the session's snapshot here. An error is
	// logged and counted by the store, which retries; the host goes on.
	Commit(s *interp.Session) error
	// Release is called when a session leaves the host's memory: when
	// it ends (kept false, after the done hooks: the store forgets it),
	// or when the host keeps it for later (kept true: hibernation,
	// shutdown with Keeps).
	Release(s *interp.Session, kept bool) error
	// Keeps reports whether Drain leaves the sessions still running to
	// the store instead of cancelling them.
	Keeps() bool
	// Load re-creates in eng a session the host knows only by id
	// (adopted, or hibernated). It returns ErrNoSession when the store
	// has no such session any more.
	Load(eng *interp.Engine, id string) (*interp.Session, error)
}

// stored is a session its store keeps, not the host's memory.
type stored struct {
	id  string
	due time.Time // zero: no delayed event pending
}

// Adopt makes the host responsible for session id, which its store keeps:
// the host loads it (Store.Load) on the shard it picks when an event, a
// call or its next due time (zero: none) reaches it. index is what the
// session's locals' indexes returned when it was kept (Record.Index); the
// OnAdopt hooks receive it first. Stores call Adopt from Open, and a
// store of a cluster when it takes over the sessions of an instance that
// died; it may be called from any goroutine.
func (h *Host) Adopt(id string, due time.Time, index map[string]json.RawMessage) error {
	for _, f := range h.onAdoptHooks {
		f(id, index)
	}
	sh := h.shardFor(id)
	st := &stored{id: id, due: due}
	if !h.table.add(id, &record{sh: sh, stored: st}) {
		return fmt.Errorf("session %q already exists", id)
	}
	if !due.IsZero() {
		sh.post(func() { heap.Push(&sh.asleep, st) })
	}
	return nil
}

// Drop takes session id, and the sessions it invoked, out of the host
// without ending them and without telling the store: no hook runs, no
// snapshot is written. A store of a cluster drops a session another
// instance has taken over (its snapshot write was fenced off). Any
// goroutine may call it: on a host driven by its caller, the drop is
// queued for the driving goroutine (the next Settle, Advance or Run) and
// Drop returns at once.
func (h *Host) Drop(ctx context.Context, id string) error {
	r, ok := h.table.get(id)
	if !ok {
		return fmt.Errorf("%w: %q", ErrNoSession, id)
	}
	drop := func() {
		if s := r.sh.eng.Session(id); s != nil {
			for _, c := range invoked(s) {
				h.table.remove(c)
			}
			_ = r.sh.eng.Evict(id)
		}
		h.table.remove(id)
	}
	if !h.isRunning() {
		r.sh.post(drop)
		return nil
	}
	return h.wait(ctx, r.sh, drop)
}

// invoked returns the ids of the sessions s invoked, at any depth.
func invoked(s *interp.Session) []string {
	var out []string
	for _, c := range s.Invoked() {
		out = append(out, c.ID())
		out = append(out, invoked(c)...)
	}
	return out
}

// Hibernate takes session id out of memory, leaving it to the store: its
// last snapshot is what Load brings back when something reaches it. It
// needs a store and a session waiting between macrosteps.
func (h *Host) Hibernate(ctx context.Context, id string) error {
	if h.cfg.Store == nil {
		return errors.New("host: hibernation needs a store")
	}
	var herr error
	err := h.Do(ctx, id, func(s *interp.Session) {
		r, ok := h.table.get(id)
		if !ok {
			herr = fmt.Errorf("%w: %q", ErrNoSession, id)
			return
		}
		herr = r.sh.hibernate(s)
	})
	if err != nil {
		return err
	}
	return herr
}

// hibernate evicts s from the shard's engine into the store.
func (sh *shard) hibernate(s *interp.Session) error {
	if s.Parent() != nil || s.Invoking() {
		return fmt.Errorf("host: session %s is part of an invocation; it stays in memory", s.ID())
	}
	if s.Queued() > 0 {
		return fmt.Errorf("host: session %s has events waiting", s.ID())
	}
	due, _ := s.NextDue()
	if err := sh.h.cfg.Store.Release(s, true); err != nil {
		return fmt.Errorf("host: the store did not keep session %s: %w", s.ID(), err)
	}
	if s.Queued() > 0 {
		// Events that reached the inbox meanwhile are in the kept
		// snapshot's queue (Host.Snapshot): it is due at once.
		due = s.Engine().Clock().Now()
	}
	s.EachLocal(func(_ string, v any) {
		if e, ok := v.(Evictable); ok {
			e.Evict()
		}
	})
	if err := sh.eng.Evict(s.ID()); err != nil {
		return err
	}
	sh.h.stats.hibernated.Add(1)
	st := &stored{id: s.ID(), due: due}
	sh.h.table.setStored(s.ID(), st)
	if !due.IsZero() {
		heap.Push(&sh.asleep, st)
	}
	return nil
}

// load brings session id back from the store, if the store keeps it; it
// reports whether the session is in the engine now.
func (sh *shard) load(id string) bool {
	if sh.eng.Session(id) != nil {
		return true
	}
	if sh.h.cfg.Store == nil || !sh.h.table.isStored(id) {
		return false
	}
	s, err := sh.h.cfg.Store.Load(sh.eng, id)
	if err != nil {
		sh.h.log.Warn("store: loading a session", "session", id, "err", err)
		sh.h.table.remove(id)
		return false
	}
	sh.h.table.setStored(id, nil)
	sh.h.stats.loaded.Add(1)
	sh.eng.Step(s)
	return sh.eng.Session(id) != nil
}

// wakeDue loads the stored sessions whose due time has come.
func (sh *shard) wakeDue(now time.Time) bool {
	any := false
	for len(sh.asleep) > 0 && !sh.asleep[0].due.After(now) {
		st := heap.Pop(&sh.asleep).(*stored)
		if sh.h.table.storedAs(st.id) != st {
			continue // loaded or gone meanwhile
		}
		any = sh.load(st.id) || any
	}
	return any
}

// releaseAll leaves every session of the shard to the store (Drain with a
// store that keeps sessions): the events waiting in the inbox are put on
// their sessions' queues first, and each session's snapshot, its queue
// and invocations included, is the store's.
func (sh *shard) releaseAll() {
	sh.collect()
	for _, id := range sh.eng.SessionIDs() {
		s := sh.eng.Session(id)
		if s == nil || s.Parent() != nil {
			continue
		}
		if err := sh.h.cfg.Store.Release(s, true); err != nil {
			sh.h.log.Warn("store: keeping a session at shutdown", "session", id, "err", err)
			continue
		}
		_ = sh.eng.Evict(id)
	}
}

// asleepHeap orders stored sessions by due time.
type asleepHeap []*stored

func (h asleepHeap) Len() int           { return len(h) }
func (h asleepHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h asleepHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *asleepHeap) Push(x any)        { *h = append(*h, x.(*stored)) }
func (h *asleepHeap) Pop() any {
	old := *h
	st := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return st
}

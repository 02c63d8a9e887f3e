package host

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-scxml/orca/interp"
)

// stripes is the number of independently locked parts of the table.
const stripes = 64

// table maps session ids to their host records. It is striped so that
// goroutines routing events to different sessions rarely wait for each
// other; its methods are safe for concurrent use.
type table struct {
	seed    maphash.Seed
	s       [stripes]stripe
	live    atomic.Int64
	pending atomic.Int64
	// kept counts the live sessions the store keeps.
	kept atomic.Int64
}

type stripe struct {
	mu sync.RWMutex
	m  map[string]*record
}

// record is what the host keeps of one session outside its engine: the
// shard that runs it and, until it starts, its deferred start. It is the
// one place for per-session host state besides the session's locals;
// fields change under the stripe's lock.
type record struct {
	sh *shard
	// start is the deferred start of a session that has not started
	// (StartAt), nil once it has.
	start *deferred
	// stored is set while the session is kept by the store, not in
	// the shard's engine.
	stored *stored
}

// deferred is a start waiting for its time.
type deferred struct {
	id    string
	at    time.Time
	chart *interp.Chart
	so    interp.StartOptions
}

// hash hashes a session id.
func (t *table) hash(id string) uint64 { return maphash.String(t.seed, id) }

func (t *table) stripe(id string) *stripe { return &t.s[t.hash(id)%stripes] }

// get returns a copy of the record of id.
func (t *table) get(id string) (record, bool) {
	st := t.stripe(id)
	st.mu.RLock()
	defer st.mu.RUnlock()
	if r, ok := st.m[id]; ok {
		return *r, true
	}
	return record{}, false
}

// add records id on shard sh; it reports false if id is taken. A record
// with a deferred start counts as pending, others as live.
func (t *table) add(id string, r *record) bool {
	st := t.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, dup := st.m[id]; dup {
		return false
	}
	if st.m == nil {
		st.m = make(map[string]*record)
	}
	st.m[id] = r
	if r.start != nil {
		t.pending.Add(1)
	} else {
		t.live.Add(1)
	}
	if r.stored != nil {
		t.kept.Add(1)
	}
	return true
}

// bind records a session its engine has just created (invoked, or started
// by a custom action) on shard sh, unless it is recorded already.
func (t *table) bind(id string, sh *shard) {
	st := t.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.m[id]; ok {
		return
	}
	if st.m == nil {
		st.m = make(map[string]*record)
	}
	st.m[id] = &record{sh: sh}
	t.live.Add(1)
}

// remove forgets id; it reports whether it was recorded.
func (t *table) remove(id string) bool {
	st := t.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.m[id]
	if !ok {
		return false
	}
	delete(st.m, id)
	if r.start != nil {
		t.pending.Add(-1)
	} else {
		t.live.Add(-1)
	}
	if r.stored != nil {
		t.kept.Add(-1)
	}
	return true
}

// started turns the deferred start d of id into a live session's record;
// it reports false when the start was cancelled meanwhile.
func (t *table) started(id string, d *deferred) bool {
	st := t.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.m[id]
	if !ok || r.start != d {
		return false
	}
	r.start = nil
	t.pending.Add(-1)
	t.live.Add(1)
	return true
}

// cancelDeferred forgets the deferred start of id; it reports false when
// id is not waiting to start.
func (t *table) cancelDeferred(id string) bool {
	st := t.stripe(id)
	st.mu.Lock()
	defer st.mu.Unlock()
	r, ok := st.m[id]
	if !ok || r.start == nil {
		return false
	}
	delete(st.m, id)
	t.pending.Add(-1)
	return true
}

// deferredAt returns when id starts, if it is waiting to.
func (t *table) deferredAt(id string) (time.Time, bool) {
	st := t.stripe(id)
	st.mu.RLock()
	defer st.mu.RUnlock()
	if r, ok := st.m[id]; ok && r.start != nil {
		return r.start.at, true
	}
	return time.Time{}, false
}

// setStored marks id as kept by the store (st) or in memory (nil).
func (t *table) setStored(id string, st *stored) {
	sp := t.stripe(id)
	sp.mu.Lock()
	if r, ok := sp.m[id]; ok {
		switch {
		case r.stored == nil && st != nil:
			t.kept.Add(1)
		case r.stored != nil && st == nil:
			t.kept.Add(-1)
		}
		r.stored = st
	}
	sp.mu.Unlock()
}

// storedAs returns what the store keeps of id, or nil.
func (t *table) storedAs(id string) *stored {
	sp := t.stripe(id)
	sp.mu.RLock()
	defer sp.mu.RUnlock()
	if r, ok := sp.m[id]; ok {
		return r.stored
	}
	return nil
}

// isStored reports whether the store keeps id.
func (t *table) isStored(id string) bool { return t.storedAs(id) != nil }

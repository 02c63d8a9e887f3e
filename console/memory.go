package console

import (
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/trace"
)

// MemoryOptions configure a Memory.
type MemoryOptions struct {
	// KeepEnded is the number of ended sessions kept (the oldest ended
	// go first); 1000 when 0, none when negative.
	KeepEnded int
	// Recorder bounds the history kept per session.
	Recorder RecorderOptions
}

// Memory is a Source over sessions held in memory: an index of their
// summaries, ordered by start time and by the fields a Query filters on,
// and a Recorder of their macrosteps. A host tells it when sessions start,
// change and end, and feeds its Recorder; the console reads it.
//
// Listing a page costs O(log n + page) when the query filters on nothing,
// or on one field; with several fields it walks the smallest of their
// sets. Memory is safe for concurrent use.
type Memory struct {
	opts MemoryOptions
	rec  *Recorder

	mu    sync.RWMutex
	byID  map[string]*entry
	order []*entry // by (Started, ID), oldest first
	// The indexes a Query uses, one per field: value to sessions.
	index [nFields]map[string]map[*entry]struct{}
	ended []*entry // ended sessions, in the order they ended
	subs  map[string][]*subscriber
	// services counts the live and ended sessions of each service.
	services map[string]*Service
}

// entry is one session of a Memory.
type entry struct {
	sum Summary
	doc *scxml.Document
}

// The indexed fields.
const (
	fService = iota
	fState
	fCallbackState
	fCustomer
	fCallbackID
	fHasCallback
	nFields
)

// fields returns the index keys of s, one per indexed field ("" is not
// indexed).
func fields(s *Summary) [nFields]string {
	has := ""
	if s.CallbackID != "" {
		has = "1"
	}
	return [nFields]string{s.Service, s.State, s.CallbackState, s.CustomerNumber, s.CallbackID, has}
}

// subscriber is one Subscribe call.
type subscriber struct {
	ch   chan Update
	lost bool
}

// NewMemory returns an empty Memory.
func NewMemory(opts MemoryOptions) *Memory {
	if opts.KeepEnded == 0 {
		opts.KeepEnded = 1000
	}
	m := &Memory{opts: opts, byID: map[string]*entry{}, subs: map[string][]*subscriber{}, services: map[string]*Service{}}
	for i := range m.index {
		m.index[i] = map[string]map[*entry]struct{}{}
	}
	ro := opts.Recorder
	onStep := ro.OnStep
	ro.OnStep = func(id string, st *trace.Step) {
		m.stepped(id, st)
		if onStep != nil {
			onStep(id, st)
		}
	}
	m.rec = NewRecorder(ro)
	return m
}

// Recorder returns the recorder of the sessions' macrosteps.
func (m *Memory) Recorder() *Recorder { return m.rec }

// Start adds a session. Its State is StateRunning when empty. doc is the
// document it runs (nil when unknown: the page then shows no chart).
// Starting a session that exists replaces its summary.
func (m *Memory) Start(s Summary, doc *scxml.Document) {
	if s.State == "" {
		s.State = StateRunning
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e := m.byID[s.ID]; e != nil {
		m.remove(e)
	}
	e := &entry{sum: s, doc: doc}
	m.byID[s.ID] = e
	i, _ := slices.BinarySearchFunc(m.order, e, compareEntries)
	m.order = slices.Insert(m.order, i, e)
	m.indexAdd(e)
	if s.State == StateEnded {
		m.endedAdd(e)
	}
	m.publish(e, Update{Summary: m.copySummary(e)})
}

// Has reports whether Memory knows session id.
func (m *Memory) Has(id string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.byID[id] != nil
}

// Update changes the summary of session id with f (its ID and Started
// stay); false when there is no such session. Setting State to StateEnded
// is what End does.
func (m *Memory) Update(id string, f func(*Summary)) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.byID[id]
	if e == nil {
		return false
	}
	m.change(e, f)
	return true
}

// End marks session id ended at t.
func (m *Memory) End(id string, t time.Time) bool {
	return m.Update(id, func(s *Summary) {
		s.State = StateEnded
		s.Ended = t
	})
}

// change applies f to e's summary, keeping the indexes, and tells the
// subscribers. m.mu is held.
func (m *Memory) change(e *entry, f func(*Summary)) {
	id, started, was := e.sum.ID, e.sum.Started, e.sum.State
	before := fields(&e.sum)
	m.count(&e.sum, -1)
	f(&e.sum)
	e.sum.ID, e.sum.Started = id, started
	if after := fields(&e.sum); after != before {
		for i := range nFields {
			if before[i] != after[i] {
				m.unindex(i, before[i], e)
				m.reindex(i, after[i], e)
			}
		}
	}
	m.count(&e.sum, 1)
	if e.sum.State == StateEnded && was != StateEnded {
		m.endedAdd(e)
	}
	m.publish(e, Update{Summary: m.copySummary(e)})
}

// stepped updates a session's summary after a recorded step.
func (m *Memory) stepped(id string, st *trace.Step) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.byID[id]
	if e == nil {
		return
	}
	if !st.Ended {
		e.sum.Atomic = st.Atomic
		e.sum.Steps = st.Index + 1
	}
	e.sum.UserEvents += len(st.UserEvents)
	m.publish(e, Update{Summary: m.copySummary(e), Step: st})
}

func (m *Memory) copySummary(e *entry) *Summary {
	s := e.sum
	return &s
}

// endedAdd files e as ended, forgetting the oldest ended sessions beyond
// KeepEnded.
func (m *Memory) endedAdd(e *entry) {
	m.ended = append(m.ended, e)
	for len(m.ended) > max(m.opts.KeepEnded, 0) {
		old := m.ended[0]
		m.ended = m.ended[1:]
		if m.byID[old.sum.ID] == old && old.sum.State == StateEnded {
			m.remove(old)
		}
	}
}

// remove drops e and what is recorded of it. m.mu is held.
func (m *Memory) remove(e *entry) {
	delete(m.byID, e.sum.ID)
	if i, ok := slices.BinarySearchFunc(m.order, e, compareEntries); ok {
		m.order = slices.Delete(m.order, i, i+1)
	}
	for i, k := range fields(&e.sum) {
		m.unindex(i, k, e)
	}
	m.count(&e.sum, -1)
	for _, s := range m.subs[e.sum.ID] {
		close(s.ch)
	}
	delete(m.subs, e.sum.ID)
	m.rec.Forget(e.sum.ID)
}

func (m *Memory) indexAdd(e *entry) {
	for i, k := range fields(&e.sum) {
		m.reindex(i, k, e)
	}
	m.count(&e.sum, 1)
}

// count adds delta to the count of s's service.
func (m *Memory) count(s *Summary, delta int) {
	if s.Service == "" {
		return
	}
	sv := m.services[s.Service]
	if sv == nil {
		sv = &Service{Name: s.Service}
		m.services[s.Service] = sv
	}
	if s.State == StateEnded {
		sv.Ended += delta
	} else {
		sv.Live += delta
	}
	if sv.Live == 0 && sv.Ended == 0 {
		delete(m.services, s.Service)
	}
}

func (m *Memory) reindex(field int, key string, e *entry) {
	if key == "" {
		return
	}
	set := m.index[field][key]
	if set == nil {
		set = map[*entry]struct{}{}
		m.index[field][key] = set
	}
	set[e] = struct{}{}
}

func (m *Memory) unindex(field int, key string, e *entry) {
	if set := m.index[field][key]; set != nil {
		delete(set, e)
		if len(set) == 0 {
			delete(m.index[field], key)
		}
	}
}

// compareEntries orders sessions by start time, then id.
func compareEntries(a, b *entry) int {
	if c := a.sum.Started.Compare(b.sum.Started); c != 0 {
		return c
	}
	return cmp.Compare(a.sum.ID, b.sum.ID)
}

// Services implements Source.
func (m *Memory) Services(context.Context) ([]Service, error) {
	m.mu.RLock()
	out := make([]Service, 0, len(m.services))
	for _, sv := range m.services {
		out = append(out, *sv)
	}
	m.mu.RUnlock()
	slices.SortFunc(out, func(a, b Service) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// Sessions implements Source.
func (m *Memory) Sessions(_ context.Context, q Query) (Page, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	var cursor *entry
	backward := false
	switch {
	case q.After != "" && q.Before != "":
		return Page{}, fmt.Errorf("query: give after or before, not both")
	case q.After != "":
		c, err := parseCursor(q.After)
		if err != nil {
			return Page{}, err
		}
		cursor = c
	case q.Before != "":
		c, err := parseCursor(q.Before)
		if err != nil {
			return Page{}, err
		}
		cursor, backward = c, true
	}
	want := fields(&Summary{Service: q.Service, State: q.State, CallbackState: q.CallbackState,
		CustomerNumber: q.CustomerNumber, CallbackID: q.CallbackID})
	if q.Callbacks {
		want[fHasCallback] = "1"
	}

	m.mu.RLock()
	defer m.mu.RUnlock()
	// The candidates: all sessions in order, or the smallest index set.
	var smallest map[*entry]struct{}
	nFilters := 0
	for i, k := range want {
		if k == "" {
			continue
		}
		set := m.index[i][k]
		if len(set) == 0 {
			return Page{Sessions: []Summary{}}, nil
		}
		if len(set) == len(m.byID) {
			// Every session matches: the filter selects nothing out
			// (a server of callbacks only, say), and counting the
			// others needs no walk of it.
			want[i] = ""
			continue
		}
		nFilters++
		if smallest == nil || len(set) < len(smallest) {
			smallest = set
		}
	}
	match := func(e *entry) bool {
		got := fields(&e.sum)
		for i, k := range want {
			if k != "" && got[i] != k {
				return false
			}
		}
		return true
	}
	order := m.order
	total := len(order)
	if nFilters > 0 {
		total = len(smallest)
		if nFilters > 1 {
			total = 0
			for e := range smallest {
				if match(e) {
					total++
				}
			}
		}
		if len(smallest) <= smallSet {
			order = make([]*entry, 0, len(smallest))
			for e := range smallest {
				if match(e) {
					order = append(order, e)
				}
			}
			slices.SortFunc(order, compareEntries)
		}
	}
	// order is oldest first; pages go newest first. Walk down from
	// below the cursor (after), or up from above it (before).
	var picked []*entry
	if !backward {
		i := len(order)
		if cursor != nil {
			i, _ = slices.BinarySearchFunc(order, cursor, compareEntries)
		}
		for i--; i >= 0 && len(picked) < limit+1; i-- {
			if match(order[i]) {
				picked = append(picked, order[i])
			}
		}
	} else {
		i, found := slices.BinarySearchFunc(order, cursor, compareEntries)
		if found {
			i++
		}
		for ; i < len(order) && len(picked) < limit+1; i++ {
			if match(order[i]) {
				picked = append(picked, order[i])
			}
		}
		slices.Reverse(picked)
	}
	more := len(picked) > limit
	if more {
		if backward {
			picked = picked[1:]
		} else {
			picked = picked[:limit]
		}
	}
	p := Page{Sessions: make([]Summary, len(picked)), Total: total}
	for i, e := range picked {
		p.Sessions[i] = e.sum
	}
	if n := len(picked); n > 0 {
		first, last := picked[0], picked[n-1]
		if backward && more || !backward && anyMatch(order, first, match, +1) {
			p.Prev = cursorOf(first)
		}
		if !backward && more || backward && anyMatch(order, last, match, -1) {
			p.Next = cursorOf(last)
		}
	}
	return p, nil
}

// smallSet is the size up to which a filtered query sorts its candidates
// instead of walking every session in order.
const smallSet = 4096

// anyMatch reports whether a session newer (dir +1) or older (dir -1)
// than e matches.
func anyMatch(order []*entry, e *entry, match func(*entry) bool, dir int) bool {
	i, found := slices.BinarySearchFunc(order, e, compareEntries)
	if dir < 0 || found {
		i += dir
	}
	for ; i >= 0 && i < len(order); i += dir {
		if match(order[i]) {
			return true
		}
	}
	return false
}

// cursorOf is the opaque cursor of e's place in the order.
func cursorOf(e *entry) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(e.sum.Started.UnixNano(), 10) + "~" + e.sum.ID))
}

// parseCursor reads a cursor back as a key to search for.
func parseCursor(c string) (*entry, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if ns, id, ok := strings.Cut(string(b), "~"); ok {
			if n, err := strconv.ParseInt(ns, 10, 64); err == nil {
				return &entry{sum: Summary{ID: id, Started: time.Unix(0, n)}}, nil
			}
		}
	}
	return nil, fmt.Errorf("query: malformed cursor %q", c)
}

// Session implements Source.
func (m *Memory) Session(_ context.Context, id string) (*Detail, error) {
	m.mu.RLock()
	e := m.byID[id]
	var d *Detail
	if e != nil {
		d = &Detail{Summary: e.sum, Document: e.doc}
	}
	m.mu.RUnlock()
	if d == nil {
		return nil, fmt.Errorf("session %q: %w", id, ErrNotFound)
	}
	d.History, d.Dropped = m.rec.History(id)
	return d, nil
}

// subscriberBuffer is the number of updates a subscriber may fall behind
// before it is told to resync.
const subscriberBuffer = 256

// Subscribe implements Source.
func (m *Memory) Subscribe(ctx context.Context, id string) (<-chan Update, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.byID[id] == nil {
		return nil, fmt.Errorf("session %q: %w", id, ErrNotFound)
	}
	s := &subscriber{ch: make(chan Update, subscriberBuffer)}
	m.subs[id] = append(m.subs[id], s)
	go func() {
		<-ctx.Done()
		m.mu.Lock()
		defer m.mu.Unlock()
		subs := m.subs[id]
		if i := slices.Index(subs, s); i >= 0 {
			m.subs[id] = slices.Delete(subs, i, i+1)
			if len(m.subs[id]) == 0 {
				delete(m.subs, id)
			}
			close(s.ch)
		}
	}()
	return s.ch, nil
}

// publish hands u to e's subscribers without waiting: one that is behind
// gets a Resync once it has room again. m.mu is held.
func (m *Memory) publish(e *entry, u Update) {
	for _, s := range m.subs[e.sum.ID] {
		if s.lost {
			select {
			case s.ch <- Update{Resync: true}:
				s.lost = false
			default:
				continue
			}
		}
		select {
		case s.ch <- u:
		default:
			s.lost = true
		}
	}
}

// Load adds a session with its recorded history, as read back from a
// trace or a store (see Recorder.Restore).
func (m *Memory) Load(s Summary, doc *scxml.Document, steps []*trace.Step) {
	m.Start(s, doc)
	m.rec.Restore(s.ID, steps)
}

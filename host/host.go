package host

import (
	"container/heap"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
)

// Config configures a Host.
type Config struct {
	// Engine are the options of the host's engines: data models,
	// loading, I/O processors, invokers, Log. The host sets the clock,
	// the limits and Route, and takes OnStart, OnDone, OnMacrostep and
	// OnError as the first of its hooks (see Host.OnStart).
	Engine interp.Options
	// Clock is the time sessions run on; nil means interp.RealClock.
	// Advance needs an *interp.VirtualClock.
	Clock interp.Clock
	// Limits bound every session (defaults for zero fields).
	Limits Limits
	// Shards is the number of engines, each driven by one goroutine
	// once Go is called (1 when zero). Settle, Advance and Run drive a
	// host of one shard on the caller's goroutine.
	Shards int
	// Participants are parts outside the engines with events of their
	// own that fall due on the host's clock (an in-memory telephony
	// port): the host moves them to its time and flushes them with its
	// first shard, and counts their due times among its own.
	Participants []Participant
	// Busy reports work in flight outside the host whose results arrive
	// as events (HTTP fetches of the function modules, an input still
	// open): Settle waits for it, Run does not end while it is there.
	// Nil means there is none.
	Busy func() int
	// Wait bounds how long Settle waits for the work Busy reports (10 s
	// when zero).
	Wait time.Duration
	// Store keeps sessions beyond the host's memory; nil keeps them in
	// memory only.
	Store Store
	// Chart finds the chart of a document a snapshot names (Restore);
	// nil means the engine's (interp.Engine.ChartFor).
	Chart func(doc string) (*interp.Chart, error)
	// HibernateAfter, with a Store, takes a top-level session that has
	// run no macrostep for this long out of memory (Hibernate): it comes
	// back when its next delayed send falls due, or an event or a call
	// reaches it. Zero keeps sessions in memory.
	HibernateAfter time.Duration
	// Logger receives the host's own log: breaches, failed deferred
	// starts, panics in calls. Nil discards it.
	Logger *slog.Logger
}

// Participant is a part outside the engines whose events fall due on the
// host's clock, such as telephony.Memory. The host calls it on the
// goroutine that drives its first shard.
type Participant interface {
	// SetTime moves the participant to t without delivering anything.
	SetTime(t time.Time)
	// NextDue returns when its earliest pending event falls due.
	NextDue() (time.Time, bool)
	// Flush delivers the events due at its time (to sessions, through
	// Host.Send) and returns how many it delivered.
	Flush() int
}

// Host runs sessions: it owns their engines, the inboxes through which
// other goroutines reach them, the timers on one clock, the limits, the
// hooks and the routing of events by session id. See the package
// documentation for the ways to drive it.
type Host struct {
	cfg    Config
	clock  interp.Clock
	lim    Limits
	log    *slog.Logger
	wd     *ecmascript.Watchdog
	shards []*shard
	table  table

	onStartHooks     []func(*interp.Session)
	onDoneHooks      []func(*interp.Session)
	onMacrostepHooks []func(*interp.Session, *interp.Event)
	onErrorHooks     []func(*interp.Session, error)
	onBreachHooks    []func(id string, b *interp.Breach)
	onLostHooks      []func(id string, ev *interp.Event, err error)
	onRestoreHooks   []func(*interp.Session)
	onAdoptHooks     []func(id string, index map[string]json.RawMessage)

	stats counters
	// epoch counts the times the live heap grew by the memory limit
	// beyond what new sessions explain; growth is the watchdog's view.
	epoch  atomic.Uint64
	growth growth

	mu       sync.Mutex
	running  bool // Go was called
	opened   bool // the store's Open was called
	draining bool
	stop     chan struct{}
	closed   bool
	// gone is closed once Close is done (Closed).
	gone chan struct{}
}

// counters are the host's statistics.
type counters struct {
	started, ended, failed atomic.Uint64
	macrosteps, events     atomic.Uint64
	lost, errors           atomic.Uint64
	breaches               [len(limitNames)]atomic.Uint64
	hibernated, loaded     atomic.Uint64
}

// limitNames are the limits Stats counts breaches of.
var limitNames = [...]string{
	interp.LimitScriptTime, interp.LimitMemory, interp.LimitMicrosteps, interp.LimitInternalEvents,
	interp.LimitInternalQueue, interp.LimitExternalQueue, interp.LimitDelayedSends,
}

// The errors of the host.
var (
	// ErrNoSession is returned for an id that names no live session.
	ErrNoSession = interp.ErrNoSession
	// ErrClosed is returned by Start once the host drains or is closed.
	ErrClosed = errors.New("host: closed")
	// ErrNeverSettles is returned by Settle when work at the current
	// instant does not run out.
	ErrNeverSettles = errors.New("host: the sessions never settle")
	// ErrIdle is returned by Run when nothing can happen any more: no
	// work, no timer, nothing in flight.
	ErrIdle = errors.New("host: nothing left to do")
)

// New returns a host. Hosts whose limits time scripts or bound memory own
// a watchdog goroutine: Close (or Drain) stops it.
func New(cfg Config) (*Host, error) {
	lim := cfg.Limits.WithDefaults()
	if err := lim.Validate(); err != nil {
		return nil, err
	}
	h := &Host{cfg: cfg, clock: cfg.Clock, lim: lim, log: cfg.Logger, stop: make(chan struct{}), gone: make(chan struct{})}
	h.table.seed = maphash.MakeSeed()
	if h.clock == nil {
		h.clock = interp.RealClock{}
	}
	if h.log == nil {
		h.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if budget, memory := lim.watchdog(); budget > 0 || memory > 0 {
		opts := ecmascript.WatchdogOptions{
			Budget: budget, Memory: memory,
			OnBreach: func(s *interp.Session, b *interp.Breach) { h.breach(s.ID(), b) },
		}
		if memory > 0 {
			opts.OnLiveHeap = h.liveHeap
		}
		h.wd = ecmascript.NewWatchdog(opts)
	}
	if f := cfg.Engine.OnStart; f != nil {
		h.OnStart(f)
	}
	if f := cfg.Engine.OnDone; f != nil {
		h.OnDone(f)
	}
	if f := cfg.Engine.OnMacrostep; f != nil {
		h.OnMacrostep(f)
	}
	if f := cfg.Engine.OnError; f != nil {
		h.OnError(f)
	}
	n := max(cfg.Shards, 1)
	h.shards = make([]*shard, n)
	for i := range h.shards {
		h.shards[i] = newShard(h, i)
	}
	return h, nil
}

// OnStart adds a hook called when a session is created (invoked ones
// included), on the goroutine that runs it, before its first macrostep.
// Hooks are added before the host runs sessions.
func (h *Host) OnStart(f func(s *interp.Session)) { h.onStartHooks = append(h.onStartHooks, f) }

// OnDone adds a hook called when a session ends, however it ends, on the
// goroutine that ran it; its locals are still there.
func (h *Host) OnDone(f func(s *interp.Session)) { h.onDoneHooks = append(h.onDoneHooks, f) }

// OnMacrostep adds a hook called after each completed macrostep with the
// event that started it (nil for the initial one).
func (h *Host) OnMacrostep(f func(s *interp.Session, ev *interp.Event)) {
	h.onMacrostepHooks = append(h.onMacrostepHooks, f)
}

// OnError adds a hook called for every error a session raises as an error
// event, and for limit breaches.
func (h *Host) OnError(f func(s *interp.Session, err error)) {
	h.onErrorHooks = append(h.onErrorHooks, f)
}

// OnBreach adds a hook called for every limit breach, once, with the
// session's id. It may be called from any goroutine (the watchdog's for
// script time and memory).
func (h *Host) OnBreach(f func(id string, b *interp.Breach)) {
	h.onBreachHooks = append(h.onBreachHooks, f)
}

// OnLost adds a hook called for an event that reached no session (ev nil
// for a deferred start that failed, err then says why).
func (h *Host) OnLost(f func(id string, ev *interp.Event, err error)) {
	h.onLostHooks = append(h.onLostHooks, f)
}

// Clock returns the host's clock.
func (h *Host) Clock() interp.Clock { return h.clock }

// Limits returns the limits the host enforces, defaults applied.
func (h *Host) Limits() Limits { return h.lim }

// Engine returns the engine of the host's first shard, for a host driven
// by its caller: tests compile charts with it and inspect sessions.
func (h *Host) Engine() *interp.Engine { return h.shards[0].eng }

// shardFor returns the shard a new session with the given id runs on.
func (h *Host) shardFor(id string) *shard {
	// The stripes take the low bits of the hash, the shards the high.
	return h.shards[(h.table.hash(id)>>32)%uint64(len(h.shards))]
}

// newID returns 32 random hex digits.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// isRunning reports whether shards run on goroutines of their own.
func (h *Host) isRunning() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.running
}

// Start creates a session of chart c and runs its initial macrostep
// before it returns, so that whoever learns its id finds it started. On
// a host running goroutines (Go) it may be called from any goroutine but
// a shard's, and the session returned must then only be used through Do;
// on a host driven by its caller it runs on the calling goroutine.
func (h *Host) Start(c *interp.Chart, so interp.StartOptions) (*interp.Session, error) {
	sh, err := h.admit(&so, nil)
	if err != nil {
		return nil, err
	}
	var s *interp.Session
	run := func() { s, err = sh.start(c, so) }
	if h.isRunning() {
		if derr := h.wait(context.Background(), sh, run); derr != nil {
			err = derr
		}
	} else {
		run()
	}
	if err != nil {
		h.table.remove(so.ID)
		return nil, err
	}
	return s, nil
}

// StartAt creates a session of chart c that starts at time at (now when at
// is not in the future). Until then, Pending reports it and Cancel drops
// it; events sent to it are lost. It returns the session id.
func (h *Host) StartAt(at time.Time, c *interp.Chart, so interp.StartOptions) (string, error) {
	if !at.After(h.clock.Now()) {
		s, err := h.Start(c, so)
		if err != nil {
			return "", err
		}
		return s.ID(), nil
	}
	d := &deferred{at: at, chart: c}
	sh, err := h.admit(&so, d)
	if err != nil {
		return "", err
	}
	d.id, d.so = so.ID, so
	sh.post(func() { heap.Push(&sh.starts, d) })
	return so.ID, nil
}

// admit gives so an id if it has none and records the new session (with
// its deferred start d, if any) on the shard it will run on.
func (h *Host) admit(so *interp.StartOptions, d *deferred) (*shard, error) {
	if so.ID == "" {
		so.ID = newID()
	}
	h.mu.Lock()
	stopped := h.draining || h.closed
	h.mu.Unlock()
	if stopped {
		return nil, ErrClosed
	}
	// The store learns of the sessions it keeps before any new one runs.
	if err := h.open(context.Background()); err != nil {
		return nil, err
	}
	sh := h.shardFor(so.ID)
	if !h.table.add(so.ID, &record{sh: sh, start: d}) {
		return nil, fmt.Errorf("session %q already exists", so.ID)
	}
	return sh, nil
}

// Pending returns when session id starts, if it is waiting to (StartAt).
func (h *Host) Pending(id string) (time.Time, bool) { return h.table.deferredAt(id) }

// Live reports whether id names a session that is running or waiting to
// start.
func (h *Host) Live(id string) bool {
	_, ok := h.table.get(id)
	return ok
}

// Len returns the number of sessions running or waiting to start.
func (h *Host) Len() int { return int(h.table.live.Load() + h.table.pending.Load()) }

// Send queues a copy of ev for session id; it never blocks, so the port,
// the function modules and HTTP handlers may call it from any goroutine.
// The event reaches the session between macrosteps. ErrNoSession is
// returned (and the OnLost hooks called) for an id that names no running
// session; an event its full queue refuses later goes to OnLost.
func (h *Host) Send(id string, ev *interp.Event) error {
	r, ok := h.table.get(id)
	if !ok || r.start != nil {
		err := fmt.Errorf("%w: %q", ErrNoSession, id)
		h.lost(id, ev, err)
		return err
	}
	h.stats.events.Add(1)
	r.sh.inbox.Put(id, ev)
	return nil
}

// route is every engine's Route: an event for a session of another shard.
func (h *Host) route(id string, ev *interp.Event) error {
	r, ok := h.table.get(id)
	if !ok || r.start != nil {
		return fmt.Errorf("%w: %q", ErrNoSession, id)
	}
	h.stats.events.Add(1)
	r.sh.inbox.Put(id, ev)
	return nil
}

// lost handles an event that reached no session.
func (h *Host) lost(id string, ev *interp.Event, err error) {
	h.stats.lost.Add(1)
	var b *interp.Breach
	if errors.As(err, &b) {
		h.breach(id, b)
	}
	for _, f := range h.onLostHooks {
		f(id, ev, err)
	}
}

// Post runs fn on the shard of session id between macrosteps, without
// waiting; it reports false when id names no session. Any goroutine may
// post, whatever drives the host.
func (h *Host) Post(id string, fn func()) bool {
	r, ok := h.table.get(id)
	if !ok {
		return false
	}
	r.sh.post(fn)
	return true
}

// Do runs fn with session id between its macrosteps, on the goroutine
// that runs it, and waits for it (or for ctx). It returns ErrNoSession
// when id names no running session (see Pending for sessions waiting to
// start). On a host driven by its caller, Do runs fn at once and must be
// called on the driving goroutine; shards' hooks must not call it.
// DoLater is for other goroutines.
func (h *Host) Do(ctx context.Context, id string, fn func(s *interp.Session)) error {
	r, ok := h.table.get(id)
	if !ok || r.start != nil {
		return fmt.Errorf("%w: %q", ErrNoSession, id)
	}
	var err error
	call := r.sh.with(id, func(s *interp.Session, serr error) {
		if err = serr; err == nil {
			fn(s)
		}
	})
	if !h.isRunning() {
		call()
		return err
	}
	if werr := h.wait(ctx, r.sh, call); werr != nil {
		return werr
	}
	return err
}

// DoLater queues fn to run with session id between its macrosteps on
// whatever goroutine drives its shard: its own (Go) or the caller of
// Settle, Advance or Run. It returns at once, and any goroutine may call
// it, whatever drives the host. fn gets the session (a session the store
// keeps is loaded first), or nil and an error wrapping ErrNoSession when
// the session is gone by the time the call runs. DoLater returns
// ErrNoSession when id names no running session now, and ErrClosed once
// the host is closed; a call that has not run by the time the host is
// closed never runs (Closed).
func (h *Host) DoLater(id string, fn func(s *interp.Session, err error)) error {
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return ErrClosed
	}
	r, ok := h.table.get(id)
	if !ok || r.start != nil {
		return fmt.Errorf("%w: %q", ErrNoSession, id)
	}
	r.sh.post(r.sh.with(id, fn))
	return nil
}

// Closed returns a channel closed once the host is closed (Close, or the
// end of Drain): its shards' goroutines have stopped, and the calls queued
// (Post, DoLater) that have not run by then never will, since nothing
// drives a closed host.
func (h *Host) Closed() <-chan struct{} { return h.gone }

// wait posts fn to sh and waits for it to run.
func (h *Host) wait(ctx context.Context, sh *shard, fn func()) error {
	done := make(chan struct{})
	sh.post(func() {
		defer close(done)
		fn()
	})
	select {
	case <-done:
		return nil
	case <-sh.done:
		select {
		case <-done:
			return nil
		default:
			return ErrClosed
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Cancel ends session id as an external entity cancelling it would (its
// states are exited, no done event goes to a parent), or drops its
// deferred start. It returns ErrNoSession when there is neither.
func (h *Host) Cancel(ctx context.Context, id string) error {
	if h.table.cancelDeferred(id) {
		return nil
	}
	return h.Do(ctx, id, func(s *interp.Session) { _ = s.Engine().Cancel(id) })
}

// onMacrostep is every engine's OnMacrostep.
func (h *Host) onMacrostep(s *interp.Session, ev *interp.Event) {
	h.stats.macrosteps.Add(1)
	for _, f := range h.onMacrostepHooks {
		f(s, ev)
	}
	if limit := int64(h.lim.Memory); limit > 0 && s.Running() && (sizeDue(s.Macrosteps()) || h.walkDue(s)) {
		h.checkSize(s, limit)
	}
	if h.cfg.Store != nil && s.Running() {
		if err := h.cfg.Store.Commit(s); err != nil {
			h.log.Warn("store: commit", "session", s.ID(), "err", err)
		}
	}
}

// onError is every engine's OnError.
func (h *Host) onError(s *interp.Session, err error) {
	h.stats.errors.Add(1)
	var b *interp.Breach
	if errors.As(err, &b) && b.Limit != interp.LimitScriptTime && b.Limit != interp.LimitMemory {
		// The interpreter's own limits; the host counts script time and
		// memory where it measures them.
		h.breach(s.ID(), b)
	}
	for _, f := range h.onErrorHooks {
		f(s, err)
	}
}

// breach counts, logs and announces a breach of session id.
func (h *Host) breach(id string, b *interp.Breach) {
	for i, name := range limitNames {
		if name == b.Limit {
			h.stats.breaches[i].Add(1)
		}
	}
	h.log.Warn("session limit exceeded", "session", id, "limit", b.Limit, "err", b.Detail)
	for _, f := range h.onBreachHooks {
		f(id, b)
	}
}

// Stats are the host's counters.
type Stats struct {
	// Live and Pending are the sessions running and waiting to start.
	Live, Pending int
	// Started and Ended count sessions (invoked ones included); Failed
	// those ended by an error.
	Started, Ended, Failed uint64
	// Macrosteps counts completed macrosteps; Events the events routed
	// to sessions; Lost those that reached none; Errors the error
	// events and breaches sessions raised.
	Macrosteps, Events, Lost, Errors uint64
	// Breaches counts limit breaches by limit (interp.LimitMemory, ...),
	// every limit listed.
	Breaches map[string]uint64
	// Kept is the number of live sessions the store keeps out of memory
	// (adopted or hibernated); Hibernated counts the sessions taken out
	// of memory, Loaded those brought back.
	Kept               int
	Hibernated, Loaded uint64
	// Isolations counts the macrosteps the memory watch ran alone to
	// measure them; Gated the macrosteps that waited meanwhile, GateWait
	// how long in all (see ecmascript.Watchdog).
	Isolations, Gated uint64
	GateWait          time.Duration
}

// Stats returns the host's counters. It is safe for concurrent use.
func (h *Host) Stats() Stats {
	st := Stats{
		Live: int(h.table.live.Load()), Pending: int(h.table.pending.Load()),
		Started: h.stats.started.Load(), Ended: h.stats.ended.Load(), Failed: h.stats.failed.Load(),
		Macrosteps: h.stats.macrosteps.Load(), Events: h.stats.events.Load(),
		Lost: h.stats.lost.Load(), Errors: h.stats.errors.Load(),
		Breaches: make(map[string]uint64, len(limitNames)),
		Kept:     int(h.table.kept.Load()), Hibernated: h.stats.hibernated.Load(), Loaded: h.stats.loaded.Load(),
	}
	for i, name := range limitNames {
		st.Breaches[name] = h.stats.breaches[i].Load()
	}
	if h.wd != nil {
		ws := h.wd.Stats()
		st.Isolations, st.Gated, st.GateWait = ws.Isolations, ws.Gated, ws.GateWait
	}
	return st
}

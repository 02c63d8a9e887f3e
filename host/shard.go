package host

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
)

// shard is one engine with its inbox, its calls from other goroutines, its
// deferred starts and the wake-up for its next due time. Its engine is
// touched only by the goroutine that drives it: its own (Go) or the
// caller of Settle, Advance or Run.
type shard struct {
	h     *Host
	idx   int
	eng   *interp.Engine
	inbox *interp.Inbox
	lane  *ecmascript.Lane

	mu     sync.Mutex
	calls  []func()
	ncalls atomic.Int32
	wake   chan struct{}
	// interrupt asks the engine to hand the shard back after its current
	// step (yield): set when the host stops.
	interrupt atomic.Bool

	// Touched by the driving goroutine only.
	starts   startHeap
	asleep   asleepHeap
	timer    interp.Timer
	timerDue time.Time
	done     chan struct{}
	// sweepAt is when the hibernation sweep next runs.
	sweepAt time.Time
	// collecting is set while the inbox is being delivered (collect).
	collecting bool
	// settling is the Done channel of the context of the Settle or Run
	// driving the shard, if any: the engine hands the shard back once it
	// is closed.
	settling <-chan struct{}
}

func newShard(h *Host, idx int) *shard {
	sh := &shard{h: h, idx: idx, inbox: interp.NewInbox(), wake: make(chan struct{}, 1), done: make(chan struct{})}
	if h.wd != nil {
		sh.lane = h.wd.Lane()
	}
	opts := h.cfg.Engine
	opts.Clock = h.clock
	h.lim.engine(&opts)
	opts.OnStart = sh.onStart
	opts.OnDone = sh.onDone
	opts.OnMacrostep = h.onMacrostep
	opts.OnError = h.onError
	opts.OnRestore = sh.onRestore
	opts.Route = h.route
	opts.Yield = sh.yield
	sh.eng = interp.NewEngine(opts)
	return sh
}

// yield is the engine's Options.Yield: the engine hands the shard back
// between two steps when the host stops or the context of the Settle
// driving it is done, rather than after its whole batch, which a session
// sending itself events whose scripts run to the script time limit could
// make last minutes. Calls of other goroutines wait for the batch: a call
// sees what the events sent before it did.
func (sh *shard) yield() bool {
	if sh.interrupt.Load() {
		return true
	}
	if sh.settling != nil {
		select {
		case <-sh.settling:
			return true
		default:
		}
	}
	return false
}

// onStart is every engine's OnStart.
func (sh *shard) onStart(s *interp.Session) {
	h := sh.h
	h.table.bind(s.ID(), sh)
	h.stats.started.Add(1)
	if sh.lane != nil {
		// Sessions whose data model is not ECMAScript have no scripts
		// to time.
		_ = sh.lane.Attach(s)
	}
	for _, f := range h.onStartHooks {
		f(s)
	}
}

// onDone is every engine's OnDone.
func (sh *shard) onDone(s *interp.Session) {
	h := sh.h
	for _, f := range h.onDoneHooks {
		f(s)
	}
	if h.cfg.Store != nil {
		if err := h.cfg.Store.Release(s, false); err != nil {
			h.log.Warn("store: releasing an ended session", "session", s.ID(), "err", err)
		}
	}
	h.table.remove(s.ID())
	h.stats.ended.Add(1)
	if s.Err() != nil {
		h.stats.failed.Add(1)
	}
}

// post queues fn to run on the shard between macrosteps.
func (sh *shard) post(fn func()) {
	sh.mu.Lock()
	sh.calls = append(sh.calls, fn)
	sh.ncalls.Store(int32(len(sh.calls)))
	sh.mu.Unlock()
	sh.signal()
}

// with returns the call, to run on the shard, that hands fn session id,
// loading it if the store keeps it, or ErrNoSession when it is gone.
func (sh *shard) with(id string, fn func(s *interp.Session, err error)) func() {
	return func() {
		s := sh.eng.Session(id)
		if s == nil && sh.load(id) {
			s = sh.eng.Session(id)
		}
		if s == nil {
			fn(nil, fmt.Errorf("%w: %q", ErrNoSession, id))
			return
		}
		fn(s, nil)
	}
}

// signal wakes the shard's driver.
func (sh *shard) signal() {
	select {
	case sh.wake <- struct{}{}:
	default:
	}
}

// runCalls runs the queued calls; it reports whether there were any.
func (sh *shard) runCalls() bool {
	if sh.ncalls.Load() == 0 {
		return false
	}
	sh.mu.Lock()
	calls := sh.calls
	sh.calls = nil
	sh.ncalls.Store(0)
	sh.mu.Unlock()
	for _, f := range calls {
		sh.protect(f)
	}
	return len(calls) > 0
}

// protect runs f, turning a panic into a logged error.
func (sh *shard) protect(f func()) {
	defer func() {
		if p := recover(); p != nil {
			sh.h.log.Error("panic in a call to a host shard", "panic", fmt.Sprint(p))
		}
	}()
	f()
}

// turn does everything that is ready on the shard at the clock's time:
// deferred starts and stored sessions due, the inbox, a batch of the
// engine's work, the participants' due events (shard 0), and then the
// calls of other goroutines, so that a call sees what the events sent
// before it did. It reports whether work is left: the engine busy, events
// or calls waiting, or calls that ran (and may have made work).
func (sh *shard) turn() bool {
	parts := sh.h.cfg.Participants
	if sh.idx != 0 {
		parts = nil
	}
	sweep := sh.hibernating()
	if len(sh.starts) > 0 || len(sh.asleep) > 0 || len(parts) > 0 || sweep {
		now := sh.h.clock.Now()
		sh.startDue(now)
		if len(sh.asleep) > 0 {
			sh.wakeDue(now)
		}
		if sweep && !sh.sweepAt.After(now) {
			sh.sweep(now)
		}
		// The participants move to the host's time before the engine
		// runs, so that what its macrosteps ask of them is stamped
		// with it, and are flushed after, so that the answers due at
		// this instant are delivered in the next turn.
		for _, p := range parts {
			p.SetTime(now)
		}
	}
	sh.collect()
	sh.eng.Run()
	busy := !sh.eng.Idle()
	for _, p := range parts {
		if p.Flush() > 0 {
			busy = true
		}
	}
	if sh.runCalls() {
		busy = true
	}
	// A session kept with work waiting (hibernated as events reached
	// it) is due now: the next turn loads it.
	wake := len(sh.asleep) > 0 && !sh.asleep[0].due.After(sh.h.clock.Now())
	return busy || wake || sh.inbox.Len() > 0 || sh.ncalls.Load() > 0
}

// collect hands the events waiting in the inbox to their sessions'
// queues. A collect already under way (a session it loads for one of its
// events commits a macrostep) is left to finish: the inbox's order stays
// the order of delivery.
func (sh *shard) collect() {
	if sh.collecting {
		return
	}
	sh.collecting = true
	defer func() { sh.collecting = false }()
	sh.inbox.Deliver(sh.eng, sh.undeliverable)
}

// nextDue returns the shard's next due time: its engine's timers, its
// deferred starts and (shard 0) the participants'.
func (sh *shard) nextDue() (time.Time, bool) {
	due, ok := sh.eng.NextDue()
	earlier := func(t time.Time) {
		if !ok || t.Before(due) {
			due, ok = t, true
		}
	}
	if len(sh.starts) > 0 {
		earlier(sh.starts[0].at)
	}
	if len(sh.asleep) > 0 {
		earlier(sh.asleep[0].due)
	}
	if sh.hibernating() && !sh.sweepAt.IsZero() {
		earlier(sh.sweepAt)
	}
	if sh.idx == 0 {
		for _, p := range sh.h.cfg.Participants {
			if t, pok := p.NextDue(); pok {
				earlier(t)
			}
		}
	}
	return due, ok
}

// run is the shard's goroutine (Go): it returns once stop is closed, after
// running the calls queued until then.
func (sh *shard) run(stop <-chan struct{}) {
	defer close(sh.done)
	defer sh.disarm()
	for {
		busy := sh.turn()
		select {
		case <-stop:
			// The calls queued before the stop (Drain's) run; the
			// work of sessions that keep busy does not keep the
			// shard.
			sh.runCalls()
			return
		default:
		}
		if busy {
			continue
		}
		sh.arm()
		select {
		case <-sh.inbox.Ready():
		case <-sh.wake:
		case <-stop:
		}
	}
}

// arm makes the clock wake the shard at its next due time.
func (sh *shard) arm() {
	due, ok := sh.nextDue()
	if !ok {
		sh.disarm()
		return
	}
	if sh.timer != nil && sh.timerDue.Equal(due) {
		return
	}
	sh.disarm()
	sh.timerDue = due
	sh.timer = sh.h.clock.AfterFunc(due.Sub(sh.h.clock.Now()), sh.signal)
}

func (sh *shard) disarm() {
	if sh.timer != nil {
		sh.timer.Stop()
		sh.timer = nil
	}
}

// start starts a session on the shard's engine and runs its initial
// macrostep.
func (sh *shard) start(c *interp.Chart, so interp.StartOptions) (*interp.Session, error) {
	s, err := sh.eng.Start(c, so)
	if err != nil {
		return nil, err
	}
	sh.eng.Step(s)
	return s, nil
}

// startDue starts the deferred starts whose time has come; it reports
// whether it started any.
func (sh *shard) startDue(now time.Time) bool {
	any := false
	for len(sh.starts) > 0 && !sh.starts[0].at.After(now) {
		d := heap.Pop(&sh.starts).(*deferred)
		if !sh.h.table.started(d.id, d) {
			continue // cancelled meanwhile
		}
		any = true
		if _, err := sh.start(d.chart, d.so); err != nil {
			sh.h.table.remove(d.id)
			sh.h.log.Warn("deferred start failed", "session", d.id, "err", err)
			for _, f := range sh.h.onLostHooks {
				f(d.id, nil, err)
			}
		}
	}
	return any
}

// cancelAll cancels every session of the shard, top-level sessions first
// (which cancels what they invoked), and drops its deferred starts.
func (sh *shard) cancelAll() {
	for _, d := range sh.starts {
		sh.h.table.cancelDeferred(d.id)
	}
	sh.starts = nil
	ids := sh.eng.SessionIDs()
	for _, top := range []bool{true, false} {
		for _, id := range ids {
			if s := sh.eng.Session(id); s != nil && (s.Parent() == nil) == top {
				_ = sh.eng.Cancel(id)
			}
		}
	}
}

// undeliverable handles an event its session's engine refused: a session
// the store keeps is loaded and given the event, others lose it.
func (sh *shard) undeliverable(id string, ev *interp.Event, err error) {
	if errors.Is(err, interp.ErrNoSession) && sh.load(id) {
		if err = sh.eng.Send(id, ev); err == nil {
			return
		}
	}
	sh.h.lost(id, ev, err)
}

// startHeap orders deferred starts by time.
type startHeap []*deferred

func (h startHeap) Len() int           { return len(h) }
func (h startHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h startHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *startHeap) Push(x any)        { *h = append(*h, x.(*deferred)) }
func (h *startHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return d
}

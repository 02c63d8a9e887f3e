package ecmascript

import (
	"errors"
	"fmt"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-scxml/orca/interp"
)

// Budgeted is implemented by data models whose macrosteps a Watchdog can
// watch. The interpreter calls BeginMacrostep before it starts a macrostep
// (including the initial one that runs Setup, the data and the top-level
// script) and EndMacrostep when the macrostep is done, from the goroutine
// that runs the session. Calls may nest (a session invoked or cancelled
// during another's macrostep); only the outermost pair counts. Each call
// costs an atomic store or two; neither allocates. It has the method set
// of interp.Budgeted.
type Budgeted interface {
	BeginMacrostep()
	EndMacrostep()
}

// macrostep is a Model's macrostep accounting, read by a Watchdog.
type macrostep struct {
	// seq is odd while a macrostep runs; pending says a watchdog may
	// have interrupted the runtime.
	seq     atomic.Uint64
	pending atomic.Bool
	// imu orders a watchdog's interrupts with the end of macrosteps.
	imu sync.Mutex
	// Touched on the session's goroutine only: the nesting depth, the
	// lane the model is attached to, the model that ran on the lane
	// before this one's macrostep began, and whether the macrostep began
	// on a lane.
	depth   int
	lane    *Lane
	prev    *Model
	watched bool
	// sess is the session the model belongs to, set by Attach before
	// the model first runs on its lane.
	sess *interp.Session
}

// BeginMacrostep marks the start of a macrostep. While the watchdog
// isolates another lane's macrostep (see Watchdog), the outermost
// macrostep of a lane first waits for the isolation to end; otherwise it
// costs an atomic load more. A model on no lane has no watchdog to show
// its macrosteps to (it is attached only between macrosteps): its
// brackets only count their nesting.
func (m *Model) BeginMacrostep() {
	mm := &m.macro
	mm.depth++
	if mm.depth > 1 {
		return
	}
	l := mm.lane
	mm.watched = l != nil
	if l == nil {
		return
	}
	if s := mm.seq.Load(); s&1 == 0 {
		mm.seq.Store(s + 1)
	}
	mm.prev = l.cur.Swap(m)
	if mm.prev == nil && l.w.gate.Load() != nil {
		l.gate(m)
	}
}

// EndMacrostep marks the end of a macrostep. An interrupt a Watchdog sent
// too late to stop the macrostep is cleared, so that it cannot stop the
// next one.
func (m *Model) EndMacrostep() {
	mm := &m.macro
	if mm.depth == 0 {
		return
	}
	mm.depth--
	if mm.depth > 0 || !mm.watched {
		return
	}
	mm.watched = false
	if l := mm.lane; l != nil {
		l.cur.Store(mm.prev)
		mm.prev = nil
	}
	if s := mm.seq.Load(); s&1 == 1 {
		mm.seq.Store(s + 1)
	}
	if mm.pending.Load() {
		mm.imu.Lock()
		m.rt.ClearInterrupt()
		mm.pending.Store(false)
		mm.imu.Unlock()
	}
}

// interruptMacrostep interrupts the runtime if macrostep seq is still
// running. Together with EndMacrostep (which stores seq before it loads
// pending, while this stores pending before it loads seq) it guarantees
// that an interrupt reaches macrostep seq or is cleared by its end.
func (m *Model) interruptMacrostep(seq uint64, reason string) bool {
	mm := &m.macro
	mm.imu.Lock()
	defer mm.imu.Unlock()
	mm.pending.Store(true)
	if mm.seq.Load() == seq {
		m.rt.Interrupt(reason)
		return true
	}
	mm.pending.Store(false)
	return false
}

// detach takes a closed model off its lane.
func (m *Model) detach() {
	mm := &m.macro
	if l := mm.lane; l != nil && mm.depth > 0 {
		l.cur.CompareAndSwap(m, mm.prev)
	}
	mm.lane, mm.prev = nil, nil
}

// WatchdogOptions configure a Watchdog.
type WatchdogOptions struct {
	// Tick is how often the watchdog looks at its lanes (10 ms when
	// zero, at least a millisecond).
	Tick time.Duration
	// Budget is the script time one macrostep may take (0: no limit).
	// A data model over budget is interrupted between Budget and Budget
	// plus two ticks after its macrostep began, and again after each
	// further Budget while the macrostep keeps running scripts. Time
	// during which the watchdog itself was held up (a collection, a
	// machine out of CPU) beyond a tick is not counted.
	Budget time.Duration
	// Memory bounds how much the Go heap may grow because of one
	// macrostep (0: no limit): see Watchdog. The session is ended
	// (interp.Session.Abort) and its scripts interrupted.
	Memory int64
	// OnBreach is told of every breach, on the watchdog's goroutine: it
	// may only use what of s is safe for concurrent use (ID, Abort).
	OnBreach func(s *interp.Session, b *interp.Breach)
	// OnLiveHeap, when not nil, is called on the watchdog's goroutine
	// every tick with the live heap the last garbage collection found,
	// and whether a collection completed since the last tick (fresh): a
	// host watching for sessions that grow over many macrosteps (see
	// Model.Size) reads it.
	OnLiveHeap func(live uint64, fresh bool)
}

// heapMetric is the runtime/metrics figure the watchdog samples: memory
// held by heap objects, live or not yet swept; liveMetric is the live heap
// the last garbage collection found.
const (
	heapMetric   = "/memory/classes/heap/objects:bytes"
	liveMetric   = "/gc/heap/live:bytes"
	cyclesMetric = "/gc/cycles/total:gc-cycles"
	allocsMetric = "/gc/heap/allocs:bytes"
)

// Watchdog enforces a script time budget and a memory bound on macrosteps.
// A host gives each goroutine that runs sessions a Lane, and attaches the
// data model of every session it runs there; a lane shows the watchdog the
// macrostep running on it (the innermost when sessions nest). The watchdog
// owns one goroutine, which wakes every tick and looks at its lanes, so
// its cost does not grow with the number of sessions; the interpreter's
// cost per macrostep is that of BeginMacrostep and EndMacrostep.
//
// Memory is measured from the Go heap, as goja has no heap limit of its
// own and Go counts no allocation per goroutine: while a macrostep runs
// for more than a tick, the watchdog compares the live heap with the live
// heap before it. Growth beyond Memory makes the macrostep a suspect, not
// a culprit: other goroutines (other lanes starting sessions, the network)
// grow the heap too. The watchdog then isolates it: the other lanes'
// macrosteps wait at their start (for a second or so at most), and only growth
// beyond Memory measured while the suspect runs alone ends its session
// (memory.go says why this design and what it bounds). Stats counts the
// isolations and the time lanes waited. Memory a session accumulates over
// many macrosteps is left to the host's walk of the data model
// (Model.Size).
type Watchdog struct {
	opts WatchdogOptions
	tick time.Duration

	mu    sync.Mutex
	lanes []*Lane

	stop chan struct{}
	done chan struct{}
	once sync.Once

	// gate is the isolation in force: the macrosteps of every lane but
	// its suspect's wait at their start until it ends.
	gate atomic.Pointer[isolation]

	// Used by the watchdog's goroutine only.
	sample    []metrics.Sample
	live      []metrics.Sample
	allocated []metrics.Sample
	cycles    uint64
	// lastLive is the live heap the last collection found, read at this
	// tick (cycles counts the collections so far).
	lastLive uint64
	// lastGC is when the watchdog last forced a collection, gcCost how
	// long that took.
	lastGC time.Time
	// lastCheck is when the last look at the lanes ended.
	lastCheck time.Time
	gcCost    time.Duration
	// iso is the isolation the watchdog runs (nil: none).
	iso *isolation

	// Counters for Stats.
	isolations, gated atomic.Uint64
	gateWait          atomic.Int64
}

// WatchdogStats are a Watchdog's counters of its memory watch.
type WatchdogStats struct {
	// Isolations counts the macrosteps suspected of growing the heap by
	// more than the limit and run alone to measure them.
	Isolations uint64
	// Gated counts the macrosteps that waited for an isolation to end
	// before they began, and GateWait is how long they waited in all.
	Gated    uint64
	GateWait time.Duration
}

// Stats returns the watchdog's counters. It is safe for concurrent use.
func (w *Watchdog) Stats() WatchdogStats {
	return WatchdogStats{Isolations: w.isolations.Load(), Gated: w.gated.Load(),
		GateWait: time.Duration(w.gateWait.Load())}
}

// Lane is where a Watchdog sees the macrostep a goroutine is running.
type Lane struct {
	w   *Watchdog
	cur atomic.Pointer[Model]

	// The watchdog goroutine's view: the macrostep seen last, since
	// when, and what its memory watch knows of it.
	m     *Model
	seq   uint64
	since time.Time
	mem   laneMemory
}

// NewWatchdog starts a watchdog. Stop it with Stop.
func NewWatchdog(opts WatchdogOptions) *Watchdog {
	tick := opts.Tick
	if tick <= 0 {
		tick = 10 * time.Millisecond
	}
	w := &Watchdog{
		opts: opts, tick: max(tick, time.Millisecond),
		stop: make(chan struct{}), done: make(chan struct{}),
		sample:    []metrics.Sample{{Name: heapMetric}},
		live:      []metrics.Sample{{Name: liveMetric}, {Name: cyclesMetric}},
		allocated: []metrics.Sample{{Name: allocsMetric}},
	}
	go w.run()
	return w
}

// Lane returns a new lane for a goroutine that runs sessions.
func (w *Watchdog) Lane() *Lane {
	l := &Lane{w: w}
	w.mu.Lock()
	w.lanes = append(w.lanes, l)
	w.mu.Unlock()
	return l
}

// Unwrapper is implemented by data models that wrap another (a recording
// or tracing layer), so that a lane finds the model underneath.
type Unwrapper interface {
	Unwrap() interp.Datamodel
}

// Attach makes the macrosteps of session s run on l. s's data model must
// be a data model of this package (or wrap one, see Unwrapper) that has
// not run yet on another lane; it is detached when it is closed. Call it
// on the goroutine that runs s, before s's first macrostep (from
// interp.Options.OnStart).
func (l *Lane) Attach(s *interp.Session) error {
	dm := s.Datamodel()
	for {
		u, ok := dm.(Unwrapper)
		if !ok {
			break
		}
		dm = u.Unwrap()
	}
	m, ok := dm.(*Model)
	if !ok {
		return fmt.Errorf("ecmascript: watchdog: %T is not an ECMAScript data model", s.Datamodel())
	}
	switch {
	case m.closed:
		return ErrClosed
	case m.macro.lane != nil && m.macro.lane != l:
		return errors.New("ecmascript: watchdog: data model is attached to another lane")
	case m.macro.depth > 0:
		return errors.New("ecmascript: watchdog: data model is in a macrostep")
	}
	m.macro.lane = l
	m.macro.sess = s
	return nil
}

// Stop stops the watchdog's goroutine and waits for it to end.
func (w *Watchdog) Stop() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
	if w.iso != nil {
		w.release()
	}
}

func (w *Watchdog) run() {
	defer close(w.done)
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			w.check(now)
		}
	}
}

// heap returns the bytes held by heap objects.
func (w *Watchdog) heap() uint64 {
	metrics.Read(w.sample)
	if w.sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return w.sample[0].Value.Uint64()
}

// liveHeap returns the live heap the last garbage collection found, and
// whether a collection completed since the last call.
func (w *Watchdog) liveHeap() (uint64, bool) {
	metrics.Read(w.live)
	if w.live[0].Value.Kind() != metrics.KindUint64 || w.live[1].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	c := w.live[1].Value.Uint64()
	fresh := c != w.cycles
	w.cycles = c
	return w.live[0].Value.Uint64(), fresh
}

// check looks at every lane once.
func (w *Watchdog) check(now time.Time) {
	if w.opts.OnLiveHeap != nil || w.opts.Memory > 0 {
		live, fresh := w.liveHeap()
		w.lastLive = live
		if w.opts.OnLiveHeap != nil {
			w.opts.OnLiveHeap(live, fresh)
		}
	}
	w.mu.Lock()
	lanes := w.lanes
	w.mu.Unlock()
	// A tick that comes late (the watchdog forced a collection, or the
	// process got no CPU) is time the lanes were held up as well: it
	// does not count against the budget of the macrosteps they run.
	at := time.Now()
	if late := at.Sub(w.lastCheck) - w.tick; !w.lastCheck.IsZero() && late > w.tick {
		for _, l := range lanes {
			l.since = l.since.Add(late)
		}
	}
	defer func() { w.lastCheck = time.Now() }()
	w.checkIsolation()
	var heapNow uint64
	read := false
	heap := func() uint64 {
		if !read {
			heapNow, read = w.heap(), true
		}
		return heapNow
	}
	for _, l := range lanes {
		m := l.cur.Load()
		if m == nil {
			l.m = nil
			continue
		}
		s := m.macro.seq.Load()
		if s&1 == 0 {
			l.m = nil
			continue
		}
		if m != l.m || s != l.seq {
			l.m, l.seq, l.since, l.mem = m, s, now, laneMemory{}
			continue
		}
		if b := w.opts.Budget; b > 0 && now.Sub(l.since) >= b {
			l.since = now
			br := &interp.Breach{Limit: interp.LimitScriptTime, Max: int64(b),
				Detail: fmt.Sprintf("macrostep exceeded its time budget of %v", b)}
			if m.interruptMacrostep(s, br.Detail) {
				w.report(m, br)
			}
		}
		if w.opts.Memory > 0 {
			w.checkMemory(l, m, s, now, heap())
		}
	}
}

func (w *Watchdog) report(m *Model, b *interp.Breach) {
	if w.opts.OnBreach != nil && m.macro.sess != nil {
		w.opts.OnBreach(m.macro.sess, b)
	}
}

// FormatBytes formats a byte count in binary units: "512 B", "3.5 MiB".
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

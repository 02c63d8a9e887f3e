package ecmascript

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/orca-scxml/orca/interp"
)

// Budgeted is implemented by data models whose macrosteps a Watchdog can
// time. The interpreter calls BeginMacrostep before it starts a macrostep
// (including the initial one that runs Setup, the data and the top-level
// script) and EndMacrostep when the macrostep is done, from the goroutine
// that runs the session. Each call costs an atomic store or two; neither
// allocates. It has the method set of interp.Budgeted.
type Budgeted interface {
	BeginMacrostep()
	EndMacrostep()
}

// BeginMacrostep marks the start of a macrostep.
func (m *Model) BeginMacrostep() {
	if s := m.seq.Load(); s&1 == 0 {
		m.seq.Store(s + 1)
	}
}

// EndMacrostep marks the end of a macrostep. An interrupt a Watchdog sent
// too late to stop the macrostep is cleared, so that it cannot stop the
// next one.
func (m *Model) EndMacrostep() {
	if s := m.seq.Load(); s&1 == 1 {
		m.seq.Store(s + 1)
	}
	if m.pending.Load() {
		m.imu.Lock()
		m.rt.ClearInterrupt()
		m.pending.Store(false)
		m.imu.Unlock()
	}
}

// interruptMacrostep interrupts the runtime if macrostep seq is still
// running. Together with EndMacrostep (which stores seq before it loads
// pending, while this stores pending before it loads seq) it guarantees
// that an interrupt reaches macrostep seq or is cleared by its end.
func (m *Model) interruptMacrostep(seq uint64, reason string) {
	m.imu.Lock()
	defer m.imu.Unlock()
	m.pending.Store(true)
	if m.seq.Load() == seq {
		m.rt.Interrupt(reason)
		return
	}
	m.pending.Store(false)
}

// Watchdog interrupts data models that stay busy in one macrostep longer
// than their time budget. It owns one goroutine, which wakes every tick and
// looks at the macrostep counters of the watched data models; the
// interpreter's cost per macrostep is that of BeginMacrostep and
// EndMacrostep. A data model is interrupted between budget and budget plus
// two ticks after its macrostep began; the evaluation in progress returns
// an error wrapping ErrInterrupted, and the data model stays usable. If the
// macrostep keeps running scripts, it is interrupted again after each
// further budget.
type Watchdog struct {
	tick    time.Duration
	mu      sync.Mutex
	watched map[*Model]*watch
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
}

// watch is the watchdog's view of one data model.
type watch struct {
	budget time.Duration
	reason string
	seq    uint64    // the counter seen last
	since  time.Time // when seq was first seen running (zero: idle)
}

// NewWatchdog starts a watchdog that checks every tick (at least a
// millisecond). Stop it with Stop.
func NewWatchdog(tick time.Duration) *Watchdog {
	w := &Watchdog{
		tick:    max(tick, time.Millisecond),
		watched: map[*Model]*watch{},
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	go w.run()
	return w
}

// Watch makes w enforce budget on every macrostep of dm, which must be a
// data model of this package and watched by no other Watchdog. Watching it
// again changes its budget. Closing dm stops watching it.
func (w *Watchdog) Watch(dm interp.Datamodel, budget time.Duration) error {
	m, ok := dm.(*Model)
	if !ok {
		return fmt.Errorf("ecmascript: watchdog: %T is not an ECMAScript data model", dm)
	}
	if budget <= 0 {
		return errors.New("ecmascript: watchdog: budget must be positive")
	}
	m.imu.Lock()
	switch {
	case m.closed:
		m.imu.Unlock()
		return ErrClosed
	case m.wd != nil && m.wd != w:
		m.imu.Unlock()
		return errors.New("ecmascript: watchdog: data model is watched by another watchdog")
	}
	m.wd = w
	m.imu.Unlock()
	// The watchdog's lock is taken before a data model's when it
	// interrupts, so it is not taken while holding m.imu.
	w.mu.Lock()
	w.watched[m] = &watch{budget: budget, reason: fmt.Sprintf("macrostep exceeded its time budget of %v", budget)}
	w.mu.Unlock()
	m.imu.Lock()
	gone := m.closed || m.wd != w
	m.imu.Unlock()
	if gone {
		w.unwatch(m)
	}
	return nil
}

// Unwatch stops watching dm.
func (w *Watchdog) Unwatch(dm interp.Datamodel) {
	m, ok := dm.(*Model)
	if !ok {
		return
	}
	m.imu.Lock()
	if m.wd == w {
		m.wd = nil
	}
	m.imu.Unlock()
	w.unwatch(m)
}

func (w *Watchdog) unwatch(m *Model) {
	w.mu.Lock()
	delete(w.watched, m)
	w.mu.Unlock()
}

// Stop stops the watchdog's goroutine and waits for it to end.
func (w *Watchdog) Stop() {
	w.once.Do(func() { close(w.stop) })
	<-w.done
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

// check interrupts the data models over budget.
func (w *Watchdog) check(now time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for m, e := range w.watched {
		s := m.seq.Load()
		switch {
		case s&1 == 0:
			e.seq, e.since = s, time.Time{}
		case s != e.seq || e.since.IsZero():
			e.seq, e.since = s, now
		case now.Sub(e.since) >= e.budget:
			m.interruptMacrostep(s, e.reason)
			e.since = now
		}
	}
}

package strategytest

import (
	"time"

	"github.com/orca-scxml/orca/internal/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// world is the host a test runs in: an engine, an in-memory telephony
// port and an inbox on one virtual clock, driven on the caller's
// goroutine. It is the only part of the runner that knows how the host
// loop is built.
type world struct {
	clock *interp.VirtualClock
	port  *telephony.Memory
	inbox *interp.Inbox
	eng   *interp.Engine
	loop  *host.Loop
}

// newWorld returns a world starting at start whose port reports sw as
// the switch of its calls. Its engine, made on its clock and inbox, is
// given with setEngine.
func newWorld(start time.Time, sw string) *world {
	return &world{
		clock: interp.NewVirtualClock(start),
		port:  telephony.NewMemory(telephony.MemoryOptions{Start: start, Switch: sw}),
		inbox: interp.NewInbox(),
	}
}

// setEngine gives the world its engine; busy reports work in flight
// outside the loop (HTTP fetches) whose results come through the inbox.
func (w *world) setEngine(eng *interp.Engine, busy func() int) {
	w.eng = eng
	w.loop = &host.Loop{Clock: w.clock, Engine: eng, Port: w.port, Inbox: w.inbox, Busy: busy}
}

// now returns the virtual time.
func (w *world) now() time.Time { return w.clock.Now() }

// settle runs everything due at the current time.
func (w *world) settle() error { return w.loop.Settle() }

// advanceTo moves the clock to t, settling at every timer and port event
// on the way.
func (w *world) advanceTo(t time.Time) error {
	if !t.After(w.now()) {
		return w.settle()
	}
	return w.loop.Advance(t.Sub(w.now()))
}

// nextDue returns when the engine's or the port's next event falls due.
func (w *world) nextDue() (time.Time, bool) {
	due, ok := w.eng.NextDue()
	if t, pok := w.port.NextDue(); pok && (!ok || t.Before(due)) {
		due, ok = t, true
	}
	return due, ok
}

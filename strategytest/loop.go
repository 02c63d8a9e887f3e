package strategytest

import (
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// world is the host a test runs in: sessions, an in-memory telephony port
// and their virtual clock, driven on the caller's goroutine. It is the
// only part of the runner that knows how the host is built.
type world struct {
	clock *interp.VirtualClock
	port  *telephony.Memory
	h     *host.Host
}

// newWorld returns a world starting at start whose port reports sw as
// the switch of its calls. Its host is made with setHost.
func newWorld(start time.Time, sw string) *world {
	return &world{
		clock: interp.NewVirtualClock(start),
		port:  telephony.NewMemory(telephony.MemoryOptions{Start: start, Switch: sw}),
	}
}

// setHost makes the world's host with the engine options opts; busy
// reports work in flight outside it (HTTP fetches) whose results come as
// events.
func (w *world) setHost(opts interp.Options, busy func() int) error {
	h, err := host.New(host.Config{Engine: opts, Clock: w.clock, Participants: []host.Participant{w.port}, Busy: busy})
	if err != nil {
		return err
	}
	w.h = h
	return nil
}

// close stops the host.
func (w *world) close() {
	if w.h != nil {
		w.h.Close()
	}
}

// deliver hands ev to session id; the function modules and the port
// deliver through it.
func (w *world) deliver(id string, ev *interp.Event) {
	if w.h != nil {
		_ = w.h.Send(id, ev)
	}
}

// compile compiles doc with the host's data models.
func (w *world) compile(doc *scxml.Document) (*interp.Chart, error) {
	return w.h.Engine().Compile(doc)
}

// start starts a session of c; it has run its first macrostep when start
// returns.
func (w *world) start(c *interp.Chart, so interp.StartOptions) (*interp.Session, error) {
	return w.h.Start(c, so)
}

// send places ev on the external queue of session id.
func (w *world) send(id string, ev *interp.Event) error { return w.h.Send(id, ev) }

// now returns the virtual time.
func (w *world) now() time.Time { return w.clock.Now() }

// settle runs everything due at the current time.
func (w *world) settle() error { return w.h.Settle() }

// advanceTo moves the clock to t, settling at every timer and port event
// on the way.
func (w *world) advanceTo(t time.Time) error {
	if !t.After(w.now()) {
		return w.settle()
	}
	return w.h.Advance(t.Sub(w.now()))
}

// nextDue returns when the sessions' or the port's next event falls due.
func (w *world) nextDue() (time.Time, bool) { return w.h.NextDue() }

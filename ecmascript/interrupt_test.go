package ecmascript

import (
	"sync"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInterrupt(t *testing.T) {
	b := newBuilder()
	loop := b.script("while (true) {}")
	m := b.model(t)
	go func() {
		time.Sleep(20 * time.Millisecond)
		m.Interrupt("stop requested")
	}()
	err := m.Exec(loop)
	require.ErrorIs(t, err, ErrInterrupted)
	assert.Contains(t, err.Error(), "stop requested")
	assert.Contains(t, err.Error(), testFile+":1:5: script: interrupted")
	// The runtime is usable afterwards.
	assert.Equal(t, 2.0, eval(t, m, "1 + 1"))
}

// watched runs documents on an engine whose sessions are attached to one
// lane of a watchdog, as a host does, and records the breaches.
type watched struct {
	t      *testing.T
	eng    *interp.Engine
	wd     *Watchdog
	mu     sync.Mutex
	breach []*interp.Breach
	errs   []error
}

func newWatched(t *testing.T, opts WatchdogOptions, action interp.LimitAction) *watched {
	w := &watched{t: t}
	opts.OnBreach = func(_ *interp.Session, b *interp.Breach) {
		w.mu.Lock()
		w.breach = append(w.breach, b)
		w.mu.Unlock()
	}
	w.wd = NewWatchdog(opts)
	t.Cleanup(w.wd.Stop)
	lane := w.wd.Lane()
	w.eng = interp.NewEngine(interp.Options{
		Clock:      interp.NewVirtualClock(time.Unix(0, 0)),
		Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": Compile},
		Limit:      action,
		OnStart:    func(s *interp.Session) { require.NoError(t, lane.Attach(s)) },
		OnError:    func(_ *interp.Session, err error) { w.errs = append(w.errs, err) },
	})
	return w
}

func (w *watched) start(src string) *interp.Session {
	doc, err := scxml.Parse("watched.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">`+src+`</scxml>`), nil)
	require.NoError(w.t, err)
	c, err := w.eng.Compile(doc)
	require.NoError(w.t, err)
	s, err := w.eng.Start(c, interp.StartOptions{})
	require.NoError(w.t, err)
	return s
}

func (w *watched) breaches() []*interp.Breach {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*interp.Breach(nil), w.breach...)
}

func TestWatchdogBudget(t *testing.T) {
	const budget = 30 * time.Millisecond
	w := newWatched(t, WatchdogOptions{Tick: 2 * time.Millisecond, Budget: budget}, interp.LimitError)
	quick := w.start(`<datamodel><data id="n" expr="0"/></datamodel>
		<state id="a"><transition event="inc"><assign location="n" expr="n + 1"/></transition>
		<transition event="spin" target="b"/></state>
		<state id="b"><onentry><script>while (true) {}</script></onentry>
			<transition event="error.execution" target="c"/></state>
		<state id="c"/>`)
	w.eng.Run()
	// Quick macrosteps are not interrupted.
	for range 1000 {
		require.NoError(t, w.eng.Send(quick.ID(), &interp.Event{Name: "inc"}))
		w.eng.Run()
	}
	assert.Empty(t, w.breaches())
	start := time.Now()
	require.NoError(t, w.eng.Send(quick.ID(), &interp.Event{Name: "spin"}))
	w.eng.Run()
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, budget)
	assert.Less(t, elapsed, budget+500*time.Millisecond)
	assert.Equal(t, []string{"c"}, quick.Atomic(), "the error is raised and the session goes on")
	require.Len(t, w.breaches(), 1)
	b := w.breaches()[0]
	assert.Equal(t, interp.LimitScriptTime, b.Limit)
	assert.Equal(t, "limit exceeded: macrostep exceeded its time budget of 30ms", b.Error())
	require.NotEmpty(t, w.errs)
	assert.ErrorIs(t, w.errs[len(w.errs)-1], ErrInterrupted)
	assert.Contains(t, w.errs[len(w.errs)-1].Error(), "macrostep exceeded its time budget of 30ms")
	// The next macrosteps are not interrupted.
	require.NoError(t, w.eng.Send(quick.ID(), &interp.Event{Name: "inc"}))
	w.eng.Run()
	assert.Len(t, w.breaches(), 1)
}

func TestWatchdogNestedSessions(t *testing.T) {
	// An invoked child that spins in its first macrostep, run inside its
	// parent's, is the one interrupted. (The budget leaves the rest of
	// the parent's macrostep time on a loaded machine.)
	w := newWatched(t, WatchdogOptions{Tick: 2 * time.Millisecond, Budget: 200 * time.Millisecond}, interp.LimitTerminate)
	parent := w.start(`<state id="p">
		<invoke id="kid"><content><scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
			<state id="k"><onentry><script>while (true) {}</script></onentry></state>
		</scxml></content></invoke>
		<transition event="done.invoke.kid" target="over"/>
	</state><final id="over"/>`)
	w.eng.Run()
	require.Len(t, w.breaches(), 1)
	assert.Equal(t, []string{"p"}, parent.Atomic(), "the parent is not interrupted")
	assert.Equal(t, 1, w.eng.Sessions(), "the child was terminated")
}

func TestWatchdogMemory(t *testing.T) {
	const limit = 32 << 20
	w := newWatched(t, WatchdogOptions{Tick: 5 * time.Millisecond, Memory: limit}, interp.LimitError)
	bomb := w.start(`<state id="a"><onentry><script>var a = []; while (true) a.push('x'.repeat(1 &lt;&lt; 20) + a.length)</script></onentry>
		<transition event="error.execution" target="b"/></state><state id="b"/>`)
	w.eng.Run()
	assert.True(t, bomb.Done(), "a memory breach ends the session, whatever the limit action")
	require.ErrorIs(t, bomb.Err(), interp.ErrLimit)
	assert.Contains(t, bomb.Err().Error(), "the heap grew by")
	bs := w.breaches()
	require.NotEmpty(t, bs)
	assert.Equal(t, interp.LimitMemory, bs[0].Limit)
	assert.EqualValues(t, limit, bs[0].Max)
}

func TestWatchdogAttach(t *testing.T) {
	wd := NewWatchdog(WatchdogOptions{Tick: time.Millisecond})
	defer wd.Stop()
	l1, l2 := wd.Lane(), wd.Lane()
	eng := interp.NewEngine(interp.Options{Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": Compile}})
	doc, err := scxml.Parse("a.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript"><state id="a"/></scxml>`), nil)
	require.NoError(t, err)
	c, err := eng.Compile(doc)
	require.NoError(t, err)
	s, err := eng.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	require.NoError(t, l1.Attach(s))
	require.NoError(t, l1.Attach(s), "attaching again to the same lane is fine")
	assert.Error(t, l2.Attach(s))
	require.NoError(t, eng.Cancel(s.ID()))
	assert.ErrorIs(t, l1.Attach(s), ErrClosed)

	null, err := scxml.Parse("n.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null"><state id="a"/></scxml>`), nil)
	require.NoError(t, err)
	nc, err := eng.Compile(null)
	require.NoError(t, err)
	ns, err := eng.Start(nc, interp.StartOptions{})
	require.NoError(t, err)
	assert.ErrorContains(t, l1.Attach(ns), "not an ECMAScript data model")
	wd.Stop() // Stop twice is fine.
}

func TestWatchdogLateInterruptIsCleared(t *testing.T) {
	// A model on no lane has no watchdog to show its macrosteps to.
	m := newBuilder().model(t)
	m.BeginMacrostep()
	assert.Zero(t, m.macro.seq.Load())
	m.EndMacrostep()
	assert.Zero(t, m.macro.depth)

	// An interrupt for a macrostep that has ended must not stop the next.
	m.macro.lane = &Lane{w: &Watchdog{}}
	m.BeginMacrostep()
	seq := m.macro.seq.Load()
	m.EndMacrostep()
	assert.False(t, m.interruptMacrostep(seq, "late"))
	m.BeginMacrostep()
	assert.Equal(t, 1.0, eval(t, m, "1"))
	m.EndMacrostep()

	// One that arrives while the macrostep runs but after its last script
	// is cleared by its end.
	m.BeginMacrostep()
	assert.True(t, m.interruptMacrostep(m.macro.seq.Load(), "at the end"))
	m.EndMacrostep()
	m.BeginMacrostep()
	assert.Equal(t, 1.0, eval(t, m, "1"))
	m.EndMacrostep()

	// Nested brackets count once.
	m.BeginMacrostep()
	seq = m.macro.seq.Load()
	m.BeginMacrostep()
	m.EndMacrostep()
	assert.Equal(t, seq, m.macro.seq.Load())
	m.EndMacrostep()
	assert.Equal(t, seq+1, m.macro.seq.Load())
	m.EndMacrostep() // unbalanced: ignored
	assert.Equal(t, seq+1, m.macro.seq.Load())
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 19: "1.5 MiB", 256 << 20: "256.0 MiB", 5 << 30: "5.0 GiB"} {
		assert.Equal(t, want, FormatBytes(n))
	}
}

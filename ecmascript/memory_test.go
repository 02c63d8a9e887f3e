package ecmascript

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// laneEngine is an engine whose sessions run on one lane of a watchdog,
// as a host's shard.
type laneEngine struct {
	t   *testing.T
	eng *interp.Engine
}

func newLaneEngine(t *testing.T, wd *Watchdog) *laneEngine {
	lane := wd.Lane()
	return &laneEngine{t: t, eng: interp.NewEngine(interp.Options{
		Clock:      interp.NewVirtualClock(time.Unix(0, 0)),
		Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": Compile},
		OnStart:    func(s *interp.Session) { require.NoError(t, lane.Attach(s)) },
	})}
}

// compile compiles a document of body.
func (e *laneEngine) compile(body string) *interp.Chart {
	doc, err := scxml.Parse("lane.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">`+body+`</scxml>`), nil)
	require.NoError(e.t, err)
	c, err := e.eng.Compile(doc)
	require.NoError(e.t, err)
	return c
}

// run starts a session of c and runs its first macrostep.
func (e *laneEngine) run(c *interp.Chart) (*interp.Session, error) {
	s, err := e.eng.Start(c, interp.StartOptions{})
	if err != nil {
		return nil, err
	}
	e.eng.Run()
	return s, nil
}

// start starts a session of body and runs its first macrostep.
func (e *laneEngine) start(body string) *interp.Session {
	s, err := e.run(e.compile(body))
	require.NoError(e.t, err)
	return s
}

// TestWatchdogMemoryAttribution: while one lane runs a slow macrostep
// that allocates nothing, another lane starts sessions that hold several
// times the memory limit between them: the slow macrostep is not blamed
// (the other lane's macrosteps wait while it is isolated, and the heap
// stops growing). A memory bomb on the first lane, with the other lane
// still growing, is ended.
func TestWatchdogMemoryAttribution(t *testing.T) {
	const limit = 16 << 20
	var mu sync.Mutex
	var breaches []*interp.Breach
	wd := NewWatchdog(WatchdogOptions{Tick: 5 * time.Millisecond, Memory: limit, OnBreach: func(_ *interp.Session, b *interp.Breach) {
		mu.Lock()
		breaches = append(breaches, b)
		mu.Unlock()
	}})
	t.Cleanup(wd.Stop)
	a, b := newLaneEngine(t, wd), newLaneEngine(t, wd)

	// The other lane: sessions of 4 MiB or more each (a random number's
	// digits 2^18 times), one after the other, until stopped or 8 times
	// the limit; they stay in memory.
	big := b.compile(`<datamodel><data id="d" expr="String(Math.random()).repeat(1 &lt;&lt; 18)"/></datamodel><state id="s"/>`)
	grow := func(stop *atomic.Bool) (started func() int, done <-chan struct{}) {
		var n atomic.Int64
		ch := make(chan struct{})
		go func() {
			defer close(ch)
			for i := 0; !stop.Load() && i < 2*limit>>20; i++ {
				s, err := b.run(big)
				if err != nil {
					t.Error(err)
					return
				}
				if s.Done() {
					t.Errorf("a growing session ended: %v", s.Err())
					return
				}
				n.Add(1)
			}
		}()
		return func() int { return int(n.Load()) }, ch
	}

	runtime.GC() // the baseline is the live heap the last collection found
	var stop atomic.Bool
	started, done := grow(&stop)
	slow := a.start(`<state id="s"><onentry><script>var until = Date.now() + 3000; while (Date.now() &lt; until) {}</script></onentry></state>`)
	stop.Store(true)
	<-done
	mu.Lock()
	assert.Empty(t, breaches, "the slow macrostep is not blamed for the other lane's sessions")
	mu.Unlock()
	assert.False(t, slow.Done(), "%v", slow.Err())
	t.Logf("the other lane started %d sessions of 4 MiB during the slow macrostep", started())
	assert.Greater(t, started(), limit>>21, "the heap grew by several times the limit meanwhile")
	st := wd.Stats()
	t.Logf("watchdog: %+v", st)
	assert.Positive(t, st.Isolations, "the slow macrostep was suspected, and acquitted")
	assert.LessOrEqual(t, st.GateWait, time.Duration(st.Gated)*(isolationMax+aloneMax+time.Second), "no lane waits at the gate beyond an isolation's deadline")

	stop.Store(false)
	started, done = grow(&stop)
	bomb := a.start(`<state id="s"><onentry><script>var a = []; while (true) a.push('x'.repeat(1 &lt;&lt; 20) + a.length)</script></onentry></state>`)
	stop.Store(true)
	<-done
	assert.True(t, bomb.Done(), "the bomb is ended")
	require.ErrorIs(t, bomb.Err(), interp.ErrLimit)
	assert.Contains(t, bomb.Err().Error(), "ran alone")
	assert.Positive(t, started(), "the other lane kept starting sessions")
	mu.Lock()
	require.Len(t, breaches, 1, "only the bomb is ended")
	mu.Unlock()
}

// TestWatchdogGateIsBounded: a suspect whose macrostep waits for what a
// gated lane's next macrostep does (a session waiting for another shard)
// holds that lane at the gate no longer than an isolation's deadline, and
// is not blamed for the heap others grew.
func TestWatchdogGateIsBounded(t *testing.T) {
	const limit = 8 << 20
	var breaches atomic.Int32
	wd := NewWatchdog(WatchdogOptions{Tick: 2 * time.Millisecond, Memory: limit,
		OnBreach: func(*interp.Session, *interp.Breach) { breaches.Add(1) }})
	t.Cleanup(wd.Stop)
	la, lb := wd.Lane(), wd.Lane()
	a, b := newBuilder().model(t), newBuilder().model(t)
	a.macro.lane, b.macro.lane = la, lb

	runtime.GC()
	a.BeginMacrostep()
	time.Sleep(10 * time.Millisecond) // seen on two ticks: its baseline
	// The heap grows by several times the limit, none of it a's doing
	// (the test's goroutine runs no lane's macrostep).
	held := make([][]byte, 0, 4*limit>>20)
	for range cap(held) {
		held = append(held, make([]byte, 1<<20))
	}
	require.Eventually(t, func() bool { return wd.gate.Load() != nil }, 5*time.Second, time.Millisecond,
		"a is suspected")

	// b's next macrostep is what a waits for.
	ran := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		b.BeginMacrostep()
		close(ran)
		b.EndMacrostep()
	}()
	start := time.Now()
	<-ran
	<-finished
	waited := time.Since(start)
	a.EndMacrostep()
	runtime.KeepAlive(held)

	assert.Less(t, waited, isolationMax+aloneMax, "b waited at the gate no longer than the deadline")
	st := wd.Stats()
	t.Logf("b waited %v; watchdog: %+v", waited.Round(time.Millisecond), st)
	assert.EqualValues(t, 1, st.Gated, "b waited at the gate")
	assert.EqualValues(t, 1, st.Isolations)
	assert.Zero(t, breaches.Load(), "a allocated nothing while alone")
	require.Eventually(t, func() bool { return wd.gate.Load() == nil }, time.Second, time.Millisecond,
		"the gate opens when a's macrostep ends")
}

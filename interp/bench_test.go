package interp_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// pingPong is the benchmark chart: every external event takes a transition
// that runs count = count + 1.
const pingPong = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="game">
	<datamodel><data id="count" expr="0"/></datamodel>
	<state id="game" initial="ping">
		<state id="ping"><transition event="ping" target="pong"><assign location="count" expr="count + 1"/></transition></state>
		<state id="pong"><transition event="pong" target="ping"><assign location="count" expr="count + 1"/></transition></state>
		<transition event="stop" target="end"/>
	</state>
	<final id="end"/>
</scxml>`

// internalLoop raises internal events, each guarded by a cond, until count
// reaches limit; an external "go" moves the limit on by 1000.
const internalLoop = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="a">
	<datamodel><data id="count" expr="0"/><data id="limit" expr="0"/></datamodel>
	<state id="a">
		<transition event="go"><assign location="limit" expr="limit + 1000"/><raise event="tick"/></transition>
		<transition event="tick" cond="count &lt; limit"><assign location="count" expr="count + 1"/><raise event="tick"/></transition>
	</state>
</scxml>`

var datamodels = map[string]interp.DatamodelCompiler{"ecmascript": ecmascript.Compile}

func benchChart(b *testing.B, src string) *interp.Chart {
	doc, err := scxml.Parse("bench.scxml", []byte(src), nil)
	require.NoError(b, err)
	c, err := interp.Compile(doc, datamodels)
	require.NoError(b, err)
	return c
}

// BenchmarkExternalEvents measures external events per second through the
// ping-pong chart: enqueue, transition selection with name matching, exit,
// the assign, entry.
func BenchmarkExternalEvents(b *testing.B) {
	c := benchChart(b, pingPong)
	e := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0))})
	s, err := e.Start(c, interp.StartOptions{})
	require.NoError(b, err)
	e.Run()
	ping, pong := &interp.Event{Name: "ping"}, &interp.Event{Name: "pong"}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		ev := ping
		if i&1 == 1 {
			ev = pong
		}
		s.Enqueue(ev)
		e.Run()
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	require.False(b, s.Done())
}

// BenchmarkInternalEvents measures raised internal events per second, each
// selected by a cond.
func BenchmarkInternalEvents(b *testing.B) {
	c := benchChart(b, internalLoop)
	e := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0)), MaxMicrosteps: 2000})
	s, err := e.Start(c, interp.StartOptions{})
	require.NoError(b, err)
	e.Run()
	goEv := &interp.Event{Name: "go"}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	n := 0
	for n < b.N {
		s.Enqueue(goEv)
		e.Run()
		n += 1000
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
	require.False(b, s.Done())
}

// BenchmarkSessionMemory reports the heap each live ping-pong session holds
// after it has processed an event.
func BenchmarkSessionMemory(b *testing.B) {
	c := benchChart(b, pingPong)
	const n = 2000
	for i := 0; i < b.N; i++ {
		e := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0))})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		ss := make([]*interp.Session, n)
		for j := range ss {
			s, err := e.Start(c, interp.StartOptions{})
			require.NoError(b, err)
			ss[j] = s
		}
		e.Run()
		for _, s := range ss {
			s.Enqueue(&interp.Event{Name: "ping"})
		}
		e.Run()
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/session")
		runtime.KeepAlive(ss)
		runtime.KeepAlive(e)
	}
}

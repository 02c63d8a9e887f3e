package interp_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/internal/cputime"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// The benchmarks of this file are those docs/performance.md compares with
// other engines, which run the same two charts of testdata (bench/peer
// runs SCION on them): pingpong.scxml (every external ping or pong takes
// a transition whose <assign> runs count = count + 1) and raised.scxml
// (each raised event is selected by a condition and runs an <assign> and
// a <raise>). Each reports the CPU time of the process (user and system,
// the garbage collector's included) per event or session, which other
// programs on the machine do not inflate as they do wall time.

var datamodels = map[string]interp.DatamodelCompiler{"ecmascript": ecmascript.Compile}

func benchChart(b *testing.B, src string) *interp.Chart {
	doc, err := scxml.Parse("bench.scxml", []byte(src), nil)
	require.NoError(b, err)
	c, err := interp.Compile(doc, datamodels)
	require.NoError(b, err)
	return c
}

// pingPongChart is testdata/pingpong.scxml.
func pingPongChart(b *testing.B) *interp.Chart { return testdataChart(b, "pingpong.scxml") }

// raisedChart is testdata/raised.scxml: it raises internal events, each
// guarded by a cond, until count reaches limit; an external "go" moves
// the limit on by 1000.
func raisedChart(b *testing.B) *interp.Chart { return testdataChart(b, "raised.scxml") }

// testdataChart compiles the chart of the repository's testdata.
func testdataChart(b *testing.B, name string) *interp.Chart {
	src, err := os.ReadFile(filepath.Join("..", "testdata", name))
	require.NoError(b, err)
	return benchChart(b, string(src))
}

// newBenchEngine returns an engine on a virtual clock whose <log> output
// is dropped.
func newBenchEngine() *interp.Engine {
	return interp.NewEngine(interp.Options{
		Clock:      interp.NewVirtualClock(time.Unix(0, 0)),
		Datamodels: datamodels,
		Log:        func(*interp.Session, string, string) {},
	})
}

// cpuPer reports the CPU time since start per op, and ops per second of
// it, under the given unit ("event", "session").
func cpuPer(b *testing.B, start time.Duration, ops int, unit string) {
	ns := float64(cputime.Process()-start) / float64(ops)
	b.ReportMetric(ns, "cpu-ns/"+unit)
	if ns > 0 {
		b.ReportMetric(1e9/ns, unit+"s/cpu-s")
	}
}

// warmUp is how many events the event benchmarks process before they
// measure.
const warmUp = 20000

// BenchmarkExternalEvents measures external events through the ping-pong
// chart: enqueue, transition selection with name matching, exit, the
// assign, entry.
func BenchmarkExternalEvents(b *testing.B) { benchExternal(b, pingPongChart(b)) }

// BenchmarkExternalEventsNull measures the ping-pong chart's external
// events with the null data model: what the interpreter itself does per
// event (queue, selection, exit, entry, the macrostep's bookkeeping),
// without a script to run.
func BenchmarkExternalEventsNull(b *testing.B) {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "pingpong.scxml"))
	require.NoError(b, err)
	null := strings.NewReplacer(`datamodel="ecmascript"`, `datamodel="null"`,
		`<data id="count" expr="0"/>`, ``,
		`<assign location="count" expr="count + 1"/>`, ``,
		`expr="'count = ' + count"`, `expr="'done'"`).Replace(string(src))
	benchExternal(b, benchChart(b, null))
}

// benchExternal measures ping and pong events through a session of c.
func benchExternal(b *testing.B, c *interp.Chart) {
	e := newBenchEngine()
	s, err := e.Start(c, interp.StartOptions{})
	require.NoError(b, err)
	e.Run()
	evs := [2]*interp.Event{{Name: "ping"}, {Name: "pong"}}
	// A warm-up, as the peer's harness does: the first events grow
	// goja's stacks and the engine's queues.
	for i := range warmUp {
		s.Enqueue(evs[i&1])
		e.Run()
	}
	b.ReportAllocs()
	cpu := cputime.Process()
	for i := 0; b.Loop(); i++ {
		s.Enqueue(evs[i&1])
		e.Run()
	}
	cpuPer(b, cpu, b.N, "event")
	require.False(b, s.Done())
}

// BenchmarkInternalEvents measures raised internal events, each selected
// by a cond.
func BenchmarkInternalEvents(b *testing.B) {
	e := newBenchEngine()
	s, err := e.Start(raisedChart(b), interp.StartOptions{})
	require.NoError(b, err)
	e.Run()
	goEv := &interp.Event{Name: "go"}
	for range warmUp / 1000 {
		s.Enqueue(goEv)
		e.Run()
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Process()
	n := 0
	for n < b.N {
		s.Enqueue(goEv)
		e.Run()
		n += 1000
	}
	cpuPer(b, cpu, n, "event")
	require.False(b, s.Done())
}

// BenchmarkSessionStart measures starting a ping-pong session — its data
// model, <data>, the initial macrostep — and dropping it (Evict), the
// collection of its garbage included.
func BenchmarkSessionStart(b *testing.B) {
	c := pingPongChart(b)
	e := newBenchEngine()
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		s, err := e.Start(c, interp.StartOptions{})
		if err != nil {
			b.Fatal(err)
		}
		e.Step(s)
		if err := e.Evict(s.ID()); err != nil {
			b.Fatal(err)
		}
	}
	runtime.GC()
	cpuPer(b, cpu, b.N, "session")
}

// BenchmarkSessionMemory reports the heap each live ping-pong session
// holds after it has processed an event.
func BenchmarkSessionMemory(b *testing.B) {
	c := pingPongChart(b)
	const n = 2000
	for b.Loop() {
		e := newBenchEngine()
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

// floor is the ping-pong chart written by hand: a switch on the state and
// the event's name, and count = count + 1 run by goja, one program per
// event. No SCXML interpreter can do less per event with goja running
// the chart's ECMAScript.
type floor struct {
	rt     *goja.Runtime
	assign *goja.Program
	state  int // 0 ping, 1 pong, 2 done
}

func newFloor(b *testing.B) *floor {
	f := &floor{rt: goja.New(), assign: goja.MustCompile("assign", "count = count + 1", false)}
	_, err := f.rt.RunString("var count = 0")
	require.NoError(b, err)
	return f
}

func (f *floor) event(name string) error {
	switch {
	case name == "stop" && f.state != 2:
		f.state = 2
		return nil
	case f.state == 0 && name == "ping", f.state == 1 && name == "pong":
		f.state ^= 1
	case f.state == 0 && name == "pong", f.state == 1 && name == "ping":
	default:
		return nil
	}
	_, err := f.rt.RunProgram(f.assign)
	return err
}

// BenchmarkFloor measures the ping-pong events of BenchmarkExternalEvents
// through the hand-written floor.
func BenchmarkFloor(b *testing.B) {
	f := newFloor(b)
	names := [2]string{"ping", "pong"}
	b.ReportAllocs()
	cpu := cputime.Process()
	for i := 0; b.Loop(); i++ {
		if err := f.event(names[i&1]); err != nil {
			b.Fatal(err)
		}
	}
	cpuPer(b, cpu, b.N, "event")
}

// BenchmarkExternalEventsVsFloor runs the ping-pong events through the
// engine and through the floor in alternating rounds of 1000, so that
// both see the same machine load, and reports the CPU time of each per
// event and their ratio.
func BenchmarkExternalEventsVsFloor(b *testing.B) {
	e := newBenchEngine()
	s, err := e.Start(pingPongChart(b), interp.StartOptions{})
	require.NoError(b, err)
	e.Run()
	f := newFloor(b)
	evs := [2]*interp.Event{{Name: "ping"}, {Name: "pong"}}
	const round = 1000
	var tEngine, tFloor time.Duration
	n := 0
	for b.Loop() {
		start := cputime.Process()
		for i := range round {
			s.Enqueue(evs[i&1])
			e.Run()
		}
		mid := cputime.Process()
		for i := range round {
			if err := f.event(evs[i&1].Name); err != nil {
				b.Fatal(err)
			}
		}
		tEngine += mid - start
		tFloor += cputime.Process() - mid
		n += round
	}
	b.ReportMetric(float64(tEngine)/float64(n), "engine-cpu-ns/event")
	b.ReportMetric(float64(tFloor)/float64(n), "floor-cpu-ns/event")
	b.ReportMetric(float64(tEngine)/float64(tFloor), "engine/floor")
}

// BenchmarkDelayedSends measures a session's delayed sends to itself, as a
// callback session schedules its retries and time-outs: each step sends
// the next event with a delay, cancels a second one, and the clock moves
// to the first's due time.
func BenchmarkDelayedSends(b *testing.B) {
	const src = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null" initial="a">
		<state id="a">
			<onentry><send event="tick" delay="1s"/><send event="guard" id="g" delay="5s"/><cancel sendid="g"/></onentry>
			<transition event="tick" target="b"/>
		</state>
		<state id="b">
			<onentry><send event="tick" delay="1s"/><send event="guard" id="g" delay="5s"/><cancel sendid="g"/></onentry>
			<transition event="tick" target="a"/>
		</state>
	</scxml>`
	doc, err := scxml.Parse("bench.scxml", []byte(src), nil)
	require.NoError(b, err)
	clock := interp.NewVirtualClock(time.Unix(0, 0))
	e := interp.NewEngine(interp.Options{Clock: clock})
	c, err := e.Compile(doc)
	require.NoError(b, err)
	s, err := e.Start(c, interp.StartOptions{})
	require.NoError(b, err)
	e.Run()
	b.ReportAllocs()
	for b.Loop() {
		clock.Advance(time.Second)
		e.Run()
	}
	if s.Done() || len(s.PendingSends()) != 1 {
		b.Fatalf("session ended or lost its send: %v", s.PendingSends())
	}
}

package host_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
)

// pingPong is the benchmark chart: every external event takes a transition
// that runs count = count + 1.
const pingPong = `<datamodel><data id="count" expr="0"/></datamodel>
	<state id="game" initial="ping">
		<state id="ping"><transition event="ping" target="pong"><assign location="count" expr="count + 1"/></transition></state>
		<state id="pong"><transition event="pong" target="ping"><assign location="count" expr="count + 1"/></transition></state>
		<transition event="stop" target="end"/>
	</state>
	<final id="end"/>`

// The per-event benchmarks send ping and pong alternately to one session
// and run everything that follows: BenchmarkEngine on the bare engine,
// BenchmarkEngineInbox through an inbox as every host before this package
// did, BenchmarkHost through a host (Send and Settle), with its limits,
// hooks and watchdog lane.

func BenchmarkEngine(b *testing.B) {
	eng := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0)), Datamodels: host.Datamodels()})
	s, err := eng.Start(chart(b, pingPong), interp.StartOptions{})
	require.NoError(b, err)
	eng.Run()
	evs := [2]*interp.Event{{Name: "ping"}, {Name: "pong"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := eng.Send(s.ID(), evs[i&1]); err != nil {
			b.Fatal(err)
		}
		eng.Run()
	}
}

func BenchmarkEngineInbox(b *testing.B) {
	eng := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0)), Datamodels: host.Datamodels()})
	s, err := eng.Start(chart(b, pingPong), interp.StartOptions{})
	require.NoError(b, err)
	eng.Run()
	inbox := interp.NewInbox()
	evs := [2]*interp.Event{{Name: "ping"}, {Name: "pong"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		inbox.Put(s.ID(), evs[i&1])
		inbox.Deliver(eng, nil)
		eng.Run()
	}
}

func BenchmarkHost(b *testing.B) {
	h := newHost(b, host.Config{Clock: interp.NewVirtualClock(time.Unix(0, 0))})
	h.OnMacrostep(func(*interp.Session, *interp.Event) {})
	s, err := h.Start(chart(b, pingPong), interp.StartOptions{})
	require.NoError(b, err)
	evs := [2]*interp.Event{{Name: "ping"}, {Name: "pong"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := h.Send(s.ID(), evs[i&1]); err != nil {
			b.Fatal(err)
		}
		if err := h.Settle(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdleSessions measures the memory an idle session holds in a
// host running goroutines, as in orca serve: the session, its data model,
// the host's record of it.
func BenchmarkIdleSessions(b *testing.B) {
	const n = 2000
	c := chart(b, pingPong)
	for b.Loop() {
		h, err := host.New(host.Config{Engine: interp.Options{Datamodels: host.Datamodels()}, Shards: 2})
		require.NoError(b, err)
		require.NoError(b, h.Go(context.Background()))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range n {
			if _, err := h.Start(c, interp.StartOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/session")
		require.NoError(b, h.Drain(context.Background(), 0))
	}
}

// BenchmarkHostVsEngine runs the same events through the bare engine,
// through an engine behind an inbox (as every host fed it before this
// package: events come from other goroutines), and through a host, in
// alternating rounds of 1000 so that all three see the same machine load,
// and reports each one's time per event and the host's overhead over each.
func BenchmarkHostVsEngine(b *testing.B) {
	b.Run("ping-pong", func(b *testing.B) { hostVsEngine(b, pingPong) })
	b.Run("scripted", func(b *testing.B) { hostVsEngine(b, scripted) })
}

// scripted does per event what a strategy's transition typically does: a
// script that reads the event's data, updates a record and formats a
// string.
const scripted = `<datamodel><data id="rec" expr="({calls: 0, log: []})"/></datamodel>
	<state id="s">
		<transition event="ping"><script>
			rec.calls++;
			var d = _event.data || {n: rec.calls};
			rec.last = JSON.stringify({n: d.n, at: rec.calls, who: 'agent' + (rec.calls % 7)});
			rec.log.push(rec.last.length);
			if (rec.log.length > 20) rec.log.shift();
		</script></transition>
		<transition event="pong"><assign location="rec.calls" expr="rec.calls + 1"/></transition>
	</state>`

func hostVsEngine(b *testing.B, src string) {
	c := chart(b, src)
	newEngine := func() (*interp.Engine, string) {
		eng := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0)), Datamodels: host.Datamodels()})
		s, err := eng.Start(c, interp.StartOptions{})
		require.NoError(b, err)
		eng.Run()
		return eng, s.ID()
	}
	bare, bareID := newEngine()
	boxed, boxedID := newEngine()
	inbox := interp.NewInbox()
	h := newHost(b, host.Config{Clock: interp.NewVirtualClock(time.Unix(0, 0))})
	h.OnMacrostep(func(*interp.Session, *interp.Event) {})
	hs, err := h.Start(c, interp.StartOptions{})
	require.NoError(b, err)
	evs := [2]*interp.Event{{Name: "ping"}, {Name: "pong"}}
	const round = 1000
	var tBare, tInbox, tHost time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		for i := range round {
			_ = bare.Send(bareID, evs[i&1])
			bare.Run()
		}
		tBare += time.Since(start)
		start = time.Now()
		for i := range round {
			inbox.Put(boxedID, evs[i&1])
			inbox.Deliver(boxed, nil)
			boxed.Run()
		}
		tInbox += time.Since(start)
		start = time.Now()
		for i := range round {
			_ = h.Send(hs.ID(), evs[i&1])
			_ = h.Settle()
		}
		tHost += time.Since(start)
		n += round
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	b.ReportMetric(per(tBare), "engine-ns/event")
	b.ReportMetric(per(tInbox), "inbox-ns/event")
	b.ReportMetric(per(tHost), "host-ns/event")
	b.ReportMetric(100*(float64(tHost)/float64(tBare)-1), "%-over-engine")
	b.ReportMetric(100*(float64(tHost)/float64(tInbox)-1), "%-over-inbox")
}

package ecmascript

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/dop251/goja"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/require"
)

// BenchmarkCondAndAssign measures a guard and a one-line script through the
// interp.Datamodel interface.
func BenchmarkCondAndAssign(b *testing.B) {
	bd := newBuilder()
	c := bd.cond("count < 1e9")
	s := bd.script("count = count + 1")
	var dm interp.Datamodel = bd.model(b)
	require.NoError(b, dm.Declare("count", 0.0))
	b.ReportAllocs()
	for b.Loop() {
		ok, err := dm.Cond(c)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if err := dm.Exec(s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetEvent measures binding _event.
func BenchmarkSetEvent(b *testing.B) {
	var dm interp.Datamodel = newBuilder().model(b)
	evs := []interp.Event{{Name: "a", Type: interp.Internal}, {Name: "b", Type: interp.External}}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		dm.SetEvent(&evs[i&1])
		i++
	}
}

// BenchmarkEventStep measures what the interpreter does per event with a
// guarded transition whose body is a script: bracket the macrostep, bind
// _event, evaluate the guard, run the script.
func BenchmarkEventStep(b *testing.B) {
	bd := newBuilder()
	c := bd.cond("count < 1e9")
	s := bd.script("count = count + 1")
	m := bd.model(b)
	var dm interp.Datamodel = m
	require.NoError(b, dm.Declare("count", 0.0))
	ev := &interp.Event{Name: "tick", Type: interp.External}
	b.ReportAllocs()
	for b.Loop() {
		m.BeginMacrostep()
		dm.SetEvent(ev)
		ok, err := dm.Cond(c)
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		if err := dm.Exec(s); err != nil {
			b.Fatal(err)
		}
		m.EndMacrostep()
	}
}

// BenchmarkEventData measures a guard that reads a field of the event's
// data, an object of the size an ORS interaction event carries: the
// data's conversion to JavaScript values is most of it.
func BenchmarkEventData(b *testing.B) {
	bd := newBuilder()
	c := bd.cond("_event.data.requestid == 'r1'")
	m := bd.model(b)
	var dm interp.Datamodel = m
	ev := &interp.Event{Name: "interaction.partystatechanged", Type: interp.External, Data: map[string]any{
		"requestid": "r1", "interactionid": "0001", "resultof": "deletion", "callresult": "Answer",
		"party": map[string]any{"dn": "7001", "state": "established", "role": "destination"},
		"interaction": map[string]any{"id": "0001", "mediatype": "voice", "parentid": "", "tenantid": 101.0,
			"voice": map[string]any{"callid": "100001", "connid": "0001", "ani": "5551234", "dnis": "7001"}},
	}}
	b.ReportAllocs()
	for b.Loop() {
		m.BeginMacrostep()
		dm.SetEvent(ev)
		if ok, err := dm.Cond(c); err != nil || !ok {
			b.Fatal(ok, err)
		}
		m.EndMacrostep()
	}
}

// BenchmarkEventName measures a guard that reads _event.name.
func BenchmarkEventName(b *testing.B) {
	bd := newBuilder()
	c := bd.cond("_event.name === 'tick'")
	m := bd.model(b)
	ev := &interp.Event{Name: "tick"}
	b.ReportAllocs()
	for b.Loop() {
		m.SetEvent(ev)
		if ok, err := m.Cond(c); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkSessionMemory reports the heap bytes one session data model
// holds after Setup and one <data> declaration.
func BenchmarkSessionMemory(b *testing.B) {
	bd := newBuilder()
	d := &scxml.Data{ID: "Var1", Expr: bd.value("{count: 0, name: 'x'}")}
	p, err := Compile(bd.doc)
	require.NoError(b, err)
	sys := newSystem()
	const n = 1000
	dms := make([]interp.Datamodel, n)
	var perSession float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range dms {
			dm, err := p.NewDatamodel()
			if err != nil {
				b.Fatal(err)
			}
			if err := dm.Setup(sys); err != nil {
				b.Fatal(err)
			}
			if err := dm.InitData(d); err != nil {
				b.Fatal(err)
			}
			dms[i] = dm
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSession = float64(after.HeapAlloc-before.HeapAlloc) / n
		for i, dm := range dms {
			dm.Close()
			dms[i] = nil
		}
	}
	b.ReportMetric(perSession, "bytes/session")
}

// BenchmarkGojaFloor measures bare goja on the programs of
// BenchmarkCondAndAssign: the cost below which the data model cannot go.
// goja drops the VM's value stack when control returns to Go, so every
// top-level run allocates its stack again.
func BenchmarkGojaFloor(b *testing.B) {
	rt := goja.New()
	rt.Set("count", 0)
	c := goja.MustCompile("c", "count < 1e9", false)
	s := goja.MustCompile("s", "count = count + 1", false)
	b.Run("cond", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rt.RunProgram(c)
		}
	})
	b.Run("script", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rt.RunProgram(s)
		}
	})
	e := goja.MustCompile("e", "", false)
	b.Run("empty", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rt.RunProgram(e)
		}
	})
}

// callbackEvents are the events of BenchmarkCallbackSession's dial after
// the start: an interaction's party and call events carrying its data,
// and, as ORS sends a callback session, events of the interaction no
// transition of the configuration takes (its progress, its user data).
func callbackEvents() []*interp.Event {
	ixn := map[string]any{"id": "ixn-1", "mediatype": "voice", "tenantid": 101.0,
		"voice": map[string]any{"callid": "100001", "connid": "0001", "ani": "5551234", "dnis": "7001"}}
	data := func(extra map[string]any) map[string]any {
		d := map[string]any{"interactionid": "ixn-1", "requestid": "r1", "interaction": ixn}
		for k, v := range extra {
			d[k] = v
		}
		return d
	}
	ev := func(name string, d map[string]any) *interp.Event {
		return &interp.Event{Name: name, Type: interp.External, Data: d}
	}
	return []*interp.Event{
		ev("interaction.partystatechanged", data(map[string]any{"party": map[string]any{"dn": "5551234", "state": "alerting"}})),
		ev("interaction.callprogress", data(nil)),
		ev("interaction.partystatechanged", data(map[string]any{"party": map[string]any{"dn": "5551234", "state": "established"}})),
		ev("interaction.udata.changed", data(nil)),
		ev("call.done", data(map[string]any{"callresult": "Answer"})),
		ev("interaction.partystatechanged", data(map[string]any{"party": map[string]any{"dn": "7001", "state": "established"}})),
		ev("interaction.deleted", data(nil)),
	}
}

// BenchmarkCallbackSession runs a session of testdata/callback-shaped.scxml
// from its start to its end, as a callback session runs: the start (a
// library of helpers, a state object, a few dozen expressions), then a dial
// whose interaction events' guards and scripts read their data. The
// allocations per session are what the engine's side of a callback costs.
func BenchmarkCallbackSession(b *testing.B) {
	e, c := callbackEngine(b)
	evs := callbackEvents()
	b.ReportAllocs()
	for b.Loop() {
		if s := runCallback(b, e, c, evs); !s.Done() {
			b.Fatalf("session did not end: %v", s.Atomic())
		}
	}
}

// BenchmarkCallbackSessionOwnEvents is BenchmarkCallbackSession with an
// _event object of its own for each event, as ORS documents have them
// (Options.OwnEvents).
func BenchmarkCallbackSessionOwnEvents(b *testing.B) {
	e, c := callbackEngineWith(b, Options{OwnEvents: func(*scxml.Document) bool { return true }})
	evs := callbackEvents()
	b.ReportAllocs()
	for b.Loop() {
		if s := runCallback(b, e, c, evs); !s.Done() {
			b.Fatalf("session did not end: %v", s.Atomic())
		}
	}
}

// callbackEngine compiles testdata/callback-shaped.scxml for an engine on
// a virtual clock whose <log> output is dropped.
func callbackEngine(tb testing.TB) (*interp.Engine, *interp.Chart) {
	return callbackEngineWith(tb, Options{})
}

// callbackEngineWith is callbackEngine with the data model's options.
func callbackEngineWith(tb testing.TB, opts Options) (*interp.Engine, *interp.Chart) {
	src, err := os.ReadFile(filepath.Join("testdata", "callback-shaped.scxml"))
	require.NoError(tb, err)
	doc, err := scxml.Parse("callback-shaped.scxml", src, nil)
	require.NoError(tb, err)
	e := interp.NewEngine(interp.Options{
		Clock:      interp.NewVirtualClock(time.Unix(0, 0)),
		Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": CompileWith(opts)},
		Log:        func(*interp.Session, string, string) {},
	})
	c, err := e.Compile(doc)
	require.NoError(tb, err)
	return e, c
}

// runCallback starts a session of c and sends it evs, each step run.
func runCallback(tb testing.TB, e *interp.Engine, c *interp.Chart, evs []*interp.Event) *interp.Session {
	s, err := e.Start(c, interp.StartOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	e.Step(s)
	e.Run()
	for _, ev := range evs {
		if err := e.Send(s.ID(), ev); err != nil {
			tb.Fatal(err)
		}
		e.Run()
	}
	return s
}

// BenchmarkSetLocation measures a host's assignment of a value to a
// location (ORS's actions set their results so) in a session's first
// use of the location, and a second time, on a session of its own.
func BenchmarkSetLocation(b *testing.B) {
	bd := newBuilder()
	loc := bd.loc("cb.result")
	p, err := Compile(bd.doc)
	require.NoError(b, err)
	sys := newSystem()
	b.ReportAllocs()
	for b.Loop() {
		dm, err := p.NewDatamodel()
		if err != nil {
			b.Fatal(err)
		}
		m := dm.(*Model)
		if err := m.Setup(sys); err != nil {
			b.Fatal(err)
		}
		if err := m.Declare("cb", map[string]any{}); err != nil {
			b.Fatal(err)
		}
		for _, v := range []any{"answered", 2.0} {
			if err := m.SetLocation(loc, v); err != nil {
				b.Fatal(err)
			}
		}
		m.Close()
	}
}

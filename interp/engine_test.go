package interp_test

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// A session the engine drops — evicted, cancelled — leaves its run queue
// at once, so that the engine does not keep it (and its data model) alive
// until the next Run, and the sessions still queued run as before.
func TestDroppedSessionsLeaveTheRunQueue(t *testing.T) {
	const chart = nullHead + ` initial="a"><state id="a"><transition event="go" target="b"/></state><state id="b"/></scxml>`
	doc, err := scxml.Parse("q.scxml", []byte(chart), nil)
	require.NoError(t, err)
	tests := []struct {
		name string
		// drop is done to the middle one of three sessions started.
		drop func(e *interp.Engine, s *interp.Session) error
		// stepFirst runs each session's start before the drop.
		stepFirst bool
	}{
		{"evicted before its start", func(e *interp.Engine, s *interp.Session) error { return e.Evict(s.ID()) }, false},
		{"evicted after Step", func(e *interp.Engine, s *interp.Session) error { return e.Evict(s.ID()) }, true},
		{"cancelled before its start", func(e *interp.Engine, s *interp.Session) error { return e.Cancel(s.ID()) }, false},
		{"evicted with an event queued", func(e *interp.Engine, s *interp.Session) error {
			if err := e.Send(s.ID(), &interp.Event{Name: "go"}); err != nil {
				return err
			}
			return e.Evict(s.ID())
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0))})
			c, err := e.Compile(doc)
			require.NoError(t, err)
			var ss [3]*interp.Session
			for i := range ss {
				ss[i], err = e.Start(c, interp.StartOptions{})
				require.NoError(t, err)
				if tt.stepFirst {
					require.True(t, e.Step(ss[i]))
				}
			}
			dropped := weak.Make(ss[1])
			require.NoError(t, tt.drop(e, ss[1]))
			ss[1] = nil
			runtime.GC()
			assert.True(t, dropped.Value() == nil, "the engine still holds the dropped session")
			for _, s := range []*interp.Session{ss[0], ss[2]} {
				require.NoError(t, e.Send(s.ID(), &interp.Event{Name: "go"}))
			}
			e.Run()
			assert.True(t, e.Idle())
			for _, s := range []*interp.Session{ss[0], ss[2]} {
				assert.Equal(t, []string{"b"}, s.Active())
			}
		})
	}
}

// The run queue keeps its order when sessions leave it from anywhere,
// sessions join it while it runs, and it is compacted meanwhile.
func TestRunQueueOrderWithHoles(t *testing.T) {
	const chart = nullHead + ` initial="a"><state id="a"><onentry><log expr="'x'"/></onentry></state></scxml>`
	doc, err := scxml.Parse("q.scxml", []byte(chart), nil)
	require.NoError(t, err)
	var (
		e       *interp.Engine
		c       *interp.Chart
		ran     []string
		want    []string
		started int
	)
	startOne := func(evict bool) {
		started++
		id := fmt.Sprintf("s%04d", started)
		_, err := e.Start(c, interp.StartOptions{ID: id})
		require.NoError(t, err)
		if evict {
			require.NoError(t, e.Evict(id))
			return
		}
		want = append(want, id)
	}
	e = interp.NewEngine(interp.Options{
		Clock: interp.NewVirtualClock(time.Unix(0, 0)),
		Log: func(s *interp.Session, _, _ string) {
			ran = append(ran, s.ID())
			// Sessions started while the queue runs join its end,
			// past the point where it compacts itself.
			if started < 500 {
				startOne(started%4 == 0)
			}
		},
	})
	c, err = e.Compile(doc)
	require.NoError(t, err)
	for i := range 300 {
		startOne(i%3 == 1)
	}
	for !e.Idle() {
		e.Run()
	}
	assert.Equal(t, want, ran)
	assert.Equal(t, 0, e.Sessions()-len(want))
}

// invokingDoc is a chart whose state invokes a child session.
func invokingDoc(t *testing.T) *scxml.Document {
	t.Helper()
	const chart = nullHead + ` initial="a"><state id="a"><invoke id="kid" type="scxml"><content>` +
		`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null"><state id="k"/></scxml>` +
		`</content></invoke></state></scxml>`
	doc, err := scxml.Parse("acc.scxml", []byte(chart), nil)
	require.NoError(t, err)
	return doc
}

// acceptingProc counts the sessions an engine tells it of.
type acceptingProc struct{ accepted []string }

func (p *acceptingProc) Location(s *interp.Session) string                 { return "x:" + s.ID() }
func (p *acceptingProc) Send(*interp.Session, string, *interp.Event) error { return nil }
func (p *acceptingProc) Accept(s *interp.Session)                          { p.accepted = append(p.accepted, s.ID()) }

// An Acceptor registered under several names hears once of each session
// the engine creates, the ones it invokes included, before they run.
func TestAcceptorHearsOfEverySessionOnce(t *testing.T) {
	doc := invokingDoc(t)
	p := &acceptingProc{}
	e := interp.NewEngine(interp.Options{
		Clock:        interp.NewVirtualClock(time.Unix(0, 0)),
		IOProcessors: map[string]interp.IOProcessor{"one": p, "two": p},
	})
	c, err := e.Compile(doc)
	require.NoError(t, err)
	s, err := e.Start(c, interp.StartOptions{ID: "parent"})
	require.NoError(t, err)
	assert.Equal(t, []string{"parent"}, p.accepted, "told before the session runs")
	e.Run()
	require.Len(t, s.Invoked(), 1)
	assert.Equal(t, []string{"parent", s.Invoked()[0].ID()}, p.accepted)
}

// A restored session, and those it invoked, are told to the Acceptors
// before they run; a restore that fails tells them of none (a processor
// accepting events for it would keep the id of a session that is not).
func TestAcceptorHearsOfRestoredSessionsOnly(t *testing.T) {
	doc := invokingDoc(t)
	engine := func(p *acceptingProc) (*interp.Engine, *interp.Chart) {
		e := interp.NewEngine(interp.Options{
			Clock:        interp.NewVirtualClock(time.Unix(0, 0)),
			IOProcessors: map[string]interp.IOProcessor{"one": p},
		})
		c, err := e.Compile(doc)
		require.NoError(t, err)
		return e, c
	}
	e, c := engine(&acceptingProc{})
	s, err := e.Start(c, interp.StartOptions{ID: "parent"})
	require.NoError(t, err)
	e.Run()
	st, err := s.Snapshot()
	require.NoError(t, err)
	kid := s.Invoked()[0].ID()

	bad := *st
	bad.Config = append(slices.Clone(st.Config), "gone")
	p := &acceptingProc{}
	e2, c2 := engine(p)
	_, err = e2.Restore(c2, &bad)
	require.Error(t, err)
	assert.Empty(t, p.accepted, "a failed restore")

	_, err = e2.Restore(c2, st)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"parent", kid}, p.accepted)
}

// TestEventStaysWhileQueuesGrow checks that the event being processed
// stays what _event reads while the transition queues events behind it,
// more than its queues' rings hold.
func TestEventStaysWhileQueuesGrow(t *testing.T) {
	h := start(t, `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="a">
	<datamodel><data id="seen" expr="''"/></datamodel>
	<state id="a">
		<transition event="go">
			<foreach array="[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]" item="i">
				<send event="ext"/>
				<raise event="int"/>
				<log expr="_event.name"/>
			</foreach>
		</transition>
		<transition event="int"><assign location="seen" expr="seen + 'i'"/><log expr="_event.name"/></transition>
		<transition event="ext"><assign location="seen" expr="seen + 'e'"/></transition>
		<transition event="end"><log expr="seen + ' ' + _event.name"/></transition>
	</state>
</scxml>`, func(o *interp.Options) { o.Datamodels = datamodels })
	h.send("go")
	h.send("end")
	require.Empty(t, h.errs)
	want := slices.Repeat([]string{"go"}, 10)
	want = append(want, slices.Repeat([]string{"int"}, 10)...)
	want = append(want, strings.Repeat("i", 10)+strings.Repeat("e", 10)+" end")
	assert.Equal(t, want, h.logs)
	assert.Equal(t, 12, len(h.steps)-1, h.steps) // go, ten ext, end after the start
}

// Run hands the engine back after any step Options.Yield asks it to, with
// the work left scheduled, and the next Run goes on where it stopped.
func TestRunYields(t *testing.T) {
	// A session that sends itself an event in every macrostep keeps the
	// engine busy for whole batches.
	const flood = nullHead + ` initial="spin"><state id="spin"><onentry><send event="again"/></onentry><transition event="again" target="spin"/></state></scxml>`
	doc, err := scxml.Parse("flood.scxml", []byte(flood), nil)
	require.NoError(t, err)
	c, err := interp.Compile(doc, nil)
	require.NoError(t, err)
	tests := []struct {
		name string
		// yieldAfter is the step after which Yield first says yes (0:
		// never; no Yield at all when negative).
		yieldAfter int
		want       int
	}{
		{name: "no Yield", yieldAfter: -1, want: interp.RunBatch},
		{name: "Yield never", yieldAfter: 0, want: interp.RunBatch},
		{name: "Yield after the first step", yieldAfter: 1, want: 1},
		{name: "Yield after the tenth step", yieldAfter: 10, want: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps, asked := 0, 0
			opts := interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0)),
				OnMacrostep: func(*interp.Session, *interp.Event) { steps++ }}
			if tt.yieldAfter >= 0 {
				opts.Yield = func() bool {
					asked++
					return tt.yieldAfter > 0 && asked >= tt.yieldAfter
				}
			}
			e := interp.NewEngine(opts)
			_, err := e.Start(c, interp.StartOptions{})
			require.NoError(t, err)
			e.Run()
			assert.Equal(t, tt.want, steps)
			assert.False(t, e.Idle(), "the session's next event is still scheduled")
			asked = 0
			e.Run()
			assert.Equal(t, 2*tt.want, steps, "the next Run goes on")
		})
	}
}

// OnMacrostep is told the external event a macrostep began with, though
// internal events replaced it as the current event and the macrostep sent
// the session more external events (which the queue may grow for).
func TestOnMacrostepSeesTheExternalEvent(t *testing.T) {
	const chart = nullHead + ` initial="a"><state id="a">
		<transition event="go" target="b"><raise event="inner"/><send event="x1"/><send event="x2"/><send event="x3"/><send event="x4"/></transition>
		<transition event="x1"/><transition event="x2"/><transition event="x3"/><transition event="x4"/>
	</state><state id="b"><transition event="inner" target="a"/><transition event="x1"/><transition event="x2"/><transition event="x3"/><transition event="x4"/></state></scxml>`
	doc, err := scxml.Parse("m.scxml", []byte(chart), nil)
	require.NoError(t, err)
	c, err := interp.Compile(doc, nil)
	require.NoError(t, err)
	var got []string
	e := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0)),
		OnMacrostep: func(_ *interp.Session, ev *interp.Event) {
			if ev == nil {
				got = append(got, "(start)")
				return
			}
			got = append(got, ev.Name+"/"+ev.Type.String())
		}})
	s, err := e.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	require.NoError(t, e.Send(s.ID(), &interp.Event{Name: "go", Type: interp.External, Data: map[string]any{"n": 1}}))
	e.Run()
	assert.Equal(t, []string{"(start)", "go/external", "x1/external", "x2/external", "x3/external", "x4/external"}, got)
}

// quietModel is the null data model entering its steps, recording what
// Quiet said of each before it ran.
type quietModel struct {
	interp.Datamodel
	quiet *[]bool
}

func (m quietModel) Enter(step interp.Step) {
	*m.quiet = append(*m.quiet, step.Quiet())
	step.Run()
}

// quietProgram makes quietModels, each recording in a list of its own
// (an invoked session's too).
type quietProgram struct {
	interp.DatamodelProgram
	models *[]*[]bool
}

func (p quietProgram) NewDatamodel() (interp.Datamodel, error) {
	dm, err := p.DatamodelProgram.NewDatamodel()
	quiet := new([]bool)
	*p.models = append(*p.models, quiet)
	return quietModel{dm, quiet}, err
}

// A step is quiet when its event is one that no transition of the
// configuration names, whatever the guards, and nothing else of the
// configuration would be evaluated: no eventless transition, no
// invocation. The session's start never is.
func TestStepQuiet(t *testing.T) {
	const a = `<state id="a">
		<transition event="go" cond="false" target="b"/>
		<transition event="ixn.party" target="b"/>
		<transition event="done.*" target="b"/>
		<state id="a1"><transition event="inner" target="b"/></state>
	</state>`
	tests := []struct {
		name  string
		body  string
		event string
		quiet bool
	}{
		{"no transition names it", a + `<state id="b"/>`, "other", true},
		{"a guarded transition names it", a + `<state id="b"/>`, "go", false},
		{"a descriptor's prefix names it", a + `<state id="b"/>`, "ixn.party.changed", false},
		{"a prefix of a descriptor does not", a + `<state id="b"/>`, "ixn", true},
		{"a wildcard descriptor", a + `<state id="b"/>`, "done.invoke", false},
		{"a transition of the atomic state", a + `<state id="b"/>`, "inner", false},
		{"a name like a prefix", a + `<state id="b"/>`, "gone", true},
		{"an eventless transition in the configuration",
			`<state id="a"><transition cond="In('z')" target="b"/></state><state id="b"/>`, "other", false},
		{"an eventless transition elsewhere",
			`<state id="a"/><state id="b"><transition cond="In('z')" target="a"/></state>`, "other", true},
		{"an invocation", `<state id="a"><invoke type="scxml"><content><scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null"><state id="c"/></scxml></content></invoke></state>`, "other", false},
		{"any event", `<state id="a"><transition event="*" target="b"/></state><state id="b"/>`, "other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var models []*[]bool
			e := interp.NewEngine(interp.Options{
				Clock: interp.NewVirtualClock(time.Unix(0, 0)),
				Datamodels: map[string]interp.DatamodelCompiler{"null": func(doc *scxml.Document) (interp.DatamodelProgram, error) {
					p, err := interp.CompileNull(doc)
					return quietProgram{p, &models}, err
				}},
			})
			doc, err := scxml.Parse("q.scxml", []byte(nullHead+` initial="a">`+tt.body+`</scxml>`), nil)
			require.NoError(t, err)
			c, err := e.Compile(doc)
			require.NoError(t, err)
			s, err := e.Start(c, interp.StartOptions{})
			require.NoError(t, err)
			e.Run()
			require.NotEmpty(t, models)
			quiet := models[0] // the session's own, made first
			require.Equal(t, []bool{false}, *quiet, "the start")
			require.NoError(t, e.Send(s.ID(), &interp.Event{Name: tt.event}))
			e.Run()
			require.Len(t, *quiet, 2)
			assert.Equal(t, tt.quiet, (*quiet)[1])
		})
	}
}

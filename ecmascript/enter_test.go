package ecmascript

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// enterChart's "work" runs six evaluations a step, "one" runs one.
const enterChart = `<datamodel><data id="n" expr="0"/><data id="jobs" expr="0"/></datamodel>
	<state id="a">
		<transition event="work" cond="n &gt;= 0"><assign location="n" expr="n + 1"/><assign location="n" expr="n + 1"/>
			<log expr="n"/><script>Promise.resolve().then(function () { jobs++ })</script><assign location="n" expr="n + 1"/></transition>
		<transition event="one"><assign location="n" expr="n + 1"/></transition>
		<transition event="spin"><script>while (true) {}</script></transition>
		<transition event="check" cond="n === _event.data.n &amp;&amp; jobs === _event.data.jobs" target="ok"/>
	</state>
	<state id="ok"/>`

// The budget is far above what a step takes, even on a loaded machine:
// only "spin" may reach it.
func TestEnterSteps(t *testing.T) {
	w := newWatched(t, WatchdogOptions{Tick: 5 * time.Millisecond, Budget: 500 * time.Millisecond}, interp.LimitError)
	s := w.start(enterChart)
	w.eng.Run()
	m := s.Datamodel().(*Model)
	send := func(name string) {
		t.Helper()
		require.NoError(t, w.eng.Send(s.ID(), &interp.Event{Name: name}))
		w.eng.Run()
	}
	send("work")
	assert.True(t, m.entered, "a step of six evaluations makes the next ones entered")
	send("work")
	send("work")
	assert.True(t, m.entered)
	send("unknown")
	assert.True(t, m.entered, "a step that evaluates nothing leaves the decision as it was")
	send("one")
	assert.False(t, m.entered, "a step of one evaluation makes the next ones direct")
	send("unknown")
	assert.False(t, m.entered)
	send("work")
	assert.True(t, m.entered)

	// An entered step that does not end is interrupted; the session
	// goes on, entered.
	send("spin")
	require.Len(t, w.breaches(), 1)
	assert.Equal(t, interp.LimitScriptTime, w.breaches()[0].Limit)
	send("work")
	assert.True(t, m.entered)

	// Every evaluation ran, and every Promise job, entered or not.
	require.NoError(t, w.eng.Send(s.ID(), &interp.Event{Name: "check", Data: map[string]any{"n": 16.0, "jobs": 5.0}}))
	w.eng.Run()
	assert.Equal(t, []string{"ok"}, s.Atomic())
}

// TestEnteredStepJobs checks when Promise jobs run: after the script that
// queued them in a direct step, at the end of an entered one.
func TestEnteredStepJobs(t *testing.T) {
	w := newWatched(t, WatchdogOptions{Tick: 5 * time.Millisecond}, interp.LimitError)
	s := w.start(`<datamodel><data id="seen" expr="[]"/></datamodel>
		<state id="a"><transition event="go">
			<script>Promise.resolve().then(function () { seen.push('job') })</script>
			<script>seen.push('next')</script><script>1</script><script>2</script><script>3</script>
		</transition></state>`)
	w.eng.Run()
	m := s.Datamodel().(*Model)
	require.False(t, m.entered)
	require.NoError(t, w.eng.Send(s.ID(), &interp.Event{Name: "go"}))
	w.eng.Run()
	assert.Equal(t, []any{"job", "next"}, eval(t, m, "seen"))
	require.True(t, m.entered)
	require.NoError(t, w.eng.Send(s.ID(), &interp.Event{Name: "go"}))
	w.eng.Run()
	assert.Equal(t, []any{"job", "next", "next", "job"}, eval(t, m, "seen"))
}

// TestEnteredStepPanics checks that a Go function that panics in an
// entered step ends its session only.
func TestEnteredStepPanics(t *testing.T) {
	var errs []error
	eng := interp.NewEngine(interp.Options{
		Clock: interp.NewVirtualClock(time.Unix(0, 0)),
		Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": CompileWith(Options{
			Setup: func(rt *goja.Runtime, _ interp.System, _ *scxml.Document) error {
				return rt.Set("boom", func() { panic("boom") })
			},
		})},
		OnError: func(_ *interp.Session, err error) { errs = append(errs, err) },
	})
	doc, err := scxml.Parse("p.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
		<datamodel><data id="n" expr="0"/></datamodel>
		<state id="a">
			<transition event="work"><script>n++</script><script>n++</script><script>n++</script><script>n++</script></transition>
			<transition event="boom"><script>n++</script><script>boom()</script></transition>
		</state></scxml>`), nil)
	require.NoError(t, err)
	c, err := eng.Compile(doc)
	require.NoError(t, err)
	s1, err := eng.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	s2, err := eng.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	eng.Run()
	for _, s := range []*interp.Session{s1, s2} {
		require.NoError(t, eng.Send(s.ID(), &interp.Event{Name: "work"}))
	}
	eng.Run()
	require.True(t, s1.Datamodel().(*Model).entered)
	require.NoError(t, eng.Send(s1.ID(), &interp.Event{Name: "boom"}))
	eng.Run()
	assert.True(t, s1.Done())
	assert.ErrorIs(t, s1.Err(), interp.ErrInternal)
	require.NoError(t, eng.Send(s2.ID(), &interp.Event{Name: "work"}))
	eng.Run()
	assert.False(t, s2.Done())
	assert.Equal(t, 8.0, eval(t, s2.Datamodel().(*Model), "n"))
	require.Len(t, errs, 1)
}

// A callback-shaped session's start runs entered, decided from its
// document; a ping-pong chart's start, which evaluates no program, runs
// directly. Either way the session does what its document says.
func TestEnterStart(t *testing.T) {
	_, c := callbackEngine(t)
	var m *Model
	var logs []string
	e := interp.NewEngine(interp.Options{
		Clock:      interp.NewVirtualClock(time.Unix(0, 0)),
		Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": Compile},
		OnStart:    func(s *interp.Session) { m = s.Datamodel().(*Model) },
		Log:        func(_ *interp.Session, label, msg string) { logs = append(logs, label+": "+msg) },
	})
	c, err := e.Compile(c.Document())
	require.NoError(t, err)
	s, err := e.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	require.NotNil(t, m)
	assert.True(t, m.p.enterFirst, "the callback's start evaluates dozens of programs")
	assert.True(t, m.entered, "before its start")
	e.Step(s)
	e.Run()
	assert.Equal(t, []string{"dial"}, s.Atomic())
	assert.Equal(t, "PROCESSING", eval(t, m, "kvp.STATE"))
	assert.Equal(t, "5551234", eval(t, m, "kvp.PHONE"))
	assert.Equal(t, 3.0, eval(t, m, "kvp.PRIORITY"))
	assert.Equal(t, 1.0, eval(t, m, "kvp.ATTEMPT_1"))

	for _, ev := range callbackEvents() {
		require.NoError(t, e.Send(s.ID(), ev))
		e.Run()
	}
	require.True(t, s.Done(), "%v %v", s.Atomic(), logs)
	require.NoError(t, s.Err())
	assert.Equal(t, []string{"start: 5551234 VQ_1", "end: COMPLETED COMPLETED"}, logs)

	for name, want := range map[string]bool{"pingpong.scxml": false, "raised.scxml": false} {
		src, err := os.ReadFile(filepath.Join("..", "testdata", name))
		require.NoError(t, err)
		doc, err := scxml.Parse(name, src, nil)
		require.NoError(t, err)
		p, err := compile(doc, Options{})
		require.NoError(t, err)
		assert.Equal(t, want, p.enterFirst, name)
	}
}

// deepChart's "deep" step recurses deep and then into the call stack's
// bound (which goja makes an error no script catches); "throw" throws;
// each error's step evaluates again. "work" runs six evaluations a step
// and "one" one, so that the steps after "work" run entered and those
// after "one" directly.
const deepChart = `<datamodel><data id="n" expr="0"/><data id="depth" expr="0"/>
		<data id="caught" expr="'none'"/><data id="after" expr="[]"/><data id="errs" expr="[]"/><data id="v0" expr="'mine'"/></datamodel>
	<script>
		function down(k) { return k === 0 ? 0 : 1 + down(k - 1) }
		function runaway(k) { return runaway(k + 1) + 1 }
		function wide() { var a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8; return [a, b, c, d, e, f, g, h].length }
	</script>
	<state id="a">
		<transition event="work" cond="n &gt;= 0"><assign location="n" expr="n + 1"/><assign location="n" expr="n + 1"/>
			<log expr="n"/><assign location="n" expr="n + 1"/><assign location="n" expr="n + 1"/></transition>
		<transition event="one"><assign location="n" expr="n + 1"/></transition>
		<transition event="deep">
			<script>depth = down(5000) + wide(); v0 += typeof v1</script>
			<script>try { runaway(0) } catch (e) { caught = String(e) }</script>
			<assign location="caught" expr="'not stopped'"/>
		</transition>
		<transition event="throw">
			<script>depth += down(10)</script>
			<script>throw new TypeError('thrown ' + depth)</script>
			<assign location="depth" expr="-1"/>
		</transition>
		<transition event="error.execution"><script>errs.push(_event.data.message); after.push(down(100) + wide())</script></transition>
	</state>`

// TestEnteredStepDeepAndThrowing checks that a step whose scripts recurse
// deep, reach the call stack's bound or throw does the same entered as
// directly: the value stack an entered step starts with is only room, and
// the variables of the block that makes it are none of the document's.
func TestEnteredStepDeepAndThrowing(t *testing.T) {
	run := func(before string) (*Model, map[string]any) {
		w := newWatched(t, WatchdogOptions{Tick: 5 * time.Millisecond}, interp.LimitError)
		s := w.start(deepChart)
		w.eng.Run()
		m := s.Datamodel().(*Model)
		for _, name := range []string{before, "deep", before, "throw", before} {
			require.NoError(t, w.eng.Send(s.ID(), &interp.Event{Name: name}))
			w.eng.Run()
		}
		require.False(t, s.Done())
		got := map[string]any{}
		for _, v := range []string{"depth", "caught", "after", "errs.length", "errs[0].indexOf('Maximum call stack size exceeded')", "errs[1]", "v0"} {
			got[v] = eval(t, m, v)
		}
		return m, got
	}
	entered, a := run("work")
	assert.True(t, entered.entered, "the steps ran entered")
	direct, b := run("one")
	assert.False(t, direct.entered, "the steps ran directly")
	assert.Equal(t, b, a)
	assert.Equal(t, 5018.0, a["depth"])
	assert.Equal(t, "none", a["caught"], "the bound is no error a script catches, and ends the block")
	assert.Equal(t, []any{108.0, 108.0}, a["after"])
	assert.Equal(t, 2.0, a["errs.length"])
	assert.GreaterOrEqual(t, a["errs[0].indexOf('Maximum call stack size exceeded')"], 0.0)
	assert.Contains(t, a["errs[1]"], "TypeError: thrown 5018")
	assert.Equal(t, "mineundefined", a["v0"], "the entering program's block is not the document's")
}

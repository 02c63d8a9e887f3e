package interp_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// restartable runs one chart on a virtual clock; when restart is set it
// snapshots the session after each step and restores it into a new
// engine, as a host that loses its memory between macrosteps would.
type restartable struct {
	t       *testing.T
	clock   *interp.VirtualClock
	chart   *interp.Chart
	engine  *interp.Engine
	id      string
	restart bool
	logs    []string
	steps   []string
	saved   int
}

func newRestartable(t *testing.T, src string, restart bool) *restartable {
	t.Helper()
	doc, err := scxml.Parse("test.scxml", []byte(src), nil)
	require.NoError(t, err)
	r := &restartable{t: t, clock: interp.NewVirtualClock(time.Unix(1_000_000, 0)), restart: restart}
	r.engine = r.newEngine()
	r.chart, err = r.engine.Compile(doc)
	require.NoError(t, err)
	s, err := r.engine.Start(r.chart, interp.StartOptions{ID: "S", Params: map[string]any{"who": "tester"}})
	require.NoError(t, err)
	r.id = s.ID()
	r.run()
	return r
}

func (r *restartable) newEngine() *interp.Engine {
	return interp.NewEngine(interp.Options{
		Clock:      r.clock,
		Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": ecmascript.Compile, "null": interp.CompileNull},
		Log:        func(s *interp.Session, _, msg string) { r.logs = append(r.logs, s.InvokeID()+":"+msg) },
		OnError:    func(_ *interp.Session, err error) { r.t.Errorf("session error: %v", err) },
		OnMacrostep: func(s *interp.Session, ev *interp.Event) {
			name := "-"
			if ev != nil {
				name = ev.Name
			}
			r.steps = append(r.steps, s.InvokeID()+":"+name+":"+strings.Join(s.Atomic(), ","))
		},
	})
}

// run runs the engine until it is idle, then restarts it if asked to.
func (r *restartable) run() {
	r.engine.Run()
	for !r.engine.Idle() {
		r.engine.Run()
	}
	s := r.engine.Session(r.id)
	if !r.restart || s == nil {
		return
	}
	st, err := s.Snapshot()
	require.NoError(r.t, err)
	// The snapshot goes through its wire form.
	data, err := json.Marshal(st)
	require.NoError(r.t, err)
	var back interp.SessionState
	require.NoError(r.t, json.Unmarshal(data, &back))
	require.NoError(r.t, r.engine.Evict(r.id))
	r.engine = r.newEngine()
	_, err = r.engine.Restore(r.chart, &back)
	require.NoError(r.t, err, string(data))
	r.saved++
	r.engine.Run()
	for !r.engine.Idle() {
		r.engine.Run()
	}
}

func (r *restartable) send(name string, data any) {
	require.NoError(r.t, r.engine.Send(r.id, &interp.Event{Name: name, Type: interp.External, Data: data}))
	r.run()
}

// advance moves the clock to each due time up to d from now.
func (r *restartable) advance(d time.Duration) {
	end := r.clock.Now().Add(d)
	for {
		due, ok := r.engine.NextDue()
		if !ok || due.After(end) {
			r.clock.Set(end)
			r.run()
			return
		}
		r.clock.Set(due)
		r.run()
	}
}

const snapshotChart = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="main">
	<datamodel>
		<data id="who"/>
		<data id="n" expr="0"/>
		<data id="trail" expr="[]"/>
	</datamodel>
	<script>function note(x) { trail.push(x + '@' + n); return trail.length; }</script>
	<state id="main" initial="p">
		<parallel id="p">
			<state id="a" initial="a1">
				<history id="ah" type="deep"><transition target="a1"/></history>
				<state id="a1"><transition event="next" target="a2"/></state>
				<state id="a2"><transition event="next" target="a1"/></state>
			</state>
			<state id="b">
				<onentry>
					<send id="tick" event="tick" delay="10s"/>
					<send event="later" delay="1h"><param name="why" expr="'an hour ' + who"/></send>
				</onentry>
				<transition event="tick">
					<assign location="n" expr="n + 1"/>
					<log expr="'tick ' + n + ' ' + note('tick')"/>
					<send id="tick" event="tick" delay="10s"/>
				</transition>
				<transition event="stopticks"><cancel sendid="tick"/><raise event="stopped"/></transition>
				<transition event="stopped"><log expr="'stopped at ' + n"/></transition>
			</state>
		</parallel>
		<transition event="out" target="away"/>
		<transition event="later"><log expr="'later: ' + _event.data.why"/></transition>
		<transition event="finish" target="end"/>
	</state>
	<state id="away">
		<invoke id="child" type="scxml">
			<content>
				<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
					<datamodel><data id="pongs" expr="0"/></datamodel>
					<state id="c1">
						<onentry><send event="ping" target="#_parent" delay="5s"/></onentry>
						<transition event="pong"><assign location="pongs" expr="pongs + 1"/><log expr="'pong ' + pongs"/></transition>
						<transition event="bye" target="cend"/>
					</state>
					<final id="cend"><donedata><param name="pongs" expr="pongs"/></donedata></final>
				</scxml>
			</content>
		</invoke>
		<transition event="ping"><log expr="'ping from ' + _event.invokeid"/><send target="#_child" event="pong"/></transition>
		<transition event="bye"><send target="#_child" event="bye"/></transition>
		<transition event="done.invoke.child"><log expr="'child done ' + _event.data.pongs"/></transition>
		<transition event="back" target="ah"/>
		<transition event="finish" target="end"/>
	</state>
	<final id="end"/>
</scxml>`

// script drives the chart: every kind of state a snapshot holds is
// there at some step (history, parallel, pending and cancelled delayed
// sends, an invoked session with its own, queued events).
func (r *restartable) script() {
	r.send("next", nil)
	r.advance(25 * time.Second)
	r.send("out", nil)
	r.advance(5 * time.Second)
	r.send("back", nil)
	r.send("stopticks", nil)
	r.advance(30 * time.Second)
	r.send("out", nil)
	r.advance(6 * time.Second)
	r.send("bye", nil)
	r.advance(time.Hour)
	r.send("back", nil)
	r.advance(2 * time.Hour)
	r.send("finish", nil)
}

func TestSnapshotRestoreAfterEveryStep(t *testing.T) {
	plain := newRestartable(t, snapshotChart, false)
	plain.script()
	restarted := newRestartable(t, snapshotChart, true)
	restarted.script()
	assert.Greater(t, restarted.saved, 10)
	assert.Equal(t, plain.logs, restarted.logs)
	assert.Equal(t, plain.steps, restarted.steps)
	assert.Nil(t, restarted.engine.Session("S"), "ended")
	assert.Contains(t, plain.logs, "child:pong 1")
	assert.Contains(t, plain.logs, ":child done 1")
	assert.Contains(t, plain.logs, ":later: an hour tester")
}

func TestSnapshotKeepsQueuedEventsAndDueTimes(t *testing.T) {
	r := newRestartable(t, snapshotChart, false)
	s := r.engine.Session("S")
	s.Enqueue(&interp.Event{Name: "next", Data: map[string]any{"nan": math.NaN(), "xml": &interp.XMLNode{Text: "<a/>"}, "$k": 1}})
	st, err := s.Snapshot()
	require.NoError(t, err)
	require.Len(t, st.External, 1)
	due, ok := st.NextDue()
	require.True(t, ok)
	assert.Equal(t, r.clock.Now().Add(10*time.Second), due)
	require.Len(t, st.Sends, 2)
	assert.Equal(t, "tick", st.Sends[0].Key)

	// Restored an hour late: both sends are due and fire in due order.
	r.clock.Advance(2 * time.Hour)
	require.NoError(t, r.engine.Evict("S"))
	e := r.newEngine()
	s2, err := e.Restore(r.chart, st)
	require.NoError(t, err)
	assert.Equal(t, 1, s2.Queued())
	e.Run()
	assert.Equal(t, []string{":tick 1 1", ":later: an hour tester"}, r.logs)
	assert.Equal(t, []string{"a2", "b"}, s2.Atomic())

	// The hand-written encoding says what encoding/json would.
	type plain interp.SessionState
	want, err := json.Marshal((*plain)(st))
	require.NoError(t, err)
	got, err := json.Marshal(st)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))

	data, err := interp.UnmarshalValue(st.External[0].Data)
	require.NoError(t, err)
	m := data.(map[string]any)
	assert.True(t, math.IsNaN(m["nan"].(float64)))
	assert.Equal(t, &interp.XMLNode{Text: "<a/>"}, m["xml"])
	assert.Equal(t, 1, m["$k"])
}

func TestRestoreRefusesAChangedDocument(t *testing.T) {
	r := newRestartable(t, snapshotChart, false)
	st, err := r.engine.Session("S").Snapshot()
	require.NoError(t, err)
	st.Config = append(st.Config, "gone")
	_, err = r.newEngine().Restore(r.chart, st)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `state "gone" is not in test.scxml`)
}

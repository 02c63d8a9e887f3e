package trace_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/trace"
)

var at = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func TestRoundTrip(t *testing.T) {
	steps := []*trace.Step{
		{Index: 0, Time: at, Atomic: []string{"a"}, Active: []string{"p", "a"}, Datamodel: json.RawMessage(`{"x":1}`),
			Timers: []trace.Timer{{SendID: "t1", Event: "tick", Due: at.Add(5 * time.Second)}}},
		{Index: 1, Time: at.Add(time.Second), Event: &trace.Event{Name: "go", Type: "external", Origin: "#_x", SendID: "s1", InvokeID: "i1", Data: json.RawMessage(`{"k":"v"}`)},
			Atomic: []string{"done"}, Active: []string{"done"}, Final: true,
			Logs: []trace.Log{{Label: "l", Message: "m"}}, Errors: []string{"boom"},
			Sends:      []trace.Send{{ID: "s", Event: "e", Target: "#_parent", Due: at.Add(time.Minute)}},
			UserEvents: []trace.UserData{{DN: "REPORTING", Interaction: "c1", Data: map[string]any{"_CB_X": "1"}}},
			Attached:   []trace.UserData{{Interaction: "c1", Data: map[string]any{"k": 2.0}}},
			Requests:   []trace.Request{{ID: "r1", Kind: "queue.submit", Detail: "VQ"}}},
		{Index: 2, Time: at.Add(2 * time.Second), Atomic: []string{"done"}, Active: []string{"done"}, Final: true, Ended: true,
			UserEvents: []trace.UserData{{DN: "REPORTING", Data: map[string]any{"_CB_FINAL": "1"}}}},
	}
	var buf bytes.Buffer
	enc := trace.NewEncoder(&buf)
	h := trace.Header{Session: "S1", Name: "chart", Document: "/x/chart.scxml", Started: at}
	require.NoError(t, enc.Header(h))
	for _, s := range steps {
		require.NoError(t, enc.Step(s))
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 4)
	assert.True(t, strings.HasPrefix(lines[0], `{"trace":"orca","version":1,"session":"S1"`), lines[0])
	assert.True(t, strings.HasPrefix(lines[1], `{"event":null,"atomic":["a"],"active":["p","a"],"final":false,"index":0,`), lines[1])
	assert.True(t, strings.HasPrefix(lines[2], `{"event":"go","atomic":["done"],"active":["done"],"final":true,"index":1,`), lines[2])
	assert.True(t, strings.HasPrefix(lines[3], `{"event":null,"atomic":["done"],"active":["done"],"final":true,"index":2,"ended":true,`), lines[3])

	f, err := trace.Read(&buf)
	require.NoError(t, err)
	assert.Equal(t, h, f.Header)
	require.Len(t, f.Steps, 3)
	assert.Equal(t, steps, f.Steps)
}

func TestReadFirstFormat(t *testing.T) {
	// The lines orca run --trace wrote before steps carried more.
	in := `{"event":null,"atomic":["ping"],"active":["play","ping"],"final":false}

{"event":"ping","atomic":["pong"],"active":["play","pong"],"final":false}
{"event":"stop","atomic":["done"],"active":["done"],"final":true}
done
`
	f, err := trace.Read(strings.NewReader(in))
	require.NoError(t, err)
	assert.Zero(t, f.Header)
	require.Len(t, f.Steps, 3)
	assert.Nil(t, f.Steps[0].Event)
	assert.Equal(t, 2, f.Steps[2].Index)
	assert.Equal(t, "stop", f.Steps[2].Event.Name)
	assert.True(t, f.Steps[2].Final)
	assert.Equal(t, []string{"5: done"}, f.Other, "the final state orca run prints after the trace")
}

func TestReadErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"not JSON", "{\"event\":null,\"atomic\":[],\"active\":[],\"final\":false}\n{oops\n", "line 2: "},
		{"not a step", `{"hello":"world"}`, `line 1: not a trace step`},
		{"header later", "{\"event\":null,\"atomic\":[],\"active\":[]}\n{\"trace\":\"orca\",\"version\":1}\n", "line 2: not a trace step"},
		{"newer version", `{"trace":"orca","version":99}`, "line 1: not an Orca trace of version 1 or older"},
		{"other trace", `{"trace":"other","version":1}`, `line 1: not an Orca trace`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := trace.Read(strings.NewReader(tc.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestValue(t *testing.T) {
	assert.Nil(t, trace.Value(nil))
	assert.JSONEq(t, `{"a":[1,"x"]}`, string(trace.Value(map[string]any{"a": []any{1.0, "x"}})))
	var s string
	require.NoError(t, json.Unmarshal(trace.Value(make(chan int)), &s), "a value that does not encode becomes a string")
	assert.True(t, strings.HasPrefix(s, "0x"), s)
}

func TestSnapshot(t *testing.T) {
	doc, err := scxml.Parse("snap.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
		<datamodel><data id="count" expr="2"/><data id="who" expr="'ann'"/></datamodel>
		<script>var cb = {state: 'QUEUED', req: {}}; function helper() { return 1; }</script>
		<state id="s"><datamodel><data id="inner" expr="[1, 2]"/></datamodel></state>
	</scxml>`), nil)
	require.NoError(t, err)
	var snap json.RawMessage
	eng := interp.NewEngine(interp.Options{Datamodels: host.Datamodels(), Clock: interp.NewVirtualClock(at),
		OnMacrostep: func(s *interp.Session, _ *interp.Event) { snap = trace.Snapshot(doc, s.Datamodel()) }})
	c, err := eng.Compile(doc)
	require.NoError(t, err)
	_, err = eng.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	eng.Run()
	assert.JSONEq(t, `{"count":2,"who":"ann","inner":[1,2],"cb":{"state":"QUEUED","req":{}}}`, string(snap))
	assert.Nil(t, trace.Snapshot(doc, nil))
}

func TestOf(t *testing.T) {
	doc, err := scxml.Parse("of.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
		<datamodel><data id="n" expr="0"/></datamodel>
		<state id="wait">
			<onentry><send event="tick" id="t1" delay="5s"/><send event="out" target="#_internal"/></onentry>
			<transition event="go" target="done"><assign location="n" expr="_event.data.n"/></transition>
		</state>
		<final id="done"/>
	</scxml>`), nil)
	require.NoError(t, err)
	clock := interp.NewVirtualClock(at)
	var steps []*trace.Step
	var sends []trace.Send
	eng := interp.NewEngine(interp.Options{Datamodels: host.Datamodels(), Clock: clock,
		OnSend: func(_ *interp.Session, ev *interp.Event, target, typ string, delay time.Duration) {
			sends = append(sends, trace.SendOf(ev, target, typ, delay, clock.Now()))
		},
		OnMacrostep: func(s *interp.Session, ev *interp.Event) {
			steps = append(steps, trace.Of(s, ev, clock.Now(), len(steps) > 0))
		}})
	c, err := eng.Compile(doc)
	require.NoError(t, err)
	s, err := eng.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	eng.Run()
	require.NoError(t, eng.Send(s.ID(), &interp.Event{Name: "go", Type: interp.External, Data: map[string]any{"n": 7.0}}))
	eng.Run()

	require.Len(t, steps, 2)
	assert.Equal(t, &trace.Step{Time: at, Atomic: []string{"wait"}, Active: []string{"wait"},
		Timers: []trace.Timer{{SendID: "t1", Event: "tick", Due: at.Add(5 * time.Second)}}}, steps[0],
		"the initial macrostep, without its data model when not asked")
	assert.Equal(t, &trace.Event{Name: "go", Type: "external", Data: json.RawMessage(`{"n":7}`)}, steps[1].Event)
	assert.Equal(t, []string{"done"}, steps[1].Atomic)
	assert.True(t, steps[1].Final)
	assert.JSONEq(t, `{"n":7}`, string(steps[1].Datamodel))
	assert.Equal(t, steps[0].Timers, steps[1].Timers, "leaving a state does not cancel its delayed sends (§6.2)")
	assert.Equal(t, []trace.Send{
		{ID: "t1", Event: "tick", Due: at.Add(5 * time.Second)},
		{Event: "out", Target: "#_internal"},
	}, sends)
	assert.Nil(t, trace.EventOf(nil))
}

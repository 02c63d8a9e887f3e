package console_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/trace"
)

const pingpong = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="pingpong" initial="play">
	<state id="play" initial="ping">
		<transition event="stop" target="done"/>
		<state id="ping"><transition event="ping" target="pong"/></state>
		<state id="pong"><transition event="pong" target="ping"/></state>
	</state>
	<final id="done"/>
</scxml>`

// apiServer serves a Memory holding session S1 of pingpong with two
// recorded steps.
func apiServer(t *testing.T) (*console.Memory, string) {
	doc, err := scxml.Parse("pingpong.scxml", []byte(pingpong), nil)
	require.NoError(t, err)
	m := console.NewMemory(console.MemoryOptions{})
	m.Start(console.Summary{ID: "S1", Service: "pp", Document: "pingpong", Started: epoch}, doc)
	m.Start(console.Summary{ID: "S2", Started: epoch}, nil)
	rec := m.Recorder()
	rec.Record("S1", &trace.Step{Time: epoch, Atomic: []string{"ping"}, Active: []string{"play", "ping"}, Datamodel: json.RawMessage(`{"n":0}`)})
	rec.Log("S1", "l", "went")
	rec.Record("S1", &trace.Step{Time: epoch.Add(time.Second), Event: &trace.Event{Name: "ping", Type: "external"},
		Atomic: []string{"pong"}, Active: []string{"play", "pong"}, Datamodel: json.RawMessage(`{"n":1}`)})
	srv := serve(t, console.NewHandler(console.Options{Source: m, Heartbeat: 50 * time.Millisecond}))
	return m, srv.URL
}

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
	}
	return resp.StatusCode
}

func TestAPI(t *testing.T) {
	_, url := apiServer(t)
	var sess struct {
		Summary  console.Summary
		Steps    []map[string]any
		HasChart bool
	}
	require.Equal(t, http.StatusOK, getJSON(t, url+"/console/api/session/S1", &sess))
	assert.Equal(t, "pp", sess.Summary.Service)
	assert.Equal(t, 2, sess.Summary.Steps)
	require.Len(t, sess.Steps, 2)
	assert.Equal(t, "ping", sess.Steps[1]["event"])
	assert.Nil(t, sess.Steps[1]["datamodel"], "the timeline leaves the data model out")
	assert.True(t, sess.HasChart)

	var step trace.Step
	require.Equal(t, http.StatusOK, getJSON(t, url+"/console/api/session/S1/step/1", &step))
	assert.JSONEq(t, `{"n":1}`, string(step.Datamodel))
	assert.Equal(t, []trace.Log{{Label: "l", Message: "went"}}, step.Logs)

	var l console.Layout
	require.Equal(t, http.StatusOK, getJSON(t, url+"/console/api/session/S1/chart", &l))
	assert.Len(t, l.Nodes, 5)
	require.Equal(t, http.StatusOK, getJSON(t, url+"/console/api/session/S1/chart?collapsed=play", &l))
	assert.Len(t, l.Nodes, 3)
	assert.Equal(t, []string{"play"}, l.Collapsed)

	var page console.Page
	require.Equal(t, http.StatusOK, getJSON(t, url+"/console/api/sessions?service=pp", &page))
	assert.Equal(t, 1, page.Total)
	var services []console.Service
	require.Equal(t, http.StatusOK, getJSON(t, url+"/console/api/services", &services))
	assert.Equal(t, []console.Service{{Name: "pp", Live: 1}}, services)

	for _, tc := range []struct {
		path string
		code int
	}{
		{"/console/api/session/nope", http.StatusNotFound},
		{"/console/api/session/S1/step/7", http.StatusNotFound},
		{"/console/api/session/S1/step/x", http.StatusBadRequest},
		{"/console/api/session/S2/chart", http.StatusNotFound},
		{"/console/api/sessions?limit=9999", http.StatusBadRequest},
		{"/console/api/sessions?after=%21", http.StatusBadRequest},
		{"/session/nope", http.StatusNotFound},
		{"/console/api/session/nope/stream", http.StatusNotFound},
		{"/console/static/session.js", http.StatusOK},
		{"/session/S1", http.StatusOK},
	} {
		resp, err := http.Get(url + tc.path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, tc.code, resp.StatusCode, "%s: %s", tc.path, body)
	}
}

// sseEvent is one server-sent event.
type sseEvent struct{ name, data string }

func readEvent(t *testing.T, r *bufio.Reader) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && ev.name != "":
			return ev
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func TestStream(t *testing.T) {
	m, url := apiServer(t)
	resp, err := http.Get(url + "/console/api/session/S1/stream")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	r := bufio.NewReader(resp.Body)
	ev := readEvent(t, r)
	assert.Equal(t, "snapshot", ev.name)
	assert.Contains(t, ev.data, `"steps":[{"index":0`)

	m.Recorder().Record("S1", &trace.Step{Event: &trace.Event{Name: "stop"}, Atomic: []string{"done"}, Active: []string{"done"}, Final: true})
	ev = readEvent(t, r)
	assert.Equal(t, "step", ev.name)
	assert.Contains(t, ev.data, `"event":"stop"`)
	assert.Contains(t, ev.data, `"final":true`)
	m.End("S1", epoch.Add(time.Minute))
	ev = readEvent(t, r)
	assert.Equal(t, "summary", ev.name)
	assert.Contains(t, ev.data, `"state":"ended"`)

	// Heartbeats keep the connection alive in between.
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, ": beat\n", line)
}

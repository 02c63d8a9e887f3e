package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestORSRoundTrip(t *testing.T) {
	s := newTestServer(t, func(c *Config) { c.Sessions.RequestTimeout = 300 * time.Millisecond }, Options{})
	id := startSession(t, s, url.Values{"src": {"echo.scxml"}, "who": {"alice"}})
	base := s.URL() + "/scxml/session/" + id

	a := call(t, http.MethodPost, base+"/event/ping", map[string]any{"msg": "hi"}, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)

	a = call(t, http.MethodPost, base+"/request/ask", url.Values{"q": {"how many"}}, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	res := a.obj(t)
	assert.Equal(t, "result", res["type"])
	assert.Equal(t, "200", res["resultcode"])
	assert.Equal(t, map[string]any{"count": 1.0, "who": "alice", "q": "how many"}, res["params"])

	a = call(t, http.MethodGet, base+"/query", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	q := a.obj(t)
	assert.Equal(t, "Echo", q["name"])
	assert.Equal(t, []any{"idle"}, q["active"])
	assert.Equal(t, map[string]any{"count": 1.0, "last": "hi"}, q["data"])
	assert.Equal(t, map[string]any{"who": "alice"}, q["params"])

	a = call(t, http.MethodPost, base+"/request/mute", nil, "")
	assert.Equal(t, http.StatusGatewayTimeout, a.code, a.raw)
	assert.Contains(t, a.obj(t)["error"], "did not answer")

	a = call(t, http.MethodPost, base+"/terminate", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	eventually(t, 2*time.Second, func() bool { return s.Sessions() == 0 }, "session still live after terminate")
	a = call(t, http.MethodGet, base+"/query", nil, "")
	assert.Equal(t, http.StatusNotFound, a.code, a.raw)
}

func TestORSSessionsRunConcurrently(t *testing.T) {
	s := newTestServer(t, nil, Options{})
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = startSession(t, s, url.Values{"src": {"echo.scxml"}, "who": {strconv.Itoa(i)}})
	}
	for i, id := range ids {
		for range i % 3 {
			a := call(t, http.MethodPost, s.URL()+"/scxml/session/"+id+"/event/ping", url.Values{"msg": {"x"}}, "")
			require.Equal(t, http.StatusOK, a.code)
		}
	}
	for i, id := range ids {
		a := call(t, http.MethodPost, s.URL()+"/scxml/session/"+id+"/request/ask", nil, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		p := a.obj(t)["params"].(map[string]any)
		assert.Equal(t, float64(i%3), p["count"])
		assert.Equal(t, strconv.Itoa(i), p["who"])
	}
	assert.Equal(t, 20, s.Sessions())
	// A session that reaches its final state ends and is forgotten.
	for _, id := range ids {
		call(t, http.MethodPost, s.URL()+"/scxml/session/"+id+"/event/go", nil, "")
		call(t, http.MethodPost, s.URL()+"/scxml/session/"+id+"/event/stop", nil, "")
	}
	eventually(t, 2*time.Second, func() bool { return s.Sessions() == 0 }, "sessions still live: %d", s.Sessions())
}

func TestORSIdealTime(t *testing.T) {
	s := newTestServer(t, nil, Options{})
	at := time.Now().Add(300 * time.Millisecond).UnixMilli()
	id := startSession(t, s, url.Values{"src": {"echo.scxml"}, "idealtime": {strconv.FormatInt(at, 10)}})
	a := call(t, http.MethodGet, s.URL()+"/scxml/session/"+id+"/query", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	assert.Equal(t, "pending", a.obj(t)["state"])
	eventually(t, 3*time.Second, func() bool {
		a := call(t, http.MethodGet, s.URL()+"/scxml/session/"+id+"/query", nil, "")
		return a.code == http.StatusOK && a.obj(t)["state"] == "running"
	}, "session never started")
	a = call(t, http.MethodPost, s.URL()+"/scxml/session/"+id+"/terminate", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
}

func TestMetricsAndHealth(t *testing.T) {
	s := newTestServer(t, nil, Options{})
	startSession(t, s, url.Values{"src": {"echo.scxml"}})
	a := call(t, http.MethodGet, s.URL()+"/healthz", nil, "")
	require.Equal(t, http.StatusOK, a.code)
	assert.Equal(t, "ok", a.obj(t)["status"])
	a = call(t, http.MethodGet, s.URL()+"/metrics", nil, "")
	require.Equal(t, http.StatusOK, a.code)
	for _, want := range []string{
		"orca_sessions_live 1\n", "orca_sessions_started_total 1\n", "orca_sessions_ended_total 0\n",
		"# TYPE orca_events_total counter\n", "orca_userevents_requested_total 0\n", "orca_userevents_held 0\n",
		"orca_reporting_pending 0\n", "orca_reporting_failed_total 0\n", "orca_errors_total", `orca_http_responses_total{code="200"}`,
	} {
		assert.Contains(t, a.raw, want)
	}
	for _, line := range strings.Split(strings.TrimSpace(a.raw), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		require.Len(t, f, 2, line)
		_, err := strconv.ParseFloat(f[1], 64)
		require.NoError(t, err, line)
	}
}

func TestBasicHTTPProcessorOnTheServersMux(t *testing.T) {
	s := newTestServer(t, nil, Options{})
	id := startSession(t, s, url.Values{"src": {"echo.scxml"}})
	a := call(t, http.MethodGet, s.URL()+"/scxml/session/"+id+"/query", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	a = call(t, http.MethodPost, s.URL()+"/basichttp/"+id, url.Values{"_scxmleventname": {"ping"}, "msg": {"over basichttp"}}, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	eventually(t, 2*time.Second, func() bool {
		a := call(t, http.MethodGet, s.URL()+"/scxml/session/"+id+"/query", nil, "")
		return a.obj(t)["data"].(map[string]any)["last"] == "over basichttp"
	}, "the basichttp event did not arrive")
}

func TestORSSessionFloodingItselfCanBeQueriedAndTerminated(t *testing.T) {
	s := newTestServer(t, nil, Options{})
	id := startSession(t, s, url.Values{"src": {"flood.scxml"}})
	base := s.URL() + "/scxml/session/" + id
	a := call(t, http.MethodGet, base+"/query", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	assert.Equal(t, []any{"spin"}, a.obj(t)["active"])
	a = call(t, http.MethodPost, base+"/terminate", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	eventually(t, 2*time.Second, func() bool { return s.Sessions() == 0 }, "session still live after terminate")
}

func TestInvokedDocumentsCompileOnceForAllSessions(t *testing.T) {
	s := newTestServer(t, nil, Options{})
	for range 3 {
		startSession(t, s, url.Values{"src": {"parent.scxml"}})
	}
	eventually(t, 2*time.Second, func() bool { return s.Sessions() == 0 }, "sessions still live: %d", s.Sessions())
	s.docs.charts.mu.Lock()
	defer s.docs.charts.mu.Unlock()
	var children []*interp.Chart
	for path, e := range s.docs.charts.m {
		if strings.HasSuffix(path, "child.scxml") {
			children = append(children, e.Value.(*chartEntry).chart)
		}
	}
	assert.Len(t, children, 1, "the invoked document has one compiled chart")
}

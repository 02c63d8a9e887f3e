package server

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/orca-scxml/orca/templates"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEndToEndFamilies(t *testing.T) {
	e := newE2E(t, simConfig(30*time.Second), speed, nil)
	connected := map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT", "_CB_DIM_FINAL_DIAL_RESULT": "PERSON", "_CB_N_AGENT_ADDED_TO_IXN": 1}
	tests := []struct {
		name    string
		service string
		params  func(t *testing.T) url.Values
		final   map[string]any
		// complete, when set, completes the callback through the API
		// once it is PROCESSING (the agent's desktop).
		complete bool
	}{
		{"immediate", "immediate", func(*testing.T) url.Values { return url.Values{"_customer_number": {"5550001"}} }, connected, false},
		{"scheduled", "scheduled", func(*testing.T) url.Values {
			at := templates.FormatTime(e.clock.Now().Add(30 * time.Second))
			return url.Values{"_customer_number": {"5550002"}, "_desired_time": {at}}
		}, connected, false},
		{"agent first", "agent-first", func(*testing.T) url.Values { return url.Values{"_customer_number": {"5550003"}} },
			map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT", "_CB_DIM_FINAL_DIAL_RESULT": "PERSON"}, false},
		{"agent first, completed by the agent's desktop", "agent-first", func(*testing.T) url.Values { return url.Values{"_customer_number": {"5550006"}} },
			map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT", "_CB_DIM_FINAL_DIAL_RESULT": "PERSON"}, true},
		{"in queue", "in-queue", func(t *testing.T) url.Values {
			conn, err := e.sim.InboundCall("RP_IN", "5550004", nil)
			require.NoError(t, err)
			eventually(t, 5*time.Second, func() bool { _, ok := e.srv.rt.Interaction(conn); return ok }, "the inbound call never reached the server")
			return url.Values{"_customer_number": {"5550004"}, "_originating_interaction_id": {conn}}
		}, connected, false},
		{"user originated", "user-originated", func(*testing.T) url.Values { return url.Values{"_customer_number": {"5550005"}} },
			map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT", "_CB_DIM_FINAL_DIAL_RESULT": "USERORIGINATED_CONNECTED"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			begin := time.Now()
			id := e.request(tc.service, tc.params(t))
			if tc.complete {
				e.waitState(t, id, "PROCESSING", 10*time.Second)
				a := call(t, http.MethodPut, e.srv.URL()+"/genesys/1/service/callback/"+tc.service+"/"+id, url.Values{"_callback_state": {"COMPLETED"}}, "")
				require.Equal(t, http.StatusOK, a.code, a.raw)
			}
			evs := e.waitReports(id, 2, 20*time.Second)
			t.Logf("%s: callback done in %v", tc.name, time.Since(begin).Round(time.Millisecond))
			checkReports(t, id, evs, tc.final)
			e.checkAttached(id)
			e.waitState(t, id, "COMPLETED", 5*time.Second)
			a := call(t, http.MethodGet, e.srv.URL()+"/genesys/1/service/callback?_id="+id, nil, "")
			require.Equal(t, http.StatusOK, a.code, a.raw)
			list := a.body.([]any)
			require.Len(t, list, 1)
			got := list[0].(map[string]any)
			assert.Equal(t, "COMPLETED", got["_callback_state"])
			assert.Equal(t, "AGENT_CONNECTED", got["_callback_reason"])
			assert.Equal(t, tc.service, got["_service_name"])
			for _, k := range []string{"_id", "_desired_time", "_service_name", "_callback_state", "_expiration_time", "_customer_number", "_callback_reason"} {
				assert.Contains(t, got, k)
			}
		})
	}
	e.t = t
	stream := e.streamUserEvents()
	for id, evs := range stream {
		assert.Len(t, evs, 2, "callback %s: UserEvents in the stream", id)
	}
	assert.Len(t, stream, len(tests))
	assert.Zero(t, e.srv.Stats().Failed)
	assert.Empty(t, e.srv.Held())
}

func TestEndToEndCancelAndReschedule(t *testing.T) {
	e := newE2E(t, simConfig(30*time.Second), speed, nil)
	far := templates.FormatTime(e.clock.Now().Add(time.Hour))
	id := e.request("scheduled", url.Values{"_customer_number": {"5550010"}, "_desired_time": {far}})
	e.waitReports(id, 1, 10*time.Second)
	a := call(t, http.MethodGet, e.srv.URL()+"/genesys/1/service/callback?_customer_number=5550010&_callback_state=SCHEDULED", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	require.Len(t, a.body.([]any), 1)

	// Rescheduled to 20s from now, it runs.
	soon := templates.FormatTime(e.clock.Now().Add(20 * time.Second))
	a = call(t, http.MethodPut, e.srv.URL()+"/genesys/1/service/callback/scheduled/"+id, url.Values{"_desired_time": {soon}}, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	checkReports(t, id, e.waitReports(id, 2, 20*time.Second), map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT"})

	// Cancelled while scheduled, it ends CANCELLED; then it cannot be
	// cancelled again.
	id2 := e.request("scheduled", url.Values{"_customer_number": {"5550011"}, "_desired_time": {far}})
	e.waitReports(id2, 1, 10*time.Second)
	a = call(t, http.MethodDelete, e.srv.URL()+"/genesys/1/service/callback/scheduled/"+id2, nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	evs := e.waitReports(id2, 2, 10*time.Second)
	checkReports(t, id2, evs, nil)
	eventually(t, 5*time.Second, func() bool { return e.state(id2)["_callback_reason"] == "CANCELLED" }, "state %v", e.state(id2))
	a = call(t, http.MethodDelete, e.srv.URL()+"/genesys/1/service/callback/scheduled/"+id2, nil, "")
	assert.Equal(t, http.StatusConflict, a.code, a.raw)
}

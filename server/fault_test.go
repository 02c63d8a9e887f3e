package server

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNATSRestartMidCallback stops NATS while callbacks are with their
// agents, completes them while it is down (their final UserEvents wait in
// the outbox), and restarts it: every callback has exactly one start and
// one final UserEvent at the reporting DN.
func TestNATSRestartMidCallback(t *testing.T) {
	e := newE2E(t, simConfig(10*time.Minute), speed, nil)
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = e.request("immediate", url.Values{"_customer_number": {"555010" + string(rune('0'+i))}})
	}
	for _, id := range ids {
		e.waitReports(id, 1, 10*time.Second)
		e.waitState(t, id, "PROCESSING", 10*time.Second)
	}

	e.nats.shutdown()
	for _, id := range ids {
		a := call(t, http.MethodPut, e.srv.URL()+"/genesys/1/service/callback/immediate/"+id,
			url.Values{"_callback_state": {"COMPLETED"}, "_disposition": {"COMPLETED.AGENT"}}, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
	}
	eventually(t, 5*time.Second, func() bool { return e.srv.Sessions() == 0 }, "sessions still live: %d", e.srv.Sessions())
	eventually(t, 5*time.Second, func() bool { return e.srv.Stats().Pending >= len(ids) },
		"want the final UserEvents pending while NATS is down: %+v", e.srv.Stats())
	time.Sleep(200 * time.Millisecond)
	e.nats.start()

	for _, id := range ids {
		checkReports(t, id, e.waitReports(id, 2, 20*time.Second), map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT"})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, e.srv.port.Flush(ctx))
	stream := e.streamUserEvents()
	for _, id := range ids {
		assert.Len(t, stream[id], 2, "callback %s in the stream", id)
		assert.Len(t, e.reports(id), 2, "callback %s at the monitor", id)
	}
	st := e.srv.Stats()
	assert.Zero(t, st.Failed)
	assert.Zero(t, st.Pending)
	assert.Empty(t, e.srv.Held())
}

// TestGracefulShutdownWithCallbacksInFlight shuts a server without
// persistence down while callbacks wait for or talk with agents: each is
// cancelled between macrosteps and its final UserEvent is flushed before
// Shutdown returns.
func TestGracefulShutdownWithCallbacksInFlight(t *testing.T) {
	e := newE2E(t, simConfig(10*time.Minute), speed, noPersistence)
	ids := make([]string, 5)
	concurrently(len(ids), func(i int) {
		ids[i] = e.request("immediate", url.Values{"_customer_number": {"555020" + string(rune('0'+i))}})
	})
	for _, id := range ids {
		e.waitReports(id, 1, 10*time.Second)
	}
	// Three agents: three callbacks are with an agent, two wait for one.
	eventually(t, 10*time.Second, func() bool {
		n := 0
		for _, id := range ids {
			if e.state(id)["_callback_state"] == "PROCESSING" {
				n++
			}
		}
		return n == 3
	}, "want three callbacks with agents")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.srv.Shutdown(ctx))
	assert.Zero(t, e.srv.Sessions())
	assert.Zero(t, e.srv.Stats().Pending)
	_, err := http.Get(e.srv.URL() + "/healthz")
	assert.Error(t, err, "the server still answers after Shutdown")

	for _, id := range ids {
		checkReports(t, id, e.waitReports(id, 2, 20*time.Second), nil)
	}
	stream := e.streamUserEvents()
	for _, id := range ids {
		assert.Len(t, stream[id], 2, "callback %s in the stream", id)
	}
	assert.Empty(t, e.srv.Held())
}

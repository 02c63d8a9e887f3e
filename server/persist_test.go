package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/templates"
)

// restart shuts the server down gracefully and starts another on the same
// configuration, NATS, data directory and clock.
func (e *e2e) restart(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.srv.Shutdown(ctx))
	cfg := e.srv.cfg
	cfg.Listen = "127.0.0.1:0"
	srv, err := New(cfg, Options{Clock: e.clock, Logger: slog.New(slog.NewTextHandler(&e.log, nil))})
	require.NoError(t, err)
	e.srv = srv
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
}

// metric returns the value of a metric the server exports.
func (e *e2e) metric(t *testing.T, name string) float64 {
	t.Helper()
	a := call(t, http.MethodGet, e.srv.URL()+"/metrics", nil, "")
	require.Equal(t, http.StatusOK, a.code)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+-]+)$`).FindStringSubmatch(a.raw)
	require.Len(t, m, 2, "metric %s in\n%s", name, a.raw)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

// TestGracefulRestartKeepsScheduledCallbacks restarts the server while
// callbacks are scheduled two hours ahead: none is cancelled, the GMS API
// lists them SCHEDULED on the new server (whose sessions are adopted, not
// loaded), and each is dialled at its time and completes.
func TestGracefulRestartKeepsScheduledCallbacks(t *testing.T) {
	const fast = 2000 // two hours in 3.6s
	// At this speed 30 s of the transfer's timeout pass in 15 ms: a loaded
	// machine would make the transfers fail. The timeouts are not what
	// this test is about.
	e := newE2E(t, simConfig(5*time.Second), fast, func(c *Config) {
		for i := range c.Services {
			if c.Services[i].Name == "scheduled" {
				c.Services[i].Options["_agent_connect_timeout"] = 3600
			}
		}
	})
	at := e.clock.Now().Add(2 * time.Hour).Truncate(time.Second)
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = e.request("scheduled", url.Values{"_customer_number": {fmt.Sprintf("555300%d", i)},
			"_desired_time": {templates.FormatTime(at)}})
	}
	for _, id := range ids {
		e.waitReports(id, 1, 10*time.Second)
	}
	e.restart(t)
	assert.Equal(t, len(ids), e.srv.host.Stats().Kept, "the new server keeps them out of memory until they are due")
	for _, id := range ids {
		a := call(t, http.MethodGet, e.srv.URL()+"/genesys/1/service/callback/scheduled/"+id, nil, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		assert.Equal(t, "SCHEDULED", a.obj(t)["_callback_state"], "callback %s after the restart", id)
		assert.Len(t, e.reports(id), 1, "no final UserEvent: nothing was cancelled")
	}
	for _, id := range ids {
		checkReports(t, id, e.waitReports(id, 2, 30*time.Second), map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT"})
	}
	for _, id := range ids {
		assert.True(t, e.srv.console.mem.Has(id), "callback %s, restored by the new server, is in its console", id)
	}
	for _, c := range e.sim.Calls() {
		if c.CallType == "Outbound" {
			assert.False(t, c.Started.Before(at), "call %s dialled at %v, before %v", c.ConnID, c.Started, at)
		}
	}
	assert.Positive(t, e.metric(t, "orca_sessions_loaded_total"))
	stream := e.streamUserEvents()
	for _, id := range ids {
		assert.Len(t, stream[id], 2, "callback %s in the stream", id)
	}
}

// TestSnapshotsWaitForNATS stops NATS while callbacks talk with agents and
// completes them meanwhile: the snapshots that cannot be written wait,
// are retried and counted (orca_snapshot_failures_total,
// orca_snapshots_pending), and are written once NATS is back.
func TestSnapshotsWaitForNATS(t *testing.T) {
	e := newE2E(t, simConfig(10*time.Minute), speed, nil)
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = e.request("immediate", url.Values{"_customer_number": {fmt.Sprintf("555310%d", i)}})
	}
	for _, id := range ids {
		e.waitState(t, id, "PROCESSING", 10*time.Second)
	}
	require.NoError(t, e.srv.store.Flush(t.Context()))

	e.nats.shutdown()
	for _, id := range ids {
		a := call(t, http.MethodPut, e.srv.URL()+"/genesys/1/service/callback/immediate/"+id,
			url.Values{"_callback_state": {"COMPLETED"}}, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
	}
	eventually(t, 10*time.Second, func() bool { return e.metric(t, "orca_snapshot_failures_total") > 0 },
		"failed writes are counted: %+v", e.srv.store.Stats())
	eventually(t, 10*time.Second, func() bool { return e.metric(t, "orca_snapshots_pending") == float64(len(ids)) },
		"one change per session waits: %+v", e.srv.store.Stats())
	assert.Positive(t, e.metric(t, "orca_snapshot_lag_seconds"))
	eventually(t, 10*time.Second, func() bool { return e.metric(t, "orca_snapshot_retries_total") > 0 }, "retried")

	e.nats.start()
	eventually(t, 20*time.Second, func() bool { return e.metric(t, "orca_snapshots_pending") == 0 }, "written once NATS is back: %+v", e.srv.store.Stats())
	for _, id := range ids {
		checkReports(t, id, e.waitReports(id, 2, 20*time.Second), nil)
	}
	assert.EqualValues(t, len(ids), e.srv.store.Stats().Deletes, "the ended sessions left the store")
}

// TestHibernatedCallbacksComeBack lets scheduled callbacks hibernate
// (sessions.hibernate_after): they leave memory while they wait, the GMS
// API still lists them, a property update reaches one (loading it), and
// each comes back when its time comes and completes.
func TestHibernatedCallbacksComeBack(t *testing.T) {
	// Ten minutes ahead at the tests' speed: 6 s to hibernate and be
	// seen hibernated. A faster clock makes the calls' seconds a few
	// milliseconds, which a loaded machine's pauses outlast.
	e := newE2E(t, simConfig(30*time.Second), speed, func(c *Config) { c.Sessions.HibernateAfter = 100 * time.Millisecond })
	at := e.clock.Now().Add(10 * time.Minute).Truncate(time.Second)
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = e.request("scheduled", url.Values{"_customer_number": {fmt.Sprintf("555320%d", i)},
			"_desired_time": {templates.FormatTime(at)}})
	}
	eventually(t, 10*time.Second, func() bool { return e.srv.host.Stats().Kept == len(ids) },
		"the waiting callbacks hibernate: %+v", e.srv.host.Stats())
	assert.Zero(t, e.srv.host.Engine().Sessions()+len(e.srv.rep.Catalogue().Keys())*0, "nothing of them in the first engine")
	for _, id := range ids {
		a := call(t, http.MethodGet, e.srv.URL()+"/genesys/1/service/callback/scheduled/"+id, nil, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		assert.Equal(t, "SCHEDULED", a.obj(t)["_callback_state"])
	}
	a := call(t, http.MethodPut, e.srv.URL()+"/genesys/1/service/callback/scheduled/"+ids[0], url.Values{"crm_case": {"C-1"}}, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	for _, id := range ids {
		checkReports(t, id, e.waitReports(id, 2, 30*time.Second), map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT"})
	}
	for _, id := range ids {
		assert.True(t, e.srv.console.mem.Has(id), "callback %s, restored by the new server, is in its console", id)
	}
	for _, c := range e.sim.Calls() {
		if c.CallType == "Outbound" {
			assert.False(t, c.Started.Before(at), "call %s dialled at %v, before %v", c.ConnID, c.Started, at)
		}
	}
	st := e.srv.host.Stats()
	assert.GreaterOrEqual(t, st.Hibernated, uint64(len(ids)))
	assert.GreaterOrEqual(t, st.Loaded, uint64(len(ids)))
}

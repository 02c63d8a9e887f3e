package server

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
)

// TestHostileSessionsHurtOnlyThemselves starts, through the ORS API, a
// session that breaks one of its limits, next to callbacks on the same
// server: the hostile session ends (or, for a breach it recovers from,
// stays reachable), the breach is logged with its id and counted, and the
// callbacks complete with both their UserEvents.
func TestHostileSessionsHurtOnlyThemselves(t *testing.T) {
	cases := []struct {
		name, src, limit string
		limits           host.Limits
		// survives: the breach raises error.execution once and the
		// session goes on waiting (a script stopped by its budget).
		survives bool
		// talk is how long the callbacks' calls last (30 s when zero): a
		// call must outlast the pauses the hostile session causes, or the
		// callback ends without its agent, at a clock 100 times faster.
		talk time.Duration
	}{
		{"memory bomb", "bomb.scxml", interp.LimitMemory,
			// While a bomb grows, the other shards' macrosteps wait for
			// the collector (seconds on a loaded machine).
			host.Limits{Memory: 32 << 20, ScriptTime: time.Minute}, false, 5 * time.Minute},
		{"a transition that sends its own event twice", "doubling.scxml", interp.LimitExternalQueue,
			host.Limits{}, false, 0},
		{"while (true)", "spin.scxml", interp.LimitScriptTime,
			host.Limits{ScriptTime: 300 * time.Millisecond}, true, 0},
		{"a condition that fails on an eventless transition", "conderror.scxml", interp.LimitInternalEvents,
			host.Limits{}, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			talk := cmp.Or(tc.talk, 30*time.Second)
			e := newE2E(t, simConfig(talk), speed, func(c *Config) {
				c.Limits = tc.limits
				// 30 s of transfer is 0.3 s at this clock, which the hostile
				// session's shard may take to come back to a callback:
				// the timeouts are not what this test is about.
				for i := range c.Services {
					c.Services[i].Options["_agent_connect_timeout"] = 3600
				}
				// Two shards: the hostile session shares its goroutine
				// and engine with some of the callbacks.
				c.Sessions.Shards = 2
			})
			ids := make([]string, 3)
			for i := range ids {
				ids[i] = e.request("immediate", url.Values{"_customer_number": {fmt.Sprintf("55501%02d", i)}})
			}
			start := time.Now()
			bad := startSession(t, e.srv, url.Values{"src": {tc.src}})
			t.Logf("the hostile session's start answered in %v", time.Since(start).Round(time.Millisecond))

			for _, id := range ids {
				checkReports(t, id, e.waitReports(id, 2, 30*time.Second), map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT"})
			}
			base := e.srv.URL() + "/scxml/session/" + bad
			if tc.survives {
				a := call(t, http.MethodGet, base+"/query", nil, "")
				require.Equal(t, http.StatusOK, a.code, a.raw)
				assert.Equal(t, "running", a.obj(t)["state"])
				a = call(t, http.MethodPost, base+"/terminate", nil, "")
				require.Equal(t, http.StatusOK, a.code, a.raw)
			}
			eventually(t, 30*time.Second, func() bool {
				return call(t, http.MethodGet, base+"/query", nil, "").code == http.StatusNotFound
			}, "the hostile session is still there")

			a := call(t, http.MethodGet, e.srv.URL()+"/metrics", nil, "")
			require.Equal(t, http.StatusOK, a.code)
			assert.Regexp(t, fmt.Sprintf(`orca_limit_breaches_total\{limit=%q\} [1-9]`, tc.limit), a.raw)
			logged := false
			for _, line := range strings.Split(e.log.String(), "\n") {
				if strings.Contains(line, "session limit exceeded") && strings.Contains(line, "session="+bad) &&
					strings.Contains(line, "limit="+tc.limit) {
					logged = true
				}
				if strings.Contains(line, "session limit exceeded") {
					assert.Contains(t, line, "session="+bad, "only the hostile session breaks a limit")
				}
			}
			assert.True(t, logged, "the breach is logged with the session's id:\n%s", e.log.String())
			st := e.srv.host.Stats()
			assert.EqualValues(t, len(ids)+1, st.Ended)
			if !tc.survives {
				assert.EqualValues(t, 1, st.Failed)
			}
			assert.Empty(t, e.srv.Held())
		})
	}
}

// TestShutdownWithAScriptThatNeverReturns shuts a server without
// persistence down while a session's script runs without end next to
// callbacks with agents: the script is stopped at its time limit, the
// callbacks are cancelled and their final UserEvents go out, and Shutdown
// is done in about the limit.
func TestShutdownWithAScriptThatNeverReturns(t *testing.T) {
	e := newE2E(t, simConfig(10*time.Minute), speed, func(c *Config) {
		c.Limits.ScriptTime = time.Second
		c.Sessions.Shards = 1
		noPersistence(c)
	})
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = e.request("immediate", url.Values{"_customer_number": {fmt.Sprintf("55502%02d", i)}})
	}
	eventually(t, 20*time.Second, func() bool {
		for _, id := range ids {
			if e.state(id)["_callback_state"] != "PROCESSING" {
				return false
			}
		}
		return true
	}, "want every callback with an agent")
	spin := startSession(t, e.srv, url.Values{"src": {"spin-on-go.scxml"}})
	a := call(t, http.MethodPost, e.srv.URL()+"/scxml/session/"+spin+"/event/go", nil, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	time.Sleep(100 * time.Millisecond) // the script is running

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, e.srv.Shutdown(ctx))
	took := time.Since(start)
	t.Logf("Shutdown took %v", took.Round(time.Millisecond))
	assert.Less(t, took, 5*time.Second)
	for _, id := range ids {
		checkReports(t, id, e.waitReports(id, 2, 20*time.Second), nil)
	}
	assert.Empty(t, e.srv.Held())
}

// TestMassStartEndsNoSession starts thousands of scheduled callbacks
// through the GMS API, from many clients at once, on a server with the
// default limits: the heap grows by far more than a session's memory
// limit while they start (each holds its data, its history in the
// console), none of it any one session's, so none is ended and no limit
// is breached. (TestHostileSessionsHurtOnlyThemselves checks that the
// memory bomb is still ended; ecmascript's TestWatchdogMemoryAttribution
// that a slow macrostep during such growth is not blamed.)
func TestMassStartEndsNoSession(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 2000
	}
	e := newE2E(t, simConfig(time.Second), 1, nil)
	require.Equal(t, host.DefaultLimits(), e.srv.host.Limits())
	before := liveHeap()
	start := time.Now()
	ids := startScheduled(t, e, n, "557")
	took := time.Since(start)
	grown := int64(liveHeap()) - int64(before)
	st := e.srv.host.Stats()
	t.Logf("%d callbacks started through the GMS API in %v (%.0f a second); the live heap grew by %d MiB; "+
		"%d macrosteps isolated, %d waited %v in all",
		n, took.Round(time.Millisecond), float64(n)/took.Seconds(), grown>>20, st.Isolations, st.Gated, st.GateWait.Round(time.Millisecond))
	assert.Greater(t, grown, int64(host.DefaultLimits().Memory), "the heap grew by more than a session's limit")

	assert.Zero(t, st.Failed, "sessions ended by an error: %+v", st)
	for limit, count := range st.Breaches {
		assert.Zero(t, count, "limit %s breached", limit)
	}
	assert.Equal(t, n, e.srv.Sessions())
	for _, id := range ids {
		require.NotEmpty(t, id)
	}
	assert.NotContains(t, e.log.String(), "session limit exceeded")
	a := call(t, http.MethodGet, e.srv.URL()+"/metrics", nil, "")
	require.Equal(t, http.StatusOK, a.code)
	assert.Contains(t, a.raw, fmt.Sprintf("orca_memory_isolations_total %d\n", e.srv.host.Stats().Isolations))
	assert.Contains(t, a.raw, "orca_memory_gate_wait_seconds_total ")
}

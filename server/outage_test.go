package server

import (
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony/sim"
)

// TestNATSOutageWithCallsInFlight stops NATS for 10 seconds while
// callbacks talk with agents; the agents hang up meanwhile, so the
// switch's EventReleased of every call is published into the outage.
// Once the bus is back, the port queries the calls it holds and learns
// they were released: every callback ends COMPLETED with its final
// UserEvent. The reporting outbox is on disk.
func TestNATSOutageWithCallsInFlight(t *testing.T) {
	const n = 12
	scfg := simConfig(5 * time.Minute)
	scfg.Agents.Count = n
	outbox := filepath.Join(t.TempDir(), "outbox")
	e := newE2E(t, scfg, speed, func(c *Config) { c.NATS.OutboxDir = outbox })
	ids := make([]string, n)
	concurrently(n, func(i int) {
		ids[i] = e.request("immediate", url.Values{"_customer_number": {fmt.Sprintf("55503%02d", i)}})
	})
	for _, id := range ids {
		e.waitReports(id, 1, 20*time.Second)
		eventually(t, 20*time.Second, func() bool { return e.state(id)["_callback_state"] == "PROCESSING" }, "state %v", e.state(id))
	}

	e.nats.shutdown()
	// Every agent hangs up while the bus is down.
	eventually(t, 10*time.Second, func() bool {
		for _, c := range e.sim.Calls() {
			if !c.State.Ended() {
				return false
			}
		}
		return true
	}, "the simulator's calls did not end")
	ended := 0
	for _, c := range e.sim.Calls() {
		if c.State == sim.CallReleased {
			ended++
		}
	}
	require.Equal(t, n, ended)
	time.Sleep(10*time.Second - e.clock.Wall(5*time.Minute))
	e.nats.start()

	for _, id := range ids {
		checkReports(t, id, e.waitReports(id, 2, 30*time.Second), map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT"})
		eventually(t, 10*time.Second, func() bool { return e.state(id)["_callback_state"] == "COMPLETED" }, "state %v", e.state(id))
	}
	// The last attached-data updates may still be on their way.
	eventually(t, 10*time.Second, func() bool { return e.srv.Stats().Pending == 0 }, "outbox: %+v", e.srv.Stats())
	st := e.srv.Stats()
	assert.Zero(t, st.Failed)
	assert.DirExists(t, filepath.Join(outbox, "jetstream"))
	t.Logf("port after the outage: %+v", st)
}

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
	// The calls last 6 s of wall time: long enough for all of them to be
	// seen PROCESSING on a loaded machine, short enough to end during
	// the outage.
	const talk = 10 * time.Minute
	scfg := simConfig(talk)
	scfg.Agents.Count = n
	outbox := filepath.Join(t.TempDir(), "outbox")
	e := newE2E(t, scfg, speed, func(c *Config) { c.NATS.OutboxDir = outbox })
	ids := make([]string, n)
	concurrently(n, func(i int) {
		ids[i] = e.request("immediate", url.Values{"_customer_number": {fmt.Sprintf("55503%02d", i)}})
	})
	for _, id := range ids {
		e.waitReports(id, 1, 20*time.Second)
		e.waitState(t, id, "PROCESSING", 20*time.Second)
	}

	e.nats.shutdown()
	// Every agent hangs up while the bus is down.
	var open []string
	eventually(t, 20*time.Second, func() bool {
		open = open[:0]
		for _, c := range e.sim.Calls() {
			if !c.State.Ended() {
				open = append(open, fmt.Sprintf("%s to %s (%s, %v, from %v, of %d)", c.ConnID, c.DNIS, c.State, c.Events, c.Started, len(e.sim.Calls())))
			}
		}
		return len(open) == 0
	}, "the simulator's calls did not end: %v", &open)
	ended := 0
	for _, c := range e.sim.Calls() {
		if c.State == sim.CallReleased {
			ended++
		}
	}
	// Each callback's call; and on a loaded machine, a call the switch
	// placed too late for its attempt, which the callback released.
	require.GreaterOrEqual(t, ended, n)
	time.Sleep(10*time.Second - e.clock.Wall(talk))
	e.nats.start()

	for _, id := range ids {
		checkReports(t, id, e.waitReports(id, 2, 30*time.Second), map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT"})
		e.waitState(t, id, "COMPLETED", 10*time.Second)
	}
	// The last attached-data updates may still be on their way.
	eventually(t, 10*time.Second, func() bool { return e.srv.Stats().Pending == 0 }, "outbox: %+v", e.srv.Stats())
	st := e.srv.Stats()
	assert.Zero(t, st.Failed)
	assert.DirExists(t, filepath.Join(outbox, "jetstream"))
	t.Logf("port after the outage: %+v", st)
}

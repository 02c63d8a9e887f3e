package server

import (
	"math"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony/wire"
	"github.com/orca-scxml/orca/templates/reporting/audit"
)

// TestEndToEndStatistics runs callbacks through the GMS API against the
// simulator with one agent, so that their customers wait for it in the
// outbound virtual queue: the EWT, position and priority KVPs are those
// the simulator's queues give (every EWT and position sent is one the
// simulator answered on the bus), the virtual queue's configuration
// object is reported with it, and the callbacks pass the checker.
func TestEndToEndStatistics(t *testing.T) {
	scfg := simConfig(40 * time.Second)
	scfg.Agents.Count = 1
	e := newE2E(t, scfg, speed, func(c *Config) {
		c.Services = append(c.Services, ServiceConfig{Name: "stats", Template: "callback-immediate",
			Options: reportingOptions("_urs_call_priority", 7)})
		c.Queues = []QueueConfig{{Name: "VQ_Callback", DBID: 301}, {Name: "VQ_Callback_Outbound", DBID: 302},
			{Name: "VQ_Callback_Inbound", DBID: 303}}
	})
	// What the simulator answers, as a Stat Server's client would see it
	// on the bus.
	var mu sync.Mutex
	var answers []wire.Message
	nc := e.nats.connect(bridge.RoleOrca, "observer")
	// The answers to the server's questions, and the states of the
	// queues it opened.
	for _, subj := range []string{"orca.tel.*.rsp.*." + wire.EventInfo, "orca.tel.*.rsp.*." + wire.EventStatisticOpened,
		"orca.tel.*.stat.*." + wire.EventInfo} {
		sub, err := nc.Subscribe(subj, func(msg *nats.Msg) {
			m, err := wire.Decode(msg.Data)
			if err == nil {
				mu.Lock()
				answers = append(answers, m)
				mu.Unlock()
			}
		})
		require.NoError(t, err)
		defer sub.Unsubscribe()
	}
	require.NoError(t, nc.Flush())

	// A takes the agent; B waits for it until A is done (the queue's
	// first two distributions, about a handle time apart); C then waits
	// behind B's conversation, and D is offered a place behind C.
	until := func(id, state string) {
		t.Helper()
		e.waitState(t, id, state, 20*time.Second)
	}
	a := e.request("stats", url.Values{"_customer_number": {"5550301"}})
	until(a, "PROCESSING")
	b := e.request("stats", url.Values{"_customer_number": {"5550302"}})
	until(b, "ROUTING")
	until(b, "PROCESSING")
	c := e.request("stats", url.Values{"_customer_number": {"5550303"}})
	eventually(t, 20*time.Second, func() bool {
		st, _ := e.sim.QueueStat("VQ_Callback_Outbound")
		return st.Waiting == 1
	}, "C's customer never waited for the agent: %v", e.state(c))
	d := e.request("stats", url.Values{"_customer_number": {"5550304"}})
	ids := []string{a, b, c, d}

	finals := map[string]map[string]any{}
	for _, id := range ids {
		params := url.Values{}
		e.waitReports(id, 2, 30*time.Second)
		cb := e.audited(t, id, "stats", params)
		for _, v := range audit.Check(cb) {
			t.Errorf("audit %s: %v", id, v)
		}
		finals[id] = kvMap(cb.Events[1].Data)
	}
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, answers, "the server asked the simulator")

	// secs is how the reporter rounds a duration.
	secs := func(ms int64) int64 { return int64(math.Floor(float64(ms)/1000 + 0.5)) }
	// served says whether the simulator gave ewt and position for a
	// newcomer to queue (or an interaction waiting there).
	served := func(queue string, ewt, pos any) bool {
		for _, m := range answers {
			if m.Queue != queue {
				continue
			}
			if m.Position > 0 && int64(m.Position) == toInt(pos) && secs(m.IxnEWTMs) == toInt(ewt) {
				return true
			}
			if m.Position == 0 && int64(m.Waiting+1) == toInt(pos) && secs(m.EWTMs) == toInt(ewt) {
				return true
			}
			for i := range m.Queued {
				if int64(i+1) == toInt(pos) && secs(int64(i+1)*m.AQTMs) == toInt(ewt) {
					return true
				}
			}
		}
		return false
	}
	for _, id := range ids {
		f := finals[id]
		for _, k := range [][2]string{
			{"_CB_EWT_WHEN_CALLBACK_WAS_OFFERED", "_CB_POS_WHEN_CALLBACK_WAS_OFFERED"},
			{"_CB_EWT_WHEN_READY_TO_START_MEDIA_IXN", "_CB_POS_WHEN_READY_TO_START_MEDIA_IXN"},
			{"_CB_EWT_WHEN_READY_TO_START_LAST_MEDIA_IXN", "_CB_POS_WHEN_READY_TO_START_LAST_MEDIA_IXN"},
		} {
			require.Contains(t, f, k[0], id)
			require.Contains(t, f, k[1], id)
			assert.True(t, served("VQ_Callback_Outbound", f[k[0]], f[k[1]]), "callback %s: %s %v, %s %v: not what the simulator answered: %v",
				id, k[0], f[k[0]], k[1], f[k[1]], answers)
		}
		for _, k := range []string{"_CB_PRIORITY_WHEN_CALLBACK_ACCEPTED", "_CB_PRIORITY_WHEN_CUSTOMER_CONNECTED", "_CB_PRIORITY_AT_THE_END_OF_ONLINE_WAIT"} {
			assert.EqualValues(t, 7, f[k], "callback %s: %s", id, k)
		}
		assert.Equal(t, "VQ_Callback_Outbound", f["_CB_DIM_VQ"])
		assert.EqualValues(t, 302, f["_CB_DIM_VQ_DBID"], id)
		assert.EqualValues(t, 2, f["VQ_CFG_TYPE_ID"], id)
		assert.Equal(t, "CFGDN", f["VQ_CFG_TYPE"], id)
	}
	// D was offered a place behind C, who waited for the agent, with the
	// wait the queue's two distributions, a handle time apart, give.
	assert.EqualValues(t, 2, finals[d]["_CB_POS_WHEN_CALLBACK_WAS_OFFERED"], "%v\n%v", finals[d], answers)
	assert.Greater(t, toInt(finals[d]["_CB_EWT_WHEN_CALLBACK_WAS_OFFERED"]), int64(30), "two places of about 40 seconds' handle time")
	assert.EqualValues(t, 1, finals[a]["_CB_POS_WHEN_CALLBACK_WAS_OFFERED"], "an empty queue")
	assert.Empty(t, e.srv.Held())
}

// toInt returns an integer KVP value (-1 for anything else).
func toInt(v any) int64 {
	switch n := v.(type) {
	case int:
		return int64(n)
	case int64:
		return n
	case int32:
		return int64(n)
	}
	return -1
}

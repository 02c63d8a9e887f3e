package sim_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// statClient opens and closes statistics with raw messages and reads the
// answers and notifications.
type statClient struct {
	t       *testing.T
	nc      *nats.Conn
	inst    string
	answers chan wire.Message
	notices chan wire.Message
}

func newStatClient(t *testing.T, url, sw, queue string) *statClient {
	t.Helper()
	c := &statClient{t: t, nc: connect(t, url), inst: "orca-stat", answers: make(chan wire.Message, 100),
		notices: make(chan wire.Message, 100)}
	for subj, ch := range map[string]chan wire.Message{
		wire.ReplyFilter(c.inst): c.answers, wire.StatSubject(sw, queue, wire.EventInfo): c.notices} {
		sub, err := c.nc.Subscribe(subj, func(msg *nats.Msg) {
			m, err := wire.Decode(msg.Data)
			if !assert.NoError(t, err) {
				return // not FailNow: this is the NATS client's goroutine
			}
			ch <- m
		})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sub.Unsubscribe() })
	}
	require.NoError(t, c.nc.Flush())
	return c
}

func (c *statClient) request(sw, name, queue string) wire.Message {
	c.t.Helper()
	data, err := wire.Encode(wire.Message{Name: name, Switch: sw, Queue: queue, Origin: c.inst, ReferenceID: 1})
	require.NoError(c.t, err)
	require.NoError(c.t, c.nc.Publish(wire.RequestSubject(sw, name), data))
	return receive(c.t, c.answers)
}

// statConfig is baseConfig on switch sw with agents of group Sales who
// are not ready, so that submits wait, and notifications every notify.
func statConfig(sw string, notify time.Duration) sim.Config {
	cfg := baseConfig(sw)
	cfg.Agents.NotReady = 2
	cfg.Agents.Groups = []string{"Sales"}
	cfg.Switch.AnyDN = true
	cfg.Statistics.Notify = sim.Duration(notify)
	return cfg
}

func receive(t *testing.T, ch chan wire.Message) wire.Message {
	t.Helper()
	select {
	case m := <-ch:
		return m
	case <-time.After(5 * time.Second):
		require.FailNow(t, "nothing received")
		return wire.Message{}
	}
}

// TestOpenedStatistics: an opened queue's state comes with the answer,
// then after each change (coalesced within the notification interval),
// until the client closes it.
func TestOpenedStatistics(t *testing.T) {
	url := server(t)
	e := newEnv(t, url, statConfig("SW_Stat", 300*time.Millisecond))
	c := newStatClient(t, url, "SW_Stat", "VQ_Sales")

	m := c.request("SW_Stat", wire.RequestOpenStatistic, "VQ_Sales")
	assert.Equal(t, wire.EventStatisticOpened, m.Name)
	assert.Equal(t, "VQ_Sales", m.Queue)
	assert.Empty(t, m.Queued)
	assert.NotZero(t, m.Version)

	submit := func(conn string, prio int) {
		_, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(conn), Queue: "VQ_Sales",
			Route: "RP_1", Targets: []string{"Sales"}, Priority: prio})
		require.NoError(t, err)
	}
	// The coalesced notice comes an interval after the first, which comes
	// after the first submit: at least an interval after start.
	start := time.Now()
	submit("VIRT-1", 1)
	n := receive(t, c.notices)
	assert.Equal(t, wire.EventInfo, n.Name)
	assert.Equal(t, []wire.Queued{{ConnID: "VIRT-1", Priority: 1}}, n.Queued, "the first change at once")
	assert.Greater(t, n.Version, m.Version)
	submit("VIRT-2", 5)
	submit("VIRT-3", 1)
	notices := 0
	for n.Waiting != 3 {
		n = receive(t, c.notices)
		notices++
	}
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "notified before the interval passed")
	assert.Equal(t, 1, notices, "the changes within the interval together")
	assert.Equal(t, []string{"VIRT-2", "VIRT-1", "VIRT-3"}, []string{n.Queued[0].ConnID, n.Queued[1].ConnID, n.Queued[2].ConnID})

	m = c.request("SW_Stat", wire.RequestCloseStatistic, "VQ_Sales")
	assert.Equal(t, wire.EventStatisticClosed, m.Name)
	submit("VIRT-4", 1)
	e.wait(func() bool { st, _ := e.sim.QueueStat("VQ_Sales"); return st.Waiting == 4 })
	select {
	case n := <-c.notices:
		t.Fatalf("notified after the close: %+v", n)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestOpenedStatisticsLease: an opening not renewed within the lease is
// dropped.
func TestOpenedStatisticsLease(t *testing.T) {
	url := server(t)
	cfg := statConfig("SW_Lease", time.Millisecond)
	cfg.Statistics.Lease = sim.Duration(100 * time.Millisecond)
	e := newEnv(t, url, cfg)
	c := newStatClient(t, url, "SW_Lease", "VQ_Sales")
	assert.Equal(t, wire.EventStatisticOpened, c.request("SW_Lease", wire.RequestOpenStatistic, "VQ_Sales").Name)
	time.Sleep(150 * time.Millisecond)
	_, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: "VIRT-1", Queue: "VQ_Sales", Route: "RP_1",
		Targets: []string{"Sales"}})
	require.NoError(t, err)
	e.wait(func() bool { st, _ := e.sim.QueueStat("VQ_Sales"); return st.Waiting == 1 })
	select {
	case n := <-c.notices:
		t.Fatalf("notified after the lease: %+v", n)
	case <-time.After(200 * time.Millisecond):
	}
}

package bridge_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// startStatSim starts a simulator whose agents are not ready, so that
// submits wait, on srv.
func startStatSim(t *testing.T, srv *server, clock sim.Clock, notify time.Duration) *sim.Sim {
	t.Helper()
	return startStatSimOn(t, connect(t, srv, bridge.RoleSwitch), clock, notify)
}

// startStatSimOn is startStatSim on the connection nc.
func startStatSimOn(t *testing.T, nc *nats.Conn, clock sim.Clock, notify time.Duration) *sim.Sim {
	t.Helper()
	cfg := sim.DefaultConfig()
	cfg.Switch.Name, cfg.Switch.AnyDN = sw, true
	cfg.Clock = clock
	cfg.Agents.Count, cfg.Agents.NotReady = 2, 2
	cfg.Agents.Groups = []string{"Sales"}
	cfg.Statistics.Notify = sim.Duration(notify)
	s, err := sim.New(nc, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Start(ctx))
	t.Cleanup(s.Stop)
	return s
}

// statRig starts a simulator notifying every notify on a new server, and
// two ports on it, p and other, on the simulator's clock.
func statRig(t *testing.T, notify time.Duration) (srv *server, s *sim.Sim, p, other *bridge.Port) {
	t.Helper()
	srv = startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	s = startStatSim(t, srv, clock, notify)
	p, _ = newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now})
	other, _ = newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now})
	return srv, s, p, other
}

// submitSeen has other submit conn to VQ_Sales, and waits until the
// simulator s holds it and p reads it.
func submitSeen(t *testing.T, s *sim.Sim, other, p *bridge.Port, conn string) {
	t.Helper()
	_, err := other.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(conn), Queue: "VQ_Sales", Route: "RP_1",
		Targets: []string{"Sales"}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		w, ok, _ := s.Waiting("VQ_Sales", telephony.ConnID(conn))
		return ok && w.Position > 0
	}, 10*time.Second, 5*time.Millisecond, "the simulator never held %s", conn)
	require.Eventually(t, func() bool {
		st, err := p.QueueStat("VQ_Sales")
		want, _ := s.QueueStat("VQ_Sales")
		return err == nil && st.Waiting == want.Waiting
	}, 10*time.Second, 5*time.Millisecond, "%s was never notified", conn)
}

// countOn counts the messages on subject subj.
func countOn(t *testing.T, nc *nats.Conn, subj string) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	sub, err := nc.Subscribe(subj, func(*nats.Msg) { n.Add(1) })
	require.NoError(t, err)
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	require.NoError(t, nc.Flush())
	return &n
}

// TestPortStatisticsOpened: the port opens a queue's statistics at the
// first read and answers the next reads from the simulator's
// notifications, without a request; the changes of another instance
// arrive within the notification interval, the port's own submits count
// at once, and its interaction waits no more once its submit ended.
func TestPortStatisticsOpened(t *testing.T) {
	_, s, p, other := statRig(t, 20*time.Millisecond)
	clock := s.Clock().(*sim.ManualClock)

	st, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, telephony.QueueStat{Queue: "VQ_Sales"}, st)
	assert.Equal(t, uint64(1), p.Stats().StatOpens)

	// Another instance's submits reach the port by notification.
	submit := func(port *bridge.Port, conn string, prio int) {
		_, err := port.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(conn), Queue: "VQ_Sales",
			Route: "RP_1", Targets: []string{"Sales@Stat.GA"}, Priority: prio})
		require.NoError(t, err)
	}
	submit(other, "VIRT-1", 1)
	submit(other, "VIRT-2", 5)
	require.Eventually(t, func() bool {
		w, ok, err := p.Waiting("VQ_Sales", "VIRT-1")
		return err == nil && ok && w.Position == 2
	}, 5*time.Second, 5*time.Millisecond, "the other instance's submits were never notified")
	st, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 2, st.Waiting)
	w, ok, err := p.Waiting("VQ_Sales", "VIRT-2")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, telephony.Waiting{Position: 1, Priority: 5}, w)
	clock.Advance(10 * time.Second)
	w, _, err = p.Waiting("VQ_Sales", "VIRT-2")
	require.NoError(t, err)
	assert.Equal(t, 10*time.Second, w.Waited, "the time waited moves on")
	assert.Zero(t, p.Stats().StatRequests, "no read was asked")

	// The port's own submit counts at once; its place is asked once,
	// until a notification lists it.
	submit(p, "VIRT-3", 1)
	st, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 3, st.Waiting, "the port's own submit")
	w, ok, err = p.Waiting("VQ_Sales", "VIRT-3")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, 3, w.Position)
	require.Eventually(t, func() bool {
		st, _ := p.QueueStat("VQ_Sales")
		return p.Stats().StatNotices >= 2 && st.Waiting == 3
	}, 5*time.Second, 5*time.Millisecond)

	// The agents take VIRT-2 and VIRT-1: the port's VIRT-3 is next.
	require.NoError(t, s.SetReady("Agent1", true))
	require.NoError(t, s.SetReady("Agent2", true))
	require.Eventually(t, func() bool {
		w, ok, err := p.Waiting("VQ_Sales", "VIRT-3")
		st, _ := p.QueueStat("VQ_Sales")
		return err == nil && ok && w.Position == 1 && st.Waiting == 1 && st.Distributed == 2
	}, 5*time.Second, 5*time.Millisecond)
	asked := p.Stats().StatRequests
	assert.LessOrEqual(t, asked, uint64(1), "only the own submit's place was asked")
}

// TestPortStatisticsOwnSubmitEnded: an interaction of the port whose
// submit the port saw end waits no more at once, before any notification.
func TestPortStatisticsOwnSubmitEnded(t *testing.T) {
	srv := startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	s := startStatSim(t, srv, clock, time.Hour) // one notification, then none
	p, events := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now})
	_, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	_, err = p.SubmitToQueue(telephony.QueueSubmit{ConnID: "VIRT-1", Queue: "VQ_Sales", Route: "RP_1",
		Targets: []string{"Sales"}})
	require.NoError(t, err)
	w, ok, err := p.Waiting("VQ_Sales", "VIRT-1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, 1, w.Position)
	require.NoError(t, s.SetReady("Agent1", true))
	assert.Equal(t, telephony.EventTargetSelected, events.next(t, 1)[0].Type)
	_, ok, err = p.Waiting("VQ_Sales", "VIRT-1")
	require.NoError(t, err)
	assert.False(t, ok, "its submit ended")
	st, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 0, st.Waiting)
}

// TestPortStatisticsCoalesced: many changes of a queue within the
// notification interval are notified a few times, not once each, and the
// last notification holds the last state.
func TestPortStatisticsCoalesced(t *testing.T) {
	srv := startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	s := startStatSim(t, srv, clock, 300*time.Millisecond)
	notices := countOn(t, connect(t, srv, bridge.RoleReader), wire.StatSubject(sw, "VQ_Sales", wire.EventInfo))
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now})
	other, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now})
	_, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	const n = 30
	for i := range n {
		_, err := other.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID("VIRT-" + string(rune('A'+i))),
			Queue: "VQ_Sales", Route: "RP_1", Targets: []string{"Sales"}})
		require.NoError(t, err)
	}
	require.Eventually(t, func() bool {
		st, _ := s.QueueStat("VQ_Sales")
		return st.Waiting == n
	}, 5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool {
		st, err := p.QueueStat("VQ_Sales")
		return err == nil && st.Waiting == n
	}, 5*time.Second, 5*time.Millisecond, "the last state was never notified")
	assert.Less(t, notices.Load(), int64(n/2), "one notification per change")
	assert.Zero(t, p.Stats().StatRequests)
}

// TestPortStatisticsFallBack: a switch side that answers
// RequestGetStatistic but not RequestOpenStatistic (an adapter, an older
// simulator) is asked at each read.
func TestPortStatisticsFallBack(t *testing.T) {
	srv := startServer(t)
	var waiting atomic.Int64
	startResponder(t, connect(t, srv, bridge.RoleSwitch), func(r *sim.Responder, req wire.Message) error {
		if req.Name != wire.RequestGetStatistic {
			return r.Answer(req, wire.Message{Name: string(telephony.EventError), ErrorCode: 1,
				ErrorMessage: "unknown request " + req.Name})
		}
		return r.Answer(req, wire.InfoMessage(telephony.QueueStat{Queue: req.Queue, Waiting: int(waiting.Add(1))},
			telephony.Waiting{}, false))
	})
	var errs atomic.Int64
	p, events := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw,
		OnError:    func(error) { errs.Add(1) },
		Statistics: bridge.StatOptions{MaxAge: -1}})
	for i := 1; i <= 3; i++ {
		st, err := p.QueueStat("VQ_Sales")
		require.NoError(t, err)
		assert.Equal(t, i, st.Waiting, "asked at each read")
	}
	assert.Equal(t, uint64(1), p.Stats().StatOpens, "opening is not tried again at once")
	assert.Equal(t, uint64(3), p.Stats().StatRequests)
	assert.Equal(t, int64(1), errs.Load(), "the failed opening is reported once")
	events.quiet(t)
}

// TestPortStatisticsSwitchRestarted: a simulator that starts announces it,
// and the port opens its statistics again on the new one.
func TestPortStatisticsSwitchRestarted(t *testing.T) {
	srv := startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	s1 := startStatSim(t, srv, clock, 10*time.Millisecond)
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now})
	_, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	s1.Stop()
	s2 := startStatSim(t, srv, clock, 10*time.Millisecond)
	require.Eventually(t, func() bool { return p.Stats().StatOpens == 2 }, 5*time.Second, 5*time.Millisecond,
		"the statistics were not opened again")
	other, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now})
	submitSeen(t, s2, other, p, "VIRT-1")
	assert.Zero(t, p.Stats().StatRequests)
}

// TestPortStatisticsClosedWhenUnused: a statistic not read for CloseAfter
// is closed.
func TestPortStatisticsClosedWhenUnused(t *testing.T) {
	srv := startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	startStatSim(t, srv, clock, 10*time.Millisecond)
	closes := countOn(t, connect(t, srv, bridge.RoleSwitch), wire.RequestSubject(sw, wire.RequestCloseStatistic))
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now,
		Statistics: bridge.StatOptions{CloseAfter: 200 * time.Millisecond}})
	_, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return closes.Load() == 1 }, 5*time.Second, 10*time.Millisecond)
	_, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, uint64(2), p.Stats().StatOpens, "read again, opened again")
}

// TestPortStatisticsReconnected: after the bus came back, the port opens
// its statistics again (the switch side may have restarted meanwhile,
// or dropped the opening), and the changes made while it was away reach
// it.
func TestPortStatisticsReconnected(t *testing.T) {
	srv := startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	conns := []*nats.Conn{connect(t, srv, bridge.RoleSwitch), connect(t, srv, bridge.RoleOrca), connect(t, srv, bridge.RoleOrca)}
	s := startStatSimOn(t, conns[0], clock, 10*time.Millisecond)
	p, _ := newPort(t, conns[1], bridge.PortOptions{Switch: sw, Now: clock.Now})
	other, _ := newPort(t, conns[2], bridge.PortOptions{Switch: sw, Now: clock.Now})
	_, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)

	srv.stop()
	srv.start()
	require.Eventually(t, func() bool { return p.Stats().StatOpens >= 2 }, 10*time.Second, 10*time.Millisecond,
		"the statistics were not opened again after the reconnection")
	// The switch side and the ports come back in any order; a submit
	// made before the switch side's subscriptions are back would reach
	// nobody, as on a real bus. Flush: the server has read them.
	require.Eventually(t, func() bool {
		for _, nc := range conns {
			if !nc.IsConnected() || nc.Flush() != nil {
				return false
			}
		}
		return true
	}, 10*time.Second, 10*time.Millisecond, "a connection did not come back")
	submitSeen(t, s, other, p, "VIRT-1")
}

// TestPortStatisticsClosedWithThePort: a port that closes closes its
// statistics.
func TestPortStatisticsClosedWithThePort(t *testing.T) {
	srv := startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	startStatSim(t, srv, clock, 10*time.Millisecond)
	closes := countOn(t, connect(t, srv, bridge.RoleSwitch), wire.RequestSubject(sw, wire.RequestCloseStatistic))
	p, err := bridge.NewPort(connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now, Outbox: fastOutbox()})
	require.NoError(t, err)
	_, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	_, err = p.QueueStat("VQ_Other")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, p.Close(ctx))
	require.Eventually(t, func() bool { return closes.Load() == 2 }, 5*time.Second, 10*time.Millisecond)
}

// TestPortStatisticsOpenedOutlastAMissingAnswer: a question about an
// interaction of the port's own that goes unanswered does not stop the
// port answering from its opened statistics.
func TestPortStatisticsOpenedOutlastAMissingAnswer(t *testing.T) {
	srv := startServer(t)
	startResponder(t, connect(t, srv, bridge.RoleSwitch), func(r *sim.Responder, req wire.Message) error {
		if req.Name != wire.RequestOpenStatistic {
			return nil // RequestGetStatistic and the submit go unanswered
		}
		return r.Answer(req, wire.QueueMessage(wire.EventStatisticOpened, telephony.QueueStat{Queue: req.Queue}, nil, 1))
	})
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw,
		Statistics: bridge.StatOptions{Timeout: 50 * time.Millisecond}})
	_, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	_, err = p.SubmitToQueue(telephony.QueueSubmit{ConnID: "VIRT-1", Queue: "VQ_Sales", Targets: []string{"Sales"}})
	require.NoError(t, err)
	_, _, err = p.Waiting("VQ_Sales", "VIRT-1")
	require.ErrorIs(t, err, telephony.ErrNoStatistics, "its place was asked and not answered")
	st, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 1, st.Waiting, "the opened statistics, with the port's own submit")
}

// TestPortStatisticsAFailedOpeningLeavesTheOthersOpen: a queue whose
// opening fails is asked at each read; the queues opened before are still
// read from their states.
func TestPortStatisticsAFailedOpeningLeavesTheOthersOpen(t *testing.T) {
	srv := startServer(t)
	startResponder(t, connect(t, srv, bridge.RoleSwitch), func(r *sim.Responder, req wire.Message) error {
		switch {
		case req.Name == wire.RequestOpenStatistic && req.Queue == "VQ_Sales":
			return r.Answer(req, wire.QueueMessage(wire.EventStatisticOpened, telephony.QueueStat{Queue: req.Queue, Waiting: 2}, nil, 1))
		case req.Name == wire.RequestGetStatistic:
			return r.Answer(req, wire.InfoMessage(telephony.QueueStat{Queue: req.Queue, Waiting: 5}, telephony.Waiting{}, false))
		}
		return r.Answer(req, wire.Message{Name: string(telephony.EventError), ErrorCode: 1, ErrorMessage: "no such statistic"})
	})
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, OnError: func(error) {},
		Statistics: bridge.StatOptions{MaxAge: -1}})
	st, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 2, st.Waiting)
	st, err = p.QueueStat("VQ_Other")
	require.NoError(t, err)
	assert.Equal(t, 5, st.Waiting, "asked")
	st, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 2, st.Waiting)
	assert.Equal(t, uint64(1), p.Stats().StatRequests, "only the queue that could not be opened is asked")
}

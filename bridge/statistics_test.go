package bridge_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestPortStatisticsFromTheSimulator asks the simulator, through a port
// that asks at every read (StatOptions.Ask),
// for the state of a virtual queue whose submits wait for an agent: the
// port reports what the simulator's queues hold, as Stat Server would.
func TestPortStatisticsFromTheSimulator(t *testing.T) {
	srv := startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	cfg := sim.DefaultConfig()
	cfg.Switch.Name, cfg.Switch.AnyDN = sw, true
	cfg.Clock = clock
	cfg.Agents.Count, cfg.Agents.NotReady = 2, 2
	cfg.Agents.Groups = []string{"Sales"}
	s, err := sim.New(connect(t, srv, bridge.RoleSwitch), cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Start(ctx))
	t.Cleanup(s.Stop)
	p, events := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now,
		Statistics: bridge.StatOptions{MaxAge: -1, Ask: true}})

	st, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, telephony.QueueStat{Queue: "VQ_Sales"}, st, "a queue nobody submitted to is empty")

	// Three interactions wait, the last with a higher priority.
	n := 0
	submit := func(conn string, prio int) {
		_, err := p.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(conn), Queue: "VQ_Sales", Route: "RP_1",
			Targets: []string{"Sales@Stat.GA"}, Priority: prio})
		require.NoError(t, err)
		n++
		require.NoError(t, s.Wait(ctx, func() bool { st, _ := s.QueueStat("VQ_Sales"); return st.Waiting == n }))
	}
	submit("VIRT-1", 1)
	clock.Advance(10 * time.Second)
	submit("VIRT-2", 1)
	submit("VIRT-3", 5)
	clock.Advance(20 * time.Second)

	st, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 3, st.Waiting)
	w, ok, err := p.Waiting("VQ_Sales", "VIRT-1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, telephony.Waiting{Position: 2, Priority: 1, Waited: 30 * time.Second}, w, "behind the higher priority")
	_, ok, err = p.Waiting("VQ_Sales", "VIRT-9")
	require.NoError(t, err)
	assert.False(t, ok)

	// Two agents take two of them, 15 seconds apart: the average
	// quitting time is 15s, the EWT of the one left 15s, a newcomer's 30s.
	require.NoError(t, s.SetReady("Agent1", true))
	assert.Equal(t, "VIRT-3", string(events.next(t, 1)[0].ConnID), "the higher priority first")
	clock.Advance(15 * time.Second)
	require.NoError(t, s.SetReady("Agent2", true))
	assert.Equal(t, "VIRT-1", string(events.next(t, 1)[0].ConnID))

	want, ok, err := s.Waiting("VQ_Sales", "VIRT-2")
	require.NoError(t, err)
	require.True(t, ok)
	w, ok, err = p.Waiting("VQ_Sales", "VIRT-2")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, want, w, "the simulator's own figures")
	assert.Equal(t, 1, w.Position)
	st, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 1, st.Waiting)
	assert.Equal(t, 2, st.Distributed)
	assert.Equal(t, 15*time.Second, st.AQT)
	assert.Equal(t, 30*time.Second, st.EWT)
	assert.Equal(t, 15*time.Second, w.EWT)
}

// TestPortStatisticsCacheAndMissingSource: asked answers are reused for a while
// of the port's clock (the time waited moving on), and a switch side that
// serves no statistics makes every question answer "none" at once, told
// once.
func TestPortStatisticsCacheAndMissingSource(t *testing.T) {
	srv := startServer(t)
	clock := sim.NewManualClock(time.Unix(1_700_000_000, 0))
	cfg := sim.DefaultConfig()
	cfg.Switch.Name, cfg.Switch.AnyDN = sw, true
	cfg.Clock = clock
	cfg.Agents.Count, cfg.Agents.NotReady = 1, 1
	cfg.Agents.Groups = []string{"Sales"}
	s, err := sim.New(connect(t, srv, bridge.RoleSwitch), cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Start(ctx))
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now,
		Statistics: bridge.StatOptions{MaxAge: 5 * time.Second, Ask: true}})
	_, err = p.SubmitToQueue(telephony.QueueSubmit{ConnID: "VIRT-1", Queue: "VQ_Sales", Targets: []string{"Sales"}})
	require.NoError(t, err)
	require.NoError(t, s.Wait(ctx, func() bool { st, _ := s.QueueStat("VQ_Sales"); return st.Waiting == 1 }))

	w, ok, err := p.Waiting("VQ_Sales", "VIRT-1")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Zero(t, w.Waited)
	before := p.Stats().StatRequests
	clock.Advance(3 * time.Second)
	w, _, err = p.Waiting("VQ_Sales", "VIRT-1")
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, w.Waited, "the time waited moves on")
	st, err := p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 1, st.Waiting)
	assert.Equal(t, before, p.Stats().StatRequests, "answered from the last answer")
	clock.Advance(3 * time.Second)
	_, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, before+1, p.Stats().StatRequests, "an answer older than MaxAge is asked again")
	// A submit of the port changes the queue: the answer is not reused.
	_, err = p.SubmitToQueue(telephony.QueueSubmit{ConnID: "VIRT-2", Queue: "VQ_Sales", Targets: []string{"Sales"}})
	require.NoError(t, err)
	st, err = p.QueueStat("VQ_Sales")
	require.NoError(t, err)
	assert.Equal(t, 2, st.Waiting, "asked after the submit, answered after it")
	assert.Equal(t, before+2, p.Stats().StatRequests)

	// No switch side answers: "none", told once, at once after the first.
	s.Stop()
	var mu sync.Mutex
	var told []error
	q, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Now: clock.Now,
		Statistics: bridge.StatOptions{Timeout: 50 * time.Millisecond, OnMissing: func(err error) {
			mu.Lock()
			told = append(told, err)
			mu.Unlock()
		}}})
	start := time.Now()
	_, err = q.QueueStat("VQ_Sales")
	require.ErrorIs(t, err, telephony.ErrNoStatistics)
	assert.Less(t, time.Since(start), time.Second)
	start = time.Now()
	for range 10 {
		_, _, err = q.Waiting("VQ_Sales", "VIRT-1")
		require.True(t, errors.Is(err, telephony.ErrNoStatistics), "%v", err)
	}
	assert.Less(t, time.Since(start), 20*time.Millisecond, "a missing source is not asked again at once")
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, told, 1)
	assert.Contains(t, told[0].Error(), "no statistic source answers on switch SIP_Switch")
}

// TestPortStatisticsUnknownToTheSwitch: a switch side that knows neither
// RequestOpenStatistic nor RequestGetStatistic answers EventError to
// both, which makes the source missing, and the errors reach no handler
// of the port.
func TestPortStatisticsUnknownToTheSwitch(t *testing.T) {
	srv := startServer(t)
	startFake(t, connect(t, srv, bridge.RoleSwitch))
	p, events := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw})
	_, err := p.QueueStat("VQ_Sales")
	require.ErrorIs(t, err, telephony.ErrNoStatistics)
	assert.Contains(t, err.Error(), "the switch answered EventError")
	events.quiet(t)
}

// TestPortStatisticsAnswerAfterAQueueChange: a question in flight when the
// port sees a queue change is asked again by the next caller, and the
// first question's waiters still get its answer as soon as it comes (not
// at the timeout, and without making the source missing).
func TestPortStatisticsAnswerAfterAQueueChange(t *testing.T) {
	srv := startServer(t)
	held := make(chan wire.Message, 4)
	r := startResponder(t, connect(t, srv, bridge.RoleSwitch), func(_ *sim.Responder, req wire.Message) error {
		if req.Name == wire.RequestGetStatistic {
			held <- req
		}
		return nil
	})
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw,
		Statistics: bridge.StatOptions{Timeout: 5 * time.Second, MaxAge: -1, Ask: true}})
	type answer struct {
		st  telephony.QueueStat
		err error
	}
	ask := func() <-chan answer {
		c := make(chan answer, 1)
		go func() {
			st, err := p.QueueStat("VQ_Sales")
			c <- answer{st, err}
		}()
		return c
	}
	request := func() wire.Message {
		select {
		case req := <-held:
			return req
		case <-time.After(5 * time.Second):
			t.Fatal("no RequestGetStatistic reached the switch side")
			return wire.Message{}
		}
	}
	first := ask()
	req1 := request()
	_, err := p.SubmitToQueue(telephony.QueueSubmit{ConnID: "VIRT-1", Queue: "VQ_Sales", Targets: []string{"Sales"}})
	require.NoError(t, err)
	second := ask()
	req2 := request()
	assert.NotEqual(t, req1.ReferenceID, req2.ReferenceID, "asked again after the change")

	require.NoError(t, r.Answer(req1, wire.InfoMessage(telephony.QueueStat{Queue: "VQ_Sales"}, telephony.Waiting{}, false)))
	select {
	case a := <-first:
		require.NoError(t, a.err)
		assert.Equal(t, 0, a.st.Waiting)
	case <-time.After(2 * time.Second):
		t.Fatal("the answer to the first question did not reach its caller")
	}
	require.NoError(t, r.Answer(req2, wire.InfoMessage(telephony.QueueStat{Queue: "VQ_Sales", Waiting: 1}, telephony.Waiting{}, false)))
	a := <-second
	require.NoError(t, a.err)
	assert.Equal(t, 1, a.st.Waiting)
	assert.Equal(t, uint64(2), p.Stats().StatRequests)
}

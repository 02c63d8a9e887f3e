package bridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
)

// outage is a simulator and a port on a server the test stops and starts
// again. Who reconnects first decides what is lost: a switch that is back
// first publishes what it buffered before the port listens again; a port
// that is back first sends its requests before the switch listens.
type outage struct {
	t     *testing.T
	srv   *server
	clock *sim.ManualClock
	sim   *sim.Sim
	port  *bridge.Port
	evs   *collector
}

func newOutage(t *testing.T, simWait, portWait time.Duration) *outage {
	t.Helper()
	o := &outage{t: t, srv: startServer(t), clock: sim.NewManualClock(time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC))}
	o.startSim(simWait)
	opts := o.srv.creds().Connect(bridge.RoleOrca)
	opts.ReconnectWait = portWait
	nc, err := bridge.Connect(o.srv.url, opts)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	o.port, o.evs = newPort(t, nc, bridge.PortOptions{Switch: sw, CustomerID: "Environment"})
	return o
}

func (o *outage) startSim(wait time.Duration) {
	o.t.Helper()
	opts := o.srv.creds().Connect(bridge.RoleSwitch)
	opts.ReconnectWait = wait
	nc, err := bridge.Connect(o.srv.url, opts)
	require.NoError(o.t, err)
	o.t.Cleanup(nc.Close)
	cfg := sim.DefaultConfig()
	cfg.Switch.Name = sw
	cfg.Clock = o.clock
	s, err := sim.New(nc, cfg)
	require.NoError(o.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(o.t, s.Start(ctx))
	o.t.Cleanup(s.Stop)
	o.sim = s
}

// next returns the next call event of the port, skipping agent events.
func (o *outage) next() telephony.Event {
	o.t.Helper()
	for {
		ev := o.evs.next(o.t, 1)[0]
		if ev.Type == "EventAgentLogin" || ev.Type == "EventAgentReady" || ev.Type == "EventAgentNotReady" {
			continue
		}
		return ev
	}
}

// established makes a call the customer answers after 1s and returns it
// once the port has its EventEstablished.
func (o *outage) established(number string) telephony.ConnID {
	o.t.Helper()
	o.sim.Script(number, sim.Outcome{Result: sim.ResultAnswer, Ring: time.Second})
	ref, err := o.port.MakeCall(telephony.MakeCall{ThisDN: "RP_Callback", Destination: number})
	require.NoError(o.t, err)
	o.waitTimers(1)
	o.clock.Advance(time.Second)
	d := o.next()
	require.Equal(o.t, telephony.EventDialing, d.Type)
	require.Equal(o.t, ref, d.ReferenceID)
	assert.Equal(o.t, telephony.EventCallProgress, o.next().Type)
	assert.Equal(o.t, telephony.EventEstablished, o.next().Type)
	return d.ConnID
}

func (o *outage) waitTimers(n int) {
	o.t.Helper()
	require.Eventually(o.t, func() bool { return o.clock.Pending() >= n }, 5*time.Second, time.Millisecond)
}

// calm checks that only agent events arrive for a while.
func (o *outage) calm() {
	o.t.Helper()
	deadline := time.After(300 * time.Millisecond)
	for {
		select {
		case ev := <-o.evs.ch:
			if ev.Type != "EventAgentLogin" && ev.Type != "EventAgentReady" && ev.Type != "EventAgentNotReady" {
				o.t.Errorf("unexpected event %v", ev)
			}
		case <-deadline:
			return
		}
	}
}

func TestResyncAfterOutage(t *testing.T) {
	t.Run("a call released while the port was away", func(t *testing.T) {
		o := newOutage(t, 10*time.Millisecond, 300*time.Millisecond)
		conn := o.established("5551001")
		o.srv.stop()
		require.NoError(t, o.sim.Hangup(string(conn)))
		o.srv.start()
		ev := o.next()
		assert.Equal(t, telephony.EventReleased, ev.Type)
		assert.Equal(t, conn, ev.ConnID)
		o.calm()
		assert.Positive(t, o.port.Stats().Queried)
	})
	t.Run("a make call answered while the port was away", func(t *testing.T) {
		o := newOutage(t, 10*time.Millisecond, 300*time.Millisecond)
		o.sim.Script("5551002", sim.Outcome{Result: sim.ResultBusy, Ring: time.Second})
		ref, err := o.port.MakeCall(telephony.MakeCall{ThisDN: "RP_Callback", Destination: "5551002"})
		require.NoError(t, err)
		o.waitTimers(1)
		o.srv.stop()
		o.clock.Advance(time.Second)
		o.srv.start()
		d := o.next()
		assert.Equal(t, telephony.EventDialing, d.Type)
		assert.Equal(t, ref, d.ReferenceID)
		assert.Equal(t, "Busy", d.CallResult)
		assert.Equal(t, telephony.EventCallProgress, o.next().Type)
		r := o.next()
		assert.Equal(t, telephony.EventReleased, r.Type)
		assert.Equal(t, d.ConnID, r.ConnID)
		o.calm()
	})
	t.Run("a switch that forgot the call", func(t *testing.T) {
		o := newOutage(t, 10*time.Millisecond, 300*time.Millisecond)
		conn := o.established("5551003")
		o.srv.stop()
		o.sim.Stop()
		o.srv.start()
		o.startSim(10 * time.Millisecond)
		ev := o.next()
		assert.Equal(t, telephony.EventReleased, ev.Type)
		assert.Equal(t, conn, ev.ConnID)
		assert.Equal(t, "RP_Callback", ev.ThisDN)
		o.calm()
		assert.Equal(t, uint64(1), o.port.Stats().Recovered)
	})
	t.Run("a make call the switch never saw", func(t *testing.T) {
		o := newOutage(t, time.Second, 10*time.Millisecond)
		o.srv.stop()
		ref, err := o.port.MakeCall(telephony.MakeCall{ThisDN: "RP_Callback", Destination: "5551004"})
		require.NoError(t, err)
		o.srv.start()
		ev := o.next()
		assert.Equal(t, telephony.EventError, ev.Type)
		assert.Equal(t, ref, ev.ReferenceID)
		assert.Equal(t, telephony.ErrCodeNoSuchCall, ev.ErrorCode)
		assert.Contains(t, ev.ErrorMessage, "lost")
		o.calm()
	})
	t.Run("no query without an outage, no event twice", func(t *testing.T) {
		o := newOutage(t, 10*time.Millisecond, 10*time.Millisecond)
		conn := o.established("5551005")
		require.NoError(t, o.sim.Hangup(string(conn)))
		assert.Equal(t, telephony.EventReleased, o.next().Type)
		o.calm()
		assert.Zero(t, o.port.Stats().Queried)
	})
}

// TestResyncWithASwitchThatCannotQuery: a switch that answers
// RequestQueryCall with an error other than "no such call" ends no call.
func TestResyncWithASwitchThatCannotQuery(t *testing.T) {
	srv := startServer(t)
	f := startFake(t, connect(t, srv, bridge.RoleSwitch))
	p, evs := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw})
	_, err := p.MakeCall(telephony.MakeCall{ThisDN: "RP_1", Destination: "5551234"})
	require.NoError(t, err)
	assert.Equal(t, []telephony.EventType{telephony.EventDialing, telephony.EventEstablished}, types(evs.next(t, 2)))
	srv.stop()
	srv.start()
	require.Eventually(t, func() bool {
		for _, r := range f.requests() {
			if r.Name == "RequestQueryCall" {
				return true
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond, "no query after the reconnection")
	evs.quiet(t)
	assert.Zero(t, p.Stats().Recovered)
}

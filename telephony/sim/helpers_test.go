package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
)

// start is the virtual time the tests' simulators start at.
var start = time.Date(2012, 9, 28, 7, 34, 20, 757000000, time.UTC)

// server starts an embedded NATS server with JetStream for the test and
// returns its URL.
func server(t *testing.T) string {
	t.Helper()
	url, shutdown, err := bridge.StartEmbedded(bridge.Options{DataDir: t.TempDir(), JetStream: true})
	require.NoError(t, err)
	t.Cleanup(shutdown)
	return url
}

func connect(t *testing.T, url string) *nats.Conn {
	t.Helper()
	nc, err := bridge.Connect(url, bridge.ConnectOptions{ReconnectWait: 20 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// env is a simulator on a manual clock and an Orca-side port registered
// on every DN of its switch.
type env struct {
	t     *testing.T
	sim   *sim.Sim
	clock *sim.ManualClock
	port  *bridge.Port
	evs   chan telephony.Event
}

// baseConfig is the tests' scenario on switch sw: two agents with 1s to
// answer, 30s of talk and no wrap-up, customers who answer after 2s.
func baseConfig(sw string) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Switch.Name = sw
	cfg.Agents.Count = 2
	cfg.Agents.Answer = sim.Span{Min: time.Second, Max: time.Second}
	cfg.Agents.Handle = sim.Span{Min: 30 * time.Second, Max: 30 * time.Second}
	cfg.Customers.Ring = sim.Span{Min: 2 * time.Second, Max: 2 * time.Second}
	return cfg
}

func newEnv(t *testing.T, url string, cfg sim.Config) *env {
	t.Helper()
	e := &env{t: t, clock: sim.NewManualClock(start), evs: make(chan telephony.Event, 1000)}
	cfg.Clock = e.clock
	cfg.OnError = func(err error) { t.Logf("sim: %v", err) }
	s, err := sim.New(connect(t, url), cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Start(ctx))
	t.Cleanup(s.Stop)
	e.sim = s
	p, err := bridge.NewPort(connect(t, url), bridge.PortOptions{Switch: cfg.Switch.Name, CustomerID: "Environment", DNs: []string{"*"},
		Outbox: bridge.OutboxOptions{AckWait: 500 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond}})
	require.NoError(t, err)
	t.Cleanup(p.Subscribe(func(ev telephony.Event) { e.evs <- ev }))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	e.port = p
	return e
}

// next returns the next event that is not an agent event or a copy of
// an earlier one, failing after a few seconds.
func (e *env) next() telephony.Event {
	e.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev := <-e.evs:
			switch ev.Type {
			case bridge.EventAgentLogin, bridge.EventAgentLogout, bridge.EventAgentReady, bridge.EventAgentNotReady:
				continue
			}
			return ev
		case <-timeout:
			require.FailNow(e.t, "no event")
		}
	}
}

// expect reads events until one of type typ for conn ("" any) arrives,
// and returns it; the others it passes are returned too.
func (e *env) expect(typ telephony.EventType, conn string) (telephony.Event, []telephony.Event) {
	e.t.Helper()
	var passed []telephony.Event
	for {
		ev := e.next()
		if ev.Type == typ && (conn == "" || string(ev.ConnID) == conn) {
			return ev, passed
		}
		passed = append(passed, ev)
	}
}

// quiet checks that no call event arrives for a short while.
func (e *env) quiet() {
	e.t.Helper()
	deadline := time.After(150 * time.Millisecond)
	for {
		select {
		case ev := <-e.evs:
			switch ev.Type {
			case bridge.EventAgentLogin, bridge.EventAgentLogout, bridge.EventAgentReady, bridge.EventAgentNotReady:
				continue
			}
			e.t.Errorf("unexpected event %v", ev)
		case <-deadline:
			return
		}
	}
}

// wait waits for a condition on the simulator.
func (e *env) wait(cond func() bool) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(e.t, e.sim.Wait(ctx, cond))
}

// waitTimers waits until the simulator has n delays pending, so that
// advancing the clock reaches them.
func (e *env) waitTimers(n int) {
	e.t.Helper()
	require.Eventually(e.t, func() bool { return e.clock.Pending() >= n }, 5*time.Second, time.Millisecond)
}

// dial makes a call to number that the script answers after 2s, and
// returns its ConnID once established.
func (e *env) dial(number string, patience time.Duration) string {
	e.t.Helper()
	e.sim.Script(number, sim.Outcome{Result: sim.ResultAnswer, Ring: 2 * time.Second, Patience: patience})
	_, err := e.port.MakeCall(telephony.MakeCall{ThisDN: "RP_Callback", Destination: number})
	require.NoError(e.t, err)
	e.wait(func() bool { return hasCall(e.sim, number) })
	e.clock.Advance(2 * time.Second)
	ev, _ := e.expect(telephony.EventEstablished, "")
	return string(ev.ConnID)
}

func hasCall(s *sim.Sim, number string) bool {
	for _, c := range s.Calls() {
		if c.OtherDN == number && c.State == sim.CallDialing {
			return true
		}
	}
	return false
}

// telephonyCall is the i-th make call of a test.
func telephonyCall(i int) telephony.MakeCall {
	return telephony.MakeCall{ThisDN: "RP_Callback", Destination: "555000" + string(rune('0'+i))}
}

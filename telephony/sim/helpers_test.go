package sim_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// start is the virtual time the tests' simulators start at.
var start = time.Date(2012, 9, 28, 7, 34, 20, 757000000, time.UTC)

// server starts an in-process NATS server with JetStream on loopback for
// the test and returns its URL.
func server(t testing.TB) string {
	t.Helper()
	s, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: natsserver.RANDOM_PORT,
		JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(5*time.Second), "NATS server not ready")
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.ClientURL()
}

func connect(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// client is Orca's side of the wire, as small as the tests need: it sends
// requests as package wire defines them (reporting requests to JetStream
// with a message id) and delivers the answers to its instance and the
// broadcast events of every DN, skipping broadcast copies of its own
// answers and clearing the ReferenceID of other instances' answers.
type client struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	sw   string
	inst string
	ref  atomic.Uint64
	seq  atomic.Uint64
}

func newClient(t testing.TB, nc *nats.Conn, sw string, evs chan<- telephony.Event) *client {
	t.Helper()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	c := &client{nc: nc, js: js, sw: sw, inst: "orca-" + nuid.Next()}
	deliver := func(own bool) nats.MsgHandler {
		return func(msg *nats.Msg) {
			m, err := wire.Decode(msg.Data)
			if err != nil {
				t.Errorf("client: %s: %v", msg.Subject, err)
				return
			}
			if !own && m.Origin == c.inst {
				return
			}
			if !own && m.Origin != "" {
				m.ReferenceID = 0
			}
			evs <- wire.TelephonyEvent(m)
		}
	}
	for subj, own := range map[string]bool{wire.ReplyFilter(c.inst): true, wire.EventFilter(sw, "", ""): false} {
		sub, err := nc.Subscribe(subj, deliver(own))
		require.NoError(t, err)
		t.Cleanup(func() { _ = sub.Unsubscribe() })
	}
	require.NoError(t, nc.Flush())
	return c
}

// send sends one request of package telephony; key is the message id of a
// reporting request ("" for one of the client's own).
func (c *client) send(req any, key string) (telephony.ReferenceID, error) {
	m, err := wire.RequestMessage(req)
	if err != nil {
		return 0, err
	}
	ref := c.ref.Add(1)
	m.ReferenceID, m.Origin, m.Seq, m.CustomerID = ref, c.inst, c.seq.Add(1), "Environment"
	if m.Switch == "" {
		m.Switch = c.sw
	}
	m.SetTime(time.Now())
	subj := wire.RequestSubject(m.Switch, m.Name)
	if !wire.IsReporting(m.Name) {
		data, err := wire.Encode(m)
		if err != nil {
			return 0, err
		}
		return telephony.ReferenceID(ref), c.nc.Publish(subj, data)
	}
	m.MsgID = key
	if m.MsgID == "" {
		m.MsgID = c.inst + "-" + strconv.FormatUint(ref, 10)
	}
	data, err := wire.Encode(m)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.js.Publish(ctx, subj, data, jetstream.WithMsgID(m.MsgID)); err != nil {
		return 0, err
	}
	return telephony.ReferenceID(ref), nil
}

func (c *client) MakeCall(r telephony.MakeCall) (telephony.ReferenceID, error) { return c.send(r, "") }
func (c *client) Route(r telephony.Route) (telephony.ReferenceID, error)       { return c.send(r, "") }
func (c *client) PlayTreatment(r telephony.Treatment) (telephony.ReferenceID, error) {
	return c.send(r, "")
}
func (c *client) SubmitToQueue(r telephony.QueueSubmit) (telephony.ReferenceID, error) {
	return c.send(r, "")
}
func (c *client) CancelQueue(r telephony.QueueCancel) (telephony.ReferenceID, error) {
	return c.send(r, "")
}
func (c *client) UpdateUserData(r telephony.UserDataChange) (telephony.ReferenceID, error) {
	return c.send(r, r.Key)
}
func (c *client) DistributeUserEvent(r telephony.UserEvent) (telephony.ReferenceID, error) {
	return c.send(r, r.Key)
}

// env is a simulator on a manual clock and an Orca-side port registered
// on every DN of its switch.
type env struct {
	t     testing.TB
	sim   *sim.Sim
	clock *sim.ManualClock
	port  *client
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

func newEnv(t testing.TB, url string, cfg sim.Config) *env {
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
	e.port = newClient(t, connect(t, url), cfg.Switch.Name, e.evs)
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
			case wire.EventAgentLogin, wire.EventAgentLogout, wire.EventAgentReady, wire.EventAgentNotReady:
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
			case wire.EventAgentLogin, wire.EventAgentLogout, wire.EventAgentReady, wire.EventAgentNotReady:
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

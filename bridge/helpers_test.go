package bridge_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

const sw = "SIP_Switch"

// server is an embedded NATS server that a test can stop and start again
// on the same port and data directory.
type server struct {
	t    *testing.T
	dir  string
	port int
	url  string
	e    *bridge.Embedded
}

// newServer returns a server not started yet, on a free port, whose
// credentials exist already.
func newServer(t *testing.T) *server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	s := &server{t: t, dir: t.TempDir(), port: port, url: fmt.Sprintf("nats://127.0.0.1:%d", port)}
	t.Cleanup(s.stop)
	return s
}

func startServer(t *testing.T) *server {
	t.Helper()
	s := newServer(t)
	s.start()
	return s
}

func (s *server) start() {
	s.t.Helper()
	e, err := bridge.StartEmbedded(bridge.Options{DataDir: s.dir, Port: s.port, JetStream: true})
	require.NoError(s.t, err)
	s.e = e
	require.Equal(s.t, s.url, e.URL())
}

func (s *server) stop() {
	if s.e != nil {
		s.e.Shutdown()
		s.e = nil
	}
}

// creds returns the credentials the server uses, creating them when it
// has not started yet.
func (s *server) creds() *bridge.Credentials {
	s.t.Helper()
	c, err := bridge.LoadCredentials(filepath.Join(s.dir, "bus"), true)
	require.NoError(s.t, err)
	return c
}

// connect connects to the server as role; the server may be down.
func connect(t *testing.T, s *server, role bridge.Role) *nats.Conn {
	t.Helper()
	o := s.creds().Connect(role)
	o.ReconnectWait = 20 * time.Millisecond
	nc, err := bridge.Connect(s.url, o)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

func fastOutbox() bridge.OutboxOptions {
	return bridge.OutboxOptions{AckWait: 500 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond}
}

func newPort(t *testing.T, nc *nats.Conn, o bridge.PortOptions) (*bridge.Port, *collector) {
	t.Helper()
	if o.Outbox == (bridge.OutboxOptions{}) {
		o.Outbox = fastOutbox()
	}
	if o.Statistics.Timeout == 0 {
		// A round trip on a loaded machine can outlast the default: a
		// test that means an answer to come waits for it.
		o.Statistics.Timeout = 5 * time.Second
	}
	p, err := bridge.NewPort(nc, o)
	require.NoError(t, err)
	c := &collector{ch: make(chan telephony.Event, 10000)}
	t.Cleanup(p.Subscribe(func(ev telephony.Event) { c.ch <- ev }))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	return p, c
}

// collector gathers the events a port delivers.
type collector struct{ ch chan telephony.Event }

// next returns the next n events, failing the test after a few seconds.
func (c *collector) next(t *testing.T, n int) []telephony.Event {
	t.Helper()
	var out []telephony.Event
	timeout := time.After(5 * time.Second)
	for len(out) < n {
		select {
		case ev := <-c.ch:
			out = append(out, ev)
		case <-timeout:
			require.FailNow(t, "events missing", "got %d of %d: %v", len(out), n, out)
		}
	}
	return out
}

// quiet checks that no event arrives for a short while.
func (c *collector) quiet(t *testing.T) {
	t.Helper()
	select {
	case ev := <-c.ch:
		t.Errorf("unexpected event %v", ev)
	case <-time.After(150 * time.Millisecond):
	}
}

func types(evs []telephony.Event) []telephony.EventType {
	out := make([]telephony.EventType, len(evs))
	for i, ev := range evs {
		out[i] = ev.Type
	}
	return out
}

// fake is a T-Server stand-in: it answers every request as a switch
// would, keeps the calls it made and records the requests it received.
type fake struct {
	r     *sim.Responder
	mu    sync.Mutex
	calls map[string]*wire.Message
	conn  int
	reqs  []wire.Message
}

func startFake(t *testing.T, nc *nats.Conn) *fake {
	t.Helper()
	f := &fake{calls: make(map[string]*wire.Message)}
	// A request may come before startResponder returns: the handler
	// answers with the responder it is given, not f.r.
	f.r = startResponder(t, nc, f.handle)
	return f
}

// startResponder starts a switch side on nc whose requests handle
// answers (with r.Answer), and stops it when the test ends.
func startResponder(t *testing.T, nc *nats.Conn, handle func(r *sim.Responder, req wire.Message) error) *sim.Responder {
	t.Helper()
	return startResponderWith(t, nc, sim.ResponderOptions{Switch: sw, CustomerID: "Environment"}, handle)
}

// startResponderWith is startResponder with options o.
func startResponderWith(t *testing.T, nc *nats.Conn, o sim.ResponderOptions, handle func(r *sim.Responder, req wire.Message) error) *sim.Responder {
	t.Helper()
	r, err := sim.NewResponder(nc, o)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, r.Start(ctx, func(req wire.Message) error { return handle(r, req) }))
	t.Cleanup(r.Stop)
	return r
}

func (f *fake) requests() []wire.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]wire.Message(nil), f.reqs...)
}

func (f *fake) handle(r *sim.Responder, req wire.Message) error {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	evs := f.answer(req)
	f.mu.Unlock()
	return r.Answer(req, evs...)
}

// answer computes the events for req; f.mu is held.
func (f *fake) answer(req wire.Message) []wire.Message {
	ev := func(t telephony.EventType, c *wire.Message) wire.Message {
		m := wire.Message{Name: string(t), ConnID: req.ConnID, ThisDN: req.ThisDN}
		if c != nil {
			m.ConnID, m.CallID, m.ThisDN, m.OtherDN = c.ConnID, c.CallID, c.ThisDN, c.OtherDN
			m.UserData = append(telephony.UserData(nil), c.UserData...)
		}
		return m
	}
	if req.Name == wire.RequestMakeCall {
		f.conn++
		c := &wire.Message{ConnID: fmt.Sprintf("006E02C1A%07d", f.conn), CallID: strconv.Itoa(100000 + f.conn),
			ThisDN: req.ThisDN, OtherDN: req.Destination, UserData: req.UserData}
		f.calls[c.ConnID] = c
		return []wire.Message{ev(telephony.EventDialing, c), ev(telephony.EventEstablished, c)}
	}
	if req.Name == wire.RequestDistributeUserEvent {
		ue := ev(telephony.EventUserEvent, nil)
		ue.UserData = req.UserData
		return []wire.Message{ev(telephony.EventACK, nil), ue}
	}
	c := f.calls[req.ConnID]
	if c == nil && req.Name != wire.RequestQueueCancel {
		return []wire.Message{{Name: string(telephony.EventError), ConnID: req.ConnID,
			ErrorCode: telephony.ErrCodeNoSuchCall, ErrorMessage: "no such call: " + req.ConnID}}
	}
	switch req.Name {
	case wire.RequestAttachUserData, wire.RequestUpdateUserData, wire.RequestDeleteUserData:
		ud := c.UserData
		switch req.Name {
		case wire.RequestAttachUserData:
			ud = append(ud, req.UserData...)
		case wire.RequestUpdateUserData:
			ud.Update(req.UserData)
		default:
			for _, kv := range req.UserData {
				ud.Delete(kv.Key)
			}
		}
		c.UserData = telephony.UserData(ud)
		return []wire.Message{ev(telephony.EventAttachedDataChanged, c)}
	case wire.RequestRouteCall, wire.RequestRedirectCall:
		m := ev(telephony.EventRouteUsed, c)
		m.OtherDN = req.OtherDN
		return []wire.Message{m}
	case wire.RequestReleaseCall:
		delete(f.calls, req.ConnID)
		return []wire.Message{ev(telephony.EventReleased, c)}
	case wire.RequestApplyTreatment:
		return []wire.Message{ev(telephony.EventTreatmentEnd, c)}
	case wire.RequestQueueSubmit:
		m := ev(telephony.EventTargetSelected, c)
		m.Target, m.ThisDN = req.Targets[0], req.RoutePoint
		return []wire.Message{m}
	case wire.RequestQueueCancel:
		return []wire.Message{ev(telephony.EventACK, nil)}
	}
	return []wire.Message{{Name: string(telephony.EventError), ErrorCode: 1, ErrorMessage: "unknown request " + req.Name}}
}

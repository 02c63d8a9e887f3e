package bridge_test

import (
	"context"
	"strconv"
	"sync"
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

// routed are the DN event types the ORS runtime takes (ors/events.go)
// but EventTreatmentEnd, so that one type of call event is taken from no
// DN.
var routed = []telephony.EventType{
	telephony.EventRouteRequest, telephony.EventRinging, telephony.EventDialing,
	telephony.EventEstablished, telephony.EventPartyChanged, telephony.EventAbandoned,
	telephony.EventReleased, telephony.EventRouteUsed, telephony.EventAttachedDataChanged,
	telephony.EventTargetSelected, telephony.EventCallProgress,
}

// ownPort starts a port whose handlers are a router (the routed types)
// and a reporter (answers only), as orca serve's, and returns it, its
// connection and the two collectors.
func ownPort(t *testing.T, srv *server, o bridge.PortOptions) (*bridge.Port, *nats.Conn, *collector, *collector) {
	t.Helper()
	nc := connect(t, srv, bridge.RoleOrca)
	o.Switch, o.CustomerID, o.Outbox = sw, "Environment", fastOutbox()
	p, err := bridge.NewPort(nc, o)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	router := &collector{ch: make(chan telephony.Event, 1000)}
	reporter := &collector{ch: make(chan telephony.Event, 1000)}
	t.Cleanup(telephony.SubscribeEvents(p, func(ev telephony.Event) { router.ch <- ev }, routed...))
	t.Cleanup(telephony.SubscribeEvents(p, func(ev telephony.Event) { reporter.ch <- ev }))
	return p, nc, router, reporter
}

// TestOwnEventsOnce checks that every event of a call the port made or
// routed reaches each handler once, in order, with the request's
// ReferenceID, and that the server sends it to a port registered on
// every DN without a queue group once (from the broadcast), where it
// sends it twice to a port whose DNs or queue group do not bring every
// event of its calls.
func TestOwnEventsOnce(t *testing.T) {
	tests := []struct {
		name string
		o    bridge.PortOptions
		// per is how many messages the port receives for each call
		// event the switch sends it.
		per uint64
	}{
		{"every DN", bridge.PortOptions{DNs: []string{"*"}}, 1},
		{"a DN list", bridge.PortOptions{DNs: []string{"7001", "RP_1"}}, 2},
		{"a queue group", bridge.PortOptions{DNs: []string{"*"}, QueueGroup: "orca"}, 2},
		{"no DN", bridge.PortOptions{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			startFake(t, connect(t, srv, bridge.RoleSwitch))
			p, nc, router, reporter := ownPort(t, srv, tt.o)
			both := func(n int) [2][]telephony.Event {
				t.Helper()
				return [2][]telephony.Event{router.next(t, n), reporter.next(t, n)}
			}
			quiet := func() {
				t.Helper()
				router.quiet(t)
				reporter.quiet(t)
			}

			settle(t, nc)
			in := nc.Stats().InMsgs
			ref, err := p.MakeCall(telephony.MakeCall{ThisDN: "7001", Destination: "5551234"})
			require.NoError(t, err)
			var conn telephony.ConnID
			for _, got := range both(2) {
				require.Equal(t, []telephony.EventType{telephony.EventDialing, telephony.EventEstablished}, types(got))
				for _, ev := range got {
					assert.Equal(t, ref, ev.ReferenceID)
				}
				conn = got[0].ConnID
			}
			quiet()
			assert.Equal(t, 2*tt.per, nc.Stats().InMsgs-in, "messages received for a dialing and an established")

			steps := []struct {
				req  any
				want telephony.EventType
			}{
				{telephony.Route{Type: telephony.RouteDefault, ConnID: conn, From: "7001", To: "7002", Switch: sw}, telephony.EventRouteUsed},
				// Taken by no handler from the DNs: on the reply subject.
				{telephony.Treatment{ConnID: conn, Kind: "Music", Resource: "hold.wav"}, telephony.EventTreatmentEnd},
				// Its broadcast copy goes through JetStream: on the reply
				// subject too.
				{telephony.UserDataChange{Op: telephony.Attach, ConnID: conn, UserData: telephony.UserData{{Key: "k", Value: "v"}}},
					telephony.EventAttachedDataChanged},
				{telephony.Release{ConnID: conn, ThisDN: "7001"}, telephony.EventReleased},
			}
			for _, st := range steps {
				settle(t, nc)
				in := nc.Stats().InMsgs
				ref, err := send(p, st.req)
				require.NoError(t, err)
				for _, got := range both(1) {
					assert.Equal(t, st.want, got[0].Type)
					assert.Equal(t, ref, got[0].ReferenceID)
					assert.Equal(t, conn, got[0].ConnID)
				}
				quiet()
				switch st.want {
				case telephony.EventAttachedDataChanged:
					// Attached data also brings the outbox's JetStream
					// acknowledgement and the stream's copy.
				case telephony.EventTreatmentEnd:
					assert.Equal(t, uint64(1), nc.Stats().InMsgs-in, "messages received for %s", st.want)
				default:
					assert.Equal(t, tt.per, nc.Stats().InMsgs-in, "messages received for %s", st.want)
				}
			}
		})
	}
}

// TestOwnEventsInSwitchOrder checks that the events of the port's own
// calls keep the switch's order when some come on its reply subjects and
// the others from the broadcast.
func TestOwnEventsInSwitchOrder(t *testing.T) {
	srv := startServer(t)
	// Taken from the DN, on the reply subject (no DN subscription, a
	// reporting event), from the DN.
	want := []telephony.EventType{telephony.EventDialing, telephony.EventTreatmentEnd,
		telephony.EventEstablished, telephony.EventAttachedDataChanged, telephony.EventReleased}
	conn := 0
	startResponder(t, connect(t, srv, bridge.RoleSwitch), func(r *sim.Responder, req wire.Message) error {
		conn++
		var evs []wire.Message
		for _, typ := range want {
			evs = append(evs, wire.Message{Name: string(typ), ConnID: "c" + strconv.Itoa(conn), ThisDN: req.ThisDN})
		}
		return r.Answer(req, evs...)
	})
	p, _, router, reporter := ownPort(t, srv, bridge.PortOptions{DNs: []string{"*"}})
	refs := makeCalls(t, p, 200)
	for _, c := range []*collector{router, reporter} {
		checkCalls(t, c.next(t, len(want)*len(refs)), refs, want)
		c.quiet(t)
	}
}

// makeCalls makes n calls on DN 7001 and returns their ReferenceIDs.
func makeCalls(t *testing.T, p *bridge.Port, n int) []telephony.ReferenceID {
	t.Helper()
	refs := make([]telephony.ReferenceID, n)
	for i := range n {
		ref, err := p.MakeCall(telephony.MakeCall{ThisDN: "7001", Destination: "5551234"})
		require.NoError(t, err)
		refs[i] = ref
	}
	return refs
}

// checkCalls checks that got are the events want of each call of refs, in
// turn, with its ReferenceID.
func checkCalls(t *testing.T, got []telephony.Event, refs []telephony.ReferenceID, want []telephony.EventType) {
	t.Helper()
	for i, ref := range refs {
		evs := got[i*len(want) : (i+1)*len(want)]
		require.Equal(t, want, types(evs), "call %d", i)
		for _, ev := range evs {
			assert.Equal(t, ref, ev.ReferenceID)
		}
	}
}

// TestOwnEventsWhileHandlersChange checks that the events of the port's
// own calls reach a handler once each and in order while other handlers
// come and go, changing the DN and reply subjects the port subscribes to.
func TestOwnEventsWhileHandlersChange(t *testing.T) {
	srv := startServer(t)
	startFake(t, connect(t, srv, bridge.RoleSwitch))
	p, nc, _, reporter := ownPort(t, srv, bridge.PortOptions{DNs: []string{"*"}})

	sets := [][]telephony.EventType{nil, {telephony.EventDialing}, {telephony.EventEstablished, telephony.EventRouteUsed}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			var unsub func()
			if i%4 == 3 {
				unsub = p.Subscribe(func(telephony.Event) {})
			} else {
				unsub = telephony.SubscribeEvents(p, func(telephony.Event) {}, sets[i%3]...)
			}
			time.Sleep(time.Millisecond)
			unsub()
		}
	})
	refs := makeCalls(t, p, 100)
	got := reporter.next(t, 2*len(refs))
	close(stop)
	wg.Wait()
	checkCalls(t, got, refs, []telephony.EventType{telephony.EventDialing, telephony.EventEstablished})
	reporter.quiet(t)

	// Settled on the router and the reporter again: one message each.
	settle(t, nc)
	in := nc.Stats().InMsgs
	_, err := p.MakeCall(telephony.MakeCall{ThisDN: "7001", Destination: "5551234"})
	require.NoError(t, err)
	reporter.next(t, 2)
	reporter.quiet(t)
	assert.Equal(t, uint64(2), nc.Stats().InMsgs-in)
}

// BenchmarkPortOwnCall measures what a port spends on the events of a
// call it makes and releases (EventDialing, EventEstablished,
// EventReleased, answered by a switch side on the same server), with the
// router's and the reporter's handlers: registered on every DN, where it
// takes them from the broadcast, and on the call's DN only, where it is
// sent each twice. msgs/op counts the messages the port's connection
// receives.
func BenchmarkPortOwnCall(b *testing.B) {
	for _, dns := range []string{"*", "7001"} {
		b.Run("dns="+dns, func(b *testing.B) {
			dial := benchBus(b)
			r, err := sim.NewResponder(dial(bridge.RoleSwitch), sim.ResponderOptions{Switch: sw})
			require.NoError(b, err)
			conn := 0
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			require.NoError(b, r.Start(ctx, func(req wire.Message) error {
				switch req.Name {
				case wire.RequestMakeCall:
					conn++
					c := wire.Message{ConnID: "006E02C1A" + strconv.Itoa(conn), ThisDN: req.ThisDN, OtherDN: req.Destination}
					d, est := c, c
					d.Name, est.Name = string(telephony.EventDialing), string(telephony.EventEstablished)
					return r.Answer(req, d, est)
				case wire.RequestReleaseCall:
					return r.Answer(req, wire.Message{Name: string(telephony.EventReleased), ConnID: req.ConnID, ThisDN: req.ThisDN})
				}
				return r.Answer(req)
			}))
			defer r.Stop()
			nc := dial(bridge.RoleOrca)
			p, err := bridge.NewPort(nc, bridge.PortOptions{Switch: sw, DNs: []string{dns}})
			require.NoError(b, err)
			defer func() { _ = p.Close(context.Background()) }()
			evs := make(chan telephony.Event, 16)
			defer telephony.SubscribeEvents(p, func(ev telephony.Event) { evs <- ev }, routed...)()
			defer telephony.SubscribeEvents(p, func(telephony.Event) {})()
			call := func() {
				_, err := p.MakeCall(telephony.MakeCall{ThisDN: "7001", Destination: "5551234"})
				require.NoError(b, err)
				d := <-evs
				<-evs
				_, err = p.Release(telephony.Release{ConnID: d.ConnID, ThisDN: "7001"})
				require.NoError(b, err)
				<-evs
			}
			call()
			in := nc.Stats().InMsgs
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				call()
			}
			b.StopTimer()
			b.ReportMetric(float64(nc.Stats().InMsgs-in)/float64(b.N), "msgs/op")
		})
	}
}

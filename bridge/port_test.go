package bridge_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

func TestPortRoundTrip(t *testing.T) {
	srv := startServer(t)
	f := startFake(t, connect(t, srv, bridge.RoleSwitch))
	p, evs := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, CustomerID: "Environment"})

	ud := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "S1"}, {Key: "n", Value: 42},
		{Key: "nested", Value: telephony.UserData{{Key: "i", Value: 1}, {Key: "s", Value: "x"}}}}
	// Every row starts with a fresh call made through the bridge.
	tests := []struct {
		name string
		req  func(c telephony.ConnID) any
		want []telephony.EventType
		// check looks at the events beyond their types.
		check func(t *testing.T, evs []telephony.Event)
	}{
		{"attach", func(c telephony.ConnID) any {
			return telephony.UserDataChange{Op: telephony.Attach, ConnID: c, UserData: ud}
		}, []telephony.EventType{telephony.EventAttachedDataChanged}, func(t *testing.T, evs []telephony.Event) {
			want := append(telephony.UserData{{Key: "k", Value: "v"}, {Key: "start", Value: 1}}, ud...)
			assert.Equal(t, want, evs[0].UserData, "typed user data comes back as it went")
		}},
		{"update", func(c telephony.ConnID) any {
			return telephony.UserDataChange{Op: telephony.Update, ConnID: c, UserData: telephony.UserData{{Key: "start", Value: 2}}}
		}, []telephony.EventType{telephony.EventAttachedDataChanged}, func(t *testing.T, evs []telephony.Event) {
			assert.Equal(t, telephony.UserData{{Key: "k", Value: "v"}, {Key: "start", Value: 2}}, evs[0].UserData)
		}},
		{"delete", func(c telephony.ConnID) any {
			return telephony.UserDataChange{Op: telephony.Delete, ConnID: c, UserData: telephony.UserData{{Key: "start", Value: ""}}}
		}, []telephony.EventType{telephony.EventAttachedDataChanged}, func(t *testing.T, evs []telephony.Event) {
			assert.Equal(t, telephony.UserData{{Key: "k", Value: "v"}}, evs[0].UserData)
		}},
		// The requester gets the EventACK; the EventUserEvent goes to the
		// clients registered on REPORTING, which this port is not (see
		// TestTwoInstancesKeepTheirAnswers).
		{"user event", func(c telephony.ConnID) any {
			return telephony.UserEvent{ThisDN: "REPORTING", Switch: sw, ConnID: c, UserData: ud}
		}, []telephony.EventType{telephony.EventACK}, func(t *testing.T, evs []telephony.Event) {
			assert.Equal(t, "REPORTING", evs[0].ThisDN)
		}},
		{"route", func(c telephony.ConnID) any {
			return telephony.Route{Type: telephony.RouteDefault, ConnID: c, From: "RP_1", To: "7002", Switch: sw}
		}, []telephony.EventType{telephony.EventRouteUsed}, func(t *testing.T, evs []telephony.Event) {
			assert.Equal(t, "7002", evs[0].OtherDN)
		}},
		{"redirect", func(c telephony.ConnID) any {
			return telephony.Route{Type: telephony.RouteRedirect, ConnID: c, From: "7002", To: "7003", Switch: sw}
		}, []telephony.EventType{telephony.EventRouteUsed}, nil},
		{"release", func(c telephony.ConnID) any { return telephony.Release{ConnID: c, ThisDN: "7001"} },
			[]telephony.EventType{telephony.EventReleased}, nil},
		{"treatment", func(c telephony.ConnID) any {
			return telephony.Treatment{ConnID: c, Kind: "Music", Resource: "hold.wav", Duration: time.Second}
		}, []telephony.EventType{telephony.EventTreatmentEnd}, nil},
		{"queue submit", func(c telephony.ConnID) any {
			return telephony.QueueSubmit{ConnID: c, Queue: "VQ", Route: "RP_1", Targets: []string{"Agent1"}}
		}, []telephony.EventType{telephony.EventTargetSelected}, func(t *testing.T, evs []telephony.Event) {
			assert.Equal(t, "Agent1", evs[0].Target)
		}},
		{"queue cancel", func(c telephony.ConnID) any { return telephony.QueueCancel{Submit: 1, ConnID: c} },
			[]telephony.EventType{telephony.EventACK}, nil},
		{"unknown call", func(c telephony.ConnID) any { return telephony.Release{ConnID: "nope"} },
			[]telephony.EventType{telephony.EventError}, func(t *testing.T, evs []telephony.Event) {
				assert.Equal(t, telephony.ErrCodeNoSuchCall, evs[0].ErrorCode)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mc := telephony.MakeCall{ThisDN: "7001", Destination: "5551234", Switch: sw,
				UserData: telephony.UserData{{Key: "k", Value: "v"}, {Key: "start", Value: 1}}}
			ref, err := p.MakeCall(mc)
			require.NoError(t, err)
			got := evs.next(t, 2)
			require.Equal(t, []telephony.EventType{telephony.EventDialing, telephony.EventEstablished}, types(got))
			assert.Equal(t, ref, got[0].ReferenceID)
			assert.Equal(t, sw, got[0].Switch)
			assert.False(t, got[0].Time.IsZero())
			conn := got[0].ConnID
			require.NotEmpty(t, conn)

			req := tt.req(conn)
			ref, err = send(p, req)
			require.NoError(t, err)
			got = evs.next(t, len(tt.want))
			assert.Equal(t, tt.want, types(got))
			assert.Equal(t, ref, got[0].ReferenceID)
			if tt.check != nil {
				tt.check(t, got)
			}
			evs.quiet(t)

			reqs := f.requests()
			last := reqs[len(reqs)-1]
			assert.Equal(t, "Environment", last.CustomerID)
			assert.Equal(t, p.Instance(), last.Origin)
			assert.Equal(t, uint64(ref), last.ReferenceID)
			back, err := wire.TelephonyRequest(last)
			require.NoError(t, err)
			assert.Equal(t, req, back, "the switch receives the request as sent")
		})
	}
	s := p.Stats()
	assert.Equal(t, uint64(4), s.Published, "attach, update, delete and the user event go through JetStream")
	assert.Zero(t, s.Pending)
	assert.Zero(t, s.Failed)
}

func send(p *bridge.Port, req any) (telephony.ReferenceID, error) {
	switch r := req.(type) {
	case telephony.MakeCall:
		return p.MakeCall(r)
	case telephony.UserDataChange:
		return p.UpdateUserData(r)
	case telephony.UserEvent:
		return p.DistributeUserEvent(r)
	case telephony.Route:
		return p.Route(r)
	case telephony.Release:
		return p.Release(r)
	case telephony.Treatment:
		return p.PlayTreatment(r)
	case telephony.QueueSubmit:
		return p.SubmitToQueue(r)
	case telephony.QueueCancel:
		return p.CancelQueue(r)
	}
	panic("unknown request")
}

func TestTwoInstancesKeepTheirAnswers(t *testing.T) {
	srv := startServer(t)
	startFake(t, connect(t, srv, bridge.RoleSwitch))
	nc := connect(t, srv, bridge.RoleOrca)
	// Both number their requests from the same start (a port's first
	// ReferenceID comes from the second it started in).
	started := time.Now()
	now := func() time.Time { return started }
	a, aEvs := newPort(t, nc, bridge.PortOptions{Switch: sw, Instance: "orca", DNs: []string{"REPORTING"}, Now: now})
	b, bEvs := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, Instance: "orca", DNs: []string{"REPORTING"}, Now: now})
	require.NotEqual(t, a.Instance(), b.Instance())

	refA, err := a.Release(telephony.Release{ConnID: "none"})
	require.NoError(t, err)
	refB, err := b.DistributeUserEvent(telephony.UserEvent{ThisDN: "REPORTING", UserData: telephony.UserData{{Key: "from", Value: "b"}}})
	require.NoError(t, err)
	assert.Equal(t, refA, refB, "each instance numbers its own requests")

	// The EventACK answers B on its reply subject, the EventUserEvent
	// reaches B as a client registered on REPORTING (a subscription of
	// its own, so either may come first), with B's ReferenceID.
	gotB := bEvs.next(t, 2)
	assert.ElementsMatch(t, []telephony.EventType{telephony.EventACK, telephony.EventUserEvent}, types(gotB))
	assert.Equal(t, refB, gotB[0].ReferenceID)
	assert.Equal(t, refB, gotB[1].ReferenceID)
	bEvs.quiet(t)

	gotA := aEvs.next(t, 2)
	byType := map[telephony.EventType]telephony.Event{}
	for _, ev := range gotA {
		byType[ev.Type] = ev
	}
	require.Contains(t, byType, telephony.EventError)
	assert.Equal(t, refA, byType[telephony.EventError].ReferenceID)
	require.Contains(t, byType, telephony.EventUserEvent, "A is registered on REPORTING and sees B's user event")
	assert.Zero(t, byType[telephony.EventUserEvent].ReferenceID, "but not B's ReferenceID")
	assert.Equal(t, "b", byType[telephony.EventUserEvent].UserData.String("from"))
	aEvs.quiet(t)
}

func TestUnsolicitedEventsAndQueueGroup(t *testing.T) {
	srv := startServer(t)
	f := startFake(t, connect(t, srv, bridge.RoleSwitch))
	_, one := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, DNs: []string{"RP_1"}, QueueGroup: "orca"})
	_, two := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, DNs: []string{"RP_1"}, QueueGroup: "orca"})
	_, all := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, DNs: []string{"*"}})
	time.Sleep(50 * time.Millisecond)

	for i := range 10 {
		require.NoError(t, f.r.Publish(wire.Message{Name: string(telephony.EventRouteRequest), ThisDN: "RP_1",
			ConnID: "c" + string(rune('0'+i)), CallType: "Inbound", ANI: "555"}))
	}
	require.NoError(t, f.r.Publish(wire.Message{Name: string(wire.EventAgentReady), ThisDN: "7001", AgentID: "Agent1"}))
	got := all.next(t, 11)
	assert.Equal(t, wire.EventAgentReady, got[10].Type)
	n := 0
	for _, c := range []*collector{one, two} {
	drain:
		for {
			select {
			case ev := <-c.ch:
				assert.Equal(t, telephony.EventRouteRequest, ev.Type)
				n++
			case <-time.After(200 * time.Millisecond):
				break drain
			}
		}
	}
	assert.Equal(t, 10, n, "the queue group shares each route request with one instance")
}

func TestClosedPortAndEmbeddedOptions(t *testing.T) {
	srv := startServer(t)
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{})
	require.NoError(t, p.Close(context.Background()))
	_, err := p.MakeCall(telephony.MakeCall{ThisDN: "1"})
	assert.ErrorIs(t, err, bridge.ErrClosed)

	_, err = bridge.StartEmbedded(bridge.Options{Host: "0.0.0.0"})
	assert.ErrorContains(t, err, "loopback")
	_, err = bridge.StartEmbedded(bridge.Options{JetStream: true})
	assert.ErrorContains(t, err, "data directory")
}

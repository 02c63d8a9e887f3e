package bridge_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestPortReadsOnlyTakenEvents checks that the events of a registered DN
// no handler takes are dropped unread (a malformed one reports no error),
// that they are read once a handler takes their type, and that each
// handler gets only the types it takes.
func TestPortReadsOnlyTakenEvents(t *testing.T) {
	srv := startServer(t)
	sw1 := connect(t, srv, bridge.RoleSwitch)
	var bad atomic.Int32
	p, err := bridge.NewPort(connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, DNs: []string{"*"},
		Outbox: fastOutbox(), OnError: func(error) { bad.Add(1) }})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	calls := &collector{ch: make(chan telephony.Event, 100)}
	defer telephony.SubscribeEvents(p, func(ev telephony.Event) { calls.ch <- ev }, telephony.EventRinging)()

	publish := func(name string, data []byte) {
		t.Helper()
		require.NoError(t, sw1.Publish(wire.EventSubject(sw, "RP_Report", name), data))
	}
	ringing := func(conn string) []byte {
		t.Helper()
		b, err := wire.Encode(wire.Message{Name: string(telephony.EventRinging), ThisDN: "7001", ConnID: conn})
		require.NoError(t, err)
		return b
	}
	userEvent, err := wire.Encode(wire.Message{Name: string(telephony.EventUserEvent), ThisDN: "RP_Report", ConnID: "c1",
		UserData: telephony.UserData{{Key: "GSW_CB_EVENT", Value: "CB_START"}}})
	require.NoError(t, err)
	malformed := []byte(`{"name":"EventUserEvent","userData":{`)

	// Nobody takes user events: neither is read.
	publish(string(telephony.EventUserEvent), userEvent)
	publish(string(telephony.EventUserEvent), malformed)
	publish(string(telephony.EventRinging), ringing("c1"))
	got := calls.next(t, 1)
	assert.Equal(t, telephony.EventRinging, got[0].Type)
	assert.Zero(t, bad.Load(), "a user event nobody takes is not decoded")
	assert.Equal(t, uint64(2), p.Stats().Unread)

	// A handler takes them: they are read, and go to it only.
	users := &collector{ch: make(chan telephony.Event, 100)}
	defer telephony.SubscribeEvents(p, func(ev telephony.Event) { users.ch <- ev }, telephony.EventUserEvent)()
	publish(string(telephony.EventUserEvent), userEvent)
	publish(string(telephony.EventUserEvent), malformed)
	publish(string(telephony.EventRinging), ringing("c2"))
	got = calls.next(t, 1)
	assert.Equal(t, telephony.ConnID("c2"), got[0].ConnID, "the user event is not handed to a handler that does not take it")
	got = users.next(t, 1)
	assert.Equal(t, telephony.EventUserEvent, got[0].Type)
	assert.Equal(t, "CB_START", got[0].UserData.String("GSW_CB_EVENT"))
	users.quiet(t)
	assert.Equal(t, int32(1), bad.Load(), "a user event a handler takes is decoded")
	assert.Equal(t, uint64(2), p.Stats().Unread)
}

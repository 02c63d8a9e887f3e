package bridge_test

import (
	"context"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestPortReadsOnlyTakenEvents checks that the events of a registered DN
// no handler takes do not even reach the port (a malformed one reports no
// error), that they are received and read once a handler takes their
// type, and that each handler gets only the types it takes.
func TestPortReadsOnlyTakenEvents(t *testing.T) {
	srv := startServer(t)
	sw1 := connect(t, srv, bridge.RoleSwitch)
	var bad atomic.Int32
	nc := connect(t, srv, bridge.RoleOrca)
	p, err := bridge.NewPort(nc, bridge.PortOptions{Switch: sw, DNs: []string{"*"},
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

	// Nobody takes user events: neither is received. (The port's own
	// exchanges with the server, setting up the reporting stream, are
	// over first.)
	settle(t, nc)
	in := nc.Stats().InMsgs
	publish(string(telephony.EventUserEvent), userEvent)
	publish(string(telephony.EventUserEvent), malformed)
	publish(string(telephony.EventRinging), ringing("c1"))
	got := calls.next(t, 1)
	assert.Equal(t, telephony.EventRinging, got[0].Type)
	assert.Zero(t, bad.Load(), "a user event nobody takes is not decoded")
	assert.Equal(t, uint64(1), nc.Stats().InMsgs-in, "only the ringing reaches the port")

	// A handler takes them: they are received and read, and go to it
	// only.
	settle(t, nc)
	in = nc.Stats().InMsgs
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
	assert.Equal(t, uint64(3), nc.Stats().InMsgs-in)

}

// settle waits until nc has received and sent nothing for a while.
func settle(t *testing.T, nc *nats.Conn) {
	t.Helper()
	last, quiet := nc.Stats(), 0
	require.Eventually(t, func() bool {
		s := nc.Stats()
		if s.InMsgs == last.InMsgs && s.OutMsgs == last.OutMsgs {
			quiet++
		} else {
			last, quiet = s, 0
		}
		return quiet >= 10
	}, 5*time.Second, 20*time.Millisecond)
}

// BenchmarkPortUserEvents measures what a port registered on every DN
// spends on a reporting EventUserEvent (some 4 KB) and the call event
// after it, when a handler takes user events and when none does.
func BenchmarkPortUserEvents(b *testing.B) {
	var ud telephony.UserData
	for i := range 40 {
		ud = append(ud, telephony.KV{Key: "GSW_CB_KEY_" + strconv.Itoa(i), Value: "a value of some length, as reporting sends " + strconv.Itoa(i)})
	}
	userEvent, err := wire.Encode(wire.Message{Name: string(telephony.EventUserEvent), ThisDN: "RP_Report", ConnID: "c1", UserData: ud})
	require.NoError(b, err)
	ringing, err := wire.Encode(wire.Message{Name: string(telephony.EventRinging), ThisDN: "7001", ConnID: "c1"})
	require.NoError(b, err)
	for _, take := range []bool{false, true} {
		b.Run("taken="+strconv.FormatBool(take), func(b *testing.B) {
			dir := b.TempDir()
			e, err := bridge.StartEmbedded(bridge.Options{DataDir: dir, JetStream: true})
			require.NoError(b, err)
			defer e.Shutdown()
			creds, err := bridge.LoadCredentials(filepath.Join(dir, "bus"), true)
			require.NoError(b, err)
			dial := func(role bridge.Role) *nats.Conn {
				nc, err := bridge.Connect(e.URL(), creds.Connect(role))
				require.NoError(b, err)
				b.Cleanup(nc.Close)
				return nc
			}
			p, err := bridge.NewPort(dial(bridge.RoleOrca), bridge.PortOptions{Switch: sw, DNs: []string{"*"}})
			require.NoError(b, err)
			defer func() { _ = p.Close(context.Background()) }()
			calls := make(chan struct{}, 1)
			defer telephony.SubscribeEvents(p, func(ev telephony.Event) {
				if ev.Type == telephony.EventRinging {
					calls <- struct{}{}
				}
			}, telephony.EventRinging)()
			if take {
				defer telephony.SubscribeEvents(p, func(telephony.Event) {}, telephony.EventUserEvent)()
			}
			pub := dial(bridge.RoleSwitch)
			ueSubj, ringSubj := wire.EventSubject(sw, "RP_Report", "EventUserEvent"), wire.EventSubject(sw, "7001", "EventRinging")
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				require.NoError(b, pub.Publish(ueSubj, userEvent))
				require.NoError(b, pub.Publish(ringSubj, ringing))
				<-calls
			}
		})
	}
}

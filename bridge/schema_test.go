package bridge_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestWireSchemaSetting runs a port and a switch side each writing schema
// 1 or 2, as during an upgrade: every message on the bus carries the
// version its writer was set to when it holds user data (1 otherwise),
// and each side reads the other's user data whole.
func TestWireSchemaSetting(t *testing.T) {
	for _, tt := range []struct {
		name       string
		port, side int
	}{
		{"both old", 1, 1},
		{"orca upgraded first", 0, 1},
		{"switch upgraded first", 1, 2},
		{"both new", 2, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := startServer(t)
			raw := make(chan *nats.Msg, 100)
			watch := connect(t, srv, bridge.RoleOrca)
			sub, err := watch.ChanSubscribe("orca.tel.>", raw)
			require.NoError(t, err)
			t.Cleanup(func() { _ = sub.Unsubscribe() })
			require.NoError(t, watch.Flush())

			var mu sync.Mutex
			var got []wire.Message
			o := sim.ResponderOptions{Switch: sw, CustomerID: "Environment", Schema: tt.side}
			startResponderWith(t, connect(t, srv, bridge.RoleSwitch), o, func(r *sim.Responder, req wire.Message) error {
				mu.Lock()
				got = append(got, req)
				mu.Unlock()
				ue := wire.Message{Name: string(telephony.EventUserEvent), ThisDN: req.ThisDN, UserData: req.UserData}
				return r.Answer(req, wire.Message{Name: string(telephony.EventACK), ThisDN: req.ThisDN}, ue)
			})
			p, evs := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw, DNs: []string{"REPORTING"}, Schema: tt.port})
			ud := telephony.UserData{{Key: "s", Value: "v"}, {Key: "n", Value: 1348817660755}, {Key: "s", Value: "again"},
				{Key: "l", Value: telephony.UserData{{Key: "k", Value: -3}}}}
			_, err = p.DistributeUserEvent(telephony.UserEvent{ThisDN: "REPORTING", Switch: sw, UserData: ud})
			require.NoError(t, err)

			var ue telephony.Event
			for ue.Type != telephony.EventUserEvent {
				ue = evs.next(t, 1)[0]
			}
			assert.Equal(t, ud, ue.UserData, "the port reads the switch side's user data")
			mu.Lock()
			require.Len(t, got, 1)
			assert.Equal(t, ud, got[0].UserData, "the switch side reads the port's user data")
			mu.Unlock()

			// The version a writer set to schema writes with user data.
			want := func(schema int) int {
				if schema == 1 {
					return 1
				}
				return 2
			}
			seen := map[string]int{}
			deadline := time.After(5 * time.Second)
			for len(seen) < 2 {
				select {
				case m := <-raw:
					name := m.Subject[strings.LastIndexByte(m.Subject, '.')+1:]
					var head struct {
						V        int             `json:"v"`
						UserData json.RawMessage `json:"userData"`
					}
					require.NoError(t, json.Unmarshal(m.Data, &head), "%s", m.Data)
					if head.UserData == nil {
						assert.Equal(t, 1, head.V, "%s without user data: %s", name, m.Data)
						continue
					}
					seen[name] = head.V
				case <-deadline:
					require.FailNow(t, "messages missing", "seen %v", seen)
				}
			}
			assert.Equal(t, map[string]int{wire.RequestDistributeUserEvent: want(tt.port), string(telephony.EventUserEvent): want(tt.side)}, seen)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			require.NoError(t, p.Flush(ctx))
		})
	}
}

// TestWireSchemaChecked refuses a schema version no encoder writes.
func TestWireSchemaChecked(t *testing.T) {
	srv := startServer(t)
	_, err := bridge.NewPort(connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Schema: 3})
	assert.ErrorContains(t, err, "bridge port: no schema version 3 (versions 1 to 2)")
	_, err = sim.NewResponder(connect(t, srv, bridge.RoleSwitch), sim.ResponderOptions{Switch: sw, Schema: -1})
	assert.ErrorContains(t, err, "sim responder: no schema version -1")
}

// TestOutboxReplaysInThePortsSchema restarts a port that journalled a
// message in schema 2 with schema 1, as when an upgrade is rolled back
// while the bus is away: the message stored once the bus is back is in
// schema 1, which a switch side of before schema 2 reads, and holds the
// same user data.
func TestOutboxReplaysInThePortsSchema(t *testing.T) {
	srv := newServer(t)
	dir := t.TempDir()
	open := func(schema int) (*bridge.Port, *nats.Conn) {
		nc, err := bridge.Connect(srv.url, bridge.ConnectOptions{NKeyFile: srv.creds().SeedFile(bridge.RoleOrca), ReconnectWait: 20 * time.Millisecond})
		require.NoError(t, err)
		t.Cleanup(nc.Close)
		p, err := bridge.NewPort(nc, bridge.PortOptions{Switch: sw, Schema: schema,
			Outbox: bridge.OutboxOptions{Dir: dir, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond}})
		require.NoError(t, err)
		return p, nc
	}
	ud := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "8D8594B74A9935A701E4725EAFCB6B4A"}, {Key: "_CB_T_SERVICE_START", Value: 1795799840},
		{Key: "nested", Value: telephony.UserData{{Key: "k", Value: "v"}}}}
	p, _ := open(2)
	_, err := p.DistributeUserEvent(keyed(bridge.ReportKey("KS", 1), telephony.UserEvent{ThisDN: "REPORTING", Switch: sw, UserData: ud}))
	require.NoError(t, err)
	require.Equal(t, 1, p.Stats().Pending)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.Error(t, p.Close(ctx), "the bus is away: the message stays in the journal")

	srv.start()
	p, nc := open(1)
	require.Eventually(t, func() bool { return p.Stats().Published == 1 }, 10*time.Second, 10*time.Millisecond)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, wire.DefaultStream)
	require.NoError(t, err)
	stored, err := st.GetLastMsgForSubject(ctx, wire.RequestSubject(sw, wire.RequestDistributeUserEvent))
	require.NoError(t, err)
	var head struct {
		V        int               `json:"v"`
		UserData []json.RawMessage `json:"userData"`
	}
	require.NoError(t, json.Unmarshal(stored.Data, &head), "%s", stored.Data)
	assert.Equal(t, 1, head.V, "%s", stored.Data)
	require.Len(t, head.UserData, len(ud))
	assert.True(t, strings.HasPrefix(string(head.UserData[0]), `{"key":`), "typed pairs: %s", stored.Data)
	m, err := wire.Decode(stored.Data)
	require.NoError(t, err)
	assert.Equal(t, ud, m.UserData)
	require.NoError(t, p.Close(ctx))
}

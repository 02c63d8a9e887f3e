package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestWireSchemaOfScenario runs a switch whose scenario keeps writing
// schema 1 (switch.wire_schema) for readers not upgraded yet: it reads a
// client's schema 2 request and answers in schema 1, user data typed.
func TestWireSchemaOfScenario(t *testing.T) {
	parsed, err := sim.ParseConfig("scenario.yaml", []byte("switch:\n  name: SW_V1\n  wire_schema: 1\n"))
	require.NoError(t, err)
	assert.Equal(t, 1, parsed.Switch.WireSchema)

	url := server(t)
	raw := make(chan *nats.Msg, 1000)
	watch := connect(t, url)
	_, err = watch.ChanSubscribe(wire.EventFilter("SW_V1", "", string(telephony.EventAttachedDataChanged)), raw)
	require.NoError(t, err)
	require.NoError(t, watch.Flush())

	cfg := baseConfig("SW_V1")
	cfg.Switch.WireSchema = parsed.Switch.WireSchema
	e := newEnv(t, url, cfg)
	conn := e.dial("5550001", 0)
	ud := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "svc-1"}, {Key: "_CB_T_SERVICE_START", Value: 1348817660}}
	_, err = e.port.UpdateUserData(telephony.UserDataChange{Op: telephony.Attach, ConnID: telephony.ConnID(conn), UserData: ud})
	require.NoError(t, err)
	ev := e.next()
	require.Equal(t, telephony.EventAttachedDataChanged, ev.Type)
	assert.Equal(t, ud, ev.UserData)
	select {
	case m := <-raw:
		assert.True(t, strings.HasPrefix(string(m.Data), `{"v":1,`), "%s", m.Data)
		assert.Contains(t, string(m.Data), `"userData":[{"key":"_CB_SERVICE_ID","type":"str","value":"svc-1"},`)
	case <-time.After(5 * time.Second):
		require.FailNow(t, "no EventAttachedDataChanged on the bus")
	}
}

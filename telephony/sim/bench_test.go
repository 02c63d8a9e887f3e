package sim_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// BenchmarkCallWithUserEvents runs the simulator's share of a callback:
// a call dialled and answered, two user events of some 4 KB distributed
// on the reporting DN (stored, recorded by the monitor), the call
// released. Allocations are the whole process's: simulator, NATS server
// and the test's client.
func BenchmarkCallWithUserEvents(b *testing.B) {
	e := newEnv(b, server(b), baseConfig("SW_B"))
	var ud telephony.UserData
	for i := range 40 {
		ud = append(ud, telephony.KV{Key: "GSW_CB_KEY_" + strconv.Itoa(i), Value: "a value of some length, as reporting sends " + strconv.Itoa(i)})
	}
	ud = append(ud, telephony.KV{Key: "GSW_CB_TIMESTAMP", Value: 1348817660}, telephony.KV{Key: "GSW_CB_LIST", Value: telephony.UserData{{Key: "x", Value: "y"}}})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		conn := e.dial("555"+strconv.Itoa(1000000+i), 0)
		for k := range 2 {
			_, err := e.port.DistributeUserEvent(telephony.UserEvent{Key: conn + "-" + strconv.Itoa(k), ConnID: telephony.ConnID(conn), UserData: ud})
			require.NoError(b, err)
		}
		_, err := e.sim.WaitUserEvents(ctx, 2*(i+1))
		require.NoError(b, err)
		_, err = e.port.send(telephony.Release{ConnID: telephony.ConnID(conn)}, "")
		require.NoError(b, err)
		e.expect(telephony.EventReleased, conn)
	}
}

// BenchmarkResponderCallEvents publishes the events the switch side sends
// about one callback's call (each to the owning instance and broadcast on
// its DN, kept for Resend): the responder's own work and the NATS client's
// publishes; nobody subscribes, so the server only drops them.
func BenchmarkResponderCallEvents(b *testing.B) {
	url := server(b)
	r, err := sim.NewResponder(connect(b, url), sim.ResponderOptions{Switch: "SW_B", CustomerID: "Environment"})
	require.NoError(b, err)
	b.Cleanup(r.Stop)
	ud := telephony.UserData{{Key: "GSW_CB_KEY", Value: "a value of some length"}, {Key: "GSW_CB_N", Value: 42}}
	names := []telephony.EventType{telephony.EventDialing, telephony.EventCallProgress, telephony.EventEstablished,
		telephony.EventAttachedDataChanged, telephony.EventTargetSelected, telephony.EventRouteUsed,
		telephony.EventRinging, telephony.EventEstablished, telephony.EventReleased}
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		conn := strconv.FormatUint(uint64(0x1000000+i), 16)
		for _, n := range names {
			require.NoError(b, r.Publish(wire.Message{Name: string(n), Origin: "orca-1", ConnID: conn, ThisDN: "RP_1",
				ANI: "5551234", DNIS: "333", UserData: ud}))
		}
	}
}

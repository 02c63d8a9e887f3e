package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
)

// TestReservedAgentTakesACallOfTheInstanceThatReservedIt: an agent
// reserved by a submit of one Orca instance (a callback's virtual
// interaction) takes another call that instance routes to it (the
// customer's outbound call), and refuses one routed by another instance.
func TestReservedAgentTakesACallOfTheInstanceThatReservedIt(t *testing.T) {
	url := server(t)
	cfg := baseConfig("SW_R")
	cfg.Agents.Count = 1
	e := newEnv(t, url, cfg)
	virtual, customer := e.dial("5550001", 0), e.dial("5550002", 0)

	_, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(virtual), Targets: []string{"Callback_Agents"}})
	require.NoError(t, err)
	sel := e.next()
	require.Equal(t, telephony.EventTargetSelected, sel.Type)
	e.wait(func() bool { return e.sim.Agents()[0].State == sim.AgentReserved })

	other, err := bridge.NewPort(connect(t, url), bridge.PortOptions{Switch: "SW_R", CustomerID: "Environment", DNs: []string{"RP_Other"},
		Outbox: bridge.OutboxOptions{AckWait: 500 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond}})
	require.NoError(t, err)
	otherEvs := make(chan telephony.Event, 10)
	t.Cleanup(other.Subscribe(func(ev telephony.Event) { otherEvs <- ev }))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = other.Close(ctx)
	})
	ref, err := other.Route(telephony.Route{Type: telephony.RouteRedirect, ConnID: telephony.ConnID(customer), To: sel.Target})
	require.NoError(t, err)
	select {
	case ev := <-otherEvs:
		assert.Equal(t, telephony.EventError, ev.Type)
		assert.Equal(t, ref, ev.ReferenceID)
		assert.Equal(t, telephony.ErrCodeInvalidDN, ev.ErrorCode)
	case <-time.After(5 * time.Second):
		require.FailNow(t, "no answer to the other instance")
	}

	_, err = e.port.Route(telephony.Route{Type: telephony.RouteRedirect, ConnID: telephony.ConnID(customer), To: sel.Target})
	require.NoError(t, err)
	used, _ := e.expect(telephony.EventRouteUsed, customer)
	assert.Equal(t, "7001", used.OtherDN)
	ringing, _ := e.expect(telephony.EventRinging, customer)
	assert.Equal(t, "7001", ringing.ThisDN)
}

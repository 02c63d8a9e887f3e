package sim_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestResponderStoresReportingInOrder: the responder handles reporting
// requests without waiting for the events of each to be stored; every
// event is stored once, in the order of the requests, and every request
// is acknowledged.
func TestResponderStoresReportingInOrder(t *testing.T) {
	url := server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	js, err := jetstream.New(connect(t, url))
	require.NoError(t, err)
	stream, err := wire.EnsureStream(ctx, js, wire.StreamOptions{})
	require.NoError(t, err)
	r, err := sim.NewResponder(connect(t, url), sim.ResponderOptions{Switch: "SW", CustomerID: "Environment"})
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx, func(req wire.Message) error {
		return r.Answer(req, wire.Message{Name: string(telephony.EventUserEvent), ThisDN: req.ThisDN, UserData: req.UserData})
	}))
	t.Cleanup(r.Stop)

	const n = 700
	for i := range n {
		m := wire.Message{V: wire.SchemaVersion, Name: wire.RequestDistributeUserEvent, Switch: "SW", ThisDN: "REPORTING",
			MsgID: "s-" + strconv.Itoa(i), UserData: telephony.UserData{{Key: "n", Value: strconv.Itoa(i)}}}
		data, err := wire.Encode(m)
		require.NoError(t, err)
		_, err = js.PublishAsync(wire.RequestSubject("SW", m.Name), data, jetstream.WithMsgID(m.MsgID))
		require.NoError(t, err)
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		t.Fatal("the requests were not stored")
	}

	got := make(chan wire.Message, n+1)
	stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{
		Subjects: []string{wire.EventSubject("SW", "REPORTING", string(telephony.EventUserEvent))}},
		func(m wire.Message) error { got <- m; return nil })
	require.NoError(t, err)
	defer stop()
	for i := range n {
		select {
		case m := <-got:
			v, _ := m.UserData.Get("n")
			require.Equal(t, strconv.Itoa(i), v, "event %d", i)
			assert.Equal(t, "s-"+strconv.Itoa(i)+"/EventUserEvent/0", m.MsgID)
		case <-ctx.Done():
			t.Fatalf("%d of %d events stored", i, n)
		}
	}
	require.Eventually(t, func() bool {
		c, err := stream.Consumer(ctx, wire.DurableName("tserver_SW"))
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	}, 10*time.Second, 20*time.Millisecond, "every request acknowledged")
	select {
	case m := <-got:
		t.Fatalf("an event stored twice or more: %v", m.UserData)
	case <-time.After(100 * time.Millisecond):
	}
}

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

// TestResponderReadsBothRequestLayouts: the responder reads reporting
// requests from the stream on the subjects with wire.StreamToken and on
// those of Orca versions before it, each once; its core subscription does
// not receive the former at all, and still takes the other requests.
func TestResponderReadsBothRequestLayouts(t *testing.T) {
	url := server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nc := connect(t, url)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = wire.EnsureStream(ctx, js, wire.StreamOptions{})
	require.NoError(t, err)

	core, err := nc.SubscribeSync(wire.CoreRequestFilter("SW"))
	require.NoError(t, err)
	handled := make(chan wire.Message, 10)
	r, err := sim.NewResponder(connect(t, url), sim.ResponderOptions{Switch: "SW", CustomerID: "Environment"})
	require.NoError(t, err)
	require.NoError(t, r.Start(ctx, func(req wire.Message) error {
		handled <- req
		return r.Answer(req, wire.Message{Name: string(telephony.EventACK)})
	}))
	t.Cleanup(r.Stop)

	publish := func(subj, id string) {
		m := wire.Message{V: wire.SchemaVersion, Name: wire.RequestDistributeUserEvent, Switch: "SW", ThisDN: "REPORTING", MsgID: id}
		data, err := wire.Encode(m)
		require.NoError(t, err)
		_, err = js.Publish(ctx, subj, data, jetstream.WithMsgID(id))
		require.NoError(t, err, subj)
	}
	publish(wire.RequestSubject("SW", wire.RequestDistributeUserEvent), "new")
	publish("orca.tel.SW.req."+wire.RequestDistributeUserEvent, "old")
	data, err := wire.Encode(wire.Message{Name: wire.RequestMakeCall, Switch: "SW", ThisDN: "RP", Destination: "555"})
	require.NoError(t, err)
	require.NoError(t, nc.Publish(wire.RequestSubject("SW", wire.RequestMakeCall), data))

	got := map[string]int{}
	for range 3 {
		select {
		case m := <-handled:
			got[m.Name+"/"+m.MsgID]++
		case <-ctx.Done():
			t.Fatalf("handled only %v", got)
		}
	}
	assert.Equal(t, map[string]int{"RequestDistributeUserEvent/new": 1, "RequestDistributeUserEvent/old": 1, "RequestMakeCall/": 1}, got)
	select {
	case m := <-handled:
		t.Fatalf("handled again: %s %s", m.Name, m.MsgID)
	case <-time.After(200 * time.Millisecond):
	}
	// The core subscription's subject matches the old layout and the
	// make call, not the request that goes through the stream.
	var subjects []string
	for {
		msg, err := core.NextMsg(50 * time.Millisecond)
		if err != nil {
			break
		}
		subjects = append(subjects, msg.Subject)
	}
	assert.ElementsMatch(t, []string{"orca.tel.SW.req.RequestDistributeUserEvent", "orca.tel.SW.req.RequestMakeCall"}, subjects)
}

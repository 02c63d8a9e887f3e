package sim_test

import (
	"context"
	"strconv"
	"sync"
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

// TestResponderCoreRequests: the responder receives the requests it
// answers from core NATS in the order they were sent, whatever their
// names, and the server does not send it the reporting requests there:
// it reads them from the reporting stream, also when a client published
// one with core NATS.
func TestResponderCoreRequests(t *testing.T) {
	url := server(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	orca := connect(t, url)
	js, err := jetstream.New(orca)
	require.NoError(t, err)
	_, err = wire.EnsureStream(ctx, js, wire.StreamOptions{})
	require.NoError(t, err)
	rnc := connect(t, url)
	r, err := sim.NewResponder(rnc, sim.ResponderOptions{Switch: "SW", CustomerID: "Environment"})
	require.NoError(t, err)
	got := make(chan wire.Message, 1000)
	require.NoError(t, r.Start(ctx, func(req wire.Message) error { got <- req; return nil }))
	t.Cleanup(r.Stop)
	require.NoError(t, rnc.Flush())

	names := []string{wire.RequestMakeCall, wire.RequestQueueSubmit, wire.RequestRouteCall, wire.RequestReleaseCall,
		wire.RequestGetStatistic}
	const n = 200
	for i := range n {
		m := wire.Message{V: wire.SchemaVersion, Name: names[i%len(names)], Switch: "SW", ReferenceID: uint64(i + 1)}
		data, err := wire.Encode(m)
		require.NoError(t, err)
		require.NoError(t, orca.Publish(wire.RequestSubject("SW", m.Name), data))
	}
	for i := range n {
		select {
		case m := <-got:
			require.Equal(t, uint64(i+1), m.ReferenceID, "request %d in order", i)
		case <-ctx.Done():
			t.Fatalf("%d of %d requests", i, n)
		}
	}

	// Reporting requests, stored in the stream as a port does, or
	// published with core NATS as a client without JetStream would: each
	// reaches the handler once, from the stream, and costs the
	// responder's connection one delivery, not two.
	before := rnc.Stats().InMsgs
	const reporting = 100
	for i := range reporting {
		m := wire.Message{V: wire.SchemaVersion, Name: wire.RequestDistributeUserEvent, Switch: "SW", ThisDN: "REPORTING",
			MsgID: "u-" + strconv.Itoa(i)}
		data, err := wire.Encode(m)
		require.NoError(t, err)
		if i%2 == 0 {
			_, err = js.Publish(ctx, wire.RequestSubject("SW", m.Name), data, jetstream.WithMsgID(m.MsgID))
			require.NoError(t, err)
			continue
		}
		require.NoError(t, orca.Publish(wire.RequestSubject("SW", m.Name), data))
	}
	seen := make(map[string]bool)
	for len(seen) < reporting {
		select {
		case m := <-got:
			require.Equal(t, wire.RequestDistributeUserEvent, m.Name)
			require.False(t, seen[m.MsgID], "%s handled twice", m.MsgID)
			seen[m.MsgID] = true
		case <-ctx.Done():
			t.Fatalf("%d of %d reporting requests", len(seen), reporting)
		}
	}
	assert.Less(t, rnc.Stats().InMsgs-before, uint64(reporting*3/2), "the reporting requests are delivered once")
	select {
	case m := <-got:
		t.Fatalf("a request handled twice: %s %s", m.Name, m.MsgID)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestResponderStopEndsItsWork: a reporting event that cannot be stored
// (no stream takes it) is being retried when the responder stops; Stop
// returns without waiting for the retries to run out, and the responder
// reports nothing after it returned.
func TestResponderStopEndsItsWork(t *testing.T) {
	url := server(t)
	var mu sync.Mutex
	stopped, late := false, 0
	r, err := sim.NewResponder(connect(t, url), sim.ResponderOptions{Switch: "SW_STOP", PublishTimeout: time.Second,
		OnError: func(err error) {
			mu.Lock()
			defer mu.Unlock()
			if stopped {
				late++
			}
		}})
	require.NoError(t, err)
	require.NoError(t, r.Publish(wire.Message{Name: string(telephony.EventUserEvent), ThisDN: "REPORTING", MsgID: "m-1"}))
	time.Sleep(100 * time.Millisecond) // being retried
	t0 := time.Now()
	r.Stop()
	assert.Less(t, time.Since(t0), 800*time.Millisecond, "Stop waited for the retries")
	mu.Lock()
	stopped = true
	mu.Unlock()
	time.Sleep(1300 * time.Millisecond) // past PublishTimeout
	mu.Lock()
	defer mu.Unlock()
	assert.Zero(t, late, "errors reported after Stop returned")
}

// TestResponderPausesBetweenRefusedStores: a store JetStream refuses at
// once (no stream takes the subject) is tried again after a pause that
// grows, not in a busy loop for the whole PublishTimeout.
func TestResponderPausesBetweenRefusedStores(t *testing.T) {
	url := server(t)
	nc := connect(t, url)
	failed := make(chan error, 1)
	r, err := sim.NewResponder(nc, sim.ResponderOptions{Switch: "SW_PAUSE", PublishTimeout: 600 * time.Millisecond,
		OnError: func(err error) {
			select {
			case failed <- err:
			default:
			}
		}})
	require.NoError(t, err)
	defer r.Stop()
	before := nc.Stats().OutMsgs
	require.NoError(t, r.Publish(wire.Message{Name: string(telephony.EventUserEvent), ThisDN: "REPORTING", MsgID: "m-1"}))
	select {
	case err := <-failed:
		assert.ErrorContains(t, err, "m-1")
	case <-time.After(5 * time.Second):
		t.Fatal("the refused store was never reported")
	}
	sent := nc.Stats().OutMsgs - before
	assert.Less(t, sent, uint64(40), "stores tried in %v", 600*time.Millisecond)
}

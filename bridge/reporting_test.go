package bridge_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// reportingDN counts, per message id, the EventUserEvents a durable
// consumer of the reporting DN reads from the stream.
type reportingDN struct {
	mu   sync.Mutex
	seen map[string]int
}

func consumeReportingDN(t *testing.T, nc *nats.Conn) *reportingDN {
	t.Helper()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	r := &reportingDN{seen: make(map[string]int)}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "icon",
		Subjects: []string{wire.EventSubject(sw, "REPORTING", string(telephony.EventUserEvent))}},
		func(m wire.Message) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.seen[m.UserData.String("key")]++
			return nil
		})
	require.NoError(t, err)
	t.Cleanup(stop)
	return r
}

func (r *reportingDN) count() (distinct, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.seen {
		distinct++
		total += n
	}
	return distinct, total
}

func userEvent(key string) telephony.UserEvent {
	return telephony.UserEvent{ThisDN: "REPORTING", Switch: sw, UserData: telephony.UserData{{Key: "key", Value: key}}}
}

// storedOn returns how many messages the reporting stream holds on subj.
func storedOn(t *testing.T, nc *nats.Conn, subj string) uint64 {
	t.Helper()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, wire.DefaultStream)
	require.NoError(t, err)
	info, err := s.Info(ctx, jetstream.WithSubjectFilter(subj))
	require.NoError(t, err)
	return info.State.Subjects[subj]
}

func TestJetStreamDeduplicates(t *testing.T) {
	srv := startServer(t)
	nc := connect(t, srv, bridge.RoleOrca)
	p, evs := newPort(t, nc, bridge.PortOptions{Switch: sw})
	key := bridge.ReportKey("65UA6ISSJH76R340BNDQ2DG0DG000036", 3)
	for range 2 {
		_, err := p.DistributeUserEvent(keyed(key, userEvent("k")))
		require.NoError(t, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, p.Flush(ctx))
	s := p.Stats()
	assert.Equal(t, uint64(2), s.Published)
	assert.Equal(t, uint64(1), s.Duplicates)
	assert.Equal(t, uint64(1), storedOn(t, nc, wire.RequestSubject(sw, wire.RequestDistributeUserEvent)))
	evs.quiet(t)
}

func TestNATSRestartLosesNoUserEvent(t *testing.T) {
	srv := startServer(t)
	startFake(t, connect(t, srv, bridge.RoleSwitch))
	icon := consumeReportingDN(t, connect(t, srv, bridge.RoleReader))
	p, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw})

	const n = 300
	keys := make([]string, n)
	for i := range keys {
		keys[i] = bridge.ReportKey("S1", uint64(i+1))
	}
	send := func(from, to int) {
		for _, k := range keys[from:to] {
			_, err := p.DistributeUserEvent(keyed(k, userEvent(k)))
			require.NoError(t, err)
		}
	}
	send(0, 100)
	// Stop the server while the first hundred may still be in flight.
	srv.stop()
	send(100, 200)
	assert.Positive(t, p.Stats().Pending, "user events wait in the outbox while the server is down")
	srv.start()
	send(200, n)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	t0 := time.Now()
	require.NoError(t, p.Flush(ctx))
	t.Logf("flushed in %s", time.Since(t0))
	require.Eventually(t, func() bool { d, _ := icon.count(); return d == n }, 10*time.Second, 10*time.Millisecond)
	t.Logf("reporting DN complete in %s", time.Since(t0))

	// Orca restarts and sends the first fifty again, with the same keys:
	// JetStream stores them once.
	p2, _ := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw})
	for _, k := range keys[:50] {
		_, err := p2.DistributeUserEvent(keyed(k, userEvent(k)))
		require.NoError(t, err)
	}
	require.NoError(t, p2.Flush(ctx))
	assert.Equal(t, uint64(50), p2.Stats().Duplicates)

	time.Sleep(200 * time.Millisecond)
	distinct, total := icon.count()
	assert.Equal(t, n, distinct)
	assert.Equal(t, n, total, "every user event reaches the reporting DN exactly once")
	nc := connect(t, srv, bridge.RoleOrca)
	assert.Equal(t, uint64(n), storedOn(t, nc, wire.RequestSubject(sw, wire.RequestDistributeUserEvent)))
	assert.Equal(t, uint64(n), storedOn(t, nc, wire.EventSubject(sw, "REPORTING", string(telephony.EventUserEvent))))
	s := p.Stats()
	assert.Zero(t, s.Failed)
	assert.GreaterOrEqual(t, s.Published, uint64(n))
	t.Logf("stats after restart: %+v", s)
}

func TestOutboxWaitsForUnreachableServer(t *testing.T) {
	srv := newServer(t)
	p, evs := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw})
	const n = 20
	var refs []telephony.ReferenceID
	for i := range n {
		ref, err := p.DistributeUserEvent(keyed(bridge.ReportKey("S2", uint64(i)), userEvent("x")))
		require.NoError(t, err)
		refs = append(refs, ref)
	}
	attach, err := p.UpdateUserData(telephony.UserDataChange{Op: telephony.Attach, ConnID: "c1", UserData: telephony.UserData{{Key: "a", Value: 1}}})
	require.NoError(t, err)
	time.Sleep(100 * time.Millisecond)
	s := p.Stats()
	assert.Equal(t, n+1, s.Pending)
	assert.Zero(t, s.Published)

	srv.start()
	f := startFake(t, connect(t, srv, bridge.RoleSwitch))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, p.Flush(ctx))
	s = p.Stats()
	assert.Equal(t, uint64(n+1), s.Published)
	assert.Zero(t, s.Pending)
	// Every user event is acknowledged, the attach to a call the switch
	// does not know refused. (Once connected, the port asks the switch
	// about c1, the call of its attach; told there is none, it delivers
	// its EventReleased.)
	acks, refused := 0, false
	for acks < n || !refused {
		ev := evs.next(t, 1)[0]
		switch {
		case ev.Type == telephony.EventACK:
			assert.Contains(t, refs, ev.ReferenceID)
			acks++
		case ev.Type == telephony.EventError && ev.ReferenceID == attach:
			assert.Equal(t, telephony.ErrCodeNoSuchCall, ev.ErrorCode)
			refused = true
		}
	}
	var handled []string
	for _, r := range f.requests() {
		if r.Name != wire.RequestQueryCall {
			handled = append(handled, r.Name)
		}
	}
	assert.Len(t, handled, n+1)
}

func TestOutboxBoundsFailLoudly(t *testing.T) {
	srv := newServer(t)
	var mu sync.Mutex
	var failed []error
	var msgs []wire.Message
	p, evs := newPort(t, connect(t, srv, bridge.RoleOrca), bridge.PortOptions{Switch: sw,
		Outbox: bridge.OutboxOptions{MaxPending: 3, MaxAge: 200 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 20 * time.Millisecond},
		OnFail: func(m wire.Message, err error) {
			mu.Lock()
			defer mu.Unlock()
			failed = append(failed, err)
			msgs = append(msgs, m)
		}})
	var refs []telephony.ReferenceID
	for i := range 3 {
		ref, err := p.DistributeUserEvent(userEvent(strconv.Itoa(i)))
		require.NoError(t, err)
		refs = append(refs, ref)
	}
	_, err := p.DistributeUserEvent(userEvent("x"))
	require.ErrorIs(t, err, bridge.ErrOutboxFull)
	assert.Equal(t, uint64(1), p.Stats().Rejected)

	got := evs.next(t, 3)
	for i, ev := range got {
		assert.Equal(t, telephony.EventError, ev.Type)
		assert.Equal(t, bridge.ErrCodeNotDelivered, ev.ErrorCode)
		assert.Equal(t, refs[i], ev.ReferenceID)
	}
	s := p.Stats()
	assert.Equal(t, uint64(3), s.Expired)
	assert.Equal(t, uint64(4), s.Failed)
	assert.Zero(t, s.Pending)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, failed, 4)
	assert.True(t, errors.Is(failed[0], bridge.ErrOutboxFull))
	assert.ErrorIs(t, failed[3], bridge.ErrNotDelivered)
	// The messages that expired are told whole, as the bus shows them.
	for i, m := range msgs[1:] {
		assert.Equal(t, wire.RequestDistributeUserEvent, m.Name)
		assert.Equal(t, uint64(refs[i]), m.ReferenceID)
		assert.NotEmpty(t, m.MsgID)
		assert.Equal(t, "REPORTING", m.ThisDN)
		assert.Equal(t, telephony.UserData{{Key: "key", Value: strconv.Itoa(i)}}, m.UserData)
	}
}

// keyed sets the de-duplication key of a user event.
func keyed(key string, ev telephony.UserEvent) telephony.UserEvent {
	ev.Key = key
	return ev
}

package wire_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// userEvents stores n EventUserEvents of the reporting DN of switch SW,
// numbered from first, and returns their subject.
func userEvents(t *testing.T, ctx context.Context, js jetstream.JetStream, first, n int) string {
	t.Helper()
	subj := wire.EventSubject("SW", "REPORTING", string(telephony.EventUserEvent))
	for i := first; i < first+n; i++ {
		m := wire.Message{V: wire.SchemaVersion, Name: string(telephony.EventUserEvent), Switch: "SW", ThisDN: "REPORTING",
			MsgID: "e-" + strconv.Itoa(i), UserData: telephony.UserData{{Key: "n", Value: strconv.Itoa(i)}}}
		data, err := wire.Encode(m)
		require.NoError(t, err)
		_, err = js.Publish(ctx, subj, data, jetstream.WithMsgID(m.MsgID))
		require.NoError(t, err)
	}
	return subj
}

// reportingServer starts a NATS server with the reporting stream and
// stores n EventUserEvents numbered from first in it; it returns the
// connection, its JetStream, a context for the test and the events'
// subject.
func reportingServer(t *testing.T, first, n int) (*nats.Conn, jetstream.JetStream, context.Context, string) {
	t.Helper()
	nc, js := jsServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	_, err := wire.EnsureStream(ctx, js, wire.StreamOptions{})
	require.NoError(t, err)
	return nc, js, ctx, userEvents(t, ctx, js, first, n)
}

// countAcks counts the consumer acknowledgements sent on the bus.
func countAcks(t *testing.T, nc *nats.Conn) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	sub, err := nc.Subscribe("$JS.ACK.>", func(*nats.Msg) { n.Add(1) })
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return &n
}

// consumerState returns the durable consumer's info.
func consumerState(t testing.TB, ctx context.Context, js jetstream.JetStream, durable string) *jetstream.ConsumerInfo {
	t.Helper()
	c, err := js.Consumer(ctx, wire.DefaultStream, durable)
	require.NoError(t, err)
	info, err := c.Info(ctx)
	require.NoError(t, err)
	return info
}

// handledSet records the messages handled, by their "n".
type handledSet struct {
	mu sync.Mutex
	n  map[string]int
}

func (h *handledSet) add(m wire.Message) int {
	v, _ := m.UserData.Get("n")
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil {
		h.n = make(map[string]int)
	}
	h.n[v.(string)]++
	return h.n[v.(string)]
}

func (h *handledSet) has(first, n int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := first; i < first+n; i++ {
		if h.n[strconv.Itoa(i)] == 0 {
			return false
		}
	}
	return true
}

// TestConsumeBatchAcks: with AckEvery, a consumer is made AckAll and the
// messages handled are acknowledged with far fewer acknowledgements than
// messages, every one of them in the end.
func TestConsumeBatchAcks(t *testing.T) {
	const n = 300
	nc, js, ctx, subj := reportingServer(t, 0, n)
	acks := countAcks(t, nc)
	var got handledSet
	stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "batch", Subjects: []string{subj},
		AckEvery: 20 * time.Millisecond}, func(m wire.Message) error { got.add(m); return nil })
	require.NoError(t, err)
	defer stop()
	require.Eventually(t, func() bool { return got.has(0, n) }, 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool {
		info := consumerState(t, ctx, js, "batch")
		return info.NumAckPending == 0 && info.AckFloor.Stream == n
	}, 5*time.Second, 10*time.Millisecond, "every message acknowledged")
	info := consumerState(t, ctx, js, "batch")
	assert.Equal(t, jetstream.AckAllPolicy, info.Config.AckPolicy)
	// The counting subscription hears of the acknowledgements after
	// the consumer has them.
	require.Eventually(t, func() bool { return acks.Load() > 0 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, nc.Flush())
	assert.Less(t, acks.Load(), int64(n/10), "one acknowledgement a batch")
}

// TestConsumeBatchAcksHoldBackFailure: a message whose handler fails is
// delivered again, and the messages after it are not acknowledged until
// it is handled.
func TestConsumeBatchAcksHoldBackFailure(t *testing.T) {
	const n = 10
	_, js, ctx, subj := reportingServer(t, 1, n)
	var got handledSet
	var fixed atomic.Bool
	var failures atomic.Int64
	stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "fail", Subjects: []string{subj},
		AckEvery: 10 * time.Millisecond}, func(m wire.Message) error {
		if v, _ := m.UserData.Get("n"); v == "5" && !fixed.Load() {
			failures.Add(1)
			return assert.AnError
		}
		got.add(m)
		return nil
	})
	require.NoError(t, err)
	defer stop()
	require.Eventually(t, func() bool { return got.has(6, 5) && failures.Load() >= 2 }, 10*time.Second, 5*time.Millisecond,
		"the failed message is delivered again")
	time.Sleep(100 * time.Millisecond) // several batches
	info := consumerState(t, ctx, js, "fail")
	assert.Equal(t, uint64(4), info.AckFloor.Stream, "nothing acknowledged from the failed message on")
	assert.Equal(t, 6, info.NumAckPending)
	fixed.Store(true)
	require.Eventually(t, func() bool {
		info := consumerState(t, ctx, js, "fail")
		return got.has(1, n) && info.NumAckPending == 0 && info.AckFloor.Stream == n
	}, 10*time.Second, 10*time.Millisecond, "all handled and acknowledged")
}

// TestConsumeBatchAcksAfterCrash: a reader that stops without a word (a
// crash) with messages delivered to it and not handled leaves them
// pending on the consumer; the next reader acknowledges nothing past them
// until they come to it again, so none is lost.
func TestConsumeBatchAcksAfterCrash(t *testing.T) {
	nc, js, ctx, subj := reportingServer(t, 1, 10)
	o := wire.ConsumeOptions{Durable: "crash", Subjects: []string{subj}, AckEvery: 10 * time.Millisecond,
		AckWait: 500 * time.Millisecond}

	// The first reader handles 1 to 3 and hangs at 4 with the rest
	// delivered to it; then its connection is gone.
	nc1, err := nats.Connect("", nats.InProcessServer(nc.Opts.InProcessServer))
	require.NoError(t, err)
	js1, err := jetstream.New(nc1)
	require.NoError(t, err)
	var got handledSet
	hang := make(chan struct{})
	defer close(hang)
	_, err = wire.ConsumeReporting(ctx, js1, o, func(m wire.Message) error {
		if v, _ := m.UserData.Get("n"); v == "4" {
			<-hang
			return assert.AnError
		}
		got.add(m)
		return nil
	})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return got.has(1, 3) }, 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return consumerState(t, ctx, js, "crash").AckFloor.Stream == 3 },
		5*time.Second, 5*time.Millisecond, "1 to 3 acknowledged")
	nc1.Close()

	// The next reader gets new messages at once, and the first reader's
	// again once their acknowledgement wait is over.
	stop, err := wire.ConsumeReporting(ctx, js, o, func(m wire.Message) error { got.add(m); return nil })
	require.NoError(t, err)
	defer stop()
	userEvents(t, ctx, js, 11, 10)
	require.Eventually(t, func() bool { return got.has(11, 10) }, 10*time.Second, 5*time.Millisecond)
	assert.LessOrEqual(t, consumerState(t, ctx, js, "crash").AckFloor.Stream, uint64(3),
		"nothing acknowledged past what the first reader left")
	require.Eventually(t, func() bool {
		info := consumerState(t, ctx, js, "crash")
		return got.has(1, 20) && info.NumAckPending == 0 && info.AckFloor.Stream == 20
	}, 10*time.Second, 10*time.Millisecond, "every message handled and acknowledged")
}

// TestConsumeKeepsExplicitConsumer: a durable consumer made before
// batches (AckExplicit), which cannot be changed, carries on from where it
// was with one acknowledgement a message.
func TestConsumeKeepsExplicitConsumer(t *testing.T) {
	nc, js, ctx, subj := reportingServer(t, 1, 5)
	var got handledSet
	handle := func(m wire.Message) error { got.add(m); return nil }
	stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "old", Subjects: []string{subj}}, handle)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		return got.has(1, 5) && consumerState(t, ctx, js, "old").NumAckPending == 0
	}, 10*time.Second, 5*time.Millisecond)
	stop()

	acks := countAcks(t, nc)
	stop, err = wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "old", Subjects: []string{subj},
		AckEvery: 10 * time.Millisecond}, handle)
	require.NoError(t, err)
	defer stop()
	userEvents(t, ctx, js, 6, 5)
	require.Eventually(t, func() bool {
		info := consumerState(t, ctx, js, "old")
		return got.has(6, 5) && info.NumAckPending == 0 && info.AckFloor.Stream == 10
	}, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, jetstream.AckExplicitPolicy, consumerState(t, ctx, js, "old").Config.AckPolicy)
	// The counting subscription hears of the acknowledgements after
	// the consumer has them: the five, and then nothing more.
	require.Eventually(t, func() bool { return acks.Load() >= 5 }, 5*time.Second, 5*time.Millisecond)
	require.NoError(t, nc.Flush())
	assert.Equal(t, int64(5), acks.Load(), "one acknowledgement a message")
	got.mu.Lock()
	defer got.mu.Unlock()
	for k, c := range got.n {
		assert.Equal(t, 1, c, "message %s handled once", k)
	}
}

// BenchmarkConsumeReporting reads stored EventUserEvents with a durable
// consumer and acknowledges each on its own (each) or a batch at a time
// (batch); allocations are the whole process's: the NATS server, which
// handles every acknowledgement, and the client.
func BenchmarkConsumeReporting(b *testing.B) {
	for _, bc := range []struct {
		name  string
		every time.Duration
	}{{"ack=each", 0}, {"ack=batch", 20 * time.Millisecond}} {
		b.Run(bc.name, func(b *testing.B) {
			_, js := jsServer(b)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, err := wire.EnsureStream(ctx, js, wire.StreamOptions{})
			require.NoError(b, err)
			subj := wire.EventSubject("SW", "REPORTING", string(telephony.EventUserEvent))
			data, err := wire.Encode(wire.Message{V: wire.SchemaVersion, Name: string(telephony.EventUserEvent), Switch: "SW",
				ThisDN: "REPORTING", UserData: telephony.UserData{{Key: "n", Value: "1"}}})
			require.NoError(b, err)
			for i := range b.N {
				_, err := js.PublishAsync(subj, data, jetstream.WithMsgID("e-"+strconv.Itoa(i)))
				require.NoError(b, err)
			}
			<-js.PublishAsyncComplete()
			var n atomic.Int64
			all := make(chan struct{})
			b.ReportAllocs()
			b.ResetTimer()
			stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "bench", Subjects: []string{subj},
				AckEvery: bc.every}, func(wire.Message) error {
				if n.Add(1) == int64(b.N) {
					close(all)
				}
				return nil
			})
			require.NoError(b, err)
			<-all
			require.Eventually(b, func() bool {
				c, err := js.Consumer(ctx, wire.DefaultStream, "bench")
				if err != nil {
					return false
				}
				info, err := c.Info(ctx)
				return err == nil && info.NumAckPending == 0
			}, 10*time.Second, time.Millisecond)
			b.StopTimer()
			stop()
		})
	}
}

// TestConsumeReportsAReaderEnded: a consumer deleted under its reader
// ends the reading, and the reader is told so rather than waiting for
// messages that will never come.
func TestConsumeReportsAReaderEnded(t *testing.T) {
	for _, every := range []time.Duration{0, 10 * time.Millisecond} {
		t.Run(fmt.Sprintf("AckEvery=%v", every), func(t *testing.T) {
			_, js, ctx, subj := reportingServer(t, 1, 2)
			errs := make(chan error, 4)
			var got handledSet
			stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "gone", Subjects: []string{subj}, AckEvery: every,
				OnError: func(err error) { errs <- err }}, func(m wire.Message) error { got.add(m); return nil })
			require.NoError(t, err)
			defer stop()
			require.Eventually(t, func() bool { return got.has(1, 2) }, 10*time.Second, 5*time.Millisecond)
			require.NoError(t, js.DeleteConsumer(ctx, wire.DefaultStream, "gone"))
			select {
			case err := <-errs:
				assert.ErrorContains(t, err, `reporting consumer "gone"`)
				assert.ErrorContains(t, err, "reading stopped")
			case <-time.After(15 * time.Second):
				t.Fatal("the deleted consumer's reader was not told")
			}
		})
	}
}

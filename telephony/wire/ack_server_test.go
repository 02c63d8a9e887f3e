package wire_test

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony/wire"
)

// failing fails the handling of the messages named by their "n" as many
// times as given, and counts the messages handled.
type failing struct {
	mu      sync.Mutex
	fails   map[string]int
	failed  atomic.Int64
	handled handledSet
}

func (f *failing) handle(m wire.Message) error {
	v, _ := m.UserData.Get("n")
	f.mu.Lock()
	if f.fails[v.(string)] > 0 {
		f.fails[v.(string)]--
		f.mu.Unlock()
		f.failed.Add(1)
		return assert.AnError
	}
	f.mu.Unlock()
	f.handled.add(m)
	return nil
}

// allAcked waits until the durable consumer has nothing pending and its
// floor is the stream's last message, n.
func allAcked(t *testing.T, ctx context.Context, js jetstream.JetStream, durable string, n uint64, within time.Duration) {
	t.Helper()
	var info *jetstream.ConsumerInfo
	ok := assert.Eventually(t, func() bool {
		info = consumerState(t, ctx, js, durable)
		return info.NumAckPending == 0 && info.AckFloor.Stream == n
	}, within, 10*time.Millisecond, "every message acknowledged")
	if !ok {
		t.Fatalf("ack floor %+v, %d pending, delivered %+v", info.AckFloor, info.NumAckPending, info.Delivered)
	}
}

// TestConsumeBatchAcksAboveLastDelivery: 1 fails once and 2 twice. 1's
// delivery again is acknowledged on its own while 2 waits, which raises
// the server's delivery floor above 3's delivery; the acknowledgement of
// the run 2, 3 must be sent with a later delivery than that, or the
// server ignores it and the two stay pending for good.
func TestConsumeBatchAcksAboveLastDelivery(t *testing.T) {
	_, js, ctx, subj := reportingServer(t, 1, 3)
	f := &failing{fails: map[string]int{"1": 1, "2": 2}}
	stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "stale", Subjects: []string{subj},
		AckEvery: 10 * time.Millisecond, AckWait: 500 * time.Millisecond}, f.handle)
	require.NoError(t, err)
	defer stop()
	allAcked(t, ctx, js, "stale", 3, 5*time.Second)
	assert.True(t, f.handled.has(1, 3))
}

// TestConsumeBatchAcksGapAfterRedeliveries: after the deliveries again
// above, a delivery that never reaches the reader (taken by another pull
// request, as a reconnect may lose one) makes the reader compare its
// count with the server's; it must come to agree and acknowledge every
// message, the one taken included once it comes again.
func TestConsumeBatchAcksGapAfterRedeliveries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fails map[string]int
	}{{"redelivered", map[string]int{"1": 1, "2": 2}}, {"in order", map[string]int{}}} {
		t.Run(tc.name, func(t *testing.T) {
			_, js, ctx, subj := reportingServer(t, 1, 3)
			f := &failing{fails: tc.fails}
			stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "gap", Subjects: []string{subj},
				AckEvery: 10 * time.Millisecond, AckWait: 500 * time.Millisecond}, f.handle)
			require.NoError(t, err)
			defer stop()
			allAcked(t, ctx, js, "gap", 3, 5*time.Second)

			c, err := js.Consumer(ctx, wire.DefaultStream, "gap")
			require.NoError(t, err)
			taken := make(chan int, 1)
			go func() {
				n := 0
				batch, err := c.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
				if err == nil {
					for range batch.Messages() {
						n++
					}
				}
				taken <- n
			}()
			require.Eventually(t, func() bool { return consumerState(t, ctx, js, "gap").NumWaiting > 1 },
				5*time.Second, 5*time.Millisecond, "the other pull request waits")
			for i := 4; i < 24; i++ {
				userEvents(t, ctx, js, i, 1)
				time.Sleep(2 * time.Millisecond)
			}
			n := <-taken
			t.Logf("%d delivery taken", n)
			allAcked(t, ctx, js, "gap", 23, 10*time.Second)
			assert.True(t, f.handled.has(1, 23))
		})
	}
}

// TestConsumeBatchAcksFailedMessageLeftStream: a message whose handler
// failed and that leaves the stream before it comes again (deleted,
// purged, too old) must not hold back the acknowledgement of the later
// ones for good.
func TestConsumeBatchAcksFailedMessageLeftStream(t *testing.T) {
	_, js, ctx, subj := reportingServer(t, 1, 3)
	f := &failing{fails: map[string]int{"2": 1 << 30}}
	stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "gone", Subjects: []string{subj},
		AckEvery: 10 * time.Millisecond, AckWait: 500 * time.Millisecond}, f.handle)
	require.NoError(t, err)
	defer stop()
	require.Eventually(t, func() bool { return f.failed.Load() >= 2 && f.handled.has(3, 1) }, 5*time.Second, 5*time.Millisecond)
	s, err := js.Stream(ctx, wire.DefaultStream)
	require.NoError(t, err)
	require.NoError(t, s.DeleteMsg(ctx, 2))
	userEvents(t, ctx, js, 4, 10)
	allAcked(t, ctx, js, "gone", 13, 5*time.Second)
	assert.True(t, f.handled.has(4, 10))
}

// TestConsumeBatchAcksNakTakes: a message that fails while a delivery
// again of an earlier one is handled comes again after the 100 ms of its
// negative acknowledgement, not after the acknowledgement wait: the
// server ignores a negative acknowledgement of a delivery at or below
// the last one acknowledged, so the earlier one's is held back until the
// later one's handler is done.
func TestConsumeBatchAcksNakTakes(t *testing.T) {
	_, js, ctx, subj := reportingServer(t, 1, 3)
	const wait = 3 * time.Second
	var mu sync.Mutex
	seen := map[string]int{}
	oneAgain := make(chan struct{})
	var failedAt, againAt atomic.Int64
	stop, err := wire.ConsumeReportingLater(ctx, js, wire.ConsumeOptions{Durable: "nak", Subjects: []string{subj},
		AckEvery: 10 * time.Millisecond, AckWait: wait}, func(m wire.Message, done func(error)) {
		v, _ := m.UserData.Get("n")
		mu.Lock()
		seen[v.(string)]++
		k := seen[v.(string)]
		mu.Unlock()
		switch {
		case v == "1" && k == 1:
			done(assert.AnError)
		case v == "1" && k == 2:
			done(nil)
			close(oneAgain)
		case v == "2" && k == 1:
			go func() {
				<-oneAgain
				time.Sleep(100 * time.Millisecond) // 1's batch is due
				failedAt.Store(time.Now().UnixNano())
				done(assert.AnError)
			}()
		case v == "2" && k == 2:
			againAt.Store(time.Now().UnixNano())
			done(nil)
		default:
			done(nil)
		}
	})
	require.NoError(t, err)
	defer stop()
	allAcked(t, ctx, js, "nak", 3, 2*wait)
	late := time.Duration(againAt.Load() - failedAt.Load())
	assert.Less(t, late, wait/3, "delivered again after its negative acknowledgement's delay")
}

// brokenLookup is a JetStream whose reporting stream cannot look its
// consumers up (a timeout).
type brokenLookup struct{ jetstream.JetStream }

func (b brokenLookup) Stream(ctx context.Context, name string) (jetstream.Stream, error) {
	s, err := b.JetStream.Stream(ctx, name)
	if err != nil {
		return nil, err
	}
	return brokenStream{s}, nil
}

type brokenStream struct{ jetstream.Stream }

func (brokenStream) Consumer(context.Context, string) (jetstream.Consumer, error) {
	return nil, context.DeadlineExceeded
}

// TestConsumeBatchAcksLookupFails: only a consumer known to be missing is
// made AckAll; an error looking an existing AckExplicit one up is
// returned as it is, and the consumer is left as it was.
func TestConsumeBatchAcksLookupFails(t *testing.T) {
	_, js, ctx, subj := reportingServer(t, 1, 2)
	var got handledSet
	handle := func(m wire.Message) error { got.add(m); return nil }
	stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Durable: "old", Subjects: []string{subj}}, handle)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return got.has(1, 2) }, 5*time.Second, 5*time.Millisecond)
	stop()

	_, err = wire.ConsumeReporting(ctx, brokenLookup{js}, wire.ConsumeOptions{Durable: "old", Subjects: []string{subj},
		AckEvery: 10 * time.Millisecond}, handle)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), `reporting consumer "old"`)
	assert.Equal(t, jetstream.AckExplicitPolicy, consumerState(t, ctx, js, "old").Config.AckPolicy)

	_, err = wire.ConsumeReporting(ctx, brokenLookup{js}, wire.ConsumeOptions{Durable: "new-" + strconv.Itoa(1),
		Subjects: []string{subj}, AckEvery: 10 * time.Millisecond}, handle)
	require.ErrorIs(t, err, context.DeadlineExceeded, "a new consumer's lookup fails as well")
}

package wire_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony/wire"
)

func TestParseAck(t *testing.T) {
	for _, tc := range []struct {
		name string
		data string
		want wire.Stored
		err  string
	}{
		// The forms nats-server writes (stream.go's pubAck template).
		{name: "stored", data: `{"stream":"ORCA_REPORTING","seq":42}`, want: wire.Stored{Seq: 42}},
		{name: "duplicate", data: `{"stream":"ORCA_REPORTING","seq":7,"duplicate": true}`, want: wire.Stored{Seq: 7, Duplicate: true}},
		{name: "domain", data: `{"stream":"S","domain":"hub","seq":3}`, want: wire.Stored{Seq: 3}},
		{name: "spaces and false", data: ` { "stream" : "S" , "seq" : 9 , "duplicate" : false } `, want: wire.Stored{Seq: 9}},
		// What the hand-written path leaves to encoding/json.
		{name: "escaped stream name", data: `{"stream":"S\u0041","seq":5}`, want: wire.Stored{Seq: 5}},
		{name: "unknown member", data: `{"stream":"S","seq":5,"batch":"b","count":2}`, want: wire.Stored{Seq: 5}},
		{name: "error", data: `{"error":{"code":503,"err_code":10077,"description":"maximum messages exceeded"}}`, err: "maximum messages exceeded"},
		{name: "no sequence", data: `{"stream":"S"}`, err: "no stream or sequence"},
		{name: "truncated", data: `{"stream":"S","seq":5`, err: "unexpected end"},
		{name: "empty", data: ``, err: "unexpected end"},
		{name: "not an object", data: `+OK`, err: "invalid character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := wire.ParseAck([]byte(tc.data))
			if tc.err != "" {
				require.Error(t, got.Err)
				assert.Contains(t, got.Err.Error(), tc.err)
				return
			}
			require.NoError(t, got.Err)
			assert.Equal(t, tc.want, got)
		})
	}
	var api *jetstream.APIError
	require.ErrorAs(t, wire.ParseAck([]byte(`{"error":{"code":400,"err_code":10054,"description":"x"}}`)).Err, &api)
	assert.Equal(t, jetstream.ErrorCode(10054), api.ErrorCode)
}

// jsServer starts a NATS server with JetStream that listens on no port,
// and connects to it in process.
func jsServer(t testing.TB) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	s, err := natsserver.NewServer(&natsserver.Options{DontListen: true, JetStream: true, StoreDir: t.TempDir(),
		NoSigs: true, NoLog: true})
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(5*time.Second), "in-process NATS server not ready")
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	nc, err := nats.Connect("", nats.InProcessServer(s))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	return nc, js
}

func TestPublisherStore(t *testing.T) {
	nc, js := jsServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, MaxMsgSize: 64})
	require.NoError(t, err)
	p, err := wire.NewPublisher(nc)
	require.NoError(t, err)
	defer p.Close()

	msgs := []wire.Outgoing{
		{Subject: "t.a", MsgID: "m1", Data: []byte("one")},
		{Subject: "t.b", Data: []byte("two")},
		{Subject: "t.a", MsgID: "m1", Data: []byte("one again")},
		{Subject: "t.c", MsgID: "big", Data: make([]byte, 100)},
		{Subject: "t.d", MsgID: "m4", Data: []byte("four")},
	}
	out := make([]wire.Stored, len(msgs))
	p.Store(msgs, 5*time.Second, out)
	require.NoError(t, out[0].Err)
	require.NoError(t, out[1].Err)
	require.NoError(t, out[2].Err)
	require.NoError(t, out[4].Err)
	assert.Equal(t, wire.Stored{Seq: 1}, out[0])
	assert.Equal(t, wire.Stored{Seq: 2}, out[1])
	assert.Equal(t, wire.Stored{Seq: 1, Duplicate: true}, out[2], "the same message id is stored once")
	var api *jetstream.APIError
	require.ErrorAs(t, out[3].Err, &api, "the stream refuses a message above its size limit")
	assert.Equal(t, wire.Stored{Seq: 3}, out[4])

	// What the acknowledgements say is what the stream holds, with the
	// message id in its header.
	m, err := st.GetMsg(ctx, 3)
	require.NoError(t, err)
	assert.Equal(t, "four", string(m.Data))
	assert.Equal(t, "m4", m.Header.Get(jetstream.MsgIDHeader))
	m, err = st.GetMsg(ctx, 2)
	require.NoError(t, err)
	assert.Empty(t, m.Header.Get(jetstream.MsgIDHeader))

	// No stream and no one else on the subject: the server says so at once.
	start := time.Now()
	p.Store([]wire.Outgoing{{Subject: "nostream", Data: []byte("x")}}, 5*time.Second, out)
	require.ErrorIs(t, out[0].Err, jetstream.ErrNoStreamResponse)
	assert.Less(t, time.Since(start), 4*time.Second)

	// A listener that does not answer: no acknowledgement in time.
	sub, err := nc.SubscribeSync("silent")
	require.NoError(t, err)
	defer func() { _ = sub.Unsubscribe() }()
	p.Store([]wire.Outgoing{{Subject: "silent", Data: []byte("x")}, {Subject: "t.e", Data: []byte("five")}}, 200*time.Millisecond, out)
	require.ErrorIs(t, out[0].Err, wire.ErrNoAck)
	assert.Equal(t, wire.Stored{Seq: 4}, out[1])
}

// publisherOnT returns a connection and a Publisher of it to a server
// with stream T on t.>.
func publisherOnT(t *testing.T) (*nats.Conn, *wire.Publisher) {
	t.Helper()
	nc, js := jsServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}})
	require.NoError(t, err)
	p, err := wire.NewPublisher(nc)
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return nc, p
}

func TestPublisherNotSentAfterFailure(t *testing.T) {
	nc, p := publisherOnT(t)
	out := make([]wire.Stored, 3)
	// Above the server's max payload: nats.go refuses it before sending,
	// and what follows is not sent, so that a retry keeps the order.
	p.Store([]wire.Outgoing{{Subject: "t.a", Data: []byte("a")}, {Subject: "t.b", Data: make([]byte, nc.MaxPayload()+1)}, {Subject: "t.c", Data: []byte("c")}}, 2*time.Second, out)
	require.NoError(t, out[0].Err)
	require.ErrorIs(t, out[1].Err, nats.ErrMaxPayload)
	require.ErrorIs(t, out[2].Err, wire.ErrNotSent)
}

// TestPublisherReplySubjects: a reply subject whose acknowledgement came
// is used again (the server caches what a subject it saw matches), one
// whose acknowledgement did not come in time never is, so that its late
// acknowledgement is not taken for another message's.
func TestPublisherReplySubjects(t *testing.T) {
	nc, p := publisherOnT(t)
	// A second connection sees each message's reply subject.
	spy, err := nats.Connect("", nats.InProcessServer(nc.Opts.InProcessServer))
	require.NoError(t, err)
	defer spy.Close()
	seen, err := spy.SubscribeSync(">")
	require.NoError(t, err)
	require.NoError(t, spy.Flush())
	reply := func(subject string) string {
		t.Helper()
		for {
			m, err := seen.NextMsg(2 * time.Second)
			require.NoError(t, err)
			if m.Subject == subject {
				return m.Reply
			}
		}
	}
	out := make([]wire.Stored, 1)

	replies := map[string]bool{}
	for i := range 5 {
		p.Store([]wire.Outgoing{{Subject: "t.a", Data: []byte("a")}}, 5*time.Second, out)
		require.NoError(t, out[0].Err)
		assert.Equal(t, uint64(i+1), out[0].Seq)
		replies[reply("t.a")] = true
	}
	assert.Len(t, replies, 1, "one message at a time: one reply subject")

	// No acknowledgement in time: its reply subject is retired.
	p.Store([]wire.Outgoing{{Subject: "silent", Data: []byte("x")}}, 100*time.Millisecond, out)
	require.ErrorIs(t, out[0].Err, wire.ErrNoAck)
	late := reply("silent")
	assert.True(t, replies[late], "the silent message took the free subject")
	// The next messages take a new one, and use it again.
	var next string
	for range 2 {
		p.Store([]wire.Outgoing{{Subject: "t.a", Data: []byte("b")}}, 5*time.Second, out)
		require.NoError(t, out[0].Err)
		r := reply("t.a")
		assert.NotEqual(t, late, r)
		if next != "" {
			assert.Equal(t, next, r)
		}
		next = r
	}

	// Two at once: the second gets a new subject, not the retired one;
	// the late acknowledgement sent meanwhile is nobody's.
	stored := make(chan []wire.Stored, 1)
	go func() {
		out := make([]wire.Stored, 2)
		p.Store([]wire.Outgoing{{Subject: "t.slow", Data: []byte("c")}, {Subject: "t.slow", Data: []byte("d")}}, 5*time.Second, out)
		stored <- out
	}()
	r1, r2 := reply("t.slow"), reply("t.slow")
	assert.NotEqual(t, late, r1)
	assert.NotEqual(t, late, r2)
	require.NoError(t, spy.Publish(late, []byte(`{"stream":"T","seq":99}`)))
	got := <-stored
	require.NoError(t, got[0].Err)
	require.NoError(t, got[1].Err)
	assert.Equal(t, []uint64{8, 9}, []uint64{got[0].Seq, got[1].Seq})
}

// TestPublisherConcurrent: calls of Store from several goroutines at once
// each get their own outcomes, also when some wait in vain.
func TestPublisherConcurrent(t *testing.T) {
	nc, js := jsServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}})
	require.NoError(t, err)
	sub, err := nc.SubscribeSync("silent")
	require.NoError(t, err)
	defer func() { _ = sub.Unsubscribe() }()
	p, err := wire.NewPublisher(nc)
	require.NoError(t, err)
	defer p.Close()
	const workers, rounds = 4, 25
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			out := make([]wire.Stored, 3)
			for r := range rounds {
				id := strconv.Itoa(w) + "-" + strconv.Itoa(r)
				msgs := []wire.Outgoing{{Subject: "t.a", MsgID: id + "a", Data: []byte(id)}, {Subject: "t.b", MsgID: id + "b", Data: []byte(id)}}
				if r%10 == 0 {
					msgs = append(msgs, wire.Outgoing{Subject: "silent", Data: []byte(id)})
				}
				p.Store(msgs, 300*time.Millisecond, out)
				for i := range 2 {
					if out[i].Err != nil || out[i].Seq == 0 || out[i].Duplicate {
						errs <- fmt.Errorf("%s %d: %+v", id, i, out[i])
						return
					}
				}
				if len(msgs) == 3 && !errors.Is(out[2].Err, wire.ErrNoAck) {
					errs <- fmt.Errorf("%s: silent subject: %+v", id, out[2])
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		require.NoError(t, <-errs)
	}
	info, err := st.Info(ctx)
	require.NoError(t, err)
	assert.Equal(t, uint64(2*workers*rounds), info.State.Msgs)
}

// BenchmarkPublisherStore stores a UserEvent-sized message at a time and
// waits for its acknowledgement, as the outbox does; jetstream shows
// PublishMsgAsync and its future, as the outbox did before.
func BenchmarkPublisherStore(b *testing.B) {
	data := make([]byte, 2400)
	for _, how := range []string{"wire", "jetstream"} {
		b.Run(how, func(b *testing.B) {
			nc, js := jsServer(b)
			ctx := context.Background()
			_, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.MemoryStorage})
			require.NoError(b, err)
			p, err := wire.NewPublisher(nc)
			require.NoError(b, err)
			defer p.Close()
			msgs := make([]wire.Outgoing, 1)
			out := make([]wire.Stored, 1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				id := "id-" + strconv.Itoa(i)
				if how == "wire" {
					msgs[0] = wire.Outgoing{Subject: "t.a", MsgID: id, Data: data}
					p.Store(msgs, 5*time.Second, out)
					if out[0].Err != nil {
						b.Fatal(out[0].Err)
					}
					continue
				}
				f, err := js.PublishMsgAsync(&nats.Msg{Subject: "t.a", Data: data, Header: nats.Header{}}, jetstream.WithMsgID(id))
				if err != nil {
					b.Fatal(err)
				}
				select {
				case <-f.Ok():
				case err := <-f.Err():
					b.Fatal(err)
				case <-time.After(5 * time.Second):
					b.Fatal(errors.New("no ack"))
				}
			}
		})
	}
}

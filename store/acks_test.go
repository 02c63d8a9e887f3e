package store

import (
	"errors"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The writer reads JetStream's answers to its writes itself: the
// revision a write was stored at, a compare-and-set refused (fencing),
// no stream to answer (tried again), anything else refused.
func TestParseAck(t *testing.T) {
	status := func(code string) nats.Header { return nats.Header{"Status": {code}} }
	for _, c := range []struct {
		name   string
		msg    nats.Msg
		seq    uint64
		fenced bool
		err    error
	}{
		{name: "stored", msg: nats.Msg{Data: []byte(`{"stream":"KV_ORCA_SESSIONS","seq":4711}`)}, seq: 4711},
		{name: "stored, with a domain", msg: nats.Msg{Data: []byte(`{"stream":"KV_ORCA_SESSIONS","domain":"hub","seq":12,"duplicate":true}`)}, seq: 12},
		{name: "wrong last sequence", msg: nats.Msg{Data: []byte(`{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 7"},"stream":"KV_ORCA_SESSIONS","seq":0}`)}, fenced: true},
		{name: "no responders", msg: nats.Msg{Header: status("503")}, err: jetstream.ErrNoStreamResponse},
		{name: "empty", msg: nats.Msg{}, err: jetstream.ErrInvalidJSAck},
		{name: "no sequence", msg: nats.Msg{Data: []byte(`{"stream":"KV_ORCA_SESSIONS"}`)}, err: jetstream.ErrInvalidJSAck},
		{name: "not JSON", msg: nats.Msg{Data: []byte(`{"error":`)}, err: jetstream.ErrInvalidJSAck},
	} {
		t.Run(c.name, func(t *testing.T) {
			seq, err := parseAck(&c.msg)
			assert.Equal(t, c.seq, seq)
			switch {
			case c.fenced:
				require.Error(t, err)
				assert.True(t, isFenced(err), "%v", err)
			case c.err != nil:
				assert.True(t, errors.Is(err, c.err), "%v", err)
				assert.False(t, isFenced(err))
			default:
				assert.NoError(t, err)
			}
		})
	}
}

// A batch whose answers all came before the writer waits for them is
// done at once, as is one whose last answer comes while it waits; an
// answer that comes after its batch ended is dropped.
func TestAcksOfABatch(t *testing.T) {
	a := &acks{prefix: "_INBOX.test.", waiting: make(map[uint64]*op)}
	ack := func(reply string, seq string) {
		a.handle(&nats.Msg{Subject: reply, Data: []byte(`{"stream":"KV_ORCA_SESSIONS","seq":` + seq + `}`)})
	}
	o1, o2 := &op{id: "a"}, &op{id: "b"}
	r1, r2 := a.expect(o1), a.expect(o2)
	ack(r1, "5")
	ack(r2, "6")
	select {
	case <-a.wait():
	default:
		t.Fatal("every answer came before the wait: the batch is done")
	}
	a.end(errors.New("late"))
	assert.Equal(t, uint64(5), o1.seq)
	assert.Equal(t, uint64(6), o2.seq)
	require.NoError(t, o1.err)

	o3, o4 := &op{id: "c"}, &op{id: "d"}
	r3, r4 := a.expect(o3), a.expect(o4)
	ack(r3, "7")
	done := a.wait()
	select {
	case <-done:
		t.Fatal("an answer is missing")
	default:
	}
	ack(r4, "8")
	select {
	case <-done:
	default:
		t.Fatal("the last answer came: the batch is done")
	}
	a.end(errors.New("late"))

	o5 := &op{id: "e"}
	r5 := a.expect(o5)
	a.wait()
	a.end(errors.New("no acknowledgement in time"))
	ack(r5, "9")
	assert.Zero(t, o5.seq, "an answer after its batch ended is dropped")
	assert.EqualError(t, o5.err, "no acknowledgement in time")
}

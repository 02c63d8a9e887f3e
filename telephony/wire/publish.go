package wire

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"
	"unsafe"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/orca-scxml/orca/internal/jsack"
)

// Publisher stores messages in JetStream streams and waits for the
// streams' acknowledgements: a message is published on its subject (which
// a stream captures) with a reply subject, and the stream answers there
// once it holds the message, as jetstream.PublishAsync does. A Publisher
// owns one subscription, to <inbox>.*, and numbers the reply subjects
// under it; an acknowledgement is read by hand. A number whose
// acknowledgement came is used again, so that the reply subjects are a
// few that repeat: the NATS server matches a subject it has not seen
// against its subscriptions and caches the result (some seven
// allocations an acknowledgement, BenchmarkPublisherStore), one it has
// seen costs it nothing. A number whose acknowledgement did not come in
// time, or whose publish failed, is never used again: a late
// acknowledgement is not taken for another message's. What it costs a message
// is the encoding of its Nats-Msg-Id header (nats.go's, two allocations)
// and the delivery of the acknowledgement, against the futures, channels, timers,
// and the decoding of each acknowledgement into a PubAck of
// jetstream.PublishAsync (BenchmarkPublisherStore: 24 allocations a
// message fewer).
type Publisher struct {
	nc     *nats.Conn
	prefix string
	sub    *nats.Subscription

	batches sync.Pool

	mu   sync.Mutex
	next uint64
	// free holds the numbers whose acknowledgement came, to be used
	// again; a number is in free or waits, or retired.
	free  []uint64
	waits map[uint64]pubWait
}

// Outgoing is a message to store: its subject, its data and its message
// id (the Nats-Msg-Id header JetStream de-duplicates by; "" for none).
type Outgoing struct {
	Subject string
	MsgID   string
	Data    []byte
}

// Stored is the outcome of storing one Outgoing: its sequence number in
// the stream and whether the stream had it already (a message id seen
// within its de-duplication window), or the error.
type Stored struct {
	Seq       uint64
	Duplicate bool
	Err       error
}

// ErrNoAck is the error of a message whose acknowledgement did not come
// in time: it may be stored or not, and is to be published again (with
// the same message id, so that it is stored once).
var ErrNoAck = errors.New("no acknowledgement in time")

// ErrNotSent is the error of a message not published because an earlier
// one of the same call could not be.
var ErrNotSent = errors.New("not sent: an earlier message could not be")

type pubWait struct {
	b *pubBatch
	i int
}

// pubBatch is one call of Store: its outcomes, how many are missing, and
// what its publishing reuses from call to call (a Publisher's calls
// take batches from a pool).
type pubBatch struct {
	out  []Stored
	left int
	// done receives one value when left reaches 0.
	done  chan struct{}
	timer *time.Timer
	hdr   nats.Header
	id    []string
	msg   nats.Msg
	reply []byte
	// nums are the reply numbers of the call's messages.
	nums []uint64
}

// NewPublisher subscribes to a new inbox of nc for the acknowledgements.
// The connection may be reconnecting; the subscription is made again on
// every reconnection, as all of a connection's are.
func NewPublisher(nc *nats.Conn) (*Publisher, error) {
	p := &Publisher{nc: nc, prefix: nc.NewInbox() + ".", waits: make(map[uint64]pubWait)}
	sub, err := nc.Subscribe(p.prefix+"*", p.onAck)
	if err != nil {
		return nil, fmt.Errorf("jetstream acknowledgements: subscribe: %w", err)
	}
	p.sub = sub
	return p, nil
}

// Close ends the subscription; Store waiting then fails with ErrNoAck.
func (p *Publisher) Close() { _ = p.sub.Unsubscribe() }

// Store publishes msgs in order and waits at most wait for their
// acknowledgements; out[i] (len(out) >= len(msgs)) is the outcome of
// msgs[i]. JetStream stores the messages of one connection in the order
// they are published. When a publish fails the messages after it are not
// published (ErrNotSent), so that a retry keeps the order. Store may be
// called from several goroutines at once.
func (p *Publisher) Store(msgs []Outgoing, wait time.Duration, out []Stored) {
	out = out[:len(msgs)]
	clear(out)
	if len(msgs) == 0 {
		return
	}
	b, _ := p.batches.Get().(*pubBatch)
	if b == nil {
		b = &pubBatch{done: make(chan struct{}, 1), hdr: nats.Header{}, id: []string{""}, reply: make([]byte, 0, 64)}
	}
	defer p.batches.Put(b)
	b.out, b.left = out, len(msgs)
	defer func() { b.out = nil }()
	b.nums = b.nums[:0]
	p.mu.Lock()
	for i := range msgs {
		var n uint64
		if k := len(p.free); k > 0 {
			n, p.free = p.free[k-1], p.free[:k-1]
		} else {
			n = p.next
			p.next++
		}
		b.nums = append(b.nums, n)
		p.waits[n] = pubWait{b: b, i: i}
	}
	p.mu.Unlock()

	sent := len(msgs)
	msg := &b.msg
	for i, m := range msgs {
		b.reply = strconv.AppendUint(append(b.reply[:0], p.prefix...), b.nums[i], 36)
		// The reply subject is read from b.reply: PublishMsg copies it
		// into the connection's buffer and keeps nothing of msg, which
		// is cleared before b.reply is written again.
		msg.Subject, msg.Reply, msg.Data, msg.Header = m.Subject, unsafe.String(unsafe.SliceData(b.reply), len(b.reply)), m.Data, nil
		if m.MsgID != "" {
			b.id[0] = m.MsgID
			b.hdr[jetstream.MsgIDHeader] = b.id
			msg.Header = b.hdr
		}
		err := p.nc.PublishMsg(msg)
		*msg = nats.Msg{}
		if err != nil {
			p.settle(b, b.nums[i], fmt.Errorf("publish on %s: %w", m.Subject, err), false)
			sent = i + 1
			break
		}
	}
	b.id[0] = ""
	for i := sent; i < len(msgs); i++ {
		// Never published: no acknowledgement can come for it.
		p.settle(b, b.nums[i], ErrNotSent, true)
	}

	if b.timer == nil {
		b.timer = time.NewTimer(wait)
	} else {
		b.timer.Reset(wait)
	}
	select {
	case <-b.done:
		b.timer.Stop()
		return
	case <-b.timer.C:
	}
	for _, n := range b.nums {
		p.settle(b, n, ErrNoAck, false)
	}
	// Every outcome is in: the last one sent its value.
	<-b.done
}

// settle records the outcome of message n of b, unless it has one
// already (n may then be another call's message); reuse says whether n
// may be used again (no acknowledgement can come for it any more).
func (p *Publisher) settle(b *pubBatch, n uint64, err error, reuse bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.waits[n]
	if !ok || w.b != b {
		return
	}
	delete(p.waits, n)
	if reuse {
		p.free = append(p.free, n)
	}
	w.b.out[w.i].Err = err
	p.finish(w.b)
}

// finish counts an outcome of b; p.mu is held.
func (p *Publisher) finish(b *pubBatch) {
	if b.left--; b.left == 0 {
		b.done <- struct{}{}
	}
}

func (p *Publisher) onAck(msg *nats.Msg) {
	n, err := strconv.ParseUint(msg.Subject[len(p.prefix):], 36, 64)
	if err != nil {
		return
	}
	st := Stored(jsack.FromMsg(msg))
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.waits[n]
	if !ok {
		return // too late: its Store has returned
	}
	delete(p.waits, n)
	// A stream answers a message once: n's answer is in.
	p.free = append(p.free, n)
	w.b.out[w.i] = st
	p.finish(w.b)
}

// ParseAck reads a stream's acknowledgement of a published message (see
// jsack.Parse).
func ParseAck(data []byte) Stored { return Stored(jsack.Parse(data)) }

package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orca-scxml/orca/telephony/wire"
)

// ErrOutboxFull is returned (wrapped) by a reporting request when the
// outbox already holds OutboxOptions.MaxPending messages.
var ErrOutboxFull = errors.New("bridge: reporting outbox full")

// ErrNotDelivered is the error (wrapped) of a reporting message that
// JetStream did not store within OutboxOptions.MaxAge.
var ErrNotDelivered = errors.New("bridge: reporting message not stored in time")

// OutboxOptions bound the reporting outbox of a Port.
type OutboxOptions struct {
	// MaxPending is how many messages may wait (10000 when zero);
	// requests beyond it fail with ErrOutboxFull.
	MaxPending int
	// MaxAge is how long a message may wait to be stored (5 minutes
	// when zero); then it fails with ErrNotDelivered.
	MaxAge time.Duration
	// AckWait is how long one publish waits for JetStream's
	// acknowledgement (2s when zero).
	AckWait time.Duration
	// Window is how many publishes are in flight at once (128 when
	// zero).
	Window int
	// RetryMin and RetryMax bound the pause between retries, which
	// doubles after each failed round (50ms and 2s when zero).
	RetryMin, RetryMax time.Duration
	// Dir, when set, keeps the outbox on disk there, in a JetStream of
	// its own (an in-process server that listens on no port): a request
	// returns once its message is stored there, and a port started again
	// on the directory (after a crash, a kill -9) publishes what was left.
	// Empty keeps the outbox in memory. One port at a time uses a
	// directory.
	Dir string
}

func (o OutboxOptions) withDefaults() OutboxOptions {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 10000
	}
	if o.Window <= 0 {
		o.Window = 128
	}
	def(&o.MaxAge, 5*time.Minute)
	def(&o.AckWait, 2*time.Second)
	def(&o.RetryMin, 50*time.Millisecond)
	def(&o.RetryMax, 2*time.Second)
	return o
}

// Stats are the counters of a Port.
type Stats struct {
	// Requests counts the requests sent, of every kind.
	Requests uint64
	// Published counts reporting messages JetStream acknowledged.
	Published uint64
	// Duplicates counts the acknowledgements that said the message
	// was already stored (a retry of a message stored before).
	Duplicates uint64
	// Pending is how many reporting messages wait in the outbox.
	Pending int
	// Retried counts publish attempts after the first.
	Retried uint64
	// Failed counts reporting messages given up: Rejected + Expired.
	Failed uint64
	// Rejected counts requests refused because the outbox was full.
	Rejected uint64
	// Expired counts messages not stored within MaxAge.
	Expired uint64
	// LastError is the last publish error ("" when none).
	LastError string
	// Queried counts the RequestQueryCall the port sent after
	// reconnecting, Recovered the events it delivered because their
	// answers told of them (a call released while the port was away).
	Queried, Recovered uint64
	// StatRequests counts the RequestGetStatistic the port sent,
	// StatAnswers the EventInfo answers it received.
	StatRequests, StatAnswers uint64
	// StatOpens counts the RequestOpenStatistic the port sent (renewals
	// included), StatNotices the notifications of opened statistics it
	// received.
	StatOpens, StatNotices uint64
}

type outItem struct {
	// msgID is the message's; the rest of it is in data, decoded again
	// only if it fails (a wire.Message is 672 bytes, data some 300 to
	// 1,500).
	msgID    string
	subj     string
	data     []byte
	enq      time.Time
	attempts int
	// seq is the item's sequence number in the journal (0 without one).
	seq uint64
}

// message returns the item's message, decoded from what is published (the
// codec reads every field it writes), as a reader of the bus sees it: V
// is the schema it was written in and integers of its user data are ints
// whatever their type when sent (int32, int64); data the decoder refuses,
// which the encoder never writes, gives a message of its id only.
func (it *outItem) message() wire.Message {
	m, err := wire.Decode(it.data)
	if err != nil {
		return wire.Message{MsgID: it.msgID}
	}
	return m
}

// outbox publishes reporting messages to JetStream until each is
// acknowledged, in order, a window at a time.
type outbox struct {
	nc  *nats.Conn
	js  jetstream.JetStream
	pub *wire.Publisher
	// enc encodes the messages added, each into a copy of its own.
	enc wire.Pool
	// subj are the subjects of the requests to the port's switch.
	subj requestSubjects
	// msgs and acks are publish's, reused from batch to batch.
	msgs   []wire.Outgoing
	acks   []wire.Stored
	o      OutboxOptions
	stream wire.StreamOptions
	fail   func(wire.Message, error)
	// jn keeps the items on disk (nil for an outbox in memory).
	jn *journal
	// purgeTo, when not 0, is a purge of the journal below it that
	// failed, tried again after each batch (publish's goroutine only):
	// every item below it is stored.
	purgeTo uint64

	mu      sync.Mutex
	items   []*outItem
	lastErr string
	ready   bool

	published, dups, retried, rejected, expired atomic.Uint64

	wake      chan struct{}
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

func newOutbox(nc *nats.Conn, js jetstream.JetStream, o OutboxOptions, s wire.StreamOptions, schema int, subj requestSubjects, fail func(wire.Message, error)) (*outbox, error) {
	b := &outbox{nc: nc, js: js, o: o.withDefaults(), stream: s, subj: subj, fail: fail,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	b.enc.Schema = schema
	pub, err := wire.NewPublisher(nc)
	if err != nil {
		return nil, err
	}
	b.pub = pub
	if o.Dir == "" {
		return b, nil
	}
	jn, err := openJournal(o.Dir)
	if err != nil {
		pub.Close()
		return nil, err
	}
	left, err := jn.entries()
	if err != nil {
		jn.close()
		pub.Close()
		return nil, err
	}
	for _, e := range left {
		m, err := wire.Decode(e.data)
		if err != nil {
			// Not Orca's: it cannot be published as a reporting message.
			_ = jn.remove(e.seq)
			continue
		}
		data := e.data
		if m.V > b.schema() {
			// Written in a schema the port no longer writes (a port
			// set back to schema 1 with entries of 2): the readers it
			// was set back for may not read them. The decoder reads
			// every field the encoder writes, so the message is the
			// same in the port's schema. The journal keeps the entry as
			// it is: a port set forward again sends it as written.
			// (Should the encoder refuse it, it goes as written.)
			if again, err := b.enc.Clone(&m); err == nil {
				data = again
			} else {
				b.note(fmt.Errorf("outbox %s: journal entry %d sent in schema %d: %w", o.Dir, e.seq, m.V, err))
			}
		}
		b.items = append(b.items, &outItem{msgID: m.MsgID, subj: b.subj.of(m.Switch, m.Name), data: data, enq: e.at, seq: e.seq})
	}
	b.jn = jn
	return b, nil
}

func (b *outbox) add(m wire.Message) error {
	data, err := b.enc.Clone(&m)
	if err != nil {
		return err
	}
	it := &outItem{msgID: m.MsgID, subj: b.subj.of(m.Switch, m.Name), data: data, enq: time.Now()}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.items); n >= b.o.MaxPending {
		b.rejected.Add(1)
		return fmt.Errorf("%s ref %d (msg id %s): %w: %d messages pending", m.Name, m.ReferenceID, m.MsgID, ErrOutboxFull, n)
	}
	if b.jn != nil {
		// Under b.mu, so that the journal's order is the outbox's.
		if it.seq, err = b.jn.append(&m, data); err != nil {
			return fmt.Errorf("%s ref %d (msg id %s): %w", m.Name, m.ReferenceID, m.MsgID, err)
		}
	}
	b.items = append(b.items, it)
	b.signal()
	return nil
}

// schema is the schema version the outbox writes.
func (b *outbox) schema() int {
	if b.enc.Schema == 0 {
		return wire.SchemaVersion
	}
	return b.enc.Schema
}

// forget removes an item the bus stored or that failed from the journal.
func (b *outbox) forget(it *outItem) {
	if b.jn == nil || it.seq == 0 {
		return
	}
	if err := b.jn.remove(it.seq); err != nil {
		b.note(err)
	}
}

func (b *outbox) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

func (b *outbox) stats() Stats {
	b.mu.Lock()
	pending, last := len(b.items), b.lastErr
	b.mu.Unlock()
	rej, exp := b.rejected.Load(), b.expired.Load()
	return Stats{Published: b.published.Load(), Duplicates: b.dups.Load(), Pending: pending,
		Retried: b.retried.Load(), Failed: rej + exp, Rejected: rej, Expired: exp, LastError: last}
}

func (b *outbox) pending() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.items)
}

func (b *outbox) flush(ctx context.Context) error {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		n := b.pending()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("flush reporting: %d messages pending: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}

// discard releases an outbox that never ran.
func (b *outbox) discard() {
	b.pub.Close()
	if b.jn != nil {
		b.jn.close()
	}
}

func (b *outbox) close() {
	b.closeOnce.Do(func() { close(b.stop) })
	<-b.done
	b.pub.Close()
	if b.jn != nil {
		b.jn.close()
	}
}

func (b *outbox) run() {
	defer close(b.done)
	connected := b.nc.StatusChanged(nats.CONNECTED)
	defer b.nc.RemoveStatusListener(connected)
	if b.nc.IsConnected() {
		// The stream exists from the start, for the readers of the
		// reporting DN.
		b.ensureStream()
	}
	wait := b.o.RetryMin
	for {
		b.mu.Lock()
		batch := slices.Clone(b.items[:min(len(b.items), b.o.Window)])
		b.mu.Unlock()
		if len(batch) == 0 {
			select {
			case <-b.wake:
				continue
			case <-b.stop:
				return
			}
		}
		stored := 0
		if b.nc.IsConnected() && b.ensureStream() {
			stored = b.publish(batch)
		}
		b.expire()
		if stored == len(batch) {
			wait = b.o.RetryMin
			continue
		}
		select {
		case <-time.After(wait):
			wait = min(2*wait, b.o.RetryMax)
		case <-connected:
			wait = b.o.RetryMin
		case <-b.stop:
			return
		}
	}
}

func (b *outbox) note(err error) {
	b.mu.Lock()
	b.lastErr = err.Error()
	if errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) {
		b.ready = false
	}
	b.mu.Unlock()
}

func (b *outbox) ensureStream() bool {
	b.mu.Lock()
	ready := b.ready
	b.mu.Unlock()
	if ready {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.o.AckWait)
	defer cancel()
	if _, err := wire.EnsureStream(ctx, b.js, b.stream); err != nil {
		b.note(err)
		return false
	}
	b.mu.Lock()
	b.ready = true
	b.mu.Unlock()
	return true
}

// publish sends a batch and returns how many of it JetStream stored.
func (b *outbox) publish(batch []*outItem) int {
	b.msgs = b.msgs[:0]
	for _, it := range batch {
		if it.attempts > 0 {
			b.retried.Add(1)
		}
		it.attempts++
		b.msgs = append(b.msgs, wire.Outgoing{Subject: it.subj, MsgID: it.msgID, Data: it.data})
	}
	b.acks = slices.Grow(b.acks[:0], len(batch))[:len(batch)]
	b.pub.Store(b.msgs, b.o.AckWait, b.acks)
	clear(b.msgs) // the items' data is not kept
	// The batch is the head of the outbox, in the journal's order: once
	// all of it is stored, one purge forgets it.
	whole := b.jn != nil && len(batch) > 1
	stored := 0
	for i, ack := range b.acks {
		if ack.Err != nil {
			if !errors.Is(ack.Err, wire.ErrNotSent) {
				b.note(fmt.Errorf("publish %s: %w", batch[i].msgID, ack.Err))
			}
			continue
		}
		b.remove(batch[i], ack.Duplicate, !whole)
		stored++
	}
	switch {
	case whole && stored == len(batch):
		b.purgeTo = max(b.purgeTo, batch[len(batch)-1].seq+1)
	case whole:
		// Part of the batch is left: what was stored is forgotten one
		// message at a time.
		for _, it := range batch {
			if b.stored(it) {
				b.forget(it)
			}
		}
	}
	if b.purgeTo > 0 && b.jn != nil {
		if err := b.jn.removeBefore(b.purgeTo); err != nil {
			b.note(err) // tried again after the next batch
		} else {
			b.purgeTo = 0
		}
	}
	return stored
}

// stored reports whether it has left the outbox.
func (b *outbox) stored(it *outItem) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return !slices.Contains(b.items, it)
}

// remove takes a stored item out of the outbox, and out of the journal
// when forget is set.
func (b *outbox) remove(it *outItem, dup, forget bool) {
	b.mu.Lock()
	if i := slices.Index(b.items, it); i >= 0 {
		b.items = slices.Delete(b.items, i, i+1)
	}
	b.mu.Unlock()
	if forget {
		b.forget(it)
	}
	b.published.Add(1)
	if dup {
		b.dups.Add(1)
	}
}

// expire fails the messages older than MaxAge.
func (b *outbox) expire() {
	now := time.Now()
	var gone []*outItem
	b.mu.Lock()
	last := b.lastErr
	b.items = slices.DeleteFunc(b.items, func(it *outItem) bool {
		if now.Sub(it.enq) > b.o.MaxAge {
			gone = append(gone, it)
			return true
		}
		return false
	})
	b.mu.Unlock()
	for _, it := range gone {
		b.forget(it)
		b.expired.Add(1)
		m := it.message()
		b.fail(m, fmt.Errorf("%s ref %d (msg id %s): %w after %d attempts in %s (last error: %s)",
			m.Name, m.ReferenceID, m.MsgID, ErrNotDelivered, it.attempts, b.o.MaxAge, last))
	}
}

package store

import (
	"fmt"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"
	"github.com/orca-scxml/orca/internal/jsack"
)

// acks receives JetStream's acknowledgements of the writer's messages.
// The writer publishes each snapshot as a plain NATS message whose reply
// subject is one of a subscription of its own (the inbox prefix and the
// number of the write), and reads the acknowledgement itself: the
// client's asynchronous publish made a future with two channels, a timer
// and a decoded JSON answer for every write, though the writer waits for
// a batch at a time (see docs/durability.md).
type acks struct {
	prefix string // the reply subjects' prefix: <inbox>.
	sub    *nats.Subscription

	mu      sync.Mutex
	next    uint64
	waiting map[uint64]*op
	// done is closed once waiting is empty (wait).
	done chan struct{}
}

// newAcks subscribes to the replies of the writes on nc.
func newAcks(nc *nats.Conn) (*acks, error) {
	a := &acks{prefix: nc.NewInbox() + ".", waiting: make(map[uint64]*op)}
	sub, err := nc.Subscribe(a.prefix+"*", a.handle)
	if err != nil {
		return nil, fmt.Errorf("store: the subscription to acknowledgements: %w", err)
	}
	a.sub = sub
	return a, nil
}

// close ends the subscription.
func (a *acks) close() { _ = a.sub.Unsubscribe() }

// expect registers o, about to be published, and returns its reply
// subject.
func (a *acks) expect(o *op) string {
	a.mu.Lock()
	a.next++
	n := a.next
	a.waiting[n] = o
	a.mu.Unlock()
	return a.prefix + strconv.FormatUint(n, 10)
}

// forget takes o, whose publish failed, off the writes expected.
func (a *acks) forget(reply string) {
	n, err := strconv.ParseUint(reply[len(a.prefix):], 10, 64)
	if err != nil {
		return
	}
	a.mu.Lock()
	if _, ok := a.waiting[n]; ok {
		delete(a.waiting, n)
		a.settle()
	}
	a.mu.Unlock()
}

// wait returns a channel closed once every write expected has its
// answer.
func (a *acks) wait() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	done := make(chan struct{})
	a.done = done
	a.settle()
	return done
}

// end ends the batch: the writes still waiting get err.
func (a *acks) end(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for n, o := range a.waiting {
		o.err = err
		delete(a.waiting, n)
	}
	a.done = nil
}

// settle closes done once nothing is waiting; a.mu is held.
func (a *acks) settle() {
	if len(a.waiting) == 0 && a.done != nil {
		close(a.done)
		a.done = nil
	}
}

// handle reads the acknowledgement of one write; one that comes after
// its batch ended (taken for failed, written again) is dropped.
func (a *acks) handle(m *nats.Msg) {
	if len(m.Subject) <= len(a.prefix) {
		return
	}
	n, err := strconv.ParseUint(m.Subject[len(a.prefix):], 10, 64)
	if err != nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	o := a.waiting[n]
	if o == nil {
		return
	}
	delete(a.waiting, n)
	o.seq, o.err = parseAck(m)
	a.settle()
}

// parseAck returns the sequence JetStream stored a write at, or why it
// did not: {"stream":"KV_ORCA_SESSIONS","seq":12} or
// {"error":{"code":400,"err_code":10071,"description":"..."},...}, or no
// responders (no stream leader: the write is tried again).
func parseAck(m *nats.Msg) (uint64, error) {
	a := jsack.FromMsg(m)
	return a.Seq, a.Err
}

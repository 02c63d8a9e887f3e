package wire

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ackVerifyEvery bounds how often a batch acknowledger asks the server
// for the consumer's state while it cannot tell whether every message
// pending on the consumer is one it received.
const ackVerifyEvery = 250 * time.Millisecond

// ackStallMargin is how long past the consumer's acknowledgement wait a
// batch acknowledger that acknowledged nothing while it had handled
// messages waiting asks the server for the consumer's state: a message
// that held the others back and left the stream (purged, deleted, too
// old) before it came again never comes again.
const ackStallMargin = time.Second

// ackBatchMax is how many messages handled a batch acknowledger gathers
// before it acknowledges at once rather than at the end of its delay.
const ackBatchMax = 256

// handledMsg is a message handled and not acknowledged yet.
type handledMsg struct {
	msg        jetstream.Msg
	sseq, dseq uint64
}

// batchAcker acknowledges the messages of an AckAll consumer a batch at
// a time: one acknowledgement of the last of a run of handled messages
// acknowledges the run (the server takes an acknowledgement as covering
// every message of the stream up to it). It acknowledges a message only
// when every message pending on the consumer at or below it was handled:
//
//   - a message whose handler failed (delivered again after a delay)
//     holds back the acknowledgement of every later one until it is
//     handled;
//   - messages the consumer delivered elsewhere (to a previous reader
//     that stopped or crashed with messages unacknowledged, or to a pull
//     request of one still waiting on the server) are not known by
//     sequence: while the deliveries it received do not follow one
//     another without a gap, the acknowledger asks the server for the
//     consumer's state and acknowledges nothing until the messages
//     pending there are all ones it received (those delivered elsewhere
//     come again once their acknowledgement wait is over).
//
// The server ignores an AckAll acknowledgement whose delivery sequence
// is at or below that of the last one it took, and a negative
// acknowledgement of such a delivery: an acknowledgement is sent only
// with a delivery above the last one sent and below that of every
// message still in its handler; a run whose last message's delivery is
// older waits for its next delivery.
//
// One reader per consumer: a second one's acknowledgements would cover
// this one's messages.
type batchAcker struct {
	every time.Duration
	wait  time.Duration // the consumer's acknowledgement wait
	info  func(context.Context) (*jetstream.ConsumerInfo, error)

	mu sync.Mutex
	// floor is the stream sequence acknowledged up to.
	floor uint64
	// ackedD is the delivery sequence of the last acknowledgement sent
	// or, when higher, of the server's acknowledgement floor: the server
	// ignores an acknowledgement or a negative one at or below it.
	ackedD uint64
	// clean says every message pending on the consumer is one received
	// here: known when the server's state said so, lost at a gap in the
	// delivery sequence.
	clean bool
	dseq  uint64 // the last delivery received
	// open holds the stream sequences received and not handled yet,
	// with the delivery in its handler (0 once its handler failed).
	open     map[uint64]uint64
	done     []handledMsg // handled, not acknowledged, by stream sequence
	timer    *time.Timer
	verified time.Time
	// acked is when the last acknowledgement was sent, or the wait
	// without one began.
	acked    time.Time
	v        *ackCheck  // the check of the server's state under way
	armed    bool       // a flush is due
	slow     bool       // the flush due is a retry, at ackVerifyEvery
	flushing sync.Mutex // one flush at a time
	closed   bool
}

// ackCheck compares the messages pending on the consumer, by the
// server's account, with those received here: the server counts the
// deliveries on their way here too, so those received after the
// question, up to the last delivery the server counted, are counted
// in as they arrive.
type ackCheck struct {
	from    time.Time
	d0      uint64   // the last delivery received when asked
	known   []uint64 // the messages received and not acknowledged then
	arrived [][2]uint64
	gap     bool
	answer  *jetstream.ConsumerInfo
}

func newBatchAcker(every, wait time.Duration, info func(context.Context) (*jetstream.ConsumerInfo, error)) *batchAcker {
	a := &batchAcker{every: every, wait: wait, info: info, open: make(map[uint64]uint64), acked: time.Now()}
	a.timer = time.AfterFunc(time.Hour, a.flush)
	a.timer.Stop()
	return a
}

// received notes a delivery before it is handled; it returns its
// sequences.
func (a *batchAcker) received(msg jetstream.Msg) (sseq, dseq uint64) {
	as, ok := ParseAckSubject(msg.Reply())
	if !ok {
		return 0, 0
	}
	sseq, dseq = as.StreamSeq, as.ConsumerSeq
	a.mu.Lock()
	if dseq != a.dseq+1 {
		a.clean = false
		if a.v != nil {
			a.v.gap = true
		}
	}
	if a.v != nil && !a.knows(sseq) {
		a.v.arrived = append(a.v.arrived, [2]uint64{dseq, sseq})
	}
	a.dseq = max(a.dseq, dseq)
	a.open[sseq] = dseq
	a.check()
	a.mu.Unlock()
	return sseq, dseq
}

// settle records the outcome of a message's handling: handled (err nil)
// it is acknowledged with the next batch, else it is delivered again
// after a delay and holds back the acknowledgement of later ones.
func (a *batchAcker) settle(msg jetstream.Msg, sseq, dseq uint64, err error) {
	if sseq == 0 {
		// No metadata: not a consumer's delivery.
		settle(msg, err)
		return
	}
	if err != nil {
		a.mu.Lock()
		if d, ok := a.open[sseq]; ok && d == dseq {
			a.open[sseq] = 0
		}
		a.mu.Unlock()
		_ = msg.NakWithDelay(100 * time.Millisecond)
		return
	}
	a.mu.Lock()
	delete(a.open, sseq)
	// A delivery above the last acknowledged one of a message thought
	// acknowledged shows that the acknowledgement did not take.
	if sseq > a.floor || dseq > a.ackedD {
		h := handledMsg{msg: msg, sseq: sseq, dseq: dseq}
		i, found := slices.BinarySearchFunc(a.done, sseq, func(h handledMsg, s uint64) int {
			return cmpUint(h.sseq, s)
		})
		switch {
		case !found:
			a.done = slices.Insert(a.done, i, h)
		case dseq > a.done[i].dseq:
			// Handled again: its latest delivery is acknowledged.
			a.done[i] = h
		}
	}
	closed := a.closed
	switch {
	case closed:
	case len(a.done) >= ackBatchMax:
		a.armed = true
		a.timer.Reset(0)
	case !a.armed || a.slow:
		a.armed, a.slow = true, false
		a.timer.Reset(a.every)
	}
	a.mu.Unlock()
	if closed {
		// Handled after the reader stopped: acknowledged now, as
		// one acknowledgement at a time would be.
		a.flush()
	}
}

func cmpUint(x, y uint64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// flush acknowledges the longest run of handled messages no message
// pending below them holds back.
func (a *batchAcker) flush() {
	a.flushing.Lock()
	defer a.flushing.Unlock()
	a.mu.Lock()
	a.armed, a.slow = false, false
	clean, verified := a.clean, a.verified
	a.mu.Unlock()
	if !clean && time.Since(verified) >= ackVerifyEvery {
		a.verify()
	}
	a.mu.Lock()
	stalled := len(a.done) > 0 && time.Since(a.acked) >= a.wait+ackStallMargin
	a.mu.Unlock()
	if stalled && time.Since(verified) >= ackVerifyEvery {
		// Nothing acknowledged for longer than a message that holds
		// the others back takes to come again: the server's state says
		// whether it left the stream.
		a.verify()
		a.mu.Lock()
		a.acked = time.Now()
		a.mu.Unlock()
	}
	a.mu.Lock()
	if !a.clean {
		a.rearm()
		a.mu.Unlock()
		return
	}
	lo, loD := uint64(1<<64-1), uint64(1<<64-1)
	for s, d := range a.open {
		lo = min(lo, s)
		if d > 0 {
			loD = min(loD, d)
		}
	}
	k := -1
	for i, h := range a.done {
		if h.sseq >= lo {
			break
		}
		k = i
	}
	// The server takes an acknowledgement only of a delivery above the
	// last one it took, and a later negative acknowledgement only of a
	// delivery above that.
	for k >= 0 && (a.done[k].dseq <= a.ackedD || a.done[k].dseq > loD) {
		k--
	}
	var last handledMsg
	if k >= 0 {
		last = a.done[k]
		a.done = slices.Delete(a.done, 0, k+1)
		a.floor = max(a.floor, last.sseq)
		a.ackedD = last.dseq
		a.acked = time.Now()
	}
	if len(a.done) == 0 {
		a.acked = time.Now()
	} else {
		a.rearm()
	}
	a.mu.Unlock()
	if last.msg != nil {
		_ = last.msg.Ack()
	}
}

// rearm has the acknowledger try again later while handled messages
// wait; a.mu is held.
func (a *batchAcker) rearm() {
	if len(a.done) > 0 && !a.closed && !a.armed {
		a.armed, a.slow = true, true
		a.timer.Reset(max(a.every, ackVerifyEvery))
	}
}

// knows reports whether the message of stream sequence sseq was
// received and is not acknowledged; a.mu is held.
func (a *batchAcker) knows(sseq uint64) bool {
	if _, ok := a.open[sseq]; ok {
		return true
	}
	_, found := slices.BinarySearchFunc(a.done, sseq, func(h handledMsg, s uint64) int {
		return cmpUint(h.sseq, s)
	})
	return found
}

// verify asks the server for the consumer's state; the acknowledger is
// clean once every message pending there is one received here.
func (a *batchAcker) verify() {
	a.mu.Lock()
	if a.v != nil {
		if time.Since(a.v.from) < 2*time.Second {
			a.mu.Unlock()
			return
		}
		a.v = nil // a delivery counted never came: ask again
	}
	v := &ackCheck{from: time.Now(), d0: a.dseq}
	for s := range a.open {
		v.known = append(v.known, s)
	}
	for _, h := range a.done {
		if _, ok := a.open[h.sseq]; !ok {
			v.known = append(v.known, h.sseq)
		}
	}
	a.v = v
	a.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ci, err := a.info(ctx)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.verified = time.Now()
	if a.v != v {
		return
	}
	if err != nil {
		a.v = nil
		return
	}
	v.answer = ci
	a.check()
}

// check concludes the check under way once every delivery the server
// counted has arrived; a.mu is held.
func (a *batchAcker) check() {
	v := a.v
	if v == nil || v.answer == nil || a.dseq < v.answer.Delivered.Consumer {
		return
	}
	a.v = nil
	f := v.answer.AckFloor.Stream
	a.floor = max(a.floor, f)
	a.ackedD = max(a.ackedD, v.answer.AckFloor.Consumer)
	i := 0
	for i < len(a.done) && a.done[i].sseq <= f {
		i++
	}
	a.done = slices.Delete(a.done, 0, i)
	// A message at or below the server's floor that was not handled
	// here left the stream (or was acknowledged with a termination):
	// it will not come again.
	for s := range a.open {
		if s <= f {
			delete(a.open, s)
		}
	}
	if v.gap {
		return
	}
	n := 0
	for _, s := range v.known {
		if s > f {
			n++
		}
	}
	for _, d := range v.arrived {
		if d[0] <= v.answer.Delivered.Consumer && d[1] > f {
			n++
		}
	}
	if n == v.answer.NumAckPending {
		a.clean = true
	}
}

// start takes the consumer's state when it was made: with nothing
// pending and no other reader waiting, every message pending from now on
// is one received here.
func (a *batchAcker) start(ci *jetstream.ConsumerInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.floor, a.dseq, a.ackedD = ci.AckFloor.Stream, ci.Delivered.Consumer, ci.AckFloor.Consumer
	a.clean = ci.NumAckPending == 0 && ci.NumWaiting == 0
}

// close acknowledges what it can and stops.
func (a *batchAcker) close() {
	a.mu.Lock()
	a.closed = true
	a.mu.Unlock()
	a.timer.Stop()
	a.flush()
}

// AckSubject is what the reply subject of a JetStream consumer's
// delivery says of it.
type AckSubject struct {
	// Stream and Consumer name the consumer; StreamSeq and ConsumerSeq
	// are the delivery's sequences (0 where not decimal digits, as
	// jetstream reads them).
	Stream, Consumer       string
	StreamSeq, ConsumerSeq uint64
}

// ParseAckSubject reads a consumer delivery's reply subject, as
// jetstream.Msg.Metadata does without the metadata's allocation:
// $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<time>.<pending>
// (9 tokens), or, from newer servers, with <domain>.<account hash> after
// $JS.ACK and tokens of their own after <pending> (11 tokens or more).
// ok is false for any other subject. Stream and Consumer are substrings
// of reply.
func ParseAckSubject(reply string) (a AckSubject, ok bool) {
	rest, found := strings.CutPrefix(reply, "$JS.ACK.")
	if !found {
		return AckSubject{}, false
	}
	switch n := strings.Count(reply, ".") + 1; {
	case n == 9:
	case n >= 11:
		_, rest, _ = strings.Cut(rest, ".") // domain
		_, rest, _ = strings.Cut(rest, ".") // account hash
	default:
		return AckSubject{}, false
	}
	a.Stream, rest, _ = strings.Cut(rest, ".")
	a.Consumer, rest, _ = strings.Cut(rest, ".")
	_, rest, _ = strings.Cut(rest, ".") // delivered
	s, rest, _ := strings.Cut(rest, ".")
	d, _, _ := strings.Cut(rest, ".")
	a.StreamSeq, a.ConsumerSeq = ackNum(s), ackNum(d)
	return a, true
}

// ackNum reads a sequence of an acknowledgement subject: decimal digits,
// 0 for anything else (as jetstream reads it).
func ackNum(s string) uint64 {
	var n uint64
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return 0
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n
}

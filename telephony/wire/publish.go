package wire

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Publisher stores messages in JetStream streams and waits for the
// streams' acknowledgements: a message is published on its subject (which
// a stream captures) with a reply subject, and the stream answers there
// once it holds the message, as jetstream.PublishAsync does. A Publisher
// owns one subscription, to <inbox>.*, and numbers the reply subjects
// under it; an acknowledgement is read by hand. What it costs a message
// is its reply subject, the encoding of its Nats-Msg-Id header and the
// delivery of the acknowledgement, against the futures, channels, timers,
// and the decoding of each acknowledgement into a PubAck of
// jetstream.PublishAsync (BenchmarkPublisherStore: 24 allocations a
// message fewer).
type Publisher struct {
	nc     *nats.Conn
	prefix string
	sub    *nats.Subscription

	batches sync.Pool

	mu    sync.Mutex
	next  uint64
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
	p.mu.Lock()
	first := p.next
	p.next += uint64(len(msgs))
	for i := range msgs {
		p.waits[first+uint64(i)] = pubWait{b: b, i: i}
	}
	p.mu.Unlock()

	sent := len(msgs)
	msg := &b.msg
	for i, m := range msgs {
		b.reply = strconv.AppendUint(append(b.reply[:0], p.prefix...), first+uint64(i), 36)
		msg.Subject, msg.Reply, msg.Data, msg.Header = m.Subject, string(b.reply), m.Data, nil
		if m.MsgID != "" {
			b.id[0] = m.MsgID
			b.hdr[jetstream.MsgIDHeader] = b.id
			msg.Header = b.hdr
		}
		err := p.nc.PublishMsg(msg)
		*msg = nats.Msg{}
		if err != nil {
			p.settle(first+uint64(i), fmt.Errorf("publish on %s: %w", m.Subject, err))
			sent = i + 1
			break
		}
	}
	b.id[0] = ""
	for i := sent; i < len(msgs); i++ {
		p.settle(first+uint64(i), ErrNotSent)
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
	for i := range msgs {
		p.settle(first+uint64(i), ErrNoAck)
	}
	// Every outcome is in: the last one sent its value.
	<-b.done
}

// settle records the outcome of message n, unless it has one already.
func (p *Publisher) settle(n uint64, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.waits[n]
	if !ok {
		return
	}
	delete(p.waits, n)
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
	st := ParseAck(msg.Data)
	if len(msg.Data) == 0 && msg.Header != nil {
		// A status without a body: 503 when no stream captured the
		// subject and no one else listens to it.
		if s := msg.Header.Get("Status"); s == "503" {
			st.Err = jetstream.ErrNoStreamResponse
		} else {
			st.Err = fmt.Errorf("jetstream acknowledgement: status %s %s", s, msg.Header.Get("Description"))
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.waits[n]
	if !ok {
		return // too late: its Store has returned
	}
	delete(p.waits, n)
	w.b.out[w.i] = st
	p.finish(w.b)
}

// ParseAck reads a stream's acknowledgement of a published message:
// {"stream":"S","seq":N} with "domain" and "duplicate": true when they
// apply, or {"error":{"code":..,"err_code":..,"description":..}} (then
// Err is a *jetstream.APIError). The members the acknowledgement always
// has are read by hand; anything else (an error, an escaped string) is
// left to encoding/json.
func ParseAck(data []byte) Stored {
	var st Stored
	seen := false
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return parseAckJSON(data)
	}
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != '}' {
		ks, ke, ok := plainString(data, i)
		if !ok {
			return parseAckJSON(data)
		}
		key := data[ks:ke]
		i = skipSpace(data, ke+1)
		if i >= len(data) || data[i] != ':' {
			return parseAckJSON(data)
		}
		i = skipSpace(data, i+1)
		switch {
		case string(key) == "seq":
			j := i
			for j < len(data) && data[j] >= '0' && data[j] <= '9' {
				j++
			}
			n, err := strconv.ParseUint(string(data[i:j]), 10, 64) // no copy: the conversion does not escape
			if err != nil {
				return parseAckJSON(data)
			}
			st.Seq, seen, i = n, true, j
		case string(key) == "duplicate" && hasPrefix(data[i:], "true"):
			st.Duplicate, i = true, i+4
		case string(key) == "duplicate" && hasPrefix(data[i:], "false"):
			i += 5
		case string(key) == "stream" || string(key) == "domain":
			_, e, ok := plainString(data, i)
			if !ok {
				return parseAckJSON(data)
			}
			i = e + 1
		default:
			return parseAckJSON(data)
		}
		i = skipSpace(data, i)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	if !seen || i >= len(data) {
		return parseAckJSON(data)
	}
	return st
}

// parseAckJSON reads an acknowledgement with encoding/json.
func parseAckJSON(data []byte) Stored {
	var a struct {
		Stream    string              `json:"stream"`
		Seq       *uint64             `json:"seq"`
		Duplicate bool                `json:"duplicate"`
		Error     *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return Stored{Err: fmt.Errorf("jetstream acknowledgement %q: %w", data, err)}
	}
	switch {
	case a.Error != nil:
		return Stored{Err: a.Error}
	case a.Seq == nil || a.Stream == "":
		return Stored{Err: fmt.Errorf("jetstream acknowledgement %q: no stream or sequence", data)}
	}
	return Stored{Seq: *a.Seq, Duplicate: a.Duplicate}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// plainString finds a JSON string without escapes at data[i]: its
// content is data[start:end], its closing quote data[end].
func plainString(data []byte, i int) (start, end int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			return 0, 0, false
		case '"':
			return i + 1, j, true
		}
	}
	return 0, 0, false
}

func hasPrefix(data []byte, s string) bool {
	return len(data) >= len(s) && string(data[:len(s)]) == s
}

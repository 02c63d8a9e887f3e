package infomart

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// BusOptions say what a Mart reads from the bus.
type BusOptions struct {
	// Switch is the switch whose events are read ("" for every switch).
	Switch string
	// DN is the reporting DN whose EventUserEvents are read ("" for every
	// DN). EventAttachedDataChanged and the other call events whose user
	// data ICON reads (wire.CallDataEvents) are read on every DN of the
	// switch.
	DN string
	// Durable names the durable consumer of the reporting stream, which
	// resumes where it stopped ("infomart" when empty).
	Durable string
	// Stream is the reporting stream.
	Stream wire.StreamOptions
	// Batch is how many messages one transaction takes (256 when zero).
	Batch int
}

// Ingest registers on the reporting DN: it reads the EventUserEvent,
// EventAttachedDataChanged and call event messages (wire.CallDataEvents)
// of the reporting stream with a durable consumer, in batches, stores each batch (acknowledging it only then, so
// nothing is lost) and transforms it, until ctx ends or the Mart closes.
// A message delivered again is recognised by its message id and skipped.
func (m *Mart) Ingest(ctx context.Context, nc *nats.Conn, o BusOptions) error {
	if o.Durable == "" {
		o.Durable = "infomart"
	}
	if o.Batch <= 0 {
		o.Batch = 256
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("infomart: jetstream: %w", err)
	}
	s, err := wire.OpenStream(ctx, js, o.Stream)
	if err != nil {
		return fmt.Errorf("infomart: %w", err)
	}
	subjects := []string{wire.EventFilter(o.Switch, o.DN, string(telephony.EventUserEvent)),
		wire.EventFilter(o.Switch, "", string(telephony.EventAttachedDataChanged))}
	for _, name := range wire.CallDataEvents() {
		subjects = append(subjects, wire.EventFilter(o.Switch, "", name))
	}
	c, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{
		Durable: wire.DurableName(o.Durable), FilterSubjects: subjects, AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: time.Minute, DeliverPolicy: jetstream.DeliverAllPolicy, MaxAckPending: 4 * o.Batch,
	})
	if err != nil {
		return fmt.Errorf("infomart: consumer %s: %w", o.Durable, err)
	}
	return m.background(ctx, func(ctx context.Context) {
		for ctx.Err() == nil {
			if err := m.fetch(ctx, c, o.Batch); err != nil && ctx.Err() == nil {
				m.log(err)
				select {
				case <-ctx.Done():
				case <-time.After(time.Second):
				}
			}
		}
	})
}

// fetch reads and stores one batch.
func (m *Mart) fetch(ctx context.Context, c jetstream.Consumer, n int) error {
	wait, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	batch, err := c.Fetch(n, jetstream.FetchContext(wait))
	if err != nil {
		return fmt.Errorf("infomart: fetch: %w", err)
	}
	var msgs []jetstream.Msg
	var evs []icon.Event
	for msg := range batch.Messages() {
		ev, err := toEvent(msg)
		if err == nil {
			err = ev.Check()
		}
		if err != nil {
			// Not a message of the schema: it would fail forever.
			m.log(fmt.Errorf("infomart: %s: %w", msg.Subject(), err))
			_ = msg.Term()
			continue
		}
		msgs = append(msgs, msg)
		evs = append(evs, ev)
	}
	if err := batch.Error(); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, jetstream.ErrNoMessages) {
		m.log(fmt.Errorf("infomart: fetch: %w", err))
	}
	if len(evs) == 0 {
		return nil
	}
	if _, err := m.Write(ctx, evs); err != nil {
		for _, msg := range msgs {
			_ = msg.NakWithDelay(time.Second)
		}
		return fmt.Errorf("infomart: store %d events: %w", len(evs), err)
	}
	for _, msg := range msgs {
		_ = msg.Ack()
	}
	return nil
}

// toEvent makes an icon.Event of a bus message. Its id is the message's
// de-duplication id (msgID, or the Nats-Msg-Id header), else its place in
// the stream.
func toEvent(msg jetstream.Msg) (icon.Event, error) {
	m, err := wire.Decode(msg.Data())
	if err != nil {
		return icon.Event{}, err
	}
	id := m.MsgID
	if id == "" {
		id = msg.Headers().Get(jetstream.MsgIDHeader)
	}
	if id == "" {
		md, err := msg.Metadata()
		if err != nil {
			return icon.Event{}, fmt.Errorf("no message id and no metadata: %w", err)
		}
		id = "stream:" + md.Stream + ":" + strconv.FormatUint(md.Sequence.Stream, 10)
	}
	return icon.Event{MsgID: id, Name: m.Name, Switch: m.Switch, ThisDN: m.ThisDN, ConnID: m.ConnID, CallID: m.CallID,
		CustomerID: m.CustomerID, Seq: m.Seq, Time: m.Time(), UserData: telephony.UserData(m.UserData)}, nil
}

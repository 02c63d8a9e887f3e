package wire

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// DefaultStream is the name of the reporting stream.
const DefaultStream = "ORCA_REPORTING"

// StreamOptions configure the reporting stream.
type StreamOptions struct {
	// Name is the stream name (DefaultStream when empty).
	Name string
	// Duplicates is the de-duplication window: a message id seen within
	// it is stored once (10 minutes when zero).
	Duplicates time.Duration
	// MaxAge is how long messages are kept (7 days when zero).
	MaxAge time.Duration
	// Replicas is the replica count in a cluster (1 when zero).
	Replicas int
}

// StreamName returns the stream name.
func (o StreamOptions) StreamName() string {
	if o.Name == "" {
		return DefaultStream
	}
	return o.Name
}

// Config returns the stream configuration: file storage over
// ReportingSubjects.
func (o StreamOptions) Config() jetstream.StreamConfig {
	c := jetstream.StreamConfig{
		Name:        o.StreamName(),
		Description: "Orca reporting: user events and attached data, requests and events",
		Subjects:    ReportingSubjects(),
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		Duplicates:  o.Duplicates,
		MaxAge:      o.MaxAge,
		Replicas:    o.Replicas,
	}
	if c.Duplicates <= 0 {
		c.Duplicates = 10 * time.Minute
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 7 * 24 * time.Hour
	}
	if c.Replicas <= 0 {
		c.Replicas = 1
	}
	return c
}

// EnsureStream creates the reporting stream, or updates it to Config;
// every Orca instance and simulator may call it.
func EnsureStream(ctx context.Context, js jetstream.JetStream, o StreamOptions) (jetstream.Stream, error) {
	s, err := js.CreateOrUpdateStream(ctx, o.Config())
	if err != nil {
		return nil, fmt.Errorf("reporting stream %s: %w", o.StreamName(), err)
	}
	return s, nil
}

// OpenStream returns the reporting stream as it is, and creates it only
// when it is missing (which needs the permission to): readers, which may
// not change the stream, open it this way.
func OpenStream(ctx context.Context, js jetstream.JetStream, o StreamOptions) (jetstream.Stream, error) {
	s, err := js.Stream(ctx, o.StreamName())
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return EnsureStream(ctx, js, o)
	}
	if err != nil {
		return nil, fmt.Errorf("reporting stream %s: %w", o.StreamName(), err)
	}
	return s, nil
}

// ConsumeOptions select the reporting messages ConsumeReporting reads.
type ConsumeOptions struct {
	Stream StreamOptions
	// Durable names a durable consumer, which resumes where it stopped;
	// empty reads the stream from the start with an ephemeral one.
	Durable string
	// Subjects are the subjects read, e.g. EventSubject(sw, "REPORTING",
	// "EventUserEvent") or RequestSubjectFilter(sw, name).
	Subjects []string
	// OnError is called with each message that cannot be decoded (such a
	// message is not delivered again) and when reading ends other than by
	// stop: the consumer deleted or found missing, or a pull the server
	// refused; nothing more is read then.
	OnError func(error)
	// AckEvery, when positive, acknowledges the messages handled a batch
	// at a time, at most AckEvery after the first of the batch was
	// handled (or at once after 256), with one acknowledgement for all:
	// the consumer is made with the AckAll policy. A message whose
	// handler fails is delivered again, as with zero, and the messages
	// after it are acknowledged once it is handled; after a crash the
	// messages handled and not acknowledged yet are delivered again, so
	// handlers must be idempotent (by message id). A durable consumer
	// that exists with the AckExplicit policy, which cannot be changed,
	// carries on with one acknowledgement a message. Only one reader
	// may read a consumer with batched acknowledgements. Zero (the
	// default) acknowledges each message on its own (AckExplicit).
	AckEvery time.Duration
	// AckWait is how long the server waits for a message's
	// acknowledgement before delivering it again (10s when zero).
	AckWait time.Duration
}

// ConsumeReporting reads messages of the reporting stream, in order, and
// calls fn with each (the stream is created when missing, which needs the
// permission to); a message is acknowledged when fn returns nil and
// delivered again later otherwise. Pulls expire every 5s with 1s
// heartbeats, so the consumer resumes within seconds after a server
// restart. Stop the returned function to end.
func ConsumeReporting(ctx context.Context, js jetstream.JetStream, o ConsumeOptions, fn func(Message) error) (stop func(), err error) {
	return consumeReporting(ctx, js, o, func(d delivery, m Message) { d.settle(fn(m)) })
}

// ConsumeReportingLater is ConsumeReporting for a reader that finishes
// with a message after fn returns: fn is called with each message in
// order, and done, called once with the outcome (from any goroutine),
// acknowledges the message (nil) or has it delivered again later. fn is
// called with the next message without waiting for done, so that a
// reader that must store what it makes of a message before acknowledging
// it can store many at once.
func ConsumeReportingLater(ctx context.Context, js jetstream.JetStream, o ConsumeOptions, fn func(m Message, done func(error))) (stop func(), err error) {
	return consumeReporting(ctx, js, o, func(d delivery, m Message) { fn(m, d.settle) })
}

// delivery is a message received and how it is acknowledged: on its own
// (a nil) or with a batch.
type delivery struct {
	msg        jetstream.Msg
	a          *batchAcker
	sseq, dseq uint64
}

// settle acknowledges the message (err nil) or has it delivered again
// later.
func (d delivery) settle(err error) {
	if d.a == nil {
		settle(d.msg, err)
		return
	}
	d.a.settle(d.msg, d.sseq, d.dseq, err)
}

// settle acknowledges msg (err nil) or has it delivered again later.
func settle(msg jetstream.Msg, err error) {
	if err != nil {
		_ = msg.NakWithDelay(100 * time.Millisecond)
		return
	}
	_ = msg.Ack()
}

// consumeReporting is ConsumeReporting and ConsumeReportingLater: fn is
// called with each message decoded and its delivery, which settles it.
func consumeReporting(ctx context.Context, js jetstream.JetStream, o ConsumeOptions, fn func(delivery, Message)) (stop func(), err error) {
	s, err := OpenStream(ctx, js, o.Stream)
	if err != nil {
		return nil, err
	}
	policy := jetstream.AckExplicitPolicy
	if o.AckEvery > 0 {
		policy = jetstream.AckAllPolicy
		if o.Durable != "" {
			c, err := s.Consumer(ctx, o.Durable)
			switch {
			case errors.Is(err, jetstream.ErrConsumerNotFound):
			case err != nil:
				// Only a consumer known to be missing may be made
				// AckAll: an existing one's policy cannot change.
				return nil, fmt.Errorf("reporting consumer %q: looking it up: %w", o.Durable, err)
			case c.CachedInfo().Config.AckPolicy == jetstream.AckExplicitPolicy:
				// Made before batches: its policy cannot change.
				policy = jetstream.AckExplicitPolicy
			}
		}
	}
	cfg := jetstream.ConsumerConfig{
		Durable: o.Durable, FilterSubjects: o.Subjects, AckPolicy: policy,
		AckWait: o.AckWait, DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	if cfg.AckWait <= 0 {
		cfg.AckWait = 10 * time.Second
	}
	if o.Durable == "" {
		cfg.InactiveThreshold = time.Minute
	}
	c, err := s.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("reporting consumer %q on %s: %w", o.Durable, strings.Join(o.Subjects, ","), err)
	}
	var a *batchAcker
	if policy == jetstream.AckAllPolicy {
		a = newBatchAcker(o.AckEvery, cfg.AckWait, c.Info)
		a.start(c.CachedInfo())
	}
	cc, err := c.Consume(func(msg jetstream.Msg) {
		d := delivery{msg: msg, a: a}
		if a != nil {
			d.sseq, d.dseq = a.received(msg)
		}
		m, err := DecodeOwned(msg.Data())
		if err != nil {
			if o.OnError != nil {
				o.OnError(fmt.Errorf("reporting consumer %q: %s: %w", o.Durable, msg.Subject(), err))
			}
			if a != nil {
				// Done with: a termination would acknowledge every
				// message before it under AckAll.
				d.settle(nil)
				return
			}
			_ = msg.Term()
			return
		}
		fn(d, m)
	}, jetstream.PullExpiry(5*time.Second), jetstream.PullHeartbeat(time.Second),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if o.OnError != nil && readerEnded(err) {
				o.OnError(fmt.Errorf("reporting consumer %q on %s: reading stopped: %w", o.Durable, strings.Join(o.Subjects, ","), err))
			}
		}))
	if err != nil {
		return nil, fmt.Errorf("reporting consumer %q: consume: %w", o.Durable, err)
	}
	if a == nil {
		return cc.Stop, nil
	}
	return func() {
		cc.Stop()
		a.close()
	}, nil
}

// readerEnded reports whether err, from a consumer's reading, ends it:
// the consumer was deleted (or is found missing) or the server refused
// the pull. Missed heartbeats and leadership changes, which the reader
// outlives, are not reported.
func readerEnded(err error) bool {
	return errors.Is(err, jetstream.ErrConsumerDeleted) || errors.Is(err, jetstream.ErrConsumerNotFound) ||
		errors.Is(err, jetstream.ErrBadRequest)
}

// DurableName makes a valid durable consumer name out of s: characters
// NATS forbids in names become '_'.
func DurableName(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(".*>/\\%", r) {
			return '_'
		}
		return r
	}, s)
}

package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// keyed is what the headers of a session's message say.
type keyed struct {
	id    string
	rev   uint64
	owner string
	due   time.Time
	index map[string]json.RawMessage
}

// scan calls f for every session of the bucket as it is when the scan
// begins, reading each key's message without its payload. The bucket
// keeps one message per key, so the stream read in order up to its last
// sequence at the start is the last message of every key: a consumer
// delivering all, headers only. (Delivering the last message
// per subject instead makes the server count, when the consumer is made,
// every subject's pending messages through its subject tree: minutes for
// a million keys.) A key rewritten during the scan may be seen at its
// old revision, or not at all when the old one is gone before the scan
// reaches it; deleted keys are skipped.
func (s *Store) scan(ctx context.Context, f func(k keyed) error) error {
	info, err := s.stream.Info(ctx)
	if err != nil {
		return err
	}
	if info.State.Msgs == 0 {
		return nil
	}
	end := info.State.LastSeq
	// One ephemeral consumer for the whole scan: an ordered consumer is
	// made again from the next sequence at each fetch, and counting what
	// is pending from a sequence past the stream's first walks every
	// subject of a bucket that keeps one message per key.
	c, err := s.stream.CreateConsumer(ctx, jetstream.ConsumerConfig{
		DeliverPolicy: jetstream.DeliverAllPolicy, AckPolicy: jetstream.AckNonePolicy,
		HeadersOnly: true, InactiveThreshold: time.Minute, MemoryStorage: true,
	})
	if err != nil {
		return err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.stream.DeleteConsumer(dctx, c.CachedInfo().Name)
	}()
	empty := 0
	for {
		batch, err := c.FetchNoWait(1024)
		if err != nil {
			return err
		}
		n, last := 0, false
		for m := range batch.Messages() {
			n++
			meta, err := m.Metadata()
			if err != nil {
				return err
			}
			seq := meta.Sequence.Stream
			last = meta.NumPending == 0 || seq >= end
			if seq > end || !strings.HasPrefix(m.Subject(), s.prefix) {
				continue
			}
			k, ok, err := s.keyedOf(m)
			if err != nil {
				s.log.Warn("store: skipping a key it cannot read", "subject", m.Subject(), "err", err)
				continue
			}
			if ok {
				k.rev = seq
				if err := f(k); err != nil {
					return err
				}
			}
		}
		if err := batch.Error(); err != nil {
			return err
		}
		if last {
			return nil
		}
		if n > 0 {
			empty = 0
			continue
		}
		// Nothing was there at once: the server may be behind; give it
		// a moment, a few times.
		if empty++; empty > 50 {
			return fmt.Errorf("the bucket's consumer stopped delivering before its end")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// keyedOf reads a message's key and headers; ok is false for a deleted
// key.
func (s *Store) keyedOf(m jetstream.Msg) (keyed, bool, error) {
	h := m.Headers()
	if op := h.Get(kvOperation); op != "" {
		return keyed{}, false, nil
	}
	id, err := decodeKey(strings.TrimPrefix(m.Subject(), s.prefix))
	if err != nil {
		return keyed{}, false, err
	}
	k := keyed{id: id, owner: h.Get(HeaderOwner)}
	if d := h.Get(HeaderDue); d != "" {
		if k.due, err = time.Parse(time.RFC3339Nano, d); err != nil {
			return k, false, fmt.Errorf("%s: %w", HeaderDue, err)
		}
	}
	if ix := h.Get(HeaderIndex); ix != "" {
		if err := json.Unmarshal([]byte(ix), &k.index); err != nil {
			return k, false, fmt.Errorf("%s: %w", HeaderIndex, err)
		}
	}
	return k, true, nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A write whose acknowledgement does not come in time (a loaded machine;
// a reconnect after the message reached JetStream but before its answer
// came back) may have been stored. Its retry still names the revision the
// first attempt replaced, so JetStream refuses it as it refuses a stale
// writer's ("wrong last sequence"), before its duplicate window could
// tell (nats-server checks the expected last subject sequence first). The
// writer remembers such attempts per entry and, when a later write of the
// entry is refused, reads the key's last message: if it is one of them
// (the same message, with this store's writer header), its revision becomes
// the entry's and what is newer is written on it; only a message that is
// not ours fences the session off (see docs/durability.md).

// unanswered is an attempt to write an entry that ended without an
// answer.
type unanswered struct {
	sum uint64 // msgSum of the message
	gen uint64 // the snapshot's entry.made, for Sync
}

// maxUnanswered bounds the attempts an entry remembers: each newer one
// replaces the oldest.
const maxUnanswered = 4

// errNoAck is the outcome of a write whose acknowledgement did not come
// within AckWait: JetStream may have stored it.
var errNoAck = errors.New("no acknowledgement in time")

// errStoredBefore is the outcome of a refused write of an entry whose
// earlier attempt, unanswered, turned out stored (op.seq, op.prev): the
// write is made again on that revision.
var errStoredBefore = errors.New("an earlier attempt, unanswered, was stored: written again on it")

// noteUnanswered remembers an attempt that got no answer; s.mu is held.
func (e *entry) noteUnanswered(sum, gen uint64) {
	if i := slices.IndexFunc(e.unanswered, func(u unanswered) bool { return u.sum == sum }); i >= 0 {
		e.unanswered[i].gen = max(e.unanswered[i].gen, gen)
		return
	}
	if len(e.unanswered) == maxUnanswered {
		e.unanswered = slices.Delete(e.unanswered, 0, 1)
	}
	e.unanswered = append(e.unanswered, unanswered{sum: sum, gen: gen})
}

// msgSum hashes what a message of the writer says: its data and the
// headers the writer sets (not the expected revision, which each attempt
// sets again).
func (s *Store) msgSum(data []byte, hdr nats.Header) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.Write(data)
	for _, k := range [...]string{HeaderDue, HeaderOwner, HeaderIndex, HeaderWriter, kvOperation} {
		h.WriteByte(0)
		h.WriteString(hdr.Get(k))
	}
	return h.Sum64()
}

// resolve decides a refused write o of an entry with unanswered attempts:
// when the key's last message is one of them, o succeeds (the message is
// what o carries) or ends with errStoredBefore; when it cannot be read,
// o ends with an error tried again; otherwise o stays refused (fenced).
// The read takes until ctx ends at most.
func (s *Store) resolve(ctx context.Context, o *op) {
	s.mu.Lock()
	var mine []unanswered
	if e := s.entries[o.id]; e != nil {
		mine = slices.Clone(e.unanswered)
	}
	s.mu.Unlock()
	if len(mine) == 0 {
		return
	}
	msg, err := s.lastAfter(ctx, o.subj, o.rev)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return // removed by another: not ours
	case err != nil:
		o.err = fmt.Errorf("reading the key after a refused write: %w", err)
		return
	}
	if msg.Header.Get(HeaderOwner) != s.o.Owner || msg.Header.Get(HeaderWriter) != s.writer[0] {
		return // another's, however alike
	}
	sum := s.msgSum(msg.Data, msg.Header)
	i := slices.IndexFunc(mine, func(u unanswered) bool { return u.sum == sum })
	if i < 0 {
		return
	}
	o.seq, o.prev, o.err = msg.Sequence, mine[i].gen, nil
	if sum != s.msgSum(o.data, o.hdr) {
		o.err = errStoredBefore
	}
	s.log.Info("store: an unanswered write was stored; taking its revision", "session", o.id, "revision", msg.Sequence)
}

// lastAfter reads the last message of subject subj, later than revision
// rev, which a refused write named: a read served by a replica that is
// behind is made again, until ctx ends.
func (s *Store) lastAfter(ctx context.Context, subj string, rev uint64) (*jetstream.RawStreamMsg, error) {
	for {
		msg, err := s.stream.GetLastMsgForSubject(ctx, subj)
		if err != nil {
			return nil, err
		}
		if msg.Sequence > rev {
			return msg, nil
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("revision %d, want a later one: %w", msg.Sequence, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

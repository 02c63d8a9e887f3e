package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// run is the writer: it writes the queued changes, a window at a time,
// each naming the revision it replaces, and tries again, with growing
// pauses, those JetStream did not acknowledge.
func (s *Store) run() {
	defer close(s.done)
	connected := s.nc.StatusChanged(nats.CONNECTED)
	defer s.nc.RemoveStatusListener(connected)
	pause := s.o.RetryMin
	linger := time.NewTimer(time.Hour)
	defer linger.Stop()
	s.ackTimer = time.NewTimer(time.Hour)
	s.ackTimer.Stop()
	defer s.ackTimer.Stop()
	for {
		batch, wait := s.next()
		if len(batch) == 0 {
			if wait > 0 {
				linger.Reset(wait)
			}
			select {
			case <-s.wake:
				continue
			case <-linger.C:
				continue
			case <-s.stop:
				return
			}
		}
		failed := s.write(batch)
		if !failed {
			pause = s.o.RetryMin
			continue
		}
		select {
		case <-time.After(pause):
			pause = min(2*pause, s.o.RetryMax)
		case <-connected:
			pause = s.o.RetryMin
		case <-s.stop:
			return
		}
	}
}

// op is one write of a batch.
type op struct {
	id   string
	subj string // the key's subject
	rev  uint64
	data []byte
	hdr  nats.Header
	del  bool
	gen  uint64 // entry.made when the snapshot was made
	seq  uint64 // the revision JetStream stored it at
	// prev is the gen of an earlier attempt found stored (errStoredBefore).
	prev uint64
	err  error
}

// next takes up to a window of queued changes, those that linger once
// due, marking them in flight; wait is how long until the first change
// that lingers is due when none is (0: none lingers).
func (s *Store) next() (batch []*op, wait time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := min(len(s.queue), s.o.Window)
	ids := s.queue[:n]
	now := s.now()
	m := 0
	for m < len(s.later) && n+m < s.o.Window {
		e := s.entries[s.later[m]]
		if e != nil && e.queued && now < e.due {
			break
		}
		m++
	}
	if m < len(s.later) && n+m < s.o.Window {
		wait = max(time.Duration(s.entries[s.later[m]].due-now), time.Millisecond)
	}
	if m > 0 {
		ids = append(ids[:n:n], s.later[:m]...)
	}
	// The writer's ops of the last batch, written, are used again.
	clear(s.ops)
	s.ops = s.ops[:0]
	if cap(s.ops) < len(ids) {
		s.ops = make([]op, 0, max(len(ids), 16))
	}
	clear(s.batch)
	batch = s.batch[:0]
	for _, id := range ids {
		e := s.entries[id]
		if e == nil || !e.queued {
			continue
		}
		e.queued = false
		if e.dirty && e.data == nil && !e.del {
			// Its change has lingered: the snapshot is made now.
			if s.h != nil {
				go s.snapshotLater(id)
			}
			continue
		}
		switch {
		case e.del && e.rev == 0:
			// Never written: nothing to delete.
			delete(s.entries, id)
			e.del = false
			e.settle()
			continue
		case e.data == nil && !e.del:
			continue
		}
		e.inflight = true
		if e.attempts > 0 {
			s.retries.Add(1)
		}
		e.attempts++
		s.ops = append(s.ops, op{id: id, subj: s.prefix + encodeKey(id), rev: e.rev, data: e.data, hdr: e.hdr, del: e.del, gen: e.made})
		batch = append(batch, &s.ops[len(s.ops)-1])
		e.flying, e.flyingIx = e.data, e.hdr.Get(HeaderIndex)
		e.data, e.hdr = nil, nil
	}
	s.batch = batch
	s.queue = append(s.queue[:0], s.queue[n:]...)
	s.later = append(s.later[:0], s.later[m:]...)
	if len(batch) == 0 && wait == 0 && (len(s.queue) > 0 || len(s.later) > 0) {
		wait = time.Millisecond // more than a window was taken
	}
	return batch, wait
}

// write sends a batch and waits for its acknowledgements; it reports
// whether an attempt failed for a reason that may pass (JetStream not
// reachable, no answer in time). Each write names the revision of the
// key it replaces (fencing, see docs/durability.md).
func (s *Store) write(batch []*op) bool {
	sent := 0
	for _, o := range batch {
		hdr := o.hdr
		if o.del {
			// A purge marker, removing the key's history, that
			// JetStream drops after MarkerTTL.
			// Whose marker it is, should its answer be lost: the
			// writer's and owner's headers (purgeHeader).
			hdr = maps.Clone(s.purge)
		} else if hdr == nil {
			hdr = make(nats.Header, 1)
		}
		o.hdr = hdr
		hdr[jetstream.ExpectedLastSubjSeqHeader] = []string{strconv.FormatUint(o.rev, 10)}
		if !s.nc.IsConnected() {
			o.err = nats.ErrConnectionClosed
			if s.nc.Status() == nats.RECONNECTING {
				o.err = nats.ErrDisconnected
			}
			continue
		}
		reply := s.acks.expect(o)
		if err := s.nc.PublishMsg(&nats.Msg{Subject: o.subj, Reply: reply, Data: o.data, Header: hdr}); err != nil {
			s.acks.forget(reply)
			o.err = err
			continue
		}
		sent++
	}
	if sent > 0 {
		s.ackTimer.Reset(s.o.AckWait)
		select {
		case <-s.acks.wait():
		case <-s.ackTimer.C:
		}
		s.ackTimer.Stop()
	}
	s.acks.end(errNoAck)
	var ctx context.Context
	for _, o := range batch {
		if isFenced(o.err) {
			if ctx == nil {
				// The reads of a batch's refused writes take AckWait
				// at most, together.
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(context.Background(), s.o.AckWait)
				defer cancel()
			}
			s.resolve(ctx, o)
		}
	}
	failed := false
	for _, o := range batch {
		if s.done1(o) {
			failed = true
		}
	}
	return failed
}

// done1 records the outcome of one write; it reports a failure that
// will be tried again.
func (s *Store) done1(o *op) bool {
	s.mu.Lock()
	e := s.entries[o.id]
	if e == nil {
		s.mu.Unlock()
		return false
	}
	e.inflight = false
	e.flying, e.flyingIx = nil, ""
	switch {
	case o.err == nil && o.seq > 0:
		e.attempts = 0
		e.unanswered = e.unanswered[:0]
		if o.del {
			s.deletes.Add(1)
			delete(s.entries, o.id)
			e.del = false
			e.settle()
			s.mu.Unlock()
			return false
		}
		s.writes.Add(1)
		defer s.putBuf(o.data)
		e.rev, e.stored = o.seq, o.gen
		switch {
		case e.data != nil || e.del || e.dirty:
			s.enqueue(o.id, e) // changed meanwhile
		case e.evict:
			delete(s.entries, o.id)
			s.kept[o.id] = e.rev
		default:
			e.since = 0
		}
		e.settle()
		s.mu.Unlock()
		return false
	case errors.Is(o.err, errStoredBefore):
		// An earlier attempt is the key's revision now: what this one
		// carries is written again on it.
		s.writes.Add(1)
		e.rev, e.stored = o.seq, max(e.stored, o.prev)
		e.unanswered = e.unanswered[:0]
		if !o.del && e.data == nil && !e.del {
			e.data, e.hdr = o.data, o.hdr
		} else {
			defer s.putBuf(o.data)
		}
		s.enqueue(o.id, e)
		e.settle()
		s.mu.Unlock()
		return false
	case isFenced(o.err):
		delete(s.entries, o.id)
		delete(s.kept, o.id)
		s.putBuf(o.data)
		s.putBuf(e.data)
		e.data, e.del = nil, false
		e.settle()
		s.fenced.Add(1)
		s.mu.Unlock()
		s.log.Warn("store: another instance owns the session now; dropping it", "session", o.id, "err", o.err)
		if s.h != nil {
			id := o.id // o is used again by the next batch
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), s.o.AckWait)
				defer cancel()
				_ = s.h.Drop(ctx, id)
			}()
		}
		return false
	case errors.Is(o.err, nats.ErrMaxPayload):
		defer s.putBuf(o.data)
		e.stored = o.gen // never: Sync waits no more for it
		s.refused.Add(1)
		s.failures.Add(1)
		s.lastErr = fmt.Sprintf("session %s: %v", o.id, o.err)
		if e.data != nil || e.del {
			s.enqueue(o.id, e)
		}
		e.settle()
		s.mu.Unlock()
		s.log.Error("store: a snapshot is larger than the largest message JetStream takes; the session's stored snapshot stays the one before",
			"session", o.id, "bytes", len(o.data), "err", o.err)
		return false
	default:
		if o.err == nil {
			o.err = errors.New("no acknowledgement")
		}
		if errors.Is(o.err, errNoAck) {
			// JetStream may have stored it (resolve).
			e.noteUnanswered(s.msgSum(o.data, o.hdr), o.gen)
		}
		s.failures.Add(1)
		s.lastErr = fmt.Sprintf("session %s: %v", o.id, o.err)
		if e.data == nil && !e.del {
			// Nothing newer came meanwhile: write this one again.
			e.data, e.hdr = o.data, o.hdr
		} else {
			defer s.putBuf(o.data)
		}
		s.enqueue(o.id, e)
		s.mu.Unlock()
		return true
	}
}

// isFenced reports a compare-and-set write that found another revision:
// another instance wrote the key since.
func isFenced(err error) bool {
	if err == nil {
		return false
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	return false
}

// purgeHeader returns the headers of a deletion's purge marker, but for
// the revision it replaces: the key-value API's purge, which removes the
// key's history, a TTL after which JetStream drops the marker
// (MarkerTTL), and whose marker it is. Each marker's are a copy.
func (s *Store) purgeHeader() nats.Header {
	hdr := nats.Header{kvOperation: {"PURGE"}, jetstream.MsgRollup: {jetstream.MsgRollupSubject},
		jetstream.MsgTTLHeader: {s.o.MarkerTTL.String()}, HeaderWriter: s.writer}
	if s.owner != nil {
		hdr[HeaderOwner] = s.owner
	}
	return hdr
}

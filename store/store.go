package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/internal/jsontext"
	"github.com/orca-scxml/orca/interp"
)

// DefaultBucket is the key-value bucket sessions are kept in.
const DefaultBucket = "ORCA_SESSIONS"

// The headers of a session's message.
const (
	// HeaderDue is when the session's earliest delayed send falls due
	// (RFC 3339 with nanoseconds); absent when none is pending.
	HeaderDue = "Orca-Due"
	// HeaderOwner is the instance that owns the session (Options.Owner).
	HeaderOwner = "Orca-Owner"
	// HeaderIndex holds the indexes of the session's locals
	// (host.Record.Index) as a JSON object.
	HeaderIndex = "Orca-Index"
	// HeaderWriter names the store that wrote the message: random, one
	// per Store, so that a write whose answer was lost is known for its
	// own even where two processes share an owner name.
	HeaderWriter = "Orca-Writer"
)

// DefaultLinger is Options.Linger's default.
const DefaultLinger = 10 * time.Millisecond

// Options configure a Store.
type Options struct {
	// Bucket is the key-value bucket (DefaultBucket when empty); its
	// stream is KV_<Bucket>.
	Bucket string
	// Replicas is the number of copies JetStream keeps of the bucket (1
	// when 0); a cluster of three servers should keep three.
	Replicas int
	// Owner names this instance. With Lease zero it may be empty, and
	// the store adopts every session of the bucket; in a cluster each
	// instance needs a name of its own, kept across its restarts.
	Owner string
	// Lease, when not zero, makes the store one instance of a cluster:
	// it holds a lease of this length on its sessions (see cluster.go).
	Lease time.Duration
	// Window bounds the snapshot writes in flight (128 when 0).
	Window int
	// AckWait bounds the wait for JetStream's acknowledgement of a write
	// (5s when 0).
	AckWait time.Duration
	// RetryMin and RetryMax bound the pause between attempts to write
	// while JetStream cannot be reached (50ms and 2s when 0).
	RetryMin, RetryMax time.Duration
	// Linger is how long a change of a session the bucket has already
	// stored waits before it is written, so that the changes of a burst
	// of macrosteps (a call's events, the answers to a request) make
	// one write (10ms when 0; negative: none). A session's first
	// snapshot, which the API waits for, does not linger; nor do a
	// hibernated session's snapshot and a deletion, unless a change of
	// the session lingers already: they are written when it is due.
	Linger time.Duration
	// MarkerTTL is how long the bucket keeps the marker of a deleted
	// session (1h when 0), so that a late write of an instance that lost
	// the session fails rather than bringing it back.
	MarkerTTL time.Duration
	// Logger receives the store's log; nil discards it.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Bucket == "" {
		o.Bucket = DefaultBucket
	}
	if o.Replicas <= 0 {
		o.Replicas = 1
	}
	if o.Window <= 0 {
		o.Window = 128
	}
	if o.AckWait <= 0 {
		o.AckWait = 5 * time.Second
	}
	if o.RetryMin <= 0 {
		o.RetryMin = 50 * time.Millisecond
	}
	if o.RetryMax <= 0 {
		o.RetryMax = 2 * time.Second
	}
	if o.Linger == 0 {
		o.Linger = DefaultLinger
	}
	if o.MarkerTTL <= 0 {
		o.MarkerTTL = time.Hour
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return o
}

// Store keeps sessions in a JetStream key-value bucket. It implements
// host.Store; its methods are safe for concurrent use.
type Store struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	o      Options
	log    *slog.Logger
	prefix string // subject prefix of the bucket's keys: $KV.<bucket>.
	stream jetstream.Stream

	h *host.Host

	// epoch is the start of the store's clock (now).
	epoch   time.Time
	mu      sync.Mutex
	entries map[string]*entry
	// kept holds the last revision this store wrote or adopted of the
	// sessions out of memory (hibernated, adopted at start or taken
	// over), so that a read older than it (a replica behind the leader)
	// is not taken for the last one.
	kept  map[string]uint64
	queue []string
	// later holds the changes that linger (Options.Linger), in the
	// order they were queued, so by due time.
	later   []string
	lastErr string
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	opened  bool
	closed  bool

	cl *cluster
	// acks receives the acknowledgements of the writer's writes.
	acks *acks

	// seed seeds the hashes of snapshots (encode).
	seed maphash.Seed
	// writer is the value of HeaderWriter in this store's messages,
	// owner of HeaderOwner (nil without Options.Owner); messages share
	// them.
	writer, owner []string
	// ops and batch hold the writer's batch (next), ackTimer bounds its
	// wait for the acknowledgements (write): the writer's own, used
	// again from batch to batch.
	ops      []op
	batch    []*op
	ackTimer *time.Timer
	// purge holds the headers of deletions (purgeHeader), copied.
	purge nats.Header
	// bufs holds the buffers of messages written or replaced, for the
	// next snapshots (encode): a callback's is some 8 KB.
	bufMu sync.Mutex
	bufs  [][]byte

	writes, deletes, retries, failures, fenced, refused, loads, adopted, unchanged atomic.Uint64
}

// entry is what the store holds of a session in memory, or whose last
// change it has not written yet.
type entry struct {
	// rev is the key's revision this store last wrote or read (0: the
	// key has none).
	rev uint64
	// data and hdr are the snapshot to write; nil data with del unset
	// means nothing is waiting. flying is the snapshot being written.
	data   []byte
	hdr    nats.Header
	flying []byte
	// flyingIx is flying's index header (data's is in hdr, to which the
	// writer adds).
	flyingIx string
	// sum hashes the last snapshot handed to the writer (encode); 0
	// when none.
	sum uint64
	// due is when the change that lingers is to be made (defer1), since
	// when the oldest change not written yet was made: times of the
	// store's clock (Store.now), 0 when none. An entry lives as long as
	// its session, waiting or not, so it keeps no time.Time (24 bytes)
	// nor the key's subject (made at each write).
	due, since int64
	attempts   int32
	// busy counts the macrosteps not written while events waited.
	busy int32
	// del deletes the key once what is in flight is written.
	del bool
	// evict forgets the entry once written: the session left memory.
	evict    bool
	inflight bool
	queued   bool
	// dirty says the session has changed since its last snapshot, which
	// is made once the change has lingered (defer1).
	dirty bool
	// unanswered are the attempts since the last write stored that got
	// no answer: JetStream may have stored one (resolve).
	unanswered []unanswered
	// made counts the snapshots made, stored is the count when the last
	// one stored was made (Sync); synced is closed at each write.
	made, stored uint64
	synced       chan struct{}
}

// clean reports whether the entry has nothing left to write.
func (e *entry) clean() bool { return e.data == nil && !e.del && !e.inflight && !e.dirty }

// settle wakes the Syncs waiting for the entry, after a write or a
// change that may be what they wait for; s.mu is held.
func (e *entry) settle() {
	if e.synced != nil {
		close(e.synced)
		e.synced = nil
	}
}

// New makes a store on a NATS connection (which the caller keeps owning)
// and creates or updates its bucket.
func New(ctx context.Context, nc *nats.Conn, o Options) (*Store, error) {
	o = o.withDefaults()
	if o.Lease > 0 && o.Owner == "" {
		return nil, errors.New("store: a cluster (Lease) needs an Owner name for this instance")
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncTimeout(o.AckWait),
		jetstream.WithPublishAsyncMaxPending(4*o.Window))
	if err != nil {
		return nil, fmt.Errorf("store: jetstream: %w", err)
	}
	s := &Store{nc: nc, js: js, o: o, log: o.Logger, prefix: "$KV." + o.Bucket + ".",
		epoch: time.Now(), entries: make(map[string]*entry), kept: make(map[string]uint64), seed: maphash.MakeSeed(), wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		writer: []string{nuid.Next()}}
	if o.Owner != "" {
		s.owner = []string{o.Owner}
	}
	s.purge = s.purgeHeader()
	if _, err := EnsureBucket(ctx, js, jetstream.KeyValueConfig{
		Bucket: o.Bucket, Description: "Orca sessions: one snapshot per session",
		History: 1, Storage: jetstream.FileStorage, Replicas: o.Replicas, LimitMarkerTTL: o.MarkerTTL,
	}); err != nil {
		return nil, fmt.Errorf("store: bucket %s: %w", o.Bucket, err)
	}
	if s.stream, err = bucketStream(ctx, js, "KV_"+o.Bucket); err != nil {
		return nil, fmt.Errorf("store: stream of bucket %s: %w", o.Bucket, err)
	}
	if s.acks, err = newAcks(nc); err != nil {
		return nil, err
	}
	if o.Lease > 0 {
		if s.cl, err = newCluster(ctx, s); err != nil {
			s.acks.close()
			return nil, err
		}
	}
	return s, nil
}

// Open adopts the sessions the bucket keeps for this instance (all of
// them without a cluster) and starts the writer. It implements
// host.Store.
func (s *Store) Open(ctx context.Context, h *host.Host) error {
	s.mu.Lock()
	if s.opened {
		s.mu.Unlock()
		return errors.New("store: opened twice")
	}
	s.opened, s.h = true, h
	s.mu.Unlock()
	go s.run()
	err := s.scan(ctx, func(k keyed) error {
		if k.owner != s.o.Owner && s.cl == nil && k.owner != "" {
			// Kept by an instance of a cluster this one is not part of.
			return nil
		}
		if s.cl != nil && k.owner != s.o.Owner {
			return nil
		}
		return s.adopt(k)
	})
	if err != nil {
		return fmt.Errorf("store: adopting the sessions of %s: %w", s.o.Bucket, err)
	}
	if s.cl != nil {
		go s.cl.run()
	}
	return nil
}

// adopt hands a kept session to the host.
func (s *Store) adopt(k keyed) error {
	// A load reads this revision or a later one: a replica that has not
	// seen it yet (a claim just made) still names the old owner.
	s.mu.Lock()
	if s.kept[k.id] < k.rev {
		s.kept[k.id] = k.rev
	}
	s.mu.Unlock()
	if err := s.h.Adopt(k.id, k.due, k.index); err != nil {
		return err
	}
	s.adopted.Add(1)
	return nil
}

// Commit writes the snapshot of session sess (of the session that invoked
// it) once the writer gets to it. It implements host.Store.
//
// A session with events waiting runs another macrostep at once: its
// snapshot is made when its queue is empty, as ORS persists a session
// once its queued events are flushed, or after every busyCommit-th
// macrostep of a session that stays busy, so that a session flooding
// itself is neither left unwritten nor written at every step. A
// session's first snapshot is made at once, its queue with it: an API
// that answers once the session is stored (Sync) would otherwise answer
// before anything is.
func (s *Store) Commit(sess *interp.Session) error {
	if sess.Queued() > 0 {
		id := rootID(sess)
		s.mu.Lock()
		e := s.entry(id)
		e.busy++
		skip := e.busy < busyCommit && (e.made > 0 || e.rev > 0)
		if !skip {
			e.busy = 0
		}
		s.mu.Unlock()
		if skip {
			return nil
		}
	}
	if s.o.Linger > 0 && s.defer1(rootID(sess)) {
		return nil
	}
	return s.keep(sess, false)
}

// defer1 marks session id changed, for its snapshot to be made once its
// change has lingered (Options.Linger), unless it has never been stored:
// a burst of macrosteps makes one snapshot, not one each. It reports
// false when the snapshot is to be made now.
func (s *Store) defer1(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[id]
	if e == nil || e.rev == 0 || e.del || e.evict {
		return false
	}
	e.dirty, e.busy = true, 0
	if e.since == 0 {
		e.since = s.now()
	}
	s.enqueue(id, e)
	return true
}

// snapshotLater has the snapshot of session id, whose change has
// lingered, made on the goroutine that drives the session (Host.DoLater),
// and waits for it up to AckWait.
func (s *Store) snapshotLater(id string) {
	s.mu.Lock()
	e := s.entries[id]
	dirty := e != nil && e.dirty
	s.mu.Unlock()
	if !dirty {
		return // kept meanwhile (hibernated), or ended
	}
	kept := make(chan error, 1) // the call may run after the wait gave up
	err := s.h.DoLater(id, func(sess *interp.Session, err error) {
		if err == nil {
			err = s.keepDirty(id, sess)
		}
		kept <- err
	})
	if err == nil {
		wait := time.NewTimer(s.o.AckWait)
		defer wait.Stop()
		select {
		case err = <-kept:
		case <-wait.C:
			err = context.DeadlineExceeded
		case <-s.h.Closed():
			select {
			case err = <-kept:
			default:
				err = host.ErrClosed
			}
		case <-s.stop:
			return // the writer is gone: nothing more is written
		}
	}
	s.lingered(id, err)
}

// keepDirty, on the goroutine that drives session sess, makes its
// snapshot unless its change was kept meanwhile.
func (s *Store) keepDirty(id string, sess *interp.Session) error {
	s.mu.Lock()
	e := s.entries[id]
	dirty := e != nil && e.dirty
	s.mu.Unlock()
	if !dirty {
		return nil
	}
	return s.keep(sess, false)
}

// lingered handles err, what came of making the snapshot of session id
// whose change lingered.
func (s *Store) lingered(id string, err error) {
	if err == nil {
		return
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// The session's shard is busy, or not driven meanwhile: the
		// call still runs when it can, and the change waits again
		// meanwhile rather than being taken for written.
		s.mu.Lock()
		if e := s.entries[id]; e != nil && e.dirty {
			s.enqueue(id, e)
		}
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	if e := s.entries[id]; e != nil && e.dirty {
		// Gone meanwhile (its end or hibernation made it clean), or
		// the host stopped: nothing to write.
		e.dirty = false
		if e.data == nil && !e.del && !e.inflight {
			e.since = 0
		}
		e.settle()
	}
	s.mu.Unlock()
	if !errors.Is(err, host.ErrNoSession) {
		s.log.Warn("store: a lingering snapshot was not made", "session", id, "err", err)
	}
}

// busyCommit is how many macrosteps of a session that keeps events
// waiting go by between its snapshots.
const busyCommit = 64

// rootID returns the id of the session that invoked sess, at the top.
func rootID(sess *interp.Session) string {
	for sess.Parent() != nil {
		sess = sess.Parent()
	}
	return sess.ID()
}

// ErrLeaseLost is returned by the writes of an instance of a cluster
// that has lost its lease: its sessions are the others' now.
var ErrLeaseLost = errors.New("store: this instance's lease is lost")

// keep records the snapshot of sess for writing.
func (s *Store) keep(sess *interp.Session, evict bool) error {
	if !s.Leased() {
		return ErrLeaseLost
	}
	rec, err := s.h.Snapshot(sess)
	if err != nil {
		return err
	}
	data, hdr, sum := s.encode(rec)
	s.mu.Lock()
	e := s.entry(rec.State.ID)
	if !evict && !e.del && e.sum == sum && sum != 0 {
		// The same as the snapshot last handed to the writer, but for
		// the count of macrosteps and _event: nothing to write.
		e.busy, e.dirty = 0, false
		if e.data == nil && !e.inflight {
			e.since = 0
		}
		e.settle()
		s.unchanged.Add(1)
		s.mu.Unlock()
		s.putBuf(data)
		return nil
	}
	defer s.putBuf(e.data) // replaced before it was written
	e.data, e.hdr, e.del, e.busy, e.sum = data, hdr, false, 0, sum
	e.evict, e.dirty = evict, false
	e.made++
	if e.since == 0 {
		e.since = s.now()
	}
	s.enqueue(rec.State.ID, e)
	s.mu.Unlock()
	return nil
}

// encode makes the message of a record: the snapshot and its headers.
// A local whose index is what it persisted (host.Indexer) is kept in the
// index header only, not twice; Load puts it back. sum hashes what the
// message says but for the snapshot's count of macrosteps and _event
// (interp.SessionState.AppendJSON).
func (s *Store) encode(rec *host.Record) (data []byte, hdr nats.Header, sum uint64) {
	st := rec.State
	for k, ix := range rec.Index {
		if l, ok := st.Locals[k]; ok && bytes.Equal(l, ix) {
			delete(st.Locals, k)
		}
	}
	data, tail := st.AppendJSON(s.getBuf())
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.Write(data[:tail])
	// The headers' own values, in one array: the due time, the index.
	var vals *[2]string
	if !rec.Due.IsZero() || len(rec.Index) > 0 {
		vals = new([2]string)
	}
	hdr = make(nats.Header, 5) // and the writer's revision header (write)
	if !rec.Due.IsZero() {
		var buf [40]byte
		d := rec.Due.UTC().AppendFormat(buf[:0], time.RFC3339Nano)
		vals[0] = string(d)
		hdr[HeaderDue] = vals[0:1:1]
		h.Write(d)
	}
	if s.owner != nil {
		hdr[HeaderOwner] = s.owner
	}
	hdr[HeaderWriter] = s.writer
	if len(rec.Index) > 0 {
		var buf [256]byte
		ix := appendIndex(buf[:0], rec.Index)
		vals[1] = string(ix)
		hdr[HeaderIndex] = vals[1:2:2]
		h.WriteByte(0)
		h.Write(ix)
	}
	return data, hdr, h.Sum64()
}

// getBuf returns an empty buffer for a message, one of a message written
// if there is one.
func (s *Store) getBuf() []byte {
	s.bufMu.Lock()
	defer s.bufMu.Unlock()
	n := len(s.bufs)
	if n == 0 {
		return nil
	}
	b := s.bufs[n-1]
	s.bufs[n-1] = nil
	s.bufs = s.bufs[:n-1]
	return b
}

// putBuf keeps b, a message nothing refers to any more (written,
// replaced, or not to be written), for getBuf. Load reads a copy of a
// message not written yet for that reason.
func (s *Store) putBuf(b []byte) {
	if b == nil || cap(b) > maxBuf {
		return
	}
	s.bufMu.Lock()
	defer s.bufMu.Unlock()
	if len(s.bufs) < s.o.Window {
		s.bufs = append(s.bufs, b[:0])
	}
}

// maxBuf is the largest buffer putBuf keeps.
const maxBuf = 64 << 10

// appendIndex appends the index header's JSON object, by sorted key.
func appendIndex(b []byte, index map[string]json.RawMessage) []byte {
	var buf [8]string
	keys := buf[:0]
	for k := range index {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsontext.AppendString(b, k)
		b = append(b, ':')
		v := index[k]
		if bytes.ContainsAny(v, "\r\n") {
			// A header holds no line break; in JSON one can only be
			// whitespace between tokens, which Compact drops.
			var c bytes.Buffer
			if json.Compact(&c, v) == nil {
				v = c.Bytes()
			}
		}
		b = append(b, v...)
	}
	return append(b, '}')
}

// withIndex puts back into a snapshot read the locals its index header
// holds in its place (encode).
func withIndex(st *interp.SessionState, ix string) error {
	if ix == "" {
		return nil
	}
	var index map[string]json.RawMessage
	if err := json.Unmarshal([]byte(ix), &index); err != nil {
		return fmt.Errorf("%s: %w", HeaderIndex, err)
	}
	for k, v := range index {
		if _, ok := st.Locals[k]; ok {
			continue
		}
		if st.Locals == nil {
			st.Locals = make(map[string]json.RawMessage, len(index))
		}
		st.Locals[k] = v
	}
	return nil
}

// Release deletes the session from the bucket when it has ended, or
// writes its snapshot and forgets it when it leaves memory (kept). It
// implements host.Store.
func (s *Store) Release(sess *interp.Session, kept bool) error {
	if kept {
		return s.keep(sess, true)
	}
	if sess.Parent() != nil {
		return nil // kept with its parent
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.kept, sess.ID())
	e := s.entries[sess.ID()]
	if e == nil {
		return nil
	}
	defer s.putBuf(e.data)
	e.data, e.hdr, e.del, e.sum, e.dirty = nil, nil, true, 0, false
	if e.since == 0 {
		e.since = s.now()
	}
	s.enqueue(sess.ID(), e)
	return nil
}

// Keeps reports true: a host draining leaves its sessions to the store.
func (s *Store) Keeps() bool { return true }

// Load re-creates session id in eng from its last snapshot: the one not
// written yet, or the bucket's. It implements host.Store.
func (s *Store) Load(eng *interp.Engine, id string) (*interp.Session, error) {
	s.mu.Lock()
	e := s.entries[id]
	var data []byte
	var ix string
	if e != nil {
		// The last snapshot, not written yet or being written, is newer
		// than the bucket's.
		if data, ix = e.data, e.hdr.Get(HeaderIndex); data == nil {
			data, ix = e.flying, e.flyingIx
		}
		// Its buffer is used again once written (putBuf).
		data = bytes.Clone(data)
		e.evict = false
	}
	min := s.kept[id]
	s.mu.Unlock()
	if data == nil {
		msg, err := s.read(id, min)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		e = s.entry(id)
		e.rev = msg.Sequence
		e.evict = false
		delete(s.kept, id)
		s.mu.Unlock()
		data, ix = msg.Data, msg.Header.Get(HeaderIndex)
	}
	var st interp.SessionState
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("store: session %s: %w", id, err)
	}
	if err := withIndex(&st, ix); err != nil {
		return nil, fmt.Errorf("store: session %s: %w", id, err)
	}
	sess, err := s.h.Restore(eng, &st)
	if err != nil {
		return nil, err
	}
	s.loads.Add(1)
	return sess, nil
}

// read reads the last message of session id, at revision min or later:
// a read served by a replica that is behind is made again.
func (s *Store) read(id string, min uint64) (*jetstream.RawStreamMsg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.o.AckWait)
	defer cancel()
	for {
		msg, err := s.stream.GetLastMsgForSubject(ctx, s.prefix+encodeKey(id))
		switch {
		case errors.Is(err, jetstream.ErrMsgNotFound):
			return nil, fmt.Errorf("%w: %q is not in bucket %s", interp.ErrNoSession, id, s.o.Bucket)
		case err != nil:
			return nil, fmt.Errorf("store: reading session %s: %w", id, err)
		}
		if msg.Sequence < min {
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("store: reading session %s: revision %d, want %d or later: %w", id, msg.Sequence, min, ctx.Err())
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		if op := msg.Header.Get(kvOperation); op != "" {
			return nil, fmt.Errorf("%w: %q was deleted from bucket %s", interp.ErrNoSession, id, s.o.Bucket)
		}
		if s.cl != nil && msg.Header.Get(HeaderOwner) != s.o.Owner {
			return nil, fmt.Errorf("%w: %q belongs to instance %s now", interp.ErrNoSession, id, msg.Header.Get(HeaderOwner))
		}
		return msg, nil
	}
}

// kvOperation is the header of the key-value API's delete and purge
// markers.
const kvOperation = "KV-Operation"

// now is the time of the store's clock: nanoseconds since the store was
// made, by the monotonic clock, and never 0.
func (s *Store) now() int64 { return int64(time.Since(s.epoch)) + 1 }

// entry returns the entry of id, making it; s.mu is held.
func (s *Store) entry(id string) *entry {
	e := s.entries[id]
	if e == nil {
		e = &entry{}
		s.entries[id] = e
	}
	return e
}

// enqueue queues id for the writer; s.mu is held.
func (s *Store) enqueue(id string, e *entry) {
	if !e.queued && !e.inflight {
		e.queued = true
		if e.dirty && e.data == nil && !e.del {
			e.due = s.now() + int64(s.o.Linger)
			s.later = append(s.later, id)
		} else {
			e.due = 0
			s.queue = append(s.queue, id)
		}
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Stats are a store's counters.
type Stats struct {
	// Writes counts the snapshots JetStream stored, Deletes the ended
	// sessions deleted, Loads the sessions re-created, Adopted the
	// sessions adopted at Open or taken over. Unchanged counts the
	// macrosteps whose snapshot was not written: the same as the last
	// but for the count of macrosteps and _event.
	Writes, Deletes, Loads, Adopted, Unchanged uint64
	// Retries counts the attempts after a failed one; Failures the
	// attempts that failed (JetStream unreachable, no acknowledgement in
	// time).
	Retries, Failures uint64
	// Fenced counts the sessions dropped because another instance had
	// taken them over; Refused the snapshots JetStream refused for good
	// (larger than its largest message), each logged: the session's last
	// stored snapshot stays the one before.
	Fenced, Refused uint64
	// Pending is the number of sessions whose last change is not
	// written yet; Lag how long the oldest has waited.
	Pending int
	Lag     time.Duration
	// LastError is the last failure.
	LastError string
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	st := Stats{Writes: s.writes.Load(), Deletes: s.deletes.Load(), Loads: s.loads.Load(), Adopted: s.adopted.Load(), Unchanged: s.unchanged.Load(),
		Retries: s.retries.Load(), Failures: s.failures.Load(), Fenced: s.fenced.Load(), Refused: s.refused.Load()}
	s.mu.Lock()
	now := s.now()
	for _, e := range s.entries {
		if e.data != nil || e.del || e.inflight || e.dirty {
			st.Pending++
			if e.since != 0 && time.Duration(now-e.since) > st.Lag {
				st.Lag = time.Duration(now - e.since)
			}
		}
	}
	st.LastError = s.lastErr
	s.mu.Unlock()
	return st
}

// Sync waits until the last snapshot made of session id is stored (its
// changes since, which linger, are not waited for), or ctx ends: an API
// that answers once the session it started is durable.
func (s *Store) Sync(ctx context.Context, id string) error {
	s.mu.Lock()
	e := s.entries[id]
	if e == nil {
		s.mu.Unlock()
		return nil
	}
	target := e.made
	for {
		if e != s.entries[id] || e.clean() || e.stored >= target {
			s.mu.Unlock()
			return nil
		}
		if e.synced == nil {
			e.synced = make(chan struct{})
		}
		ch := e.synced
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("store: session %s not stored yet (last error: %s): %w", id, s.Stats().LastError, ctx.Err())
		}
		s.mu.Lock()
	}
}

// Flush waits until every change is written, or ctx ends: changes that
// linger are written at once. It makes their snapshots with Host.Do, so
// on a host driven by its caller it must be called on the driving
// goroutine (or while nothing drives the host), and never from a hook of
// a host's shard.
func (s *Store) Flush(ctx context.Context) error {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	if h != nil {
		for _, id := range s.changed() {
			// Do returns nil once the call has run; a call that runs after
			// Do gave up sets a kerr nobody reads.
			var kerr error
			err := h.Do(ctx, id, func(sess *interp.Session) { kerr = s.keepDirty(id, sess) })
			if err == nil {
				err = kerr
			}
			s.lingered(id, err)
		}
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.expedite()
		st := s.Stats()
		if st.Pending == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("store: %d sessions not written (last error: %s): %w", st.Pending, st.LastError, ctx.Err())
		case <-tick.C:
		}
	}
}

// changed returns the sessions whose change lingers, their snapshot not
// made yet.
func (s *Store) changed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, e := range s.entries {
		if e.dirty && e.data == nil && !e.del {
			ids = append(ids, id)
		}
	}
	return ids
}

// expedite queues the changes that linger for writing at once.
func (s *Store) expedite() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.later) == 0 {
		return
	}
	s.queue = append(s.queue, s.later...)
	s.later = s.later[:0]
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Close stops the writer (after Flush, for a graceful stop) and, in a
// cluster, gives up the lease so that the others may take the sessions
// left over at once.
func (s *Store) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	opened := s.opened
	s.mu.Unlock()
	close(s.stop)
	if opened {
		<-s.done
	}
	s.acks.close()
	if s.cl != nil {
		s.cl.close()
	}
}

// encodeKey makes a session id a key of the bucket: letters, digits, '-',
// '_' and '.' stay, '=' and any other byte become "=XX".
func encodeKey(id string) string {
	if id != "" && !strings.ContainsFunc(id, func(r rune) bool { return !keyRune(r) }) {
		return id
	}
	var b strings.Builder
	for i := 0; i < len(id); i++ {
		c := id[i]
		if keyRune(rune(c)) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "=%02X", c)
	}
	if b.Len() == 0 {
		return "="
	}
	return b.String()
}

// keyRune reports a character a key keeps as it is (encodeKey).
func keyRune(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// decodeKey reverses encodeKey.
func decodeKey(k string) (string, error) {
	if k == "=" {
		return "", nil
	}
	var b strings.Builder
	for i := 0; i < len(k); i++ {
		if k[i] != '=' {
			b.WriteByte(k[i])
			continue
		}
		if i+3 > len(k) {
			return "", fmt.Errorf("key %q: bad escape", k)
		}
		n, err := strconv.ParseUint(k[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("key %q: bad escape", k)
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), nil
}

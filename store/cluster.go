package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// NodesBucket is the key-value bucket of a cluster's leases: one key per
// instance.
const NodesBucket = "ORCA_NODES"

// A cluster's ownership protocol (docs/durability.md):
//
//   - Each instance holds a lease: its key in NodesBucket, whose value
//     says until when it holds (now + Lease). It renews it every Lease/3
//     with a compare-and-set on the key's revision. An instance that
//     cannot renew before its lease ends, or whose key was changed by
//     another, has lost its sessions: the store says so (OnLost) and
//     writes nothing more; orca serve stops.
//   - Each session's key names its owner (HeaderOwner). Every write of
//     the session names the key's revision it replaces: the revision is
//     the fencing token, and a write of an instance whose session was
//     taken over fails.
//   - Every Lease/3 each instance reads the leases. When one has ended
//     (plus a grace of Lease/2 for clocks that differ), the others take
//     its sessions over: each rewrites the session's snapshot naming
//     itself owner, with a compare-and-set on the revision it read, so
//     that exactly one of them gets each session, and adopts it (the host
//     loads it when its time, an event or a request comes). The lease of
//     the dead instance is deleted once its sessions are taken.

// lease is the value of an instance's key.
type lease struct {
	Expires time.Time `json:"expires"`
	// Data is what the instance publishes about itself (the URL others
	// forward requests to, for instance).
	Data string `json:"data,omitempty"`
}

// cluster is the lease of this instance and the watch on the others'.
type cluster struct {
	s     *Store
	kv    jetstream.KeyValue
	key   string
	every time.Duration

	mu      sync.Mutex
	rev     uint64
	expires time.Time
	lost    bool
	onLost  []func(error)

	stop chan struct{}
	done chan struct{}
}

// newCluster takes this instance's lease.
func newCluster(ctx context.Context, s *Store) (*cluster, error) {
	kv, err := EnsureBucket(ctx, s.js, jetstream.KeyValueConfig{
		Bucket: NodesBucket, Description: "Orca instances' leases on their sessions",
		History: 1, Storage: jetstream.FileStorage, Replicas: s.o.Replicas,
	})
	if err != nil {
		return nil, fmt.Errorf("store: bucket %s: %w", NodesBucket, err)
	}
	c := &cluster{s: s, kv: kv, key: encodeKey(s.o.Owner), every: max(s.o.Lease/3, 10*time.Millisecond),
		stop: make(chan struct{}), done: make(chan struct{})}
	// The key is this instance's: one that starts again under its name
	// takes its lease back at once.
	exp := time.Now().Add(s.o.Lease)
	data, _ := json.Marshal(lease{Expires: exp})
	rev, err := kv.Put(ctx, c.key, data)
	if err != nil {
		return nil, fmt.Errorf("store: taking the lease of %s: %w", s.o.Owner, err)
	}
	c.rev, c.expires = rev, exp
	return c, nil
}

// OnLost adds a function called once when this instance loses its lease
// (it could not renew it in time, or another instance changed it): from
// then on the store writes nothing, and its host must stop running
// sessions.
func (s *Store) OnLost(f func(err error)) {
	if s.cl == nil {
		return
	}
	s.cl.mu.Lock()
	s.cl.onLost = append(s.cl.onLost, f)
	s.cl.mu.Unlock()
}

// Leased reports whether this instance holds its lease now (always true
// outside a cluster).
func (s *Store) Leased() bool {
	if s.cl == nil {
		return true
	}
	s.cl.mu.Lock()
	defer s.cl.mu.Unlock()
	return !s.cl.lost && time.Now().Before(s.cl.expires)
}

// Instances returns the instances whose leases are valid now, this one
// included.
func (s *Store) Instances(ctx context.Context) ([]string, error) {
	if s.cl == nil {
		return []string{s.o.Owner}, nil
	}
	ls, err := s.cl.leases(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var out []string
	for name, l := range ls {
		if l.Expires.After(now) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// run renews the lease and takes over the sessions of instances whose
// leases have ended, until close.
func (c *cluster) run() {
	defer close(c.done)
	tick := time.NewTicker(c.every)
	defer tick.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-tick.C:
		}
		if !c.renew() {
			return
		}
		c.takeOver()
	}
}

// renew extends the lease; it reports false once the lease is lost.
func (c *cluster) renew() bool {
	s := c.s
	ctx, cancel := context.WithTimeout(context.Background(), c.every)
	defer cancel()
	exp := time.Now().Add(s.o.Lease)
	data, _ := json.Marshal(lease{Expires: exp})
	c.mu.Lock()
	rev := c.rev
	c.mu.Unlock()
	nrev, err := c.kv.Update(ctx, c.key, data, rev)
	switch {
	case err == nil:
		c.mu.Lock()
		c.rev, c.expires = nrev, exp
		c.mu.Unlock()
		return true
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists):
		c.lose(fmt.Errorf("store: the lease of %s was changed by another instance: %w", s.o.Owner, err))
		return false
	}
	c.mu.Lock()
	expired := !time.Now().Before(c.expires)
	c.mu.Unlock()
	if expired {
		c.lose(fmt.Errorf("store: the lease of %s ended before it could be renewed: %w", s.o.Owner, err))
		return false
	}
	s.log.Warn("store: renewing the lease", "instance", s.o.Owner, "err", err)
	return true
}

// lose marks the lease lost, stops the writer and tells OnLost.
func (c *cluster) lose(err error) {
	c.mu.Lock()
	if c.lost {
		c.mu.Unlock()
		return
	}
	c.lost = true
	fs := slices.Clone(c.onLost)
	c.mu.Unlock()
	c.s.log.Error("store: lease lost; this instance runs no session any more", "err", err)
	c.s.fence()
	for _, f := range fs {
		f(err)
	}
}

// leases reads every instance's lease.
func (c *cluster) leases(ctx context.Context) (map[string]lease, error) {
	keys, err := c.kv.Keys(ctx)
	if errors.Is(err, jetstream.ErrNoKeysFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make(map[string]lease, len(keys))
	for _, k := range keys {
		e, err := c.kv.Get(ctx, k)
		if err != nil {
			continue
		}
		var l lease
		if json.Unmarshal(e.Value(), &l) != nil {
			continue
		}
		name, err := decodeKey(k)
		if err != nil {
			continue
		}
		out[name] = l
	}
	return out, nil
}

// takeOver adopts the sessions of the instances whose leases ended more
// than a grace ago.
func (c *cluster) takeOver() {
	s := c.s
	ctx, cancel := context.WithTimeout(context.Background(), max(s.o.Lease, 30*time.Second))
	defer cancel()
	ls, err := c.leases(ctx)
	if err != nil {
		s.log.Warn("store: reading the leases", "err", err)
		return
	}
	grace := s.o.Lease / 2
	var dead []string
	for name, l := range ls {
		if name != s.o.Owner && time.Since(l.Expires) > grace {
			dead = append(dead, name)
		}
	}
	if len(dead) == 0 {
		return
	}
	var mine []keyed
	if err := s.scan(ctx, func(k keyed) error {
		if slices.Contains(dead, k.owner) {
			mine = append(mine, k)
		}
		return nil
	}); err != nil {
		s.log.Warn("store: listing the sessions of ended leases", "err", err)
		return
	}
	// Every survivor tries every session, in its own order: the
	// compare-and-set gives each to one of them.
	rand.Shuffle(len(mine), func(i, j int) { mine[i], mine[j] = mine[j], mine[i] })
	taken := 0
	for _, k := range mine {
		if !s.Leased() {
			return
		}
		ok, err := s.claim(ctx, k)
		if err != nil {
			s.log.Warn("store: taking a session over", "session", k.id, "from", k.owner, "err", err)
			continue
		}
		if ok {
			taken++
		}
	}
	s.log.Info("store: took sessions over", "from", dead, "taken", taken, "of", len(mine))
	for _, name := range dead {
		e, err := c.kv.Get(ctx, encodeKey(name))
		if err != nil {
			continue
		}
		var l lease
		if json.Unmarshal(e.Value(), &l) == nil && time.Since(l.Expires) > grace {
			_ = c.kv.Delete(ctx, encodeKey(name), jetstream.LastRevision(e.Revision()))
		}
	}
}

// claim rewrites session k's snapshot naming this instance its owner,
// with a compare-and-set on the revision scanned, and adopts it; it
// reports false when another instance claimed it first.
func (s *Store) claim(ctx context.Context, k keyed) (bool, error) {
	subj := s.prefix + encodeKey(k.id)
	msg, err := s.stream.GetLastMsgForSubject(ctx, subj)
	if err != nil {
		return false, err
	}
	if msg.Sequence != k.rev || msg.Header.Get(kvOperation) != "" {
		return false, nil // changed since the scan
	}
	hdr := nats.Header{}
	for name, v := range msg.Header {
		if !strings.HasPrefix(name, "Nats-") {
			hdr[name] = v
		}
	}
	hdr.Set(HeaderOwner, s.o.Owner)
	ack, err := s.js.PublishMsg(ctx, &nats.Msg{Subject: subj, Header: hdr, Data: msg.Data},
		jetstream.WithExpectLastSequencePerSubject(k.rev))
	if isFenced(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	k.rev, k.owner = ack.Sequence, s.o.Owner
	if err := s.adopt(k); err != nil {
		return false, err
	}
	return true, nil
}

// fence stops every write: this instance no longer owns its sessions.
func (s *Store) fence() {
	s.mu.Lock()
	s.fenced.Add(uint64(len(s.entries)))
	clear(s.entries)
	clear(s.kept)
	s.queue, s.later = s.queue[:0], s.later[:0]
	s.mu.Unlock()
}

// close stops the lease's renewal and, unless it was lost, gives it up:
// the others may take what this instance left at once.
func (c *cluster) close() {
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	c.mu.Lock()
	lost, rev := c.lost, c.rev
	c.mu.Unlock()
	if c.s.opened {
		<-c.done
	}
	if lost {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// An expired lease: the others take its sessions after the grace.
	data, _ := json.Marshal(lease{Expires: time.Now().Add(-c.s.o.Lease)})
	_, _ = c.kv.Update(ctx, c.key, data, rev)
}

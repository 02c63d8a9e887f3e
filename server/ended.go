package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orca-scxml/orca/store"
)

// DefaultEndedBucket is the key-value bucket the records of ended
// callbacks are kept in (persistence.ended_bucket).
const DefaultEndedBucket = "ORCA_CALLBACKS_ENDED"

// endedCallbacks keeps the record of each callback that ends in a
// JetStream key-value bucket for sessions.retention (the bucket's MaxAge),
// so that the GMS API finds it after a restart and on every instance of a
// cluster: each instance watches the bucket and puts what it holds into
// its callback table (gms.Callbacks.Restore), the records of the bucket at
// start before the server answers.
type endedCallbacks struct {
	js     jetstream.JetStream
	prefix string // the subject of a key without it: $KV.<bucket>.
	w      jetstream.KeyWatcher
	log    *slog.Logger
}

// endedMaxAge is the bucket's MaxAge: the retention in wall-clock time
// (session time may run faster), at least a second. The callback table
// leaves out what ended more than the retention ago by its own clock.
func endedMaxAge(retention time.Duration, scale float64) time.Duration {
	if scale > 1 {
		retention = time.Duration(float64(retention) / scale)
	}
	return max(retention, time.Second)
}

// startEnded makes the bucket of ended callbacks, loads its records into
// the callback table and keeps watching it. It runs when persistence is
// on, after the callback API is made and before sessions run.
func (s *Server) startEnded(ctx context.Context) error {
	bucket := s.cfg.Persistence.EndedBucket
	if bucket == "" {
		bucket = DefaultEndedBucket
	}
	log := s.log.With("part", "ended-callbacks")
	js, err := jetstream.New(s.nc, jetstream.WithPublishAsyncErrHandler(func(_ jetstream.JetStream, m *nats.Msg, err error) {
		s.metrics.endedUnstored.Add(1)
		log.Error("persistence: the record of an ended callback is not stored", "callback", strings.TrimPrefix(m.Subject, "$KV."+bucket+"."), "err", err)
	}))
	if err != nil {
		return fmt.Errorf("persistence: ended callbacks: %w", err)
	}
	replicas := max(s.cfg.Persistence.Replicas, 1)
	kv, err := store.EnsureBucket(ctx, js, jetstream.KeyValueConfig{
		Bucket: bucket, Description: "Orca: the record of each ended callback, for sessions.retention",
		History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
		TTL: endedMaxAge(s.cfg.Sessions.Retention, s.cfg.Sessions.TimeScale),
	})
	if err != nil {
		return fmt.Errorf("persistence: ended callbacks: bucket %s: %w", bucket, err)
	}
	w, err := kv.WatchAll(context.Background(), jetstream.IgnoreDeletes()) // for the server's life: Stop ends it
	if err != nil {
		return fmt.Errorf("persistence: ended callbacks: watching %s: %w", bucket, err)
	}
	e := &endedCallbacks{js: js, prefix: "$KV." + bucket + ".", w: w, log: log}
	// The records the bucket holds now come first, then a nil entry.
	for loading := true; loading; {
		select {
		case ent, ok := <-w.Updates():
			if !ok {
				return errors.New("persistence: ended callbacks: the watch ended while loading")
			}
			if ent == nil {
				loading = false
				break
			}
			e.restore(s, ent)
		case <-ctx.Done():
			_ = w.Stop()
			return fmt.Errorf("persistence: ended callbacks: loading %s: %w", bucket, ctx.Err())
		}
	}
	go func() {
		for ent := range w.Updates() {
			if ent != nil {
				e.restore(s, ent)
			}
		}
	}()
	s.ended = e
	return nil
}

// restore puts a record of the bucket into the callback table.
func (e *endedCallbacks) restore(s *Server, ent jetstream.KeyValueEntry) {
	if err := s.callbacks.Restore(ent.Value()); err != nil {
		s.metrics.errors.Add(1)
		e.log.Warn("persistence: a bad record of an ended callback", "key", ent.Key(), "err", err)
	}
}

// keepEnded is gms.Options.Keep: it publishes the record of a callback
// that has just ended to the bucket. The session's hooks run before the
// store deletes its snapshot, on the same connection, so the record is
// sent before the deletion; it does not wait for the acknowledgement
// (a failure is logged and counted:
// orca_ended_callbacks_unstored_total).
func (s *Server) keepEnded(id string, record []byte) {
	e := s.ended
	if e == nil {
		return
	}
	if !validKey(id) {
		s.metrics.endedUnstored.Add(1)
		e.log.Warn("persistence: a callback id that cannot be a key; its record is kept in memory only", "callback", id)
		return
	}
	if _, err := e.js.PublishAsync(e.prefix+id, record); err != nil {
		s.metrics.endedUnstored.Add(1)
		e.log.Error("persistence: the record of an ended callback is not stored", "callback", id, "err", err)
	}
}

// validKey reports whether id can be a key of a bucket as it is.
func validKey(id string) bool {
	if id == "" || id[0] == '.' || id[len(id)-1] == '.' {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_=", c)) {
			return false
		}
	}
	return true
}

// flush waits until the records published are acknowledged, then stops
// the watch.
func (e *endedCallbacks) flush(ctx context.Context) error {
	defer func() { _ = e.w.Stop() }()
	select {
	case <-e.js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("persistence: ended callbacks not acknowledged: %w", ctx.Err())
	}
}

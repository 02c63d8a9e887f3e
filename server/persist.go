package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/orca-scxml/orca/gms"
	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/store"
	"github.com/orca-scxml/orca/telephony"
)

// PersistenceConfig says whether and where sessions are kept beyond the
// server's memory (see docs/durability.md).
type PersistenceConfig struct {
	// Enable keeps every session in JetStream (the key-value bucket
	// Bucket), restores them when the server starts and leaves them to
	// the next start at shutdown; true when absent. False keeps sessions
	// in memory only: shutdown cancels them.
	Enable *bool `yaml:"enable"`
	// Bucket is the key-value bucket (store.DefaultBucket when empty).
	Bucket string `yaml:"bucket"`
	// Replicas is the number of copies a NATS cluster keeps of the
	// buckets (1 when 0).
	Replicas int `yaml:"replicas"`
	// EndedBucket is the key-value bucket that keeps the record of each
	// ended callback for sessions.retention (DefaultEndedBucket when
	// empty).
	EndedBucket string `yaml:"ended_bucket"`
}

// ClusterConfig makes the server one instance of several sharing their
// sessions on one NATS cluster.
type ClusterConfig struct {
	// Enable joins the cluster; it needs persistence.
	Enable bool `yaml:"enable"`
	// Instance names this instance among the others: unique, and the
	// same across its restarts (DefaultInstance: the host name).
	Instance string `yaml:"instance"`
	// Lease is how long an instance holds its sessions without renewing
	// its lease: once it has expired, the others take them over
	// (DefaultLease when 0).
	Lease time.Duration `yaml:"lease"`
	// ForwardTimeout bounds the wait for the instance that owns a
	// session to answer a request forwarded to it (10s when 0).
	ForwardTimeout time.Duration `yaml:"forward_timeout"`
}

// DefaultLease is the cluster's default lease.
const DefaultLease = 10 * time.Second

// persistent reports whether sessions are kept in JetStream.
func (c Config) persistent() bool {
	return c.Persistence.Enable == nil || *c.Persistence.Enable
}

// persistenceDefaults fills in the defaults of persistence, clustering
// and the reporting outbox: with persistence, the outbox is kept on disk
// under the data directory.
func (c *Config) persistenceDefaults() {
	if c.persistent() && c.NATS.OutboxDir == "" {
		c.NATS.OutboxDir = filepath.Join(c.NATS.DataDir, "outbox")
	}
	if c.Cluster.Lease == 0 {
		c.Cluster.Lease = DefaultLease
	}
	if c.Cluster.ForwardTimeout == 0 {
		c.Cluster.ForwardTimeout = 10 * time.Second
	}
}

// validatePersistence checks the persistence and cluster sections.
func (c Config) validatePersistence() []error {
	var errs []error
	if c.Persistence.Replicas < 0 || c.Persistence.Replicas > 5 {
		errs = append(errs, fmt.Errorf("persistence.replicas %d: want 1 to 5", c.Persistence.Replicas))
	}
	if c.Sessions.HibernateAfter < 0 {
		errs = append(errs, fmt.Errorf("sessions.hibernate_after %v: must not be negative", c.Sessions.HibernateAfter))
	}
	if c.Sessions.HibernateAfter > 0 && !c.persistent() {
		errs = append(errs, errors.New("sessions.hibernate_after needs persistence.enable"))
	}
	if c.Cluster.Enable {
		if !c.persistent() {
			errs = append(errs, errors.New("cluster.enable needs persistence.enable"))
		}
		if c.Cluster.Lease < time.Second {
			errs = append(errs, fmt.Errorf("cluster.lease %v: at least 1s", c.Cluster.Lease))
		}
		if c.Cluster.ForwardTimeout < 0 {
			errs = append(errs, fmt.Errorf("cluster.forward_timeout %v: must not be negative", c.Cluster.ForwardTimeout))
		}
		if c.NATS.QueueGroup != "" {
			errs = append(errs, errors.New("cluster.enable: nats.queue_group must be empty: every instance receives the events of every DN and acts on the calls of its own sessions"))
		}
	}
	return errs
}

// startStore makes the session store when persistence is on.
func (s *Server) startStore() error {
	if !s.cfg.persistent() {
		return nil
	}
	o := store.Options{Bucket: s.cfg.Persistence.Bucket, Replicas: s.cfg.Persistence.Replicas,
		Logger: s.log.With("part", "store")}
	if s.cfg.Cluster.Enable {
		o.Owner, o.Lease = s.instance(), s.cfg.Cluster.Lease
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.New(ctx, s.nc, o)
	if err != nil {
		return fmt.Errorf("persistence: %w", err)
	}
	s.store = st
	ectx, ecancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer ecancel()
	return s.startEnded(ectx)
}

// hostStore returns the session store for the host, nil without one.
func (s *Server) hostStore() host.Store {
	if s.store == nil {
		return nil
	}
	return s.store
}

// snapshotChart finds the chart of the document a snapshot names: a
// service's, or one of the sandbox.
func (s *Server) snapshotChart(doc string) (*interp.Chart, error) {
	if c := s.callbacks.Chart(doc); c != nil {
		return c, nil
	}
	return s.docs.chart(doc)
}

// persistHooks subscribes what the server keeps of each session to the
// host's snapshots: the reporter's collector, the callback record, the
// function modules' interactions (kept by the runtime's own local).
func (s *Server) persistHooks(h *host.Host) {
	if s.store == nil {
		return
	}
	h.OnStart(s.trackSession)
	h.OnRestore(s.trackSession)
	h.OnAdopt(func(id string, index map[string]json.RawMessage) {
		if err := s.rt.Adopt(id, index[ors.LocalKey]); err != nil {
			s.log.Warn("persistence: adopting a session's interactions", "session", id, "err", err)
		}
		if data := index[gms.LocalKey]; len(data) > 0 {
			if err := s.callbacks.Restore(data); err != nil {
				s.log.Warn("persistence: adopting a callback", "session", id, "err", err)
			}
		}
	})
}

// trackSession gives a session the locals a snapshot keeps.
func (s *Server) trackSession(sess *interp.Session) {
	s.rep.Track(sess)
	if sess.Parent() == nil && sess.Local(gms.LocalKey) == nil {
		sess.SetLocal(gms.LocalKey, s.callbacks.Local(sess.ID()))
	}
}

// persistenceMetrics writes the metrics of the store and hibernation.
func (s *Server) persistenceMetrics(b *metricWriter, hs host.Stats) {
	b.gauge("orca_sessions_kept", "Sessions out of memory that the store keeps (hibernated, or not loaded since a start).", float64(hs.Kept))
	b.counter("orca_sessions_hibernated_total", "Sessions taken out of memory while they wait.", float64(hs.Hibernated))
	b.counter("orca_sessions_loaded_total", "Sessions brought back from the store.", float64(hs.Loaded))
	if s.store == nil {
		return
	}
	st := s.store.Stats()
	b.counter("orca_snapshots_written_total", "Session snapshots JetStream stored.", float64(st.Writes))
	b.counter("orca_snapshots_unchanged_total", "Macrosteps whose snapshot was not written: the same as the session's last but for its count of macrosteps and _event.", float64(st.Unchanged))
	b.counter("orca_sessions_adopted_total", "Sessions adopted from the store: at start, and taken over from instances whose leases ended.", float64(st.Adopted))
	b.counter("orca_snapshots_deleted_total", "Ended sessions deleted from the store.", float64(st.Deletes))
	b.counter("orca_snapshot_failures_total", "Snapshot writes that failed (JetStream unreachable, no acknowledgement in time); each is tried again.", float64(st.Failures))
	b.counter("orca_snapshot_retries_total", "Snapshot writes after a failed one.", float64(st.Retries))
	b.counter("orca_snapshots_fenced_total", "Sessions dropped because another instance had taken them over.", float64(st.Fenced))
	b.counter("orca_snapshots_refused_total", "Snapshots larger than the largest message JetStream takes (logged; the stored snapshot stays the one before).", float64(st.Refused))
	b.counter("orca_ended_callbacks_unstored_total", "Records of ended callbacks JetStream did not store (kept in memory only, logged).", float64(s.metrics.endedUnstored.Load()))
	b.gauge("orca_snapshots_pending", "Sessions whose last change is not stored yet.", float64(st.Pending))
	b.gauge("orca_snapshot_lag_seconds", "How long the oldest change not stored yet has waited.", st.Lag.Seconds())
	if s.cfg.Cluster.Enable {
		b.counter("orca_cluster_forwarded_total", "HTTP requests forwarded to the instance that owns their session.", float64(s.metrics.forwarded.Load()))
	}
}

// keepSessions, at shutdown with persistence, writes what the sessions
// left to the store hold (the host has released them) before the NATS
// connection closes.
func (s *Server) keepSessions(ctx context.Context) error {
	if s.store == nil {
		return nil
	}
	var errs []error
	if s.ended != nil {
		errs = append(errs, s.ended.flush(ctx))
	}
	if err := s.store.Flush(ctx); err != nil {
		errs = append(errs, fmt.Errorf("persistence: %w", err))
	}
	return errors.Join(errs...)
}

// instance returns this instance's name in the cluster.
func (s *Server) instance() string {
	if s.cfg.Cluster.Instance != "" {
		return s.cfg.Cluster.Instance
	}
	name, err := os.Hostname()
	if err != nil || name == "" {
		return "orca"
	}
	return name
}

// Resync passes a restored session's call on to the NATS port, which asks
// the switch about it (telephony.Resyncer).
func (p *hostPort) Resync(sw string, conn telephony.ConnID, dn string, seq uint64) {
	if r, ok := p.Port.(telephony.Resyncer); ok {
		r.Resync(sw, conn, dn, seq)
	}
}

// durableWait bounds how long an API that starts a session waits for its
// first snapshot to be stored before it answers.
const durableWait = 5 * time.Second

// durable waits until session id's last snapshot is stored, so that a
// start the API answers survives a crash that follows. When the store
// cannot be reached in time the answer goes anyway: the session runs, and
// its snapshot waits to be written (counted, retried).
func (s *Server) durable(ctx context.Context, id string) {
	if s.store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, durableWait)
	defer cancel()
	if err := s.store.Sync(ctx, id); err != nil {
		s.log.Warn("persistence: answering before the session is stored", "session", id, "err", err)
	}
}

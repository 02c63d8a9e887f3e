// Package store keeps SCXML sessions in NATS JetStream: it is the
// host.Store of orca serve. Each session is one key of a key-value bucket
// (ORCA_SESSIONS by default): the value is the session's snapshot
// (interp.SessionState as JSON), the message's headers say when its
// earliest delayed send falls due, which instance owns it, and the indexes
// its locals keep for the rest of the process (host.Indexer).
//
// A snapshot is written after every macrostep (Store.Commit, called once
// the macrostep's events and requests have been handed on), by a writer
// of its own: the host does not wait for JetStream. Each write names the
// revision of the key it replaces (compare-and-set): a write that finds
// another revision means another instance took the session over, and the
// session is dropped here. While JetStream cannot be reached, the latest
// snapshot of each session waits in memory and the writer tries again,
// counting every retry (Stats); a session that ends is deleted from the
// bucket. When a host opens the store, it adopts the sessions the bucket
// keeps for it, reading only the headers: the host loads each (Load) when
// an event, a call or its due time reaches it.
//
// With Options.Lease, instances share one bucket as a cluster: each holds
// a lease (a key of the ORCA_NODES bucket it renews), and when an
// instance's lease has expired the others take its sessions over, each
// session going to the one whose compare-and-set write claims it first.
//
// docs/durability.md says what is persisted when, the guarantees, and how
// a cluster shares sessions.
package store

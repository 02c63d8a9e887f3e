// Package bridge is Orca's side of the telephony bus: Port is the
// telephony.Port over NATS, carrying the requests of package telephony to
// the switch and its answers and call events back, in the messages and on
// the subjects package wire defines. The switch side of the same subjects
// is package sim (a simulator, and the Responder a switch adapter builds
// on); bridge and sim both build on wire and neither imports the other.
//
// # No lost reporting
//
// User events and attached-data requests are reporting: a Port keeps them
// in a bounded outbox and publishes them to the ORCA_REPORTING JetStream
// stream with a message id (ReportKey: session id and sequence), retrying
// until JetStream acknowledges them, while the server restarts or cannot
// be reached. A full outbox refuses the request with ErrOutboxFull; a
// message not stored within the outbox's time bound is reported with an
// EventError (ErrCodeNotDelivered) and the OnFail hook. Stats counts what
// is published, pending, retried, duplicate and failed.
//
// # No lost call events
//
// Core NATS keeps nothing for a subscriber that is away, so a Port keeps
// the calls its user holds and, after every reconnection, queries the
// switch about each (RequestQueryCall): it delivers the events it missed,
// once each by their sequence numbers, and the EventReleased of a call
// that ended meanwhile.
//
// # The bus
//
// By default Orca runs an embedded nats-server with JetStream on loopback
// (StartEmbedded), on the standard port 4222 when free, its store, its
// URL and its credentials under the data directory. It accepts only the
// NKeys of three roles (Role), each with the subject permissions it needs
// (Permissions): Orca itself, the switch side and readers. Every command
// finds the bus with Discover: --server or $NATS_URL as the nats CLI
// takes them, else the URL the embedded server recorded. Connect reaches
// an existing server or cluster instead, with user/password, token,
// credentials or NKey file, and TLS; several Orca instances on one
// cluster keep apart by their instance ids and may share the events of
// their DNs through a queue group.
package bridge

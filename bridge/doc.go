// Package bridge is the NATS implementation of the telephony port: Port
// carries the requests of package telephony to the telephony layer, and
// its answers and call events back, over NATS subjects modelled on
// T-Server's request/event protocol.
//
// # Subjects and messages
//
// Requests go to orca.tel.<switch>.req.<RequestName>, answers to the
// requesting instance on orca.tel.<switch>.rsp.<instance>.<EventName>, and
// every event but EventACK/EventError is broadcast on
// orca.tel.<switch>.evt.<dn>.<EventName> for the clients registered on the
// DN. Messages are JSON (Message), a flat attribute bag with switch,
// ThisDN, OtherDN, ConnID, CustomerID, ReferenceID, sequence number, time
// in seconds and microseconds, and typed user data (UserData) whose
// integers stay integers and nested lists stay lists. schema.go holds the
// subject builders and Encode/Decode for every program on the bus: the
// simulator and the event monitor use the same ones.
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
// is published, pending, retried, duplicate and failed. The Responder, the
// T-Server side, reads them with a durable consumer and reports their
// EventUserEvent and EventAttachedDataChanged through the same stream.
//
// # Servers
//
// By default Orca runs an embedded nats-server with JetStream on loopback
// (StartEmbedded), its store under the data directory. Connect reaches an
// existing server or cluster instead, with user/password, token or
// credentials file, and TLS; several Orca instances on one cluster keep
// apart by their instance ids and may share the events of their DNs
// through a queue group.
package bridge

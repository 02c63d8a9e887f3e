// Package wire is the protocol between Orca and the switch side over
// NATS, modelled on T-Server's request/event protocol: the subjects, the
// message schema and its codec, the conversions to and from the requests
// and events of package telephony, and the JetStream stream that carries
// reporting. Package bridge (Orca's telephony.Port) and package sim (the
// simulated switch) both speak it; the event monitor and any other
// program on the bus use the same definitions.
//
// # Subjects
//
// Requests go to orca.tel.<switch>.req.<RequestName>, answers to the
// requesting instance on orca.tel.<switch>.rsp.<instance>.<EventName>, and
// every event but EventACK/EventError is broadcast on
// orca.tel.<switch>.evt.<dn>.<EventName> for the clients registered on the
// DN. An EventUserEvent is only broadcast (BroadcastOnly): T-Server
// answers a RequestDistributeUserEvent with EventACK and distributes the
// EventUserEvent to the DN's clients. The notifications of the virtual
// queue statistics an instance opened (RequestOpenStatistic) go to
// orca.tel.<switch>.stat.<queue>.EventInfo. Token escapes switch, DN and
// queue names into one subject token.
//
// # Messages
//
// A Message is a flat attribute bag like T-Server's: switch, ThisDN,
// OtherDN, ConnID, CustomerID, ReferenceID, sequence number, time in
// seconds and microseconds, and user data whose keys keep their order and
// may repeat, whose integers stay integers and nested lists stay lists. On
// the wire it is one JSON object (what the nats CLI shows); Encode/
// AppendMessage and Decode write and read it without reflection, decoding
// each message in one pass over one copy of its bytes, or over the bytes
// themselves when the caller hands them over (DecodeOwned: a NATS
// subscriber's message data). DecodeOwnedMemo gives a message whose user
// data is the text of one decoded shortly before the same, shared
// telephony.UserData (UserDataMemo): a call's events repeat its attached
// data. A Pool reuses encoding buffers.
//
// # Versions
//
// Schema version 2 (SchemaVersion) writes user data in the compact form
// [["K","V"],["N",42],["L",[["k","v"]]]], version 1 in the typed form
// [{"key":"K","type":"str","value":"V"}, ...]. Decode reads both; a
// message's "v" is the oldest version that reads it, so that a reader
// older than version 2 refuses only the messages it cannot read, with
// "schema version 2, want 1". Pool.Schema and AppendMessageSchema write
// version 1 while such readers remain (docs/bridge.md, "Versions").
//
// # Reporting
//
// User events and attached-data requests, and the EventUserEvent and
// EventAttachedDataChanged they produce (IsReporting), are stored in the
// ORCA_REPORTING JetStream stream (StreamOptions, EnsureStream) with a
// message id, so that each is stored once; ConsumeReporting reads them in
// order with a durable consumer, acknowledging each message or, with
// ConsumeOptions.AckEvery, a batch at a time (docs/bridge.md, "No lost
// reporting").
package wire

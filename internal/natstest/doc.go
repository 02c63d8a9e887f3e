// Package natstest starts NATS servers for tests: a JetStream cluster of
// nats-server nodes in the test's process, on loopback ports, stopped when
// the test ends. Tests of what Orca does when a JetStream cluster places
// replicated streams (instances starting together, a node going away) use
// it instead of the single embedded server.
package natstest

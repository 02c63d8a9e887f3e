// Package server is Orca's stand-in for Genesys Orchestration Server (ORS)
// and the composition root of orca serve: one HTTP front for starting and
// driving SCXML sessions, the NATS bridge to the telephony layer,
// persistence and the cluster, and the GMS callback API of package gms,
// which it builds and wires.
//
// # Sessions
//
// Sessions run on a host (package host): a fixed set of shards, each a
// goroutine with one interp.Engine and its inbox (Config.Sessions.Shards,
// one per CPU by default). A session the API starts is placed on a shard by
// its id and has run its first macrostep when the start is answered;
// sessions a strategy creates itself (<invoke>, <session:start>) run on
// their parent's shard. Events from HTTP handlers, from the telephony port
// and from the function modules are routed by session id to the shard's
// inbox, and queries and terminations run on the shard between
// macrosteps, so an engine is only ever touched by its goroutine.
// Documents are loaded and compiled once and the compiled charts are
// shared by every shard. Config.Limits bound every session (script time,
// memory, microsteps and internal events per macrostep, queues, delayed
// sends): a breach ends or errors that session only, is logged with its id
// and counted in /metrics.
//
// # Configuration
//
// Config is read from YAML (LoadConfig): listen address, NATS (embedded by
// default, or a URL with credentials), the telephony switch and the DNs the
// server registers, tenant and reporting settings, the directories and URL
// prefixes strategies may be loaded from (the sandbox: nothing outside them
// is read, symlinks included), and the callback services, each a template
// or a src document with options checked when the configuration loads.
//
// # HTTP
//
// One mux serves the ORS session API under /scxml/session/, the GMS
// callback API under /genesys/1/service/callback (gms.Callbacks.Register),
// the Basic HTTP Event I/O Processor under /basichttp/, /healthz and
// /metrics (Prometheus text format). Bad input is answered 4xx with a JSON
// body {"error": "..."}; the GMS calls add GMS's {"message", "exception"}.
//
// # The GMS callback API
//
// The server loads and compiles the configured callback services and
// makes a gms.Callbacks of them, giving it the host's sessions
// (gms.Sessions: start now, deliver an event, whether a session lives,
// wait for its snapshot), the ORS runtime's virtual interactions, the
// clock, the logger and the callbacks: limits. The host's OnDone hook
// calls Callbacks.SessionEnded; the runtime's __Log and call-assignment
// hooks call StrategyLog and Assign; persistence keeps each callback's
// record in its session's snapshot (gms.LocalKey) and restores it on
// restart and take-over; the cluster asks it which callbacks this
// instance holds; the console reads the callbacks' states from it.
//
// # The edge
//
// The listener may be on any address; one reachable from other hosts needs
// credentials (HTTPConfig: a bearer token or basic authentication), which
// every request but /healthz and /basichttp/ must carry. The HTTP server
// bounds header and request read time, answer time, idle connections and
// header size. Package gms validates callback requests before anything
// starts: sizes, the customer number, durations and _desired_time against
// their ranges, and options a request may set only when the service lists
// them in _overwritable_options. Every outbound request a session causes
// (<session:fetch>, basichttp <send>, push notifications) goes through the
// outbound policy of package egress. docs/security.md has the threat model
// and every bound.
//
// # Shutdown
//
// Shutdown stops accepting requests and waits for the handlers in flight,
// lets running macrosteps finish, waits up to Config.Sessions.ShutdownGrace
// for sessions to end on their own, cancels the rest (so their final
// reporting UserEvent goes out), flushes the reporting outbox of the NATS
// port and finally stops the embedded NATS server.
package server

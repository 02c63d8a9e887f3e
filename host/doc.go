// Package host runs SCXML sessions: it is the one host type every Orca
// command configures. A Host owns the engines (package interp) that run
// sessions, the inboxes through which other goroutines reach them, the
// timers on one Clock, the limits every session is held to, the hooks the
// rest of the program subscribes to, and the routing of events by session
// id; a Store, when there is one, keeps sessions beyond its memory.
//
// The interpreter stays deterministic and single-goroutine; the host
// decides who drives it:
//
//   - Go starts one goroutine per shard (Config.Shards), each running one
//     engine with many sessions, for a server: any goroutine may then
//     Start sessions, Send them events, Do calls between their macrosteps
//     and Cancel them. Drain ends it gracefully.
//   - Run drives a host of one shard on the caller's goroutine in real
//     time until a condition holds, for a command line run.
//   - Settle and Advance drive it on virtual time (an interp.VirtualClock),
//     for tests and the conformance runner: Settle does everything due
//     now, Advance moves the clock from due time to due time.
//
// Whatever drives it, Start runs a session's first macrostep before it
// returns, so whoever learns a session's id finds it started.
//
// Per-session state lives on the session (interp.Session.SetLocal and
// Local), not in maps beside the host; hooks (OnStart, OnDone,
// OnMacrostep, OnError, OnBreach, OnLost) take any number of subscribers.
// Parts outside the engines whose events fall due on the host's clock (an
// in-memory telephony port) join as Participants.
//
// Limits bound every session: script time per macrostep and memory (a
// watchdog, see ecmascript.Watchdog, and a walk of the data model now and
// then), microsteps and internal events per macrostep, queue lengths and
// pending delayed sends (the interpreter). A breach ends or errors only the
// session concerned; it is logged with the session's id, counted (Stats)
// and announced to the OnBreach hooks.
//
// docs/engine.md explains the concurrency model, the limits and their
// measurement, the clocks, and the points where a store hooks in.
package host

// Package console is Orca's web console: the pages that show the services,
// the live and recently ended sessions and callbacks, and one session at a
// time as its statechart with the active states lit, its macrostep
// timeline, data model, pending timers and requests, log and what it
// reported, live and back through its history.
//
// The console reads sessions from a Source. Memory is a Source a host
// fills as sessions start, change and end; its Recorder keeps the recent
// macrosteps of each session (trace.Step records) in a bounded ring, fed
// from the host's hooks. NewHandler serves the pages and their JSON API;
// the server mounts it at "/" behind its authentication. The pages' actions
// (sending an event, terminating a session, rescheduling or cancelling a
// callback) call the ORS and GMS HTTP API, as a script would, so they obey
// the same rules and leave the same traces.
//
// NewLayout draws a document's statechart: a box for each state, nested,
// with its transitions written inside it and arrows to their targets. It
// runs on the server, deterministically, and the page renders the result
// as SVG; Check verifies its geometry. docs/console.md describes the
// layout, the data flow and the bounds of the history.
package console

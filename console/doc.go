// Package console is Orca's web console: the pages that show the services,
// the live and recently ended sessions, and one session at a time as its
// statechart with the active states lit, its macrostep timeline, data
// model, log and what it reported, live and back through its history.
package console

// Package interp runs SCXML documents: it is the algorithm of Appendix D of
// the SCXML Recommendation ("Algorithm for SCXML Interpretation"), applied
// to documents that package scxml has loaded and validated.
//
// A Chart is a document prepared once for execution: its data model
// compiled (see package ecmascript) and the tables the algorithm consults
// per event. An Engine runs any number of sessions of charts on the
// caller's goroutine. It owns no goroutines and reads the time only
// through a Clock, so a host decides how to wait: the command line and the
// server use the real clock, tests and the conformance runner a
// VirtualClock on which delayed events cost nothing.
//
// Hosts connect through small hooks in Options: a Log function for <log>,
// OnStart, OnMacrostep, OnDone, OnError for error events and limit
// breaches, Route for sessions of other engines, IOProcessors for <send>
// types beyond the built-in SCXML Event I/O Processor, and Invokers for
// <invoke> types beyond SCXML. Package host is the host every Orca command
// uses; per-session host state lives on the session (Session.SetLocal).
//
// The engine bounds every session (Options.MaxMicrosteps and the other
// limits, with defaults): microsteps and internal events per macrostep,
// the internal and external queues, pending delayed sends. A breach is a
// *Breach wrapping ErrLimit; Options.Limit says whether it raises
// error.execution or ends the session. Hosts end a session for a breach
// they measure themselves (memory) with Session.Abort, which is safe from
// any goroutine.
package interp

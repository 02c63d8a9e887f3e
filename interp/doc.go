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
// OnMacrostep for tracing, OnDone, OnError for error events and limit
// breaches, IOProcessors for <send> types beyond the built-in SCXML Event
// I/O Processor, and Invokers for <invoke> types beyond SCXML.
package interp

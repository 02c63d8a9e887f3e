// Package chartfuzz turns arbitrary bytes into valid SCXML charts, for
// fuzzing whole charts rather than the parser: compound and parallel
// states, history, final states with done data, transitions with events,
// conditions and targets, and executable content that assigns, runs
// scripts, raises, sends (to itself, delayed, cancelled, to #_internal),
// branches, loops and fails in the ways real strategies fail. Every chart
// it makes loads and compiles; what it does when run is up to the bytes.
//
// The bytes are read as a stream of decisions (Source): the chart takes
// what it needs, and a fuzz target can keep reading the same Source to
// decide which events to send and when to move the clock.
package chartfuzz

// Package conformance runs the W3C SCXML 1.0 Implementation Report Plan
// tests (https://www.w3.org/Voice/2013/scxml-irp/) against Orca's
// interpreter and ECMAScript data model.
//
// The suite is not part of the repository. Run reads it from a directory
// laid out as:
//
//	DIR/manifest.tsv      one row per test (id, conformance, manual, needs, files, ...)
//	DIR/ecma/*.scxml      the tests, transformed for the ECMAScript data model,
//	                      with the sub-documents and data files they load
//
// Hosts find DIR with SuiteDir: the ORCA_W3C environment variable, or a
// default relative to the working directory (../shared/w3c from the
// repository root).
//
// Select picks the automatic tests that need no HTTP server (the null data
// model test 436 among them). Each test file runs in its own interp.Engine
// on a virtual clock, so delayed events cost no wall time: the runner calls
// Run, advances the clock to the next due timer, and repeats until the
// session ends. A test passes when every one of its files reaches the
// top-level final state "pass". A session that can make no more progress, a
// breach of the microstep limit, or a run longer than the wall-time guard is
// a failure.
package conformance

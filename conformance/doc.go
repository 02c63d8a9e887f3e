// Package conformance runs the W3C SCXML 1.0 Implementation Report Plan
// tests (https://www.w3.org/Voice/2013/scxml-irp/) against Orca's
// interpreter and ECMAScript data model, and writes the conformance report.
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
// repository root). Options.DocDir points the runner at documents
// elsewhere, such as those TransformDir makes from the .txml templates.
//
// Run runs all 200 tests. Each document runs in its own host (package host)
// on a virtual clock, so delayed events cost no wall time: the runner
// settles the host (engine work and events from other goroutines) and
// advances the clock to the next due timer only when nothing is left to do
// at the current time. The host's limits apply, breaches terminating the
// session.
// While it runs, the runner records a Trace: every session (invoked ones
// included), its <log> output, the errors reported, and the events bound to
// _event. A test is then judged by its Judgement:
//
//   - Automatic: every document reaches the top-level final state "pass".
//   - HTTP: the same, with a Basic HTTP Event I/O Processor (package
//     interp/basichttp) on the loopback interface for each document. Test
//     513 has no document: the runner POSTs an event to a session's
//     location, expects 200 and checks that the session receives it.
//   - ManualCheck: tests 178, 230, 250, 307 and 415 must end in the final
//     state "final", and their traces must show what the test's comment
//     asks a person to check (ManualRules lists the rules).
//   - LoadRejection and RejectOrPass: test 301 must be rejected at load,
//     with an error at its <script>; 313 and 314 may be rejected at their
//     ill-formed expression, and must otherwise reach "pass".
//
// A session that can make no more progress, a breach of the microstep
// limit, or a run longer than the wall-time guard fails the test.
// WriteTable prints the results; WriteMarkdown writes CONFORMANCE.md.
package conformance

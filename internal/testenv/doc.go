// Package testenv is how Orca's tests find what lives outside the
// repository — the W3C SCXML suite, the callback reporting seeds, a
// browser, a database server — and how they say that something is
// missing.
//
// A test that needs something absent calls Missing (or a finder such as
// W3C, which calls it): the test is skipped with a message naming what is
// missing and how to get it, or fails instead when ORCA_REQUIRE_ALL=1 (CI
// sets it). When ORCA_SKIP_LOG names a directory, every such skip is also
// recorded there, one file per reason with the tests it skipped, so that
// "make test" can end by listing what did not run and how to get it. A
// test skips for nothing else, so that no test can skip in silence.
//
// The package is for tests only; the commands find the same directories
// with their own flags and defaults.
package testenv

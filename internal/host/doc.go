// Package host holds what every Orca host program shares: the table of data
// models wired into the interpreter, loading a chart from a file, and Loop,
// which runs sessions, an in-memory telephony port and an inbox on virtual
// time for the tests of strategies.
//
// The orca command, the conformance runner and their tests all use it, so
// that they run documents exactly the same way.
package host

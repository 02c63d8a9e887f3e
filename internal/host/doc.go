// Package host holds what every Orca host program shares: the table of data
// models wired into the interpreter, and loading a chart from a file.
//
// The orca command, the conformance runner and their tests all use it, so
// that they run documents exactly the same way.
package host

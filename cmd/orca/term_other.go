//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package main

import "io"

// isTerminal reports false: the demo prints plain lines.
func isTerminal(io.Writer) bool { return false }

// terminalWidth returns 0: unknown.
func terminalWidth(io.Writer) int { return 0 }

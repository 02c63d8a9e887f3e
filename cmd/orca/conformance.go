package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/orca-scxml/orca/conformance"
)

// runConformance implements "orca conformance [ID...]".
func runConformance(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("conformance", "[--dir DIR] [--failures] [--timeout DUR] [--jobs N] [--log] [ID...]", stderr)
	dir := fs.String("dir", conformance.SuiteDir(conformance.DefaultDir),
		"W3C suite directory (manifest.tsv and ecma/); default $"+conformance.EnvDir+", else "+conformance.DefaultDir)
	failures := fs.Bool("failures", false, "list only the tests that did not pass")
	timeout := fs.Duration("timeout", conformance.DefaultTimeout, "wall-time guard per test file")
	jobs := fs.Int("jobs", 0, "tests run at once (0 means GOMAXPROCS)")
	showLog := fs.Bool("log", false, "print the <log> output and errors of tests that did not pass")
	ids, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	rep, err := conformance.Run(conformance.Options{Dir: *dir, IDs: ids, Workers: *jobs, Timeout: *timeout})
	if err != nil {
		fmt.Fprintf(stderr, "orca conformance: %v\n", err)
		return exitFail
	}
	if err := conformance.WriteTable(stdout, rep, *failures); err != nil {
		fmt.Fprintf(stderr, "orca conformance: %v\n", err)
		return exitFail
	}
	if *showLog {
		for _, res := range rep.Failures() {
			fmt.Fprintf(stdout, "\n--- test %s: %s\n%s\n", res.ID, res.Reason, strings.Join(res.Log, "\n"))
		}
	}
	if len(rep.Failures()) > 0 {
		return exitFail
	}
	return exitOK
}

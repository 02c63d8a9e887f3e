package main

import (
	"fmt"
	"io"
	"os"

	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/strategytest"
)

// runTest implements "orca test FILE...".
func runTest(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("test", "[--junit FILE] [--trace] [--log] [--env FILE] TESTFILE...", stderr)
	junit := fs.String("junit", "", "also write the results as JUnit XML to this file")
	trace := fs.Bool("trace", false, "print one JSON line per macrostep of every test")
	showLog := fs.Bool("log", false, "print the strategies' log lines")
	envFile := fs.String("env", "", "an environment file replacing the tests' own")
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) == 0 {
		return usageError(fs, stderr, "test", "no test file given: name the YAML test files to run")
	}
	opts := strategytest.Options{}
	if *trace {
		opts.Trace = stdout
	}
	if *showLog {
		opts.Log = stderr
	}
	if *envFile != "" {
		env, err := ors.LoadEnvironment(*envFile)
		if err != nil {
			fmt.Fprintf(stderr, "orca test: %v\n", err)
			return exitFail
		}
		opts.Environment = env
	}
	var results []strategytest.Result
	status = exitOK
	for _, f := range files {
		suite, err := strategytest.Load(f)
		if err == nil {
			var rs []strategytest.Result
			rs, err = strategytest.Run(suite, opts)
			results = append(results, rs...)
		}
		if err != nil {
			// A file that does not run is a failure the table and
			// the JUnit report show.
			results = append(results, strategytest.Result{Suite: f, Name: "load", Failures: []string{err.Error()}})
		}
	}
	if err := strategytest.WriteTable(stdout, results); err != nil {
		fmt.Fprintf(stderr, "orca test: %v\n", err)
		return exitFail
	}
	for _, r := range results {
		if !r.Passed() {
			status = exitFail
		}
	}
	if *junit != "" {
		f, err := os.Create(*junit)
		if err == nil {
			err = strategytest.WriteJUnit(f, results)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "orca test: --junit: %v\n", err)
			return exitFail
		}
	}
	return status
}

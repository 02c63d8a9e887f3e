package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
)

// runValidate implements "orca validate FILE...".
func runValidate(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("validate", "FILE...", stderr)
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) == 0 {
		return usageError(fs, stderr, "validate", "no file given: name the SCXML documents to check")
	}
	// The Genesys function modules are known, so that ORS strategies
	// validate too and unknown module actions are reported.
	rt := ors.New(ors.Options{})
	defer rt.Close()
	status = exitOK
	for _, f := range files {
		if !validate(f, stdout, rt) {
			status = exitFail
		}
	}
	return status
}

// validate reports the problems of one file on w, one per line, and returns
// false when the file cannot be run.
func validate(file string, w io.Writer, rt *ors.Runtime) bool {
	doc, err := scxml.Load(file, rt.LoadOptions())
	var chart *interp.Chart
	if err == nil {
		chart, err = interp.Compile(doc, rt.Datamodels())
	}
	if err != nil {
		var list scxml.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintln(w, e.Error())
			}
		} else {
			fmt.Fprintln(w, err)
		}
		return false
	}
	// Warnings are what ORS tolerates: attributes it ignores, an include
	// whose name differs in letter case from the file's.
	for _, warn := range doc.Warnings {
		fmt.Fprintln(w, warning(warn))
	}
	// Expressions that do not compile are errors only when evaluated
	// (error.execution, §5.9), so they do not make the file invalid.
	for _, p := range chart.Problems() {
		fmt.Fprintln(w, warning(p))
	}
	return true
}

// warning formats a problem that does not stop a document from running
// as compilers do: "file:line:col: warning: message".
func warning(err error) string {
	var e *scxml.Error
	var pe *interp.PosError
	switch {
	case errors.As(err, &e):
		return e.Pos.String() + ": warning: " + e.Msg
	case errors.As(err, &pe):
		return pe.Pos.String() + ": warning: " + pe.Err.Error()
	}
	return "warning: " + err.Error()
}

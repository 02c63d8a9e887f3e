package main

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/orca-scxml/orca/templates"
)

// runTemplates implements "orca templates list|show NAME|export NAME DIR".
func runTemplates(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("templates", "list | show NAME | export [--force] NAME DIR", stderr)
	force := fs.Bool("force", false, "export: overwrite files that exist")
	pos, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(pos) == 0 {
		fs.Usage()
		return exitUsage
	}
	switch verb, rest := pos[0], pos[1:]; {
	case verb == "list" && len(rest) == 0:
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, t := range templates.List() {
			fmt.Fprintf(w, "%s\t%s\n", t.Name, t.Description)
		}
		if err := w.Flush(); err != nil {
			fmt.Fprintf(stderr, "orca templates: %v\n", err)
			return exitFail
		}
		return exitOK
	case verb == "show" && len(rest) == 1:
		src, err := templates.Source(rest[0])
		if err != nil {
			fmt.Fprintf(stderr, "orca templates: %v\n", err)
			return exitFail
		}
		if _, err := stdout.Write(src); err != nil {
			fmt.Fprintf(stderr, "orca templates: %v\n", err)
			return exitFail
		}
		return exitOK
	case verb == "export" && len(rest) == 2:
		files, err := templates.Export(rest[0], rest[1], *force)
		if err != nil {
			fmt.Fprintf(stderr, "orca templates: %v\n", err)
			return exitFail
		}
		for _, f := range files {
			fmt.Fprintln(stdout, f)
		}
		return exitOK
	}
	fs.Usage()
	return exitUsage
}

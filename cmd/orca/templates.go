package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/orca-scxml/orca/templates"
)

// runTemplates implements "orca templates list|show NAME|source NAME|export NAME DIR".
func runTemplates(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("templates", "list | show NAME | source NAME | export [--force] NAME DIR", stderr)
	force := fs.Bool("force", false, "export: overwrite files that exist")
	pos, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(pos) == 0 {
		return usageError(fs, stderr, "templates", "missing what to do: list, show NAME or export NAME DIR")
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "orca templates: %v\n", err)
		return exitFail
	}
	switch verb, rest := pos[0], pos[1:]; {
	case verb == "list" && len(rest) == 0:
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, t := range templates.List() {
			fmt.Fprintf(w, "%s\t%s\n", t.Name, t.Description)
		}
		if err := w.Flush(); err != nil {
			return fail(err)
		}
		return exitOK
	case verb == "show" && len(rest) == 1:
		if err := showTemplate(stdout, rest[0]); err != nil {
			return fail(err)
		}
		return exitOK
	case verb == "source" && len(rest) == 1:
		src, err := templates.Source(rest[0])
		if err != nil {
			return fail(err)
		}
		if _, err := stdout.Write(src); err != nil {
			return fail(err)
		}
		return exitOK
	case verb == "export" && len(rest) == 2:
		files, err := templates.Export(rest[0], rest[1], *force)
		if err != nil {
			return fail(err)
		}
		for _, f := range files {
			fmt.Fprintln(stdout, f)
		}
		return exitOK
	}
	switch verb, rest := pos[0], pos[1:]; {
	case verb == "list":
		return usageError(fs, stderr, "templates", "list takes no argument, not %q", rest[0])
	case verb == "show" && len(rest) == 0:
		return usageError(fs, stderr, "templates", "show: missing the template's NAME (orca templates list names them)")
	case verb == "export" && len(rest) == 0:
		return usageError(fs, stderr, "templates", "export: missing the template's NAME and the DIR to write it to")
	case verb == "export" && len(rest) == 1:
		return usageError(fs, stderr, "templates", "export %s: missing the DIR to write it to", rest[0])
	case verb == "show" || verb == "export":
		return usageError(fs, stderr, "templates", "%s: unexpected argument %q", verb, rest[len(rest)-1])
	}
	return usageError(fs, stderr, "templates", "unknown action %q: want list, show or export", pos[0])
}

// showTemplate writes what template name is and each option it reads,
// with its type, default and meaning.
func showTemplate(w io.Writer, name string) error {
	t, ok := templates.Lookup(name)
	if !ok {
		_, err := templates.Source(name) // the error that lists the templates
		return err
	}
	opts, err := t.Options()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: %s\n", t.Name, t.Description)
	fmt.Fprintf(w, "strategy %s, includes %s (orca templates source %s prints it)\n\n", t.File, strings.Join(t.Includes, ", "), t.Name)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPTION\tTYPE\tDEFAULT\tMEANING")
	for _, o := range opts {
		def := o.Default
		switch {
		case o.Required:
			def = "(required)"
		case o.Fallback:
			def = "(reporting: section)"
		case def == "":
			def = "(empty)"
		}
		kind := o.Kind.String()
		if o.Kind == templates.Enum {
			kind = strings.Join(o.Values, "|")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", o.Name, kind, def, o.Description)
	}
	return tw.Flush()
}

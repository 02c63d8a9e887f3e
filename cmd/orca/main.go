package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFail    = 1
	exitTimeout = 2
	exitUsage   = 64
)

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

func commands() map[string]command {
	return map[string]command{
		"validate":    {"check charts for errors", runValidate},
		"run":         {"run a chart, reading events from stdin", runRun},
		"test":        {"run the YAML tests of strategies on virtual time", runTest},
		"bench":       {"measure event throughput and memory per session", runBench},
		"conformance": {"run the W3C SCXML conformance tests", runConformance},
		"templates":   {"list, show and export the callback templates", runTemplates},
		"tsim":        {"run the telephony simulator on NATS", interruptible(runTsim)},
		"events":      {"print UserEvents and attached-data changes as they flow", interruptible(runEvents)},
		"serve":       {"run the ORS/GMS stand-in: HTTP API, callback services, NATS bridge", interruptible(runServe)},
		"infomart":    {"store the reporting DN's UserEvents as ICON and Info Mart do; callback reports", interruptible(runInfoMart)},
		"view":        {"open a trace in the console's session page", interruptible(runView)},
		"version":     {"print the version, the module's and the build's", runVersion},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run executes the orca command line args and returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 {
		fmt.Fprintln(stderr, "orca: missing command")
		usage(stderr, cmds)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout, cmds)
		return exitOK
	case "-version", "--version":
		return runVersion(nil, stdin, stdout, stderr)
	case "help":
		return runHelp(args[1:], stdin, stdout, stderr)
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "orca: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return exitUsage
	}
	return c.run(args[1:], stdin, stdout, stderr)
}

// runHelp is "orca help [COMMAND [SUBCOMMAND]]": the list of commands, or
// a command's usage and flags, on standard output.
func runHelp(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 {
		usage(stdout, cmds)
		return exitOK
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "orca help: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return exitUsage
	}
	// A command's -h prints its usage; here it goes to standard output.
	return c.run(append(args[1:], "-h"), stdin, stdout, stdout)
}

// parseQuietly is fs.Parse without the flag package's own messages: the
// caller reports the error in Orca's style.
func parseQuietly(fs *flag.FlagSet, args []string) error {
	out, use := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = use }()
	return fs.Parse(args)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: orca COMMAND [flags] [args]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-12s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nrun \"orca help COMMAND\" for the flags of a command\n")
	io.WriteString(w, b.String())
}

// newFlagSet returns a flag set for a subcommand that reports errors on
// stderr instead of exiting.
func newFlagSet(name, args string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("orca "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: orca %s %s\n", name, args)
		fs.PrintDefaults()
	}
	return fs
}

// usageError reports a usage error of command cmd: "orca CMD: message",
// then the command's usage line, and returns exitUsage.
func usageError(fs *flag.FlagSet, stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "orca %s: %s\n", cmd, fmt.Sprintf(format, args...))
	fs.Usage()
	return exitUsage
}

// parseFlags parses args, allowing flags after positional arguments
// ("orca run chart.scxml --trace"). It returns the positional arguments, or
// the exit status when parsing failed ("orca CMD: what is wrong", then the
// usage) or help was asked for.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := parseQuietly(fs, args); err != nil {
			if err == flag.ErrHelp {
				fs.Usage()
				return nil, exitOK, false
			}
			fmt.Fprintf(fs.Output(), "%s: %v\n", fs.Name(), err)
			fs.Usage()
			return nil, exitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

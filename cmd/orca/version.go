package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// runVersion is "orca version" (and "orca --version"): the module's
// version and what the build recorded of its sources, from
// runtime/debug.ReadBuildInfo.
func runVersion(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "", stderr)
	pos, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "version", "unexpected argument %q: orca version takes none", pos[0])
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		fmt.Fprintln(stderr, "orca version: the binary carries no build information")
		return exitFail
	}
	io.WriteString(stdout, versionText(info))
	return exitOK
}

// versionText formats build information: "orca VERSION", then the module,
// the Go version, and the VCS revision, time and whether the tree had
// changes, when the build recorded them.
func versionText(info *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	version := info.Main.Version
	if version == "" {
		version = "(unknown)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "orca %s\n", version)
	fmt.Fprintf(&b, "module   %s\n", info.Main.Path)
	fmt.Fprintf(&b, "go       %s %s/%s\n", info.GoVersion, settings["GOOS"], settings["GOARCH"])
	if rev := settings["vcs.revision"]; rev != "" {
		fmt.Fprintf(&b, "%-8s %s", settings["vcs"], rev)
		if settings["vcs.modified"] == "true" {
			b.WriteString(" (modified)")
		}
		b.WriteByte('\n')
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, "commit   %s\n", t)
		}
	} else {
		b.WriteString("vcs      none recorded (built outside a checkout, or with -buildvcs=false)\n")
	}
	return b.String()
}

package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUsageErrors checks that every usage error says what is wrong or
// missing as "orca CMD: ...", then the command's usage, with status 64.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		msg  string // the first line of standard error
	}{
		{nil, "orca: missing command"},
		{[]string{"nope"}, `orca: unknown command "nope"`},
		{[]string{"help", "nope"}, `orca help: unknown command "nope"`},
		{[]string{"validate"}, "orca validate: no file given: name the SCXML documents to check"},
		{[]string{"validate", "--strict", "x.scxml"}, "orca validate: flag provided but not defined: -strict"},
		{[]string{"test"}, "orca test: no test file given: name the YAML test files to run"},
		{[]string{"test", "--junit"}, "orca test: flag needs an argument: -junit"},
		{[]string{"templates"}, "orca templates: missing what to do: list, show NAME or export NAME DIR"},
		{[]string{"templates", "show"}, "orca templates: show: missing the template's NAME (orca templates list names them)"},
		{[]string{"templates", "export", "callback-immediate"}, "orca templates: export callback-immediate: missing the DIR to write it to"},
		{[]string{"templates", "export"}, "orca templates: export: missing the template's NAME and the DIR to write it to"},
		{[]string{"templates", "list", "x"}, `orca templates: list takes no argument, not "x"`},
		{[]string{"templates", "remove", "x"}, `orca templates: unknown action "remove": want list, show or export`},
		{[]string{"tsim", "x"}, `orca tsim: unexpected argument "x": orca tsim takes flags only`},
		{[]string{"tsim", "--embedded", "--server", "nats://127.0.0.1:1"}, "orca tsim: --embedded starts a bus of its own: it does not go with --server"},
		{[]string{"events", "x"}, `orca events: unexpected argument "x": orca events takes flags only`},
		{[]string{"serve", "x"}, `orca serve: unexpected argument "x": orca serve takes flags only`},
		{[]string{"serve", "--count", "many"}, `orca serve: invalid value "many" for flag -count: parse error`},
		{[]string{"view"}, "orca view: missing the TRACE file to show (what orca run --trace prints; - for standard input)"},
		{[]string{"view", "a", "b"}, "orca view: one TRACE at a time, not 2"},
		{[]string{"infomart"}, "orca infomart: missing command: run, report or rejections"},
		{[]string{"infomart", "--db", "x"}, "orca infomart: --db before the command: flags go after run, report or rejections"},
		{[]string{"infomart", "report"}, "orca infomart report: missing the report: summary or details"},
		{[]string{"infomart", "report", "weekly"}, `orca infomart report: unknown report "weekly": want summary or details`},
		{[]string{"infomart", "report", "summary", "extra"}, `orca infomart report: unexpected argument "extra" after summary`},
		{[]string{"infomart", "rejections", "x"}, `orca infomart rejections: unexpected argument "x": it takes flags only`},
		{[]string{"infomart", "run", "x"}, `orca infomart run: unexpected argument "x": it takes flags only`},
		{[]string{"conformance", "--ecma-out", "d"}, "orca conformance: --ecma-out needs --from-txml"},
		{[]string{"conformance", "--build", "d", "144"}, "orca conformance: --build takes no test ids (it runs nothing)"},
		{[]string{"version", "x"}, `orca version: unexpected argument "x": orca version takes none`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(append([]string{"orca"}, tc.args...), " "), func(t *testing.T) {
			code, stdout, stderr := orca(t, nil, tc.args...)
			assert.Equal(t, exitUsage, code)
			assert.Empty(t, stdout)
			first, rest, _ := strings.Cut(stderr, "\n")
			assert.Equal(t, tc.msg, first)
			assert.Regexp(t, `(?m)^usage: orca`, rest, "the usage follows")
		})
	}
}

// TestOneMessageStyle checks that what the commands print on standard
// error about themselves starts with "orca CMD:".
func TestOneMessageStyle(t *testing.T) {
	for _, file := range []string{"serve.go", "demo.go", "demo_table.go", "tsim.go", "events.go", "infomart.go", "templates.go",
		"test.go", "validate.go", "view.go", "conformance.go", "version.go", "main.go", "bus.go"} {
		src := readSource(t, file)
		for _, m := range regexp.MustCompile(`Fprint(?:f|ln)?\((?:stderr|l\.stderr), "([^"]*)`).FindAllStringSubmatch(src, -1) {
			if m[1] == "" || strings.HasPrefix(m[1], "%") || strings.HasPrefix(m[1], "\\n") {
				continue
			}
			assert.Regexp(t, `^(orca( [a-z%]+)*( --demo)?: |usage: )`, m[1], "%s: a message on standard error", file)
		}
	}
}

func TestHelp(t *testing.T) {
	code, stdout, stderr := orca(t, nil, "help")
	assert.Equal(t, exitOK, code)
	assert.Empty(t, stderr)
	assert.Contains(t, stdout, "usage: orca COMMAND [flags] [args]")
	assert.Contains(t, stdout, `run "orca help COMMAND" for the flags of a command`)
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range commands() {
			if !yield(n) {
				return
			}
		}
	})
	for _, name := range names {
		assert.Regexp(t, `(?m)^  `+name+` +\S`, stdout)
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := orca(t, nil, "help", name)
			assert.Equal(t, exitOK, code)
			assert.Empty(t, stderr, "orca help %s writes to standard output", name)
			assert.Contains(t, stdout, "usage: orca "+name)
		})
	}
	code, stdout, _ = orca(t, nil, "help", "serve")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "-demo")
	assert.Contains(t, stdout, "-stay")
	code, stdout, _ = orca(t, nil, "help", "infomart", "report")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "usage: orca infomart report summary|details")
	assert.Contains(t, stdout, "-by")
}

// readSource returns the text of a file of this package.
func readSource(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(data)
}

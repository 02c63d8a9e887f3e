package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/trace"
)

// repoTestdata is the repository's top-level testdata directory.
var repoTestdata = filepath.Join("..", "..", "testdata")

// orca runs the command line with stdin and returns its exit status,
// standard output and standard error.
func orca(t *testing.T, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var stdout, stderr bytes.Buffer
	code := run(args, stdin, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// writeChart writes an SCXML document with the given body to a temporary
// file and returns its path.
func writeChart(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	doc := `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">` + "\n" + body + "</scxml>\n"
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
	return path
}

// blockingReader is a standard input that never reaches EOF.
type blockingReader struct{ done chan struct{} }

func (r blockingReader) Read([]byte) (int, error) {
	<-r.done
	return 0, io.EOF
}

func openStdin(t *testing.T) io.Reader {
	r := blockingReader{done: make(chan struct{})}
	t.Cleanup(func() { close(r.done) })
	return r
}

func TestUsage(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no command", nil, exitUsage, "usage: orca COMMAND"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `orca: unknown command "frobnicate"`},
		{"validate without files", []string{"validate"}, exitUsage, "usage: orca validate FILE..."},
		{"run two files", []string{"run", "a", "b"}, exitUsage, "usage: orca run"},
		{"bench without event", []string{"bench", "a.scxml"}, exitUsage, "usage: orca bench"},
		{"bad flag", []string{"run", "--nope", "a"}, exitUsage, "flag provided but not defined: -nope"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := orca(t, nil, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr, tc.stderr)
		})
	}
}

func TestValidate(t *testing.T) {
	bad := writeChart(t, "bad.scxml", `  <state id="a">
    <transition event="go" target="nowhere"/>
  </state>
  <state id="a"/>
`)
	warn := writeChart(t, "warn.scxml", `  <state id="a">
    <transition event="go" cond="1 +" target="b"/>
  </state>
  <final id="b"/>
`)
	missing := filepath.Join(t.TempDir(), "missing.scxml")
	cases := []struct {
		name   string
		files  []string
		code   int
		stdout []string // exact lines; a line ending in "..." is a prefix
	}{
		{"good charts", []string{filepath.Join(repoTestdata, "pingpong.scxml"), filepath.Join(repoTestdata, "hello.scxml")}, exitOK, nil},
		{"load errors", []string{bad}, exitFail, []string{
			bad + `:3:36: transition target "nowhere" does not exist`,
			bad + `:5:14: duplicate state id "a" (first defined at ` + bad + `:2:14)`,
		}},
		{"expression problems are warnings", []string{warn}, exitOK, []string{
			warn + `:3:34: warning: condition "1 +": SyntaxError...`,
		}},
		{"missing file", []string{missing}, exitFail, []string{
			"scxml: open " + missing + ": no such file or directory",
		}},
		{"one bad file fails the lot", []string{warn, bad}, exitFail, []string{
			warn + ":3:34: warning: ...",
			bad + ":3:36: ...",
			bad + ":5:14: ...",
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := orca(t, nil, append([]string{"validate"}, tc.files...)...)
			assert.Equal(t, tc.code, code)
			assert.Empty(t, stderr)
			assertLines(t, tc.stdout, stdout)
		})
	}
}

// assertLines checks out line by line against want; a wanted line ending in
// "..." only has to be a prefix.
func assertLines(t *testing.T, want []string, out string) {
	t.Helper()
	got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if out == "" {
		got = nil
	}
	require.Len(t, got, len(want), "output:\n%s", out)
	for i, w := range want {
		if p, ok := strings.CutSuffix(w, "..."); ok {
			assert.True(t, strings.HasPrefix(got[i], p), "line %d: %q does not start with %q", i+1, got[i], p)
		} else {
			assert.Equal(t, w, got[i], "line %d", i+1)
		}
	}
}

func TestRun(t *testing.T) {
	pingpong := filepath.Join(repoTestdata, "pingpong.scxml")
	loop := writeChart(t, "loop.scxml", `  <state id="a"><transition target="b"/></state>
  <state id="b"><transition target="a"/></state>
`)
	timed := writeChart(t, "timed.scxml", `  <state id="wait">
    <onentry><send event="tick" delay="20ms"/><log expr="'waiting'"/></onentry>
    <transition event="tick" target="over"/>
  </state>
  <final id="over"/>
`)
	broken := writeChart(t, "broken.scxml", `  <state id="a">`)
	flood := writeChart(t, "flood.scxml", `  <state id="a">
    <onentry><send event="again"/></onentry>
    <transition event="again" target="a"/>
  </state>
`)
	spin := writeChart(t, "spin.scxml", `  <state id="a">
    <onentry><script>while (true) {}</script></onentry>
    <transition event="error.execution" target="stopped"/>
  </state>
  <final id="stopped"/>
`)
	cases := []struct {
		name   string
		args   []string
		stdin  string
		open   bool // stdin never reaches EOF
		code   int
		stdout string
		stderr []string // substrings
	}{
		{
			name: "events from stdin", args: []string{pingpong},
			stdin:  `{"name":"ping"}` + "\n" + `{"name":"pong","data":{"n":1}}` + "\n\n" + `{"name":"stop"}` + "\n",
			code:   exitOK,
			stdout: "done\n",
			stderr: []string{"pingpong: count = 2\n"},
		},
		{
			name: "bad lines are skipped", args: []string{pingpong},
			stdin: "not json\n" + `{"data":1}` + "\n" + `{"name":"ping","extra":1}` + "\n" + `{"name":"stop"}` + "\n",
			code:  exitOK, stdout: "done\n",
			stderr: []string{
				"orca run: stdin:1: not an event object: invalid character 'o' in literal null (expecting 'u') (line skipped)\n",
				"orca run: stdin:2: event has no \"name\" (line skipped)\n",
				"orca run: stdin:3: not an event object: json: unknown field \"extra\" (line skipped)\n",
				"pingpong: count = 0\n",
			},
		},
		{
			name: "eof without final state", args: []string{pingpong},
			stdin:  `{"name":"ping"}` + "\n",
			code:   exitFail,
			stderr: []string{"orca run: no top-level final state reached: input closed and no delayed event pending\n"},
		},
		{
			name: "timeout", args: []string{"--timeout", "50ms", pingpong},
			open: true, code: exitTimeout,
			stderr: []string{"orca run: timeout after 50ms; active states: [play ping]\n"},
		},
		{
			name: "delayed event with stdin open", args: []string{timed, "--timeout", "5s"},
			open: true, code: exitOK, stdout: "over\n",
			stderr: []string{"waiting\n"},
		},
		{
			name: "microstep limit terminates", args: []string{"--max-microsteps", "10", "--on-limit", "terminate", loop},
			open: true, code: exitFail,
			stderr: []string{"error: limit exceeded: more than 10 microsteps in one macrostep\n",
				"orca run: session terminated: limit exceeded: more than 10 microsteps in one macrostep\n"},
		},
		{
			name: "a chart that keeps sending itself events honours --timeout", args: []string{"--timeout", "100ms", flood},
			open: true, code: exitTimeout,
			stderr: []string{"orca run: timeout after 100ms; active states: [a]\n"},
		},
		{
			name: "script budget", args: []string{"--script-budget", "50ms", spin},
			open: true, code: exitOK, stdout: "stopped\n",
			stderr: []string{"error: "},
		},
		{
			name: "script budget terminates", args: []string{"--script-budget", "50ms", "--on-limit", "terminate", spin},
			open: true, code: exitFail,
			stderr: []string{"orca run: session terminated: ", "macrostep exceeded its time budget of 50ms"},
		},
		{
			name: "bad --on-limit", args: []string{"--on-limit", "explode", spin},
			code: exitUsage, stderr: []string{"--on-limit: want error or terminate"},
		},
		{
			name: "load error", args: []string{broken},
			code: exitFail, stderr: []string{broken + ":"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdin io.Reader = strings.NewReader(tc.stdin)
			if tc.open {
				stdin = openStdin(t)
			}
			code, stdout, stderr := orca(t, stdin, append([]string{"run"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stderr:\n%s", stderr)
			assert.Equal(t, tc.stdout, stdout)
			for _, s := range tc.stderr {
				assert.Contains(t, stderr, s)
			}
		})
	}
}

func TestRunTrace(t *testing.T) {
	stdin := `{"name":"ping"}` + "\n" + `{"name":"nothing"}` + "\n" + `{"name":"stop"}` + "\n"
	chart := filepath.Join(repoTestdata, "pingpong.scxml")
	code, stdout, stderr := orca(t, strings.NewReader(stdin), "run", "--trace", chart)
	require.Equal(t, exitOK, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 6, stdout)
	assert.True(t, strings.HasPrefix(lines[0], `{"trace":"orca","version":1,"session":"`), lines[0])
	// The keys of the first format come first, unchanged.
	for i, want := range []string{
		`{"event":null,"atomic":["ping"],"active":["play","ping"],"final":false,`,
		`{"event":"ping","atomic":["pong"],"active":["play","pong"],"final":false,`,
		`{"event":"nothing","atomic":["pong"],"active":["play","pong"],"final":false,`,
		`{"event":"stop","atomic":["done"],"active":["done"],"final":true,`,
	} {
		assert.True(t, strings.HasPrefix(lines[i+1], want), "line %d: %s", i+2, lines[i+1])
	}
	assert.Equal(t, "done", lines[5], "the final state, after the trace")

	f, err := trace.Read(strings.NewReader(stdout))
	require.NoError(t, err)
	assert.Equal(t, "pingpong", f.Header.Name)
	assert.Equal(t, chart, f.Header.Document)
	assert.NotEmpty(t, f.Header.Session)
	require.Len(t, f.Steps, 4)
	for i, st := range f.Steps {
		assert.Equal(t, i, st.Index)
		assert.False(t, st.Time.IsZero())
	}
	assert.JSONEq(t, `{"count":0}`, string(f.Steps[0].Datamodel))
	assert.JSONEq(t, `{"count":1}`, string(f.Steps[1].Datamodel))
	assert.Equal(t, []trace.Log{{Label: "pingpong", Message: "count = 1"}}, f.Steps[3].Logs)
	assert.Equal(t, []string{"6: done"}, f.Other)
}

func TestParseEvent(t *testing.T) {
	cases := []struct {
		line, name, err string
		data            any
	}{
		{line: `{"name":"e"}`, name: "e"},
		{line: `{"name":"e","data":{"a":[1,"x",true,null]}}`, name: "e", data: map[string]any{"a": []any{1.0, "x", true, nil}}},
		{line: `{"name":"e","data":"text"}`, name: "e", data: "text"},
		{line: `{"name":""}`, err: `event has no "name"`},
		{line: `{"name":"e"} {}`, err: "not an event object: text after the object"},
		{line: `[1]`, err: "not an event object: json: cannot unmarshal array into Go value of type main.externalEvent"},
	}
	for _, tc := range cases {
		t.Run(tc.line, func(t *testing.T) {
			ev, err := parseEvent([]byte(tc.line))
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.name, ev.Name)
			assert.Equal(t, tc.data, ev.Data)
		})
	}
}

func TestBench(t *testing.T) {
	code, stdout, stderr := orca(t, nil, "bench", "--send", "ping", "--count", "200", "--sessions", "4",
		filepath.Join(repoTestdata, "pingpong.scxml"))
	require.Equal(t, exitOK, code, stderr)
	for _, want := range []string{"sessions      4 started, 4 live at the end", `events        200 "ping" delivered`,
		"events/s", "heap/session", "allocs/event", "bytes/event"} {
		assert.Contains(t, stdout, want)
	}
	code, stdout, _ = orca(t, nil, "bench", "--send", "stop", "--count", "10", "--sessions", "2",
		filepath.Join(repoTestdata, "pingpong.scxml"))
	require.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "2 started, 0 live at the end")
	assert.Contains(t, stdout, `events        2 "stop" delivered`)
	assert.NotContains(t, stderr, "warning")

	still := filepath.Join(t.TempDir(), "still.scxml")
	require.NoError(t, os.WriteFile(still, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" initial="a">
	<state id="a"><transition event="tick"/></state></scxml>`), 0o644))
	code, _, stderr = orca(t, nil, "bench", "--send", "tick", "--count", "10", still)
	require.Equal(t, exitOK, code)
	assert.Contains(t, stderr, `orca bench: warning: `+still+` entered no state on "tick"`)
}

// TestBenchCallbacks places callbacks end to end, in one process with the
// embedded NATS server and the simulator, and checks the figures and the
// progress line.
func TestBenchCallbacks(t *testing.T) {
	code, stdout, stderr := orca(t, nil, "bench", "--callbacks", "40", "--clients", "4", "--agents", "20")
	require.Equal(t, exitOK, code, stderr)
	for _, want := range []string{"callbacks           40 immediate, placed by 4 clients (the bench's own keep-alive HTTP/1.1", "callbacks/s", "POST callback       p50 ",
		"GET callback        p50 ", "CPU/callback", "allocated/callback"} {
		assert.Contains(t, stdout, want)
	}
	assert.Contains(t, stderr, "40/40 placed, 40 done")
	code, _, stderr = orca(t, nil, "bench", "--callbacks", "5", "a.scxml")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "usage: orca bench")
}

// BenchmarkCallbacksEndToEnd is "orca bench --callbacks": callbacks
// placed through the GMS API and done at their final reporting
// UserEvent, with the server, NATS and the simulator in the process,
// sessions kept in JetStream or not.
func BenchmarkCallbacksEndToEnd(b *testing.B) {
	for _, persist := range []bool{false, true} {
		b.Run(fmt.Sprintf("persistence=%v", persist), func(b *testing.B) {
			cb := callbackBench{callbacks: b.N, clients: 32, agents: 200, speed: benchSpeed, persist: persist}
			res, err := cb.run(context.Background())
			require.NoError(b, err)
			b.ReportMetric(float64(res.callbacks)/res.elapsed.Seconds(), "callbacks/s")
			b.ReportMetric(float64(res.cpu.Nanoseconds())/float64(res.callbacks), "cpu-ns/callback")
			b.ReportMetric(res.bytesPer, "B/callback")
			b.ReportMetric(res.allocsPer, "allocs/callback")
			b.ReportMetric(float64(quantile(res.create, 0.99).Microseconds()), "post-p99-us")
		})
	}
}

func TestConformanceCommand(t *testing.T) {
	dir := w3cDir(t)
	code, stdout, stderr := orca(t, nil, "conformance", "--dir", dir, "144", "403")
	require.Equal(t, exitOK, code, stderr+stdout)
	assert.Contains(t, stdout, "2/2 passed (mandatory 2/2, optional 0/0)")
	code, _, stderr = orca(t, nil, "conformance", "--dir", dir, "9999")
	assert.Equal(t, exitFail, code)
	assert.Equal(t, fmt.Sprintf("orca conformance: test \"9999\" is not in the manifest of %s\n", dir), stderr)
}

// BenchmarkPingPong measures one external event and its macrostep on the
// benchmark chart.
func BenchmarkPingPong(b *testing.B) {
	chart, err := host.LoadChart(filepath.Join(repoTestdata, "pingpong.scxml"), nil)
	require.NoError(b, err)
	b.ReportAllocs()
	res, err := bench(chart, "ping", b.N, 1, io.Discard)
	require.NoError(b, err)
	b.ReportMetric(res.heapPerSession, "heapB/session")
}

package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// asOrca, set in the environment, makes the test binary run as orca: the
// tests of limits run "orca run" as a process of its own, so that a
// runaway is seen as a user sees it (exit status, memory, time).
const asOrca = "ORCA_TEST_RUN_AS_ORCA"

func TestMain(m *testing.M) {
	if os.Getenv(asOrca) == "1" {
		main()
	}
	os.Exit(m.Run())
}

// orcaProcess runs orca with args as a separate process, standard input
// closed, and returns its exit status, output, peak memory and duration.
func orcaProcess(t *testing.T, args ...string) (code int, stdout, stderr string, maxRSS int64, took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(os.Environ(), asOrca+"=1")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	require.NoError(t, ctx.Err(), "orca %v did not end; stderr:\n%s", args, errb.String())
	var exit *exec.ExitError
	if err != nil {
		require.ErrorAs(t, err, &exit)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		maxRSS = ru.Maxrss * 1024 // kilobytes on Linux
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String(), maxRSS, took
}

func TestRunHostileCharts(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		args   []string
		stderr []string
	}{
		{
			name: "memory bomb",
			body: `  <state id="a"><onentry><script>var a=[]; while(1) a.push(new Array(1e6).fill(1))</script></onentry></state>` + "\n",
			args: []string{"--max-memory", "48MiB", "--script-budget", "1m"},
			stderr: []string{"orca run: session terminated: limit exceeded: the heap grew by ",
				"the limit is 48.0 MiB"},
		},
		{
			name: "a transition that sends its own event twice",
			body: `  <state id="a"><onentry><send event="e"/></onentry>
    <transition event="e"><send event="e"/><send event="e"/></transition></state>` + "\n",
			stderr: []string{"orca run: session terminated: ", "limit exceeded: external queue full: event e for session "},
		},
		{
			name: "while (true)",
			body: `  <state id="a"><onentry><script>while(true){}</script></onentry></state>` + "\n",
			args: []string{"--script-budget", "200ms"},
			// The script is stopped and the session waits for an event
			// that cannot come.
			stderr: []string{"error: ", "macrostep exceeded its time budget of 200ms",
				"orca run: no top-level final state reached: input closed and no delayed event pending"},
		},
		{
			name:   "while (true), terminated",
			body:   `  <state id="a"><onentry><script>while(true){}</script></onentry></state>` + "\n",
			args:   []string{"--script-budget", "200ms", "--on-limit", "terminate"},
			stderr: []string{"orca run: session terminated: ", "macrostep exceeded its time budget of 200ms"},
		},
		{
			name:   "a condition that fails on an eventless transition",
			body:   `  <state id="a"><transition cond="nosuch.x" target="b"/></state><state id="b"/>` + "\n",
			stderr: []string{"orca run: session terminated: limit exceeded: more than 10000 internal events in one macrostep"},
		},
		{
			name: "a condition that fails on an error transition",
			body: `  <state id="a"><onentry><assign location="nosuch.y" expr="1"/></onentry>
    <transition event="error.*" cond="nosuch.x" target="b"/></state><state id="b"/>` + "\n",
			args:   []string{"--max-internal-events", "500"},
			stderr: []string{"orca run: session terminated: limit exceeded: more than 500 internal events in one macrostep"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeChart(t, "hostile.scxml", tc.body)
			code, stdout, stderr, rss, took := orcaProcess(t, append(append([]string{"run"}, tc.args...), path)...)
			t.Logf("exit %d after %v, peak RSS %d MiB, %d lines on stderr", code, took.Round(time.Millisecond), rss>>20, strings.Count(stderr, "\n"))
			assert.Equal(t, exitFail, code)
			assert.Empty(t, stdout)
			for _, want := range tc.stderr {
				assert.Contains(t, stderr, want)
			}
			assert.Less(t, rss, int64(1<<30), "the process stays far from running out of memory")
			// The error lines are bounded by the limits, not by time.
			assert.Less(t, strings.Count(stderr, "\n"), 25000)
		})
	}
}

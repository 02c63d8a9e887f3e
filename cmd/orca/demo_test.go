package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoEnv runs a demo in a directory of its own, with no credentials or
// database from the environment.
func demoEnv(t *testing.T) string {
	t.Helper()
	clearNATSEnv(t)
	for _, v := range []string{"ORCA_API_TOKEN", "ORCA_API_USER", "ORCA_API_PASSWORD", infoMartDBVar} {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func TestServeDemoTable(t *testing.T) {
	dir := demoEnv(t)
	var stdout, stderr bytes.Buffer
	code := runServe(context.Background(), []string{"--demo", "--count", "3", "--speed", "100", "--listen", "127.0.0.1:0", "--nats-port", natsPort(t)}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stderr:\n%s\nstdout:\n%s", stderr.String(), stdout.String())
	out := stdout.String()
	assert.Empty(t, stderr.String(), "the demo logs nothing but warnings")
	assert.Contains(t, out, "orca serve --demo: 3 callbacks to service callback-demo, time x100\n")
	assert.Contains(t, out, ", data in orca-data\n")
	assert.Regexp(t, `reports while it runs: http://127\.0\.0\.1:\d+/infomart/summary`, out)
	// Not a terminal: a row is printed each time it changes; every
	// callback's last row says COMPLETED with its attempts and reason.
	assert.Contains(t, out, demoHeader+"\n")
	for _, n := range []string{"1  5550001", "2  5550002", "3  5550003"} {
		assert.Regexp(t, regexp.MustCompile(`(?m)^\s+`+n+`\s+[0-9A-F]{8}\s+COMPLETED\s+\d: [a-z ,]*answer\s+AGENT_CONNECTED$`), out)
	}
	assert.NotContains(t, out, "\x1b[", "no terminal control sequences off a terminal")
	assert.NotContains(t, out, "distribute_user_event", "the T-Server log is --verbose's")
	// The summary explains its counts.
	assert.Contains(t, out, "3 callbacks to service callback-demo completed (GMS _callback_state), by _callback_reason:\n  3  AGENT_CONNECTED  the customer answered and was connected to an agent\n")
	assert.Regexp(t, `Dial attempts: \d+ \(answer 3(, busy \d)?(, no answer \d)?\); the simulated customers' odds: answer 8, busy 1, no answer 1\n`, out)
	assert.Contains(t, out, "Reporting: 6 UserEvents at the reporting DN REPORTING, a start and a final one per\n")
	assert.Contains(t, out, " 0 pending, 0 failed\n")
	assert.Contains(t, out, "Info Mart (sqlite orca-data/infomart.db):\n  CALLBACK_FACT   6 rows, one per UserEvent; 3 final records, one per callback:\n")
	assert.Contains(t, out, "  ORCA_REJECTION  0 rows: nothing of these callbacks was refused\n")
	// Where to look next, and it is there.
	assert.Contains(t, out, "Where to look next:\n  orca infomart report summary --db orca-data/infomart.db\n")
	assert.Contains(t, out, `"orca events --replay" in another`)
	assert.FileExists(t, filepath.Join(dir, "orca-data", "infomart.db"))
	var rep, rerr bytes.Buffer
	require.Equal(t, exitOK, run([]string{"infomart", "report", "summary", "--db", "orca-data/infomart.db", "--csv"}, nil, &rep, &rerr), rerr.String())
	assert.Regexp(t, `(?m)^TOTAL,.*,3,3,0,`, rep.String(), "the summary report counts the 3 callbacks")

	// A second run adds to the same data directory.
	stdout.Reset()
	code = runServe(context.Background(), []string{"--demo", "--count", "1", "--speed", "100", "--listen", "127.0.0.1:0", "--nats-port", natsPort(t)}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stderr:\n%s\nstdout:\n%s", stderr.String(), stdout.String())
	assert.Contains(t, stdout.String(), "CALLBACK_FACT   2 rows, one per UserEvent; 1 final records, one per callback:\n")
	rep.Reset()
	require.Equal(t, exitOK, run([]string{"infomart", "report", "summary", "--db", "orca-data/infomart.db", "--csv"}, nil, &rep, &rerr), rerr.String())
	assert.Regexp(t, `(?m)^TOTAL,.*,4,4,0,`, rep.String())
}

func TestServeDemoVerbose(t *testing.T) {
	demoEnv(t)
	var stdout, stderr bytes.Buffer
	code := runServe(context.Background(), []string{"--demo", "--verbose", "--count", "2", "--speed", "100", "--listen", "127.0.0.1:0", "--nats-port", natsPort(t), "--data", "d"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr.String())
	out := stdout.String()
	assert.Equal(t, 2, strings.Count(out, "requested: _id="))
	assert.Equal(t, 4, strings.Count(out, "distribute_user_event: message EventUserEvent"))
	assert.Equal(t, 2, strings.Count(out, "'_CB_FINAL_RECORD'\t1\n"))
	assert.Contains(t, out, "\n"+demoHeader+"\n", "the table once, at the end")
	assert.Contains(t, out, "Info Mart (sqlite d/infomart.db)")
	assert.Contains(t, out, `"orca events --replay --data d"`)
	assert.Contains(t, stderr.String(), "level=DEBUG msg=__Log")
}

func TestServeDemoStay(t *testing.T) {
	demoEnv(t)
	stdout, stderr, stop := background(t, runServe, "--demo", "--stay", "--count", "1", "--speed", "100", "--listen", "127.0.0.1:0", "--nats-port", natsPort(t))
	waitFor(t, stdout, "Serving until interrupted (Ctrl-C). Meanwhile:")
	m := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/infomart/summary\n`).FindStringSubmatch(stdout.String())
	require.Len(t, m, 2, stdout.String())
	for _, path := range []string{"/infomart/summary", "/infomart/details", "/genesys/1/service/callback/callback-demo"} {
		resp, err := http.Get(m[1] + path)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
	assert.NotContains(t, stdout.String(), "Where to look next")
	assert.Equal(t, exitOK, stop(), stderr.String())
}

func TestServeDemoTimeout(t *testing.T) {
	dir := demoEnv(t)
	// Customers who never answer and a service that dials for good: the
	// callback cannot complete within the timeout.
	scenario := filepath.Join(dir, "never.yaml")
	require.NoError(t, os.WriteFile(scenario, []byte("customers:\n  odds: {no_answer: 1}\n  no_answer: 60s\nrequests: {count: 1, service: callback-demo}\n"), 0o644))
	var stdout, stderr bytes.Buffer
	code := runServe(context.Background(), []string{"--demo", "--scenario", scenario, "--speed", "10", "--timeout", "1s", "--listen", "127.0.0.1:0", "--nats-port", natsPort(t)}, &stdout, &stderr)
	assert.Equal(t, exitTimeout, code)
	assert.Contains(t, stdout.String(), "orca serve --demo: 0 of 1 callbacks completed within --timeout 1s\n")
	assert.NotContains(t, stdout.String(), "Where to look next")
}

// TestDemoTableOnATerminal checks the table's redrawing: the first draw
// prints every row, the next ones go back to the first row and rewrite
// each line; off a terminal only the rows that changed are printed again.
func TestDemoTableOnATerminal(t *testing.T) {
	var out bytes.Buffer
	d := &demo{out: &out, tty: true, rows: []demoRow{{number: "5550001"}, {number: "5550002"}}}
	d.draw()
	assert.Equal(t, "\x1b[2K  1  5550001   -         waiting\n\x1b[2K  2  5550002   -         waiting\n", out.String())
	out.Reset()
	d.rows[0] = demoRow{number: "5550001", id: "0123456789ABCDEF", requested: true, state: "COMPLETED", reason: "AGENT_CONNECTED",
		dials: []string{"busy", "answer"}, final: true}
	d.draw()
	assert.Equal(t, "\x1b[2F"+
		"\x1b[2K  1  5550001   01234567  COMPLETED   2: busy, answer        AGENT_CONNECTED\n"+
		"\x1b[2K  2  5550002   -         waiting\n", out.String())

	out.Reset()
	d = &demo{out: &out, rows: d.rows}
	d.draw()
	d.rows[1].requested, d.rows[1].id = true, "FEDCBA9876543210"
	d.draw()
	d.draw()
	assert.Equal(t, "  1  5550001   01234567  COMPLETED   2: busy, answer        AGENT_CONNECTED\n"+
		"  2  5550002   -         waiting\n"+
		"  2  5550002   FEDCBA98  requested\n", out.String())
}

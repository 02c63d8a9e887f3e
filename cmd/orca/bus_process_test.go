package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildOrca builds the orca binary for tests that run it as separate
// processes.
func buildOrca(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "orca")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// process is a child orca process with its outputs.
type process struct {
	t              *testing.T
	cmd            *exec.Cmd
	stdout, stderr *watchWriter
	done           chan struct{}
}

// start runs bin with args in dir, with no NATS variables in its
// environment, until the test ends.
func start(t *testing.T, bin, dir string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NATS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	p := &process{t: t, cmd: cmd, stdout: &watchWriter{}, stderr: &watchWriter{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, cmd.Start())
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitFor waits until the process has written text to w.
func (p *process) waitFor(w *watchWriter, text string) {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(w.String(), text) {
		if time.Now().After(deadline) {
			// A process that hangs says where: Go prints its goroutines on
			// SIGQUIT.
			_ = p.cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-p.done:
			case <-time.After(5 * time.Second):
			}
			p.t.Fatalf("%s: waiting for %q\nstdout:\n%s\nstderr:\n%s", p.cmd.Args, text, p.stdout.String(), p.stderr.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// interrupt stops the process as Ctrl-C does and returns its exit code.
func (p *process) interrupt() int {
	p.t.Helper()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGINT))
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("%s did not stop", p.cmd.Args)
	}
	return p.cmd.ProcessState.ExitCode()
}

// TestBusFoundByEveryCommand runs orca serve, orca tsim and orca events as
// separate processes from one working directory: tsim and events find
// the bus serve recorded in the data directory, with its credentials, and
// a callback goes through all three.
func TestBusFoundByEveryCommand(t *testing.T) {
	bin := buildOrca(t)
	work := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(work, "strategies"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(work, "orca.yaml"), []byte(`
listen: 127.0.0.1:0
strategies: {dirs: [strategies]}
sessions: {time_scale: 50}
services:
  - name: callback
    template: callback-immediate
    options:
      _rep_userevent_enable: true
      _rep_userevent_dn: REPORTING
      _rep_userevent_switch: SIP_Switch
      _target: Callback_Agents
      _route_point: RP_Callback
`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(work, "scenario.yaml"), []byte(`
speed: 50
agents: {count: 2, answer: 1s, handle: 2s, wrap_up: 1s}
customers: {odds: {answer: 1}, ring: 1s}
`), 0o644))

	serve := start(t, bin, work, "serve", "--config", "orca.yaml", "--nats-port", natsPort(t))
	serve.waitFor(serve.stderr, "orca serve: listening on ")
	line := serve.stderr.String()
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	natsURL := regexp.MustCompile(`NATS (nats://127\.0\.0\.1:\d+)`).FindStringSubmatch(line)
	require.NotEmpty(t, base)
	require.Len(t, natsURL, 2)
	assert.Contains(t, line, "orca serve: the bus requires credentials: "+filepath.Join("orca-data", "bus"))
	recorded, err := os.ReadFile(filepath.Join(work, "orca-data", "bus", "url"))
	require.NoError(t, err)
	assert.Equal(t, natsURL[1]+"\n", string(recorded))

	from := fmt.Sprintf("%s (from %s)", natsURL[1], filepath.Join("orca-data", "bus", "url"))
	tsim := start(t, bin, work, "tsim", "--config", "scenario.yaml")
	tsim.waitFor(tsim.stderr, "monitor on "+from)
	events := start(t, bin, work, "events", "--dn", "REPORTING")
	events.waitFor(events.stderr, "events: listening on "+from)

	resp, err := http.PostForm(base+"/genesys/1/service/callback/callback", url.Values{"_customer_number": {"5550100"}})
	require.NoError(t, err)
	var cb map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&cb))
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", cb)
	id, _ := cb["_id"].(string)
	require.NotEmpty(t, id)

	// The start and the final UserEvent, at the reporting DN's monitor
	// and at the event monitor.
	tsim.waitFor(tsim.stdout, "'_CB_FINAL_RECORD'\t1\n")
	assert.Equal(t, 2, strings.Count(tsim.stdout.String(), "'_CB_SERVICE_ID'\t'"+id+"'"), tsim.stdout.String())
	events.waitFor(events.stdout, "\t'_CB_FINAL_RECORD' 1\n")
	assert.Equal(t, 2, strings.Count(events.stdout.String(), "EventUserEvent SIP_Switch/REPORTING service="+id), events.stdout.String())

	// A reader replays the reporting stream with a consumer of its own.
	replay := start(t, bin, work, "events", "--replay", "--dn", "REPORTING")
	replay.waitFor(replay.stdout, "\t'_CB_FINAL_RECORD' 1\n")
	assert.Equal(t, 2, strings.Count(replay.stdout.String(), "EventUserEvent SIP_Switch/REPORTING service="+id), replay.stdout.String())
	assert.Equal(t, exitOK, replay.interrupt(), replay.stderr.String())

	assert.Equal(t, exitOK, events.interrupt(), events.stderr.String())
	assert.Equal(t, exitOK, tsim.interrupt(), tsim.stderr.String())
	assert.Equal(t, exitOK, serve.interrupt(), serve.stderr.String())
	assert.NoFileExists(t, filepath.Join(work, "orca-data", "bus", "url"), "a stopped server's URL stays recorded")

	// With the server gone, a command says what it tried and why it failed.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "events", "--server", natsURL[1]).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "orca events: connect to NATS at "+natsURL[1]+": dial tcp ")
	assert.Contains(t, string(out), "connection refused (URL from --server)")
}

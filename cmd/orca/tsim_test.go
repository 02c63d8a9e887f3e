package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
)

// background runs a long-running command until the test cancels it, and
// returns its outputs and a function that stops it and returns its exit
// status.
func background(t *testing.T, f func(ctx context.Context, args []string, stdout, stderr io.Writer) int, args ...string) (*watchWriter, *watchWriter, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &watchWriter{}, &watchWriter{}
	done := make(chan int, 1)
	go func() { done <- f(ctx, args, stdout, stderr) }()
	stop := func() int {
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(10 * time.Second):
			t.Fatal("command did not stop")
			return -1
		}
	}
	t.Cleanup(func() { cancel() })
	return stdout, stderr, stop
}

// waitFor waits until w holds text.
func waitFor(t *testing.T, w *watchWriter, text string) {
	t.Helper()
	require.Eventually(t, func() bool { return strings.Contains(w.String(), text) }, 10*time.Second, 5*time.Millisecond,
		"waiting for %q in:\n%s", text, w.String())
}

// clearNATSEnv keeps the test from a bus the environment names.
// natsPort returns, as a flag value, a port nothing listens on now: tests
// give it to the embedded NATS server (--nats-port, nats.port), which
// otherwise takes the standard port 4222 when free, where another
// package's tests may be.
func natsPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	return strconv.Itoa(port)
}

func clearNATSEnv(t *testing.T) {
	for _, k := range []string{"NATS_URL", "NATS_CREDS", "NATS_NKEY", "NATS_USER", "NATS_PASSWORD"} {
		t.Setenv(k, "")
	}
}

// newTestPort is Orca's port on the bus recorded in dataDir.
func newTestPort(t *testing.T, dataDir, sw string) *bridge.Port {
	t.Helper()
	b, err := bridge.Discover(dataDir, "", bridge.RoleOrca)
	require.NoError(t, err)
	nc, err := b.Connect("test")
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	p, err := bridge.NewPort(nc, bridge.PortOptions{Switch: sw, CustomerID: "Environment"})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = p.Close(ctx)
	})
	return p
}

func TestTsimMonitorsTheReportingDN(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "scenario.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("switch: {name: SW_T, customer_id: Environment, reporting_dn: REP}\nagents: {count: 2}\n"), 0o644))
	clearNATSEnv(t)
	dir := t.TempDir()
	stdout, stderr, stop := background(t, runTsim, "--embedded", "--data", dir, "--config", cfg)
	waitFor(t, stdout, "tsim: embedded NATS at ")
	assert.Regexp(t, `tsim: embedded NATS at nats://127\.0\.0\.1:\d+, credentials in `+regexp.QuoteMeta(filepath.Join(dir, "bus")), stdout.String())
	waitFor(t, stderr, "tsim: switch SW_T, reporting DN REP, 2 agents")

	p := newTestPort(t, dir, "SW_T")
	_, err := p.DistributeUserEvent(telephony.UserEvent{Key: "s-1", UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "svc-1"}, {Key: "_CB_FINAL_RECORD", Value: 1}}})
	require.NoError(t, err)
	waitFor(t, stdout, "'_CB_FINAL_RECORD'\t1\n")
	assert.Equal(t, exitOK, stop())
	out := stdout.String()
	assert.Regexp(t, `(?m)^@\d\d:\d\d:\d\d\.\d{4} \[0\] 8\.1\.000\.62 distribute_user_event: message EventUserEvent$`, out)
	assert.Contains(t, out, "\tAttributeCustomerID\t'Environment'\n")
	assert.Contains(t, out, "\tAttributeUserData\t[51] 00 02 00 00..\n\t\t'_CB_SERVICE_ID'\t'svc-1'\n")
	assert.Contains(t, out, "\tAttributeThisDN\t'REP'\n")
	assert.Contains(t, stderr.String(), "tsim: stopped after 1 user events on REP")
}

func TestTsimCommandLine(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("agents:\n  handle: soon\n"), 0o644))
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"runs for a duration", []string{"tsim", "--embedded", "--duration", "100ms"}, exitOK, "tsim: embedded NATS at nats://127.0.0.1:", "tsim: stopped after 0 user events on REPORTING"},
		{"bad config", []string{"tsim", "--config", bad}, exitFail, "", bad + `:2: bad duration range "soon"`},
		{"both servers", []string{"tsim", "--embedded", "--server", "nats://127.0.0.1:1"}, exitUsage, "", "usage: orca tsim"},
		{"no bus", []string{"tsim", "-s", "nats://127.0.0.1:1"}, exitFail, "",
			"orca tsim: connect to NATS at nats://127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused (URL from --server)"},
		{"events: no bus", []string{"events", "--data", t.TempDir(), "--server", "nats://127.0.0.1:1"}, exitFail, "",
			"orca events: connect to NATS at nats://127.0.0.1:1: dial tcp 127.0.0.1:1: connect: connection refused (URL from --server)"},
		{"events: extra argument", []string{"events", "x"}, exitUsage, "", "usage: orca events"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := orca(t, nil, tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stdout, tc.stdout)
			assert.Contains(t, stderr, tc.stderr)
		})
	}
}

package bridge_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestMain runs the test binary as a child Orca when the tests ask it to
// (see outboxChild).
func TestMain(m *testing.M) {
	if os.Getenv("ORCA_OUTBOX_CHILD") != "" {
		os.Exit(outboxChild())
	}
	os.Exit(m.Run())
}

// outboxChild is a port in a process of its own, on the bus at
// $ORCA_OUTBOX_URL with the seed file $ORCA_OUTBOX_SEED and the outbox
// directory $ORCA_OUTBOX_DIR (memory when empty). "send" sends
// $ORCA_OUTBOX_N user events, says "queued" and waits to be killed;
// "drain" waits until its outbox is empty.
func outboxChild() int {
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	nc, err := bridge.Connect(os.Getenv("ORCA_OUTBOX_URL"), bridge.ConnectOptions{
		NKeyFile: os.Getenv("ORCA_OUTBOX_SEED"), ReconnectWait: 20 * time.Millisecond})
	if err != nil {
		return fail(err)
	}
	defer nc.Close()
	p, err := bridge.NewPort(nc, bridge.PortOptions{Switch: sw,
		Outbox: bridge.OutboxOptions{Dir: os.Getenv("ORCA_OUTBOX_DIR"), RetryMin: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond}})
	if err != nil {
		return fail(err)
	}
	switch os.Getenv("ORCA_OUTBOX_CHILD") {
	case "send":
		n, _ := strconv.Atoi(os.Getenv("ORCA_OUTBOX_N"))
		for i := range n {
			key := bridge.ReportKey("K9", uint64(i+1))
			if _, err := p.DistributeUserEvent(keyed(key, userEvent(key))); err != nil {
				return fail(err)
			}
		}
		fmt.Printf("queued %d, pending %d\n", n, p.Stats().Pending)
		select {}
	case "drain":
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := p.Close(ctx)
		fmt.Printf("drained: %+v\n", p.Stats())
		if err != nil {
			return fail(err)
		}
		return 0
	}
	return fail(fmt.Errorf("unknown mode %q", os.Getenv("ORCA_OUTBOX_CHILD")))
}

// child runs outboxChild in a new process.
func child(t *testing.T, mode string, srv *server, dir string, n int) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ORCA_OUTBOX_CHILD="+mode, "ORCA_OUTBOX_URL="+srv.url,
		"ORCA_OUTBOX_SEED="+srv.creds().SeedFile(bridge.RoleOrca), "ORCA_OUTBOX_DIR="+dir, "ORCA_OUTBOX_N="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, bufio.NewReader(out)
}

// TestOutboxOnDiskSurvivesKill9 queues user events in a child process
// while the bus is down and kills it with SIGKILL: with the outbox on
// disk, a port started again on the directory stores every one of them
// once; with the outbox in memory they are gone.
func TestOutboxOnDiskSurvivesKill9(t *testing.T) {
	const n = 200
	for _, tc := range []struct {
		name   string
		onDisk bool
		stored uint64
	}{{"on disk", true, n}, {"in memory", false, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t)
			dir := ""
			if tc.onDisk {
				dir = t.TempDir()
			}
			cmd, out := child(t, "send", srv, dir, n)
			line, err := out.ReadString('\n')
			require.NoError(t, err)
			require.Equal(t, fmt.Sprintf("queued %d, pending %d\n", n, n), line)
			require.NoError(t, cmd.Process.Kill())
			_ = cmd.Wait()

			srv.start()
			cmd, out = child(t, "drain", srv, dir, 0)
			rest, err := io.ReadAll(out)
			require.NoError(t, err)
			require.NoError(t, cmd.Wait(), "%s", rest)
			assert.True(t, strings.HasPrefix(string(rest), "drained: "), "%s", rest)
			nc := connect(t, srv, bridge.RoleOrca)
			js, err := jetstream.New(nc)
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err = wire.EnsureStream(ctx, js, wire.StreamOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.stored, storedOn(t, nc, wire.RequestSubject(sw, wire.RequestDistributeUserEvent)))
		})
	}
}

// TestOutboxJournalEmptiedByBatches sends messages while the bus is away,
// so that they go out as one batch once it is back: the journal then
// holds none of them, and a port started again on the directory finds
// nothing to send.
func TestOutboxJournalEmptiedByBatches(t *testing.T) {
	const n = 40
	srv := newServer(t)
	dir := t.TempDir()
	open := func() (*bridge.Port, func()) {
		nc, err := bridge.Connect(srv.url, bridge.ConnectOptions{NKeyFile: srv.creds().SeedFile(bridge.RoleOrca), ReconnectWait: 20 * time.Millisecond})
		require.NoError(t, err)
		p, err := bridge.NewPort(nc, bridge.PortOptions{Switch: sw,
			Outbox: bridge.OutboxOptions{Dir: dir, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond}})
		require.NoError(t, err)
		return p, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			assert.NoError(t, p.Close(ctx))
			nc.Close()
		}
	}
	p, closePort := open()
	for i := range n {
		key := bridge.ReportKey("KB", uint64(i+1))
		_, err := p.DistributeUserEvent(keyed(key, userEvent(key)))
		require.NoError(t, err)
	}
	require.Equal(t, n, p.Stats().Pending)
	srv.start()
	require.Eventually(t, func() bool { return p.Stats().Pending == 0 }, 10*time.Second, 10*time.Millisecond)
	assert.Equal(t, uint64(n), p.Stats().Published)
	closePort()
	srv.stop()

	p, closePort = open()
	defer closePort()
	assert.Zero(t, p.Stats().Pending, "messages left in the journal")
}

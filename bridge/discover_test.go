package bridge_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
)

func TestDiscover(t *testing.T) {
	for _, k := range []string{"NATS_URL", "NATS_CREDS", "NATS_NKEY", "NATS_USER", "NATS_PASSWORD"} {
		t.Setenv(k, "")
	}
	srv := startServer(t)
	empty := t.TempDir()

	b, err := bridge.Discover(srv.dir, "", bridge.RoleSwitch)
	require.NoError(t, err)
	assert.Equal(t, srv.url, b.URL)
	assert.Equal(t, filepath.Join(srv.dir, "bus", "url"), b.From)
	assert.Equal(t, srv.creds().SeedFile(bridge.RoleSwitch), b.Options.NKeyFile)
	nc, err := b.Connect("test")
	require.NoError(t, err)
	nc.Close()

	b, err = bridge.Discover(empty, "", bridge.RoleReader)
	require.NoError(t, err)
	assert.Equal(t, bridge.ConnectOptions{}, b.Options)
	assert.Equal(t, bridge.Bus{URL: bridge.DefaultURL, From: "default"}, b)

	t.Setenv("NATS_URL", "nats://127.0.0.1:1")
	t.Setenv("NATS_USER", "u")
	t.Setenv("NATS_PASSWORD", "p")
	b, err = bridge.Discover(srv.dir, "", bridge.RoleReader)
	require.NoError(t, err)
	assert.Equal(t, bridge.Bus{URL: "nats://127.0.0.1:1", From: "$NATS_URL", Options: bridge.ConnectOptions{User: "u", Password: "p"}}, b)

	t.Setenv("NATS_NKEY", "/keys/reader.nk")
	b, err = bridge.Discover(srv.dir, "nats://h:5", bridge.RoleReader)
	require.NoError(t, err)
	assert.Equal(t, bridge.Bus{URL: "nats://h:5", From: "--server", Options: bridge.ConnectOptions{NKeyFile: "/keys/reader.nk"}}, b)
}

func TestConnectErrorsSayWhy(t *testing.T) {
	for _, k := range []string{"NATS_URL", "NATS_CREDS", "NATS_NKEY", "NATS_USER", "NATS_PASSWORD"} {
		t.Setenv(k, "")
	}
	srv := startServer(t)
	dir := srv.dir
	srv.stop()

	// The data directory's server has stopped uncleanly: its URL is
	// still recorded.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bus", "url"), []byte(srv.url+"\n"), 0o600))
	b, err := bridge.Discover(dir, "", bridge.RoleReader)
	require.NoError(t, err)
	_, err = b.Connect("test")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connect to NATS at "+srv.url)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Contains(t, err.Error(), "URL from "+filepath.Join(dir, "bus", "url"))
	assert.Contains(t, err.Error(), "is not running")

	b, err = bridge.Discover(t.TempDir(), "", bridge.RoleReader)
	require.NoError(t, err)
	b.URL = srv.url // nothing listens there, as on 4222 here perhaps
	_, err = b.Connect("test")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "connection refused")
	assert.Contains(t, err.Error(), "start orca serve, or give --server or $NATS_URL")

	srv.start()
	b, err = bridge.Discover(t.TempDir(), srv.url, bridge.RoleReader)
	require.NoError(t, err)
	_, err = b.Connect("test")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Authorization Violation")
	assert.Contains(t, err.Error(), "credentials: none")
}

func TestEmbeddedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	taken := ln.Addr().(*net.TCPAddr).Port

	_, err = bridge.StartEmbedded(bridge.Options{DataDir: t.TempDir(), Port: taken})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "127.0.0.1:"+strconv.Itoa(taken))
	assert.Contains(t, err.Error(), "address already in use")

	e, err := bridge.StartEmbedded(bridge.Options{DataDir: t.TempDir(), Port: taken, OrFreePort: true})
	require.NoError(t, err)
	defer e.Shutdown()
	assert.NotContains(t, e.URL(), ":"+strconv.Itoa(taken))
	nc, err := e.Connect(bridge.RoleOrca, bridge.ConnectOptions{FailFast: true})
	require.NoError(t, err)
	nc.Close()
}

// TestEmbeddedDefaultPort asks for the standard port as orca serve does:
// the server takes it when it is free and another port when another
// process (another package's tests, a NATS server of the machine) holds
// it, even one that took it at the same moment; the test reads the port
// it got, which is where the data directory says it is.
func TestEmbeddedDefaultPort(t *testing.T) {
	dir := t.TempDir()
	e, err := bridge.StartEmbedded(bridge.Options{DataDir: dir, Port: bridge.DefaultPort, OrFreePort: true})
	require.NoError(t, err)
	defer e.Shutdown()
	t.Logf("the embedded server listens at %s", e.URL())
	recorded, err := os.ReadFile(filepath.Join(dir, "bus", "url"))
	require.NoError(t, err)
	assert.Equal(t, e.URL()+"\n", string(recorded))
	nc, err := e.Connect(bridge.RoleOrca, bridge.ConnectOptions{FailFast: true})
	require.NoError(t, err)
	nc.Close()
}

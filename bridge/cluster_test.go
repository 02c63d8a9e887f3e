package bridge_test

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
)

// TestDocumentedClusterConfig runs a nats-server on the configuration
// docs/bridge.md gives for a cluster of one's own: its users have the
// permissions of bridge.Permissions, and the roles hold there as on the
// embedded server.
func TestDocumentedClusterConfig(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "bridge.md"))
	require.NoError(t, err)
	block := regexp.MustCompile("(?s)```conf\n(.*?)```").FindSubmatch(doc)
	require.NotNil(t, block, "docs/bridge.md has no conf block")
	conf := string(block[1])

	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	require.Contains(t, conf, "listen: 127.0.0.1:4222")
	require.Contains(t, conf, `store_dir: "/var/lib/nats"`)
	conf = strings.Replace(conf, "listen: 127.0.0.1:4222", "listen: 127.0.0.1:"+strconv.Itoa(port), 1)
	conf = strings.Replace(conf, `store_dir: "/var/lib/nats"`, "store_dir: "+strconv.Quote(t.TempDir()), 1)
	file := filepath.Join(t.TempDir(), "nats.conf")
	require.NoError(t, os.WriteFile(file, []byte(conf), 0o600))
	passwords := map[bridge.Role]string{bridge.RoleOrca: "o-secret", bridge.RoleSwitch: "s-secret", bridge.RoleReader: "r-secret"}
	t.Setenv("ORCA_NATS_PASSWORD", passwords[bridge.RoleOrca])
	t.Setenv("SWITCH_NATS_PASSWORD", passwords[bridge.RoleSwitch])
	t.Setenv("READER_NATS_PASSWORD", passwords[bridge.RoleReader])

	opts, err := natsserver.ProcessConfigFile(file)
	require.NoError(t, err)
	require.Len(t, opts.Users, len(bridge.Roles()))
	for _, u := range opts.Users {
		pub, sub := bridge.Permissions(bridge.Role(u.Username), "")
		assert.ElementsMatch(t, pub.Allow, u.Permissions.Publish.Allow, "%s publish allow", u.Username)
		assert.ElementsMatch(t, pub.Deny, u.Permissions.Publish.Deny, "%s publish deny", u.Username)
		assert.ElementsMatch(t, sub.Allow, u.Permissions.Subscribe.Allow, "%s subscribe allow", u.Username)
		assert.ElementsMatch(t, sub.Deny, u.Permissions.Subscribe.Deny, "%s subscribe deny", u.Username)
	}
	opts.NoLog, opts.NoSigs = true, true
	s, err := natsserver.NewServer(opts)
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(5*time.Second))
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	url := s.ClientURL()

	_, _, err = dial(t, url)
	assert.ErrorIs(t, err, nats.ErrAuthorization, "no credentials")
	checkRoles(t, func(t *testing.T, role bridge.Role) (*nats.Conn, *violations) {
		nc, v, err := dial(t, url, nats.UserInfo(string(role), passwords[role]))
		require.NoError(t, err)
		return nc, v
	})
}

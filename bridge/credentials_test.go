package bridge_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// violations records the permission errors the server reports to a
// client.
type violations struct {
	mu   sync.Mutex
	errs []string
}

func (v *violations) saw(subject string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, e := range v.errs {
		if strings.Contains(e, `"`+subject+`"`) {
			return true
		}
	}
	return false
}

// dial connects with raw nats options, recording asynchronous errors.
func dial(t *testing.T, url string, opts ...nats.Option) (*nats.Conn, *violations, error) {
	t.Helper()
	v := &violations{}
	opts = append(opts, nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
		v.mu.Lock()
		defer v.mu.Unlock()
		v.errs = append(v.errs, err.Error())
	}))
	nc, err := nats.Connect(url, opts...)
	if err == nil {
		t.Cleanup(nc.Close)
	}
	return nc, v, err
}

func dialAs(t *testing.T, s *server, role bridge.Role) (*nats.Conn, *violations) {
	t.Helper()
	opt, err := nats.NkeyOptionFromSeed(s.creds().SeedFile(role))
	require.NoError(t, err)
	nc, v, err := dial(t, s.url, opt)
	require.NoError(t, err)
	return nc, v
}

func TestUnauthenticatedClientsAreRefused(t *testing.T) {
	srv := startServer(t)
	_, _, err := dial(t, srv.url)
	assert.ErrorIs(t, err, nats.ErrAuthorization, "no credentials")

	stranger, err := nkeys.CreateUser()
	require.NoError(t, err)
	seed, err := stranger.Seed()
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "stranger.nk")
	require.NoError(t, os.WriteFile(file, seed, 0o600))
	opt, err := nats.NkeyOptionFromSeed(file)
	require.NoError(t, err)
	_, _, err = dial(t, srv.url, opt)
	assert.ErrorIs(t, err, nats.ErrAuthorization, "an NKey the bus does not know")

	_, _, err = dial(t, srv.url, nats.UserInfo("orca", "orca"))
	assert.ErrorIs(t, err, nats.ErrAuthorization, "a user and password")

	_, err = bridge.Connect(srv.url, bridge.ConnectOptions{FailFast: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), srv.url)
	assert.Contains(t, err.Error(), "Authorization Violation")
}

// TestOnlyOrcaReportsAndOnlyTheSwitchAnswers checks the permissions of
// each role on the embedded server with real connections.
func TestOnlyOrcaReportsAndOnlyTheSwitchAnswers(t *testing.T) {
	srv := startServer(t)
	checkRoles(t, func(t *testing.T, role bridge.Role) (*nats.Conn, *violations) { return dialAs(t, srv, role) })
}

// checkRoles checks what each role may do on a bus: forged reporting
// never reaches the stream, and each role can do its own job.
func checkRoles(t *testing.T, dialRole func(t *testing.T, role bridge.Role) (*nats.Conn, *violations)) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	orca, _ := dialRole(t, bridge.RoleOrca)
	js, err := jetstream.New(orca)
	require.NoError(t, err)
	_, err = wire.EnsureStream(ctx, js, wire.StreamOptions{})
	require.NoError(t, err)

	reqSubj := wire.RequestSubject(sw, wire.RequestDistributeUserEvent)
	evtSubj := wire.EventSubject(sw, "REPORTING", string(telephony.EventUserEvent))
	forged, err := wire.Encode(wire.Message{Name: string(telephony.EventUserEvent), Switch: sw, ThisDN: "REPORTING",
		UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "forged"}}})
	require.NoError(t, err)

	refused := []struct {
		role    bridge.Role
		subject string
	}{
		{bridge.RoleSwitch, reqSubj},
		{bridge.RoleReader, reqSubj},
		{bridge.RoleReader, evtSubj},
		{bridge.RoleOrca, evtSubj},
		{bridge.RoleOrca, wire.ReplySubject(sw, "orca-1", string(telephony.EventReleased))},
		{bridge.RoleOrca, wire.StatSubject(sw, "VQ_Sales", wire.EventInfo)},
		{bridge.RoleReader, wire.StatSubject(sw, "VQ_Sales", wire.EventInfo)},
	}
	for _, tc := range refused {
		t.Run(string(tc.role)+" may not publish on "+tc.subject, func(t *testing.T) {
			nc, v := dialRole(t, tc.role)
			js, err := jetstream.New(nc)
			require.NoError(t, err)
			pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			defer cancel()
			_, err = js.Publish(pctx, tc.subject, forged, jetstream.WithMsgID("forged-"+string(tc.role)))
			assert.Error(t, err, "JetStream stored the message")
			require.NoError(t, nc.Publish(tc.subject, forged))
			require.NoError(t, nc.Flush())
			require.Eventually(t, func() bool { return v.saw(tc.subject) }, 2*time.Second, 10*time.Millisecond,
				"the server reports no permissions violation")
		})
	}
	assert.Zero(t, storedOn(t, orca, reqSubj))
	assert.Zero(t, storedOn(t, orca, evtSubj))

	t.Run("reader may not purge or delete the stream, nor read requests", func(t *testing.T) {
		nc, v := dialRole(t, bridge.RoleReader)
		_, err := nc.Request("$JS.API.STREAM.PURGE."+wire.DefaultStream, nil, 300*time.Millisecond)
		assert.Error(t, err)
		_, err = nc.Request("$JS.API.STREAM.DELETE."+wire.DefaultStream, nil, 300*time.Millisecond)
		assert.Error(t, err)
		_, err = nc.SubscribeSync(wire.RequestFilter(sw))
		require.NoError(t, err)
		require.NoError(t, nc.Flush())
		require.Eventually(t, func() bool { return v.saw(wire.RequestFilter(sw)) }, 2*time.Second, 10*time.Millisecond)
	})

	// What each role is for: Orca's request, the switch's answer in the
	// stream, a reader's durable consumer reading it.
	sw1, _ := dialRole(t, bridge.RoleSwitch)
	f := startFake(t, sw1)
	reader, _ := dialRole(t, bridge.RoleReader)
	icon := consumeReportingDN(t, reader)
	p, _ := newPort(t, orca, bridge.PortOptions{Switch: sw})
	_, err = p.DistributeUserEvent(userEvent("genuine"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { d, _ := icon.count(); return d == 1 }, 5*time.Second, 10*time.Millisecond)
	icon.mu.Lock()
	assert.Equal(t, map[string]int{"genuine": 1}, icon.seen)
	icon.mu.Unlock()
	assert.Len(t, f.requests(), 1)
	assert.Equal(t, uint64(1), storedOn(t, orca, evtSubj))
}

func TestCredentialsFiles(t *testing.T) {
	srv := startServer(t)
	dir := filepath.Join(srv.dir, "bus")
	info, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm())
	for _, r := range bridge.Roles() {
		info, err := os.Stat(filepath.Join(dir, string(r)+".nk"))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), r)
	}
	url, err := os.ReadFile(filepath.Join(dir, "url"))
	require.NoError(t, err)
	assert.Equal(t, srv.url+"\n", string(url))

	// The same keys after a restart; no URL while stopped.
	before := srv.creds().PublicKey(bridge.RoleOrca)
	srv.stop()
	assert.NoFileExists(t, filepath.Join(dir, "url"))
	srv.start()
	assert.Equal(t, before, srv.creds().PublicKey(bridge.RoleOrca))

	// A data directory serves one server at a time.
	_, err = bridge.StartEmbedded(bridge.Options{DataDir: srv.dir, JetStream: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in use by the server at "+srv.url)

	// A seed others may read is refused.
	require.NoError(t, os.Chmod(filepath.Join(dir, "reader.nk"), 0o644))
	_, err = bridge.LoadCredentials(dir, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "chmod 600")
	assert.False(t, errors.Is(err, os.ErrNotExist))
}

package natstest

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/loopback"
)

// Cluster is a nats-server cluster with JetStream, in process, without
// authentication.
type Cluster struct {
	// Servers are the nodes, n1, n2, ...
	Servers []*natsserver.Server
	// URLs are the nodes' client URLs, in the order of Servers.
	URLs []string
}

// StartCluster starts a cluster of n nodes with JetStream and returns once
// its JetStream has a meta leader that answers; the nodes shut down when
// the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	clientPorts, routePorts := make([]int, n), make([]int, n)
	ports, err := loopback.Ports(2 * n)
	require.NoError(t, err)
	for i := range n {
		clientPorts[i], routePorts[i] = ports[2*i], ports[2*i+1]
	}
	c := &Cluster{}
	for i := range n {
		var routes []*url.URL
		for j := range n {
			if j != i {
				routes = append(routes, &url.URL{Scheme: "nats", Host: fmt.Sprintf("127.0.0.1:%d", routePorts[j])})
			}
		}
		opts := &natsserver.Options{
			ServerName: fmt.Sprintf("n%d", i+1), Host: "127.0.0.1", Port: clientPorts[i],
			JetStream: true, StoreDir: filepath.Join(t.TempDir(), fmt.Sprintf("n%d", i+1)),
			Cluster: natsserver.ClusterOpts{Name: "orca-test", Host: "127.0.0.1", Port: routePorts[i]},
			Routes:  routes, NoLog: true, NoSigs: true,
		}
		s, err := natsserver.NewServer(opts)
		require.NoError(t, err)
		go s.Start()
		t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
		c.Servers = append(c.Servers, s)
		c.URLs = append(c.URLs, fmt.Sprintf("nats://127.0.0.1:%d", clientPorts[i]))
	}
	for i, s := range c.Servers {
		require.True(t, s.ReadyForConnections(10*time.Second), "NATS node n%d (client port %d, route port %d) is not ready", i+1, clientPorts[i], routePorts[i])
	}
	require.Eventually(t, func() bool {
		for _, s := range c.Servers {
			if !s.JetStreamIsClustered() {
				return false
			}
		}
		nc, err := nats.Connect(c.URLs[0])
		if err != nil {
			return false
		}
		defer nc.Close()
		js, err := jetstream.New(nc)
		if err != nil {
			return false
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err = js.AccountInfo(ctx)
		return err == nil
	}, 20*time.Second, 100*time.Millisecond, "the JetStream cluster has a leader")
	return c
}

package bridge

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Options configure the embedded NATS server.
type Options struct {
	// DataDir holds the JetStream store (under DataDir/jetstream); it
	// is created when missing. Required when JetStream is on.
	DataDir string
	// Host is the address to listen on; it must be a loopback address
	// ("127.0.0.1" when empty).
	Host string
	// Port is the client port; 0 picks a free one.
	Port int
	// JetStream turns JetStream on.
	JetStream bool
	// ServerName names the server ("orca" when empty).
	ServerName string
	// ReadyTimeout bounds the wait for the server to accept clients (5s
	// when zero).
	ReadyTimeout time.Duration
}

// StartEmbedded starts an in-process nats-server on loopback and returns
// its client URL and a function that shuts it down and waits until it
// has stopped. Starting it again with the same DataDir and Port brings
// back the JetStream streams and their messages.
func StartEmbedded(o Options) (url string, shutdown func(), err error) {
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", nil, fmt.Errorf("embedded NATS: host %q is not a loopback address", host)
	}
	port := o.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	name := o.ServerName
	if name == "" {
		name = "orca"
	}
	opts := &server.Options{
		ServerName: name, Host: host, Port: port,
		NoSigs: true, NoLog: true,
		// No HTTP monitoring, cluster, gateway or leaf listeners.
		HTTPPort: 0,
	}
	if o.JetStream {
		if o.DataDir == "" {
			return "", nil, errors.New("embedded NATS: JetStream needs a data directory")
		}
		store := filepath.Join(o.DataDir, "jetstream")
		if err := os.MkdirAll(store, 0o750); err != nil {
			return "", nil, fmt.Errorf("embedded NATS: data directory: %w", err)
		}
		opts.JetStream, opts.StoreDir = true, store
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return "", nil, fmt.Errorf("embedded NATS: %w", err)
	}
	go s.Start()
	wait := o.ReadyTimeout
	if wait <= 0 {
		wait = 5 * time.Second
	}
	if !s.ReadyForConnections(wait) {
		s.Shutdown()
		s.WaitForShutdown()
		return "", nil, fmt.Errorf("embedded NATS on %s:%d: not ready after %s", host, o.Port, wait)
	}
	return s.ClientURL(), func() { s.Shutdown(); s.WaitForShutdown() }, nil
}

// ConnectOptions are the credentials and connection settings for Connect.
// At most one of User/Password, Token and CredsFile is used, in that
// order.
type ConnectOptions struct {
	// Name is the connection name the server shows.
	Name     string
	User     string
	Password string
	Token    string
	// CredsFile is a NATS credentials (JWT + NKey seed) file.
	CredsFile string
	// CAFile is a PEM file of CAs that sign the server's certificate
	// (for tls:// URLs).
	CAFile string
	// ReconnectWait is the pause between reconnect attempts (250ms when
	// zero). Connections retry forever, including the first connect, so
	// that a port can queue reporting while the server is down.
	ReconnectWait time.Duration
}

// Connect connects to a NATS server or cluster (url may list several
// servers, separated by commas). It returns at once when the server is
// unreachable: the connection keeps trying in the background.
func Connect(url string, o ConnectOptions) (*nats.Conn, error) {
	wait := o.ReconnectWait
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	name := o.Name
	if name == "" {
		name = "orca"
	}
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(wait/10, wait/10),
		nats.RetryOnFailedConnect(true),
	}
	switch {
	case o.User != "":
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	case o.Token != "":
		opts = append(opts, nats.Token(o.Token))
	case o.CredsFile != "":
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	}
	if o.CAFile != "" {
		opts = append(opts, nats.RootCAs(o.CAFile))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	return nc, nil
}

package bridge

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/orca-scxml/orca/telephony/wire"
)

// DefaultPort is the standard NATS client port.
const DefaultPort = 4222

// Options configure the embedded NATS server.
type Options struct {
	// DataDir holds the JetStream store (DataDir/jetstream) and the bus's
	// credentials and URL (DataDir/bus); it is created when missing.
	DataDir string
	// Host is the address to listen on; it must be a loopback address
	// ("127.0.0.1" when empty).
	Host string
	// Port is the client port; 0 picks a free one.
	Port int
	// OrFreePort, when Port is taken, listens on a free port instead of
	// failing; "orca serve" asks for DefaultPort this way.
	OrFreePort bool
	// JetStream turns JetStream on.
	JetStream bool
	// ServerName names the server ("orca" when empty).
	ServerName string
	// ReadyTimeout bounds the wait for the server to accept clients (5s
	// when zero).
	ReadyTimeout time.Duration
}

// Embedded is an in-process nats-server on loopback that requires
// credentials: one NKey per Role, generated at its first start and kept
// in the data directory with its URL, where every command finds them
// (Discover).
type Embedded struct {
	srv   *server.Server
	url   string
	creds *Credentials
	dir   string
	lock  *os.File
	once  sync.Once
}

// StartEmbedded starts the embedded server. Starting it again with the
// same DataDir and Port brings back the JetStream streams, their messages
// and the credentials. A data directory serves one embedded server at a
// time: a second one is refused while the first runs.
func StartEmbedded(o Options) (*Embedded, error) {
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("embedded NATS: host %q is not a loopback address", host)
	}
	if o.DataDir == "" {
		return nil, errors.New("embedded NATS: no data directory for its store and credentials")
	}
	dir := credentialsDir(o.DataDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded NATS: data directory: %w", err)
	}
	lock, err := lockFile(filepath.Join(dir, "lock"))
	if err != nil {
		at := "another process"
		if running, rerr := os.ReadFile(filepath.Join(dir, "url")); rerr == nil {
			at = "the server at " + strings.TrimSpace(string(running))
		}
		return nil, fmt.Errorf("embedded NATS: data directory %s is in use by %s: %w", o.DataDir, at, err)
	}
	e := &Embedded{dir: dir, lock: lock}
	if err := e.start(o, host); err != nil {
		unlockFile(lock)
		return nil, err
	}
	return e, nil
}

func (e *Embedded) start(o Options, host string) error {
	creds, err := LoadCredentials(e.dir, true)
	if err != nil {
		return fmt.Errorf("embedded NATS: %w", err)
	}
	e.creds = creds
	port, err := pickPort(host, o.Port, o.OrFreePort)
	if err != nil {
		return err
	}
	err = e.serve(o, host, port)
	if err != nil && o.OrFreePort && port != server.RANDOM_PORT {
		// Taken between pickPort's look and the server's listen (by
		// another process starting at the same time).
		err = e.serve(o, host, server.RANDOM_PORT)
	}
	return err
}

// serve starts the server on port and records its URL.
func (e *Embedded) serve(o Options, host string, port int) error {
	name := o.ServerName
	if name == "" {
		name = "orca"
	}
	opts := &server.Options{
		ServerName: name, Host: host, Port: port,
		NoSigs: true, NoLog: true,
		// No HTTP monitoring, cluster, gateway or leaf listeners.
		HTTPPort: 0,
		// Every client authenticates with the NKey of a role.
		Nkeys: e.creds.users(wire.DefaultStream),
	}
	if o.JetStream {
		store := filepath.Join(o.DataDir, "jetstream")
		if err := os.MkdirAll(store, 0o700); err != nil {
			return fmt.Errorf("embedded NATS: data directory: %w", err)
		}
		opts.JetStream, opts.StoreDir = true, store
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("embedded NATS: %w", err)
	}
	fatal := make(chan string, 1)
	s.SetLogger(fatalLogger(fatal), false, false)
	go s.Start()
	wait := o.ReadyTimeout
	if wait <= 0 {
		wait = 5 * time.Second
	}
	ready := make(chan bool, 1)
	go func() { ready <- s.ReadyForConnections(wait) }()
	var why string
	select {
	case ok := <-ready:
		if !ok {
			why = "not ready after " + wait.String()
		}
	case why = <-fatal:
	}
	if why != "" {
		s.Shutdown()
		s.WaitForShutdown()
		return fmt.Errorf("embedded NATS on %s: %s", net.JoinHostPort(host, strconv.Itoa(port)), why)
	}
	e.srv, e.url = s, s.ClientURL()
	if err := writeFileAtomic(filepath.Join(e.dir, "url"), []byte(e.url+"\n")); err != nil {
		e.stop()
		return fmt.Errorf("embedded NATS: %w", err)
	}
	return nil
}

// pickPort returns the port to listen on: a free one for 0, else port
// when it can be bound, else a free one when orFree is set.
func pickPort(host string, port int, orFree bool) (int, error) {
	if port == 0 {
		return server.RANDOM_PORT, nil
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		_ = ln.Close()
		return port, nil
	}
	if orFree {
		return server.RANDOM_PORT, nil
	}
	return 0, fmt.Errorf("embedded NATS: %w", err)
}

// URL returns the client URL.
func (e *Embedded) URL() string { return e.url }

// Credentials returns the credentials of the server's roles.
func (e *Embedded) Credentials() *Credentials { return e.creds }

// Connect connects to the server as role (see Connect for o).
func (e *Embedded) Connect(role Role, o ConnectOptions) (*nats.Conn, error) {
	o.NKeyFile = e.creds.SeedFile(role)
	// A connection in the process goes through the loopback socket, not
	// the server's in-process connection (nats.InProcessServer): that is
	// a net.Pipe, whose writes wait for the other side's reads, a
	// goroutine switch and a deadline timer each. The socket's buffers
	// let each side write and read many messages at once; measured
	// end to end it costs less CPU and memory per callback (see
	// docs/performance.md, "The bus's connections and values").
	return Connect(e.url, o)
}

// Shutdown stops the server and waits until it has stopped; the data
// directory no longer names its URL.
func (e *Embedded) Shutdown() {
	e.once.Do(func() {
		_ = os.Remove(filepath.Join(e.dir, "url"))
		e.stop()
	})
}

func (e *Embedded) stop() {
	if e.srv != nil {
		e.srv.Shutdown()
		e.srv.WaitForShutdown()
	}
	unlockFile(e.lock)
}

// writeFileAtomic writes a file under a temporary name and renames it, so
// that readers see the old or the new contents, never a part.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// fatalLogger is the server's logger: it reports the first fatal error
// (a port it cannot listen on, for example) and drops the rest.
type fatalLogger chan<- string

func (l fatalLogger) Fatalf(format string, v ...any) {
	select {
	case l <- fmt.Sprintf(format, v...):
	default:
	}
}
func (fatalLogger) Noticef(string, ...any) {}
func (fatalLogger) Warnf(string, ...any)   {}
func (fatalLogger) Errorf(string, ...any)  {}
func (fatalLogger) Debugf(string, ...any)  {}
func (fatalLogger) Tracef(string, ...any)  {}

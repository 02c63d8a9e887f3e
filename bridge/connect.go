package bridge

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
)

// ConnectOptions are the credentials and connection settings for Connect.
// At most one of User/Password, Token, CredsFile and NKeyFile is used, in
// that order.
type ConnectOptions struct {
	// Name is the connection name the server shows.
	Name     string
	User     string
	Password string
	Token    string
	// CredsFile is a NATS credentials (JWT + NKey seed) file.
	CredsFile string
	// NKeyFile is a file holding an NKey seed (what "nats --nkey"
	// takes), as the embedded server's roles use.
	NKeyFile string
	// CAFile is a PEM file of CAs that sign the server's certificate
	// (for tls:// URLs).
	CAFile string
	// ReconnectWait is the pause between reconnect attempts (250ms when
	// zero). Connections retry forever once connected.
	ReconnectWait time.Duration
	// FailFast makes the first connection attempt part of Connect: it
	// returns an error naming the URL and why (connection refused,
	// authorization violation, ...) when the server cannot be reached.
	// Without it Connect returns at once and keeps trying in the
	// background, so that a port can queue reporting before the server
	// is up.
	FailFast bool
}

// Connect connects to a NATS server or cluster (url may list several
// servers, separated by commas).
func Connect(url string, o ConnectOptions) (*nats.Conn, error) {
	wait := o.ReconnectWait
	if wait <= 0 {
		wait = 250 * time.Millisecond
	}
	name := o.Name
	if name == "" {
		name = "orca"
	}
	d := &dialer{d: net.Dialer{Timeout: 2 * time.Second}}
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(wait),
		nats.ReconnectJitter(wait/10, wait/10),
		nats.SetCustomDialer(d),
	}
	if !o.FailFast {
		opts = append(opts, nats.RetryOnFailedConnect(true))
	}
	switch {
	case o.User != "":
		opts = append(opts, nats.UserInfo(o.User, o.Password))
	case o.Token != "":
		opts = append(opts, nats.Token(o.Token))
	case o.CredsFile != "":
		opts = append(opts, nats.UserCredentials(o.CredsFile))
	case o.NKeyFile != "":
		opt, err := nats.NkeyOptionFromSeed(o.NKeyFile)
		if err != nil {
			return nil, fmt.Errorf("connect to NATS at %s: nkey: %w", url, err)
		}
		opts = append(opts, opt)
	}
	if o.CAFile != "" {
		opts = append(opts, nats.RootCAs(o.CAFile))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		if errors.Is(err, nats.ErrNoServers) {
			if last := d.last(); last != nil {
				err = last
			}
		}
		return nil, fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	return nc, nil
}

// dialer dials like net.Dialer and remembers the last error, which the
// client library replaces with "no servers available".
type dialer struct {
	d   net.Dialer
	mu  sync.Mutex
	err error
}

func (d *dialer) Dial(network, address string) (net.Conn, error) {
	c, err := d.d.Dial(network, address)
	d.mu.Lock()
	d.err = err
	d.mu.Unlock()
	return c, err
}

func (d *dialer) last() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// DefaultURL is where the bus is looked for when nothing names one: the
// standard client port on loopback.
const DefaultURL = "nats://127.0.0.1:4222"

// Bus is where a command reaches the NATS bus, and how.
type Bus struct {
	// URL is the server or cluster.
	URL string
	// From says where URL came from: "--server", "$NATS_URL", the URL
	// file of a data directory, or "default".
	From string
	// Options are the credentials found, for Connect.
	Options ConnectOptions
}

// Discover finds the bus a command of role uses, as the nats CLI does,
// then in the data directory:
//
//   - the URL: flagURL (--server/-s) when set, else $NATS_URL, else the
//     URL the embedded server of dataDir wrote (dataDir/bus/url), else
//     DefaultURL;
//   - the credentials: $NATS_CREDS, $NATS_NKEY, or $NATS_USER and
//     $NATS_PASSWORD, else role's seed file in dataDir/bus when there is
//     one.
//
// A command's own credential flags replace Options. Discover reads files
// only; Bus.Connect connects.
func Discover(dataDir, flagURL string, role Role) (Bus, error) {
	var b Bus
	urlFile := filepath.Join(credentialsDir(dataDir), "url")
	switch {
	case flagURL != "":
		b.URL, b.From = flagURL, "--server"
	case os.Getenv("NATS_URL") != "":
		b.URL, b.From = os.Getenv("NATS_URL"), "$NATS_URL"
	default:
		data, err := os.ReadFile(urlFile)
		switch {
		case err == nil && strings.TrimSpace(string(data)) != "":
			b.URL, b.From = strings.TrimSpace(string(data)), urlFile
		case err == nil || errors.Is(err, os.ErrNotExist):
			b.URL, b.From = DefaultURL, "default"
		default:
			return Bus{}, fmt.Errorf("find the bus: %w", err)
		}
	}
	switch {
	case os.Getenv("NATS_CREDS") != "":
		b.Options.CredsFile = os.Getenv("NATS_CREDS")
	case os.Getenv("NATS_NKEY") != "":
		b.Options.NKeyFile = os.Getenv("NATS_NKEY")
	case os.Getenv("NATS_USER") != "":
		b.Options.User, b.Options.Password = os.Getenv("NATS_USER"), os.Getenv("NATS_PASSWORD")
	default:
		dir := credentialsDir(dataDir)
		if _, err := os.Stat(dir); err == nil {
			c, err := LoadCredentials(dir, false)
			if err != nil {
				return Bus{}, fmt.Errorf("find the bus: %w", err)
			}
			b.Options = c.Connect(role)
		}
	}
	return b, nil
}

// Connect connects to the bus, failing fast: the error names the URL,
// where it came from, and why.
func (b Bus) Connect(name string) (*nats.Conn, error) {
	o := b.Options
	o.Name, o.FailFast = name, true
	nc, err := Connect(b.URL, o)
	if err != nil {
		hint := ""
		switch {
		case errors.Is(err, syscall.ECONNREFUSED) && b.From == "default":
			hint = "; no bus is recorded in the data directory: start orca serve, or give --server or $NATS_URL"
		case errors.Is(err, syscall.ECONNREFUSED) && b.From != "--server" && b.From != "$NATS_URL":
			hint = "; the embedded server that wrote it is not running"
		case errors.Is(err, nats.ErrAuthorization):
			hint = "; credentials: " + o.describe()
		}
		return nil, fmt.Errorf("%w (URL from %s)%s", err, b.From, hint)
	}
	return nc, nil
}

// describe names the credentials o uses, without secrets.
func (o ConnectOptions) describe() string {
	switch {
	case o.User != "":
		return "user " + o.User
	case o.Token != "":
		return "a token"
	case o.CredsFile != "":
		return "credentials file " + o.CredsFile
	case o.NKeyFile != "":
		return "nkey seed file " + o.NKeyFile
	}
	return "none"
}

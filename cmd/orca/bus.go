package main

import (
	"flag"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/server"
)

// busFlags are the flags with which "orca tsim" and "orca events" find
// the bus: as the nats CLI (--server/-s, $NATS_URL, credentials), else
// where "orca serve" recorded its embedded server in the data directory.
type busFlags struct {
	server, data                       string
	creds, nkey, user, password, token string
}

func (f *busFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.server, "server", "", "NATS server URL (default: $NATS_URL, else the bus orca serve recorded in --data, else "+bridge.DefaultURL+")")
	fs.StringVar(&f.server, "s", "", "short for --server")
	fs.StringVar(&f.data, "data", server.DefaultDataDir, "data directory of orca serve, where its bus's URL and credentials are")
	fs.StringVar(&f.creds, "creds", "", "NATS credentials file (default: $NATS_CREDS, else the data directory's key)")
	fs.StringVar(&f.nkey, "nkey", "", "NATS NKey seed file (default: $NATS_NKEY)")
	fs.StringVar(&f.user, "user", "", "NATS user (default: $NATS_USER)")
	fs.StringVar(&f.password, "password", "", "NATS password (default: $NATS_PASSWORD)")
	fs.StringVar(&f.token, "token", "", "NATS token")
}

// connect finds the bus and connects to it as role; the error names the
// URL tried, where it came from, and why it failed.
func (f *busFlags) connect(role bridge.Role, name string) (*nats.Conn, bridge.Bus, error) {
	b, err := bridge.Discover(f.data, f.server, role)
	if err != nil {
		return nil, bridge.Bus{}, err
	}
	if f.creds != "" || f.nkey != "" || f.user != "" || f.token != "" {
		b.Options = bridge.ConnectOptions{CredsFile: f.creds, NKeyFile: f.nkey, User: f.user, Password: f.password, Token: f.token}
	}
	nc, err := b.Connect(name)
	if err != nil {
		return nil, b, err
	}
	return nc, b, nil
}

// where says which bus a command uses, for its first line.
func where(b bridge.Bus) string {
	return fmt.Sprintf("%s (from %s)", b.URL, b.From)
}

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony/sim"
)

// natsFlags are the connection flags "orca tsim" and "orca events" share.
type natsFlags struct {
	url, creds, user, password, token string
}

func (f *natsFlags) connect(name string) (*nats.Conn, error) {
	return bridge.Connect(f.url, bridge.ConnectOptions{Name: name, CredsFile: f.creds, User: f.user, Password: f.password, Token: f.token})
}

// interruptible runs f with a context that ends on SIGINT or SIGTERM.
func interruptible(f func(ctx context.Context, args []string, stdout, stderr io.Writer) int) func([]string, io.Reader, io.Writer, io.Writer) int {
	return func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return f(ctx, args, stdout, stderr)
	}
}

// lockedWriter serialises the writes of the simulator's goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// runTsim is "orca tsim": the telephony simulator until interrupted (or
// --duration), with the monitor of the reporting DN on stdout.
func runTsim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("tsim", "[--nats URL | --embedded [--data DIR] [--port N]] [--config FILE] [--duration DUR]", stderr)
	var nf natsFlags
	fs.StringVar(&nf.url, "nats", "", "NATS server URL (default: start an embedded server)")
	fs.StringVar(&nf.creds, "creds", "", "NATS credentials file")
	fs.StringVar(&nf.user, "user", "", "NATS user")
	fs.StringVar(&nf.password, "password", "", "NATS password")
	fs.StringVar(&nf.token, "token", "", "NATS token")
	embedded := fs.Bool("embedded", false, "start an embedded NATS server with JetStream on loopback (the default without --nats)")
	dataDir := fs.String("data", "", "data directory of the embedded server (default: a temporary directory)")
	port := fs.Int("port", 0, "client port of the embedded server (0: a free port)")
	config := fs.String("config", "", "scenario file (YAML; default: sim.DefaultConfig)")
	duration := fs.Duration("duration", 0, "stop after this long (0: run until interrupted)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 || (*embedded && nf.url != "") {
		fs.Usage()
		return exitUsage
	}
	cfg := sim.DefaultConfig()
	if *config != "" {
		var err error
		if cfg, err = sim.LoadConfig(*config); err != nil {
			fmt.Fprintf(stderr, "orca tsim: %v\n", err)
			return exitFail
		}
	}
	out := &lockedWriter{w: stdout}
	if nf.url == "" {
		dir := *dataDir
		if dir == "" {
			tmp, err := os.MkdirTemp("", "orca-tsim-")
			if err != nil {
				fmt.Fprintf(stderr, "orca tsim: %v\n", err)
				return exitFail
			}
			defer os.RemoveAll(tmp)
			dir = tmp
		}
		url, shutdown, err := bridge.StartEmbedded(bridge.Options{DataDir: dir, Port: *port, JetStream: true, ServerName: "orca-tsim"})
		if err != nil {
			fmt.Fprintf(stderr, "orca tsim: %v\n", err)
			return exitFail
		}
		defer shutdown()
		nf.url = url
		fmt.Fprintf(out, "tsim: embedded NATS at %s\n", url)
	}
	nc, err := nf.connect("orca-tsim")
	if err != nil {
		fmt.Fprintf(stderr, "orca tsim: %v\n", err)
		return exitFail
	}
	defer nc.Close()
	cfg.Log = out
	cfg.OnError = func(err error) { fmt.Fprintf(stderr, "orca tsim: %v\n", err) }
	s, err := sim.New(nc, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "orca tsim: %v\n", err)
		return exitFail
	}
	startCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = s.Start(startCtx)
	cancel()
	if err != nil {
		fmt.Fprintf(stderr, "orca tsim: %v\n", err)
		return exitFail
	}
	defer s.Stop()
	c := s.Config()
	fmt.Fprintf(stderr, "tsim: switch %s, reporting DN %s, %d agents, speed %g; monitor on %s\n",
		c.Switch.Name, c.Switch.ReportingDN, len(s.Agents()), c.Speed, nf.url)
	if *duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, *duration)
		defer stop()
	}
	<-ctx.Done()
	fmt.Fprintf(stderr, "tsim: stopped after %d user events on %s\n", len(s.UserEvents()), c.Switch.ReportingDN)
	return exitOK
}

package main

import (
	"context"
	"flag"
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

// interruptible runs f with a context that ends on SIGINT or SIGTERM.
func interruptible(f func(ctx context.Context, args []string, stdout, stderr io.Writer) int) func([]string, io.Reader, io.Writer, io.Writer) int {
	return func(args []string, _ io.Reader, stdout, stderr io.Writer) int {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return f(ctx, args, stdout, stderr)
	}
}

// lockedWriter serialises the writes of several goroutines (the
// simulator's, orca run's).
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
// --duration), with the monitor of the reporting DN on stdout. It finds
// the bus as "orca events" does, or starts one of its own (--embedded).
func runTsim(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("tsim", "[--server URL | --data DIR | --embedded [--data DIR] [--port N]] [--config FILE] [--duration DUR]", stderr)
	var bf busFlags
	bf.register(fs)
	embedded := fs.Bool("embedded", false, "start an embedded NATS server with JetStream on loopback instead, its data in --data (default: a temporary directory)")
	port := fs.Int("port", 0, "--embedded: client port (0: a free port)")
	config := fs.String("config", "", "scenario file (YAML; default: sim.DefaultConfig)")
	duration := fs.Duration("duration", 0, "stop after this long (0: run until interrupted)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "tsim", "unexpected argument %q: orca tsim takes flags only", pos[0])
	}
	if *embedded && bf.server != "" {
		return usageError(fs, stderr, "tsim", "--embedded starts a bus of its own: it does not go with --server")
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
	var nc *nats.Conn
	var at string
	if *embedded {
		dir := bf.data
		if !flagSet(fs, "data") {
			tmp, err := os.MkdirTemp("", "orca-tsim-")
			if err != nil {
				fmt.Fprintf(stderr, "orca tsim: %v\n", err)
				return exitFail
			}
			defer os.RemoveAll(tmp)
			dir = tmp
		}
		e, err := bridge.StartEmbedded(bridge.Options{DataDir: dir, Port: *port, JetStream: true, ServerName: "orca-tsim"})
		if err != nil {
			fmt.Fprintf(stderr, "orca tsim: %v\n", err)
			return exitFail
		}
		defer e.Shutdown()
		fmt.Fprintf(out, "orca tsim: embedded NATS at %s, credentials in %s\n", e.URL(), e.Credentials().Dir())
		if nc, err = e.Connect(bridge.RoleSwitch, bridge.ConnectOptions{Name: "orca-tsim"}); err != nil {
			fmt.Fprintf(stderr, "orca tsim: %v\n", err)
			return exitFail
		}
		at = e.URL()
	} else {
		var b bridge.Bus
		var err error
		if nc, b, err = bf.connect(bridge.RoleSwitch, "orca-tsim"); err != nil {
			fmt.Fprintf(stderr, "orca tsim: %v\n", err)
			return exitFail
		}
		at = where(b)
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
	fmt.Fprintf(stderr, "orca tsim: switch %s, reporting DN %s, %d agents, speed %g; monitor on %s\n",
		c.Switch.Name, c.Switch.ReportingDN, len(s.Agents()), c.Speed, at)
	if *duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, *duration)
		defer stop()
	}
	<-ctx.Done()
	fmt.Fprintf(stderr, "orca tsim: stopped after %d user events on %s\n", len(s.UserEvents()), c.Switch.ReportingDN)
	return exitOK
}

// flagSet reports whether the flag name was given.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

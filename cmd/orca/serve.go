package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/orca-scxml/orca/server"
)

// serveShutdownTimeout bounds a graceful shutdown of "orca serve".
const serveShutdownTimeout = 30 * time.Second

// serveFlags are the flags of "orca serve".
type serveFlags struct {
	config, nats, listen, data, scenario string
	demo, verbose, stay                  bool
	count, natsPort                      int
	speed                                float64
	timeout                              time.Duration
	// Persistence and cluster flags (docs/durability.md).
	cluster        string
	persist        bool
	hibernateAfter time.Duration
	lease          time.Duration
}

// runServe is "orca serve": the ORS/GMS stand-in until SIGINT or SIGTERM,
// or, with --demo, a stream of callbacks against the simulator.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "[--config FILE] [--nats URL | --nats-port N] [--listen ADDR] [--data DIR] [--demo [--scenario FILE] [--count N] [--speed X] [--verbose] [--stay]]", stderr)
	var f serveFlags
	fs.StringVar(&f.config, "config", "", "configuration file (YAML); see docs/serve.md")
	fs.StringVar(&f.nats, "nats", "", "use the NATS server or cluster at this URL instead of the embedded one (credentials: nats.* in the configuration, else $NATS_USER/$NATS_PASSWORD, $NATS_CREDS or $NATS_NKEY)")
	fs.IntVar(&f.natsPort, "nats-port", 0, "client port of the embedded NATS server (overrides nats.port; default 4222 when free, else a free port)")
	fs.StringVar(&f.listen, "listen", "", "HTTP listen address (default 127.0.0.1:8080; with --demo a free port when 8080 is taken); a non-loopback one needs http.token or "+server.EnvAPIToken)
	fs.StringVar(&f.data, "data", "", "data directory: the embedded NATS server's store, URL and keys, the Info Mart database (overrides nats.data_dir; default "+server.DefaultDataDir+")")
	fs.BoolVar(&f.demo, "demo", false, "start the telephony simulator, the callback services and the Info Mart side, place a stream of callbacks, show them progress and exit")
	fs.StringVar(&f.scenario, "scenario", "", "--demo: simulator scenario file (as orca tsim --config); default: a built-in one")
	fs.IntVar(&f.count, "count", 0, "--demo: callbacks to place (default: the scenario's, or 5)")
	fs.Float64Var(&f.speed, "speed", 0, "--demo: how much faster than the wall clock time runs (default: the scenario's speed, or 20)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "--demo: give up waiting for the callbacks after this long")
	fs.BoolVar(&f.persist, "persist", true, "keep sessions in JetStream, restore them at start, leave them to the next start at shutdown (persistence.enable); false: memory only, cancelled at shutdown")
	fs.DurationVar(&f.hibernateAfter, "hibernate-after", 0, "take a session idle this long out of memory until its timer, event or request comes (sessions.hibernate_after)")
	fs.StringVar(&f.cluster, "cluster", "", "join the cluster of instances sharing the NATS server as instance `NAME` (cluster.enable, cluster.instance)")
	fs.DurationVar(&f.lease, "lease", 0, "with --cluster: how long the others wait before taking over the sessions of an instance that stopped renewing its lease (cluster.lease)")
	fs.BoolVar(&f.stay, "stay", false, "--demo: keep serving after the callbacks (the reports, the bus) until interrupted")
	fs.BoolVar(&f.verbose, "verbose", false, "log debug messages, including every __Log of the strategies; --demo: print each UserEvent as T-Server logs it instead of the table")
	rest, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		return usageError(fs, stderr, "serve", "unexpected argument %q: orca serve takes flags only", rest[0])
	}
	cfg := server.Config{}
	if f.config != "" {
		var err error
		if cfg, err = server.LoadConfig(f.config); err != nil {
			fmt.Fprintf(stderr, "orca serve: %v\n", err)
			return exitFail
		}
	}
	if f.nats != "" && f.natsPort != 0 {
		return usageError(fs, stderr, "serve", "--nats-port is the port of the embedded NATS server: it does not go with --nats")
	}
	if f.nats != "" {
		cfg.NATS.URL = f.nats
	}
	if f.natsPort != 0 {
		cfg.NATS.Port = f.natsPort
	}
	if f.listen != "" {
		cfg.Listen = f.listen
	}
	if f.data != "" {
		cfg.NATS.DataDir = f.data
	}
	f.apply(fs, &cfg)
	cfg.HTTP.ApplyEnv(os.Getenv)
	applyServeEnv(&cfg, os.Getenv)
	level := slog.LevelInfo
	switch {
	case f.verbose:
		level = slog.LevelDebug
	case f.demo:
		// The table owns the terminal: only what goes wrong is logged.
		level = slog.LevelWarn
	}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: stderr}, &slog.HandlerOptions{Level: level}))
	if f.demo {
		return runDemo(ctx, cfg, f, logger, stdout, stderr)
	}
	srv, err := server.New(cfg, server.Options{Logger: logger})
	if err != nil {
		fmt.Fprintf(stderr, "orca serve: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stderr, "orca serve: listening on %s (NATS %s; HTTP authentication: %s)\n", srv.URL(), srv.NATSURL(), srv.Auth())
	if dir := srv.NATSCredentials(); dir != "" {
		fmt.Fprintf(stderr, "orca serve: the bus requires credentials: %s holds its URL and a key per role (orca tsim and orca events find them there)\n", dir)
	}
	if m := srv.InfoMart(); m != nil {
		fmt.Fprintf(stderr, "orca serve: Info Mart on %s; reports at %s/infomart/summary\n", m.Store(), srv.URL())
	}
	select {
	case <-ctx.Done():
	case <-srv.Lost():
		// Another instance owns this one's sessions now: nothing of
		// them may run or be written here.
		fmt.Fprintln(stderr, "orca serve: this instance lost its lease on its sessions; exiting")
		return exitFail
	}
	fmt.Fprintln(stderr, "orca serve: shutting down")
	return shutdownServer(srv, stderr)
}

// apply sets the persistence and cluster flags given on the command line
// over the configuration file's.
func (f serveFlags) apply(fs *flag.FlagSet, cfg *server.Config) {
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["persist"] {
		persist := f.persist
		cfg.Persistence.Enable = &persist
	}
	if set["hibernate-after"] {
		cfg.Sessions.HibernateAfter = f.hibernateAfter
	}
	if f.cluster != "" {
		cfg.Cluster.Enable, cfg.Cluster.Instance = true, f.cluster
	}
	if set["lease"] {
		cfg.Cluster.Lease = f.lease
	}
}

// applyServeEnv fills what the configuration leaves empty from the
// environment, as the nats CLI and "orca infomart" read it: the
// credentials of an external NATS ($NATS_CREDS, $NATS_NKEY, or
// $NATS_USER and $NATS_PASSWORD) and the Info Mart database
// ($ORCA_INFOMART_DB). Secrets need not be written into orca.yaml.
func applyServeEnv(cfg *server.Config, getenv func(string) string) {
	n := &cfg.NATS
	if n.URL != "" && n.User == "" && n.Token == "" && n.CredsFile == "" && n.NKeyFile == "" {
		switch {
		case getenv("NATS_CREDS") != "":
			n.CredsFile = getenv("NATS_CREDS")
		case getenv("NATS_NKEY") != "":
			n.NKeyFile = getenv("NATS_NKEY")
		case getenv("NATS_USER") != "":
			n.User, n.Password = getenv("NATS_USER"), getenv("NATS_PASSWORD")
		}
	}
	if cfg.InfoMart.DB == "" {
		cfg.InfoMart.DB = getenv(infoMartDBVar)
	}
}

// shutdownServer shuts srv down gracefully and returns the exit status.
func shutdownServer(srv *server.Server, stderr io.Writer) int {
	sctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "orca serve: shutdown: %v\n", err)
		return exitFail
	}
	return exitOK
}

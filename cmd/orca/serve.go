package main

import (
	"context"
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
	<-ctx.Done()
	fmt.Fprintln(stderr, "orca serve: shutting down")
	return shutdownServer(srv, stderr)
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

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/server"
	"github.com/orca-scxml/orca/telephony/sim"
)

// demoService is the callback service the built-in demo scenario uses.
const demoService = "callback-demo"

// demoInfoMartWait bounds the wait for the Info Mart side to store the
// last UserEvents once every callback has completed.
const demoInfoMartWait = 30 * time.Second

// demoScenario is the simulator scenario of --demo: the default switch,
// agents and customers, with some busy and unanswered first attempts.
func demoScenario(f serveFlags) (sim.Config, error) {
	scfg := sim.DefaultConfig()
	scfg.Speed = 20
	scfg.Customers.Odds = sim.Odds{Answer: 8, Busy: 1, NoAnswer: 1}
	scfg.Customers.Ring = sim.Span{Min: 2 * time.Second, Max: 6 * time.Second}
	scfg.Requests = sim.RequestsConfig{Service: demoService, Count: 5, Every: sim.Duration(3 * time.Second), NumberFormat: "555%04d"}
	if f.scenario != "" {
		var err error
		if scfg, err = sim.LoadConfig(f.scenario); err != nil {
			return sim.Config{}, err
		}
		if scfg.Requests.Service == "" {
			scfg.Requests.Service = demoService
		}
	}
	if f.count > 0 {
		scfg.Requests.Count = f.count
	}
	if scfg.Requests.Count == 0 {
		scfg.Requests.Count = 5
	}
	if f.speed > 0 {
		scfg.Speed = f.speed
	}
	if scfg.Speed <= 0 {
		scfg.Speed = 1
	}
	return scfg, nil
}

// demoConfig completes the server configuration of a demo: the listen
// address, the data directory, the service the scenario's requests name
// (callback-immediate with reporting on, unless the configuration defines
// it), the switch, and the Info Mart side.
func demoConfig(cfg server.Config, scfg sim.Config) server.Config {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
		// The standard address when it is free, so that the URLs the
		// demo prints are the same from run to run.
		if ln, err := net.Listen("tcp", server.DefaultListen); err == nil {
			ln.Close()
			cfg.Listen = server.DefaultListen
		}
	}
	if cfg.NATS.URL == "" && cfg.NATS.DataDir == "" {
		cfg.NATS.DataDir = server.DefaultDataDir
	}
	svc := scfg.Requests.Service
	if !slices.ContainsFunc(cfg.Services, func(s server.ServiceConfig) bool { return s.Name == svc }) {
		cfg.Services = append(cfg.Services, server.ServiceConfig{Name: svc, Template: "callback-immediate", Options: map[string]any{
			"_rep_userevent_enable": true, "_rep_userevent_dn": scfg.Switch.ReportingDN, "_rep_userevent_switch": scfg.Switch.Name,
			"_target": "Callback_Agents", "_route_point": firstOr(scfg.Switch.RoutePoints, "RP_Callback"),
			"_max_dial_attempts": 3, "_dial_retry_timeout": 10,
		}})
	}
	if len(cfg.Queues) == 0 {
		// The three virtual queues the templates use by default, as
		// Configuration Server objects: the reports name them.
		cfg.Queues = []server.QueueConfig{{Name: "VQ_Callback", DBID: 301}, {Name: "VQ_Callback_Outbound", DBID: 302},
			{Name: "VQ_Callback_Inbound", DBID: 303}}
	}
	if cfg.Telephony.Switch == "" {
		cfg.Telephony.Switch = scfg.Switch.Name
	}
	if cfg.Tenant.Name == "" {
		cfg.Tenant.Name = scfg.Switch.CustomerID
	}
	if cfg.Tenant.DBID == 0 {
		// _CB_TENANT_DBID: the reports name the tenant.
		cfg.Tenant.DBID = 101
	}
	if !cfg.InfoMart.Enable {
		cfg.InfoMart.Enable = true
		if cfg.InfoMart.DN == "" {
			cfg.InfoMart.DN = scfg.Switch.ReportingDN
		}
	}
	if cfg.InfoMart.DB == "" {
		dir := cfg.NATS.DataDir
		if dir == "" {
			dir = server.DefaultDataDir
		}
		cfg.InfoMart.DB = filepath.Join(dir, server.DefaultInfoMartDB)
	}
	return cfg
}

// runDemo runs the embedded NATS server, the simulator, the server and
// its Info Mart side, places the scenario's callbacks, shows them
// progress, and explains what came of them.
func runDemo(ctx context.Context, cfg server.Config, f serveFlags, logger *slog.Logger, stdout, stderr io.Writer) int {
	scfg, err := demoScenario(f)
	if err != nil {
		fmt.Fprintf(stderr, "orca serve --demo: %v\n", err)
		return exitFail
	}
	chosen := cfg.Listen == ""
	cfg = demoConfig(cfg, scfg)
	clock := sim.NewScaledClock(scfg.Speed)
	scfg.Clock = clock
	out := &lockedWriter{w: stdout}
	if f.verbose {
		scfg.Log = out
	}
	scfg.OnError = func(err error) { logger.Warn("simulator", "err", err) }

	srv, err := server.New(cfg, server.Options{Logger: logger, Clock: clock})
	if chosen && errors.Is(err, syscall.EADDRINUSE) && cfg.Listen == server.DefaultListen {
		// Taken since demoConfig looked.
		cfg.Listen = "127.0.0.1:0"
		srv, err = server.New(cfg, server.Options{Logger: logger, Clock: clock})
	}
	if err != nil {
		fmt.Fprintf(stderr, "orca serve --demo: %v\n", err)
		return exitFail
	}
	status := exitOK
	defer func() {
		if s := shutdownServer(srv, stderr); s != exitOK && status == exitOK {
			status = s
		}
	}()
	nc, err := srv.ConnectNATS(bridge.RoleSwitch, "orca-demo-tsim")
	if err != nil {
		fmt.Fprintf(stderr, "orca serve --demo: %v\n", err)
		return exitFail
	}
	defer nc.Close()
	tsim, err := sim.New(nc, scfg)
	if err == nil {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err = tsim.Start(sctx)
		cancel()
	}
	if err != nil {
		fmt.Fprintf(stderr, "orca serve --demo: simulator: %v\n", err)
		return exitFail
	}
	defer tsim.Stop()
	fmt.Fprintf(stdout, "orca serve --demo: %s to service %s, time x%g\n", plural(scfg.Requests.Count, "callback"), scfg.Requests.Service, scfg.Speed)
	fmt.Fprintf(stdout, "  server %s, NATS %s, data in %s\n", srv.URL(), srv.NATSURL(), dataDirOf(cfg))
	fmt.Fprintf(stdout, "  reports while it runs: %s/infomart/summary\n\n", srv.URL())
	d := &demo{srv: srv, sim: tsim, scfg: scfg, cfg: cfg, f: f, out: out, tty: isTerminal(stdout) && !f.verbose}
	status = d.run(ctx)
	if status != exitOK {
		return status
	}
	d.summary(ctx)
	if !f.stay {
		d.next()
		return status
	}
	d.staying()
	<-ctx.Done()
	fmt.Fprintln(stderr, "orca serve: shutting down")
	return status
}

// dataDirOf names the data directory of cfg.
func dataDirOf(cfg server.Config) string {
	if cfg.NATS.DataDir != "" {
		return cfg.NATS.DataDir
	}
	return server.DefaultDataDir
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

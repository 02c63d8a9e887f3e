package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/server"
	"github.com/orca-scxml/orca/telephony/sim"
)

// serveShutdownTimeout bounds a graceful shutdown of "orca serve".
const serveShutdownTimeout = 30 * time.Second

// serveFlags are the flags of "orca serve".
type serveFlags struct {
	config, nats, listen, scenario string
	demo, verbose                  bool
	count                          int
	speed                          float64
	timeout                        time.Duration
	// Persistence and cluster flags (docs/durability.md).
	data, cluster  string
	persist        bool
	hibernateAfter time.Duration
	lease          time.Duration
}

// runServe is "orca serve": the ORS/GMS stand-in until SIGINT or SIGTERM,
// or, with --demo, a stream of callbacks against the simulator.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("serve", "[--config FILE] [--nats URL] [--listen ADDR] [--demo [--scenario FILE] [--count N] [--speed X]]", stderr)
	var f serveFlags
	fs.StringVar(&f.config, "config", "", "configuration file (YAML); see docs/serve.md")
	fs.StringVar(&f.nats, "nats", "", "use the NATS server or cluster at this URL instead of the embedded one")
	fs.StringVar(&f.listen, "listen", "", "HTTP listen address (default 127.0.0.1:8080; 127.0.0.1:0 with --demo); a non-loopback one needs http.token or "+server.EnvAPIToken)
	fs.BoolVar(&f.demo, "demo", false, "start the telephony simulator and the callback services, place a stream of callbacks, print their UserEvents and exit")
	fs.StringVar(&f.scenario, "scenario", "", "--demo: simulator scenario file (as orca tsim --config); default: a built-in one")
	fs.IntVar(&f.count, "count", 0, "--demo: callbacks to place (default: the scenario's, or 5)")
	fs.Float64Var(&f.speed, "speed", 0, "--demo: how much faster than the wall clock time runs (default: the scenario's speed, or 20)")
	fs.DurationVar(&f.timeout, "timeout", 2*time.Minute, "--demo: give up waiting for the callbacks after this long")
	fs.BoolVar(&f.verbose, "verbose", false, "log debug messages, including every __Log of the strategies")
	fs.StringVar(&f.data, "data", "", "data directory: the embedded NATS server's store, the bus's credentials, the reporting outbox (nats.data_dir)")
	fs.BoolVar(&f.persist, "persist", true, "keep sessions in JetStream, restore them at start, leave them to the next start at shutdown (persistence.enable); false: memory only, cancelled at shutdown")
	fs.DurationVar(&f.hibernateAfter, "hibernate-after", 0, "take a session idle this long out of memory until its timer, event or request comes (sessions.hibernate_after)")
	fs.StringVar(&f.cluster, "cluster", "", "join the cluster of instances sharing the NATS server as instance `NAME` (cluster.enable, cluster.instance)")
	fs.DurationVar(&f.lease, "lease", 0, "with --cluster: how long the others wait before taking over the sessions of an instance that stopped renewing its lease (cluster.lease)")
	rest, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(rest) > 0 {
		fs.Usage()
		return exitUsage
	}
	level := slog.LevelInfo
	if f.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: stderr}, &slog.HandlerOptions{Level: level}))
	cfg := server.Config{}
	if f.config != "" {
		var err error
		if cfg, err = server.LoadConfig(f.config); err != nil {
			fmt.Fprintf(stderr, "orca serve: %v\n", err)
			return exitFail
		}
	}
	if f.nats != "" {
		cfg.NATS.URL = f.nats
	}
	if f.listen != "" {
		cfg.Listen = f.listen
	}
	f.apply(fs, &cfg)
	cfg.HTTP.ApplyEnv(os.Getenv)
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
	if f.data != "" {
		cfg.NATS.DataDir = f.data
	}
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

// demoService is the callback service the built-in demo scenario uses.
const demoService = "callback-demo"

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

// runDemo runs the embedded NATS server, the simulator and the server,
// places the scenario's callbacks, and waits until each has sent its
// final UserEvent.
func runDemo(ctx context.Context, cfg server.Config, f serveFlags, logger *slog.Logger, stdout, stderr io.Writer) int {
	scfg, err := demoScenario(f)
	if err != nil {
		fmt.Fprintf(stderr, "orca serve --demo: %v\n", err)
		return exitFail
	}
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.NATS.URL == "" && cfg.NATS.DataDir == "" {
		dir, err := os.MkdirTemp("", "orca-demo-")
		if err != nil {
			fmt.Fprintf(stderr, "orca serve --demo: %v\n", err)
			return exitFail
		}
		defer os.RemoveAll(dir)
		cfg.NATS.DataDir = dir
	}
	svcName := scfg.Requests.Service
	if !hasService(cfg, svcName) {
		cfg.Services = append(cfg.Services, server.ServiceConfig{Name: svcName, Template: "callback-immediate", Options: map[string]any{
			"_rep_userevent_enable": true, "_rep_userevent_dn": scfg.Switch.ReportingDN, "_rep_userevent_switch": scfg.Switch.Name,
			"_target": "Callback_Agents", "_route_point": firstOr(scfg.Switch.RoutePoints, "RP_Callback"),
			"_max_dial_attempts": 3, "_dial_retry_timeout": 10,
		}})
	}
	if cfg.Telephony.Switch == "" {
		cfg.Telephony.Switch = scfg.Switch.Name
	}
	if cfg.Tenant.Name == "" {
		cfg.Tenant.Name = scfg.Switch.CustomerID
	}
	clock := sim.NewScaledClock(scfg.Speed)
	scfg.Clock = clock
	out := &lockedWriter{w: stdout}
	scfg.Log = out
	scfg.OnError = func(err error) { logger.Warn("simulator", "err", err) }

	srv, err := server.New(cfg, server.Options{Logger: logger, Clock: clock})
	if err != nil {
		fmt.Fprintf(stderr, "orca serve --demo: %v\n", err)
		return exitFail
	}
	status := exitOK
	defer func() {
		if s := shutdownServer(srv, stderr); s != exitOK {
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
	fmt.Fprintf(stderr, "orca serve --demo: server %s, NATS %s, %d callbacks to service %s, time x%g\n",
		srv.URL(), srv.NATSURL(), scfg.Requests.Count, svcName, scfg.Speed)
	status = demoStream(ctx, srv, tsim, scfg, f.timeout, out, stderr)
	return status
}

// demoStream places the scenario's callbacks on time and waits for their
// final UserEvents, then prints how each ended.
func demoStream(ctx context.Context, srv *server.Server, tsim *sim.Sim, scfg sim.Config, timeout time.Duration, out, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	begin := time.Now()
	var ids []string
	for _, r := range scfg.Plan() {
		wait := time.Until(begin.Add(time.Duration(float64(r.At) / scfg.Speed)))
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			fmt.Fprintln(stderr, "orca serve --demo: stopped")
			return exitFail
		}
		form := url.Values{}
		for k, v := range r.Params {
			form.Set(k, v)
		}
		id, err := postCallback(ctx, srv.URL(), r.Service, form)
		if err != nil {
			fmt.Fprintf(stderr, "orca serve --demo: callback %d: %v\n", r.Index+1, err)
			return exitFail
		}
		fmt.Fprintf(out, "# callback %d/%d for %s requested: _id=%s\n", r.Index+1, scfg.Requests.Count, form.Get("_customer_number"), id)
		ids = append(ids, id)
	}
	for {
		done := 0
		states := make([]map[string]string, len(ids))
		for i, id := range ids {
			st, err := getCallback(ctx, srv.URL(), id)
			if err == nil && st["_callback_state"] == "COMPLETED" {
				done++
			}
			states[i] = st
		}
		if done == len(ids) && len(tsim.UserEvents()) >= 2*len(ids) {
			for i, st := range states {
				fmt.Fprintf(out, "# callback %d %s: %s %s\n", i+1, ids[i], st["_callback_state"], st["_callback_reason"])
			}
			st := srv.Stats()
			fmt.Fprintf(out, "# %d callbacks completed, %d UserEvents at the reporting DN; reporting published %d, pending %d, failed %d\n",
				len(ids), len(tsim.UserEvents()), st.Published, st.Pending, st.Failed)
			return exitOK
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			fmt.Fprintf(stderr, "orca serve --demo: %d of %d callbacks completed before the timeout\n", done, len(ids))
			return exitTimeout
		}
	}
}

func postCallback(ctx context.Context, base, service string, form url.Values) (string, error) {
	var res struct {
		ID    string `json:"_id"`
		Error string `json:"error"`
	}
	if err := doJSON(ctx, http.MethodPost, base+"/genesys/1/service/callback/"+url.PathEscape(service), form, &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", errors.New("no _id in the answer")
	}
	return res.ID, nil
}

func getCallback(ctx context.Context, base, id string) (map[string]string, error) {
	var list []map[string]string
	if err := doJSON(ctx, http.MethodGet, base+"/genesys/1/service/callback?_id="+url.QueryEscape(id), nil, &list); err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, fmt.Errorf("callback %s not found", id)
	}
	return list[0], nil
}

// doJSON makes a request with an optional form and decodes the JSON
// answer into v; an answer other than 200 is an error with its message.
func doJSON(ctx context.Context, method, u string, form url.Values, v any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, data)
	}
	return json.Unmarshal(data, v)
}

func hasService(cfg server.Config, name string) bool {
	for _, s := range cfg.Services {
		if s.Name == name {
			return true
		}
	}
	return false
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"sync/atomic"
	"time"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/interp/basichttp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/trace"
)

// runRun implements "orca run FILE". Its outputs are written from
// several goroutines (the host's, fetches refused by the outbound policy,
// the Basic HTTP processor), so every write goes through a lock.
func runRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stdout, stderr = &lockedWriter{w: stdout}, &lockedWriter{w: stderr}
	fs := newFlagSet("run", "[--trace] [--timeout DUR] [limits] [--on-limit error|terminate] [--http ADDR] [--allow URL-PREFIX]... [--allow-network CIDR]... [--param K=V]... [--option K=V]... [--tenant T] [--switch S] [--env FILE] [--virtual-time] FILE", stderr)
	traced := fs.Bool("trace", false, "print the run as a trace (orca view opens it): a header line, then one JSON line per completed macrostep with its data model")
	timeout := fs.Duration("timeout", 0, "give up after this long (exit status 2); 0 means no limit")
	lim := limitFlags(fs)
	httpAddr := fs.String("http", "", "serve the Basic HTTP Event I/O Processor on this address (e.g. 127.0.0.1:0); the run then also waits for HTTP events after stdin closes")
	var allow, allowNets listFlag
	fs.Var(&allow, "allow", "let <session:fetch> and basichttp <send> reach URLs under this prefix (\"*\": any URL); repeatable; without it nothing outside the run is reachable")
	fs.Var(&allowNets, "allow-network", "let connections reach this address or CIDR network although it is loopback, link-local or a cloud metadata address; repeatable")
	params, options := kvFlag{}, kvFlag{}
	fs.Var(params, "param", "a start parameter NAME=VALUE (_data in ORS strategies, top-level data in W3C ones); repeatable")
	fs.Var(options, "option", "a configuration option NAME=VALUE for _genesys.session.getConfigOption; repeatable")
	tenant := fs.String("tenant", "Environment", "the tenant ORS strategies see (_genesys.session.tenant)")
	sw := fs.String("switch", "SIP_Switch", "the switch of the simulated telephony port")
	envFile := fs.String("env", "", "an environment file (lists, options, special days, time zones, agents, queues, statistics, params) for ORS strategies")
	virtual := fs.Bool("virtual-time", false, `run on a virtual clock: time stands still while input comes, {"advance":"30s"} moves it, and once input ends it jumps from one due event to the next`)
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if len(files) != 1 {
		fs.Usage()
		return exitUsage
	}
	limits, err := lim.limits()
	if err != nil {
		fmt.Fprintf(stderr, "orca run: %v\n", err)
		return exitUsage
	}
	r := &runner{stdout: stdout, stderr: stderr, traced: *traced, httpAddr: *httpAddr, limits: limits}
	if len(params) > 0 {
		r.params = make(map[string]any, len(params))
		for k, v := range params {
			r.params[k] = v
		}
	}
	r.cfg = ors.Config{Tenant: *tenant, ServerName: "orca", Switch: *sw, Options: options}
	if *envFile != "" {
		env, err := ors.LoadEnvironment(*envFile)
		if err != nil {
			fmt.Fprintf(stderr, "orca run: --env: %v\n", err)
			return exitFail
		}
		// The environment's tenant, server and switch stand unless a
		// flag names others; --param and --option go over its own.
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		r.cfg.Environment = env
		if !set["tenant"] && env.Tenant != "" {
			r.cfg.Tenant = env.Tenant
		}
		if !set["switch"] && env.Switch != "" {
			r.cfg.Switch = env.Switch
		}
		if env.Server != "" {
			r.cfg.ServerName = ""
		}
		if len(env.Params) > 0 {
			merged := maps.Clone(env.Params)
			maps.Copy(merged, r.params)
			r.params = merged
		}
	}
	if *virtual {
		if *httpAddr != "" {
			fmt.Fprintln(stderr, "orca run: --virtual-time and --http exclude each other: HTTP events arrive in real time")
			return exitUsage
		}
		r.clock = interp.NewVirtualClock(time.Now())
		r.until = r.clock.Now()
	}
	policy, err := egress.New(egress.Config{Allow: allow, AllowNetworks: allowNets}, egress.Options{
		AllowKey: "--allow", NetworksKey: "--allow-network",
		OnRefuse: func(ref *egress.Refusal) {
			fmt.Fprintf(stderr, "orca run: outbound request refused: %v\n", ref)
		},
	})
	if err != nil {
		fmt.Fprintf(stderr, "orca run: %v\n", err)
		return exitUsage
	}
	r.egress = policy
	return r.run(files[0], stdin, *timeout)
}

// limitsFlags are the flags of the session limits of "orca run"; 0 means
// no limit.
type limitsFlags struct {
	scriptTime                         *time.Duration
	memory                             host.ByteSize
	microsteps, internalEvents         *int
	internalQueue, externalQueue, sent *int
	onLimit                            *string
}

func limitFlags(fs *flag.FlagSet) *limitsFlags {
	d := host.DefaultLimits()
	l := &limitsFlags{memory: d.Memory}
	l.scriptTime = fs.Duration("script-budget", d.ScriptTime, "interrupt the scripts of a macrostep that run longer than this")
	fs.Var(&l.memory, "max-memory", "end a session whose memory grows beyond this (512MiB, 1GiB, ...)")
	l.microsteps = fs.Int("max-microsteps", d.Microsteps, "microsteps per macrostep")
	l.internalEvents = fs.Int("max-internal-events", d.InternalEvents, "internal events processed per macrostep")
	l.internalQueue = fs.Int("max-internal-queue", d.InternalQueue, "events on a session's internal queue")
	l.externalQueue = fs.Int("max-external-queue", d.ExternalQueue, "events on a session's external queue")
	l.sent = fs.Int("max-delayed-sends", d.DelayedSends, "delayed sends a session has pending")
	l.onLimit = fs.String("on-limit", d.OnBreach, "what a limit breach does: error (raise error.execution in the session; a second breach ends it) or terminate (end it); a memory breach always ends it")
	return l
}

// limits returns the limits the flags give: 0 means none.
func (l *limitsFlags) limits() (host.Limits, error) {
	off := func(v int) int {
		if v == 0 {
			return -1
		}
		return v
	}
	lim := host.Limits{
		ScriptTime: *l.scriptTime, Memory: l.memory,
		Microsteps: off(*l.microsteps), InternalEvents: off(*l.internalEvents),
		InternalQueue: off(*l.internalQueue), ExternalQueue: off(*l.externalQueue), DelayedSends: off(*l.sent),
		OnBreach: *l.onLimit,
	}
	if lim.ScriptTime == 0 {
		lim.ScriptTime = -1
	}
	if lim.Memory == 0 {
		lim.Memory = -1
	}
	if _, err := interp.ParseLimitAction(lim.OnBreach); err != nil {
		return lim, fmt.Errorf("--on-limit: %w", err)
	}
	return lim, nil
}

// runner is the host of one "orca run".
type runner struct {
	stdout, stderr io.Writer
	traced         bool
	// rec files the main session's macrosteps, with what it produced
	// during each, and hands each step to enc (--trace).
	rec *console.Recorder
	enc *trace.Encoder
	// seen counts the port's requests already filed.
	seen     int
	limits   host.Limits
	httpAddr string
	params   map[string]any
	cfg      ors.Config
	egress   *egress.Policy
	main     *interp.Session
	ixn      *ixnHost
	h        *host.Host
	// clock is the virtual clock of --virtual-time (nil: real time), and
	// until the time an {"advance"} line moves it to.
	clock *interp.VirtualClock
	until time.Time
}

// inputLine is one line of standard input.
type inputLine struct {
	n    int
	text []byte
	err  error // a read error; the last line sent
}

// externalEvent is the JSON form of an event on standard input.
type externalEvent struct {
	Name *string         `json:"name"`
	Data json.RawMessage `json:"data"`
}

func (r *runner) run(file string, stdin io.Reader, timeout time.Duration) int {
	// Every document loads with the Genesys function modules registered;
	// ORS strategies get their script environment and a simulated
	// telephony port that standard input drives.
	start := time.Now()
	if r.clock != nil {
		start = r.clock.Now()
	}
	r.ixn = newIxnHost(r.strategyLog, r.cfg, start, r.egress.Client(), func(id string, ev *interp.Event) { _ = r.h.Send(id, ev) })
	defer r.ixn.rt.Close()
	doc, err := scxml.Load(file, r.ixn.rt.LoadOptions())
	var chart *interp.Chart
	if err == nil {
		chart, err = interp.Compile(doc, r.ixn.rt.Datamodels())
	}
	if err != nil {
		var list scxml.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				fmt.Fprintln(r.stderr, e.Error())
			}
		} else {
			fmt.Fprintf(r.stderr, "orca run: %v\n", err)
		}
		return exitFail
	}
	// The input is open while standard input is, and the Basic HTTP
	// processor listens: the run waits for events from them.
	var open atomic.Int64
	open.Store(1)
	cfg := host.Config{
		Engine: interp.Options{
			Datamodels:  r.ixn.rt.Datamodels(),
			LoadOptions: r.ixn.rt.LoadOptions(),
			Log:         r.log,
		},
		Limits:       r.limits,
		Participants: []host.Participant{r.ixn.port},
		Busy:         func() int { return int(open.Load()) + r.ixn.rt.InFlight() },
	}
	if r.traced {
		cfg.Engine.OnSend = r.sent
	}
	if r.clock != nil {
		// On virtual time the run itself waits for input; the host waits
		// only for fetches in flight.
		cfg.Clock = r.clock
		cfg.Busy = r.ixn.rt.InFlight
	}
	var httpProc *basichttp.Processor
	if r.httpAddr != "" {
		httpProc, err = basichttp.New(basichttp.Options{Addr: r.httpAddr, Deliver: func(id string, ev *interp.Event) { _ = r.h.Send(id, ev) }, Egress: r.egress})
		if err != nil {
			fmt.Fprintf(r.stderr, "orca run: --http: %v\n", err)
			return exitFail
		}
		defer func() {
			// The request that delivered the last event is answered
			// before the listener goes.
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = httpProc.Shutdown(ctx)
		}()
		cfg.Engine.IOProcessors = httpProc.Register(nil)
		open.Add(1)
	}
	r.h, err = host.New(cfg)
	if err != nil {
		fmt.Fprintf(r.stderr, "orca run: %v\n", err)
		return exitUsage
	}
	defer r.h.Close()
	r.h.OnMacrostep(r.macrostep)
	r.h.OnError(func(s *interp.Session, err error) {
		fmt.Fprintf(r.stderr, "error: %v\n", err)
		if r.tracing(s) {
			r.rec.Error(s.ID(), err)
		}
	})
	r.h.OnDone(r.ixn.rt.SessionDone)
	if r.traced {
		r.h.OnDone(r.ended)
	}
	if httpProc != nil {
		r.h.OnDone(func(s *interp.Session) { httpProc.Forget(s.ID()) })
	}
	r.h.OnLost(r.lost)
	// The main session's id is known before it starts: calls that arrive
	// during its first macrostep belong to it.
	id := newSessionID()
	r.ixn.main = id
	if r.traced {
		r.startTrace(id, file, doc, start)
	}
	s, err := r.h.Start(chart, interp.StartOptions{ID: id, Params: r.params})
	if err != nil {
		fmt.Fprintf(r.stderr, "orca run: starting %s: %v\n", file, err)
		return exitFail
	}
	r.main = s
	if httpProc != nil {
		fmt.Fprintf(r.stderr, "orca run: basichttp location %s\n", httpProc.Location(s))
	}

	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	// One goroutine reads standard input and hands each line to the
	// host's goroutine (this one); done stops it once the run is over.
	done := make(chan struct{})
	defer close(done)
	if r.clock != nil {
		lines := make(chan inputLine)
		go readLines(stdin, lines, done)
		err = r.runVirtual(ctx, s, lines)
	} else {
		go r.read(stdin, &open, done)
		err = r.h.Run(ctx, s.Done)
	}
	switch {
	case err == nil:
		return r.finished(s)
	case errors.Is(err, context.DeadlineExceeded):
		return r.timedOut(s, timeout)
	case errors.Is(err, host.ErrIdle):
		fmt.Fprintln(r.stderr, "orca run: no top-level final state reached: input closed and no delayed event pending")
		return exitFail
	default:
		fmt.Fprintf(r.stderr, "orca run: %v\n", err)
		return exitFail
	}
}

// read hands the non-blank lines of in to the host's goroutine, in order,
// and closes the input at EOF.
func (r *runner) read(in io.Reader, open *atomic.Int64, done <-chan struct{}) {
	lines := make(chan inputLine)
	go readLines(in, lines, done)
	for l := range lines {
		r.h.Post(r.main.ID(), func() { r.input(l) })
	}
	open.Add(-1)
	// Wake the host so that it sees the input closed.
	r.h.Post(r.main.ID(), func() {})
}

// runVirtual drives the host on its virtual clock: it settles what is due
// at the current time, then moves the clock to the next due time up to
// where an {"advance"} line asked (without end once input is over), or
// waits for the next line of input.
func (r *runner) runVirtual(ctx context.Context, s *interp.Session, lines <-chan inputLine) error {
	for {
		if err := r.h.SettleContext(ctx); err != nil {
			return err
		}
		if s.Done() {
			return nil
		}
		due, pending := r.h.NextDue()
		if lines == nil {
			if !pending {
				return host.ErrIdle
			}
			r.clock.Set(due)
			continue
		}
		if r.clock.Now().Before(r.until) {
			next := r.until
			if pending && due.Before(next) {
				next = due
			}
			r.clock.Set(next)
			continue
		}
		select {
		case l, ok := <-lines:
			if ok {
				r.input(l)
			} else {
				lines = nil
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// advanceCommand parses {"advance":"30s"}; a bad duration is -1.
func advanceCommand(line []byte) (time.Duration, bool) {
	var c struct {
		Advance *string `json:"advance"`
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if dec.Decode(&c) != nil || c.Advance == nil {
		return 0, false
	}
	d, err := time.ParseDuration(*c.Advance)
	if err != nil || d < 0 {
		return -1, true
	}
	return d, true
}

// newSessionID returns 32 random hex digits.
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// timedOut reports --timeout and returns its exit status.
func (r *runner) timedOut(s *interp.Session, timeout time.Duration) int {
	fmt.Fprintf(r.stderr, "orca run: timeout after %v; active states: %v\n", timeout, s.Active())
	return exitTimeout
}

// input handles one line of standard input, on the host's goroutine.
func (r *runner) input(l inputLine) {
	if l.err != nil {
		fmt.Fprintf(r.stderr, "orca run: stdin:%d: %v (no more input is read)\n", l.n, l.err)
		return
	}
	if d, ok := advanceCommand(l.text); ok {
		if r.clock == nil {
			fmt.Fprintf(r.stderr, "orca run: stdin:%d: advance needs --virtual-time (line skipped)\n", l.n)
			return
		}
		if d < 0 {
			fmt.Fprintf(r.stderr, "orca run: stdin:%d: advance wants a duration such as \"30s\" (line skipped)\n", l.n)
			return
		}
		r.until = r.clock.Now().Add(d)
		return
	}
	if isCommand(l.text) {
		id, err := r.ixn.command(l.text)
		if err != nil {
			fmt.Fprintf(r.stderr, "orca run: stdin:%d: %v (line skipped)\n", l.n, err)
		} else if id != "" {
			fmt.Fprintf(r.stderr, "orca run: call %s arrived\n", id)
		}
		return
	}
	ev, err := parseEvent(l.text)
	if err != nil {
		fmt.Fprintf(r.stderr, "orca run: stdin:%d: %v (line skipped)\n", l.n, err)
		return
	}
	_ = r.h.Send(r.main.ID(), ev)
}

// lost reports an event that reached no session: one that has ended, or
// whose queue is full.
func (r *runner) lost(id string, ev *interp.Event, err error) {
	if ev == nil {
		return
	}
	if errors.Is(err, interp.ErrNoSession) {
		fmt.Fprintf(r.stderr, "orca run: event %q for ended session %s dropped\n", ev.Name, id)
		return
	}
	fmt.Fprintf(r.stderr, "orca run: event %q for session %s dropped: %v\n", ev.Name, id, err)
}

// finished reports how the session ended and returns the exit status.
func (r *runner) finished(s *interp.Session) int {
	if err := s.Err(); err != nil {
		fmt.Fprintf(r.stderr, "orca run: session terminated: %v\n", err)
		return exitFail
	}
	if f := s.Final(); f != nil {
		fmt.Fprintln(r.stdout, f.ID)
		return exitOK
	}
	fmt.Fprintln(r.stderr, "orca run: no top-level final state reached: session cancelled")
	return exitFail
}

func (r *runner) log(s *interp.Session, label, msg string) {
	if r.tracing(s) {
		r.rec.Log(s.ID(), label, msg)
	}
	if s.ID() != r.ixn.main {
		// Output of an invoked session names it.
		name := s.Name()
		if name == "" {
			name = "invoked"
		}
		label = name + "/" + label
	}
	if label == "" {
		fmt.Fprintln(r.stderr, msg)
		return
	}
	fmt.Fprintf(r.stderr, "%s: %s\n", label, msg)
}

// strategyLog prints an ORS __Log line, and records it in the trace.
func (r *runner) strategyLog(s *interp.Session, msg string) {
	if r.tracing(s) {
		r.rec.Log(s.ID(), "", msg)
	}
	fmt.Fprintln(r.stderr, msg)
}

// tracing reports whether s is traced: the main session, with --trace.
func (r *runner) tracing(s *interp.Session) bool {
	return r.traced && s.ID() == r.ixn.main
}

// startTrace writes the trace's header and makes the recorder that
// writes a line per macrostep of session id.
func (r *runner) startTrace(id, file string, doc *scxml.Document, start time.Time) {
	r.enc = trace.NewEncoder(r.stdout)
	if err := r.enc.Header(trace.Header{Session: id, Name: doc.Name, Document: file, Started: start}); err != nil {
		fmt.Fprintf(r.stderr, "orca run: trace: %v\n", err)
	}
	r.rec = console.NewRecorder(console.RecorderOptions{Steps: 1, OnStep: func(_ string, st *trace.Step) {
		if err := r.enc.Step(st); err != nil {
			fmt.Fprintf(r.stderr, "orca run: trace: %v\n", err)
		}
	}})
}

// macrostep writes the trace line of a macrostep of the main session:
// its configuration, data model, pending delayed sends and requests, and
// what it produced during the macrostep.
func (r *runner) macrostep(s *interp.Session, ev *interp.Event) {
	if !r.tracing(s) {
		return
	}
	r.fileRequests(s.ID())
	st := trace.Of(s, ev, r.h.Clock().Now(), true)
	for _, q := range r.ixn.rt.Requests(s.ID()) {
		st.Requests = append(st.Requests, trace.Request{ID: q.ID, Kind: q.Kind(), Detail: q.Detail()})
	}
	r.rec.Record(s.ID(), st)
}

// ended writes the line of the main session's end, when its end
// produced something or cut it short (see console.Recorder.End).
func (r *runner) ended(s *interp.Session) {
	if !r.tracing(s) {
		return
	}
	r.fileRequests(s.ID())
	r.rec.End(s.ID(), r.h.Clock().Now(), s.Final() == nil)
}

// sent records an event the main session sent.
func (r *runner) sent(s *interp.Session, ev *interp.Event, target, typ string, delay time.Duration) {
	if r.tracing(s) {
		r.rec.Sent(s.ID(), trace.SendOf(ev, target, typ, delay, r.h.Clock().Now()))
	}
}

// fileRequests records the UserEvents and attached data the simulated
// port was asked for since the last time, as the main session's.
func (r *runner) fileRequests(id string) {
	reqs := r.ixn.port.Requests()
	for _, q := range reqs[r.seen:] {
		switch b := q.Body.(type) {
		case telephony.UserEvent:
			r.rec.UserEvent(id, trace.UserData{DN: b.ThisDN, Interaction: string(b.ConnID), Data: b.UserData.Neutral()})
		case telephony.UserDataChange:
			if b.Op != telephony.Delete {
				r.rec.Attached(id, trace.UserData{DN: b.ThisDN, Interaction: string(b.ConnID), Data: b.UserData.Neutral()})
			}
		}
	}
	r.seen = len(reqs)
}

// readLines sends the non-blank lines of in to out and closes out at EOF.
func readLines(in io.Reader, out chan<- inputLine, done <-chan struct{}) {
	defer close(out)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		select {
		case out <- inputLine{n: n, text: bytes.Clone(text)}:
		case <-done:
			return
		}
	}
	if err := sc.Err(); err != nil {
		select {
		case out <- inputLine{n: n + 1, err: err}:
		case <-done:
		}
	}
}

// parseEvent decodes one input line into an external event.
func parseEvent(line []byte) (*interp.Event, error) {
	var x externalEvent
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("not an event object: %v", err)
	}
	if dec.More() {
		return nil, errors.New("not an event object: text after the object")
	}
	if x.Name == nil || *x.Name == "" {
		return nil, errors.New(`event has no "name"`)
	}
	ev := &interp.Event{Name: *x.Name, Type: interp.External}
	if len(x.Data) > 0 {
		var data any
		if err := json.Unmarshal(x.Data, &data); err != nil {
			return nil, fmt.Errorf("event data: %v", err)
		}
		ev.Data = data
	}
	return ev, nil
}

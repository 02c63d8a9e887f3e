package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"time"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/interp/basichttp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
)

// runRun implements "orca run FILE".
func runRun(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", "[--trace] [--timeout DUR] [--max-microsteps N] [--script-budget DUR] [--on-limit error|terminate] [--http ADDR] [--allow URL-PREFIX]... [--allow-network CIDR]... [--param K=V]... [--option K=V]... [--tenant T] [--switch S] [--env FILE] [--virtual-time] FILE", stderr)
	trace := fs.Bool("trace", false, "print one JSON line per completed macrostep")
	timeout := fs.Duration("timeout", 0, "give up after this long (exit status 2); 0 means no limit")
	maxMicro := fs.Int("max-microsteps", interp.DefaultMaxMicrosteps, "microstep limit per macrostep")
	budget := fs.Duration("script-budget", 0, "interrupt scripts of a macrostep that runs longer than this (ECMAScript charts); 0 means no limit")
	onLimit := fs.String("on-limit", "error", "what a limit breach does: error (raise error.execution in the session) or terminate (end it)")
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
	r := &runner{stdout: stdout, stderr: stderr, trace: *trace, budget: *budget, httpAddr: *httpAddr}
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
		r.clock = interp.NewVirtualClock(time.Now())
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
	switch *onLimit {
	case "error":
		r.limit = interp.LimitError
	case "terminate":
		r.limit = interp.LimitTerminate
	default:
		fmt.Fprintf(stderr, "orca run: --on-limit: want error or terminate, not %q\n", *onLimit)
		return exitUsage
	}
	return r.run(files[0], stdin, *timeout, *maxMicro)
}

// runner is the host of one "orca run".
type runner struct {
	stdout, stderr io.Writer
	trace          bool
	budget         time.Duration
	limit          interp.LimitAction
	httpAddr       string
	params         map[string]any
	cfg            ors.Config
	egress         *egress.Policy
	main           *interp.Session
	ixn            *ixnHost
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

// traceLine is the JSON form of a completed macrostep.
type traceLine struct {
	Event  *string  `json:"event"`
	Atomic []string `json:"atomic"`
	Active []string `json:"active"`
	Final  bool     `json:"final"`
}

func (r *runner) run(file string, stdin io.Reader, timeout time.Duration, maxMicro int) int {
	// Every document loads with the Genesys function modules registered;
	// ORS strategies get their script environment and a simulated
	// telephony port that standard input drives.
	now := time.Now
	if r.clock != nil {
		now = r.clock.Now
		r.until = r.clock.Now()
	}
	r.ixn = newIxnHost(r.stderr, r.cfg, now, r.egress.Client())
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
	opts := interp.Options{
		Clock:         r.engineClock(),
		Datamodels:    r.ixn.rt.Datamodels(),
		LoadOptions:   r.ixn.rt.LoadOptions(),
		MaxMicrosteps: maxMicro,
		Limit:         r.limit,
		Log:           r.log,
		OnMacrostep:   r.macrostep,
		OnError: func(_ *interp.Session, err error) {
			fmt.Fprintf(r.stderr, "error: %v\n", err)
		},
	}
	opts.OnDone = r.ixn.rt.SessionDone
	if r.budget > 0 {
		// Every session, invoked ones included, gets the script budget.
		wd := ecmascript.NewWatchdog(max(r.budget/10, time.Millisecond))
		defer wd.Stop()
		opts.OnStart = func(s *interp.Session) {
			if err := wd.Watch(s.Datamodel(), r.budget); err != nil {
				fmt.Fprintf(r.stderr, "orca run: --script-budget: %v\n", err)
			}
		}
		opts.OnDone = func(s *interp.Session) {
			wd.Unwatch(s.Datamodel())
			r.ixn.rt.SessionDone(s)
		}
	}
	// Events from the telephony port, the function modules and the Basic
	// HTTP processor's handlers reach the engine through the inbox, which
	// the loop below drains.
	inbox := r.ixn.inbox
	inboxC := inbox.Ready()
	var httpProc *basichttp.Processor
	if r.httpAddr != "" {
		httpProc, err = basichttp.New(basichttp.Options{Addr: r.httpAddr, Deliver: inbox.Put, Egress: r.egress})
		if err != nil {
			fmt.Fprintf(r.stderr, "orca run: --http: %v\n", err)
			return exitFail
		}
		defer httpProc.Close()
		opts.IOProcessors = httpProc.Register(opts.IOProcessors)
		onDone := opts.OnDone
		opts.OnDone = func(s *interp.Session) {
			httpProc.Forget(s.ID())
			if onDone != nil {
				onDone(s)
			}
		}
	}
	eng := interp.NewEngine(opts)
	s, err := eng.Start(chart, interp.StartOptions{Params: r.params})
	if err != nil {
		fmt.Fprintf(r.stderr, "orca run: starting %s: %v\n", file, err)
		return exitFail
	}
	r.main = s
	r.ixn.main = s.ID()
	if httpProc != nil {
		fmt.Fprintf(r.stderr, "orca run: basichttp location %s\n", httpProc.Location(s))
	}

	// One goroutine reads standard input; done stops it from blocking on
	// the channel once the chart has finished.
	lines := make(chan inputLine)
	done := make(chan struct{})
	defer close(done)
	go readLines(stdin, lines, done)

	var timeoutC <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timeoutC = t.C
	}
	for {
		eng.Run()
		if s.Done() {
			return r.finished(s)
		}
		if !eng.Idle() {
			// A chart that keeps itself busy still honours --timeout.
			select {
			case <-timeoutC:
				return r.timedOut(s, timeout)
			default:
			}
			continue
		}
		if r.ixn.pump(eng, r.lost) > 0 {
			continue
		}
		var dueC <-chan time.Time
		var dueT *time.Timer
		due, pending := r.ixn.nextDue(eng)
		if r.clock != nil {
			// Virtual time jumps to what falls due, up to where an
			// {"advance"} line asked, or without end once input is over.
			if pending && (lines == nil || !due.After(r.until)) {
				r.clock.Set(due)
				continue
			}
			if lines != nil && r.clock.Now().Before(r.until) {
				r.clock.Set(r.until)
				continue
			}
			pending = false
		}
		if pending {
			dueT = time.NewTimer(time.Until(due))
			dueC = dueT.C
		} else if lines == nil && httpProc == nil && r.ixn.rt.InFlight() == 0 {
			fmt.Fprintln(r.stderr, "orca run: no top-level final state reached: input closed and no delayed event pending")
			return exitFail
		}
		select {
		case l, ok := <-lines:
			if ok {
				r.input(s, l)
			} else {
				lines = nil
			}
		case <-inboxC:
		case <-dueC:
		case <-timeoutC:
			return r.timedOut(s, timeout)
		}
		if dueT != nil {
			dueT.Stop()
		}
	}
}

// engineClock is the engine's clock: the virtual one of --virtual-time,
// or nil for the real clock.
func (r *runner) engineClock() interp.Clock {
	if r.clock == nil {
		return nil
	}
	return r.clock
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

// timedOut reports --timeout and returns its exit status.
func (r *runner) timedOut(s *interp.Session, timeout time.Duration) int {
	fmt.Fprintf(r.stderr, "orca run: timeout after %v; active states: %v\n", timeout, s.Active())
	return exitTimeout
}

// input handles one line of standard input.
func (r *runner) input(s *interp.Session, l inputLine) {
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
	s.Enqueue(ev)
}

// lost reports an event that arrived for a session that has ended since.
func (r *runner) lost(id string, ev *interp.Event) {
	fmt.Fprintf(r.stderr, "orca run: event %q for ended session %s dropped\n", ev.Name, id)
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
	if s != r.main && r.main != nil {
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

// macrostep prints the trace line of a macrostep of the main session.
func (r *runner) macrostep(s *interp.Session, ev *interp.Event) {
	if !r.trace || s != r.main {
		return
	}
	tl := traceLine{Atomic: s.Atomic(), Active: s.Active(), Final: s.Final() != nil}
	if ev != nil {
		tl.Event = &ev.Name
	}
	if tl.Atomic == nil {
		tl.Atomic = []string{}
	}
	if tl.Active == nil {
		tl.Active = []string{}
	}
	b, err := json.Marshal(tl)
	if err != nil {
		fmt.Fprintf(r.stderr, "orca run: trace: %v\n", err)
		return
	}
	b = append(b, '\n')
	if _, err := r.stdout.Write(b); err != nil {
		fmt.Fprintf(r.stderr, "orca run: trace: %v\n", err)
	}
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

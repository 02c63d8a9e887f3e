package strategytest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// Options configure a run of suites.
type Options struct {
	// Trace, when not nil, receives one line per completed macrostep of
	// every test: the virtual time, the event and the active states.
	Trace io.Writer
	// Log, when not nil, receives the strategies' log lines.
	Log io.Writer
	// Environment, when not nil, replaces the suites' environment files.
	Environment *ors.Environment
}

// Result is the outcome of one test.
type Result struct {
	Suite string
	Name  string
	// Failures say what did not meet the expectations; none means the
	// test passed.
	Failures []string
	// Final is the top-level final state reached ("" when none was).
	Final string
	// Virtual is the virtual time the run took; Wall the real time.
	Virtual time.Duration
	Wall    time.Duration
	// Visited are the states entered, in order; Events the events
	// processed; Logs the log lines.
	Visited []string
	Events  []string
	Logs    []string
}

// Passed reports whether the test met its expectations.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// Run runs every test of s, each in a host of its own. An error means
// the suite could not run at all (its strategy or environment does not
// load).
func Run(s *Suite, opts Options) ([]Result, error) {
	env := opts.Environment
	if env == nil {
		env = &ors.Environment{}
		if s.Environment != "" {
			e, err := ors.LoadEnvironment(s.path(s.Environment))
			if err != nil {
				return nil, err
			}
			env = e
		}
	}
	name := s.Name
	if name == "" {
		name = strings.TrimSuffix(filepathBase(s.File), ".yaml")
	}
	var out []Result
	for i := range s.Tests {
		r, err := runTest(s, &s.Tests[i], env, opts)
		if err != nil {
			return nil, err
		}
		r.Suite = name
		out = append(out, r)
	}
	return out, nil
}

// timed is something the runner does at a virtual time.
type timed struct {
	at  time.Time
	seq int
	do  func() error
}

// run is one test being run.
type run struct {
	suite *Suite
	test  *Test
	env   *ors.Environment
	opts  Options
	start time.Time

	w       *world
	rt      *ors.Runtime
	session *interp.Session

	conn     telephony.ConnID
	agents   []*agentState
	waiting  []*submit
	todo     []timed
	seq      int
	seenReqs int
	udata    telephony.UserData

	visited []string
	events  []string
	logs    []string
	errs    []string
	ended   time.Time
}

func runTest(s *Suite, t *Test, env *ors.Environment, opts Options) (Result, error) {
	wall := time.Now()
	start := defaultStart()
	for _, v := range []string{s.Start, t.Start} {
		if v != "" {
			start, _ = time.Parse(time.RFC3339, v)
		}
	}
	r := &run{suite: s, test: t, env: env, opts: opts, start: start}
	for _, a := range env.Agents {
		st := &agentState{Agent: a, ready: a.IsReady()}
		for _, o := range t.Agents {
			if o.ID == a.ID {
				st.ready = o.Ready
			}
		}
		r.agents = append(r.agents, st)
	}
	for _, o := range t.Agents {
		if r.agent(o.ID) == nil {
			return Result{Name: t.Name, Failures: []string{fmt.Sprintf("agents: no agent %q in the environment", o.ID)}}, nil
		}
	}
	params := maps.Clone(env.Params)
	if params == nil {
		params = make(map[string]any)
	}
	maps.Copy(params, s.Params)
	maps.Copy(params, t.Params)

	r.w = newWorld(start, env.Switch)
	rt := ors.New(ors.Options{
		Port:       r.w.port,
		Deliver:    r.w.deliver,
		Assign:     func(ors.Interaction) string { return r.sessionID() },
		Log:        func(_ *interp.Session, msg string) { r.log(msg) },
		Config:     ors.Config{Environment: env},
		HTTPClient: &http.Client{Transport: stubs(t.HTTP), Timeout: 10 * time.Second},
	})
	defer rt.Close()
	r.rt = rt
	engOpts := interp.Options{
		// The session under test is the first one started: its first
		// macrostep runs within Start, and what it does then counts.
		OnStart: func(sess *interp.Session) {
			if r.session == nil && sess.Parent() == nil {
				r.session = sess
			}
		},
		Datamodels:  rt.Datamodels(),
		LoadOptions: rt.LoadOptions(),
		OnDone:      rt.SessionDone,
		OnEnter: func(sess *interp.Session, st *scxml.State) {
			if sess == r.session && !st.Generated {
				r.visited = append(r.visited, st.ID)
			}
		},
		OnMacrostep: r.macrostep,
		OnEvent: func(sess *interp.Session, ev *interp.Event) {
			if sess == r.session {
				r.events = append(r.events, ev.Name)
			}
		},
		OnError: func(sess *interp.Session, err error) {
			if sess == r.session {
				r.errs = append(r.errs, err.Error())
			}
		},
		Log: func(_ *interp.Session, label, msg string) {
			if label != "" {
				msg = label + ": " + msg
			}
			r.log(msg)
		},
	}
	if err := r.w.setHost(engOpts, rt.InFlight); err != nil {
		return Result{}, err
	}
	defer r.w.close()
	r.script()

	res := Result{Name: t.Name}
	doc, err := scxml.Load(s.path(s.Strategy), rt.LoadOptions())
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.File, err)
	}
	chart, err := r.w.compile(doc)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", s.File, err)
	}
	if r.session, err = r.w.start(chart, interp.StartOptions{Params: params}); err != nil {
		res.Failures = append(res.Failures, "start: "+err.Error())
		return res, nil
	}
	if err := r.drive(); err != nil {
		res.Failures = append(res.Failures, err.Error())
	}
	res.Visited, res.Events, res.Logs = r.visited, r.events, r.logs
	if f := r.session.Final(); f != nil {
		res.Final = f.ID
	}
	end := r.w.now()
	if !r.ended.IsZero() {
		end = r.ended
	}
	res.Virtual = end.Sub(start)
	res.Failures = append(res.Failures, r.check(res)...)
	res.Wall = time.Since(wall)
	return res, nil
}

// sessionID is the id of the session under test ("" before it starts).
func (r *run) sessionID() string {
	if r.session == nil {
		return ""
	}
	return r.session.ID()
}

func (r *run) log(msg string) {
	r.logs = append(r.logs, msg)
	if r.opts.Log != nil {
		fmt.Fprintln(r.opts.Log, msg)
	}
}

// traceLine is the JSON form of a macrostep in a trace.
type traceLine struct {
	Test   string   `json:"test"`
	Time   string   `json:"time"`
	Event  string   `json:"event,omitempty"`
	Active []string `json:"active"`
	Final  bool     `json:"final,omitempty"`
}

func (r *run) macrostep(s *interp.Session, ev *interp.Event) {
	if s != r.session {
		return
	}
	if s.Final() != nil && r.ended.IsZero() {
		r.ended = r.w.now()
	}
	if r.opts.Trace == nil {
		return
	}
	tl := traceLine{Test: r.test.Name, Time: "+" + r.w.now().Sub(r.start).String(), Active: s.Active(), Final: s.Final() != nil}
	if ev != nil {
		tl.Event = ev.Name
	}
	if tl.Active == nil {
		tl.Active = []string{}
	}
	b, _ := json.Marshal(tl)
	fmt.Fprintf(r.opts.Trace, "%s\n", b)
}

// script sets how the port answers and schedules the test's call and
// steps.
func (r *run) script() {
	p := r.w.port
	// Queue submits and cancels are answered by the agents (see
	// requests), not by the port.
	p.SetDefault(telephony.KindQueueSubmit, telephony.Answer{Silent: true})
	p.SetDefault(telephony.KindQueueCancel, telephony.Answer{Silent: true})
	for kind, a := range map[telephony.RequestKind]Answer{telephony.KindTreatment: r.test.Answers.Treatment, telephony.KindRoute: r.test.Answers.Route} {
		var pa telephony.Answer
		if a.Delay != nil {
			pa.Delay = a.Delay.D()
			if pa.Delay == 0 && kind == telephony.KindTreatment {
				pa.Delay = time.Nanosecond
			}
		}
		if a.Error != 0 {
			pa.ErrorCode, pa.ErrorMessage = a.Error, fmt.Sprintf("error %d (scripted)", a.Error)
		}
		if kind == telephony.KindTreatment && a.UData != nil && a.Error == 0 {
			// Answered by the runner, which attaches the data first.
			pa = telephony.Answer{Silent: true}
		}
		p.SetDefault(kind, pa)
	}
	if c := r.test.Call; c != nil {
		r.at(c.At.D(), func() error {
			ud, err := telephony.FromNeutral(c.UData)
			if err != nil {
				return fmt.Errorf("call.udata: %w", err)
			}
			rp := c.RoutingPoint
			if rp == "" {
				rp = "RP"
			}
			typ := c.Type
			if typ == "" {
				typ = "Inbound"
			}
			r.conn = p.NewCall(telephony.Call{ThisDN: rp, ANI: c.ANI, DNIS: c.DNIS, Type: strings.ToUpper(typ[:1]) + strings.ToLower(typ[1:]), UserData: ud})
			r.udata = ud
			return nil
		})
	}
	for i := range r.test.Steps {
		st := r.test.Steps[i]
		r.at(st.At.D(), func() error { return r.step(st) })
	}
}

// at schedules do at d after the start.
func (r *run) at(d time.Duration, do func() error) {
	r.atTime(r.start.Add(d), do)
}

func (r *run) atTime(t time.Time, do func() error) {
	r.seq++
	r.todo = append(r.todo, timed{at: t, seq: r.seq, do: do})
	slices.SortFunc(r.todo, func(a, b timed) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
}

// step does one step of the test.
func (r *run) step(st Step) error {
	p := r.w.port
	switch {
	case st.Caller == "hangup":
		return r.callGone(p.Hangup(r.conn))
	case st.Caller == "abandon":
		return r.callGone(p.Abandon(r.conn))
	case st.Agent != "":
		a := r.agent(st.Agent)
		if a == nil {
			return fmt.Errorf("step at %v: no agent %q in the environment", st.At.D(), st.Agent)
		}
		if st.Release && a.on != "" {
			if _, ok := p.Call(a.on); ok {
				if err := p.Hangup(a.on); err != nil {
					return err
				}
			}
			a.on = ""
			if st.Ready == nil {
				a.ready = true
			}
		}
		if st.Ready != nil {
			a.ready = *st.Ready
		}
		return r.assign()
	case st.Event != "":
		if r.session.Done() {
			return nil
		}
		return r.w.send(r.session.ID(), &interp.Event{Name: st.Event, Type: interp.External, Data: st.Data})
	case st.UData != nil:
		ud, err := telephony.FromNeutral(st.UData)
		if err != nil {
			return err
		}
		return r.callGone(p.ChangeUserData(r.conn, ud))
	case st.Party != "":
		return r.callGone(p.ChangeParty(r.conn, st.Party))
	case st.Merge != "":
		to := p.NewCall(telephony.Call{ThisDN: st.Merge, Type: "Internal"})
		return r.callGone(p.Merge(r.conn, to))
	}
	return nil
}

// callGone ignores the error of a step on a call the strategy already
// released.
func (r *run) callGone(err error) error {
	if errors.Is(err, telephony.ErrNoSuchCall) {
		return nil
	}
	return err
}

// drive runs the test: the scheduled steps, the port's events and the
// engine's timers in time order, until the session ends or the timeout.
func (r *run) drive() error {
	timeout := r.suite.Timeout.D()
	if timeout == 0 {
		timeout = time.Hour
	}
	deadline := r.start.Add(timeout)
	if err := r.w.settle(); err != nil {
		return err
	}
	for {
		if err := r.requests(); err != nil {
			return err
		}
		if r.session.Done() {
			return nil
		}
		next, ok := r.w.nextDue()
		if len(r.todo) > 0 && (!ok || !r.todo[0].at.After(next)) {
			next, ok = r.todo[0].at, true
		}
		if !ok || next.After(deadline) {
			if err := r.w.advanceTo(deadline); err != nil {
				return err
			}
			if err := r.requests(); err != nil {
				return err
			}
			if !r.session.Done() {
				return fmt.Errorf("the session did not end within %v (active states: %s)", timeout, strings.Join(r.session.Active(), ", "))
			}
			return nil
		}
		if err := r.w.advanceTo(next); err != nil {
			return err
		}
		for len(r.todo) > 0 && !r.todo[0].at.After(r.w.now()) {
			t := r.todo[0]
			r.todo = r.todo[1:]
			if err := t.do(); err != nil {
				return err
			}
			if err := r.w.settle(); err != nil {
				return err
			}
			if err := r.requests(); err != nil {
				return err
			}
		}
	}
}

// filepathBase is the last element of a slash- or backslash-separated
// path.
func filepathBase(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

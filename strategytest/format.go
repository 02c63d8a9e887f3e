package strategytest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orca-scxml/orca/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// Suite is a test file: one strategy, the environment it runs in, and
// the tests of it.
type Suite struct {
	// File is the path the suite was read from; Strategy and
	// Environment are resolved against its directory.
	File string `yaml:"-"`
	// Name names the suite in reports ("" means the file's base name).
	Name string `yaml:"name"`
	// Strategy is the SCXML document to run: a Composer IPD entry
	// (src-gen/IPD_*.scxml) or any ORS strategy.
	Strategy string `yaml:"strategy"`
	// Environment is an environment file (ors.LoadEnvironment) for every
	// test; "" means an empty environment.
	Environment string `yaml:"environment"`
	// Params are start parameters (_data) over the environment's.
	Params map[string]any `yaml:"params"`
	// Start is when the tests start, in virtual time (RFC 3339);
	// Monday 2026-01-05 09:00 UTC when empty.
	Start string `yaml:"start"`
	// Timeout is how much virtual time a test may take before it fails
	// (1h when zero).
	Timeout Duration `yaml:"timeout"`
	Tests   []Test   `yaml:"tests"`
}

// Test is one scripted call and what must come of it.
type Test struct {
	Name string `yaml:"name"`
	// Params are start parameters over the suite's.
	Params map[string]any `yaml:"params"`
	// Start overrides the suite's start time.
	Start string `yaml:"start"`
	// Call is the call that arrives; nil runs the strategy without one.
	Call *Call `yaml:"call"`
	// Agents change the initial state of the environment's agents.
	Agents []AgentState `yaml:"agents"`
	// Steps are what the caller, the agents and other clients do, and
	// when.
	Steps []Step `yaml:"steps"`
	// HTTP answers the strategy's <session:fetch> requests; a request no
	// stub answers fails as unreachable. Nothing leaves the process.
	HTTP []HTTPStub `yaml:"http"`
	// Answers say how the telephony layer answers requests.
	Answers Answers `yaml:"answers"`
	Expect  Expect  `yaml:"expect"`
}

// Call is the call a test starts with.
type Call struct {
	// At is when it arrives (0 by default).
	At   Duration `yaml:"at"`
	ANI  string   `yaml:"ani"`
	DNIS string   `yaml:"dnis"`
	// RoutingPoint is the DN it arrives on ("RP" when empty).
	RoutingPoint string `yaml:"routing_point"`
	// Type is inbound (the default), outbound, internal or consult.
	Type string `yaml:"type"`
	// UData is the call's attached data.
	UData map[string]any `yaml:"udata"`
}

// AgentState sets whether an agent of the environment is ready at the
// start.
type AgentState struct {
	ID    string `yaml:"id"`
	Ready bool   `yaml:"ready"`
}

// Step is one thing that happens at a time. Exactly one of Caller,
// Agent, Event, UData, Party and Merge is set.
type Step struct {
	At Duration `yaml:"at"`
	// Caller is what the caller does: hangup (the call is released) or
	// abandon (the caller hangs up while the call waits).
	Caller string `yaml:"caller"`
	// Agent is an agent of the environment; Ready makes it ready or not
	// ready, Release ends the call it is on.
	Agent   string `yaml:"agent"`
	Ready   *bool  `yaml:"ready"`
	Release bool   `yaml:"release"`
	// Event sends an external event with Data to the session.
	Event string         `yaml:"event"`
	Data  map[string]any `yaml:"data"`
	// UData changes the call's attached data as another client would.
	UData map[string]any `yaml:"udata"`
	// Party reports that the call's other party is now this DN.
	Party string `yaml:"party"`
	// Merge merges the test's call into a new call to this DN (a
	// completed transfer): the session receives interaction.onmerge.
	Merge string `yaml:"merge"`
}

// HTTPStub answers the requests to one URL.
type HTTPStub struct {
	// URL is the URL requested, without its query; Method, when set,
	// the method.
	URL    string `yaml:"url"`
	Method string `yaml:"method"`
	// Status is the status code (200 when zero), Body the body,
	// ContentType its type (application/json when the body is JSON).
	Status      int    `yaml:"status"`
	Body        string `yaml:"body"`
	ContentType string `yaml:"content_type"`
}

// Answers script the telephony layer.
type Answers struct {
	// Treatment is how dialogs and treatments end.
	Treatment Answer `yaml:"treatment"`
	// Route is how routes and redirects are answered.
	Route Answer `yaml:"route"`
}

// Answer scripts the answers to one kind of request.
type Answer struct {
	// Delay is when the answer comes (for treatments, instead of their
	// own duration).
	Delay *Duration `yaml:"delay"`
	// Error, when not zero, answers with this T-Server error code.
	Error int `yaml:"error"`
	// UData, for treatments, is attached data the dialog leaves on the
	// call when it ends (what a GVP application returns).
	UData map[string]any `yaml:"udata"`
}

// Expect is what a test checks at its end.
type Expect struct {
	// Final is the top-level final state the session must reach.
	Final string `yaml:"final"`
	// Visited are states the session must enter, in this order (others
	// may come between); NotVisited states it must not enter.
	Visited    []string `yaml:"visited"`
	NotVisited []string `yaml:"not_visited"`
	// Events are events the session must process, in this order.
	Events []string `yaml:"events"`
	// Route is the destination of the first route or redirect of the
	// call; "none" means the call must not be routed.
	Route string `yaml:"route"`
	// UData are attached-data keys and values the call must carry at
	// the end (of the last data the strategy attached).
	UData map[string]any `yaml:"udata"`
	// UserEvents are UserEvents the strategy must send, in this order:
	// the DN each goes to and KVPs it must carry.
	UserEvents []UserEvent `yaml:"user_events"`
	// Logs are texts that must each appear in a log line.
	Logs []string `yaml:"logs"`
	// Within is the virtual time by which the session must end.
	Within Duration `yaml:"within"`
	// Errors, when true, allows errors (error.execution and the like)
	// in the run; by default a run that raises one fails.
	Errors bool `yaml:"errors"`
}

// UserEvent is an expected UserEvent.
type UserEvent struct {
	DN   string         `yaml:"dn"`
	Data map[string]any `yaml:"data"`
}

// Duration is a YAML duration: "30s", "1m30s", or a number of seconds.
type Duration time.Duration

// D returns the duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads "30s", "2m" or a number of seconds.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return &lineError{line: n.Line, msg: err.Error()}
	}
	*d = Duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	var secs float64
	if _, err := fmt.Sscanf(s, "%g", &secs); err == nil && secs >= 0 && fmt.Sprint(secs) == strings.TrimLeft(s, "+") {
		return time.Duration(secs * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("%q is not a duration (want 30s, 2m, 1h30m or seconds)", s)
}

// defaultStart is when tests start unless they say otherwise: a Monday
// morning.
func defaultStart() time.Time { return time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC) }

// Load reads a test file.
func Load(path string) (*Suite, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("strategytest: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a test file; file names it in errors and is the base of
// its relative paths.
func Parse(file string, data []byte) (*Suite, error) {
	s := &Suite{}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, err)
	}
	if err := yamlerr.SnakeKeys(file, &root, s); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(s); err != nil {
		return nil, yamlError(file, err)
	}
	s.File = file
	var msgs []string
	for _, e := range s.check() {
		msgs = append(msgs, file+": "+e)
	}
	if len(msgs) > 0 {
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	return s, nil
}

// check reports what decoding cannot.
func (s *Suite) check() []string {
	var errs []string
	if s.Strategy == "" {
		errs = append(errs, "strategy: the document to run is missing")
	}
	if s.Start != "" {
		if _, err := time.Parse(time.RFC3339, s.Start); err != nil {
			errs = append(errs, fmt.Sprintf("start: %v", err))
		}
	}
	if len(s.Tests) == 0 {
		errs = append(errs, "tests: no test")
	}
	for i, t := range s.Tests {
		at := fmt.Sprintf("tests[%d]", i)
		if t.Name == "" {
			errs = append(errs, at+".name: missing")
		}
		if t.Start != "" {
			if _, err := time.Parse(time.RFC3339, t.Start); err != nil {
				errs = append(errs, fmt.Sprintf("%s.start: %v", at, err))
			}
		}
		for j, st := range t.Steps {
			n := 0
			for _, set := range []bool{st.Caller != "", st.Agent != "", st.Event != "", st.UData != nil, st.Party != "", st.Merge != ""} {
				if set {
					n++
				}
			}
			where := fmt.Sprintf("%s.steps[%d]", at, j)
			switch {
			case n != 1:
				errs = append(errs, where+": want exactly one of caller, agent, event, udata, party and merge")
			case st.Caller != "" && st.Caller != "hangup" && st.Caller != "abandon":
				errs = append(errs, where+".caller: want hangup or abandon, not "+fmt.Sprintf("%q", st.Caller))
			case st.Agent != "" && st.Ready == nil && !st.Release:
				errs = append(errs, where+": an agent step needs ready or release")
			case (st.Caller != "" || st.UData != nil || st.Party != "" || st.Merge != "") && t.Call == nil:
				errs = append(errs, where+": the test has no call")
			}
		}
		if t.Call != nil {
			switch strings.ToLower(t.Call.Type) {
			case "", "inbound", "outbound", "internal", "consult":
			default:
				errs = append(errs, at+".call.type: want inbound, outbound, internal or consult")
			}
		}
	}
	return errs
}

// path resolves a path of the suite against its file's directory.
func (s *Suite) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(s.File), p)
}

// lineError is a bad value of the file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// yamlError rewrites the errors of package yaml as file:line: message.
func yamlError(name string, err error) error {
	var le *lineError
	if errors.As(err, &le) {
		return fmt.Errorf("%s:%d: %s", name, le.line, le.msg)
	}
	return yamlerr.Rewrite(name, err)
}

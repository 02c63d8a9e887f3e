package sim

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/orca-scxml/orca/telephony/wire"
)

// Config is a scenario: the switch, its agents, how customers answer, and
// the stream of callback requests a demo places. LoadConfig reads it from
// a YAML file; programs start from DefaultConfig and change fields. The
// fields tagged yaml:"-" are set by programs only.
type Config struct {
	// Seed seeds the random outcomes: the same seed and the same order
	// of requests give the same outcomes.
	Seed uint64 `yaml:"seed"`
	// Speed runs the simulated delays this many times faster than the
	// wall clock (1 when zero); ignored when Clock is set.
	Speed float64 `yaml:"speed"`

	Switch     SwitchConfig            `yaml:"switch"`
	Agents     AgentsConfig            `yaml:"agents"`
	Customers  CustomersConfig         `yaml:"customers"`
	Treatments TreatmentsConfig        `yaml:"treatments"`
	Dialogs    map[string]DialogConfig `yaml:"dialogs"`
	// Script fixes the outcomes of the calls to a number, in order: the
	// first call to the number gets the first outcome, and so on; then
	// the odds apply again.
	Script   map[string][]Outcome `yaml:"script"`
	Requests RequestsConfig       `yaml:"requests"`
	Monitor  MonitorConfig        `yaml:"monitor"`
	// Statistics configures the notifications of opened statistics.
	Statistics StatisticsConfig `yaml:"statistics"`

	// Clock is the time the delays run on (a ScaledClock of Speed when
	// nil).
	Clock Clock `yaml:"-"`
	// Log receives each EventUserEvent of the reporting DN, formatted by
	// FormatEvent (nothing is written when nil).
	Log io.Writer `yaml:"-"`
	// OnUserEvent is called with each record of the monitor.
	OnUserEvent func(Record) `yaml:"-"`
	// OnError is called with errors the simulator cannot answer with an
	// event (a message it cannot decode or publish). It is called from
	// the simulator's own goroutines, which Stop waits for: it must not
	// call Stop (hand the error to another goroutine that does).
	OnError func(error) `yaml:"-"`
}

// SwitchConfig describes the switch.
type SwitchConfig struct {
	// Name is the switch name on the subjects ("SIP_Switch").
	Name string `yaml:"name"`
	// CustomerID is the tenant of the events ("Environment").
	CustomerID string `yaml:"customer_id"`
	// ReportingDN is the DN reporting UserEvents go to and the monitor is
	// registered on ("REPORTING"); a RequestDistributeUserEvent without
	// ThisDN uses it.
	ReportingDN string `yaml:"reporting_dn"`
	// RoutePoints are routing points: calls are placed from them and
	// inbound calls arrive on them. The first is used when a make call
	// names no DN.
	RoutePoints []string `yaml:"route_points"`
	// DNs are other DNs of the switch (IVR ports, extensions).
	DNs []string `yaml:"dns"`
	// AnyDN accepts requests on DNs the configuration does not list;
	// otherwise they are answered with EventError (ErrCodeInvalidDN).
	AnyDN bool `yaml:"any_dn"`
	// WireSchema is the wire schema version the switch writes (0: the
	// newest, wire.SchemaVersion); 1 while Orca instances or Info Mart
	// readers older than version 2 read its events.
	WireSchema int `yaml:"wire_schema"`
}

// AgentsConfig is the agent pool: Count agents made from IDPrefix and
// FirstDN, plus the agents of List.
type AgentsConfig struct {
	// Count agents are named IDPrefix1..IDPrefixN ("Agent"), on DNs
	// FirstDN, FirstDN+1, ... (7001), in Groups.
	Count    int      `yaml:"count"`
	IDPrefix string   `yaml:"id_prefix"`
	FirstDN  int      `yaml:"first_dn"`
	Groups   []string `yaml:"groups"`
	// NotReady of the generated agents start not ready.
	NotReady int `yaml:"not_ready"`
	// List adds agents one by one.
	List []AgentConfig `yaml:"list"`
	// Answer is how long a call rings at an agent before the agent
	// answers.
	Answer Span `yaml:"answer"`
	// Handle is the talk time: the agent releases the call after it.
	Handle Span `yaml:"handle"`
	// WrapUp is the after-call work, not ready, before the agent is
	// ready again (none when zero).
	WrapUp Span `yaml:"wrap_up"`
	// Reserve is how long an agent selected by a queue submit waits for
	// the call before it is ready for others again (30s when zero).
	Reserve Duration `yaml:"reserve"`
	// AnyTarget lets a queue submit whose targets name no agent, place,
	// group or DN of the pool select any agent; otherwise such a submit
	// fails at once with EventError (ErrCodeInvalidDN).
	AnyTarget bool `yaml:"any_target"`
}

// AgentConfig is one agent of AgentsConfig.List.
type AgentConfig struct {
	ID     string   `yaml:"id"`
	DN     string   `yaml:"dn"`
	Place  string   `yaml:"place"`
	Groups []string `yaml:"groups"`
	// NotReady starts the agent not ready.
	NotReady bool `yaml:"not_ready"`
}

// CustomersConfig says how the customers the switch dials behave.
type CustomersConfig struct {
	// Odds weigh the outcomes of a dial attempt.
	Odds Odds `yaml:"odds"`
	// Ring is the time to the call progress result (answer, busy, ...).
	Ring Span `yaml:"ring"`
	// NoAnswer is how long an unanswered call rings when the request
	// gives no timeout (30s when zero).
	NoAnswer Duration `yaml:"no_answer"`
	// Abandon is the share (0..1) of answered customers who hang up
	// when no agent reached them within their patience.
	Abandon float64 `yaml:"abandon"`
	// Patience is how long such a customer waits for an agent.
	Patience Span `yaml:"patience"`
}

// Odds are the relative weights of the outcomes of a dial attempt; they
// need not add up to anything. All zero means every call is answered.
type Odds struct {
	Answer           float64 `yaml:"answer"`
	Busy             float64 `yaml:"busy"`
	NoAnswer         float64 `yaml:"no_answer"`
	AnsweringMachine float64 `yaml:"answering_machine"`
	Fax              float64 `yaml:"fax"`
	ErrorTone        float64 `yaml:"error_tone"`
	// Error answers the make call with EventError (an invalid number).
	Error float64 `yaml:"error"`
}

// weights returns the odds in the order of results.
func (o Odds) weights() []float64 {
	return []float64{o.Answer, o.Busy, o.NoAnswer, o.AnsweringMachine, o.Fax, o.ErrorTone, o.Error}
}

// TreatmentsConfig configures treatments (RequestApplyTreatment).
type TreatmentsConfig struct {
	// Duration is the length of a treatment whose request gives none and
	// whose resource is no dialog.
	Duration Duration `yaml:"duration"`
}

// DialogConfig is an IVR dialog: a treatment of type IVR whose resource
// is the dialog's name (dialog:start src), e.g. callback_confirm or
// callback_offer.
type DialogConfig struct {
	// Duration is how long the dialog runs.
	Duration Duration `yaml:"duration"`
	// Outcomes weigh how it ends.
	Outcomes []DialogOutcome `yaml:"outcomes"`
}

// DialogOutcome is one way a dialog ends: with EventError carrying Error
// when Error is set, else with EventTreatmentEnd; Attach is attached to
// the call first (EventAttachedDataChanged).
type DialogOutcome struct {
	Odds   float64           `yaml:"odds"`
	Error  string            `yaml:"error"`
	Attach map[string]string `yaml:"attach"`
}

// RequestsConfig is the stream of callback requests a demo places
// (orca serve --demo); Plan lists them.
type RequestsConfig struct {
	// Service is the callback service the requests go to.
	Service string `yaml:"service"`
	// Count requests are placed, the first Start after the beginning,
	// then one Every.
	Count int      `yaml:"count"`
	Start Duration `yaml:"start"`
	Every Duration `yaml:"every"`
	// Numbers are the customer numbers, used in turn; without them
	// NumberFormat ("555%04d") is formatted with 1, 2, ...
	Numbers      []string `yaml:"numbers"`
	NumberFormat string   `yaml:"number_format"`
	// Params are more parameters of every request.
	Params map[string]string `yaml:"params"`
}

// StatisticsConfig configures how the simulator notifies the virtual
// queue statistics its clients opened (RequestOpenStatistic).
type StatisticsConfig struct {
	// Notify is the least wall-clock time between two notifications of
	// one queue (DefaultStatNotify when 0): the first change after a
	// quiet Notify is published at once, the changes that follow within
	// Notify are published together when it has passed.
	Notify Duration `yaml:"notify"`
	// Lease is how long, on the wall clock, an opening lasts unless the
	// client opens the statistic again (DefaultStatLease when 0), so that
	// a client gone without closing is not notified for ever.
	Lease Duration `yaml:"lease"`
}

// Defaults of StatisticsConfig.
const (
	DefaultStatNotify = 100 * time.Millisecond
	DefaultStatLease  = 2 * time.Minute
)

// MonitorConfig configures the monitor of the reporting DN.
type MonitorConfig struct {
	// Durable names its durable consumer ("tsim_monitor_<switch>"), so
	// that a restarted simulator goes on where it stopped.
	Durable string `yaml:"durable"`
	// Location is the time zone of the log's clock times ("UTC").
	Location string `yaml:"location"`
}

// DefaultConfig returns a small working scenario: switch SIP_Switch of
// tenant Environment with reporting DN REPORTING and routing point
// RP_Callback, three agents (Agent1..3 on 7001..7003, group
// Callback_Agents) with 1s to answer and 20s to 40s of talk, and customers
// who answer after 2s to 6s.
func DefaultConfig() Config {
	return Config{
		Seed:  1,
		Speed: 1,
		Switch: SwitchConfig{Name: "SIP_Switch", CustomerID: "Environment", ReportingDN: "REPORTING",
			RoutePoints: []string{"RP_Callback"}},
		Agents: AgentsConfig{Count: 3, IDPrefix: "Agent", FirstDN: 7001, Groups: []string{"Callback_Agents"},
			Answer: Span{time.Second, time.Second}, Handle: Span{20 * time.Second, 40 * time.Second},
			Reserve: Duration(30 * time.Second)},
		Customers: CustomersConfig{Odds: Odds{Answer: 1}, Ring: Span{2 * time.Second, 6 * time.Second},
			NoAnswer: Duration(30 * time.Second)},
		Treatments: TreatmentsConfig{Duration: Duration(5 * time.Second)},
		Requests:   RequestsConfig{NumberFormat: "555%04d", Every: Duration(time.Second)},
	}
}

// withDefaults fills in what a program-made Config may leave empty.
func (c Config) withDefaults() Config {
	if c.Speed <= 0 {
		c.Speed = 1
	}
	if c.Switch.Name == "" {
		c.Switch.Name = "SIP_Switch"
	}
	if c.Switch.ReportingDN == "" {
		c.Switch.ReportingDN = "REPORTING"
	}
	if c.Statistics.Notify <= 0 {
		c.Statistics.Notify = Duration(DefaultStatNotify)
	}
	if c.Statistics.Lease <= 0 {
		c.Statistics.Lease = Duration(DefaultStatLease)
	}
	if c.Agents.IDPrefix == "" {
		c.Agents.IDPrefix = "Agent"
	}
	if c.Agents.FirstDN == 0 {
		c.Agents.FirstDN = 7001
	}
	if c.Agents.Reserve <= 0 {
		c.Agents.Reserve = Duration(30 * time.Second)
	}
	if c.Customers.NoAnswer <= 0 {
		c.Customers.NoAnswer = Duration(30 * time.Second)
	}
	if c.Requests.NumberFormat == "" {
		c.Requests.NumberFormat = "555%04d"
	}
	if c.Monitor.Durable == "" {
		c.Monitor.Durable = "tsim_monitor_" + c.Switch.Name
	}
	return c
}

// fieldError is a problem with one field, named by its YAML path.
type fieldError struct {
	path string
	msg  string
}

// Validate checks the configuration and returns every problem, one per
// line, each naming the field and the bad value.
func (c Config) Validate() error {
	if errs := c.check(); len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.path + ": " + e.msg
		}
		return fmt.Errorf("sim config: %s", strings.Join(msgs, "\n"))
	}
	return nil
}

func (c Config) check() []fieldError {
	var errs []fieldError
	bad := func(path, format string, args ...any) {
		errs = append(errs, fieldError{path, fmt.Sprintf(format, args...)})
	}
	if c.Speed < 0 {
		bad("speed", "must be positive, not %g", c.Speed)
	}
	if c.Switch.Name == "" {
		bad("switch.name", "is required")
	}
	if c.Switch.ReportingDN == "" {
		bad("switch.reporting_dn", "is required")
	}
	if err := wire.CheckSchema(c.Switch.WireSchema); err != nil {
		bad("switch.wire_schema", "%v", err)
	}
	if c.Agents.Count < 0 {
		bad("agents.count", "must not be negative, not %d", c.Agents.Count)
	}
	if c.Agents.NotReady < 0 || c.Agents.NotReady > c.Agents.Count {
		bad("agents.not_ready", "must be between 0 and agents.count (%d), not %d", c.Agents.Count, c.Agents.NotReady)
	}
	seen := map[string]string{}
	for i, a := range c.agentList() {
		if a.ID == "" {
			bad(fmt.Sprintf("agents.list.%d.id", i-c.Agents.Count), "is required")
		}
		for _, k := range []string{"agent " + a.ID, "dn " + a.DN} {
			if prev, dup := seen[k]; dup {
				bad("agents", "%s is used twice (%s and %s)", k, prev, a.ID)
			}
			seen[k] = a.ID
		}
	}
	for _, s := range []struct {
		path string
		v    Span
	}{{"agents.answer", c.Agents.Answer}, {"agents.handle", c.Agents.Handle}, {"agents.wrap_up", c.Agents.WrapUp},
		{"customers.ring", c.Customers.Ring}, {"customers.patience", c.Customers.Patience}} {
		if s.v.Min < 0 || s.v.Max < s.v.Min {
			bad(s.path, "bad range %s", s.v)
		}
	}
	for i, w := range c.Customers.Odds.weights() {
		if w < 0 {
			bad("customers.odds."+oddsKeys[i], "must not be negative, not %g", w)
		}
	}
	if c.Customers.Abandon < 0 || c.Customers.Abandon > 1 {
		bad("customers.abandon", "must be between 0 and 1, not %g", c.Customers.Abandon)
	}
	for _, name := range slices.Sorted(maps.Keys(c.Dialogs)) {
		for i, o := range c.Dialogs[name].Outcomes {
			if o.Odds < 0 {
				bad(fmt.Sprintf("dialogs.%s.outcomes.%d.odds", name, i), "must not be negative, not %g", o.Odds)
			}
		}
	}
	if c.Requests.Count < 0 {
		bad("requests.count", "must not be negative, not %d", c.Requests.Count)
	}
	if c.Requests.Count > 0 && c.Requests.Service == "" {
		bad("requests.service", "is required when requests.count is %d", c.Requests.Count)
	}
	if c.Requests.Every < 0 || c.Requests.Start < 0 {
		bad("requests", "start and every must not be negative")
	}
	if f := c.Requests.NumberFormat; f != "" && len(c.Requests.Numbers) == 0 && strings.Count(f, "%") != 1 {
		bad("requests.number_format", "must hold one %%d verb, not %q", f)
	}
	if c.Monitor.Location != "" {
		if _, err := time.LoadLocation(c.Monitor.Location); err != nil {
			bad("monitor.location", "unknown time zone %q", c.Monitor.Location)
		}
	}
	return errs
}

var oddsKeys = []string{"answer", "busy", "no_answer", "answering_machine", "fax", "error_tone", "error"}

// agentList returns every agent of the pool: the generated ones, then
// List.
func (c Config) agentList() []AgentConfig {
	out := make([]AgentConfig, 0, c.Agents.Count+len(c.Agents.List))
	for i := range c.Agents.Count {
		out = append(out, AgentConfig{
			ID: fmt.Sprintf("%s%d", c.Agents.IDPrefix, i+1), DN: fmt.Sprint(c.Agents.FirstDN + i),
			Groups: c.Agents.Groups, NotReady: i >= c.Agents.Count-c.Agents.NotReady,
		})
	}
	return append(out, c.Agents.List...)
}

package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// ErrStopped is returned by the methods of a stopped simulator.
var ErrStopped = errors.New("sim: stopped")

// historyMax bounds how many ended calls the simulator remembers.
const historyMax = 10000

// Sim is the telephony simulator: the switch side of the wire's
// subjects (a Responder) with calls, agents and customers, and a
// monitor of the reporting DN. Its methods are safe for concurrent use.
// One mutex orders every change and the events it publishes, so the
// events of a call leave in the order they happen.
type Sim struct {
	nc    *nats.Conn
	js    jetstream.JetStream
	cfg   Config
	clock Clock
	loc   *time.Location
	r     *Responder

	mu      sync.Mutex
	rng     *rand.Rand
	state   int // 0 new, 1 started, 2 stopped
	dns     map[string]bool
	calls   map[string]*call
	order   []string
	agents  []*agent
	submits []*submit
	// book is the virtual queues as a statistic source sees them (the
	// submits, their distributions); subRef numbers the submits in it.
	book   telephony.QueueBook
	subRef uint64
	// opened are the virtual queues whose statistics clients opened;
	// statVersion counts the changes of the queues; line is reused to
	// build their notifications.
	opened      map[string]*openQueue
	statVersion uint64
	line        []telephony.Queued
	scripts     map[string][]Outcome
	next        []Outcome
	connSeq     uint64
	// connBase makes the ConnIDs of one run differ from another's, as a
	// switch's ConnIDs never repeat.
	connBase uint64
	records  records
	seen     map[string]bool
	timers   map[*timer]struct{}
	// changed is closed by the next change, made when a waiter asks for
	// it (nil while none waits: a change then costs nothing).
	changed chan struct{}
	monStop func()
}

// New returns a simulator for cfg on a NATS connection the caller keeps
// owning. cfg is checked (Validate); fields a program left empty get the
// defaults of DefaultConfig's switch.
func New(nc *nats.Conn, cfg Config) (*Sim, error) {
	if nc == nil {
		return nil, errors.New("sim: no NATS connection")
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Sim{
		nc: nc, cfg: cfg, clock: cfg.Clock, loc: time.UTC,
		rng:     rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		dns:     make(map[string]bool),
		calls:   make(map[string]*call),
		scripts: make(map[string][]Outcome),
		seen:    make(map[string]bool),
		timers:  make(map[*timer]struct{}),
		opened:  make(map[string]*openQueue),
		// The states of a simulator started later are numbered
		// after this one's.
		statVersion: uint64(time.Now().UnixMicro()),
	}
	if s.clock == nil {
		s.clock = NewScaledClock(cfg.Speed)
	}
	s.connBase = 0x006E000000000000 | uint64(s.clock.Now().Unix()&0xFFFFFF)<<24
	if cfg.Monitor.Location != "" {
		s.loc, _ = time.LoadLocation(cfg.Monitor.Location)
	}
	for n, o := range cfg.Script {
		s.scripts[n] = slices.Clone(o)
	}
	for _, dn := range append(append([]string{cfg.Switch.ReportingDN}, cfg.Switch.RoutePoints...), cfg.Switch.DNs...) {
		s.dns[dn] = true
	}
	for _, a := range cfg.agentList() {
		s.agents = append(s.agents, &agent{AgentConfig: a, state: AgentLoggedOut, target: a.ID + "@" + cfg.Switch.Name + ".A"})
		s.dns[a.DN] = true
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("sim: jetstream: %w", err)
	}
	s.js = js
	r, err := NewResponder(nc, ResponderOptions{
		Switch: cfg.Switch.Name, CustomerID: cfg.Switch.CustomerID, Now: s.clock.Now, OnError: s.report,
		Schema: cfg.Switch.WireSchema,
	})
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	s.r = r
	return s, nil
}

// Config returns the configuration the simulator runs, defaults filled
// in.
func (s *Sim) Config() Config { return s.cfg }

// Clock returns the clock the simulator's delays run on.
func (s *Sim) Clock() Clock { return s.clock }

// Start subscribes to the switch's requests, starts the monitor of the
// reporting DN and logs the agents in (EventAgentLogin, then
// EventAgentReady or EventAgentNotReady on each agent's DN). ctx bounds
// the setup only; Stop ends the simulator.
func (s *Sim) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.state != 0 {
		s.mu.Unlock()
		return errors.New("sim: started twice")
	}
	s.state = 1
	s.mu.Unlock()
	if _, err := wire.EnsureStream(ctx, s.js, wire.StreamOptions{}); err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	stop, err := wire.ConsumeReporting(ctx, s.js, wire.ConsumeOptions{
		Durable:  wire.DurableName(s.cfg.Monitor.Durable),
		Subjects: []string{wire.EventSubject(s.cfg.Switch.Name, s.cfg.Switch.ReportingDN, string(telephony.EventUserEvent))},
		AckEvery: ackEvery,
	}, s.monitor)
	if err != nil {
		return fmt.Errorf("sim: monitor of %s: %w", s.cfg.Switch.ReportingDN, err)
	}
	if err := s.r.Start(ctx, s.handle); err != nil {
		stop()
		return fmt.Errorf("sim: %w", err)
	}
	// Whatever a client opened on a simulator that ran before this one
	// is not notified any more: it is told to open it again.
	if err := s.r.Notify(wire.StatSubject(s.cfg.Switch.Name, "", wire.EventStatServerStarted),
		wire.Message{Name: wire.EventStatServerStarted}); err != nil {
		s.report(fmt.Errorf("sim: announce the statistics: %w", err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.monStop = stop
	for _, a := range s.agents {
		s.login(a)
	}
	return nil
}

// Stop ends the subscriptions and every pending delay. Calls in progress
// stay as they are.
func (s *Sim) Stop() {
	s.mu.Lock()
	if s.state == 2 {
		s.mu.Unlock()
		return
	}
	s.state = 2
	for t := range s.timers {
		t.t.Stop()
	}
	clear(s.timers)
	s.stopNotifying()
	stop := s.monStop
	s.notify()
	s.mu.Unlock()
	s.r.Stop()
	if stop != nil {
		stop()
	}
}

// Now returns the simulator's time.
func (s *Sim) Now() time.Time { return s.clock.Now() }

// Script fixes the outcomes of the next calls to number, in order, ahead
// of those the configuration scripts.
func (s *Sim) Script(number string, outcomes ...Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scripts[number] = append(slices.Clone(outcomes), s.scripts[number]...)
}

// ScriptNext fixes the outcomes of the next calls to numbers without a
// script of their own, in order.
func (s *Sim) ScriptNext(outcomes ...Outcome) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = append(s.next, outcomes...)
}

// outcomeFor returns the outcome of a call to number; s.mu is held.
func (s *Sim) outcomeFor(number string) Outcome {
	if q := s.scripts[number]; len(q) > 0 {
		s.scripts[number] = q[1:]
		return q[0]
	}
	if len(s.next) > 0 {
		o := s.next[0]
		s.next = s.next[1:]
		return o
	}
	return s.draw()
}

// Wait blocks until cond returns true, re-checking it after every change
// of the simulator, or until ctx is done. cond may call the simulator's
// methods.
func (s *Sim) Wait(ctx context.Context, cond func() bool) error {
	for {
		s.mu.Lock()
		if s.changed == nil {
			s.changed = make(chan struct{})
		}
		ch, stopped := s.changed, s.state == 2
		s.mu.Unlock()
		if cond() {
			return nil
		}
		if stopped {
			return ErrStopped
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("sim: wait: %w", ctx.Err())
		}
	}
}

// notify wakes the waiters; s.mu is held.
func (s *Sim) notify() {
	if s.changed != nil {
		close(s.changed)
		s.changed = nil
	}
}

func (s *Sim) report(err error) {
	if s.cfg.OnError != nil && err != nil {
		s.cfg.OnError(err)
	}
}

// timer is a pending delay of the simulator.
type timer struct{ t Timer }

// after runs f with s.mu held once d has passed, unless the simulator
// stopped or the returned timer was stopped; s.mu is held.
func (s *Sim) after(d time.Duration, f func()) *timer {
	t := &timer{}
	s.timers[t] = struct{}{}
	t.t = s.clock.AfterFunc(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if _, ok := s.timers[t]; !ok || s.state != 1 {
			return
		}
		delete(s.timers, t)
		f()
		s.notify()
	})
	return t
}

// cancel stops a delay; s.mu is held.
func (s *Sim) cancel(t *timer) {
	if t == nil {
		return
	}
	if _, ok := s.timers[t]; ok {
		delete(s.timers, t)
		t.t.Stop()
	}
}

// handle answers one request of the switch. The request is decoded for
// it alone (the responder's subscriptions and reporting consumer): a call
// keeps its user data without a copy, and copies before it changes them
// (call.editUserData).
func (s *Sim) handle(req wire.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != 1 {
		return ErrStopped
	}
	defer s.notify()
	switch req.Name {
	case wire.RequestMakeCall:
		return s.makeCall(req)
	case wire.RequestAttachUserData, wire.RequestUpdateUserData, wire.RequestDeleteUserData:
		return s.userData(req)
	case wire.RequestDistributeUserEvent:
		return s.userEvent(req)
	case wire.RequestRouteCall, wire.RequestRedirectCall:
		return s.route(req)
	case wire.RequestReleaseCall:
		return s.release(req)
	case wire.RequestApplyTreatment:
		return s.treatment(req)
	case wire.RequestQueueSubmit:
		return s.queueSubmit(req)
	case wire.RequestQueueCancel:
		return s.queueCancel(req)
	case wire.RequestQueryCall:
		return s.queryCall(req)
	case wire.RequestGetStatistic:
		return s.getStatistic(req)
	case wire.RequestOpenStatistic:
		return s.openStatistic(req)
	case wire.RequestCloseStatistic:
		return s.closeStatistic(req)
	}
	return s.fail(req, 1, "unknown request "+req.Name)
}

// fail answers req with EventError; s.mu is held.
func (s *Sim) fail(req wire.Message, code int, msg string) error {
	return s.answer(req, wire.Message{Name: string(telephony.EventError), ConnID: req.ConnID, ThisDN: req.ThisDN,
		ErrorCode: code, ErrorMessage: msg})
}

// answer sends events in answer to req; s.mu is held.
func (s *Sim) answer(req wire.Message, evs ...wire.Message) error {
	for i := range evs {
		if c := s.calls[evs[i].ConnID]; c != nil && !wire.AnswerOnly(evs[i].Name) {
			c.Events = append(c.Events, evs[i].Name)
		}
	}
	if err := s.r.Answer(req, evs...); err != nil {
		s.report(fmt.Errorf("sim: answer %s ref %d: %w", req.Name, req.ReferenceID, err))
		return err
	}
	return nil
}

// publish sends an unsolicited event; s.mu is held.
func (s *Sim) publish(ev wire.Message) {
	if c := s.calls[ev.ConnID]; c != nil {
		c.Events = append(c.Events, ev.Name)
	}
	if err := s.r.Publish(ev); err != nil {
		s.report(fmt.Errorf("sim: publish %s on %s: %w", ev.Name, ev.ThisDN, err))
	}
}

// knownDN says whether requests may name dn; s.mu is held.
func (s *Sim) knownDN(dn string) bool { return s.cfg.Switch.AnyDN || s.dns[dn] }

package sim

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// AgentState is an agent's availability.
type AgentState string

// The agent states.
const (
	AgentLoggedOut AgentState = "logged out"
	AgentReady     AgentState = "ready"
	AgentNotReady  AgentState = "not ready"
	// AgentReserved: a queue submit selected the agent, who waits for
	// the call.
	AgentReserved AgentState = "reserved"
	// AgentBusy: on a call.
	AgentBusy AgentState = "busy"
	// AgentWrapUp: after-call work, not ready.
	AgentWrapUp AgentState = "wrap-up"
)

// Agent is a snapshot of an agent of the pool.
type Agent struct {
	AgentConfig
	State AgentState
	// ConnID is the call the agent is reserved for or on.
	ConnID string
	// Calls counts the calls the agent finished.
	Calls int
}

// agent is the simulator's state of an agent.
type agent struct {
	AgentConfig
	state     AgentState
	conn      string
	calls     int
	idleSince time.Time
	reserved  *timer
	wrap      *timer
	// holder is the Orca instance whose submit reserved the agent.
	holder string
	// target is the agent as EventTargetSelected names it:
	// "<agent>@<switch>.A", made once.
	target string
}

// takes says whether the agent may receive call conn routed by Orca
// instance origin: a ready agent takes any call; a reserved one the call
// it was reserved for, or any call the instance that reserved it routes
// (T-Server's agent reservation holds the agent for the client that made
// it, which may then route another call to it: the customer's call of a
// callback that reserved the agent with its virtual interaction).
func (a *agent) takes(conn, origin string) bool {
	return a.state == AgentReady || (a.state == AgentReserved && (a.conn == conn || a.holder != "" && a.holder == origin))
}

// Agents returns the agents of the pool, in configuration order.
func (s *Sim) Agents() []Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Agent, len(s.agents))
	for i, a := range s.agents {
		out[i] = Agent{AgentConfig: a.AgentConfig, State: a.state, ConnID: a.conn, Calls: a.calls}
		out[i].Groups = slices.Clone(a.Groups)
	}
	return out
}

// SetReady makes an agent ready (EventAgentReady; waiting submits may
// select it) or not ready (EventAgentNotReady) once the agent has no
// call. It fails for an unknown agent.
func (s *Sim) SetReady(agentID string, ready bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != 1 {
		return ErrStopped
	}
	for _, a := range s.agents {
		if a.ID != agentID {
			continue
		}
		a.NotReady = !ready
		if a.state == AgentReady || a.state == AgentNotReady {
			s.setState(a, "")
		}
		s.notify()
		return nil
	}
	return fmt.Errorf("sim: no agent %q", agentID)
}

// agentEvent publishes an agent event on the agent's DN; s.mu is held.
func (s *Sim) agentEvent(a *agent, name telephony.EventType, reason string) {
	s.publish(wire.Message{Name: string(name), ThisDN: a.DN, AgentID: a.ID, Place: a.Place, Reason: reason})
}

// login logs an agent in; s.mu is held.
func (s *Sim) login(a *agent) {
	s.agentEvent(a, wire.EventAgentLogin, "")
	s.setState(a, "")
}

// setState makes a free agent ready or not ready, as configured, with
// the events; s.mu is held.
func (s *Sim) setState(a *agent, reason string) {
	a.conn, a.holder = "", ""
	if a.NotReady {
		a.state = AgentNotReady
		s.agentEvent(a, wire.EventAgentNotReady, reason)
		return
	}
	a.state, a.idleSince = AgentReady, s.clock.Now()
	s.agentEvent(a, wire.EventAgentReady, "")
	s.serve()
}

// afterCall puts an agent whose call ended into wrap-up, then makes it
// ready; s.mu is held.
func (s *Sim) afterCall(a *agent) {
	a.calls++
	s.cancel(a.reserved)
	a.reserved = nil
	wrap := span(s.rng, s.cfg.Agents.WrapUp)
	if wrap <= 0 {
		s.setState(a, "")
		return
	}
	a.state, a.conn = AgentWrapUp, ""
	s.agentEvent(a, wire.EventAgentNotReady, "AfterCallWork")
	a.wrap = s.after(wrap, func() {
		a.wrap = nil
		s.setState(a, "")
	})
}

// agentFor returns the agent a destination or target names: its DN, its
// ID or place, alone or as a target "NAME@SWITCH.TYPE"; s.mu is held.
func (s *Sim) agentFor(to string) *agent {
	name := targetName(to)
	for _, a := range s.agents {
		if a.DN == to || a.DN == name || a.ID == name || (a.Place != "" && a.Place == name) {
			return a
		}
	}
	return nil
}

// targetName is the name of a target: "Agent1@SIP_Switch.A" → "Agent1".
func targetName(t string) string {
	name, _, _ := strings.Cut(t, "@")
	return name
}

// submit is a queue submit waiting for an agent.
type submit struct {
	req      wire.Message
	eligible []*agent
	timeout  *timer
	// ref is the submit's entry in the simulator's QueueBook.
	ref telephony.ReferenceID
}

// eligible returns the agents the targets name (an agent, place, DN or
// group); s.mu is held.
func (s *Sim) eligible(targets []string) []*agent {
	// Room for every agent: one allocation, however many the targets
	// name.
	out := make([]*agent, 0, len(s.agents))
	for _, a := range s.agents {
		for _, t := range targets {
			n := targetName(t)
			if a.ID == n || a.DN == n || (a.Place != "" && a.Place == n) || slices.Contains(a.Groups, n) {
				out = append(out, a)
				break
			}
		}
	}
	if len(out) == 0 && s.cfg.Agents.AnyTarget {
		out = append(out, s.agents...)
	}
	return out
}

// queueSubmit looks for an agent among the targets: EventTargetSelected
// at once when one is ready (the one ready longest), else when one
// becomes ready, or EventError with ErrCodeTimeout after the submit's
// timeout.
func (s *Sim) queueSubmit(req wire.Message) error {
	if c := s.calls[req.ConnID]; c != nil {
		if c.State.Ended() {
			return s.fail(req, telephony.ErrCodeNoSuchCall, "no such call: "+req.ConnID)
		}
		s.adopt(c, req)
	}
	el := s.eligible(req.Targets)
	if len(el) == 0 {
		return s.fail(req, telephony.ErrCodeInvalidDN, fmt.Sprintf("no agent, place, group or DN matches targets %q", req.Targets))
	}
	s.subRef++
	sub := &submit{req: req, eligible: el, ref: telephony.ReferenceID(s.subRef)}
	s.book.Enter(sub.ref, req.Queue, telephony.ConnID(req.ConnID), req.Priority, s.clock.Now())
	s.queueChanged(req.Queue)
	if t := time.Duration(req.TimeoutMs) * time.Millisecond; t > 0 {
		sub.timeout = s.after(t, func() {
			s.removeSubmit(sub)
			_ = s.fail(sub.req, telephony.ErrCodeTimeout, "no target found before the timeout")
		})
	}
	i := len(s.submits)
	for i > 0 && s.submits[i-1].req.Priority < req.Priority {
		i--
	}
	s.submits = slices.Insert(s.submits, i, sub)
	s.serve()
	return nil
}

// serve gives ready agents to the waiting submits, in queue order; s.mu
// is held.
func (s *Sim) serve() {
	for i := 0; i < len(s.submits); {
		sub := s.submits[i]
		var best *agent
		for _, a := range sub.eligible {
			if a.state == AgentReady && (best == nil || a.idleSince.Before(best.idleSince)) {
				best = a
			}
		}
		if best == nil {
			i++
			continue
		}
		s.submits = slices.Delete(s.submits, i, i+1)
		s.cancel(sub.timeout)
		s.book.Distribute(sub.ref, s.clock.Now())
		s.queueChanged(sub.req.Queue)
		best.state, best.conn, best.holder = AgentReserved, sub.req.ConnID, sub.req.Origin
		a := best
		a.reserved = s.after(s.cfg.Agents.Reserve.D(), func() {
			a.reserved = nil
			s.setState(a, "")
		})
		ev := wire.Message{Name: string(telephony.EventTargetSelected), ConnID: sub.req.ConnID, ThisDN: sub.req.RoutePoint,
			OtherDN: a.DN, Target: a.target, AgentID: a.ID, Place: a.Place}
		if c := s.calls[sub.req.ConnID]; c != nil {
			ev.CallID, ev.UserData = c.CallID, c.sharedUserData()
		}
		_ = s.answer(sub.req, ev)
	}
}

// removeSubmit takes sub out of the queue; s.mu is held.
func (s *Sim) removeSubmit(sub *submit) bool {
	i := slices.Index(s.submits, sub)
	if i < 0 {
		return false
	}
	s.submits = slices.Delete(s.submits, i, i+1)
	s.cancel(sub.timeout)
	s.book.Leave(sub.ref)
	s.queueChanged(sub.req.Queue)
	return true
}

// dropSubmits fails the waiting submits of a call that ended in state
// st; s.mu is held. A call without any (nearly every call) costs no
// allocation.
func (s *Sim) dropSubmits(conn string, code int, st CallState) {
	if !slices.ContainsFunc(s.submits, func(sub *submit) bool { return sub.req.ConnID == conn }) {
		return
	}
	msg := "call " + string(st)
	for _, sub := range slices.Clone(s.submits) {
		if sub.req.ConnID == conn && s.removeSubmit(sub) {
			_ = s.fail(sub.req, code, msg)
		}
	}
}

// queueCancel withdraws a waiting submit: it fails with
// ErrCodeCancelled, and the cancel is answered with EventACK.
func (s *Sim) queueCancel(req wire.Message) error {
	for _, sub := range s.submits {
		if sub.req.Origin == req.Origin && sub.req.ReferenceID == req.SubmitRef {
			s.removeSubmit(sub)
			_ = s.fail(sub.req, telephony.ErrCodeCancelled, "cancelled")
			return s.answer(req, wire.Message{Name: string(telephony.EventACK), ConnID: req.ConnID})
		}
	}
	return s.fail(req, telephony.ErrCodeCancelled, "no pending submit to cancel")
}

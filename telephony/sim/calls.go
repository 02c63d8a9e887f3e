package sim

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// CallState is where a call is in its life.
type CallState string

// The call states.
const (
	// CallDialing: the switch is dialing the customer.
	CallDialing CallState = "dialing"
	// CallQueued: an inbound call waits on a routing point.
	CallQueued CallState = "queued"
	// CallEstablished: the customer is on the line, with no agent.
	CallEstablished CallState = "established"
	// CallRinging: the call rings at an agent.
	CallRinging CallState = "ringing"
	// CallTalking: the customer talks with an agent.
	CallTalking CallState = "talking"
	// CallFailed: the dial attempt ended without a person (busy, no
	// answer, machine, fax, error tone).
	CallFailed CallState = "failed"
	// CallAbandoned: the customer hung up before reaching an agent.
	CallAbandoned CallState = "abandoned"
	// CallReleased: the call was released.
	CallReleased CallState = "released"
)

// Ended reports whether the call is over.
func (st CallState) Ended() bool {
	return st == CallFailed || st == CallAbandoned || st == CallReleased
}

// Call is a snapshot of a call the simulator knows.
type Call struct {
	ConnID, CallID string
	// ThisDN is the DN the call is on now, OtherDN the other party.
	ThisDN, OtherDN string
	CallType        string
	ANI, DNIS       string
	// Origin is the Orca instance that owns the call: its events go to
	// that instance's reply subject.
	Origin string
	State  CallState
	// Result is the call progress result of a dial attempt.
	Result Result
	// Agent is the ID of the agent the call went to.
	Agent string
	// UserData is the call's attached data.
	UserData telephony.UserData
	// Events are the names of the events published about the call, in
	// order (answers included, EventACK and EventError not).
	Events         []string
	Started, Ended time.Time
}

// call is the simulator's state of a call.
type call struct {
	Call
	// ref is the ReferenceID of the RequestMakeCall that made the call.
	ref      uint64
	patience *timer
	pending  *timer
	// events is where Events starts: room for a callback's call's
	// events, allocated with the call rather than grown five times.
	events [callEvents]string
}

// callEvents is the room a call's Events start with.
const callEvents = 16

// Calls returns every call, oldest first.
func (s *Sim) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.calls[id].snapshot())
	}
	return out
}

// Call returns the call with the given ConnID.
func (s *Sim) Call(connID string) (Call, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls[connID]
	if c == nil {
		return Call{}, false
	}
	return c.snapshot(), true
}

// AttachedData returns the attached data of a call.
func (s *Sim) AttachedData(connID string) (telephony.UserData, bool) {
	c, ok := s.Call(connID)
	return c.UserData, ok
}

func (c *call) snapshot() Call {
	cp := c.Call
	cp.UserData = c.UserData.Clone()
	cp.Events = slices.Clone(c.Events)
	return cp
}

// connID formats a ConnID as T-Server does: 16 upper-case hexadecimal
// digits (fmt's "%016X", without boxing the number).
func connID(n uint64) string {
	const digits = "0123456789ABCDEF"
	var b [16]byte
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = digits[n&0xF]
		n >>= 4
	}
	return string(b[:])
}

// newCall adds a call; s.mu is held.
func (s *Sim) newCall(c Call) *call {
	s.connSeq++
	c.ConnID = connID(s.connBase + s.connSeq)
	c.CallID = strconv.FormatUint(100000+s.connSeq, 10)
	c.Started = s.clock.Now()
	st := &call{Call: c}
	st.Events = st.events[:0]
	s.calls[c.ConnID] = st
	s.order = append(s.order, c.ConnID)
	if len(s.order) > historyMax {
		for i, id := range s.order {
			if s.calls[id].State.Ended() {
				delete(s.calls, id)
				s.order = slices.Delete(s.order, i, i+1)
				break
			}
		}
	}
	return st
}

// msg is an event named name about c, without Origin; s.mu is held.
func (c *call) msg(name telephony.EventType) wire.Message {
	return wire.Message{Name: string(name), ConnID: c.ConnID, CallID: c.CallID, ThisDN: c.ThisDN, OtherDN: c.OtherDN,
		CallType: c.CallType, ANI: c.ANI, DNIS: c.DNIS, UserData: c.sharedUserData()}
}

// sharedUserData returns the call's user data for an event: the list
// itself, which the call copies before it changes it (editUserData), so
// that the events made before keep what they carried.
func (c *call) sharedUserData() telephony.UserData {
	return c.UserData[:len(c.UserData):len(c.UserData)]
}

// editUserData returns the call's user data to change, a copy of the
// list the events made so far share. Nested lists are never changed in
// place (a pair's value is replaced), so they stay shared.
func (c *call) editUserData() *telephony.UserData {
	c.UserData = slices.Clone(c.UserData)
	return &c.UserData
}

// emit publishes an unsolicited event about c to its owner and its DN,
// with the call progress result given (none when empty); s.mu is held.
func (s *Sim) emit(c *call, name telephony.EventType, result Result) {
	m := c.msg(name)
	m.Origin = c.Origin
	m.CallResult = string(result)
	s.publish(m)
}

// adopt makes the instance of req the owner of c when it has none; s.mu
// is held.
func (s *Sim) adopt(c *call, req wire.Message) {
	if c.Origin == "" {
		c.Origin = req.Origin
	}
}

// liveCall returns the call req is about, or answers EventError; s.mu is
// held.
func (s *Sim) liveCall(req wire.Message) (*call, error) {
	c := s.calls[req.ConnID]
	if c == nil || c.State.Ended() {
		return nil, s.fail(req, telephony.ErrCodeNoSuchCall, "no such call: "+req.ConnID)
	}
	s.adopt(c, req)
	return c, nil
}

// makeCall dials: after the ring time, EventDialing answers the request
// with the call progress result, then EventEstablished or EventReleased.
// A call placed from an agent (its DN, or a target naming it, as agent-first
// callbacks dial) puts the agent on the call once the customer answers;
// the agent releases it after the handle time.
func (s *Sim) makeCall(req wire.Message) error {
	dn := req.ThisDN
	if dn == "" && len(s.cfg.Switch.RoutePoints) > 0 {
		dn = s.cfg.Switch.RoutePoints[0]
	}
	by := s.agentFor(dn)
	if by != nil {
		dn = by.DN
	}
	switch {
	case dn == "" || !s.knownDN(dn):
		return s.fail(req, telephony.ErrCodeInvalidDN, fmt.Sprintf("DN %q is not configured on switch %s", dn, s.cfg.Switch.Name))
	case req.Destination == "":
		return s.fail(req, telephony.ErrCodeInvalidDN, "no destination")
	}
	o := s.outcomeFor(req.Destination)
	if o.Result == ResultError {
		return s.fail(req, telephony.ErrCodeInvalidDN, "invalid destination "+req.Destination)
	}
	timeout := time.Duration(req.TimeoutMs) * time.Millisecond
	ring := o.Ring
	switch {
	case o.Result == ResultNoAnswer && timeout > 0:
		ring = timeout
	case o.Result == ResultNoAnswer && ring == 0:
		ring = s.cfg.Customers.NoAnswer.D()
	case timeout > 0 && ring > timeout:
		o.Result, ring = ResultNoAnswer, timeout
	}
	c := s.newCall(Call{ThisDN: dn, OtherDN: req.Destination, DNIS: req.Destination, ANI: dn, CallType: "Outbound",
		Origin: req.Origin, State: CallDialing, Result: o.Result, UserData: req.UserData})
	c.ref = req.ReferenceID
	c.pending = s.after(ring, func() { s.progress(req, c, o, by) })
	return nil
}

// progress reports the call progress result of a dial attempt placed by
// agent by (nil for a call from a DN).
func (s *Sim) progress(req wire.Message, c *call, o Outcome, by *agent) {
	c.pending = nil
	d := c.msg(telephony.EventDialing)
	d.CallResult = string(o.Result)
	_ = s.answer(req, d)
	s.emit(c, telephony.EventCallProgress, o.Result)
	if o.Result != ResultAnswer {
		s.end(c, CallFailed, nil, o.Result)
		return
	}
	c.State = CallEstablished
	s.emit(c, telephony.EventEstablished, "")
	if by == nil {
		s.waitPatience(c, o.Patience)
		return
	}
	s.cancel(by.reserved)
	by.reserved = nil
	by.state, by.conn = AgentBusy, c.ConnID
	c.State, c.Agent = CallTalking, by.ID
	c.pending = s.after(span(s.rng, s.cfg.Agents.Handle), func() {
		c.pending = nil
		s.end(c, CallReleased, nil, "")
	})
}

// waitPatience has the customer hang up after patience unless an agent
// answers first; s.mu is held.
func (s *Sim) waitPatience(c *call, patience time.Duration) {
	if patience > 0 {
		c.patience = s.after(patience, func() { s.end(c, CallAbandoned, nil, "") })
	}
}

// end ends a call: EventAbandoned for CallAbandoned, else EventReleased
// (in answer to req when given). The agent of the call goes to wrap-up and
// the call's pending submits fail. The event carries the call progress
// result given (none when empty). s.mu is held.
func (s *Sim) end(c *call, st CallState, req *wire.Message, result Result) {
	s.cancel(c.patience)
	s.cancel(c.pending)
	c.patience, c.pending = nil, nil
	name := telephony.EventReleased
	if st == CallAbandoned {
		name = telephony.EventAbandoned
	}
	c.State, c.Ended = st, s.clock.Now()
	if req != nil {
		m := c.msg(name)
		m.CallResult = string(result)
		_ = s.answer(*req, m)
	} else {
		s.emit(c, name, result)
	}
	for _, a := range s.agents {
		switch {
		case a.conn != c.ConnID:
		case a.state == AgentReserved:
			s.cancel(a.reserved)
			a.reserved = nil
			s.setState(a, "")
		default:
			s.afterCall(a)
		}
	}
	s.dropSubmits(c.ConnID, telephony.ErrCodeNoSuchCall, st)
}

// userData attaches, updates or deletes user data: EventAttachedDataChanged
// with the call's whole data.
func (s *Sim) userData(req wire.Message) error {
	c, err := s.liveCall(req)
	if c == nil {
		return err
	}
	ud := req.UserData
	switch req.Name {
	case wire.RequestAttachUserData:
		// The list is full: append copies it.
		c.UserData = append(c.sharedUserData(), ud...)
	case wire.RequestUpdateUserData:
		c.editUserData().Update(ud)
	default:
		if len(ud) == 0 {
			c.UserData = nil
		}
		edit := c.editUserData()
		for _, kv := range ud {
			edit.Delete(kv.Key)
		}
	}
	return s.answer(req, c.msg(telephony.EventAttachedDataChanged))
}

// userEvent distributes a user event: EventACK, and EventUserEvent on the
// DN (the reporting DN when the request names none).
func (s *Sim) userEvent(req wire.Message) error {
	dn := req.ThisDN
	if dn == "" {
		dn = s.cfg.Switch.ReportingDN
	}
	if !s.knownDN(dn) {
		return s.fail(req, telephony.ErrCodeInvalidDN, fmt.Sprintf("DN %q is not configured on switch %s", dn, s.cfg.Switch.Name))
	}
	ev := wire.Message{Name: string(telephony.EventUserEvent), ThisDN: dn, ConnID: req.ConnID, UserData: req.UserData}
	if c := s.calls[req.ConnID]; c != nil {
		ev.CallID, ev.ANI, ev.DNIS = c.CallID, c.ANI, c.DNIS
	}
	return s.answer(req, wire.Message{Name: string(telephony.EventACK), ThisDN: dn, ConnID: req.ConnID}, ev)
}

// route routes or redirects a call: to an agent (EventRouteUsed,
// EventRinging and, after the agent's answer time, EventEstablished on the
// agent's DN; the agent releases it after the handle time), or to another
// DN of the switch.
func (s *Sim) route(req wire.Message) error {
	c, err := s.liveCall(req)
	if c == nil {
		return err
	}
	from := req.ThisDN
	if from == "" {
		from = c.ThisDN
	}
	c.editUserData().Update(req.UserData)
	used := func(to string) wire.Message {
		m := c.msg(telephony.EventRouteUsed)
		m.ThisDN, m.OtherDN = from, to
		return m
	}
	a := s.agentFor(req.OtherDN)
	if a == nil {
		if req.OtherDN == "" || !s.dns[req.OtherDN] {
			return s.fail(req, telephony.ErrCodeInvalidDN, fmt.Sprintf("destination %q is no DN or agent of switch %s", req.OtherDN, s.cfg.Switch.Name))
		}
		c.ThisDN, c.OtherDN = req.OtherDN, from
		return s.answer(req, used(req.OtherDN))
	}
	if !a.takes(c.ConnID, req.Origin) {
		return s.fail(req, telephony.ErrCodeInvalidDN, fmt.Sprintf("agent %s (DN %s) is %s", a.ID, a.DN, a.state))
	}
	if err := s.answer(req, used(a.DN)); err != nil {
		return err
	}
	s.cancel(c.patience)
	s.cancel(a.reserved)
	c.patience, a.reserved = nil, nil
	a.state, a.conn = AgentBusy, c.ConnID
	c.ThisDN, c.OtherDN, c.State, c.Agent = a.DN, c.DNIS, CallRinging, a.ID
	s.emit(c, telephony.EventRinging, "")
	c.pending = s.after(span(s.rng, s.cfg.Agents.Answer), func() {
		c.State = CallTalking
		s.emit(c, telephony.EventEstablished, "")
		c.pending = s.after(span(s.rng, s.cfg.Agents.Handle), func() {
			c.pending = nil
			s.end(c, CallReleased, nil, "")
		})
	})
	return nil
}

// release releases a call: EventReleased.
func (s *Sim) release(req wire.Message) error {
	c, err := s.liveCall(req)
	if c == nil {
		return err
	}
	s.end(c, CallReleased, &req, "")
	return nil
}

// treatment plays a treatment or runs a dialog, then answers with
// EventTreatmentEnd (or the dialog's EventError).
func (s *Sim) treatment(req wire.Message) error {
	c, err := s.liveCall(req)
	if c == nil {
		return err
	}
	d := time.Duration(req.DurationMs) * time.Millisecond
	dlg, isDialog := s.cfg.Dialogs[req.Resource]
	switch {
	case isDialog:
		d = dlg.Duration.D()
	case d == 0:
		d = s.cfg.Treatments.Duration.D()
	}
	s.after(d, func() {
		if c.State.Ended() {
			return
		}
		var o DialogOutcome
		if isDialog && len(dlg.Outcomes) > 0 {
			w := make([]float64, len(dlg.Outcomes))
			for i, x := range dlg.Outcomes {
				w[i] = x.Odds
			}
			o = pick(s.rng, dlg.Outcomes, w, dlg.Outcomes[0])
		}
		if len(o.Attach) > 0 {
			edit := c.editUserData()
			for _, k := range slices.Sorted(maps.Keys(o.Attach)) {
				edit.Set(k, o.Attach[k])
			}
			s.emit(c, telephony.EventAttachedDataChanged, "")
		}
		if o.Error != "" {
			_ = s.fail(req, ErrCodeDialog, o.Error)
			return
		}
		_ = s.answer(req, c.msg(telephony.EventTreatmentEnd))
	})
	return nil
}

// ErrCodeDialog is the ErrorCode of the EventError a dialog that ends
// with an error answers with.
const ErrCodeDialog = 1101

// InboundCall makes a customer call a routing point: EventRouteRequest is
// broadcast on it, for the Orca instances registered there; the first
// instance that sends a request about the call owns it. The customer hangs
// up after a patience drawn from the customers' abandon odds. It returns
// the call's ConnID.
func (s *Sim) InboundCall(routePoint, ani string, ud telephony.UserData) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != 1 {
		return "", ErrStopped
	}
	if !s.knownDN(routePoint) {
		return "", fmt.Errorf("sim: inbound call: DN %q is not configured on switch %s", routePoint, s.cfg.Switch.Name)
	}
	c := s.newCall(Call{ThisDN: routePoint, DNIS: routePoint, ANI: ani, CallType: "Inbound", State: CallQueued, UserData: ud.Clone()})
	s.emit(c, telephony.EventRouteRequest, "")
	if cu := s.cfg.Customers; cu.Abandon > 0 && s.rng.Float64() < cu.Abandon {
		s.waitPatience(c, max(span(s.rng, cu.Patience), time.Millisecond))
	}
	s.notify()
	return c.ConnID, nil
}

// Abandon makes the customer of a call hang up before reaching an agent:
// EventAbandoned.
func (s *Sim) Abandon(connID string) error { return s.hangup(connID, CallAbandoned) }

// Hangup makes the customer of a call hang up: EventReleased.
func (s *Sim) Hangup(connID string) error { return s.hangup(connID, CallReleased) }

func (s *Sim) hangup(connID string, st CallState) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != 1 {
		return ErrStopped
	}
	c := s.calls[connID]
	if c == nil || c.State.Ended() {
		return fmt.Errorf("sim: no call %q in progress", connID)
	}
	s.end(c, st, nil, "")
	s.notify()
	return nil
}

// queryCall answers RequestQueryCall: the events about the call after
// AfterSeq again, to the asking instance, then EventPartyInfo with the
// call's state; EventError when the simulator does not know the call
// (any more).
func (s *Sim) queryCall(req wire.Message) error {
	c := s.calls[req.ConnID]
	if req.ConnID == "" && req.CallRef != 0 {
		for _, id := range slices.Backward(s.order) {
			if x := s.calls[id]; x.ref == req.CallRef && x.Origin == req.Origin {
				c = x
				break
			}
		}
	}
	if c == nil {
		what := "call " + req.ConnID
		if req.ConnID == "" {
			what = fmt.Sprintf("call made by request %d of %s", req.CallRef, req.Origin)
		}
		return s.fail(req, telephony.ErrCodeNoSuchCall, "no such call: "+what)
	}
	if _, err := s.r.Resend(req.Origin, c.ConnID, req.AfterSeq); err != nil {
		s.report(fmt.Errorf("sim: %w", err))
	}
	info := c.msg(wire.EventPartyInfo)
	info.CallState, info.CallResult = string(c.State), string(c.Result)
	return s.answer(req, info)
}

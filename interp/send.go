package interp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orca-scxml/orca/scxml"
)

// scxmlProcessor is the type URI of the SCXML Event I/O Processor (C.1).
const scxmlProcessor = "http://www.w3.org/TR/scxml/#SCXMLEventProcessor"

func isSCXMLType(t string) bool {
	return t == "" || t == scxmlProcessor || t == "scxml"
}

// send executes <send> (§6.2).
func (s *Session) send(x *scxml.Send) error {
	ev := Event{Name: x.Event, Type: External}
	var err error
	if x.EventExpr != nil {
		if ev.Name, err = s.dm.EvalString(x.EventExpr); err != nil {
			return err
		}
	}
	target := x.Target
	if x.TargetExpr != nil {
		if target, err = s.dm.EvalString(x.TargetExpr); err != nil {
			return err
		}
	}
	typ := x.Type
	if x.TypeExpr != nil {
		if typ, err = s.dm.EvalString(x.TypeExpr); err != nil {
			return err
		}
	}
	sendid := x.ID
	if x.IDLocation != nil {
		sendid = s.newSendID()
		if err := s.dm.SetLocation(x.IDLocation, sendid); err != nil {
			return err
		}
	}
	if err := s.dispatch(x, &ev, target, typ, sendid); err != nil {
		var ee *EventError
		if sendid != "" && !errors.As(err, &ee) {
			// Errors of a send carry its id (§5.10.1 sendid; W3C test 332).
			err = &EventError{Event: "error.execution", SendID: sendid, Err: err}
		}
		return err
	}
	return nil
}

// dispatch evaluates the rest of a <send> once its id is known and hands
// the event to its Event I/O Processor.
func (s *Session) dispatch(x *scxml.Send, ev *Event, target, typ, sendid string) error {
	var err error
	delay := time.Duration(0)
	if x.Delay != "" || x.DelayExpr != nil {
		d := x.Delay
		if x.DelayExpr != nil {
			if d, err = s.dm.EvalString(x.DelayExpr); err != nil {
				return err
			}
		}
		if delay, err = ParseDelay(d); err != nil {
			return err
		}
	}
	if ev.Data, err = s.messageData(x.Namelist, x.Params, x.Content); err != nil {
		return err
	}
	ev.SendID = sendid
	if isSCXMLType(typ) {
		ev.Origin, ev.OriginType = "#_scxml_"+s.id, scxmlProcessor
		return s.sendSCXML(target, sendid, delay, ev)
	}
	proc := s.e.opts.IOProcessors[typ]
	if proc == nil {
		return fmt.Errorf("send type %q is not supported", typ)
	}
	if delay == 0 {
		if err := proc.Send(s, target, ev); err != nil {
			return &EventError{Event: "error.communication", SendID: sendid, Err: err}
		}
		return nil
	}
	copied := *ev
	s.e.addTimer(s, s.timerID(sendid), s.e.clock.Now().Add(delay), func() {
		if err := proc.Send(s, target, &copied); err != nil {
			s.Enqueue(&Event{Name: "error.communication", Type: Platform, SendID: sendid, Data: errorData(err)})
			s.report(err)
		}
	})
	return nil
}

// timerID is the key a delayed send is cancelled by; sends without an id
// still need a key so that the session's end cancels them.
func (s *Session) timerID(sendid string) string {
	if sendid != "" {
		return sendid
	}
	return s.newSendID()
}

func (s *Session) newSendID() string {
	s.nextID++
	return s.id + "." + strconv.Itoa(s.nextID)
}

// sendSCXML delivers an event through the SCXML Event I/O Processor (C.1).
func (s *Session) sendSCXML(target, sendid string, delay time.Duration, ev *Event) error {
	deliver, err := s.resolveSCXMLTarget(target, sendid)
	if err != nil {
		return err
	}
	if delay == 0 {
		return deliver(ev)
	}
	copied := *ev
	s.e.addTimer(s, s.timerID(sendid), s.e.clock.Now().Add(delay), func() {
		if err := deliver(&copied); err != nil {
			s.report(err)
		}
	})
	return nil
}

// errUnreachable is wrapped by error.communication errors of the SCXML
// processor.
var errUnreachable = errors.New("target unreachable")

// resolveSCXMLTarget checks a target of the SCXML processor and returns the
// function that delivers to it. A malformed target is error.execution; a
// target that names no session is error.communication (C.1).
func (s *Session) resolveSCXMLTarget(target, sendid string) (func(*Event) error, error) {
	comm := func(what string) error {
		return &EventError{Event: "error.communication", SendID: sendid, Err: fmt.Errorf("%w: %s", errUnreachable, what)}
	}
	switch {
	case target == "":
		return func(ev *Event) error { s.Enqueue(ev); return nil }, nil
	case target == "#_internal":
		return func(ev *Event) error {
			ev.Type = Internal
			s.internal.push(ev)
			return nil
		}, nil
	case target == "#_parent":
		if s.parent == nil {
			return nil, comm("session has no parent")
		}
		p, id := s.parent, s.invokeID
		return func(ev *Event) error {
			if s.cancelled {
				// A cancelled session's events are not delivered to
				// its parent (§6.4.6; W3C test 252).
				return nil
			}
			ev.InvokeID = id
			p.Enqueue(ev)
			return nil
		}, nil
	case strings.HasPrefix(target, "#_scxml_"):
		id := target[len("#_scxml_"):]
		if s.e.sessions[id] == nil {
			return nil, comm("no session " + id)
		}
		return func(ev *Event) error {
			t := s.e.sessions[id]
			if t == nil {
				return comm("no session " + id)
			}
			t.Enqueue(ev)
			return nil
		}, nil
	case strings.HasPrefix(target, "#_"):
		id := target[len("#_"):]
		if s.invokes[id] == nil {
			return nil, comm("no invoked session " + id)
		}
		return func(ev *Event) error {
			inv := s.invokes[id]
			if inv == nil {
				return comm("no invoked session " + id)
			}
			return inv.send(ev)
		}, nil
	}
	return nil, fmt.Errorf("target %q is not valid for the SCXML Event I/O Processor", target)
}

// messageData builds the data of a <send>, <invoke> or <donedata> from its
// namelist, params or content (§5.7, §5.8).
func (s *Session) messageData(names []*scxml.Expr, params []*scxml.Param, content *scxml.Content) (any, error) {
	if content != nil {
		return s.dm.Content(content)
	}
	if len(names) == 0 && len(params) == 0 {
		return nil, nil
	}
	m, err := s.paramMap(names, params)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Session) paramMap(names []*scxml.Expr, params []*scxml.Param) (map[string]any, error) {
	m := make(map[string]any, len(names)+len(params))
	for _, n := range names {
		v, err := s.dm.Eval(n)
		if err != nil {
			return nil, err
		}
		m[n.Src] = v
	}
	for _, p := range params {
		e := p.Expr
		if e == nil {
			e = p.Location
		}
		if e == nil {
			continue
		}
		v, err := s.dm.Eval(e)
		if err != nil {
			return nil, err
		}
		m[p.Name] = v
	}
	return m, nil
}

// doneData evaluates the <donedata> of a final state; an error raises
// error.execution and leaves the data empty (§5.5).
func (s *Session) doneData(st *scxml.State) any {
	dd := st.DoneData
	if dd == nil {
		return nil
	}
	v, err := s.messageData(nil, dd.Params, dd.Content)
	if err != nil {
		s.raiseError(dd.Pos, err)
		return nil
	}
	return v
}

// ParseDelay parses a delay in CSS2 time syntax ("1.5s", "200ms"); a bare
// number is milliseconds. Go duration syntax ("1m30s") is accepted too.
func ParseDelay(v string) (time.Duration, error) {
	t := strings.TrimSpace(v)
	num, unit := t, time.Millisecond
	switch {
	case strings.HasSuffix(t, "ms"):
		num = t[:len(t)-2]
	case strings.HasSuffix(t, "s"):
		num, unit = t[:len(t)-1], time.Second
	}
	if f, err := strconv.ParseFloat(strings.TrimSpace(num), 64); err == nil && f >= 0 {
		return time.Duration(f * float64(unit)), nil
	}
	if d, err := time.ParseDuration(t); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fmt.Errorf("delay %q is not a CSS2 time value", v)
}

package interp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
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
func (s *Session) dispatch(x *scxml.Send, ev *Event, target, typ, sendid string) (err error) {
	delay := time.Duration(0)
	if f := s.e.opts.OnSend; f != nil {
		defer func() {
			if err == nil {
				f(s, ev, target, typ, delay)
			}
		}()
	}
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
	var pairs []pair
	if ev.Data, pairs, err = s.messageData(x.Namelist, x.Params, x.Content); err != nil {
		return err
	}
	ev.SendID = sendid
	if isSCXMLType(typ) {
		ev.Origin, ev.OriginType = s.origin(), scxmlProcessor
		if pairs != nil {
			ev.Raw = rawPairs(ev.Name, pairs)
		}
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
	t := &timer{from: s, sendid: s.timerID(sendid), due: s.e.clock.Now().Add(delay), ev: *ev, target: target, typ: typ}
	t.deliver = s.processorDelivery(t, proc)
	return s.e.addTimer(t)
}

// processorDelivery returns the delivery of a delayed send t through the
// I/O processor proc.
func (s *Session) processorDelivery(t *timer, proc IOProcessor) func() {
	sendid := t.ev.SendID
	return func() {
		if err := proc.Send(s, t.target, &t.ev); err != nil {
			s.Enqueue(&Event{Name: "error.communication", Type: Platform, SendID: sendid, Data: errorData(err)})
			s.report(err)
		}
	}
}

// scxmlDelivery returns the delivery of a delayed send through the SCXML
// processor to a target resolved to deliver.
func (s *Session) scxmlDelivery(t *timer, deliver func(*Event) error) func() {
	return func() {
		if err := deliver(&t.ev); err != nil {
			s.report(err)
		}
	}
}

// timerID is the key a delayed send is cancelled by; sends without an id
// still need a key so that the session's end cancels them.
func (s *Session) timerID(sendid string) string {
	if sendid != "" {
		return sendid
	}
	return s.newSendID()
}

// origin is the session's _event.origin in the events it sends through the
// SCXML processor (C.1), made once.
func (s *Session) origin() string {
	r := s.more()
	if r.origin == "" {
		r.origin = "#_scxml_" + s.id
	}
	return r.origin
}

func (s *Session) newSendID() string {
	s.more().nextID++
	return s.id + "." + strconv.Itoa(s.nextID)
}

// sendSCXML delivers an event through the SCXML Event I/O Processor (C.1).
func (s *Session) sendSCXML(target, sendid string, delay time.Duration, ev *Event) error {
	if target == "" {
		if delay == 0 {
			return s.enqueue(ev)
		}
		// To the session itself: the timer's delivery is fire's own
		// (deliver nil), so that the send makes no function.
		return s.e.addTimer(&timer{from: s, sendid: s.timerID(sendid), due: s.e.clock.Now().Add(delay), ev: *ev})
	}
	deliver, err := s.resolveSCXMLTarget(target, sendid)
	if err != nil {
		return err
	}
	if delay == 0 {
		return deliver(ev)
	}
	t := &timer{from: s, sendid: s.timerID(sendid), due: s.e.clock.Now().Add(delay), ev: *ev, target: target}
	t.deliver = s.scxmlDelivery(t, deliver)
	return s.e.addTimer(t)
}

// errUnreachable is wrapped by error.communication errors of the SCXML
// processor.
var errUnreachable = errors.New("target unreachable")

// unreachable is the error.communication of a send whose target cannot
// be reached. It is a function, not a closure of the delivery functions,
// which would make each send allocate it.
func unreachable(sendid, what string) error {
	return &EventError{Event: "error.communication", SendID: sendid, Err: fmt.Errorf("%w: %s", errUnreachable, what)}
}

// resolveSCXMLTarget checks a target of the SCXML processor and returns the
// function that delivers to it. A malformed target is error.execution; a
// target that names no session is error.communication (C.1).
func (s *Session) resolveSCXMLTarget(target, sendid string) (func(*Event) error, error) {
	comm := func(what string) error { return unreachable(sendid, what) }
	switch {
	case target == "":
		return s.enqueue, nil
	case target == "#_internal":
		return func(ev *Event) error {
			ev.Type = Internal
			s.pushInternal(ev)
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
			return p.enqueue(ev)
		}, nil
	case strings.HasPrefix(target, "#_scxml_"):
		id := target[len("#_scxml_"):]
		if s.e.sessions[id] == nil && s.e.opts.Route == nil {
			return nil, comm("no session " + id)
		}
		return func(ev *Event) error {
			t := s.e.sessions[id]
			if t != nil {
				return t.enqueue(ev)
			}
			if s.e.opts.Route != nil {
				if err := s.e.opts.Route(id, ev); err != nil {
					if errors.Is(err, ErrLimit) {
						return err
					}
					return unreachable(sendid, err.Error())
				}
				return nil
			}
			return unreachable(sendid, "no session "+id)
		}, nil
	case s.doc.Dialect == scxml.ORS && s.e.sessions[target] != nil:
		// ORS strategies name a session by its id (target="_sessionid").
		return func(ev *Event) error {
			t := s.e.sessions[target]
			if t == nil {
				return unreachable(sendid, "no session "+target)
			}
			t.Enqueue(ev)
			return nil
		}, nil
	case strings.HasPrefix(target, "#_"):
		id := target[len("#_"):]
		if s.rare == nil || s.invokes[id] == nil {
			return nil, comm("no invoked session " + id)
		}
		return func(ev *Event) error {
			inv := s.invokes[id]
			if inv == nil {
				return unreachable(sendid, "no invoked session "+id)
			}
			return inv.send(ev)
		}, nil
	}
	return nil, fmt.Errorf("target %q is not valid for the SCXML Event I/O Processor", target)
}

// messageData builds the data of a <send>, <invoke> or <donedata> from its
// namelist, params or content (§5.7, §5.8), and the wire form the SCXML
// processor gives data built from pairs (_event.raw).
func (s *Session) messageData(names []*scxml.Expr, params []*scxml.Param, content *scxml.Content) (data any, pairs []pair, err error) {
	if content != nil {
		data, err = s.dm.Content(content)
		return data, nil, err
	}
	if len(names) == 0 && len(params) == 0 {
		return nil, nil, nil
	}
	if pairs, err = s.evalPairs(names, params); err != nil {
		return nil, nil, err
	}
	return pairMap(pairs), pairs, nil
}

// pair is one name and value of a namelist or a <param>.
type pair struct {
	name  string
	value any
}

// evalPairs evaluates a namelist and params in document order.
func (s *Session) evalPairs(names []*scxml.Expr, params []*scxml.Param) ([]pair, error) {
	pairs := make([]pair, 0, len(names)+len(params))
	for _, n := range names {
		v, err := s.dm.Eval(n)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, pair{n.Src, v})
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
		pairs = append(pairs, pair{p.Name, v})
	}
	return pairs, nil
}

// pairMap folds pairs into a map. A name given more than once keeps every
// value, in order, as a list (§6.2.3: all pairs must be included even when
// names repeat; W3C test 178).
func pairMap(pairs []pair) map[string]any {
	m := make(map[string]any, len(pairs))
	var count map[string]int
	for _, p := range pairs {
		old, seen := m[p.name]
		if !seen {
			m[p.name] = p.value
			continue
		}
		if count == nil {
			count = make(map[string]int)
		}
		if count[p.name] == 0 {
			old = []any{old}
		}
		count[p.name]++
		m[p.name] = append(old.([]any), p.value)
	}
	return m
}

// rawPairs is the form-encoded wire form of an event built from pairs.
func rawPairs(name string, pairs []pair) string {
	var b strings.Builder
	b.WriteString("_scxmleventname=")
	b.WriteString(url.QueryEscape(name))
	for _, p := range pairs {
		b.WriteByte('&')
		b.WriteString(url.QueryEscape(p.name))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(rawValue(p.value)))
	}
	return b.String()
}

func rawValue(v any) string {
	if str, ok := v.(string); ok {
		return str
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// doneData evaluates the <donedata> of a final state; an error raises
// error.execution and leaves the data empty (§5.5).
func (s *Session) doneData(st *scxml.State) any {
	dd := st.DoneData
	if dd == nil {
		return nil
	}
	v, _, err := s.messageData(nil, dd.Params, dd.Content)
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

package trace

import (
	"time"

	"github.com/orca-scxml/orca/interp"
)

// Of returns the record of the macrostep session s has just completed,
// as a host's OnMacrostep hook sees it: ev started it (nil for the
// initial one), t is when it completed. It holds the configuration, the
// delayed sends still pending and, when datamodel is true, the data model
// (Snapshot). The host adds the rest: what the session produced during
// the macrostep, the requests of its function modules.
func Of(s *interp.Session, ev *interp.Event, t time.Time, datamodel bool) *Step {
	st := &Step{Time: t, Event: EventOf(ev), Atomic: s.Atomic(), Active: s.Active(), Final: s.Final() != nil}
	if datamodel {
		st.Datamodel = Snapshot(s.Chart().Document(), s.Datamodel())
	}
	for _, p := range s.PendingSends() {
		st.Timers = append(st.Timers, Timer{SendID: p.SendID, Event: p.Event, Due: p.Due})
	}
	return st
}

// EventOf returns ev as a record holds it; nil for nil.
func EventOf(ev *interp.Event) *Event {
	if ev == nil {
		return nil
	}
	return &Event{Name: ev.Name, Type: ev.Type.String(), Origin: ev.Origin, OriginType: ev.OriginType,
		SendID: ev.SendID, InvokeID: ev.InvokeID, Data: Value(ev.Data)}
}

// SendOf returns the record of an event a session sent (interp.Options'
// OnSend) at time now.
func SendOf(ev *interp.Event, target, typ string, delay time.Duration, now time.Time) Send {
	s := Send{ID: ev.SendID, Event: ev.Name, Target: target, Type: typ}
	if delay > 0 {
		s.Due = now.Add(delay)
	}
	return s
}

package trace

import (
	"encoding/json"
	"fmt"
	"time"
)

// Step is one completed macrostep of a session.
type Step struct {
	// Index numbers the session's macrosteps from 0 (the initial one).
	Index int
	// Time is the session clock's time when the macrostep completed.
	Time time.Time
	// Event started the macrostep; nil for the initial macrostep.
	Event *Event
	// Atomic and Active are the configuration after the macrostep: its
	// atomic states, and all its states, in document order.
	Atomic []string
	Active []string
	// Final is true when the session reached a top-level final state.
	Final bool
	// Ended marks the record of the session's end, after its last
	// macrostep: what ending produced (the exit handlers' logs and sends,
	// a final UserEvent, the error that ended it), with the configuration
	// it ended in. Its data model is not taken (it is gone) and its Event
	// is nil.
	Ended bool
	// Datamodel is the data model after the macrostep, as a JSON object
	// (see Snapshot); nil when the host did not take one.
	Datamodel json.RawMessage
	// Logs, Errors, Sends, UserEvents and Attached are what the session
	// produced during the macrostep.
	Logs       []Log
	Errors     []string
	Sends      []Send
	UserEvents []UserData
	Attached   []UserData
	// Timers and Requests are what the session was waiting for after the
	// macrostep: its delayed events, and the requests of function modules
	// not answered yet.
	Timers   []Timer
	Requests []Request
}

// Event is an SCXML event as _event shows it (§5.10.1).
type Event struct {
	Name string `json:"name"`
	// Type is "external", "internal" or "platform".
	Type       string          `json:"type,omitempty"`
	Origin     string          `json:"origin,omitempty"`
	OriginType string          `json:"origintype,omitempty"`
	SendID     string          `json:"sendid,omitempty"`
	InvokeID   string          `json:"invokeid,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
}

// Log is one <log> (or ORS __Log) line.
type Log struct {
	Label   string `json:"label,omitempty"`
	Message string `json:"message"`
}

// Send is an event the session sent.
type Send struct {
	ID     string `json:"id,omitempty"`
	Event  string `json:"event"`
	Target string `json:"target,omitempty"`
	Type   string `json:"type,omitempty"`
	// Due is when a delayed send is delivered; zero for one sent at once.
	Due time.Time `json:"due,omitzero"`
}

// UserData is a set of key-value pairs the session distributed: the data
// of a UserEvent, or what it attached to an interaction.
type UserData struct {
	// Interaction is the call the data was attached to (its ConnID) or
	// the UserEvent was about; DN is the DN a UserEvent was sent to.
	Interaction string         `json:"interaction,omitempty"`
	DN          string         `json:"dn,omitempty"`
	Data        map[string]any `json:"data"`
}

// Timer is a delayed event waiting to be delivered.
type Timer struct {
	SendID string    `json:"sendid,omitempty"`
	Event  string    `json:"event"`
	Due    time.Time `json:"due"`
}

// Request is a request of a function module waiting for its answer.
type Request struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Detail string `json:"detail,omitempty"`
}

// Header describes the session a trace file records. It is the optional
// first line of the file.
type Header struct {
	Session string `json:"session,omitempty"`
	// Name is the document's name attribute.
	Name string `json:"name,omitempty"`
	// Document is the path or URL of the document the session ran, so a
	// viewer can draw its chart.
	Document string    `json:"document,omitempty"`
	Started  time.Time `json:"started,omitzero"`
}

// Version is the version of the format Encoder writes.
const Version = 1

// wireStep is the JSON form of a Step (see the package documentation).
type wireStep struct {
	Event      *string         `json:"event"`
	Atomic     []string        `json:"atomic"`
	Active     []string        `json:"active"`
	Final      bool            `json:"final"`
	Index      int             `json:"index"`
	Ended      bool            `json:"ended,omitempty"`
	Time       time.Time       `json:"time,omitzero"`
	EventType  string          `json:"eventtype,omitempty"`
	Origin     string          `json:"origin,omitempty"`
	OriginType string          `json:"origintype,omitempty"`
	SendID     string          `json:"sendid,omitempty"`
	InvokeID   string          `json:"invokeid,omitempty"`
	EventData  json.RawMessage `json:"eventdata,omitempty"`
	Datamodel  json.RawMessage `json:"datamodel,omitempty"`
	Logs       []Log           `json:"logs,omitempty"`
	Errors     []string        `json:"errors,omitempty"`
	Sends      []Send          `json:"sends,omitempty"`
	UserEvents []UserData      `json:"userevents,omitempty"`
	Attached   []UserData      `json:"attached,omitempty"`
	Timers     []Timer         `json:"timers,omitempty"`
	Requests   []Request       `json:"requests,omitempty"`
}

// MarshalJSON writes s in the trace format.
func (s *Step) MarshalJSON() ([]byte, error) {
	w := wireStep{
		Atomic: nonNil(s.Atomic), Active: nonNil(s.Active), Final: s.Final, Index: s.Index, Ended: s.Ended, Time: s.Time,
		Datamodel: s.Datamodel, Logs: s.Logs, Errors: s.Errors, Sends: s.Sends,
		UserEvents: s.UserEvents, Attached: s.Attached, Timers: s.Timers, Requests: s.Requests,
	}
	if ev := s.Event; ev != nil {
		w.Event = &ev.Name
		w.EventType, w.Origin, w.OriginType = ev.Type, ev.Origin, ev.OriginType
		w.SendID, w.InvokeID, w.EventData = ev.SendID, ev.InvokeID, ev.Data
	}
	return json.Marshal(&w)
}

// UnmarshalJSON reads s from the trace format, the first one included.
func (s *Step) UnmarshalJSON(b []byte) error {
	var w wireStep
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.Atomic == nil || w.Active == nil {
		return fmt.Errorf("not a trace step: no %q or %q", "atomic", "active")
	}
	*s = Step{
		Index: w.Index, Time: w.Time, Atomic: w.Atomic, Active: w.Active, Final: w.Final, Ended: w.Ended,
		Datamodel: w.Datamodel, Logs: w.Logs, Errors: w.Errors, Sends: w.Sends,
		UserEvents: w.UserEvents, Attached: w.Attached, Timers: w.Timers, Requests: w.Requests,
	}
	if w.Event != nil {
		s.Event = &Event{
			Name: *w.Event, Type: w.EventType, Origin: w.Origin, OriginType: w.OriginType,
			SendID: w.SendID, InvokeID: w.InvokeID, Data: w.EventData,
		}
	}
	return nil
}

// Size estimates the bytes s holds in memory, for bounding what a
// history keeps: the record itself, its strings and data, and Go's
// overhead for them (a pair of user data in a map takes about 100 bytes
// beside its key and value). State ids are shared with the document.
func (s *Step) Size() int {
	n := 320 + len(s.Datamodel)
	if s.Event != nil {
		n += 128 + len(s.Event.Name) + len(s.Event.Origin) + len(s.Event.SendID) + len(s.Event.InvokeID) + len(s.Event.Data)
	}
	n += 16 * (len(s.Active) + len(s.Atomic))
	for _, l := range s.Logs {
		n += 32 + len(l.Label) + len(l.Message)
	}
	for _, e := range s.Errors {
		n += 16 + len(e)
	}
	n += 96 * (len(s.Sends) + len(s.Timers) + len(s.Requests))
	for _, u := range s.UserEvents {
		n += userDataSize(u)
	}
	for _, u := range s.Attached {
		n += userDataSize(u)
	}
	return n
}

// userDataSize estimates the bytes of u.
func userDataSize(u UserData) int {
	n := 96 + len(u.Interaction) + len(u.DN)
	for k, v := range u.Data {
		n += 100 + len(k)
		if s, ok := v.(string); ok {
			n += len(s)
		}
	}
	return n
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

package telephony

import (
	"fmt"
	"time"
)

// ReferenceID identifies a request; the events that answer it carry it.
// Zero means "no request".
type ReferenceID uint64

// ConnID is T-Server's connection id of a call. Package ors uses it as the
// interaction id of a voice interaction.
type ConnID string

// EventType names a T-Server event.
type EventType string

// The events a Port delivers.
const (
	// EventACK acknowledges a request that has no call event of its own
	// (a distributed user event, a queue cancel).
	EventACK EventType = "EventACK"
	// EventError rejects a request: ErrorCode and ErrorMessage say why.
	EventError EventType = "EventError"

	// EventRouteRequest announces a call waiting on a routing point for a
	// strategy to route it.
	EventRouteRequest EventType = "EventRouteRequest"
	// EventRinging announces a call ringing on ThisDN.
	EventRinging EventType = "EventRinging"
	// EventDialing answers a make-call request: the new call is dialing.
	EventDialing EventType = "EventDialing"
	// EventEstablished says the other party answered.
	EventEstablished EventType = "EventEstablished"
	// EventPartyChanged reports a change of the parties of a call
	// (transfer, conference, a party added or removed).
	EventPartyChanged EventType = "EventPartyChanged"
	// EventAbandoned says the caller hung up before the call was
	// answered or routed.
	EventAbandoned EventType = "EventAbandoned"
	// EventReleased says a call (or one party of it) was released.
	EventReleased EventType = "EventReleased"
	// EventRouteUsed answers a route or redirect request.
	EventRouteUsed EventType = "EventRouteUsed"
	// EventAttachedDataChanged carries the call's user data after an
	// attach, update or delete (by any client).
	EventAttachedDataChanged EventType = "EventAttachedDataChanged"
	// EventUserEvent is a user event distributed on ThisDN.
	EventUserEvent EventType = "EventUserEvent"
	// EventTreatmentEnd says a treatment finished playing.
	EventTreatmentEnd EventType = "EventTreatmentEnd"
	// EventTargetSelected answers a queue submit: Target names the
	// target (agent, place or DN) that was found.
	EventTargetSelected EventType = "EventTargetSelected"
	// EventCallProgress reports the outcome of an outbound call attempt
	// (CallResult: answer, busy, no answer, answering machine, ...).
	EventCallProgress EventType = "EventCallProgress"
)

// Error codes carried by EventError. T-Server has many more; these are the
// ones the in-memory port and the function modules produce themselves.
const (
	// ErrCodeNoSuchCall: the ConnID names no call.
	ErrCodeNoSuchCall = 56
	// ErrCodeInvalidDN: the DN is unknown to the switch.
	ErrCodeInvalidDN = 50
	// ErrCodeTimeout: no answer in time (a queue submit's timeout).
	ErrCodeTimeout = 1001
	// ErrCodeCancelled: the request was cancelled (a queue submit).
	ErrCodeCancelled = 1002
)

// Event is one event from the telephony layer.
type Event struct {
	Type EventType
	// ReferenceID is the request the event answers (0 for unsolicited
	// events).
	ReferenceID ReferenceID
	ConnID      ConnID
	// CallID is the switch's call id.
	CallID string
	// ThisDN is the DN the event is reported on, OtherDN the other party
	// (the destination of a route, the dialed number, ...).
	ThisDN  string
	OtherDN string
	Switch  string
	// CallType is Inbound, Outbound, Internal or Consult.
	CallType string
	ANI      string
	DNIS     string
	// UserData is the call's attached data (for call events) or the user
	// event's data (EventUserEvent).
	UserData UserData
	// Target is the target a queue submit found (EventTargetSelected).
	Target string
	// PreviousConnID is the call a transfer or conference merged into
	// this one (EventPartyChanged), as T-Server reports it.
	PreviousConnID ConnID
	// CallResult is the outcome of EventCallProgress and EventReleased
	// for outbound calls ("Answer", "Busy", "NoAnswer", ...).
	CallResult string
	// ErrorCode and ErrorMessage describe an EventError.
	ErrorCode    int
	ErrorMessage string
	Time         time.Time
	// Seq is the sender's sequence number of the event
	// (AttributeEventSequenceNumber), 0 when unknown: a host that
	// restores a session asks the switch for the events of its calls
	// after the last one it had (Resyncer).
	Seq uint64
}

// String returns a one-line summary of the event.
func (e Event) String() string {
	s := string(e.Type)
	if e.ReferenceID != 0 {
		s += fmt.Sprintf(" ref=%d", e.ReferenceID)
	}
	if e.ConnID != "" {
		s += " conn=" + string(e.ConnID)
	}
	if e.ThisDN != "" {
		s += " dn=" + e.ThisDN
	}
	if e.Type == EventError {
		s += fmt.Sprintf(" error=%d %q", e.ErrorCode, e.ErrorMessage)
	}
	return s
}

// Handler receives the events of a Port. It must not block and must not
// call the Port: hosts hand events on (through interp.Inbox.Put, for
// example) and return.
type Handler func(Event)

package wire

import (
	"strings"
	"time"

	"github.com/orca-scxml/orca/telephony"
)

// SchemaVersion is the newest version of the message schema, which Decode
// reads and encoders write by default. Every message carries in "v" the
// oldest version that reads it: 2 when it holds user data (userData,
// params) in the compact form, 1 otherwise (docs/bridge.md, "Versions").
//
//   - Version 1 writes user data in the typed form, an array of
//     {"key", "type", "value"} objects.
//   - Version 2 is version 1 with user data in the compact form, an array
//     of [key, value] pairs whose value's JSON type is its type.
//
// A reader of version 1 refuses a message of version 2 with the error
// "schema version 2, want 1"; an encoder told to write version 1
// (Pool.Schema, AppendMessageSchema) writes what it reads.
const SchemaVersion = 2

// OldestSchemaVersion is the oldest version of the schema Decode reads.
const OldestSchemaVersion = 1

// The request names, as T-Server names them.
const (
	RequestMakeCall            = "RequestMakeCall"
	RequestAttachUserData      = "RequestAttachUserData"
	RequestUpdateUserData      = "RequestUpdateUserData"
	RequestDeleteUserData      = "RequestDeleteUserData"
	RequestDistributeUserEvent = "RequestDistributeUserEvent"
	RequestRouteCall           = "RequestRouteCall"
	RequestRedirectCall        = "RequestRedirectCall"
	RequestReleaseCall         = "RequestReleaseCall"
	RequestApplyTreatment      = "RequestApplyTreatment"
	RequestQueueSubmit         = "RequestQueueSubmit"
	RequestQueueCancel         = "RequestQueueCancel"
	// RequestQueryCall asks the switch for the state of a call (T-Server's
	// RequestQueryCall): the switch sends again the events about the call
	// with a Seq above AfterSeq to the asking instance, then answers with
	// EventPartyInfo, or EventError (ErrCodeNoSuchCall) when it does not
	// know the call. A client sends it after a reconnection, for every
	// call it holds, so that no event lost meanwhile is waited for.
	RequestQueryCall = "RequestQueryCall"
	// RequestGetStatistic asks the switch side for the state of the
	// virtual queue Queue now, and, when ConnID is set, for the place of
	// that interaction in it: what a Stat Server client asks once with
	// RequestGetStatisticEx (the queue's CurrNumberWaitingCalls and
	// ExpectedWaitTime, the interaction's position). It is answered with
	// EventInfo, or EventError when the switch side serves no statistics.
	// It is no telephony request: a port sends it on the request subjects
	// but neither tracks nor reports it as one.
	RequestGetStatistic = "RequestGetStatistic"
	// RequestOpenStatistic opens the statistics of the virtual queue
	// Queue for the asking instance, as a Stat Server client opens a
	// statistic with notification mode "on change"
	// (RequestOpenStatistic): it is answered with EventStatisticOpened,
	// which carries the queue's state now (as EventInfo does, with the
	// whole line in Queued and the state's Version), and then the switch
	// side publishes EventInfo on StatSubject(switch, queue) after each
	// change of the queue, at most one per queue per notification
	// interval. Sent again, it renews the opening and is answered again.
	// A switch side that does not support it answers EventError (or
	// nothing); the client then asks with RequestGetStatistic.
	RequestOpenStatistic = "RequestOpenStatistic"
	// RequestCloseStatistic closes what RequestOpenStatistic opened for
	// the asking instance; it is answered with EventStatisticClosed.
	RequestCloseStatistic = "RequestCloseStatistic"
)

// EventStatisticOpened answers RequestOpenStatistic with the queue's state
// (see RequestOpenStatistic); EventStatisticClosed answers
// RequestCloseStatistic.
const (
	EventStatisticOpened = "EventStatisticOpened"
	EventStatisticClosed = "EventStatisticClosed"
)

// EventStatServerStarted is published on StatSubject(switch, "") when a
// switch side that serves opened statistics starts: whatever was opened
// before it started is not notified any more and must be opened again.
const EventStatServerStarted = "EventStatServerStarted"

// EventInfo answers RequestGetStatistic (Stat Server's EventInfo): the
// queue's Waiting, Distributed, AQTMs and EWTMs, and, when the
// interaction named waits there, its Position (0 when it does not),
// Priority, WaitedMs and IxnEWTMs.
const EventInfo = "EventInfo"

// EventPartyInfo answers RequestQueryCall with the call's state
// (CallState), parties, result and attached data.
const EventPartyInfo telephony.EventType = "EventPartyInfo"

// CallEnded reports whether a CallState of EventPartyInfo says the call
// is over: "released", "abandoned" or "failed".
func CallEnded(state string) bool {
	return state == "released" || state == "abandoned" || state == "failed"
}

// Events the wire carries in addition to those package telephony names:
// agent availability, reported on the agent's DN.
const (
	EventAgentLogin    telephony.EventType = "EventAgentLogin"
	EventAgentLogout   telephony.EventType = "EventAgentLogout"
	EventAgentReady    telephony.EventType = "EventAgentReady"
	EventAgentNotReady telephony.EventType = "EventAgentNotReady"
)

// requests lists every request name, in the order Requests returns them.
var requests = []string{
	RequestMakeCall, RequestAttachUserData, RequestUpdateUserData, RequestDeleteUserData,
	RequestDistributeUserEvent, RequestRouteCall, RequestRedirectCall, RequestReleaseCall,
	RequestApplyTreatment, RequestQueueSubmit, RequestQueueCancel, RequestQueryCall, RequestGetStatistic,
	RequestOpenStatistic, RequestCloseStatistic,
}

// Requests returns every request name the schema defines.
func Requests() []string { return append([]string(nil), requests...) }

// IsReporting reports whether messages named name travel through
// JetStream (the ORCA_REPORTING stream): user events and attached-data
// requests, and the EventUserEvent and EventAttachedDataChanged they
// produce.
func IsReporting(name string) bool {
	switch name {
	case RequestDistributeUserEvent, RequestAttachUserData, RequestUpdateUserData, RequestDeleteUserData,
		string(telephony.EventUserEvent), string(telephony.EventAttachedDataChanged):
		return true
	}
	return false
}

// Message is one request or event on the wire, a flat attribute bag like
// T-Server's messages. Which fields are set depends on Name; JSON omits
// the others.
type Message struct {
	// V is SchemaVersion.
	V int `json:"v"`
	// Name is the request or event name (RequestMakeCall, EventACK, ...).
	Name string `json:"name"`
	// Switch is the switch the message is about.
	Switch string `json:"switch,omitempty"`
	// ThisDN is the DN the request acts on or the event is reported on.
	ThisDN string `json:"thisDN,omitempty"`
	// OtherDN is the other party: a dialed number, a route destination.
	OtherDN string `json:"otherDN,omitempty"`
	ConnID  string `json:"connID,omitempty"`
	CallID  string `json:"callID,omitempty"`
	// CustomerID is the tenant (AttributeCustomerID).
	CustomerID string `json:"customerID,omitempty"`
	// ReferenceID is the requester's reference of a request, and of the
	// answers to it (AttributeReferenceID). It is unique within Origin.
	ReferenceID uint64 `json:"referenceID,omitempty"`
	// Origin is the Orca instance that sent the request; answers go to
	// ReplySubject(switch, Origin, name).
	Origin string `json:"origin,omitempty"`
	// MsgID is the de-duplication id of a reporting message (also sent
	// as the Nats-Msg-Id header).
	MsgID string `json:"msgID,omitempty"`
	// Seq is the sender's message sequence number
	// (AttributeEventSequenceNumber).
	Seq uint64 `json:"seq,omitempty"`
	// TimeinSecs and TimeinuSecs are the message time, seconds since 1970
	// and microseconds (AttributeTimeinSecs, AttributeTimeinuSecs).
	TimeinSecs  int64  `json:"timeinSecs,omitempty"`
	TimeinuSecs int    `json:"timeinuSecs,omitempty"`
	CallType    string `json:"callType,omitempty"`
	ANI         string `json:"ani,omitempty"`
	DNIS        string `json:"dnis,omitempty"`
	// UserData is the call's attached data, the pairs of an attach or
	// update (the keys of a delete), or a user event's data.
	UserData telephony.UserData `json:"userData,omitempty"`

	// Destination is the number a RequestMakeCall dials.
	Destination string `json:"destination,omitempty"`
	// TimeoutMs bounds a make call or a queue submit, in milliseconds.
	TimeoutMs int64 `json:"timeoutMs,omitempty"`
	// RouteType is "route", "redirect" or "deliver".
	RouteType string `json:"routeType,omitempty"`
	// Treatment is the treatment type of RequestApplyTreatment, Resource
	// what it plays, DurationMs how long, Params its parameters.
	Treatment  string             `json:"treatment,omitempty"`
	Resource   string             `json:"resource,omitempty"`
	DurationMs int64              `json:"durationMs,omitempty"`
	Params     telephony.UserData `json:"params,omitempty"`
	// Queue is the virtual queue of a submit or cancel, RoutePoint the
	// routing point the call waits on, Targets the targets asked for.
	Queue      string   `json:"queue,omitempty"`
	RoutePoint string   `json:"routePoint,omitempty"`
	Targets    []string `json:"targets,omitempty"`
	Priority   int      `json:"priority,omitempty"`
	// SubmitRef is the ReferenceID of the submit a RequestQueueCancel
	// withdraws.
	SubmitRef uint64 `json:"submitRef,omitempty"`

	// Request names the request an EventACK or EventError answers
	// (AttributeUserEvent in T-Server's EventACK).
	Request string `json:"request,omitempty"`
	// Target is the target an EventTargetSelected found.
	Target string `json:"target,omitempty"`
	// CallResult is the outcome of a call attempt (EventCallProgress,
	// EventReleased): Answer, Busy, NoAnswer, AnsweringMachine, ...
	CallResult   string `json:"callResult,omitempty"`
	ErrorCode    int    `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	// AgentID and Place identify the agent of an agent event; Reason is
	// a not-ready reason code.
	AgentID string `json:"agentID,omitempty"`
	Place   string `json:"place,omitempty"`
	Reason  string `json:"reason,omitempty"`

	// CallRef names the call a RequestQueryCall asks about by the
	// ReferenceID of the RequestMakeCall that made it (from the same
	// Origin), when its ConnID is not known yet; AfterSeq is the Seq of
	// the last event about the call the asker received.
	CallRef  uint64 `json:"callRef,omitempty"`
	AfterSeq uint64 `json:"afterSeq,omitempty"`
	// CallState is the state of the call EventPartyInfo reports
	// ("dialing", "established", "talking", "released", ...; see
	// CallEnded).
	CallState string `json:"callState,omitempty"`

	// The statistics of EventInfo: the interactions waiting in Queue
	// (CurrNumberWaitingCalls), those it distributed since the source
	// started, its average quitting time and the expected wait of an
	// interaction entering it now (ExpectedWaitTime), in milliseconds;
	// the place of ConnID in it (1 is served next; 0: it does not wait
	// there), how long it has waited and its expected remaining wait
	// (its Priority is in Priority). See telephony.Statistics.
	Waiting     int   `json:"waiting,omitempty"`
	Distributed int   `json:"distributed,omitempty"`
	AQTMs       int64 `json:"aqtMs,omitempty"`
	EWTMs       int64 `json:"ewtMs,omitempty"`
	Position    int   `json:"position,omitempty"`
	WaitedMs    int64 `json:"waitedMs,omitempty"`
	IxnEWTMs    int64 `json:"ixnEwtMs,omitempty"`
	// Queued is the line of Queue in the order it is served (the first
	// is served next), in EventStatisticOpened and in the EventInfo
	// notifications of an opened statistic; Version numbers the states
	// of the switch side's queues, so that of two states of a queue the
	// later is known.
	Queued  []Queued `json:"queued,omitempty"`
	Version uint64   `json:"version,omitempty"`
}

// Queued is an interaction waiting in a virtual queue: its ConnID, the
// priority it was submitted with and how long it has waited, in
// milliseconds.
type Queued struct {
	ConnID   string `json:"connID"`
	Priority int    `json:"priority,omitempty"`
	WaitedMs int64  `json:"waitedMs,omitempty"`
}

// SetTime sets TimeinSecs and TimeinuSecs from t.
func (m *Message) SetTime(t time.Time) {
	m.TimeinSecs = t.Unix()
	m.TimeinuSecs = t.Nanosecond() / 1000
}

// Time returns the message time (the zero time when none is set).
func (m *Message) Time() time.Time {
	if m.TimeinSecs == 0 && m.TimeinuSecs == 0 {
		return time.Time{}
	}
	return time.Unix(m.TimeinSecs, int64(m.TimeinuSecs)*1000).UTC()
}

// IsRequest reports whether the message is a request.
func (m *Message) IsRequest() bool { return strings.HasPrefix(m.Name, "Request") }

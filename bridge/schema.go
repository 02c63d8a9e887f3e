package bridge

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orca-scxml/orca/telephony"
)

// SchemaVersion is the version of the message schema, carried in every
// message as "v".
const SchemaVersion = 1

// Root is the first two tokens of every subject the bridge uses.
const Root = "orca.tel"

// Subject kinds: the third token after the switch.
const (
	// KindReq marks request subjects: Root.<switch>.req.<RequestName>.
	KindReq = "req"
	// KindEvt marks broadcast event subjects:
	// Root.<switch>.evt.<dn>.<EventName>.
	KindEvt = "evt"
	// KindRsp marks the subjects that carry the answers to one Orca
	// instance: Root.<switch>.rsp.<instance>.<EventName>.
	KindRsp = "rsp"
)

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
)

// Events the bridge carries in addition to those package telephony names:
// agent availability, reported on the agent's DN.
const (
	EventAgentLogin    telephony.EventType = "EventAgentLogin"
	EventAgentLogout   telephony.EventType = "EventAgentLogout"
	EventAgentReady    telephony.EventType = "EventAgentReady"
	EventAgentNotReady telephony.EventType = "EventAgentNotReady"
)

// ErrCodeNotDelivered is the ErrorCode of the EventError a Port delivers
// when a reporting request could not be stored by JetStream within the
// outbox's time bound.
const ErrCodeNotDelivered = 1010

// requests lists every request name, in the order Requests returns them.
var requests = []string{
	RequestMakeCall, RequestAttachUserData, RequestUpdateUserData, RequestDeleteUserData,
	RequestDistributeUserEvent, RequestRouteCall, RequestRedirectCall, RequestReleaseCall,
	RequestApplyTreatment, RequestQueueSubmit, RequestQueueCancel,
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
	UserData UserData `json:"userData,omitempty"`

	// Destination is the number a RequestMakeCall dials.
	Destination string `json:"destination,omitempty"`
	// TimeoutMs bounds a make call or a queue submit, in milliseconds.
	TimeoutMs int64 `json:"timeoutMs,omitempty"`
	// RouteType is "route", "redirect" or "deliver".
	RouteType string `json:"routeType,omitempty"`
	// Treatment is the treatment type of RequestApplyTreatment, Resource
	// what it plays, DurationMs how long, Params its parameters.
	Treatment  string   `json:"treatment,omitempty"`
	Resource   string   `json:"resource,omitempty"`
	DurationMs int64    `json:"durationMs,omitempty"`
	Params     UserData `json:"params,omitempty"`
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

// Encode returns the JSON form of m, with V set to SchemaVersion.
func Encode(m Message) ([]byte, error) {
	if m.Name == "" {
		return nil, fmt.Errorf("encode message: no name")
	}
	m.V = SchemaVersion
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", m.Name, err)
	}
	return b, nil
}

// Decode parses a message and checks its version and name.
func Decode(data []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(data, &m); err != nil {
		return Message{}, fmt.Errorf("decode message: %w", err)
	}
	if m.V != SchemaVersion {
		return Message{}, fmt.Errorf("decode %s: schema version %d, want %d", m.Name, m.V, SchemaVersion)
	}
	if m.Name == "" {
		return Message{}, fmt.Errorf("decode message: no name")
	}
	return m, nil
}

// RequestSubject is the subject requests named name to switch sw are
// published on: orca.tel.<switch>.req.<RequestName>.
func RequestSubject(sw, name string) string {
	return Root + "." + Token(sw) + "." + KindReq + "." + name
}

// EventSubject is the subject events named name reported on dn of switch
// sw are broadcast on: orca.tel.<switch>.evt.<dn>.<EventName>.
func EventSubject(sw, dn, name string) string {
	return Root + "." + Token(sw) + "." + KindEvt + "." + Token(dn) + "." + name
}

// ReplySubject is the subject that carries the answers named name to the
// requests of Orca instance inst on switch sw:
// orca.tel.<switch>.rsp.<instance>.<EventName>.
func ReplySubject(sw, inst, name string) string {
	return Root + "." + Token(sw) + "." + KindRsp + "." + Token(inst) + "." + name
}

// RequestFilter matches the requests to switch sw ("" for every switch).
func RequestFilter(sw string) string {
	return Root + "." + wild(sw) + "." + KindReq + ".>"
}

// RequestSubjectFilter matches the requests named name ("" for any) to
// switch sw ("" for every switch).
func RequestSubjectFilter(sw, name string) string {
	return Root + "." + wild(sw) + "." + KindReq + "." + wildName(name)
}

// EventFilter matches the broadcast events of switch sw on dn named name;
// an empty argument matches any.
func EventFilter(sw, dn, name string) string {
	return Root + "." + wild(sw) + "." + KindEvt + "." + wild(dn) + "." + wildName(name)
}

// ReplyFilter matches every answer to Orca instance inst, on any switch.
func ReplyFilter(inst string) string {
	return Root + ".*." + KindRsp + "." + Token(inst) + ".>"
}

// ReportingSubjects are the subjects of the ORCA_REPORTING stream: the
// reporting requests and the reporting events of every switch and DN.
func ReportingSubjects() []string {
	return []string{
		RequestSubjectFilter("", RequestDistributeUserEvent),
		RequestSubjectFilter("", RequestAttachUserData),
		RequestSubjectFilter("", RequestUpdateUserData),
		RequestSubjectFilter("", RequestDeleteUserData),
		EventFilter("", "", string(telephony.EventUserEvent)),
		EventFilter("", "", string(telephony.EventAttachedDataChanged)),
	}
}

func wild(s string) string {
	if s == "" {
		return "*"
	}
	return Token(s)
}

func wildName(s string) string {
	if s == "" {
		return "*"
	}
	return s
}

// Subject is a parsed bridge subject.
type Subject struct {
	// Kind is KindReq, KindEvt or KindRsp.
	Kind   string
	Switch string
	// DN is the DN of an event subject, Instance the instance of a reply
	// subject.
	DN       string
	Instance string
	// Name is the request or event name.
	Name string
}

// ParseSubject splits a bridge subject into its parts, undoing Token.
func ParseSubject(subj string) (Subject, error) {
	parts := strings.Split(subj, ".")
	bad := func(why string) (Subject, error) {
		return Subject{}, fmt.Errorf("subject %q: %s", subj, why)
	}
	if len(parts) < 5 || parts[0]+"."+parts[1] != Root {
		return bad("not under " + Root)
	}
	sw, err := Untoken(parts[2])
	if err != nil {
		return bad(err.Error())
	}
	s := Subject{Kind: parts[3], Switch: sw}
	switch {
	case s.Kind == KindReq && len(parts) == 5:
		s.Name = parts[4]
	case (s.Kind == KindEvt || s.Kind == KindRsp) && len(parts) == 6:
		v, err := Untoken(parts[4])
		if err != nil {
			return bad(err.Error())
		}
		if s.Kind == KindEvt {
			s.DN = v
		} else {
			s.Instance = v
		}
		s.Name = parts[5]
	default:
		return bad("unexpected kind or length")
	}
	return s, nil
}

// Token escapes s for use as one subject token: bytes outside printable
// ASCII and '.', '*', '>' and '%' become %XX; the empty string becomes
// "%".
func Token(s string) string {
	if s == "" {
		return "%"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '.' || c == '*' || c == '>' || c == '%' {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Untoken undoes Token.
func Untoken(t string) (string, error) {
	if t == "%" {
		return "", nil
	}
	if !strings.Contains(t, "%") {
		return t, nil
	}
	var b strings.Builder
	for i := 0; i < len(t); i++ {
		if t[i] != '%' {
			b.WriteByte(t[i])
			continue
		}
		if i+2 >= len(t) {
			return "", fmt.Errorf("token %q: truncated escape", t)
		}
		c, err := strconv.ParseUint(t[i+1:i+3], 16, 8)
		if err != nil {
			return "", fmt.Errorf("token %q: bad escape: %w", t, err)
		}
		b.WriteByte(byte(c))
		i += 2
	}
	return b.String(), nil
}

package wire

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-scxml/orca/telephony"
)

// Root is the first two tokens of every subject of the wire.
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
	// KindStat marks the subjects of the notifications of opened
	// statistics: Root.<switch>.stat.<queue>.<EventName>.
	KindStat = "stat"
)

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

// StatSubject is the subject the switch side publishes the events named
// name about the opened statistics of virtual queue queue of switch sw on
// (EventInfo, see RequestOpenStatistic; queue "" for
// EventStatServerStarted): orca.tel.<switch>.stat.<queue>.<EventName>.
func StatSubject(sw, queue, name string) string {
	return Root + "." + Token(sw) + "." + KindStat + "." + Token(queue) + "." + name
}

// BroadcastOnly reports whether events named name go only to the clients
// registered on their DN, never to the reply subject of the instance whose
// request they answer: EventUserEvent. T-Server answers a
// RequestDistributeUserEvent with EventACK to the requester and sends the
// EventUserEvent to every client registered on the DN (ICON, Stat Server,
// URS), which the requester is not unless it registered the DN (the trace
// of the callback reporting document shows both).
func BroadcastOnly(name string) bool { return name == string(telephony.EventUserEvent) }

// AnswerOnly reports whether events named name only answer a request,
// to its requester: they are no event of a call (a call's history, its
// broadcast to the DN's clients) — EventACK, EventError, EventPartyInfo,
// and the statistics' EventInfo, EventStatisticOpened and
// EventStatisticClosed.
func AnswerOnly(name string) bool {
	switch name {
	case string(telephony.EventACK), string(telephony.EventError), string(EventPartyInfo),
		EventInfo, EventStatisticOpened, EventStatisticClosed:
		return true
	}
	return false
}

// SubjectEventName returns the event name of an event or reply subject,
// its last token.
func SubjectEventName(subj string) string {
	return subj[strings.LastIndexByte(subj, '.')+1:]
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
// reporting requests and the reporting events of every switch and DN, and
// the call events whose user data ICON reads (CallDataEvents).
func ReportingSubjects() []string {
	subjects := []string{
		RequestSubjectFilter("", RequestDistributeUserEvent),
		RequestSubjectFilter("", RequestAttachUserData),
		RequestSubjectFilter("", RequestUpdateUserData),
		RequestSubjectFilter("", RequestDeleteUserData),
		EventFilter("", "", string(telephony.EventUserEvent)),
		EventFilter("", "", string(telephony.EventAttachedDataChanged)),
	}
	for _, name := range callDataEvents {
		subjects = append(subjects, EventFilter("", "", name))
	}
	return subjects
}

// callDataEvents are the events of CallDataEvents, in the order it
// returns them.
var callDataEvents = []string{
	string(telephony.EventRouteRequest), string(telephony.EventRinging), string(telephony.EventDialing),
	string(telephony.EventEstablished), string(telephony.EventPartyChanged), string(telephony.EventRouteUsed),
	string(telephony.EventAbandoned), string(telephony.EventReleased),
}

// CallDataEvents are the call events (TEvents) whose UserData is the
// call's attached data at that moment, besides EventAttachedDataChanged:
// what Interaction Concentrator reads for G_USERDATA_HISTORY ("the UserData
// attribute of TEvents", in the callback reporting seeds), so that the data
// a call was created with (RequestMakeCall's) is seen even when nothing is
// attached to the call later. Their broadcast copies are kept in the
// reporting stream as the switch publishes them (no message id: the
// stream captures them in order with the live events).
func CallDataEvents() []string { return slices.Clone(callDataEvents) }

// CarriesCallData reports whether events named name carry the call's
// attached data: EventAttachedDataChanged and the CallDataEvents.
func CarriesCallData(name string) bool {
	return name == string(telephony.EventAttachedDataChanged) || slices.Contains(callDataEvents, name)
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

// Subject is a parsed subject of the wire.
type Subject struct {
	// Kind is KindReq, KindEvt or KindRsp.
	Kind   string
	Switch string
	// DN is the DN of an event subject or the virtual queue of a
	// statistics subject, Instance the instance of a reply subject.
	DN       string
	Instance string
	// Name is the request or event name.
	Name string
}

// ParseSubject splits a subject of the wire into its parts, undoing Token.
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
	case (s.Kind == KindEvt || s.Kind == KindRsp || s.Kind == KindStat) && len(parts) == 6:
		v, err := Untoken(parts[4])
		if err != nil {
			return bad(err.Error())
		}
		if s.Kind != KindRsp {
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
	i := 0
	for i < len(s) && !escaped(s[i]) {
		i++
	}
	if i == len(s) {
		return s // the usual case: nothing to escape, nothing to copy
	}
	var b strings.Builder
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if escaped(c) {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// escaped reports whether Token escapes c.
func escaped(c byte) bool {
	return c <= ' ' || c >= 0x7f || c == '.' || c == '*' || c == '>' || c == '%'
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

package wire

import (
	"fmt"
	"reflect"
	"time"

	"github.com/orca-scxml/orca/telephony"
)

// RequestMessage returns the message for a request of package telephony:
// a MakeCall, UserDataChange, UserEvent, Route, Release, Treatment,
// QueueSubmit or QueueCancel. ReferenceID, Origin, Seq, time, Switch
// defaults and CustomerID are left to the sender. The message shares the
// request's user data and targets: encode it before the request changes.
func RequestMessage(req any) (Message, error) {
	switch r := req.(type) {
	case telephony.MakeCall:
		return Message{Name: RequestMakeCall, ThisDN: r.ThisDN, Destination: r.Destination, OtherDN: r.Destination,
			Switch: r.Switch, TimeoutMs: r.Timeout.Milliseconds(), UserData: r.UserData}, nil
	case telephony.UserDataChange:
		name := RequestAttachUserData
		switch r.Op {
		case telephony.Attach, "":
		case telephony.Update:
			name = RequestUpdateUserData
		case telephony.Delete:
			name = RequestDeleteUserData
		default:
			return Message{}, fmt.Errorf("user data request: unknown operation %q", r.Op)
		}
		return Message{Name: name, ConnID: string(r.ConnID), ThisDN: r.ThisDN, UserData: r.UserData}, nil
	case telephony.UserEvent:
		return Message{Name: RequestDistributeUserEvent, ThisDN: r.ThisDN, Switch: r.Switch, ConnID: string(r.ConnID),
			UserData: r.UserData}, nil
	case telephony.Route:
		name, typ := RequestRouteCall, r.Type
		if typ == "" {
			typ = telephony.RouteDefault
		}
		if typ == telephony.RouteRedirect {
			name = RequestRedirectCall
		}
		return Message{Name: name, RouteType: string(typ), ConnID: string(r.ConnID), ThisDN: r.From, OtherDN: r.To,
			Switch: r.Switch, UserData: r.UserData}, nil
	case telephony.Release:
		return Message{Name: RequestReleaseCall, ConnID: string(r.ConnID), ThisDN: r.ThisDN}, nil
	case telephony.Treatment:
		return Message{Name: RequestApplyTreatment, ConnID: string(r.ConnID), ThisDN: r.ThisDN, Treatment: r.Kind,
			Resource: r.Resource, DurationMs: r.Duration.Milliseconds(), Params: r.Params}, nil
	case telephony.QueueSubmit:
		return Message{Name: RequestQueueSubmit, ConnID: string(r.ConnID), Queue: r.Queue, RoutePoint: r.Route,
			ThisDN: r.Route, Targets: r.Targets, Priority: r.Priority,
			TimeoutMs: r.Timeout.Milliseconds()}, nil
	case telephony.QueueCancel:
		return Message{Name: RequestQueueCancel, ConnID: string(r.ConnID), Queue: r.Queue, SubmitRef: uint64(r.Submit)}, nil
	}
	// The type named without handing req to fmt, which would make every
	// caller box its request on the heap.
	return Message{}, fmt.Errorf("not a telephony request: %s", reflect.TypeOf(req))
}

// TelephonyRequest turns a request message back into the request value of
// package telephony that RequestMessage made it from; they share the user
// data.
func TelephonyRequest(m Message) (any, error) {
	ud := m.UserData
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	switch m.Name {
	case RequestMakeCall:
		return telephony.MakeCall{ThisDN: m.ThisDN, Destination: m.Destination, Switch: m.Switch, Timeout: ms(m.TimeoutMs), UserData: ud}, nil
	case RequestAttachUserData, RequestUpdateUserData, RequestDeleteUserData:
		op := telephony.Attach
		switch m.Name {
		case RequestUpdateUserData:
			op = telephony.Update
		case RequestDeleteUserData:
			op = telephony.Delete
		}
		return telephony.UserDataChange{Op: op, ConnID: telephony.ConnID(m.ConnID), ThisDN: m.ThisDN, UserData: ud}, nil
	case RequestDistributeUserEvent:
		return telephony.UserEvent{ThisDN: m.ThisDN, Switch: m.Switch, ConnID: telephony.ConnID(m.ConnID), UserData: ud}, nil
	case RequestRouteCall, RequestRedirectCall:
		typ := telephony.RouteType(m.RouteType)
		if typ == "" {
			typ = telephony.RouteDefault
			if m.Name == RequestRedirectCall {
				typ = telephony.RouteRedirect
			}
		}
		return telephony.Route{Type: typ, ConnID: telephony.ConnID(m.ConnID), From: m.ThisDN, To: m.OtherDN, Switch: m.Switch, UserData: ud}, nil
	case RequestReleaseCall:
		return telephony.Release{ConnID: telephony.ConnID(m.ConnID), ThisDN: m.ThisDN}, nil
	case RequestApplyTreatment:
		return telephony.Treatment{ConnID: telephony.ConnID(m.ConnID), ThisDN: m.ThisDN, Kind: m.Treatment, Resource: m.Resource,
			Duration: ms(m.DurationMs), Params: m.Params}, nil
	case RequestQueueSubmit:
		return telephony.QueueSubmit{ConnID: telephony.ConnID(m.ConnID), Queue: m.Queue, Route: m.RoutePoint,
			Targets: m.Targets, Priority: m.Priority, Timeout: ms(m.TimeoutMs)}, nil
	case RequestQueueCancel:
		return telephony.QueueCancel{Submit: telephony.ReferenceID(m.SubmitRef), ConnID: telephony.ConnID(m.ConnID), Queue: m.Queue}, nil
	}
	return nil, fmt.Errorf("not a request: %q", m.Name)
}

// EventMessage returns the message for an event of package telephony,
// sharing its user data. Origin, Seq and CustomerID are left to the
// sender (the event's Seq is not carried over); the time is the event's.
func EventMessage(ev telephony.Event) Message {
	m := Message{Name: string(ev.Type), ReferenceID: uint64(ev.ReferenceID), ConnID: string(ev.ConnID), CallID: ev.CallID,
		ThisDN: ev.ThisDN, OtherDN: ev.OtherDN, Switch: ev.Switch, CallType: ev.CallType, ANI: ev.ANI, DNIS: ev.DNIS,
		UserData: ev.UserData, Target: ev.Target, CallResult: ev.CallResult,
		ErrorCode: ev.ErrorCode, ErrorMessage: ev.ErrorMessage}
	if !ev.Time.IsZero() {
		m.SetTime(ev.Time)
	}
	return m
}

// TelephonyEvent returns the event of package telephony an event message
// carries, sharing its user data (a decoded message's own). Attributes
// telephony.Event has no field for (CustomerID, Origin, agent fields)
// are dropped.
func TelephonyEvent(m Message) telephony.Event {
	return telephony.Event{Type: telephony.EventType(m.Name), ReferenceID: telephony.ReferenceID(m.ReferenceID),
		ConnID: telephony.ConnID(m.ConnID), CallID: m.CallID, ThisDN: m.ThisDN, OtherDN: m.OtherDN, Switch: m.Switch,
		CallType: m.CallType, ANI: m.ANI, DNIS: m.DNIS, UserData: m.UserData,
		Target: m.Target, CallResult: m.CallResult, ErrorCode: m.ErrorCode, ErrorMessage: m.ErrorMessage, Time: m.Time(),
		Seq: m.Seq}
}
